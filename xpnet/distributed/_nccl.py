"""NCCL through ``cupy.cuda.nccl``: CuPy arrays reduced in device memory, one GPU per rank.

The NCCL unique id is made on rank 0 and shared over MPI (the ranks are started
by ``mpiexec``); a job of one process needs no MPI. Python objects (the parameter
shapes DistributedDataParallel compares) also go over MPI.
"""

from __future__ import annotations

import os
from typing import Any

from .._errors import BackendUnavailableError
from ._comm import Communicator
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
