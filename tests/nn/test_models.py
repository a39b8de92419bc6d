"""End to end: a LeNet-style CNN and an MLP, built, trained with every optimizer on every
backend, moved between backends/devices, saved and reloaded elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

OPTIMIZERS = [
    (xn.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (xn.optim.Adam, dict(lr=3e-3)),
    (xn.optim.AdamW, dict(lr=3e-3)),
    (xn.optim.RMSprop, dict(lr=1e-3)),
    (xn.optim.Adagrad, dict(lr=3e-2)),
]


def lenet(**kw):
    return nn.Sequential(
        nn.Conv2d(1, 4, 5, padding=2, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 5, **kw), nn.BatchNorm2d(8, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 1 * 1, 16, **kw), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3, **kw),
    )  # fmt: skip


def mlp(**kw):
    return nn.Sequential(
        nn.Linear(12, 32, **kw), nn.LayerNorm(32, **kw), nn.GELU(), nn.Linear(32, 16, **kw), nn.Tanh(),
        nn.Linear(16, 3, **kw),
    )  # fmt: skip


def _data(image: bool, n: int = 48):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    if image:
        x = rng.normal(0, 0.3, (n, 1, 12, 12)).astype(np.float32)
        for i, c in enumerate(y):  # class = which third of the image is bright
            x[i, 0, :, 4 * c : 4 * c + 4] += 1.0
    else:
        centers = rng.normal(0, 1.0, (3, 12))
        x = (centers[y] + rng.normal(0, 0.3, (n, 12))).astype(np.float32)
    return x, y


@pytest.mark.parametrize("arch", ["lenet", "mlp"])
@pytest.mark.parametrize("opt_i", range(len(OPTIMIZERS)), ids=[o[0].__name__ for o in OPTIMIZERS])
def test_train_with_every_optimizer(arch, opt_i, backend):
    kw = {"backend": backend, "device": backend.device}
    xn.manual_seed(0)
    model = lenet(**kw) if arch == "lenet" else mlp(**kw)
    cls, hp = OPTIMIZERS[opt_i]
    opt = cls(model.parameters(), **hp)
    x_np, y_np = _data(arch == "lenet")
    x, y = xn.tensor(x_np, **kw), xn.tensor(y_np, **kw)
    losses = []
    for _ in range(40 if arch == "lenet" else 25):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0], losses
    assert all(p.backend is backend for p in model.parameters())
    model.eval()
    with xn.no_grad():
        accuracy = (model(x).argmax(axis=1) == y).astype("float32").mean().item()
    assert accuracy > 0.8


def test_move_save_and_reload_elsewhere(tmp_path):
    xn.manual_seed(0)
    model = lenet()
    x_np, y_np = _data(True)
    opt = xn.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xn.tensor(x_np)), xn.tensor(y_np)).backward()
        opt.step()
    model.eval()
    with xn.no_grad():
        reference = model(xn.tensor(x_np)).numpy()

    # move to another backend and device: same function
    model.to(backend="array_api_strict", device="device1")
    with xn.no_grad():
        moved = model(xn.tensor(x_np, backend="array_api_strict", device="device1")).numpy()
    np.testing.assert_allclose(moved, reference, rtol=1e-5, atol=1e-6)

    # save from there, reload into a fresh model on yet another backend
    xn.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "lenet.xpn")
    available = xn.available_backends()
    target = "torch" if "torch" in available else "array_api_strict"
    ck = xn.load(tmp_path / "lenet.xpn", backend=target)
    fresh = lenet(backend=target)
    fresh.load_state_dict(ck["model"])
    fresh.eval()
    with xn.no_grad():
        again = fresh(xn.tensor(x_np, backend=target)).numpy()
    np.testing.assert_allclose(again, reference, rtol=1e-5, atol=1e-6)
    opt2 = xn.optim.Adam(fresh.parameters(), lr=3e-3)
    opt2.load_state_dict(ck["optim"])
    assert all(
        v.backend.name == target
        for s in opt2.state.values()
        for v in s.values()
        if isinstance(v, xn.Tensor)
    )
