"""Matrix products."""

from __future__ import annotations

from typing import Any

from .._errors import ShapeError
from .._tensor import Tensor
from ..autodiff._primitive import Primitive, describe
from ._common import as_operand

matmul_p = Primitive("matmul", lambda xp, x, y: xp.matmul(x, y))


def matmul(x: Tensor, y: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading axes broadcast."""
    if not isinstance(x, Tensor):
        x = as_operand(x, y)
    if not isinstance(y, Tensor):
        y = as_operand(y, x)
    xs, ys = x.data.shape, y.data.shape
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


def _linear(xp: Any, x: Any, w: Any, *bias: Any) -> Any:
    out = xp.matmul(x, xp.matrix_transpose(w))
    return out + bias[0] if bias else out


# Fused x @ w.T (+ b): one primitive instead of transpose, matmul and add, and a
# bias gradient summed directly instead of through the engine's unbroadcasting.
linear_p = Primitive("linear", _linear)
