"""Every layer and loss: gradient checks (orders 1 and 2) on every backend, and parity with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

from .spec import NN_SPECS, make_inputs

LAYERS = [
    "Linear",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Embedding",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "GELU",
    "Softmax",
    "LogSoftmax",
    "Flatten",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
]


def test_every_layer_and_loss_has_a_spec():
    covered = {c for s in NN_SPECS for c in s.covers}
    assert not set(LAYERS) - covered, f"no spec for {sorted(set(LAYERS) - covered)}"


def _inputs(spec, backend, rng, dtype):
    return [
        xn.tensor(a, backend=backend, device=backend.device)
        if i in spec.ints
        else xn.tensor(a, dtype=dtype, backend=backend, device=backend.device)
        for i, a in enumerate(make_inputs(spec, rng))
    ]


@pytest.mark.parametrize("spec", NN_SPECS, ids=[s.name for s in NN_SPECS])
def test_gradient(spec, backend, rng):
    xs = _inputs(spec, backend, rng, "float64" if backend.float64 else "float32")
    xn.check_grad(spec.fn, *xs)


@pytest.mark.parametrize(
    "spec", [s for s in NN_SPECS if s.torch_fn], ids=[s.name for s in NN_SPECS if s.torch_fn]
)
def test_matches_pytorch(spec, backend, rng):
    torch = pytest.importorskip("torch")
    host = make_inputs(spec, rng)
    xs = [
        xn.tensor(a, backend=backend, device=backend.device)
        if i in spec.ints
        else xn.tensor(a, dtype="float32", backend=backend, device=backend.device)
        for i, a in enumerate(host)
    ]
    out = spec.fn(*xs)
    ts = [
        torch.tensor(a) if i in spec.ints else torch.tensor(a, dtype=torch.float32)
        for i, a in enumerate(host)
    ]
    expected = spec.torch_fn(*ts).numpy()
    assert out.backend is backend and backend.dtype_name(out.dtype) == "float32"
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)
