"""Fused primitives against the composites they replace: values and gradients."""

from __future__ import annotations

import numpy as np

import xpnet as xn
import xpnet.nn.functional as F
from xpnet.ops._fused_losses import binary_cross_entropy_p, softmax_cross_entropy_p


def _t(a, backend, **kw):
    return xn.tensor(np.asarray(a), backend=backend, device=backend.device, **kw)


def _same(f_fused, f_composite, *inputs):
    a, b = f_fused(*inputs), f_composite(*inputs)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    floats = tuple(i for i, x in enumerate(inputs) if x.backend.is_float(x.dtype))
    ga = xn.grad(lambda *xs: f_fused(*xs).sum(), argnums=floats)(*inputs)
    gb = xn.grad(lambda *xs: f_composite(*xs).sum(), argnums=floats)(*inputs)
    for u, v in zip(ga, gb, strict=True):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-4, atol=1e-6)


def test_linear_matches_matmul_plus_bias(backend, rng):
    x = _t(rng.standard_normal((3, 2, 4)), backend, dtype="float32")
    w = _t(rng.standard_normal((5, 4)), backend, dtype="float32")
    b = _t(rng.standard_normal(5), backend, dtype="float32")
    _same(F.linear, lambda x, w, b: x @ w.mT + b, x, w, b)


def test_softmax_cross_entropy_matches_log_softmax_pick(backend, rng):
    x = _t(rng.standard_normal((6, 4)) * 5, backend, dtype="float32")
    y = _t(np.array([0, 3, 1, 2, 3, 0]), backend)
    composite = lambda x, y: (
        -xn.take_along_axis(xn.log_softmax(x, axis=1), xn.expand_dims(y, axis=1), axis=1)[:, 0]
    )
    _same(softmax_cross_entropy_p, composite, x, y)


def test_binary_cross_entropy_matches_clamped_logs(backend, rng):
    p = _t(rng.uniform(0.05, 0.95, 7), backend, dtype="float32")
    t = _t(rng.uniform(0, 1, 7), backend, dtype="float32")

    def composite(p, t):
        return -(t * xn.log(p) + (1.0 - t) * xn.log(1.0 - p))

    _same(binary_cross_entropy_p, composite, p, t)
    # at the clamp: p = 0 and p = 1 give 100, like PyTorch, and finite gradients
    edge = _t([0.0, 1.0], backend, dtype="float32", requires_grad=True)
    loss = binary_cross_entropy_p(edge, _t([1.0, 0.0], backend, dtype="float32"))
    assert loss.tolist() == [100.0, 100.0]
    loss.sum().backward()
    assert np.isfinite(edge.grad.numpy()).all()
