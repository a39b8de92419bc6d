"""Spatial transformers (Jaderberg et al. 2015): PyTorch's ``F.affine_grid`` and
``F.grid_sample`` for 2-D images.

``affine_grid`` maps the output pixels' normalised coordinates (-1..1) through each
sample's 2x3 matrix ``theta``; ``grid_sample`` reads the input at such coordinates, by
bilinear blending of the four neighbouring pixels (or the nearest one). Both are written
with xpnet's ops: the neighbours are gathered (``take_along_axis``, whose gradient is a
scatter-add into the input) and the blend weights are differentiable in the grid, so a
localisation network learns ``theta`` through them. The coordinates follow PyTorch's
CPU kernels (GridSampler.h): ``align_corners=True`` puts -1 and 1 on the corner pixels'
centres, ``False`` (the default) on their outer edges.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ..._errors import NotSupportedError, ShapeError
from ...tensor import Tensor


def _base(n: int, align_corners: bool) -> np.ndarray:
    """The normalised coordinates of ``n`` pixel centres."""
    if n == 1:
        return np.zeros(1)
    steps = np.linspace(-1.0, 1.0, n)
    return steps if align_corners else steps * (n - 1) / n


def affine_grid(theta: Tensor, size: Any, align_corners: bool = False) -> Tensor:
    """The sampling grid (N, H, W, 2) of (x, y) coordinates for ``theta`` (N, 2, 3) and an
    output of ``size`` (N, C, H, W)."""
    size = tuple(int(s) for s in size)
    if len(size) != 4:
        raise NotSupportedError(f"affine_grid: 2-D images (N, C, H, W) only, got size {size}")
    n, _, h, w = size
    if theta.ndim != 3 or tuple(theta.shape) != (n, 2, 3):
        raise ShapeError(
            f"affine_grid: theta must be ({n}, 2, 3) for size {size}, got {theta.shape}"
        )
    xs, ys = np.meshgrid(_base(w, align_corners), _base(h, align_corners))
    base = np.stack([xs, ys, np.ones_like(xs)], axis=-1).reshape(1, h * w, 3)
    grid = ops.matmul(ops.asarray(base, dtype=theta.backend.dtype_name(theta.dtype),
                                  backend=theta.backend), ops.permute_dims(theta, (0, 2, 1)))  # fmt: skip
    return ops.reshape(grid, (n, h, w, 2))


def _source(coord: Tensor, size: int, align_corners: bool, padding_mode: str) -> Tensor:
    """Pixel coordinates of normalised ones (clipped into the image for "border")."""
    if align_corners:
        pix = (coord + 1.0) / 2.0 * (size - 1)
    else:
        pix = ((coord + 1.0) * size - 1.0) / 2.0
    return ops.clip(pix, 0.0, float(size - 1)) if padding_mode == "border" else pix


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """``input`` (N, C, H, W) read at ``grid`` (N, Ho, Wo, 2) of (x, y) in -1..1: the
    output is (N, C, Ho, Wo). ``mode`` "bilinear" or "nearest"; outside the image
    ``padding_mode`` "zeros" reads 0 and "border" the nearest edge pixel."""
    if mode not in ("bilinear", "nearest"):
        raise NotSupportedError(f"grid_sample: mode {mode!r} (bilinear and nearest are)")
    if padding_mode not in ("zeros", "border"):
        raise NotSupportedError(
            f"grid_sample: padding_mode {padding_mode!r} (zeros and border are)"
        )
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ShapeError(
            f"grid_sample: 2-D images only: input (N, C, H, W) and grid (N, Ho, Wo, 2), got "
            f"{input.shape} and {grid.shape}"
        )
    align = bool(align_corners)
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    x = _source(grid[..., 0], w, align, padding_mode)  # (N, Ho, Wo)
    y = _source(grid[..., 1], h, align, padding_mode)
    flat = ops.reshape(input, (n, c, h * w))
    dt = input.backend.dtype_name(input.dtype)

    def read(yi: Tensor, xi: Tensor) -> Tensor:
        """input at integer pixels (yi, xi) (float tensors), 0 outside the image."""
        inside = (xi >= 0.0) & (xi <= w - 1.0) & (yi >= 0.0) & (yi <= h - 1.0)
        index = ops.astype(ops.clip(yi, 0.0, h - 1.0) * w + ops.clip(xi, 0.0, w - 1.0), "int64")
        index = ops.broadcast_to(ops.reshape(index, (n, 1, ho * wo)), (n, c, ho * wo))
        values = ops.take_along_axis(flat, index, axis=2)
        return values * ops.astype(ops.reshape(inside, (n, 1, ho * wo)), dt)

    if mode == "nearest":
        out = read(ops.round(y).detach(), ops.round(x).detach())
        return ops.reshape(out, (n, c, ho, wo))
    x0, y0 = ops.floor(x).detach(), ops.floor(y).detach()
    wx = ops.reshape(x - x0, (n, 1, ho * wo))  # weight of the right neighbours
    wy = ops.reshape(y - y0, (n, 1, ho * wo))  # weight of the lower ones
    out = ((read(y0, x0) * (1.0 - wx) + read(y0, x0 + 1.0) * wx) * (1.0 - wy)
           + (read(y0 + 1.0, x0) * (1.0 - wx) + read(y0 + 1.0, x0 + 1.0) * wx) * wy)  # fmt: skip
    return ops.reshape(out, (n, c, ho, wo))


__all__ = ["affine_grid", "grid_sample"]
