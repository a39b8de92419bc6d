"""MPI through mpi4py: host arrays (NumPy directly; other libraries through host memory).

Collectives never wait blind: each is started non-blocking and waited on while
watching two things, so a broken job fails with a message instead of hanging:

- a rank that *left* (its process exited: ``sys.exit()``, the end of its script, an
  exception that did not abort) posts a notice on a separate communicator, and every
  rank waiting in a collective raises ``DistributedError`` naming it;
- ``timeout`` (``init_process_group(timeout=...)``): a collective that has not
  completed after that many seconds raises ``DistributedError`` (a rank stuck, or
  running a different sequence of collectives).

Either error, uncaught, aborts the whole job (``init_process_group``'s
``abort_on_error``). The process group cannot be used after such an error.
"""

from __future__ import annotations

import pickle
import time
from typing import Any

import numpy as np

from .._errors import DistributedError, MissingDependencyError
from ._comm import Communicator

_LEFT = 7  # the tag of "this rank left the job" notices


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

    def __init__(self, comm: Any = None, timeout: float | None = None) -> None:
        self.MPI = import_mpi()
        self.comm = comm if comm is not None else self.MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self.timeout = timeout
        self.notices = self.comm.Dup() if self.size > 1 else None  # "rank r left" travels here
        self._ops = {"sum": self.MPI.SUM, "avg": self.MPI.SUM, "max": self.MPI.MAX,
                     "min": self.MPI.MIN}  # fmt: skip

    def local_rank(self) -> int:
        """This rank's index among the ranks on its own machine (node): its GPU's index."""
        local = self.comm.Split_type(self.MPI.COMM_TYPE_SHARED)
        try:
            return int(local.Get_rank())
        finally:
            local.Free()

    # -- waiting ------------------------------------------------------------------
    def _wait(self, req: Any, what: str) -> None:
        """Wait for ``req``, failing when a rank left or ``timeout`` passed."""
        if req.Test():
            return
        start = time.monotonic()
        spins = 0
        while not req.Test():
            spins += 1
            if spins % 64 == 0:
                self._check_left(what)
                waited = time.monotonic() - start
                if self.timeout is not None and waited > self.timeout:
                    raise DistributedError(
                        f"{what} on rank {self.rank}: the other ranks did not join within "
                        f"{self.timeout:g} s (init_process_group(timeout=...)); a rank is stuck, "
                        "or the ranks run different numbers of steps (uneven batches?)"
                    )
            if spins > 2000:
                time.sleep(0.0002)  # a long wait: let the other ranks have the cores

    def _check_left(self, what: str) -> None:
        if self.notices is None:
            return
        status = self.MPI.Status()
        if self.notices.Iprobe(source=self.MPI.ANY_SOURCE, tag=_LEFT, status=status):
            raise DistributedError(
                f"{what} on rank {self.rank}: rank {status.Get_source()} left the job (its "
                "process exited: sys.exit(), the end of its script, or an error) while this "
                "rank waits for it"
            )

    def leave(self) -> None:
        """At process exit: tell the others this rank leaves, then wait until every rank
        leaves too. A rank still computing is waited for; a rank waiting in a collective
        for this one sees the notice, fails, and (``abort_on_error``) ends the job."""
        if self.notices is None:
            return
        one = np.zeros(1, np.int8)
        sends = [
            self.notices.Isend(one, dest=r, tag=_LEFT) for r in range(self.size) if r != self.rank
        ]
        done = self.notices.Ibarrier()
        while not done.Test():
            time.sleep(0.001)
        for r in range(self.size):  # every rank sent its notice before the barrier
            if r != self.rank:
                self.notices.Recv(np.zeros(1, np.int8), source=r, tag=_LEFT)
        self.MPI.Request.Waitall(sends)

    # -- collectives --------------------------------------------------------------
    def _host(self, arr: Any, backend: Any) -> tuple[np.ndarray, bool]:
        """A contiguous host buffer for ``arr`` and whether it *is* ``arr``'s memory."""
        if backend.host_format and isinstance(arr, np.ndarray) and arr.flags.c_contiguous:
            return arr, True
        return np.ascontiguousarray(backend.to_numpy(arr)), False

    def _back(self, host: np.ndarray, arr: Any, backend: Any, shared: bool) -> Any:
        return arr if shared else backend.from_numpy(host, arr.dtype, copy=True)

    def all_reduce(self, arr: Any, backend: Any, op: str) -> Any:
        return self.start_all_reduce(arr, backend, op).wait()

    def start_all_reduce(self, arr: Any, backend: Any, op: str) -> _Pending:
        host, shared = self._host(arr, backend)
        req = self.comm.Iallreduce(self.MPI.IN_PLACE, host, op=self._ops[op])
        return _Pending(self, req, host, arr, backend, shared, op)

    def broadcast(self, arr: Any, backend: Any, src: int) -> Any:
        host, shared = self._host(arr, backend)
        self._wait(self.comm.Ibcast(host, root=src), "broadcast")
        return self._back(host, arr, backend, shared)

    def all_gather(self, arr: Any, backend: Any) -> list[Any]:
        host, _ = self._host(arr, backend)
        out = np.empty((self.size, *host.shape), host.dtype)
        self._wait(self.comm.Iallgather(host, out), "all_gather")
        return [backend.from_numpy(out[i], arr.dtype, copy=True) for i in range(self.size)]

    def all_gather_object(self, obj: Any) -> list[Any]:
        data = np.frombuffer(pickle.dumps(obj), np.uint8)
        sizes = np.empty(self.size, np.int64)
        self._wait(
            self.comm.Iallgather(np.array([data.size], np.int64), sizes), "all_gather_object"
        )
        out = np.empty(int(sizes.sum()), np.uint8)
        req = self.comm.Iallgatherv(data, [out, sizes.tolist()])
        self._wait(req, "all_gather_object")
        ends = np.cumsum(sizes)
        return [pickle.loads(out[e - n : e].tobytes()) for e, n in zip(ends, sizes, strict=True)]

    def barrier(self) -> None:
        self._wait(self.comm.Ibarrier(), "barrier")

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)

    def close(self) -> None:
        if self.notices is not None:
            self.notices.Free()
            self.notices = None


class _Pending:
    """An MPI all-reduce under way (``Iallreduce``): ``wait()`` finishes it."""

    __slots__ = ("arr", "backend", "comm", "host", "op", "req", "shared")

    def __init__(self, comm: MPICommunicator, req: Any, host: np.ndarray, arr: Any, backend: Any,
                 shared: bool, op: str) -> None:  # fmt: skip
        self.comm, self.req, self.host, self.arr = comm, req, host, arr
        self.backend, self.shared, self.op = backend, shared, op

    def poll(self) -> None:
        self.req.Test()  # MPI progresses nonblocking collectives inside its calls

    def wait(self) -> Any:
        c, host = self.comm, self.host
        c._wait(self.req, "all_reduce")
        if self.op == "avg":
            if host.dtype.kind == "f":
                host /= c.size
            else:
                host //= c.size
        return c._back(host, self.arr, self.backend, self.shared)
