"""``xn.autograd.forward_ad`` (PyTorch's dual tensors), with PyTorch's forward-mode AD as the
oracle: the examples of PyTorch's forward-mode tutorial, unchanged but for the import."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn
import xpnet.autograd.forward_ad as fwAD
from xpnet import nn

torch = pytest.importorskip("torch")
tfwAD = pytest.importorskip("torch.autograd.forward_ad")

RNG = np.random.default_rng(0)
X, TX, Y, TY = (RNG.standard_normal(4) for _ in range(4))


def _tangent(lib, ad, f):
    """``f``'s value and tangent at (X, Y) along (TX, TY), in ``lib`` (float64)."""
    with ad.dual_level():
        dx = ad.make_dual(lib.tensor(X), lib.tensor(TX))
        dy = ad.make_dual(lib.tensor(Y), lib.tensor(TY))
        out = ad.unpack_dual(f(lib, dx, dy))
    return out.primal.detach().numpy(), out.tangent.detach().numpy()


FUNCTIONS = {
    "elementwise": lambda lib, x, y: x**2 + y**2,
    "nonlinear": lambda lib, x, y: (lib.sin(x) * lib.exp(y)).sum() + lib.tanh(x @ y),
    "softmax": lambda lib, x, y: lib.softmax(x * y, dim=0),
    "matrix": lambda lib, x, y: lib.outer(x, y).sum(dim=1) / (1 + y * y),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_tangents_match_pytorch(name):
    f = FUNCTIONS[name]
    got = _tangent(xn, fwAD, f)
    with warnings.catch_warnings():  # PyTorch's dual level uses its deprecated torch.jit
        warnings.simplefilter("ignore", DeprecationWarning)
        want = _tangent(torch, tfwAD, f)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)


def test_the_tutorials_rules_for_duals():
    primal, tangent = xn.randn(10, 10), xn.randn(10, 10)
    plain = xn.randn(10, 10)
    with fwAD.dual_level():
        dual = fwAD.make_dual(primal, tangent)
        assert fwAD.unpack_dual(dual).tangent is tangent
        assert fwAD.unpack_dual(fwAD.make_dual(primal, tangent.T)).tangent is not tangent
        out = dual**2 + plain**2
        jvp = fwAD.unpack_dual(out).tangent
        assert fwAD.unpack_dual(plain).tangent is None  # depends on no dual
        again = fwAD.unpack_dual(out).tangent  # asking twice works
    np.testing.assert_allclose(jvp.numpy(), (2 * primal * tangent).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(again.numpy(), jvp.numpy())
    assert fwAD.unpack_dual(out).tangent is None  # outside the level
    assert jvp.dtype == xn.float32 and not jvp.requires_grad


def test_a_module_with_dual_parameters_and_functional_call():
    xn.manual_seed(0)
    model = nn.Linear(5, 5)
    x = xn.randn(16, 5)
    params = dict(model.named_parameters())
    tangents = {n: xn.rand(*p.shape) for n, p in params.items()}
    want = x @ tangents["weight"].T + tangents["bias"]
    with fwAD.dual_level():
        dual = {n: fwAD.make_dual(p, tangents[n]) for n, p in params.items()}
        got = fwAD.unpack_dual(xn.func.functional_call(model, dual, (x,))).tangent
        for n in params:  # the tutorial's other way: swap the attributes
            delattr(model, n)
            setattr(model, n, dual[n])
        swapped = fwAD.unpack_dual(model(x)).tangent
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(swapped.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_reverse_mode_still_works_after_unpacking():
    w = xn.tensor([1.0, 2.0], requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(w, xn.tensor([1.0, 0.0]))
        loss = (d * d).sum()
        assert fwAD.unpack_dual(loss).tangent.item() == 2.0
        loss.backward()  # the graph was kept; the gradient reaches the primal
    assert w.grad.tolist() == [2.0, 4.0]


def test_misuse_is_a_clear_error():
    with pytest.raises(xn.GraphError, match="no dual level"):
        fwAD.make_dual(xn.ones(2), xn.ones(2))
    with fwAD.dual_level():
        with pytest.raises(xn.ShapeError, match=r"tangent .* must have the primal's shape"):
            fwAD.make_dual(xn.ones(2), xn.ones(3))
        with pytest.raises(xn.ArgumentError, match="only floating tensors"):
            fwAD.make_dual(xn.ones(2, dtype="int64"), xn.ones(2, dtype="int64"))
        with pytest.raises(xn.GraphError, match="do not nest"):
            fwAD.enter_dual_level()

    class OnlyJvp(xn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return xn.exp(x)

    with fwAD.dual_level():
        out = OnlyJvp.apply(fwAD.make_dual(xn.ones(2), xn.ones(2)))
        with pytest.raises(xn.NotSupportedError, match=r"forward mode .* runs through it"):
            fwAD.unpack_dual(out)
