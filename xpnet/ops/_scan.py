"""Products and running sums: prod, cumulative_sum, cumulative_prod, diff.

``prod``'s rule is exact at zeros: an entry's derivative is the product of the
others, which is ``prod / x`` only where ``x != 0``; with one zero in a slice that
zero's derivative is the product of the rest, with two or more every derivative
is 0. Second derivatives are exact where a slice holds at most one zero (with two
or more, the rule's branch is constant and the mixed derivatives of the two zero
entries come out 0 instead of the product of the rest). ``cumulative_prod`` is
built from multiplies along the axis, so its derivatives of every order are exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import ShapeError
from ..autodiff import Primitive
from ._cast import astype, astype_p
from ._common import normalize_axes, normalize_axis
from ._creation import full
from ._elementwise import where
from ._shape import concat, expand_dims, reshape, stack
from ._views import kept as _kept
from ._views import sum_p

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["cumulative_prod", "cumulative_sum", "diff", "prod"]


def _prod_impl(b: Any, x: Any, *, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    out = b.xp.prod(x, axis=axis, keepdims=keepdims)
    return out if keepdims or (axis is not None and len(axis) < x.ndim) else b.xp.asarray(out)


def _prod_vjp(g: Tensor, ans: Any, x: Tensor, *, axis: Any, keepdims: bool) -> Tensor:
    zero = x == 0
    safe = where(zero, 1.0, x)
    others = prod_p(safe, axis=axis, keepdims=True)  # the product of the nonzero entries
    zeros = sum_p(astype_p(zero, dtype=x.dtype), axis=axis, keepdims=True)
    # At a zero entry the derivative is the product of the others: ``others`` when it is the
    # only zero; with exactly two, others * (the other zero entry), which is 0 but carries the
    # second derivative others toward that entry (the sum of the zero entries minus this one).
    zsum = sum_p(where(zero, x, 0.0), axis=axis, keepdims=True)
    at_zero = where(zeros == 1.0, others, 0.0) + where(zeros == 2.0, others * (zsum - x), 0.0)
    return _kept(g, x, axis, keepdims) * where(zero, at_zero, _kept(ans, x, axis, keepdims) / safe)


def _flip(x: Tensor, axis: int) -> Tensor:
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def _cumsum_impl(b: Any, x: Any, *, axis: int) -> Any:
    return b.xp.cumulative_sum(x, axis=axis)


# fmt: off
prod_p = Primitive("prod", _prod_impl)
prod_p.defvjp(_prod_vjp)
cumulative_sum_p = Primitive("cumulative_sum", _cumsum_impl)
cumulative_sum_p.defvjp(lambda g, ans, x, *, axis: _flip(cumulative_sum_p(_flip(g, axis), axis=axis), axis),
                        keep=(), keep_ans=False)
# fmt: on


def prod(x: Tensor, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """The product over ``axis`` (all axes by default); first and second derivatives exact at
    zeros (PyTorch's values, any number of zeros per slice)."""
    if dtype is not None:
        x = astype(x, dtype)
    return prod_p(x, axis=normalize_axes(axis, x.ndim, "prod"), keepdims=keepdims)


def _scan_axis(x: Tensor, axis: int | None, op: str) -> int:
    if axis is None:
        if x.ndim != 1:
            raise ShapeError(f"{op}: axis is required for a tensor of {x.ndim} dimensions")
        return 0
    return normalize_axis(axis, x.ndim, op)


def cumulative_sum(
    x: Tensor, axis: int | None = None, dtype: Any = None, include_initial: bool = False
) -> Tensor:
    """Running sums along ``axis`` (with a leading 0 when ``include_initial``)."""
    ax = _scan_axis(x, axis, "cumulative_sum")
    if dtype is not None:
        x = astype(x, dtype)
    out = cumulative_sum_p(x, axis=ax) if x.shape[ax] else x
    if include_initial:
        out = concat([_initial(x, ax, 0), out], axis=ax)
    return out


def _initial(x: Tensor, axis: int, value: float) -> Tensor:

    shape = tuple(1 if i == axis else n for i, n in enumerate(x.shape))
    return full(shape, value, dtype=x.dtype, backend=x.backend)


def cumulative_prod(
    x: Tensor, axis: int | None = None, dtype: Any = None, include_initial: bool = False
) -> Tensor:
    """Running products along ``axis``: one multiply per entry, so gradients are exact at
    zeros (n recorded ops for an axis of length n)."""
    ax = _scan_axis(x, axis, "cumulative_prod")
    if dtype is not None:
        x = astype(x, dtype)
    parts = []
    running = None
    for i in range(x.shape[ax]):
        item = x[(slice(None),) * ax + (i,)]
        running = item if running is None else running * item
        parts.append(running)
    if include_initial:
        parts.insert(
            0, reshape(_initial(x, ax, 1), tuple(n for i, n in enumerate(x.shape) if i != ax))
        )
    if not parts:
        return x
    return stack(parts, axis=ax)


def diff(
    x: Tensor, axis: int = -1, n: int = 1, prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The ``n``-th forward difference along ``axis`` (after joining ``prepend``/``append``)."""
    ax = normalize_axis(axis, x.ndim, "diff")
    if n < 0:
        raise ShapeError(f"diff: n must be non-negative, got {n}")
    parts = [p for p in (prepend, x, append) if p is not None]
    parts = [expand_dims(p, axis=ax) if p.ndim < x.ndim else p for p in parts]
    out = concat(parts, axis=ax) if len(parts) > 1 else x
    for _ in range(n):
        lo = (slice(None),) * ax + (slice(None, -1),)
        hi = (slice(None),) * ax + (slice(1, None),)
        out = out[hi] - out[lo]
    return out
