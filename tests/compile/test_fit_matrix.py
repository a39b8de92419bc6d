"""The compile matrix: ``fit(compile=True)`` trains the same model as ``fit()`` (bit-identical
on NumPy, 1e-6 elsewhere) for every optimizer, scheduler, precision, clipping and gradient
accumulation, with Dropout and BatchNorm in the model, on every backend. On CuPy the same
runs go through CUDA graphs too (``XPNET_CUDA_GRAPHS=1``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.data import ArrayDataset, DataLoader
from xpnet.optim import lr_scheduler as sched

OPTIMIZERS = {
    "SGD": lambda ps: xn.optim.SGD(ps, lr=0.05),
    "SGD nesterov wd": lambda ps: xn.optim.SGD(
        ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3
    ),
    "SGD dampening": lambda ps: xn.optim.SGD(ps, lr=0.05, momentum=0.8, dampening=0.2),
    "Adam": lambda ps: xn.optim.Adam(ps, lr=0.01),
    "Adam amsgrad wd": lambda ps: xn.optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=1e-3),
    "AdamW": lambda ps: xn.optim.AdamW(ps, lr=0.01),
    "RMSprop centered": lambda ps: xn.optim.RMSprop(ps, lr=0.005, centered=True),
    "RMSprop momentum": lambda ps: xn.optim.RMSprop(ps, lr=0.005, momentum=0.5),
    "Adagrad": lambda ps: xn.optim.Adagrad(ps, lr=0.05, lr_decay=0.01, weight_decay=1e-3),
}

# (fit keyword arguments, a scheduler factory or None)
FEATURES = {
    "StepLR per step": (dict(scheduler_interval="step"), lambda o: sched.StepLR(o, 2, 0.5)),
    "CosineAnnealingLR": ({}, lambda o: sched.CosineAnnealingLR(o, 3)),
    "LinearLR per step": (
        dict(scheduler_interval="step"),
        lambda o: sched.LinearLR(o, 0.1, 1.0, 6),
    ),
    "ReduceLROnPlateau": ({}, lambda o: sched.ReduceLROnPlateau(o, patience=0, factor=0.5)),
    "clip_grad_norm": (dict(clip_grad_norm=0.05), None),
    "grad_accumulation_steps=2": (dict(grad_accumulation_steps=2), None),
    "accumulation + clipping + schedule": (
        dict(grad_accumulation_steps=3, clip_grad_norm=0.1, scheduler_interval="step"),
        lambda o: sched.ExponentialLR(o, 0.9),
    ),
    "16-mixed": (dict(precision="16-mixed"), None),
    "16-mixed + accumulation + clipping": (
        dict(precision="16-mixed", grad_accumulation_steps=2, clip_grad_norm=0.1),
        None,
    ),
    "bf16-mixed": (dict(precision="bf16-mixed"), None),
}


def _loaders(b):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((56, 6)).astype(np.float32)
    y = rng.integers(0, 3, 56)
    kw = {"backend": b, "device": b.device}
    train = DataLoader(ArrayDataset(x[:40], y[:40]), 8, shuffle=True, seed=1, **kw)
    val = DataLoader(ArrayDataset(x[40:], y[40:]), 16, **kw)
    return train, val


def _model(b):
    xn.manual_seed(0)
    kw = {"backend": b, "device": b.device}
    return nn.Sequential(
        nn.Linear(6, 16, bias=False, **kw), nn.BatchNorm1d(16, **kw), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(16, 3, **kw),
    )  # fmt: skip


def _fit(b, compiled, make_opt, fit_kw, make_sched):
    model = _model(b)
    opt = make_opt(list(model.parameters()))
    train, val = _loaders(b)
    xn.manual_seed(5)
    h = xn.train.fit(
        model, nn.functional.cross_entropy, opt, train, 3, val_loader=val, compile=compiled,
        scheduler=None if make_sched is None else make_sched(opt), progress=False, log=None,
        **fit_kw,
    )  # fmt: skip
    state = {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()}
    return h, state


def _compare(b, make_opt, fit_kw=None, make_sched=None):
    fit_kw = fit_kw or {}
    low = {"16-mixed": "float16", "bf16-mixed": "bfloat16"}.get(fit_kw.get("precision", "32"))
    if low is not None:
        try:
            b.dtype(low)
        except xn.DTypeError:
            pytest.skip(f"{b} has no {low}")
    eager = _fit(b, False, make_opt, fit_kw, make_sched)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a compiled fit that falls back to eager is a failure
        compiled = _fit(b, True, make_opt, fit_kw, make_sched)
    (he, se), (hc, sc) = eager, compiled
    exact = b.name == "numpy"
    # jax.jit fuses the replay (XLA); in bfloat16 a fused program rounds fewer intermediates
    # than eager, which rounds after each op: within bfloat16's precision (eps 7.8e-3), not 1e-5
    tol = 4e-3 if b.name == "jax" and low == "bfloat16" else 1e-5
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        if exact:
            assert hc[key] == he[key], key
        else:
            np.testing.assert_allclose(hc[key], he[key], rtol=tol, atol=tol / 10, err_msg=key)
    for k in se:
        if exact:
            np.testing.assert_array_equal(sc[k], se[k], err_msg=k)
        else:
            np.testing.assert_allclose(sc[k], se[k], rtol=tol, atol=tol, err_msg=k)


@pytest.mark.parametrize("name", list(OPTIMIZERS), ids=list(OPTIMIZERS))
def test_every_optimizer(backend, name):
    _compare(backend, OPTIMIZERS[name])


@pytest.mark.parametrize("name", list(FEATURES), ids=list(FEATURES))
def test_every_feature(backend, name):
    fit_kw, make_sched = FEATURES[name]
    _compare(backend, OPTIMIZERS["Adam"], fit_kw, make_sched)
