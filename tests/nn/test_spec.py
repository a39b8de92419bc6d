"""Every layer and loss: gradient checks (orders 1 and 2) on every backend, and parity with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

from .spec import NN_KINKS, NN_SPECS, make_inputs

LAYERS = [
    "Linear",
    "Conv3d",
    "MaxPool3d",
    "AvgPool3d",
    "EmbeddingBag",
    "LocalResponseNorm",
    "CTCLoss",
    "Bilinear",
    "Unfold",
    "Fold",
    "Conv1d",
    "Conv2d",
    "Upsample",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "AdaptiveAvgPool2d",
    "Identity",
    "SiLU",
    "Softplus",
    "Unflatten",
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
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "SoftMarginLoss",
    "CosineEmbeddingLoss",
    "TripletMarginLoss",
    "MultiLabelSoftMarginLoss",
    "GaussianNLLLoss",
    "PoissonNLLLoss",
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


KINKED = [
    "ReLU",
    "LeakyReLU",
    "GELU",
    "Sigmoid",
    "Tanh",
    "BCEWithLogitsLoss",
    "L1Loss",
    "HuberLoss",
    "MSELoss",
]


def test_every_activation_and_loss_with_a_kink_has_a_kink_row():
    missing = sorted(set(KINKED) - {c for c, _ in NN_KINKS})
    assert not missing, f"no NN_KINKS row in tests/nn/spec.py for {missing}"


@pytest.mark.parametrize("kink", [k for _, k in NN_KINKS], ids=[k.name for _, k in NN_KINKS])
def test_gradient_at_kinks(kink, backend):
    dtype = "float64" if backend.float64 else "float32"
    x = xn.tensor(kink.points, dtype=dtype, backend=backend, device=backend.device)
    g = xn.grad(lambda x: kink.fn(x).sum())(x)
    gg = xn.grad(lambda x: xn.grad(lambda y: kink.fn(y).sum())(x).sum())(x)
    np.testing.assert_allclose(g.numpy(), kink.grad, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gg.numpy(), kink.grad2, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kink", [k for _, k in NN_KINKS], ids=[k.name for _, k in NN_KINKS])
def test_kink_values_are_pytorchs(kink):
    torch = pytest.importorskip("torch")
    f = kink.torch_fn or getattr(torch, kink.prim)
    x = torch.tensor(kink.points, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), kink.grad, rtol=1e-12)
    gg = torch.autograd.grad(g.sum(), x, allow_unused=True)[0] if g.requires_grad else None
    got = np.zeros(len(kink.points)) if gg is None else gg.numpy(force=True)
    np.testing.assert_allclose(got, kink.grad2, rtol=1e-12, atol=1e-15)
