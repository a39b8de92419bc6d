"""Initializers: formulas, fan modes, PyTorch defaults, and identical numbers on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.nn import init


def test_seeded_layers_are_bit_identical_across_backends(backend):
    xn.manual_seed(42)
    ref = nn.Conv2d(3, 4, 3, backend="numpy")
    xn.manual_seed(42)
    got = nn.Conv2d(3, 4, 3, backend=backend, device=backend.device)
    np.testing.assert_array_equal(got.weight.numpy(), ref.weight.numpy())
    np.testing.assert_array_equal(got.bias.numpy(), ref.bias.numpy())


def test_fans():
    w = xn.zeros(8, 3, 5, 5)
    assert init.calculate_fan_in_and_fan_out(w) == (75, 200)
    with pytest.raises(xn.ShapeError):
        init.calculate_fan_in_and_fan_out(xn.zeros(3))


def test_gains():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError):
        init.calculate_gain("swish")


@pytest.mark.parametrize(
    ("fill", "bound", "std"),
    [
        (lambda t: init.uniform_(t, -2.0, 3.0), (-2.0, 3.0), None),
        (lambda t: init.normal_(t, 1.0, 0.5), None, 0.5),
        (lambda t: init.xavier_uniform_(t), (-math.sqrt(6 / 600), math.sqrt(6 / 600)), None),
        (lambda t: init.xavier_normal_(t, gain=2.0), None, 2.0 * math.sqrt(2 / 600)),
        (
            lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
            (-math.sqrt(6 / 200), math.sqrt(6 / 200)),
            None,
        ),
        (
            lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
            None,
            math.sqrt(2 / 400),
        ),
    ],
)
def test_distributions(fill, bound, std):
    t = fill(xn.zeros(400, 200))
    v = t.numpy()
    assert v.dtype == np.float32
    if bound is not None:
        lo, hi = bound
        assert v.min() >= lo and v.max() <= hi
        assert abs(v.min() - lo) < 0.01 * (hi - lo) and abs(v.max() - hi) < 0.01 * (hi - lo)
    else:
        assert abs(v.std() - std) < 0.02 * std


def test_linear_default_matches_pytorch_bounds():
    lin = nn.Linear(50, 30)
    b = 1 / math.sqrt(50)
    assert np.abs(lin.weight.numpy()).max() <= b and np.abs(lin.bias.numpy()).max() <= b
    assert np.abs(lin.weight.numpy()).max() > 0.9 * b
    emb = nn.Embedding(1000, 20)
    assert abs(emb.weight.numpy().std() - 1.0) < 0.05


def test_explicit_generator_is_reproducible():
    a = init.normal_(xn.zeros(5), generator=xn.Generator(3, host=True)).numpy()
    b = init.normal_(xn.zeros(5), generator=xn.Generator(3, host=True)).numpy()
    np.testing.assert_array_equal(a, b)
