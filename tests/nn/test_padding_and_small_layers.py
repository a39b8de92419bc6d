"""Padding layers, Softmax2d, LocalResponseNorm, AlphaDropout and F.gumbel_softmax against
PyTorch's (reprs, values, gradients; dropout and Gumbel draws by their statistics)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.nn import functional as F

torch = pytest.importorskip("torch")

PADS = [
    ("ReflectionPad1d", (2,), 3), ("ReflectionPad2d", (2,), 4), ("ReflectionPad3d", (1,), 5),
    ("ReplicationPad1d", ((1, 2),), 2), ("ReplicationPad2d", ((1, 0, 2, 3),), 4),
    ("ReplicationPad3d", (1,), 4), ("CircularPad1d", (1,), 3), ("CircularPad2d", (1,), 4),
    ("CircularPad3d", (1,), 5), ("ZeroPad1d", (1,), 2), ("ZeroPad2d", ((1, 1, 2, 0),), 3),
    ("ZeroPad3d", (1,), 5), ("ConstantPad1d", (2, 3.5), 3), ("ConstantPad2d", (1, -1.0), 4),
    ("ConstantPad3d", ((1, 0, 0, 2, 1, 1), 2.0), 4),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "ndim"), PADS, ids=[p[0] for p in PADS])
def test_padding_layers_match_pytorch(name, args, ndim, rng):
    m, tm = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(m) == repr(tm)
    x0 = rng.standard_normal((2, 3, 4, 5, 6)[5 - ndim :])
    x, t = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = m(x), tm(t)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    w = rng.standard_normal(y.shape)
    (y * xn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_padding_layers_refuse_bad_arguments():
    with pytest.raises(xn.ArgumentError, match="padding must be an int or 4 ints"):
        nn.ReflectionPad2d((1, 2))
    with pytest.raises(xn.ShapeError, match="expected a 3-D or 4-D input"):
        nn.ReflectionPad2d(1)(xn.ones((3, 3)))


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_local_response_norm_and_softmax2d_match_pytorch(size, rng):
    x0 = rng.standard_normal((2, 7, 4, 5))
    m, tm = (
        nn.LocalResponseNorm(size, 1e-2, 0.75, 2.0),
        torch.nn.LocalResponseNorm(size, 1e-2, 0.75, 2.0),
    )
    assert repr(m) == repr(tm)
    for xm, ttm in ((m, tm), (nn.Softmax2d(), torch.nn.Softmax2d())):
        x, t = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
        y, ty = xm(x), ttm(t)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
        (y**2).sum().backward()
        (ty**2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)
    x3 = rng.standard_normal((2, 5, 6))
    np.testing.assert_allclose(F.local_response_norm(xn.tensor(x3), size).numpy(),
                               torch.nn.functional.local_response_norm(torch.tensor(x3), size).numpy(),
                               rtol=1e-12)  # fmt: skip


def test_alpha_dropout_keeps_selu_statistics_like_pytorch():
    xn.manual_seed(0)
    z = F.selu(xn.randn(200_000, dtype=xn.float64))
    assert F.alpha_dropout(z, 0.3) is z  # training=False by default, as PyTorch's
    m = nn.AlphaDropout(0.3)
    assert repr(m) == repr(torch.nn.AlphaDropout(0.3))
    d = m(z).numpy()
    t = torch.nn.functional.alpha_dropout(torch.nn.functional.selu(torch.randn(200_000, dtype=torch.float64)),
                                          0.3, training=True).numpy()  # fmt: skip
    for a in (d, t):
        assert abs(a.mean()) < 0.01 and abs(a.std() - 1.0) < 0.01
    _, counts = np.unique(d, return_counts=True)
    assert abs(counts.max() / d.size - 0.3) < 0.01  # the dropped entries share one value
    m.eval()
    assert m(z) is z


@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_samples_the_categorical_and_passes_gradients_straight_through(dim):
    xn.manual_seed(0)
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    logits = xn.tensor(np.log(probs if dim == -1 else probs.T), requires_grad=True)
    hard = np.stack([F.gumbel_softmax(logits, hard=True, dim=dim).numpy() for _ in range(4000)])
    assert (
        set(np.unique(hard)) == {0.0, 1.0}
        and (hard.sum(axis=dim + 1 if dim >= 0 else -1) == 1).all()
    )
    freq = hard.mean(0) if dim == -1 else hard.mean(0).T
    np.testing.assert_allclose(freq, probs, atol=0.03)
    soft = F.gumbel_softmax(logits, tau=0.5, dim=dim)
    np.testing.assert_allclose(soft.numpy().sum(axis=dim), 1.0)
    y = F.gumbel_softmax(logits, hard=True, dim=dim)
    (y * xn.tensor(np.arange(6.0).reshape(y.shape))).sum().backward()
    assert np.abs(logits.grad.numpy()).sum() > 0  # the soft sample's gradient


def test_deprecated_orthogonal_alias():
    w = xn.empty((4, 6))
    with pytest.warns(FutureWarning, match="nn.init.orthogonal_"):
        nn.init.orthogonal(w, nn.init.calculate_gain("relu"))
    q = w.numpy() / np.sqrt(2.0)
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-5)
