"""The process group: which transport, which rank; the collectives on tensors.

One process group per process (as ``torch.distributed``'s default group). The
transport follows the current array backend unless named: ``"mpi"`` for host
arrays (NumPy, array-api-strict, JAX and torch on the CPU through the host),
``"nccl"`` for CuPy, ``"torch"`` for torch arrays (gloo on the CPU, NCCL on
CUDA). A process started without ``mpiexec`` is a world of one: every
collective returns its input, so a script runs unchanged on a laptop.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any

from .._errors import (
    ArgumentError,
    ArgumentTypeError,
    BackendError,
    DistributedError,
    MissingDependencyError,
)
from ..backend import Backend, get_backend, set_backend
from ..tensor import Tensor
from ._comm import Communicator, check_op
from ._mpi import MPICommunicator
from ._nccl import NCCLCommunicator, device_for_rank
from ._torch import TorchCommunicator

TRANSPORTS = ("mpi", "nccl", "torch")
_STATE: dict[str, Any] = {"comm": None, "hook": None}

# Launchers' environment variables that give the world size before MPI starts.
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_SIZE")


def _launched_size() -> int:
    for v in _SIZE_VARS:
        if v in os.environ:
            try:
                return int(os.environ[v])
            except ValueError:
                pass
    return 1


def _mpi_or_none(required: bool, timeout: float | None = None) -> Any:

    try:
        return MPICommunicator(timeout=timeout)
    except MissingDependencyError:
        if required or _launched_size() > 1:
            raise
        return None


def init_process_group(
    backend: str | None = None, *, abort_on_error: bool = True, timeout: float | None = None
) -> None:
    """Join the job's process group (``mpiexec -n N python3 script.py`` starts N ranks).

    ``backend``: ``"mpi"``, ``"nccl"`` or ``"torch"``; by default the one the
    current array backend uses (``xn.get_backend().collective``). With
    ``abort_on_error`` (default), an exception nobody catches on one rank prints its
    traceback and aborts the whole job (``MPI_Abort``), so the others do not wait
    forever in a collective.

    Never hang (MPI): a rank whose process exits while in the group (``sys.exit()``,
    the end of its script) tells the others; a rank waiting for it in a collective
    raises ``DistributedError`` naming it. ``timeout`` (seconds; MPI and torch) makes
    a collective that waits longer raise ``DistributedError`` too (PyTorch's
    ``init_process_group(timeout=)``; default: no limit). NCCL has neither.

    NCCL needs one GPU per rank: a rank whose backend is on the default GPU 0, with
    other ranks on its machine and more than one GPU there, moves to GPU
    ``local_rank % device_count`` and makes that the global backend
    (``xn.set_backend("cupy", device)``), so the model and data it creates next live
    there; create them after this call.
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ArgumentError(
            f"init_process_group: timeout must be positive seconds, got {timeout!r}"
        )
    if _STATE["comm"] is not None:
        raise DistributedError(
            "init_process_group: this process is already in a process group; "
            "call destroy_process_group() first"
        )
    b = get_backend()
    transport = backend if backend is not None else b.collective
    if transport not in TRANSPORTS:
        raise ArgumentError(
            f"init_process_group: backend must be one of {TRANSPORTS} (or None), got {backend!r}"
        )
    comm: Communicator
    if transport == "nccl":
        if b.collective != "nccl":
            raise BackendError(
                f"init_process_group('nccl') needs the cupy array backend (NCCL moves CuPy device "
                f"arrays); the current backend is {b}. Use 'mpi' for host arrays, 'torch' for torch"
            )

        mpi = _mpi_or_none(required=False)
        world = mpi if mpi is not None and mpi.size > 1 else None
        device = b.device.id
        if world is not None:
            device = device_for_rank(device, world.local_rank(), b.device_count())
            if device != b.device.id:  # new tensors (the model, the data) go to this GPU
                b = set_backend(b.name, device)
        comm = NCCLCommunicator(world, device)
    elif transport == "torch":
        if b.collective != "torch":
            raise BackendError(
                f"init_process_group('torch') needs the torch array backend; the current backend "
                f"is {b}. Use 'mpi' for host arrays, 'nccl' for CuPy"
            )

        mpi = _mpi_or_none(required=False)
        comm = TorchCommunicator(mpi if mpi is not None and mpi.size > 1 else None,
                                 getattr(b.device, "type", "cpu") == "cuda", timeout)  # fmt: skip
    else:
        mpi = _mpi_or_none(required=backend == "mpi", timeout=timeout)
        comm = mpi if mpi is not None else Communicator()
    _STATE["comm"] = comm
    if comm.size > 1 and not _STATE.get("atexit"):
        atexit.register(_leave_at_exit)
        _STATE["atexit"] = True
    if abort_on_error and comm.size > 1:
        _STATE["hook"] = sys.excepthook

        def abort_job(kind: Any, exc: Any, tb: Any) -> None:
            # One unbuffered write, then a moment for the launcher to forward it: MPI_Abort
            # kills every process of the job at once, output still in flight included.
            text = "".join(traceback.format_exception(kind, exc, tb))
            text += f"[rank {comm.rank}] uncaught {kind.__name__}: aborting the job\n"
            sys.stdout.flush()
            os.write(2, text.encode(errors="replace"))
            time.sleep(0.5)
            comm.abort(1)

        sys.excepthook = abort_job


