"""F.affine_grid and F.grid_sample against PyTorch's (values and gradients for the input,
the grid and theta, both align_corners, bilinear and nearest, zeros and border padding),
and a transform learned through them."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border"])
def test_grid_sample_matches_pytorch(align_corners, mode, padding_mode, rng):
    x0 = rng.standard_normal((2, 3, 6, 8))
    g0 = rng.uniform(-1.3, 1.3, (2, 4, 5, 2))  # some points outside the image
    x, t = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    g, tg = xn.tensor(g0, requires_grad=True), torch.tensor(g0, requires_grad=True)
    y = F.grid_sample(x, g, mode, padding_mode, align_corners)
    ty = TF.grid_sample(t, tg, mode, padding_mode, align_corners)
    assert y.shape == tuple(ty.shape) and y.dtype == x.dtype
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    (y**2).sum().backward()
    (ty**2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)
    if mode == "bilinear":
        np.testing.assert_allclose(g.grad.numpy(), tg.grad.numpy(), rtol=1e-10, atol=1e-12)
    else:  # piecewise constant in the grid: PyTorch's gradient is 0, xpnet's is None
        assert g.grad is None and float(tg.grad.abs().max()) == 0.0


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_pytorch_with_theta_gradient(align_corners, rng):
    th0 = rng.standard_normal((2, 2, 3)) * 0.3 + np.array([[1.0, 0, 0], [0, 1.0, 0]])
    th, tth = xn.tensor(th0, requires_grad=True), torch.tensor(th0, requires_grad=True)
    x0 = rng.standard_normal((2, 3, 5, 7))
    y = F.grid_sample(xn.tensor(x0), F.affine_grid(th, (2, 3, 4, 6), align_corners),
                      align_corners=align_corners)  # fmt: skip
    ty = TF.grid_sample(torch.tensor(x0), TF.affine_grid(tth, (2, 3, 4, 6), align_corners),
                        align_corners=align_corners)  # fmt: skip
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(th.grad.numpy(), tth.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_a_translation_is_learned_through_the_sampler(rng):
    """A shift, through theta = [[1, 0, sx], [0, 1, sy]], learns to align two images."""
    yy, xx = np.mgrid[0:16, 0:16] / 15.0
    image = np.exp(-((xx - 0.4) ** 2 + (yy - 0.5) ** 2) / 0.05)[None, None]
    moved = np.exp(-((xx - 0.6) ** 2 + (yy - 0.4) ** 2) / 0.05)[None, None]
    shift = xn.zeros((2, 1), requires_grad=True)
    opt = xn.optim.Adam([shift], lr=0.02)
    src, want, eye = xn.tensor(image), xn.tensor(moved), xn.eye(2)
    for _ in range(200):
        theta = xn.concat([eye, shift], axis=1)[None]
        warped = F.grid_sample(src, F.affine_grid(theta, (1, 1, 16, 16), align_corners=True),
                               align_corners=True)  # fmt: skip
        loss = ((warped - want) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    # reading the image 0.2 to the left and 0.1 below: x shift -0.4, y shift +0.2 in -1..1
    np.testing.assert_allclose(shift.detach().numpy()[:, 0], [-0.4, 0.2], atol=0.02)
    assert float(loss) < 1e-4


def test_what_is_not_supported_is_named():
    x, g = xn.ones((1, 1, 3, 3)), xn.zeros((1, 2, 2, 2))
    with pytest.raises(xn.NotSupportedError, match="padding_mode 'reflection'"):
        F.grid_sample(x, g, padding_mode="reflection")
    with pytest.raises(xn.NotSupportedError, match="mode 'bicubic'"):
        F.grid_sample(x, g, mode="bicubic")
    with pytest.raises(xn.ShapeError, match=r"theta must be \(1, 2, 3\)"):
        F.affine_grid(xn.zeros((1, 3, 3)), (1, 1, 3, 3))
    with pytest.raises(xn.NotSupportedError, match="2-D images"):
        F.affine_grid(xn.zeros((1, 3, 4)), (1, 1, 2, 3, 3))
