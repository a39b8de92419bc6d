"""NCCL through ``cupy.cuda.nccl``: CuPy arrays reduced in device memory, one GPU per rank.

The NCCL unique id is made on rank 0 and shared over MPI (the ranks are started
by ``mpiexec``); a job of one process needs no MPI. Python objects (the parameter
shapes DistributedDataParallel compares) also go over MPI.

``start_all_reduce`` (DistributedDataParallel's buckets, started while the backward
pass goes on) runs the reduction on a side stream of the communicator's, as torch
DDP does: the side stream first waits for what the caller's stream has queued (the
bucket's gradients), and ``wait()`` makes the caller's stream wait for the
reduction, so neither the host nor the compute stream blocks in between. The
bucket's buffer is made contiguous on the caller's stream and reduced in place, so
nothing is allocated on the side stream (CuPy's pool would otherwise hand such
memory back to that stream while the compute stream still reads it).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from .._errors import BackendUnavailableError
from ._comm import Communicator, Done
from ._mpi import MPICommunicator

_TYPES = {
    "float16": "NCCL_FLOAT16",
    "float32": "NCCL_FLOAT32",
    "float64": "NCCL_FLOAT64",
    "int8": "NCCL_INT8",
    "uint8": "NCCL_UINT8",
    "int32": "NCCL_INT32",
    "uint32": "NCCL_UINT32",
    "int64": "NCCL_INT64",
    "uint64": "NCCL_UINT64",
    "bfloat16": "NCCL_BFLOAT16",
}


def import_nccl() -> Any:
    try:
        from cupy.cuda import nccl
    except ImportError as e:
        raise BackendUnavailableError(
            f'the "nccl" transport needs CuPy built with NCCL (cupy.cuda.nccl): {e}'
        ) from e
    if not getattr(nccl, "available", True):
        raise BackendUnavailableError(
            'the "nccl" transport needs CuPy built with NCCL; this CuPy has no NCCL '
            "(pip install nvidia-nccl-cu12 or the matching CUDA version)"
        )
    return nccl


def device_for_rank(current: int, local_rank: int, count: int) -> int:
    """The GPU a rank uses: the one its backend names, unless that is the default GPU 0
    and other ranks on this machine would share it (NCCL refuses two ranks on one GPU):
    then local rank r takes GPU r (modulo the GPUs there are), as ``torchrun`` users do
    with ``torch.cuda.set_device(local_rank)``."""
    if current != 0 or count <= 1:
        return current
    return local_rank % count


class NCCLCommunicator(Communicator):
    name = "nccl"

    def __init__(self, mpi: MPICommunicator | None, device_id: int) -> None:
        import cupy

        self.nccl = import_nccl()
        self.mpi = mpi
        self.rank, self.size = (mpi.rank, mpi.size) if mpi is not None else (0, 1)
        uid = self.nccl.get_unique_id() if self.rank == 0 else None
        if mpi is not None:
            uid = mpi.comm.bcast(uid, root=0)
        with cupy.cuda.Device(device_id):
            self.comm = self.nccl.NcclCommunicator(self.size, uid, self.rank)
        # NCCL_AVG (NCCL >= 2.10) divides inside the reduction: no second kernel
        self._avg = getattr(self.nccl, "NCCL_AVG", None)
        self._ops = {"sum": self.nccl.NCCL_SUM, "avg": self.nccl.NCCL_SUM,
                     "max": self.nccl.NCCL_MAX, "min": self.nccl.NCCL_MIN}  # fmt: skip
        self._streams: dict[int, Any] = {}  # device id -> side stream (start_all_reduce)

    def _type(self, backend: Any, arr: Any) -> Any:
        name = backend.dtype_name(arr.dtype)
        if name not in _TYPES:
            raise BackendUnavailableError(f"NCCL has no {name} collectives")
        return getattr(self.nccl, _TYPES[name])

    def _contiguous(self, arr: Any, backend: Any) -> Any:
        """``arr`` as a C-contiguous buffer: NCCL reads ``size`` elements in row-major order.
        (A copy with ``asarray(copy=True)`` keeps a transposed array's Fortran order.)"""
        if arr.flags.c_contiguous:
            return arr
        xp = backend.xp
        return xp.reshape(xp.reshape(arr, (-1,)), arr.shape)  # a row-major copy

    def all_reduce(self, arr: Any, backend: Any, op: str) -> Any:
        buf = self._contiguous(arr, backend)
        native_avg = op == "avg" and self._avg is not None and backend.is_float(buf.dtype)
        with backend.current():
            ptr = backend.device_pointer(buf)
            self.comm.allReduce(ptr, ptr, buf.size, self._type(backend, buf),
                                self._avg if native_avg else self._ops[op],
                                backend.stream_pointer())  # fmt: skip
            if op == "avg" and not native_avg:
                if backend.is_float(buf.dtype):
                    buf /= self.size
                else:
                    buf //= self.size
        return buf

    def start_all_reduce(self, arr: Any, backend: Any, op: str) -> Any:
        """The all-reduce on the side stream, after the work the caller's stream has queued
        (see the module docstring); ``wait()`` orders the caller's stream after it."""
        if self.size == 1:
            return Done(self.all_reduce(arr, backend, op))
        import cupy

        with backend.current():
            buf = self._contiguous(arr, backend)  # any copy on the caller's stream
            side = self._side_stream(backend)
            side.wait_event(cupy.cuda.get_current_stream().record())
            with side:
                self.all_reduce(buf, backend, op)  # contiguous: in place, on the side stream
            return SideStreamReduce(buf, side.record(), backend)

    def _side_stream(self, backend: Any) -> Any:
        """The device's side stream (one per GPU), non-blocking: work on the legacy
        default stream does not wait for it, nor it for that."""
        import cupy

        key = backend.device.id
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = cupy.cuda.Stream(non_blocking=True)
        return stream

    def broadcast(self, arr: Any, backend: Any, src: int) -> Any:
        buf = self._contiguous(arr, backend)
        with backend.current():
            self.comm.bcast(backend.device_pointer(buf), buf.size, self._type(backend, buf), src,
                            backend.stream_pointer())  # fmt: skip
        return buf

    def all_gather(self, arr: Any, backend: Any) -> list[Any]:
        buf = self._contiguous(arr, backend)
        with backend.current():
            out = backend.xp.empty((self.size, *buf.shape), dtype=buf.dtype, device=backend.device)
            self.comm.allGather(backend.device_pointer(buf), backend.device_pointer(out), buf.size,
                                self._type(backend, buf), backend.stream_pointer())  # fmt: skip
        return [out[i] for i in range(self.size)]

    def all_gather_object(self, obj: Any) -> list[Any]:
        return [obj] if self.mpi is None else self.mpi.all_gather_object(obj)

    def barrier(self) -> None:
        if self.mpi is not None:
            self.mpi.barrier()

    def abort(self, code: int = 1) -> None:
        if self.mpi is not None:
            self.mpi.abort(code)
        os._exit(code)

    def close(self) -> None:
        self.comm.destroy()


class SideStreamReduce:
    """An all-reduce queued on a side stream: ``wait()`` makes the current stream wait for
    its event (the host does not block) and gives the reduced buffer."""

    __slots__ = ("backend", "buf", "done", "waited")

    def __init__(self, buf: Any, done: Any, backend: Any) -> None:
        self.buf, self.done, self.backend, self.waited = buf, done, backend, False

    def poll(self) -> None:
        pass  # NCCL progresses on its own

    def wait(self) -> Any:
        if not self.waited:
            import cupy

            with self.backend.current():  # the stream current on the buffer's GPU
                cupy.cuda.get_current_stream().wait_event(self.done)
            self.waited = True
        return self.buf

    def __del__(self) -> None:
        # dropped without wait() (a backward that raised): whoever frees the buffer next
        # must still come after the reduction that writes it
        if not self.waited:
            with contextlib.suppress(Exception):  # at shutdown CuPy may be gone already
                self.wait()
