"""The fused max pooling (non-overlapping windows) against the composite (im2col + max):
values, gradients with tied maxima, sizes that leave rows out, second derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.nn import functional as F
from xpnet.ops import internal


def _composite(x, k):
    """The unfold path, which max_pool2d takes for every other geometry."""
    n, c, h, w = x.shape
    ho, wo = h // k, w // k
    cols = F.unfold(x, kernel=(k, k), stride=(k, k))  # (n, c*k*k, ho*wo)
    windows = xn.reshape(cols, (n, c, k * k, ho, wo))
    return internal.max_p(windows, axis=(2,), keepdims=False)


@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (2, 2, 7, 9), (1, 1, 4, 6)])
@pytest.mark.parametrize("k", [2, 3])
def test_fused_equals_composite_with_ties(backend, shape, k):
    rng = np.random.default_rng(0)
    host = np.round(rng.standard_normal(shape) * 2) / 2  # many tied maxima
    x1 = xn.tensor(host, dtype="float32", backend=backend, requires_grad=True)
    x2 = xn.tensor(host, dtype="float32", backend=backend, requires_grad=True)
    weight = xn.tensor(rng.standard_normal((shape[0], shape[1], shape[2] // k, shape[3] // k)),
                       dtype="float32", backend=backend)  # fmt: skip
    fused = F.max_pool2d(x1, k)
    assert fused.grad_fn is not None and fused.grad_fn.prim is internal.max_pool_p
    composite = _composite(x2, k)
    xn.testing.assert_close(fused, composite)
    (fused * weight).sum().backward()
    (composite * weight).sum().backward()
    xn.testing.assert_close(x1.grad, x2.grad, rtol=1e-6, atol=1e-7)
    assert x1.grad.dtype == x1.dtype and x1.grad.device == x1.device


def test_second_derivative_equals_composite():
    rng = np.random.default_rng(1)
    host = rng.permutation(64).reshape(1, 1, 8, 8) * 0.1
    v = xn.tensor(rng.standard_normal((1, 1, 4, 4)))

    def gnorm(pool):
        return lambda x: (xn.grad(lambda x: (pool(x) * v).sum())(x) ** 2).sum()

    x = xn.tensor(host, dtype="float64")
    a = xn.grad(lambda y: xn.grad(lambda x: (F.max_pool2d(x, 2) * v * x.sum()).sum())(y).sum())(x)
    b = xn.grad(lambda y: xn.grad(lambda x: (_composite(x, 2) * v * x.sum()).sum())(y).sum())(x)
    xn.testing.assert_close(a, b)
    assert gnorm(lambda x: F.max_pool2d(x, 2))(x).item() == pytest.approx(
        gnorm(lambda x: _composite(x, 2))(x).item()
    )


def test_other_geometries_keep_the_composite():
    x = xn.ones((1, 1, 6, 6), requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.prim is internal.max_pool_p
    for kw in (
        {"kernel_size": 3, "stride": 2},
        {"kernel_size": 2, "padding": 1},
        {"kernel_size": 1},
    ):
        assert F.max_pool2d(x, **kw).grad_fn.prim is not internal.max_pool_p, kw
