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


def _phi(z):
    import math

    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _cdf(z):
    import math

    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


@pytest.mark.parametrize(
    ("mean", "std", "a", "b"),
    [(0.0, 0.02, -0.04, 0.04), (1.0, 2.0, -1.0, 7.0), (0.0, 1.0, -0.5, 0.1)],
)
def test_trunc_normal_draws_inside_the_bounds_with_the_truncated_moments(backend, mean, std, a, b):
    import math

    xn.manual_seed(0)
    t = xn.zeros((200, 100), backend=backend)
    nn.init.trunc_normal_(t, mean=mean, std=std, a=a, b=b)
    v = t.numpy().astype(np.float64)
    assert t.dtype == backend.dtype("float32") and v.min() >= a and v.max() <= b
    al, be = (a - mean) / std, (b - mean) / std
    z = _cdf(be) - _cdf(al)
    m = mean + std * (_phi(al) - _phi(be)) / z
    var = std**2 * (1 + (al * _phi(al) - be * _phi(be)) / z - ((_phi(al) - _phi(be)) / z) ** 2)
    assert abs(v.mean() - m) < 5 * math.sqrt(var / v.size)  # 20000 draws: within 5 standard errors
    assert abs(v.std() / math.sqrt(var) - 1) < 0.03
    xn.manual_seed(0)
    again = nn.init.trunc_normal_(
        xn.zeros((200, 100), backend=backend), mean=mean, std=std, a=a, b=b
    )
    np.testing.assert_array_equal(again.numpy(), t.numpy())  # seeded: the same draws
    with pytest.raises(xn.ArgumentError, match=r"keeps .* of N"):
        nn.init.trunc_normal_(t, a=6.0, b=7.0)
    with pytest.raises(xn.ArgumentError, match="a < b"):
        nn.init.trunc_normal_(t, a=1.0, b=1.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (6, 2, 2), (4, 4)])
def test_orthogonal_fills_a_semi_orthogonal_matrix_times_the_gain(backend, shape):
    t = nn.init.orthogonal_(xn.zeros(shape, backend=backend), gain=1.5)
    q = t.numpy().reshape(shape[0], -1).astype(np.float64) / 1.5
    small = min(q.shape)
    gram = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)
    with pytest.raises(xn.ShapeError, match="2 or more dims"):
        nn.init.orthogonal_(xn.zeros(3, backend=backend))


def test_eye_and_dirac_match_pytorch():
    torch = pytest.importorskip("torch")
    for shape in [(3, 3), (2, 4), (5, 2)]:
        np.testing.assert_array_equal(
            nn.init.eye_(xn.empty(shape)).numpy(), torch.nn.init.eye_(torch.empty(shape)).numpy()
        )
    for shape, groups in [
        ((4, 4, 3, 3), 1),
        ((6, 2, 3), 2),
        ((4, 3, 3, 1, 2), 2),
        ((2, 5, 3, 3), 1),
    ]:
        got = nn.init.dirac_(xn.empty(shape), groups).numpy()
        np.testing.assert_array_equal(got, torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight)
    x = xn.tensor(np.random.default_rng(0).standard_normal((1, 3, 5, 5)).astype(np.float32))
    np.testing.assert_allclose(conv(x).numpy(), x.numpy(), atol=1e-6)  # passes the input through
    with pytest.raises(xn.ShapeError, match="eye_: needs a 2-D"):
        nn.init.eye_(xn.empty((2, 2, 2)))