def _leave_at_exit() -> None:
    """The process exits while still in the group: say so to the other ranks (see
    ``MPICommunicator.leave``) rather than leave them waiting in a collective."""
    comm = _STATE["comm"]
    leave = getattr(comm, "leave", None)
    if leave is not None:
        leave()


def destroy_process_group() -> None:
    """Leave the process group (the transport's resources are released)."""
    comm = _STATE["comm"]
    if comm is None:
        return
    comm.close()
    if _STATE["hook"] is not None:
        sys.excepthook = _STATE["hook"]
    _STATE["comm"] = _STATE["hook"] = None


def is_initialized() -> bool:
    return _STATE["comm"] is not None


def group() -> Communicator:
    """The current communicator (DistributedError when there is no process group)."""
    comm = _STATE["comm"]
    if comm is None:
        raise DistributedError(
            "no process group: call xn.distributed.init_process_group() first (a process "
            "started without mpiexec is a world of one)"
        )
    return comm


def get_rank() -> int:
    return group().rank


def get_world_size() -> int:
    return group().size


def get_backend_name() -> str:
    """The transport in use: "mpi", "nccl", "torch", or "local" for a world of one."""
    return group().name


def barrier() -> None:
    group().barrier()


def _checked(t: Any, op: str, comm: Communicator) -> Backend:
    if not isinstance(t, Tensor):
        raise ArgumentTypeError(f"{op}: expected an xpnet Tensor, got {type(t).__name__}")
    b = t.backend
    if comm.name in ("nccl", "torch") and b.collective != comm.name:
        raise BackendError(
            f"{op}: a tensor on {b.name}:{b.device_str} in a {comm.name!r} process group, which "
            f"moves {'CuPy' if comm.name == 'nccl' else 'torch'} arrays; move it with .to(...)"
        )
    return b


def all_reduce(tensor: Tensor, op: str = "sum") -> Tensor:
    """Reduce ``tensor`` over all ranks in place (``"sum"``, ``"avg"``, ``"max"``, ``"min"``)."""
    comm = group()
    check_op(op)
    b = _checked(tensor, "all_reduce", comm)
    if comm.size > 1:
        _store(tensor, comm.all_reduce(tensor._data, b, op))
    return tensor


def broadcast(tensor: Tensor, src: int = 0) -> Tensor:
    """Overwrite ``tensor`` on every rank with rank ``src``'s values (in place)."""
    comm = group()
    b = _checked(tensor, "broadcast", comm)
    if not 0 <= src < comm.size:
        raise ArgumentError(f"broadcast: src {src} is not a rank of a world of {comm.size}")
    if comm.size > 1:
        _store(tensor, comm.broadcast(tensor._data, b, src))
    return tensor


def _store(tensor: Tensor, new: Any) -> None:
    """Put a collective's result in ``tensor``: into its own memory where the library allows
    it, so that a view's base (a flat gradient buffer, a slice of a parameter) sees the
    result, as with PyTorch's in-place collectives; as new data on immutable libraries."""
    b = tensor.backend
    if new is not tensor._data and b.mutable:
        new = b.setitem(tensor._data, (...,), new)
    tensor._set_data(new)


def all_gather(tensor_list: list[Any], tensor: Tensor) -> list[Tensor]:
    """Fill ``tensor_list`` (world-size long) with every rank's ``tensor``; returns the list.

    As in PyTorch, the list's tensors must match ``tensor``'s shape, dtype, backend
    and device; their values are replaced.
    """
    comm = group()
    b = _checked(tensor, "all_gather", comm)
    if len(tensor_list) != comm.size:
        raise ArgumentError(
            f"all_gather: tensor_list has {len(tensor_list)} entries for a world of {comm.size}"
        )
    for i, t in enumerate(tensor_list):
        if not isinstance(t, Tensor) or t.backend is not b or t.shape != tensor.shape or (
            t.dtype != tensor.dtype
        ):  # fmt: skip
            what = (
                type(t).__name__
                if not isinstance(t, Tensor)
                else f"{b.dtype_name(t.dtype) if t.backend is b else t.dtype}{list(t.shape)} on "
                f"{t.backend.name}:{t.backend.device_str}"
            )
            raise BackendError(
                f"all_gather: tensor_list[{i}] is {what}; every entry must be "
                f"{b.dtype_name(tensor.dtype)}{list(tensor.shape)} on {b.name}:{b.device_str} "
                "like the input"
            )
    for t, arr in zip(tensor_list, comm.all_gather(tensor._data, b), strict=True):
        t._set_data(arr)
    return tensor_list


def all_gather_object(object_list: list[Any], obj: Any) -> list[Any]:
    """Fill ``object_list`` with every rank's ``obj`` (picklable Python objects)."""
    comm = group()
    got = comm.all_gather_object(obj)
    object_list[:] = got
    return object_list


def all_reduce_host(values: Sequence[float], op: str = "sum") -> list[float]:
    """Reduce a few Python numbers over the ranks (metrics, counts): one object exchange.

    Outside a process group (or in a world of one) the values come back as they are.
    """
    check_op(op)
    comm = _STATE["comm"]
    if comm is None or comm.size == 1:
        return [float(v) for v in values]
    rows = comm.all_gather_object([float(v) for v in values])
    cols = list(zip(*rows, strict=True))
    if op in ("sum", "avg"):
        out = [sum(c) for c in cols]
        return [v / comm.size for v in out] if op == "avg" else out
    return [max(c) if op == "max" else min(c) for c in cols]
