"""Mixed precision: autocast's dtypes per op, GradScaler's skipping and scaling, fit's precision."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.data import ArrayDataset, DataLoader


def _kw(b):
    return {"backend": b, "device": b.device}


def test_autocast_dtypes_per_op(backend):
    if backend.name == "array_api_strict":
        with (
            pytest.raises(xn.DTypeError, match="standard defines no float16"),
            xn.autocast("float16", backend=backend),
        ):
            pass
        return
    x = xn.randn(4, 3, **_kw(backend), requires_grad=True)
    w = xn.randn(5, 3, **_kw(backend), requires_grad=True)
    name = backend.dtype_name
    with xn.autocast("float16", backend=backend):
        y = nn.functional.linear(x, w)
        z = x @ w.mT
        s = xn.softmax(y, axis=1)
        loss = nn.functional.cross_entropy(y, xn.tensor([0, 1, 2, 3], **_kw(backend)))
    assert name(y.dtype) == "float16" and name(z.dtype) == "float16"
    assert name(s.dtype) == "float32" and name(loss.dtype) == "float32"
    loss.backward()
    assert name(x.grad.dtype) == "float32" and name(w.grad.dtype) == "float32"  # master weights
    out = nn.functional.linear(x, w)  # and nothing lingers after the block
    assert name(out.dtype) == "float32"


def test_bfloat16_where_it_exists():
    with (
        pytest.raises(xn.DTypeError, match="NumPy has no bfloat16 arithmetic"),
        xn.autocast("bfloat16", backend="numpy"),
    ):
        pass
    torch = pytest.importorskip("torch")
    del torch
    b = xn.get_backend("torch")
    with xn.autocast("bfloat16", backend=b):
        y = xn.ones(2, 3, backend=b) @ xn.ones(3, 2, backend=b)
    assert b.dtype_name(y.dtype) == "bfloat16"


def _data():
    x, y = xn.datasets.spirals(512, classes=3, seed=0)
    return x.astype(np.float32), y


def _train(precision, steps=200):
    x, y = _data()
    xn.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3)
    )
    opt = xn.optim.Adam(model.parameters(), lr=1e-3)  # a loss well above 0: 2% means something
    scaler = xn.amp.GradScaler(init_scale=2.0**12) if precision == "16" else None
    xt, yt = xn.tensor(x), xn.tensor(y)
    for _ in range(steps):
        with xn.autocast("float16", enabled=scaler is not None):
            loss = nn.functional.cross_entropy(model(xt), yt)
        opt.zero_grad()
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
    with xn.no_grad():
        return float(nn.functional.cross_entropy(model(xt), yt).item())


def test_float16_training_with_a_scaler_reaches_the_float32_loss():
    full, mixed = _train("32"), _train("16")
    assert abs(mixed - full) <= 0.02 * full, (full, mixed)


def test_an_overflowing_step_is_skipped_and_the_scale_halves():
    p = nn.Parameter(xn.tensor([1.0, 2.0]))
    opt = xn.optim.SGD([p], lr=0.1)
    scaler = xn.amp.GradScaler(init_scale=8.0, growth_interval=2)
    loss = (p * xn.tensor([float("inf"), 1.0])).sum()
    scaler.scale(loss).backward()
    assert scaler.step(opt) is None  # skipped
    scaler.update()
    assert p.tolist() == [1.0, 2.0] and scaler.get_scale() == 4.0
    for _ in range(2):  # two clean steps: the scale grows back
        opt.zero_grad()
        scaler.scale((p * 1.0).sum()).backward()
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() == 8.0 and p.tolist() == pytest.approx([0.8, 1.8])
    # the gradient the optimizer saw was unscaled
    opt.zero_grad()
    scaler.scale((p * 3.0).sum()).backward()
    scaler.unscale_(opt)
    assert p.grad.tolist() == [3.0, 3.0]
    with pytest.raises(xn.ArgumentError, match="already called"):
        scaler.unscale_(opt)


def test_scaler_state_round_trips_through_a_checkpoint(tmp_path):
    s = xn.amp.GradScaler(init_scale=64.0, growth_interval=7)
    s._growth_tracker = 3
    xn.save({"scaler": s.state_dict()}, tmp_path / "s.xpn")
    t = xn.amp.GradScaler()
    t.load_state_dict(xn.load(tmp_path / "s.xpn")["scaler"])
    assert t.state_dict() == s.state_dict()


def test_fit_with_16_mixed_precision(tmp_path):
    x, y = _data()
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = xn.optim.Adam(model.parameters(), lr=1e-2)
    h = xn.train.fit(model, nn.functional.cross_entropy, opt, DataLoader(ArrayDataset(x, y), 64), 5,
                     precision="16-mixed", checkpoint=tmp_path / "c.xpn", progress=False, log=None)  # fmt: skip
    assert h["loss"][-1] < h["loss"][0]
    assert "scaler" in xn.load(tmp_path / "c.xpn")
    with pytest.raises(xn.ArgumentError, match="precision must be"):
        xn.train.fit(model, nn.functional.cross_entropy, opt, DataLoader(ArrayDataset(x, y), 64), 1,
                     precision="8-bit", progress=False, log=None)  # fmt: skip


def test_float16_products_on_numpy_accumulate_in_float32():
    # NumPy has no float16 GEMM (its float16 matmul crawled, ~120x float32): the NumPy
    # backend multiplies in float32 and rounds once, as GPUs accumulate float16 products
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 64)).astype(np.float32)
    w = rng.standard_normal((8, 64)).astype(np.float32)
    with xn.autocast("float16"):
        y = nn.functional.linear(xn.tensor(x), xn.tensor(w))
        z = xn.tensor(x) @ xn.tensor(w).mT
    want = x.astype(np.float16).astype(np.float32) @ w.astype(np.float16).astype(np.float32).T
    for got in (y, z):
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got.numpy(), want.astype(np.float16))


def test_float16_on_numpy_says_once_that_it_is_slow():
    """NumPy computes float16 in software: autocast to it works but warns, once per backend."""
    from xpnet.ops import _common

    b = xn.get_backend("numpy")
    _common._SLOW_WARNED.discard(id(b))
    x = xn.ones((2, 2), backend=b)
    with (
        pytest.warns(xn.PerformanceWarning, match="computes float16 in software"),
        xn.autocast("float16"),
    ):
        xn.matmul(x, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with xn.autocast("float16"):
            assert xn.matmul(x, x).dtype == b.dtype("float16")  # said once, not per op
