"""Conv3d and the 3-D pools against PyTorch's: reprs, state dicts, values and gradients
(strides, padding, "same", padding modes, dilation, groups, depthwise, unbatched input),
the refusals, and a small volumetric classifier that learns."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.nn import functional as F

torch = pytest.importorskip("torch")

CONVS = [
    ((4, 6, 3), {}),
    ((4, 6, (2, 3, 1)), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1))),
    ((4, 6, 3), dict(groups=2, padding="same")),
    ((4, 4, 3), dict(groups=4, bias=False, stride=2)),
    ((4, 6, 3), dict(padding=1, padding_mode="reflect")),
]


def _grads(m, tm, x0):
    x, t = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = m(x), tm(t)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (y**2).sum().backward()
    (ty**2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, err_msg=name)


@pytest.mark.parametrize(("args", "kw"), CONVS, ids=[str(k) for _, k in CONVS])
def test_conv3d_matches_pytorch(args, kw, rng):
    tm = torch.nn.Conv3d(*args, **kw).double()
    m = nn.Conv3d(*args, **kw, dtype="float64")
    assert repr(m) == repr(tm)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in tm.named_parameters()
    ]
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    _grads(m, tm, rng.standard_normal((2, 4, 6, 7, 8)))
    _grads(m, tm, rng.standard_normal((4, 6, 7, 8)))  # unbatched


POOLS = [
    ("MaxPool3d", (2,)), ("MaxPool3d", ((3, 2, 2), (2, 1, 2), (1, 0, 1))), ("AvgPool3d", (2,)),
    ("AvgPool3d", (3, 2, 1)), ("AdaptiveAvgPool3d", ((2, 3, 1),)), ("AdaptiveMaxPool3d", (2,)),
    ("AdaptiveAvgPool3d", (1,)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args"), POOLS, ids=[f"{n}{a}" for n, a in POOLS])
def test_3d_pools_match_pytorch(name, args, rng):
    m, tm = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(m) == repr(tm)
    _grads(m, tm, rng.standard_normal((2, 3, 6, 7, 8)))


def test_3d_refusals_name_what_is_not_supported():
    x = xn.ones((1, 2, 4, 4, 4))
    with pytest.raises(xn.NotSupportedError, match="ceil_mode"):
        F.max_pool3d(x, 2, ceil_mode=True)
    with pytest.raises(xn.NotSupportedError, match="count_include_pad=False"):
        F.avg_pool3d(x, 2, count_include_pad=False)
    with pytest.raises(xn.ShapeError, match="input has 2 channels"):
        F.conv3d(x, xn.ones((3, 4, 1, 1, 1)))
    with pytest.raises(xn.ArgumentError, match="padding='same' needs stride 1"):
        F.conv3d(x, xn.ones((3, 2, 1, 1, 1)), stride=2, padding="same")
    with pytest.raises(xn.ArgumentError, match="three positive ints"):
        nn.Conv3d(2, 3, (1, 2))


def test_a_volumetric_classifier_learns():
    """A Conv3d/MaxPool3d/AdaptiveAvgPool3d net tells a bright cube's corner (front or back
    of the volume) apart."""
    xn.manual_seed(0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 64)
    vols = rng.standard_normal((64, 1, 8, 8, 8)).astype(np.float32) * 0.3
    for i, lab in enumerate(labels):
        vols[i, 0, lab * 4 : lab * 4 + 4, 2:6, 2:6] += 1.0
    net = nn.Sequential(nn.Conv3d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool3d(2),
                        nn.Conv3d(4, 4, 3, padding=1), nn.AdaptiveAvgPool3d((2, 1, 1)),
                        nn.Flatten(), nn.Linear(8, 2))  # fmt: skip
    opt = xn.optim.Adam(net.parameters(), lr=0.02)
    x, y = xn.tensor(vols), xn.tensor(labels)
    for _ in range(40):
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss) < 0.1 and float((net(x).argmax(1) == y).float().mean()) == 1.0
