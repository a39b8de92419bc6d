"""xn.autograd.Function (PyTorch's custom autograd functions) and xn.autograd.functional
(jacobian, hessian, vjp, jvp, hvp, vhp) against PyTorch's, with the same user code."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from tests.compile.steps import train_step
from xpnet import nn

torch = pytest.importorskip("torch")


def _clamp_fn(lib):
    """A straight-through clamp: forward clamps, backward passes the gradient where the
    input is inside, zero elsewhere (the classic custom Function)."""

    class Clamp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, lo, hi):
            ctx.save_for_backward(x)
            ctx.lo, ctx.hi = lo, hi
            return x.clamp(lo, hi)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            inside = (
                ((x > ctx.lo) & (x < ctx.hi)).float()
                if lib is xn
                else ((x > ctx.lo) & (x < ctx.hi)).double()
            )
            return g * inside * (1 + x * x), None, None

    return Clamp


def test_a_custom_function_matches_pytorchs():
    x0 = np.array([-2.0, -0.5, 0.3, 1.7, 0.9])
    got, want = [], []
    for lib, out in ((xn, got), (torch, want)):
        x = lib.tensor(x0, requires_grad=True)
        y = _clamp_fn(lib).apply(x * 2.0, -1.0, 1.5)
        (y * lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=x.dtype)).sum().backward()
        out += [y.detach().numpy(), x.grad.numpy()]
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_second_order_needs_input_grad_and_errors():
    class Square(xn.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x)
            ctx.flags = ctx.needs_input_grad
            return x * x + y

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2.0 * x * g, g

    x = xn.tensor([1.0, 3.0], requires_grad=True)
    out = Square.apply(x, xn.tensor([1.0, 1.0]))
    (g,) = xn.autograd.grad(out.sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [2.0, 6.0])
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])  # d/dx 2x = 2
    assert not Square.apply(xn.ones(2), xn.ones(2)).requires_grad  # nothing to record

    class Wrong(xn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(xn.ArgumentError, match="2 gradients for 1 forward arguments"):
        Wrong.apply(xn.ones(2, requires_grad=True)).sum().backward()


def test_a_compiled_step_with_a_custom_function_runs_eagerly():
    class Scale(xn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3.0

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return Scale.apply(self.fc(x))

    xn.manual_seed(0)
    model = Model()
    f = xn.compile(train_step(model, xn.optim.SGD(model.parameters(), lr=0.1)))
    x, y = xn.tensor(np.ones((4, 3), np.float32)), xn.tensor([0, 1, 0, 1])
    with pytest.warns(xn.CompileWarning, match=r"runs eagerly.*autograd\.Function Scale"):
        losses = [f(x, y).item() for _ in range(3)]
    assert losses[2] < losses[0] and not f.compiled


def test_functional_transforms_match_pytorch():
    from torch.autograd import functional as T

    from xpnet.autograd import functional as X

    x, y, v = np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.5]), np.array([1.0, -2.0, 0.5])

    def f(a):
        return a**3 * 2

    def g(a, b):
        return (a[:2] * b).sum() + (a**2).sum() * b[0]

    def h(a):
        return (a**3).sum()

    cases = [
        (X.jacobian(f, xn.tensor(x)), T.jacobian(f, torch.tensor(x))),
        (X.jacobian(g, (xn.tensor(x), xn.tensor(y))), T.jacobian(g, (torch.tensor(x), torch.tensor(y)))),
        (X.hessian(h, xn.tensor(x)), T.hessian(h, torch.tensor(x))),
        (X.hessian(g, (xn.tensor(x), xn.tensor(y))), T.hessian(g, (torch.tensor(x), torch.tensor(y)))),
        (X.vjp(f, xn.tensor(x), xn.tensor(v)), T.vjp(f, torch.tensor(x), torch.tensor(v))),
        (X.jvp(f, xn.tensor(x), xn.tensor(v)), T.jvp(f, torch.tensor(x), torch.tensor(v))),
        (X.hvp(h, xn.tensor(x), xn.tensor(v)), T.hvp(h, torch.tensor(x), torch.tensor(v))),
        (X.vhp(g, (xn.tensor(x), xn.tensor(y)), (xn.tensor(v), xn.tensor(y))),
         T.vhp(g, (torch.tensor(x), torch.tensor(y)), (torch.tensor(v), torch.tensor(y)))),
    ]  # fmt: skip

    def same(a, b):
        if isinstance(b, tuple):
            assert isinstance(a, tuple) and len(a) == len(b)
            for p, q in zip(a, b, strict=True):
                same(p, q)
        else:
            assert not a.requires_grad  # create_graph=False: detached, as PyTorch
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)

    for got, want in cases:
        same(got, want)
    assert X.jacobian(f, xn.tensor(x, requires_grad=True), create_graph=True).requires_grad
