"""THE table of vector-Jacobian products: one line per primitive and argument.

Each rule is ``rule(g, ans, *args, **params)``: ``g`` is the cotangent of the
output ``ans``; ``args`` are the primitive's own arguments (Tensors, or Python
scalars for constants). Rules use xpnet ops, so they are differentiable in turn
(gradients of gradients). Rules may return a cotangent of the broadcast shape:
the engine sums it down to the argument's shape and casts its dtype.
"""

from __future__ import annotations

import math
from typing import Any

from .._tensor import Tensor
from ..ops._conv import fold_p, unfold_p
from ..ops._elementwise import (
    abs_p,
    add_p,
    astype_p,
    clip_p,
    divide_p,
    exp_p,
    log1p_p,
    log_p,
    maximum,
    maximum_p,
    minimum_p,
    multiply_p,
    negative_p,
    pow_p,
    relu_p,
    sigmoid_p,
    sign,
    sqrt_p,
    subtract_p,
    tanh_p,
    where,
    where_p,
)
from ..ops._elementwise import log as _log
from ..ops._fused_losses import binary_cross_entropy_p, softmax_cross_entropy_p
from ..ops._linalg import linear_p, matmul_p
from ..ops._reduce import max_p, min_p, sum_p
from ..ops._shape import (
    broadcast_to_p,
    concat_p,
    expand_dims_p,
    gather_p,
    permute_dims_p,
    reshape_p,
    scatter_add,
    scatter_add_p,
    squeeze_p,
    stack_p,
    to,
    transfer_p,
)
from ._engine import sum_to


def _kept(g: Tensor, x: Tensor, axis: tuple[int, ...] | None, keepdims: bool) -> Tensor:
    """A reduction's cotangent reshaped so it broadcasts against the input ``x``."""
    if keepdims or (axis is None and g.ndim == x.ndim):
        return g
    shape = tuple(1 if axis is None or i in axis else n for i, n in enumerate(x.shape))
    return reshape_p(g, shape=shape)


def _sum_vjp(g: Tensor, ans: Tensor, x: Tensor, *, axis: Any, keepdims: bool) -> Tensor:
    return broadcast_to_p(_kept(g, x, axis, keepdims), shape=x.shape)


def _extremum_vjp(g: Tensor, ans: Tensor, x: Tensor, *, axis: Any, keepdims: bool) -> Tensor:
    # Ties share the cotangent evenly (like amax in PyTorch and max in JAX).
    hit = astype_p(x == _kept(ans, x, axis, keepdims), dtype=g.dtype)
    return hit * _kept(g, x, axis, keepdims) / sum_p(hit, axis=axis, keepdims=True)


def _log_base(x: Any) -> Any:
    """log(x) for the exponent's gradient of x**y; 0 where x <= 0 (where that term vanishes)."""
    if not isinstance(x, Tensor):
        return math.log(x) if x > 0 else 0.0
    return _log(where(x > 0, x, 1.0))


def _tie_split(g: Tensor, a: Any, b: Any) -> Tensor:
    """The share of ``g`` that max(a, b)/min(a, b) passes to ``a``: all, half at ties, or none."""
    return where(a == b, g * 0.5, where(a > b, g, 0.0))


def _matmul_x(g: Tensor, ans: Tensor, x: Tensor, y: Tensor) -> Tensor:
    if x.ndim == 1 and y.ndim == 1:  # dot product: g is 0-d
        return g * y
    if y.ndim == 1:  # (..., k) @ (k,) -> (...): outer product with y
        return expand_dims_p(g, axis=g.ndim) * y
    if x.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
        return squeeze_p(matmul_p(expand_dims_p(g, axis=g.ndim - 1), y.mT), axis=(g.ndim - 1,))
    return matmul_p(g, y.mT)


def _matmul_y(g: Tensor, ans: Tensor, x: Tensor, y: Tensor) -> Tensor:
    if x.ndim == 1 and y.ndim == 1:
        return g * x
    if x.ndim == 1:  # (k,) @ (..., k, n) -> (..., n): outer product with x
        return expand_dims_p(x, axis=1) * expand_dims_p(g, axis=g.ndim - 1)
    if y.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        return squeeze_p(matmul_p(x.mT, expand_dims_p(g, axis=g.ndim)), axis=(g.ndim,))
    return matmul_p(x.mT, g)


def _linear_w(g: Tensor, ans: Tensor, x: Tensor, w: Tensor, *b: Tensor) -> Tensor:
    if x.ndim == 1:  # (in,) -> (out,): outer product
        return expand_dims_p(g, axis=1) * x
    g2 = reshape_p(g, shape=(-1, g.shape[-1])) if g.ndim > 2 else g
    x2 = reshape_p(x, shape=(-1, x.shape[-1])) if x.ndim > 2 else x
    return matmul_p(permute_dims_p(g2, axes=(1, 0)), x2)  # (out, N) @ (N, in)


