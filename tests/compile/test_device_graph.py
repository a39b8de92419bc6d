"""The device-graph replay of xn.compile (CUDA graphs on CuPy), driven through the backend
hook with a host stand-in, so the step's side of it (outputs, .grad, versions, checks,
capture again when storage moved, fall back when capture fails) is tested without a GPU.

The stand-in keeps what a CUDA graph keeps: input buffers at fixed addresses that each
launch copies the arguments into, and the captured program, which it runs at launch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.backend._numpy import NumpyBackend

from .steps import train_step


class HostGraph:
    def __init__(self, backend: Any, fail: bool = False) -> None:
        self.backend = backend
        self.fail = fail
        self.failed: str | None = None
        self.run: Any = None
        self.inputs: list[Any] = []
        self.results: list[Any] = []
        self.checks: list[Any] = []
        self.noted = self.captures = self.launches = self.finishes = 0

    @property
    def captured(self) -> bool:
        return self.run is not None

    def reset(self) -> None:
        self.run = None

    @contextlib.contextmanager
    def noting_allocations(self) -> Iterator[None]:
        self.noted += 1
        yield

    def capture(self, run: Any, inputs: list[Any]) -> bool:
        if self.fail:
            self.failed = "RuntimeError: capture refused (test)"
            return False
        self.captures += 1
        self.inputs = [np.array(a, copy=True) for a in inputs]
        self.run = run
        self.results = list(run(self.inputs))
        return True

    def launch(self, inputs: list[Any]) -> None:
        self.launches += 1
        for buf, a in zip(self.inputs, inputs, strict=True):
            buf[...] = a
        self.results = list(self.run(self.inputs))

    def copy(self, arr: Any) -> Any:
        return np.array(arr, copy=True)

    def finish(self, work: Any) -> Any:
        self.finishes += 1
        return work()


class GraphBackend(NumpyBackend):
    name = "numpy_graph_test"
    graphs: ClassVar[list[HostGraph]] = []
    fail: ClassVar[bool] = False
    __slots__ = ()

    def device_pointer(self, arr: Any) -> int:
        return int(np.asarray(arr).__array_interface__["data"][0])

    def device_graph(self) -> HostGraph:
        g = HostGraph(self, fail=GraphBackend.fail)
        GraphBackend.graphs.append(g)
        return g


xn.backend.register_backend(GraphBackend)


@pytest.fixture
def b():
    GraphBackend.graphs.clear()
    GraphBackend.fail = False
    return xn.get_backend("numpy_graph_test")


def _train(b: Any, steps: int, compiled: bool, reload_at: int | None = None) -> Any:
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16, backend=b), nn.Tanh(), nn.Linear(16, 3, backend=b))
    opt = xn.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(1)
    data = [
        (xn.tensor(rng.standard_normal((8, 6)).astype(np.float32), backend=b),
         xn.tensor(rng.integers(0, 3, 8), backend=b))
        for _ in range(3)
    ]  # fmt: skip

    step = train_step(model, opt)

    f = xn.compile(step, cuda_graph=True) if compiled else step
    losses = []
    for i in range(steps):
        if i == reload_at:  # new storage for every parameter: the graph's pointers go stale
            model.load_state_dict({k: v.numpy() for k, v in model.state_dict().items()})
        losses.append(float(f(*data[i % 3]).item()))
    return losses, model, f


def test_graph_replay_matches_eager_and_launches_once_per_step(b):
    eager, me, _ = _train(b, 12, False)
    comp, mc, f = _train(b, 12, True)
    assert comp == eager
    for (k, v), (_, w) in zip(me.state_dict().items(), mc.state_dict().items(), strict=True):
        np.testing.assert_array_equal(w.numpy(), v.numpy(), err_msg=k)
    [g] = GraphBackend.graphs
    assert (g.noted, g.captures) == (1, 1)
    # every replay after the first (which notes the sizes it allocates) is one launch
    assert g.launches + g.captures == g.finishes == f.replays - 1 >= 7


def test_graph_is_captured_again_when_storage_was_replaced(b):
    eager, _, _ = _train(b, 10, False, reload_at=6)
    comp, _, _ = _train(b, 10, True, reload_at=6)
    np.testing.assert_allclose(comp, eager, rtol=1e-6)
    assert [g.captures for g in GraphBackend.graphs] == [2]


def test_failed_capture_runs_the_plain_program(b):
    GraphBackend.fail = True
    eager, _, _ = _train(b, 6, False)
    comp, _, _ = _train(b, 6, True)
    assert comp == eager
    [g] = GraphBackend.graphs
    assert g.failed and g.captures == 0 and g.launches == 0


def test_no_graph_where_the_backend_has_none():
    assert xn.get_backend("numpy").device_graph() is None
    assert xn.get_backend("numpy").jit_compiler() is None
