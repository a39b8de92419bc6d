"""Matrix products: matmul and the fused linear map, with their VJPs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._errors import ShapeError
from ..autodiff import Primitive, describe
from ..autodiff.internal import TensorBase
from ._cast import conj
from ._common import as_operand, autocast_low
from ._reduce import sum as sum_
from ._shape import permute_dims, reshape
from ._views import expand_dims_p, permute_dims_p, reshape_p, squeeze_p, sum_p

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["matmul", "tensordot", "vecdot"]  # the public ops (xn.*) of this module


def _matmul_x(g: Tensor, ans: Any, x: Tensor, y: Tensor) -> Tensor:
    if x.ndim == 1 and y.ndim == 1:  # dot product: g is 0-d
        return g * y
    if y.ndim == 1:  # (..., k) @ (k,) -> (...): outer product with y
        return expand_dims_p(g, axis=g.ndim) * y
    if x.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
        return squeeze_p(matmul_p(expand_dims_p(g, axis=g.ndim - 1), y.mT), axis=(g.ndim - 1,))
    return matmul_p(g, y.mT)


def _matmul_y(g: Tensor, ans: Any, x: Tensor, y: Tensor) -> Tensor:
    if x.ndim == 1 and y.ndim == 1:
        return g * x
    if x.ndim == 1:  # (k,) @ (..., k, n) -> (..., n): outer product with x
        return expand_dims_p(x, axis=1) * expand_dims_p(g, axis=g.ndim - 1)
    if y.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        return squeeze_p(matmul_p(x.mT, expand_dims_p(g, axis=g.ndim)), axis=(g.ndim,))
    return matmul_p(x.mT, g)


def _linear(b: Any, x: Any, w: Any, *bias: Any) -> Any:
    xp = b.xp
    out = xp.matmul(x, xp.matrix_transpose(w))
    return out + bias[0] if bias else out


def _linear_w(g: Tensor, ans: Any, x: Tensor, w: Any, *b: Any) -> Tensor:
    if x.ndim == 1:  # (in,) -> (out,): outer product
        return expand_dims_p(g, axis=1) * x
    g2 = reshape_p(g, shape=(-1, g.shape[-1])) if g.ndim > 2 else g
    x2 = reshape_p(x, shape=(-1, x.shape[-1])) if x.ndim > 2 else x
    return matmul_p(permute_dims_p(g2, axes=(1, 0)), x2)  # (out, N) @ (N, in)


def _linear_b(g: Tensor, ans: Any, x: Any, w: Any, b: Any) -> Tensor:
    return g if g.ndim == 1 else sum_p(g, axis=tuple(range(g.ndim - 1)), keepdims=False)


# fmt: off
matmul_p = Primitive("matmul", lambda b, x, y: b.xp.matmul(x, y))
matmul_p.defvjp(_matmul_x, _matmul_y, keep_ans=False, reads=((1,), (0,)))

# Fused x @ w.T (+ b): one primitive instead of transpose, matmul and add, and a
# bias gradient summed directly instead of through the engine's unbroadcasting.
linear_p = Primitive("linear", _linear)
linear_p.defvjp(lambda g, ans, x, w, *b: matmul_p(g, w), _linear_w, _linear_b, keep=(0, 1), keep_ans=False,
                reads=((1,), (0,), ()))
# fmt: on


def matmul(x: Tensor, y: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading axes broadcast."""
    if not isinstance(x, TensorBase):
        if hasattr(x, "__xpnet_rmatmul__"):  # a sparse tensor: its own product
            return x @ y
        x = as_operand(x, y)
    if not isinstance(y, TensorBase):
        if hasattr(y, "__xpnet_rmatmul__"):
            return y.__xpnet_rmatmul__(x)
        y = as_operand(y, x)
    x, y = autocast_low(x, y)
    xs, ys = x._data.shape, y._data.shape
    if not xs or not ys:
        raise ShapeError(
            f"matmul: operands must have at least 1 dimension, got {describe(x)} and {describe(y)}"
        )
    k_x = xs[-1]
    k_y = ys[0] if len(ys) == 1 else ys[-2]
    if k_x != k_y:
        raise ShapeError(
            f"matmul: shapes {tuple(xs)} and {tuple(ys)} do not align: the last axis of x ({k_x}) "
            f"must equal the {'only' if len(ys) == 1 else 'second-to-last'} axis of y ({k_y})"
        )
    return matmul_p(x, y)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """The dot product of vectors along ``axis`` (broadcasting the other axes): the sum of
    ``conj(x1) * x2``, as the standard says for complex vectors."""

    if x1.shape[axis] != x2.shape[axis]:
        raise ShapeError(
            f"vecdot: axis {axis} has {x1.shape[axis]} entries in {describe(x1)} but "
            f"{x2.shape[axis]} in {describe(x2)}"
        )
    out = sum_(conj(x1) * x2, axis=axis)
    b = x1.backend
    if not b.is_inexact(out.dtype):  # the inputs' promoted dtype (a sum widens small integers)
        out = out.astype(b.dtype_name(b.xp.result_type(x1._data, x2._data)))
    return out


def tensordot(x1: Tensor, x2: Tensor, /, *, axes: Any = 2) -> Tensor:
    """Sum products over ``axes`` (an int: the last of x1 with the first of x2; or two lists),
    as one matmul between reshaped operands."""
    if isinstance(axes, int):
        a1 = list(range(x1.ndim - axes, x1.ndim))
        a2 = list(range(axes))
    else:
        a1 = [a % x1.ndim for a in axes[0]]
        a2 = [a % x2.ndim for a in axes[1]]
    if [x1.shape[a] for a in a1] != [x2.shape[a] for a in a2]:
        raise ShapeError(
            f"tensordot: contracted axes {a1} of {describe(x1)} and {a2} of {describe(x2)} differ"
        )
    free1 = [a for a in range(x1.ndim) if a not in a1]
    free2 = [a for a in range(x2.ndim) if a not in a2]
    k = 1
    for a in a1:
        k *= x1.shape[a]

    m = math.prod(x1.shape[a] for a in free1)  # not -1: a size-0 axis makes it ambiguous
    n = math.prod(x2.shape[a] for a in free2)
    left = reshape(permute_dims(x1, (*free1, *a1)), (m, k))
    right = reshape(permute_dims(x2, (*a2, *free2)), (k, n))
    return reshape(
        matmul(left, right), (*[x1.shape[a] for a in free1], *[x2.shape[a] for a in free2])
    )
