"""F.interpolate and nn.Upsample against PyTorch's (the spec table checks gradients of
orders 1 and 2 on every backend): source positions bit for bit in nearest mode, values
and gradients in the linear modes, dtypes and devices kept, errors."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from tests.torch_oracle import matches_torch
from xpnet import nn
from xpnet.nn import functional as F

CASES = [
    ((2, 3, 5, 7), dict(scale_factor=2)),
    ((2, 3, 5, 7), dict(size=(9, 4))),
    ((2, 3, 6, 6), dict(scale_factor=1.5)),
    ((2, 3, 6, 9), dict(size=(9, 6))),  # float32 scale 2/3: floor(6 * scale) is 4, not 3
    ((1, 2, 3, 4, 5), dict(size=(4, 4, 4))),
    ((2, 3, 5, 7), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 7), dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 6), dict(scale_factor=2.5, mode="linear")),
    ((2, 3, 6), dict(size=1, mode="linear", align_corners=True)),
    ((1, 2, 3, 4, 5), dict(scale_factor=(2, 1.5, 0.5), mode="trilinear")),
]


@pytest.mark.parametrize(("shape", "kw"), CASES, ids=[f"{s}-{k}" for s, k in CASES])
def test_interpolate_matches_pytorch(shape, kw, rng):
    torch = pytest.importorskip("torch")
    matches_torch(
        lambda lib, x: (F if lib is xn else torch.nn.functional).interpolate(x, **kw),
        [rng.standard_normal(shape)],
        rng,
    )
    x = rng.standard_normal(shape).astype(np.float32)
    y = F.interpolate(xn.tensor(x), **kw)
    t = torch.nn.functional.interpolate(torch.tensor(x), **kw)
    assert y.dtype == xn.tensor(x).dtype
    if kw.get("mode", "nearest") == "nearest":  # a gather: the same elements exactly
        np.testing.assert_array_equal(y.numpy(), t.numpy())
    else:
        np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


def test_every_backend_keeps_dtype_and_device(backend, rng):
    x = rng.standard_normal((2, 2, 3, 4)).astype(np.float32)
    want = F.interpolate(xn.tensor(x), scale_factor=2, mode="bilinear").numpy()
    t = xn.tensor(x, backend=backend, device=backend.device, requires_grad=True)
    y = F.interpolate(t, scale_factor=2, mode="bilinear")
    assert y.backend is backend and backend.dtype_name(y.dtype) == "float32"
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6)
    y.sum().backward()  # each output's two-by-two weights sum to 1: the gradient sums to its size
    assert t.grad.backend is backend
    np.testing.assert_allclose(t.grad.numpy().sum(), 2 * 2 * 6 * 8, rtol=1e-5)


def test_upsample_module_is_pytorchs():
    torch = pytest.importorskip("torch")
    for kw in (dict(scale_factor=2), dict(size=(4, 5), mode="bilinear"),
               dict(scale_factor=(2, 3), mode="bilinear", align_corners=True)):  # fmt: skip
        m, tm = nn.Upsample(**kw), torch.nn.Upsample(**kw)
        assert repr(m) == repr(tm)
        x = np.arange(24.0).reshape(1, 2, 3, 4)
        np.testing.assert_allclose(m(xn.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-12)


def test_bad_arguments_are_refused():
    x = xn.ones((1, 2, 3, 4))
    with pytest.raises(xn.ArgumentError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(xn.ArgumentError, match="exactly one of size and scale_factor"):
        F.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(xn.ShapeError, match="'linear' needs a 3-D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(xn.ArgumentError, match="align_corners can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(xn.NotSupportedError, match="mode must be one of"):
        F.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(xn.ArgumentError, match="size must be a number or 2 numbers"):
        F.interpolate(x, size=(1, 2, 3))
    with pytest.raises(xn.ShapeError, match="is empty"):
        F.interpolate(x, scale_factor=0.2)