def _linear_b(g: Tensor, ans: Tensor, x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return g if g.ndim == 1 else sum_p(g, axis=tuple(range(g.ndim - 1)), keepdims=False)


def _softmax_ce_vjp(g: Tensor, ans: Tensor, logits: Tensor, labels: Tensor) -> Tensor:
    from ..ops._composite import softmax
    from ..ops._creation import arange

    classes = arange(logits.shape[1], backend=logits.backend)
    onehot = astype_p(expand_dims_p(labels, axis=1) == classes, dtype=logits.dtype)
    return expand_dims_p(g, axis=1) * (softmax(logits, axis=1) - onehot)


def _log_clamped(x: Tensor) -> Tensor:
    """log(x) clamped at -100, as in the forward pass of binary_cross_entropy."""
    positive = x > 0
    return where(positive, maximum(_log(where(positive, x, 1.0)), -100.0), -100.0)


def _bce_t(g: Tensor, ans: Tensor, p: Tensor, t: Tensor) -> Tensor:
    return g * (_log_clamped(1.0 - p) - _log_clamped(p))


def _concat_vjp(i: int, g: Tensor, ans: Tensor, *xs: Tensor, axis: int) -> Tensor:
    start = sum(x.shape[axis] for x in xs[:i])
    key = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]), ...)
    return gather_p(g, how=("getitem", key))


def _stack_vjp(i: int, g: Tensor, ans: Tensor, *xs: Tensor, axis: int) -> Tensor:
    return gather_p(g, how=("getitem", (slice(None),) * axis + (i, ...)))


def _inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


# fmt: off
add_p.defvjp(lambda g, ans, x, y: g, lambda g, ans, x, y: g)
subtract_p.defvjp(lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
multiply_p.defvjp(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
divide_p.defvjp(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y)
pow_p.defvjp(lambda g, ans, x, y: g * y * x ** (y - 1), lambda g, ans, x, y: g * ans * _log_base(x))
negative_p.defvjp(lambda g, ans, x: -g)
exp_p.defvjp(lambda g, ans, x: g * ans)
log_p.defvjp(lambda g, ans, x: g / x)
log1p_p.defvjp(lambda g, ans, x: g / (x + 1.0))
sqrt_p.defvjp(lambda g, ans, x: g * 0.5 / ans)
abs_p.defvjp(lambda g, ans, x: g * sign(x))
tanh_p.defvjp(lambda g, ans, x: g * (1.0 - ans * ans))
sigmoid_p.defvjp(lambda g, ans, x: g * ans * (1.0 - ans))
relu_p.defvjp(lambda g, ans, x: g * astype_p(x > 0, dtype=g.dtype))  # a mask product: 8x faster than where
maximum_p.defvjp(lambda g, ans, x, y: _tie_split(g, x, y), lambda g, ans, x, y: _tie_split(g, y, x))
minimum_p.defvjp(lambda g, ans, x, y: _tie_split(g, y, x), lambda g, ans, x, y: _tie_split(g, x, y))
where_p.defvjp(None, lambda g, ans, c, x, y: where(c, g, 0.0), lambda g, ans, c, x, y: where(c, 0.0, g))
clip_p.defvjp(lambda g, ans, x, *, min, max: where(ans == x, g, 0.0))
astype_p.defvjp(lambda g, ans, x, *, dtype: astype_p(g, dtype=x.dtype))
sum_p.defvjp(_sum_vjp)
max_p.defvjp(_extremum_vjp)
min_p.defvjp(_extremum_vjp)
matmul_p.defvjp(_matmul_x, _matmul_y)
softmax_cross_entropy_p.defvjp(_softmax_ce_vjp, None)
binary_cross_entropy_p.defvjp(lambda g, ans, p, t: g * (p - t) / maximum(p * (1.0 - p), 1e-12), _bce_t)
linear_p.defvjp(lambda g, ans, x, w, *b: matmul_p(g, w), _linear_w, _linear_b)
reshape_p.defvjp(lambda g, ans, x, *, shape: reshape_p(g, shape=x.shape))
expand_dims_p.defvjp(lambda g, ans, x, *, axis: reshape_p(g, shape=x.shape))
squeeze_p.defvjp(lambda g, ans, x, *, axis: reshape_p(g, shape=x.shape))
permute_dims_p.defvjp(lambda g, ans, x, *, axes: permute_dims_p(g, axes=_inverse(axes)))
broadcast_to_p.defvjp(lambda g, ans, x, *, shape: sum_to(g, x.shape))
concat_p.defvjp_argnum(_concat_vjp)
stack_p.defvjp_argnum(_stack_vjp)
gather_p.defvjp(lambda g, ans, x, *, how: scatter_add(g, x.shape, how))
scatter_add_p.defvjp(lambda g, ans, x, *, shape, how, backend: gather_p(g, how=how))
unfold_p.defvjp(lambda g, ans, x, *, geometry, backend: fold_p(g, shape=x.shape, geometry=geometry, backend=backend))
fold_p.defvjp(lambda g, ans, c, *, shape, geometry, backend: unfold_p(g, geometry=geometry, backend=backend))
transfer_p.defvjp(lambda g, ans, x, *, src, dst: to(g, backend=src))
# fmt: on
