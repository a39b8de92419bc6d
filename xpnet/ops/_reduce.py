"""Reductions: sum, max and min are primitives; mean, var, std are composed from them."""

from __future__ import annotations

import math
from typing import Any

from .._tensor import Tensor
from ..autodiff._primitive import Primitive
from ._common import NondiffOp, normalize_axes, normalize_axis


def _reduction(fn_name: str) -> Any:
    def impl(xp: Any, x: Any, *, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
        out = getattr(xp, fn_name)(x, axis=axis, keepdims=keepdims)
        if keepdims or (axis is not None and len(axis) < x.ndim):
            return out
        return xp.asarray(out)  # a full reduction: NumPy returns a scalar, keep a 0-d array

    return impl


sum_p = Primitive("sum", _reduction("sum"))
max_p = Primitive("max", _reduction("max"))
min_p = Primitive("min", _reduction("min"))
argmax_op = NondiffOp(
    "argmax", lambda xp, x, *, axis, keepdims: xp.argmax(x, axis=axis, keepdims=keepdims)
)
argmin_op = NondiffOp(
    "argmin", lambda xp, x, *, axis, keepdims: xp.argmin(x, axis=axis, keepdims=keepdims)
)
all_op = NondiffOp("all", lambda xp, x, *, axis, keepdims: xp.all(x, axis=axis, keepdims=keepdims))
any_op = NondiffOp("any", lambda xp, x, *, axis, keepdims: xp.any(x, axis=axis, keepdims=keepdims))


def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (None: all axes; an int or a tuple; negatives count from the end)."""
    return sum_p(x, axis=normalize_axes(axis, x.ndim, "sum"), keepdims=keepdims)


def max(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; tied maxima share the gradient evenly."""
    return max_p(x, axis=normalize_axes(axis, x.ndim, "max"), keepdims=keepdims)


def min(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; tied minima share the gradient evenly."""
    return min_p(x, axis=normalize_axes(axis, x.ndim, "min"), keepdims=keepdims)


def count(x: Tensor, axes: tuple[int, ...] | None) -> int:
    """How many elements a reduction over ``axes`` combines."""
    shape = x.shape
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``."""
    axes = normalize_axes(axis, x.ndim, "mean")
    return sum_p(x, axis=axes, keepdims=keepdims) * (1.0 / count(x, axes))


def var(x: Tensor, axis: Any = None, keepdims: bool = False, correction: float = 0.0) -> Tensor:
    """Variance over ``axis``; ``correction=1`` gives the unbiased estimate."""
    axes = normalize_axes(axis, x.ndim, "var")
    d = x - sum_p(x, axis=axes, keepdims=True) * (1.0 / count(x, axes))
    return sum_p(d * d, axis=axes, keepdims=keepdims) * (1.0 / (count(x, axes) - correction))


def std(x: Tensor, axis: Any = None, keepdims: bool = False, correction: float = 0.0) -> Tensor:
    """Standard deviation over ``axis``."""
    from ._elementwise import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims, correction=correction))


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum (the first one at ties) along ``axis`` (None: flattened)."""
    ax = None if axis is None else normalize_axis(axis, x.ndim, "argmax")
    return argmax_op(x, axis=ax, keepdims=keepdims)


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    ax = None if axis is None else normalize_axis(axis, x.ndim, "argmin")
    return argmin_op(x, axis=ax, keepdims=keepdims)


def all(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return all_op(x, axis=normalize_axes(axis, x.ndim, "all"), keepdims=keepdims)


def any(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return any_op(x, axis=normalize_axes(axis, x.ndim, "any"), keepdims=keepdims)
