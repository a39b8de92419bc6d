"""MPI through mpi4py: host arrays (NumPy directly; other libraries through host memory)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import MissingDependencyError
from ._comm import Communicator


def import_mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise MissingDependencyError(
            'the "mpi" transport needs mpi4py and an MPI library: pip install "xpnet[mpi]" '
            f"(mpi4py and the mpich wheels from PyPI; no system MPI is needed). ({e})"
        ) from e
    return MPI


class MPICommunicator(Communicator):
    """Collectives over ``MPI.COMM_WORLD`` (or a given communicator) on host buffers.

    A NumPy array is reduced in its own buffer (``MPI.IN_PLACE``); arrays of other
    libraries are copied to the host, reduced there, and copied back: one transfer
    each way per collective, which the bucketing of DistributedDataParallel keeps to
    one per bucket.
    """

    name = "mpi"

    def __init__(self, comm: Any = None) -> None:
        self.MPI = import_mpi()
        self.comm = comm if comm is not None else self.MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self._ops = {"sum": self.MPI.SUM, "avg": self.MPI.SUM, "max": self.MPI.MAX,
                     "min": self.MPI.MIN}  # fmt: skip

    def _host(self, arr: Any, backend: Any) -> tuple[np.ndarray, bool]:
        """A contiguous host buffer for ``arr`` and whether it *is* ``arr``'s memory."""
        if backend.host_format and isinstance(arr, np.ndarray) and arr.flags.c_contiguous:
            return arr, True
        return np.ascontiguousarray(backend.to_numpy(arr)), False

    def _back(self, host: np.ndarray, arr: Any, backend: Any, shared: bool) -> Any:
        return arr if shared else backend.from_numpy(host, arr.dtype, copy=True)

    def all_reduce(self, arr: Any, backend: Any, op: str) -> Any:
        host, shared = self._host(arr, backend)
        self.comm.Allreduce(self.MPI.IN_PLACE, host, op=self._ops[op])
        if op == "avg":
            if host.dtype.kind == "f":
                host /= self.size
            else:
                host //= self.size
        return self._back(host, arr, backend, shared)

    def broadcast(self, arr: Any, backend: Any, src: int) -> Any:
        host, shared = self._host(arr, backend)
        self.comm.Bcast(host, root=src)
        return self._back(host, arr, backend, shared)

    def all_gather(self, arr: Any, backend: Any) -> list[Any]:
        host, _ = self._host(arr, backend)
        out = np.empty((self.size, *host.shape), host.dtype)
        self.comm.Allgather(host, out)
        return [backend.from_numpy(out[i], arr.dtype, copy=True) for i in range(self.size)]

    def all_gather_object(self, obj: Any) -> list[Any]:
        return list(self.comm.allgather(obj))

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)
