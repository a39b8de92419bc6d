"""ConvTranspose1d/2d (their functions are in tests/nn/spec.py: gradients of orders 1 and 2
on every backend, values against PyTorch): the adjoint of conv2d, the modules' parameters,
initialisation, ``output_size``, repr and errors against PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.nn import functional as F


@pytest.mark.parametrize(
    "geometry",
    [dict(stride=1, padding=0), dict(stride=2, padding=1), dict(stride=(2, 3), padding=(0, 2), dilation=(1, 2))],
)  # fmt: skip
def test_transposed_convolution_is_the_adjoint_of_convolution(geometry, backend, rng):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)> for the output_padding that restores
    x's size, on every backend."""
    x = rng.standard_normal((2, 3, 9, 10))
    w = rng.standard_normal((4, 3, 3, 2))
    conv = F.conv2d(xn.tensor(x, dtype="float64"), xn.tensor(w, dtype="float64"), **geometry)
    y = rng.standard_normal(conv.shape)
    dt = "float64" if backend.float64 else "float32"

    def on(a):
        return xn.tensor(a, dtype=dt, backend=backend, device=backend.device)

    st = geometry["stride"]
    st = (st, st) if isinstance(st, int) else st
    least = [int(F.conv_transpose2d(on(y), on(w), **geometry).shape[2 + i]) for i in range(2)]
    pad = tuple((x.shape[2 + i] - least[i]) for i in range(2))
    assert all(0 <= p < s for p, s in zip(pad, st, strict=True))
    back = F.conv_transpose2d(on(y), on(w), output_padding=pad, **geometry)
    assert back.shape == x.shape and back.backend is backend
    tol = 1e-10 if dt == "float64" else 1e-3
    np.testing.assert_allclose(
        float((back * on(x)).sum()), float((conv * xn.tensor(y)).sum()), rtol=tol
    )


def _pair(cls, *args, **kw):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(*args, **kw).double()
    m = getattr(nn, cls)(*args, **kw, dtype="float64")
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in tm.named_parameters()
    ]
    assert repr(m) == repr(tm)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return torch, m, tm


@pytest.mark.parametrize(
    ("cls", "args", "kw", "shape", "output_size"),
    [
        ("ConvTranspose2d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 5, 4), (10, 8)),
        ("ConvTranspose2d", (3, 2, (2, 3)), dict(stride=(1, 2), bias=False, dilation=2),
         (1, 3, 4, 4), None),
        ("ConvTranspose2d", (2, 2, 4), dict(stride=3, output_padding=2), (2, 2, 3, 3), None),
        ("ConvTranspose1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 6), [2, 4, 12]),
        ("ConvTranspose1d", (2, 3, 5), dict(dilation=2, bias=False), (1, 2, 4), None),
        ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
         (2, 4, 5, 6), None),
        ("ConvTranspose2d", (6, 6, (2, 3)), dict(groups=3, dilation=2), (1, 6, 4, 4), None),
        ("ConvTranspose2d", (4, 4, 3), dict(stride=2, groups=4), (2, 4, 3, 3), None),  # depthwise
        ("ConvTranspose1d", (4, 6, 3), dict(stride=2, groups=2), (2, 4, 7), None),
    ],
)  # fmt: skip
def test_modules_match_pytorch(cls, args, kw, shape, output_size, rng):
    torch, m, tm = _pair(cls, *args, **kw)
    x = rng.standard_normal(shape)
    xs, ts = xn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(xs, output_size=output_size), tm(ts, output_size=output_size)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    (y * xn.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), ts.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, err_msg=n)


def test_convolution_reprs_are_pytorchs():
    torch = pytest.importorskip("torch")
    for cls, args, kw in [
        ("Conv2d", (1, 16, 5), dict(padding=2)),
        ("Conv2d", (3, 4, (2, 3)), dict(stride=2, dilation=(1, 2), bias=False)),
        ("Conv1d", (3, 4, 3), {}),
        ("ConvTranspose2d", (3, 4, 3), dict(stride=2, padding=1, output_padding=1)),
        ("ConvTranspose1d", (3, 4, 3), dict(dilation=3, bias=False)),
    ]:
        assert repr(getattr(nn, cls)(*args, **kw)) == repr(getattr(torch.nn, cls)(*args, **kw))


def test_initialisation_follows_pytorch():
    """Kaiming-uniform with fan_in = C_out * kh * kw (the weight is (C_in, C_out, kh, kw))."""
    m = nn.ConvTranspose2d(64, 8, 4)
    bound = 1.0 / np.sqrt(8 * 16)  # kaiming_uniform(a=sqrt(5)) and the bias: 1/sqrt(fan_in)
    w, b = m.weight.numpy(), m.bias.numpy()
    assert m.weight.shape == (64, 8, 4, 4) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound


def test_bad_arguments_are_refused(rng):
    m = nn.ConvTranspose2d(3, 4, 3, stride=2)
    x = xn.tensor(rng.standard_normal((1, 3, 5, 5)).astype(np.float32))
    with pytest.raises(xn.ShapeError, match=r"output_size \[13, 11\] is not reachable.*\[11, 12\]"):
        m(x, output_size=(13, 11))
    with pytest.raises(xn.ShapeError, match="input has 2 channels"):
        m(x[:, :2])
    with pytest.raises(xn.ArgumentError, match=r"output_padding .* smaller than the stride"):
        F.conv_transpose2d(x, m.weight, output_padding=2, stride=2)
    with pytest.raises(xn.ArgumentError, match="groups=3 must divide in_channels 4"):
        nn.ConvTranspose2d(4, 6, 3, groups=3)
    with pytest.raises(xn.ArgumentError, match="groups=3 must divide the 4 input channels"):
        F.conv_transpose2d(xn.ones((1, 4, 3, 3)), xn.ones((4, 2, 3, 3)), groups=3)
    with pytest.raises(xn.NotSupportedError, match="padding_mode"):
        nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")
    with pytest.raises(xn.ShapeError, match=r"padding .* is too large"):
        F.conv_transpose2d(x[..., :1, :1], m.weight, padding=3)


def test_a_decoder_learns_to_upsample(rng):
    """A ConvTranspose2d trained to undo 2x average pooling of smooth images."""
    xn.manual_seed(0)
    big = rng.standard_normal((64, 1, 8, 8)).astype(np.float32)
    big = (big + np.roll(big, 1, 2) + np.roll(big, 1, 3)) / 3
    small = big.reshape(64, 1, 4, 2, 4, 2).mean(axis=(3, 5))
    model = nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1)
    opt = xn.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(150):
        opt.zero_grad()
        loss = F.mse_loss(model(xn.tensor(small)), xn.tensor(big))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])
