"""Reductions: sum, max and min are primitives (with their VJPs); mean, var, std are composed."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive
from ._common import autocast_high, normalize_axes, normalize_axis
from ._elementwise import astype_p
from ._shape import broadcast_to_p, reshape_p

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


def _reduction(fn_name: str) -> Any:
    def impl(b: Any, x: Any, *, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
        xp = b.xp
        out = getattr(xp, fn_name)(x, axis=axis, keepdims=keepdims)
        if keepdims or (axis is not None and len(axis) < x.ndim):
            return out
        return xp.asarray(out)  # a full reduction: NumPy returns a scalar, keep a 0-d array

    return impl


def _kept(g: Tensor, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Tensor:
    """A reduction's cotangent reshaped so it broadcasts against the input ``x``."""
    if keepdims or (axis is None and g.ndim == x.ndim):
        return g
    shape = tuple(1 if axis is None or i in axis else n for i, n in enumerate(x.shape))
    return reshape_p(g, shape=shape)


def _sum_vjp(g: Tensor, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Tensor:
    return broadcast_to_p(_kept(g, x, axis, keepdims), shape=x.shape)


def _extremum_vjp(g: Tensor, ans: Tensor, x: Tensor, *, axis: Any, keepdims: bool) -> Tensor:
    # Ties share the cotangent evenly (like amax in PyTorch and max in JAX).
    hit = astype_p(x == _kept(ans, x, axis, keepdims), dtype=g.dtype)
    return hit * _kept(g, x, axis, keepdims) / sum_p(hit, axis=axis, keepdims=True)


# fmt: off
sum_p = Primitive("sum", _reduction("sum"))
sum_p.defvjp(_sum_vjp, keep=(), keep_ans=False)

max_p = Primitive("max", _reduction("max"))
max_p.defvjp(_extremum_vjp)

min_p = Primitive("min", _reduction("min"))
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


def sum_to(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast (the engine's unbroadcast)."""
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    if axes:
        g = sum_p(g, axis=axes, keepdims=False)
    return reshape_p(g, shape=shape) if g.shape != shape else g


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


def _reciprocal(n: float) -> float:
    """1/n, and NaN for n <= 0 (a mean of nothing, or no degrees of freedom), as in PyTorch."""
    return 1.0 / n if n > 0 else math.nan


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``; NaN over no elements."""
    x = autocast_high(x)
    axes = normalize_axes(axis, x.ndim, "mean")
    return sum_p(x, axis=axes, keepdims=keepdims) * _reciprocal(count(x, axes))


def var(x: Tensor, axis: Any = None, keepdims: bool = False, correction: float = 0.0) -> Tensor:
    """Variance over ``axis``; ``correction=1`` gives the unbiased estimate (NaN for one element)."""
    x = autocast_high(x)
    axes = normalize_axes(axis, x.ndim, "var")
    d = x - sum_p(x, axis=axes, keepdims=True) * _reciprocal(count(x, axes))
    return sum_p(d * d, axis=axes, keepdims=keepdims) * _reciprocal(count(x, axes) - correction)


def std(x: Tensor, axis: Any = None, keepdims: bool = False, correction: float = 0.0) -> Tensor:
    """Standard deviation over ``axis``; its gradient is 0 where the input is constant (PyTorch's)."""
    from ._elementwise import sqrt, where

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
