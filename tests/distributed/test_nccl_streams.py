"""The NCCL transport's stream ordering, checked on the CPU.

A stand-in for CuPy's streams and events and for NCCL's communicator logs the calls
in order, so the ordering rules that make the overlap safe are checked without a
GPU: the side stream waits for the caller's stream before reducing, the reduction
is queued on the side stream, and ``wait()`` orders the caller's stream after it
without blocking the host. (Values on a GPU: ``test_local.test_nccl_on_one_gpu``;
overlap across ranks needs one GPU per rank, which no test machine here has.)
"""

from __future__ import annotations

import contextlib
import gc
import sys
import types

import numpy as np
import pytest

from xpnet.backend._cupy import CupyBackend
from xpnet.distributed._nccl import NCCLCommunicator, SideStreamReduce


class _Event:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


class _Cuda:
    """cupy.cuda's streams: a current-stream stack and a log of records and waits."""

    def __init__(self) -> None:
        self.log: list[tuple[str, ...]] = []
        self.null = _Stream(self, "main")
        self.stack = [self.null]
        self.made: list[_Stream] = []

    def get_current_stream(self) -> _Stream:
        return self.stack[-1]

    def Stream(self, non_blocking: bool = False) -> _Stream:  # CuPy's name
        s = _Stream(self, f"side{len(self.made)}", non_blocking)
        self.made.append(s)
        return s


class _Stream:
    def __init__(self, cuda: _Cuda, name: str, non_blocking: bool = False) -> None:
        self.cuda, self.name, self.non_blocking = cuda, name, non_blocking
        self.ptr = 1000 + len(cuda.made) if name != "main" else 0
        self.events = 0

    def record(self) -> _Event:
        self.events += 1
        ev = _Event(f"{self.name}#{self.events}")
        self.cuda.log.append(("record", self.name, ev.name))
        return ev

    def wait_event(self, ev: _Event) -> None:
        self.cuda.log.append(("wait", self.name, ev.name))

    def __enter__(self) -> _Stream:
        self.cuda.stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.cuda.stack.pop()


class _Backend:
    """What the communicator asks of a CuPy backend, on NumPy arrays; the stream pointer
    comes from CupyBackend's own method (through the stand-in cupy module)."""

    stream_pointer = CupyBackend.stream_pointer
    xp = np
    device = types.SimpleNamespace(id=0)

    def __init__(self) -> None:
        self.arrays: dict[int, np.ndarray] = {}

    def current(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def device_pointer(self, arr: np.ndarray) -> int:
        self.arrays[id(arr)] = arr
        return id(arr)

    def dtype_name(self, dtype: np.dtype) -> str:
        return np.dtype(dtype).name

    def is_float(self, dtype: np.dtype) -> bool:
        return np.dtype(dtype).kind == "f"


class _Comm:
    """NCCL's communicator for two ranks holding the same values: a sum doubles them."""

    def __init__(self, cuda: _Cuda, backend: _Backend) -> None:
        self.cuda, self.backend = cuda, backend

    def allReduce(self, src, dst, n, dtype, op, stream):  # NCCL's name
        self.cuda.log.append(("allReduce", f"stream {stream}", f"op {op}"))
        arr = self.backend.arrays[dst]
        assert src == dst and arr.size == n and arr.flags.c_contiguous
        if op in ("sum", "avg"):
            arr *= 2
        if op == "avg":
            arr /= 2


@pytest.fixture
def world(monkeypatch):
    cuda = _Cuda()
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(cuda=cuda))
    backend = _Backend()
    comm = object.__new__(NCCLCommunicator)
    comm.nccl = types.SimpleNamespace(NCCL_FLOAT32="f32", NCCL_FLOAT64="f64")
    comm.comm, comm.mpi, comm.rank, comm.size = _Comm(cuda, backend), None, 0, 2
    comm._avg = "avg"
    comm._ops = {"sum": "sum", "avg": "sum", "max": "max", "min": "min"}
    comm._streams = {}
    return cuda, backend, comm


def test_a_bucket_is_reduced_on_a_side_stream_between_two_events(world):
    cuda, backend, comm = world
    flat = np.arange(6, dtype=np.float32)
    pending = comm.start_all_reduce(flat, backend, "sum")
    assert isinstance(pending, SideStreamReduce)
    (side,) = cuda.made
    assert side.non_blocking  # the legacy default stream must not serialise with it
    assert cuda.log == [
        ("record", "main", "main#1"),  # what the compute stream queued: the gradients
        ("wait", "side0", "main#1"),
        ("allReduce", f"stream {side.ptr}", "op sum"),  # on the side stream
        ("record", "side0", "side0#1"),
    ]
    assert cuda.get_current_stream() is cuda.null  # the caller's stream is current again
    out = pending.wait()
    assert cuda.log[-1] == ("wait", "main", "side0#1")  # the compute stream waits, the host not
    assert out is flat  # contiguous: reduced in place
    np.testing.assert_array_equal(out, 2 * np.arange(6))
    pending.wait()
    assert len(cuda.log) == 5  # waiting twice queues nothing more


def test_the_side_stream_is_made_once_and_avg_divides_in_nccl_or_on_the_side_stream(world):
    cuda, backend, comm = world
    a = comm.start_all_reduce(np.ones(3, np.float32), backend, "avg")
    assert cuda.log[2][2] == "op avg"  # NCCL_AVG: one kernel
    comm._avg = None  # an NCCL before 2.10: a sum, then the division on the side stream
    b = comm.start_all_reduce(np.ones(3, np.float32), backend, "avg")
    assert len(cuda.made) == 1  # one side stream per GPU
    np.testing.assert_array_equal(a.wait(), np.ones(3))
    np.testing.assert_array_equal(b.wait(), np.ones(3))


def test_a_transposed_bucket_is_copied_on_the_callers_stream_then_reduced(world):
    _, backend, comm = world
    x = np.arange(6, dtype=np.float32).reshape(2, 3).T  # Fortran order
    out = comm.start_all_reduce(x, backend, "sum").wait()
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, 2 * x)


def test_a_dropped_reduction_still_orders_the_callers_stream_after_it(world):
    cuda, backend, comm = world
    pending = comm.start_all_reduce(np.ones(2, np.float32), backend, "sum")
    del pending  # a backward that raised before the post-backward hook
    gc.collect()
    assert cuda.log[-1] == ("wait", "main", "side0#1")


def test_a_world_of_one_reduces_at_once_without_streams(world):
    cuda, backend, comm = world
    comm.size = 1
    x = np.ones(2, np.float32)
    assert comm.start_all_reduce(x, backend, "sum").wait() is x
    assert cuda.made == [] and [e[:2] for e in cuda.log] == [("allReduce", "stream 0")]
