"""The view primitives and their dual, the sum: reshape, permute_dims, expand_dims,
squeeze, broadcast_to and sum.

They live together because each is the other's gradient: broadcast_to's VJP sums
(``sum_to``, the engine's unbroadcast) and sum's VJP broadcasts. The public functions
that check arguments and call them are in ``_shape`` and ``_reduce``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import ShapeError
from ..autodiff import Primitive

if TYPE_CHECKING:
    from ..tensor import Tensor


def _inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


def reduction(fn_name: str) -> Any:
    def impl(b: Any, x: Any, *, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
        xp = b.xp
        out = getattr(xp, fn_name)(x, axis=axis, keepdims=keepdims)
        if keepdims or (axis is not None and len(axis) < x.ndim):
            return out
        return xp.asarray(out)  # a full reduction: NumPy returns a scalar, keep a 0-d array

    return impl


def kept(g: Tensor, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Tensor:
    """A reduction's cotangent reshaped so it broadcasts against the input ``x``."""
    if keepdims or (axis is None and g.ndim == x.ndim):
        return g
    shape = tuple(1 if axis is None or i in axis else n for i, n in enumerate(x.shape))
    return reshape_p(g, shape=shape)


def _sum_vjp(g: Tensor, ans: Any, x: Any, *, axis: Any, keepdims: bool) -> Tensor:
    return broadcast_to_p(kept(g, x, axis, keepdims), shape=x.shape)


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


_view: dict[str, Any] = {"view": True}
_meta: dict[str, Any] = {"keep": (), "keep_ans": False}  # rules that need only the input's shape
# fmt: off
reshape_p = Primitive("reshape", lambda b, x, *, shape: b.xp.reshape(x, shape), **_view)
reshape_p.defvjp(lambda g, ans, x, *, shape: reshape_p(g, shape=x.shape), **_meta)

permute_dims_p = Primitive("permute_dims", lambda b, x, *, axes: b.xp.permute_dims(x, axes), **_view)
permute_dims_p.defvjp(lambda g, ans, x, *, axes: permute_dims_p(g, axes=_inverse(axes)), **_meta)

expand_dims_p = Primitive("expand_dims", lambda b, x, *, axis: b.xp.expand_dims(x, axis=axis), **_view)
expand_dims_p.defvjp(lambda g, ans, x, *, axis: reshape_p(g, shape=x.shape), **_meta)

squeeze_p = Primitive("squeeze", lambda b, x, *, axis: b.xp.squeeze(x, axis=axis), **_view)
squeeze_p.defvjp(lambda g, ans, x, *, axis: reshape_p(g, shape=x.shape), **_meta)

broadcast_to_p = Primitive("broadcast_to", lambda b, x, *, shape: b.xp.broadcast_to(x, shape), **_view)
broadcast_to_p.defvjp(lambda g, ans, x, *, shape: sum_to(g, x.shape), **_meta)

sum_p = Primitive("sum", reduction("sum"))
sum_p.defvjp(_sum_vjp, keep=(), keep_ans=False)
# fmt: on


def broadcast_checked(x: Tensor, shape: tuple[int, ...], op: str) -> Tensor:
    """``x`` broadcast to ``shape`` (``x`` itself when it has that shape), refused with a
    ShapeError that names ``op`` when it does not broadcast (``broadcast_to`` and ``full``
    with a tensor fill)."""
    if shape == x.shape:
        return x
    lead = len(shape) - x.ndim
    if lead < 0 or any(n not in (1, m) for n, m in zip(x.shape, shape[lead:], strict=True)):
        raise ShapeError(f"{op}: cannot broadcast shape {x.shape} to {shape}")
    return broadcast_to_p(x, shape=shape)
