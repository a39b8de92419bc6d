"""torch.distributed for torch arrays: gloo on the CPU, NCCL on CUDA.

The rendezvous address comes from the environment (``MASTER_ADDR``,
``MASTER_PORT``, ``RANK``, ``WORLD_SIZE``, as ``torchrun`` sets them); under
``mpiexec`` with mpi4py installed, rank and size come from MPI and rank 0 picks a
free port and shares it, so the same launch command works for every transport.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from ._comm import Communicator
from ._mpi import MPICommunicator


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TorchCommunicator(Communicator):
    name = "torch"

    def __init__(
        self, mpi: MPICommunicator | None, cuda: bool, timeout: float | None = None
    ) -> None:
        import torch.distributed as td

        self.td = td
        self.mpi = mpi
        if mpi is not None:
            rank, size = mpi.rank, mpi.size
            port = mpi.comm.bcast(_free_port() if rank == 0 else None, root=0)
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            os.environ.setdefault("MASTER_PORT", str(port))
        else:
            rank = int(os.environ.get("RANK", 0))
            size = int(os.environ.get("WORLD_SIZE", 1))
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            os.environ.setdefault("MASTER_PORT", str(_free_port()))
        self.rank, self.size = rank, size
        if not td.is_initialized():
            kw: dict[str, Any] = {}
            if timeout is not None:
                import datetime

                kw["timeout"] = datetime.timedelta(seconds=timeout)
            td.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=size, **kw)
        self._ops = {"sum": td.ReduceOp.SUM, "avg": td.ReduceOp.SUM, "max": td.ReduceOp.MAX,
                     "min": td.ReduceOp.MIN}  # fmt: skip

    def all_reduce(self, arr: Any, backend: Any, op: str) -> Any:
        buf = arr if arr.is_contiguous() else arr.contiguous()
        self.td.all_reduce(buf, op=self._ops[op])
        if op == "avg":
            if buf.is_floating_point():
                buf /= self.size
            else:
                buf //= self.size
        return buf

    def broadcast(self, arr: Any, backend: Any, src: int) -> Any:
        buf = arr if arr.is_contiguous() else arr.contiguous()
        self.td.broadcast(buf, src=src)
        return buf

    def all_gather(self, arr: Any, backend: Any) -> list[Any]:
        buf = arr.contiguous()
        out = [buf.new_empty(buf.shape) for _ in range(self.size)]
        self.td.all_gather(out, buf)
        return out

    def all_gather_object(self, obj: Any) -> list[Any]:
        out: list[Any] = [None] * self.size
        self.td.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        self.td.barrier()

    def abort(self, code: int = 1) -> None:
        if self.mpi is not None:
            self.mpi.abort(code)
        os._exit(code)

    def close(self) -> None:
        if self.td.is_initialized():
            self.td.destroy_process_group()
