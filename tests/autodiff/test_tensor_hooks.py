"""Tensor.register_hook and retain_grad against PyTorch's: hooks see the gradient with
respect to their tensor, a returned tensor replaces it downstream (and in a leaf's .grad),
retained gradients come after the hooks, handles remove, bad returns and compiled steps."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from tests.compile.steps import train_step
from xpnet import nn


def _run(lib, x0):
    x = lib.tensor(x0, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
    y = x * 3.0
    y.retain_grad()
    y.register_hook(lambda g: g * 10.0)  # replaces y's gradient from here on
    z = (y * y).sum() + (x * x).sum()
    z.backward()
    return x.grad.numpy(), y.grad.numpy(), seen


def test_hooks_and_retained_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    x0 = np.array([1.0, -2.0, 0.5])
    got, want = _run(xn, x0), _run(torch, x0)
    for a, b in zip(got[:2], want[:2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert len(got[2]) == len(want[2]) == 1
    np.testing.assert_allclose(got[2][0], want[2][0], rtol=1e-12)


def test_hooks_on_every_backend_and_removal(backend):
    x = xn.tensor([1.0, 2.0], backend=backend, device=backend.device, requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(g) or g * 2.0)
    (x * x).sum().backward()
    xn.testing.assert_close(x.grad, xn.tensor([4.0, 8.0], backend=backend, device=backend.device))
    assert len(calls) == 1 and calls[0].backend is backend
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    xn.testing.assert_close(x.grad, xn.tensor([2.0, 4.0], backend=backend, device=backend.device))
    assert len(calls) == 1


def test_retain_grad_accumulates_and_functional_grad_runs_hooks():
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    h.retain_grad()  # twice: one retained gradient, not two
    assert h.retains_grad and not x.retains_grad
    (h.sum() * 3.0).backward(retain_graph=True)
    (h.sum() * 3.0).backward()
    np.testing.assert_array_equal(h.grad.numpy(), [6.0, 6.0])
    y = xn.tensor([1.0, 2.0], requires_grad=True)
    y.register_hook(lambda g: g + 1.0)
    (g,) = xn.autograd.grad((y * y).sum(), [y])
    np.testing.assert_array_equal(g.numpy(), [3.0, 5.0])


def test_bad_hooks_are_refused():
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g[:1])
    with pytest.raises(xn.GraphError, match=r"returned \(1,\) for a gradient of shape \(2,\)"):
        (x * x).sum().backward()
    with pytest.raises(xn.GraphError, match="does not require grad"):
        xn.ones(2).register_hook(lambda g: g)
    with pytest.raises(xn.GraphError, match="does not require grad"):
        xn.ones(2).retain_grad()


def test_a_compiled_step_with_a_hook_runs_eagerly_and_keeps_it():
    """A replay would skip the hook's Python code: the step is not compiled, and the hook
    (gradient clipping by value here) acts on every call, as in eager mode."""
    rng = np.random.default_rng(0)
    data = [
        (rng.standard_normal((8, 3)).astype(np.float32), rng.integers(0, 2, 8)) for _ in range(4)
    ]
    results = []
    for compiled in (False, True):
        xn.manual_seed(0)
        model = nn.Linear(3, 2)
        calls = []
        model.weight.register_hook(lambda g, calls=calls: calls.append(1) or g.clamp(-0.01, 0.01))
        step = train_step(model, xn.optim.SGD(model.parameters(), lr=1.0))
        f = xn.compile(step) if compiled else step
        if compiled:
            with pytest.warns(xn.CompileWarning, match="runs eagerly.*gradient hook"):
                losses = [f(xn.tensor(x), xn.tensor(y)).item() for x, y in data]
            assert not f.compiled
        else:
            losses = [f(xn.tensor(x), xn.tensor(y)).item() for x, y in data]
        results.append((losses, model.weight.numpy(), len(calls)))
    assert results[0][0] == results[1][0] and results[0][2] == results[1][2] == 4
    np.testing.assert_array_equal(results[0][1], results[1][1])
