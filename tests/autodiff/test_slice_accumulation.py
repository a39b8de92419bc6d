"""The engine adds the cotangents of a tensor's basic slices into one buffer it owns
(``ops._shape.accumulate_slice``) instead of scattering each to a full-size array and
summing those: the same values bit for bit (create_graph, which keeps the dense rule,
is the reference), one full-size array for L slices, and never a write into a tensor
that anyone else holds."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from tests.compile.steps import train_step
from xpnet import nn


def _t(data, backend, **kw):
    return xn.tensor(data, backend=backend, device=backend.device, **kw)


def _loop(x, w):
    """An RNN-like loop over x's first axis: every row a slice, some used twice, one
    overlapping slice and one dense use of x."""
    h = xn.zeros_like(x[0] @ w)
    for t in range(x.shape[0]):
        h = xn.tanh(x[t] @ w + h)
    return (h * x[0][:, :1]).sum() + (x[1:3] * 0.5).sum() + (x * x).mean()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_slice_loop_gradients_equal_the_dense_rule_bit_for_bit(backend, dtype):
    if dtype == "float64" and not backend.float64:
        pytest.skip(f"{backend} has no float64")
    rng = np.random.default_rng(0)
    dt = getattr(xn, dtype)
    x = _t(rng.standard_normal((6, 4, 3)), backend, dtype=dt, requires_grad=True)
    w = _t(rng.standard_normal((3, 5)), backend, dtype=dt, requires_grad=True)
    dense = xn.autograd.grad(_loop(x, w), [x, w], create_graph=True)  # the dense rule
    _loop(x, w).backward()
    for got, want in ((x.grad, dense[0]), (w.grad, dense[1])):
        assert got.dtype == want.dtype and got.backend is want.backend
        np.testing.assert_array_equal(got.numpy(), want.detach().numpy())


def test_slices_of_a_computed_tensor_and_an_intermediate(backend):
    """The cotangent of a non-leaf (y = 2x) sums its slices' cotangents too, and flows on."""
    x = _t([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], backend, requires_grad=True)
    y = x * 2.0
    loss = (y[0] * y[2]).sum() + y[1].sum() + y[0:2].sum()
    loss.backward()
    # d/dx: 2 * (y[2] at row 0, y[0] at row 2, 1 at row 1, 1 at rows 0 and 1)
    xn.testing.assert_close(x.grad, _t([[22.0, 26.0], [4.0, 4.0], [4.0, 8.0]], backend))


def test_one_full_size_array_for_a_loop_over_slices(monkeypatch):
    """L slices of one tensor: one scatter (the buffer), then adds into it."""
    b = xn.get_backend("numpy")
    calls = []
    scatter = type(b).scatter_add
    monkeypatch.setattr(type(b), "scatter_add", lambda *a: calls.append(1) or scatter(*a))
    x = xn.tensor(np.ones((50, 8), np.float32), requires_grad=True)
    sum(((x[t] * float(t)).sum() for t in range(50)), xn.tensor(0.0)).backward()
    assert len(calls) == 1
    np.testing.assert_array_equal(x.grad.numpy(), np.repeat(np.arange(50.0), 8).reshape(50, 8))


def test_never_writes_into_a_cotangent_someone_else_holds(backend):
    """A user's gradient for a root, and a rule's output shared by two inputs (add's rule
    passes g to both), stay as they were."""
    x = _t([1.0, 2.0, 3.0], backend, requires_grad=True)
    a = x * 1.0
    given = _t([10.0, 20.0, 30.0], backend)
    xn.autograd.backward([a, a[0] * 1.0], [given, _t(5.0, backend)])
    xn.testing.assert_close(given, _t([10.0, 20.0, 30.0], backend))
    xn.testing.assert_close(x.grad, _t([15.0, 20.0, 30.0], backend))

    u = _t([1.0, 2.0], backend, requires_grad=True)
    v = _t([3.0, 4.0], backend, requires_grad=True)
    s = u + v  # u and v receive the same cotangent tensor
    (s[0] * 1.0 + s.sum() + s[1] * 2.0).backward()
    xn.testing.assert_close(u.grad, _t([2.0, 3.0], backend))
    xn.testing.assert_close(v.grad, _t([2.0, 3.0], backend))


def test_second_order_through_slices_still_works(backend):
    x = _t([1.0, 2.0, 3.0], backend, requires_grad=True)
    y = sum((x[i] ** 3 for i in range(3)), _t(0.0, backend))
    (g,) = xn.autograd.grad(y, [x], create_graph=True)
    g.sum().backward()
    xn.testing.assert_close(x.grad, _t([6.0, 12.0, 18.0], backend))


def test_compiled_step_with_a_loop_over_slices_trains_as_eager():
    """The in-place adds are recorded like any op: a compiled step replays them (a stale
    buffer would add up across replays) and trains exactly as eager mode."""

    class Recur(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp, self.out = nn.Linear(3, 8), nn.Linear(8, 2)

        def forward(self, x):
            h = xn.zeros((x.shape[1], 8))
            for t in range(x.shape[0]):
                h = xn.tanh(self.inp(x[t]) + h)
            return self.out(h)

    rng = np.random.default_rng(0)
    data = [(rng.standard_normal((5, 4, 3)).astype(np.float32), rng.integers(0, 2, 4))
            for _ in range(6)]  # fmt: skip
    results = []
    for compiled in (False, True):
        xn.manual_seed(0)
        model = Recur()
        step = train_step(model, xn.optim.SGD(model.parameters(), lr=0.1))
        f = xn.compile(step) if compiled else step
        losses = [f(xn.tensor(x), xn.tensor(y)).item() for x, y in data]
        results.append((losses, [p.numpy() for p in model.parameters()]))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_array_equal(a, b)
