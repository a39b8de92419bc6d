"""Reductions: sum, max and min are primitives (with their VJPs); mean, var, std are composed."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive
from ..backend import reciprocal
from ._cast import astype_p
from ._common import autocast_high, normalize_axes, normalize_axis
from ._elementwise import sqrt, where
from ._views import kept as _kept
from ._views import reduction, sum_p

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "all",
    "any",
    "argmax",
    "argmin",
    "max",
    "mean",
    "min",
    "std",
    "sum",
    "var",
]  # the public ops (xn.*) of this module


def _extremum_vjp(g: Tensor, ans: Tensor, x: Tensor, *, axis: Any, keepdims: bool) -> Tensor:
    # Ties share the cotangent evenly (like amax in PyTorch and max in JAX).
    hit = astype_p(x == _kept(ans, x, axis, keepdims), dtype=g.dtype)
    return hit * _kept(g, x, axis, keepdims) / sum_p(hit, axis=axis, keepdims=True)


# fmt: off
max_p = Primitive("max", reduction("max"))
max_p.defvjp(_extremum_vjp)

min_p = Primitive("min", reduction("min"))
min_p.defvjp(_extremum_vjp)
# fmt: on

_nondiff: dict[str, Any] = {"differentiable": False}
argmax_op = Primitive(
    "argmax",
    lambda b, x, *, axis, keepdims: b.xp.argmax(x, axis=axis, keepdims=keepdims),
    **_nondiff,
)
argmin_op = Primitive(
    "argmin",
    lambda b, x, *, axis, keepdims: b.xp.argmin(x, axis=axis, keepdims=keepdims),
    **_nondiff,
)
all_op = Primitive(
    "all", lambda b, x, *, axis, keepdims: b.xp.all(x, axis=axis, keepdims=keepdims), **_nondiff
)
any_op = Primitive(
    "any", lambda b, x, *, axis, keepdims: b.xp.any(x, axis=axis, keepdims=keepdims), **_nondiff
)
# Whether any element is not in [lo, hi] (NaN is not): an input check such as
# binary_cross_entropy's as one call (one reduction kernel on CuPy) instead of four
outside_p = Primitive(
    "outside",
    lambda b, x, *, lo, hi: b.xp.any(b.xp.logical_not(b.xp.logical_and(x >= lo, x <= hi))),
    **_nondiff,
)


def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (None: all axes; an int or a tuple; negatives count from the end)."""
    x = autocast_high(x)
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


def _divided(total: Tensor, n: float) -> Tensor:
    """``total / n``, divided as NumPy's and PyTorch's means are (``total * (1 / n)`` rounds
    differently: the mean of seven values 1 +- k*1e-16 is 1 - 2**-52 instead of 1 - 2**-53),
    and NaN for ``n <= 0`` (a mean of nothing, or no degrees of freedom)."""
    return total / n if n > 0 else total * reciprocal(n)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``; NaN over no elements."""
    x = autocast_high(x)
    axes = normalize_axes(axis, x.ndim, "mean")
    return _divided(sum_p(x, axis=axes, keepdims=keepdims), count(x, axes))


def var(x: Tensor, axis: Any = None, keepdims: bool = False, correction: float = 0.0) -> Tensor:
    """Variance over ``axis``; ``correction=1`` gives the unbiased estimate (NaN for one element)."""
    x = autocast_high(x)
    axes = normalize_axes(axis, x.ndim, "var")
    d = x - _divided(sum_p(x, axis=axes, keepdims=True), count(x, axes))
    return _divided(sum_p(d * d, axis=axes, keepdims=keepdims), count(x, axes) - correction)


def std(x: Tensor, axis: Any = None, keepdims: bool = False, correction: float = 0.0) -> Tensor:
    """Standard deviation over ``axis``; its gradient is 0 where the input is constant (PyTorch's)."""

    v = var(x, axis=axis, keepdims=keepdims, correction=correction)
    # sqrt has an infinite slope at 0; the inner where keeps that branch away from
    # it, the outer one gives the (zero) gradient of a constant input.
    positive = v > 0.0
    return where(positive, sqrt(where(positive, v, 1.0)), v * 0.0)


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
