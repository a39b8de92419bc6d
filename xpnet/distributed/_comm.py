"""The communicator protocol, and the world of one process.

A communicator moves *native arrays* of one backend between the ranks of a job:
``all_reduce`` (in place where the transport allows; it returns the result array),
``broadcast``, ``all_gather``, plus Python objects (``all_gather_object``, used
to compare parameter shapes across ranks) and ``barrier``. Tensors never reach
this layer: ``xpnet.distributed`` unwraps them, checks them, and writes the
results back.
"""

from __future__ import annotations

import os
from typing import Any

from .._errors import ArgumentError

OPS = ("sum", "avg", "max", "min")


def check_op(op: str) -> str:
    if op not in OPS:
        raise ArgumentError(f"all_reduce: op must be one of {OPS}, got {op!r}")
    return op


class Done:
    """A collective that has finished: ``wait()`` gives its result."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def poll(self) -> None:
        pass

    def wait(self) -> Any:
        return self.value


class Communicator:
    """The collectives a transport provides (the base class is the world of one rank)."""

    name = "local"
    rank = 0
    size = 1

    def all_reduce(self, arr: Any, backend: Any, op: str) -> Any:
        return arr  # the sum, mean, max or min over one rank is the array itself

    def start_all_reduce(self, arr: Any, backend: Any, op: str) -> Any:
        """Start an all-reduce and return at once: ``.wait()`` on the result gives what
        ``all_reduce`` returns, ``.poll()`` lets it progress. Transports with nonblocking
        collectives (MPI) overlap it with the caller's work; the others run it now."""
        return Done(self.all_reduce(arr, backend, op))

    def broadcast(self, arr: Any, backend: Any, src: int) -> Any:
        return arr

    def all_gather(self, arr: Any, backend: Any) -> list[Any]:
        return [backend.xp.asarray(arr, copy=True)]

    def all_gather_object(self, obj: Any) -> list[Any]:
        return [obj]

    def barrier(self) -> None:
        pass

    def abort(self, code: int = 1) -> None:
        os._exit(code)

    def close(self) -> None:
        pass
