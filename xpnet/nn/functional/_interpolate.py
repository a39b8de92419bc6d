"""Resizing the spatial axes of a batch (PyTorch's ``F.interpolate``): nearest-neighbour
and (bi/tri)linear, one axis at a time.

Each axis is a gather of the input at source indices computed on the host (they depend
only on the sizes), and for the linear modes a blend of two gathers, so the gradient is
the gathers' scatter-add. The source positions follow PyTorch's CPU kernels
(UpSample.h): ``scale`` is 1 / scale_factor when a scale factor is given (unless
``recompute_scale_factor``), else in / out, in the input's precision (float32 for float32
and float16 inputs); nearest takes floor(dst * scale); linear ``scale * (dst + 0.5) - 0.5``
clamped at 0 (``align_corners=False``) or ``dst * (in - 1) / (out - 1)``
(``align_corners=True``), its neighbours floor(src) and the next one inside.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._errors import ArgumentError, NotSupportedError, ShapeError
from ...autodiff import describe
from ...ops import asarray, take
from ...tensor import Tensor

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_MODES = ("nearest", *_LINEAR)


def _per_axis(v: Any, n: int, name: str, kind: type) -> list[Any]:
    vals = list(v) if isinstance(v, (tuple, list)) else [v] * n
    if len(vals) != n or any(isinstance(a, bool) or not isinstance(a, (int, float)) for a in vals):
        raise ArgumentError(f"interpolate: {name} must be a number or {n} numbers, got {v!r}")
    return [kind(a) for a in vals]


def _host_dtype(x: Tensor) -> Any:
    return np.float64 if x.backend.dtype_name(x.dtype) == "float64" else np.float32


def _scale(n_in: int, n_out: int, given: float | None, align_corners: bool, dt: Any) -> Any:
    if align_corners:
        return dt((n_in - 1) / (n_out - 1)) if n_out > 1 else dt(0)
    if given is not None and given > 0:
        return dt(1.0 / given)
    return dt(dt(n_in) / dt(n_out))


def _axis(
    x: Tensor, axis: int, n_out: int, given: float | None, mode: str, align_corners: bool
) -> Tensor:
    n_in = x.shape[axis]
    dt = _host_dtype(x)
    dst = np.arange(n_out)
    if mode == "nearest":
        if n_out == n_in:
            return x
        scale = _scale(n_in, n_out, given, False, np.float32)  # PyTorch: float, any dtype
        src = np.minimum(np.floor(dst.astype(np.float32) * scale).astype(np.int64), n_in - 1)
        return take(x, src, axis=axis)  # host indices: take moves them to x's device
    scale = _scale(n_in, n_out, given, align_corners, dt)
    if align_corners:
        pos = scale * dst.astype(dt)
    else:
        pos = np.maximum(scale * (dst.astype(dt) + dt(0.5)) - dt(0.5), dt(0))
    lo = pos.astype(np.int64)
    hi = lo + (lo < n_in - 1)
    lam = np.clip(pos - lo.astype(dt), 0, 1)
    shape = [1] * x.ndim
    shape[axis] = n_out
    w = asarray(lam.reshape(shape), dtype=x.dtype, backend=x.backend)
    return (1.0 - w) * take(x, lo, axis=axis) + w * take(x, hi, axis=axis)


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial axes of ``input`` (N, C, *spatial) to ``size`` or by
    ``scale_factor`` (output size floor(in * factor)), as PyTorch's ``F.interpolate``:
    ``mode`` "nearest", "linear" (3-D input), "bilinear" (4-D) or "trilinear" (5-D), with
    ``align_corners`` for the linear modes (default False)."""
    op = "interpolate"
    if not isinstance(input, Tensor):
        raise ArgumentError(f"{op}: the input must be a Tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise NotSupportedError(f"{op}: mode must be one of {_MODES}, got {mode!r}")
    if antialias:
        raise NotSupportedError(f"{op}: antialias=True is not supported")
    n = input.ndim - 2
    if n < 1 or n > 3:
        raise ShapeError(
            f"{op}: expected an input (N, C, *spatial) with 1-3 spatial axes, got {describe(input)}"
        )
    if mode in _LINEAR and _LINEAR[mode] != n:
        raise ShapeError(
            f"{op}: mode {mode!r} needs a {_LINEAR[mode] + 2}-D input, got {describe(input)}"
        )
    if align_corners is not None and mode == "nearest":
        raise ArgumentError(f"{op}: align_corners can only be set with the linear modes")
    if (size is None) == (scale_factor is None):
        raise ArgumentError(f"{op}: give exactly one of size and scale_factor")
    spatial = input.shape[2:]
    if size is not None:
        out = _per_axis(size, n, "size", int)
        scales: list[float | None] = [None] * n
    else:
        factors = _per_axis(scale_factor, n, "scale_factor", float)
        out = [math.floor(s * f) for s, f in zip(spatial, factors, strict=True)]
        scales = [None if recompute_scale_factor else f for f in factors]
    if any(s < 1 for s in out):
        raise ShapeError(f"{op}: the output size {tuple(out)} of {describe(input)} is empty")
    x = input
    for i in range(n):
        x = _axis(x, 2 + i, out[i], scales[i], mode, bool(align_corners))
    return x
