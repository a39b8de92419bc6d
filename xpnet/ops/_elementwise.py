"""Elementwise primitives (arithmetic, math, activations, selection) and comparisons.

Python scalars stay Python scalars all the way to the array library, so
``float32_tensor * 2.0`` stays float32 (the standard's scalar promotion).
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..autodiff._primitive import Primitive
from ._common import NondiffOp, as_operand


def _sigmoid(xp: Any, x: Any) -> Any:
    # exp(-|x|) never overflows, so no warning and no inf for any input.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


add_p = Primitive("add", lambda xp, x, y: x + y)
subtract_p = Primitive("subtract", lambda xp, x, y: x - y)
multiply_p = Primitive("multiply", lambda xp, x, y: x * y)
divide_p = Primitive("divide", lambda xp, x, y: x / y)
pow_p = Primitive("pow", lambda xp, x, y: x**y)
negative_p = Primitive("negative", lambda xp, x: -x)
exp_p = Primitive("exp", lambda xp, x: xp.exp(x))
log_p = Primitive("log", lambda xp, x: xp.log(x))
log1p_p = Primitive("log1p", lambda xp, x: xp.log1p(x))
sqrt_p = Primitive("sqrt", lambda xp, x: xp.sqrt(x))
abs_p = Primitive("abs", lambda xp, x: xp.abs(x))
tanh_p = Primitive("tanh", lambda xp, x: xp.tanh(x))
sigmoid_p = Primitive("sigmoid", _sigmoid)
relu_p = Primitive("relu", lambda xp, x: xp.maximum(x, 0))
maximum_p = Primitive("maximum", lambda xp, x, y: xp.maximum(x, y))
minimum_p = Primitive("minimum", lambda xp, x, y: xp.minimum(x, y))
where_p = Primitive("where", lambda xp, c, x, y: xp.where(c, x, y))
clip_p = Primitive("clip", lambda xp, x, *, min, max: xp.clip(x, min=min, max=max))
astype_p = Primitive("astype", lambda xp, x, *, dtype: xp.astype(x, dtype))

sign_op = NondiffOp("sign", lambda xp, x: xp.sign(x))
less_op = NondiffOp("less", lambda xp, x, y: x < y)
less_equal_op = NondiffOp("less_equal", lambda xp, x, y: x <= y)
greater_op = NondiffOp("greater", lambda xp, x, y: x > y)
greater_equal_op = NondiffOp("greater_equal", lambda xp, x, y: x >= y)
equal_op = NondiffOp("equal", lambda xp, x, y: x == y)
not_equal_op = NondiffOp("not_equal", lambda xp, x, y: x != y)
logical_and_op = NondiffOp("logical_and", lambda xp, x, y: xp.logical_and(x, y))
logical_or_op = NondiffOp("logical_or", lambda xp, x, y: xp.logical_or(x, y))
logical_not_op = NondiffOp("logical_not", lambda xp, x: xp.logical_not(x))
isfinite_op = NondiffOp("isfinite", lambda xp, x: xp.isfinite(x))
isnan_op = NondiffOp("isnan", lambda xp, x: xp.isnan(x))


def _binary(prim: Primitive, x: Any, y: Any) -> Tensor:
    if isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            y = as_operand(y, x)
            if type(y) is float and not x.backend.is_float(x.data.dtype):
                x = astype_p(x, dtype=x.backend.default_float)  # int tensor * 2.5 -> float32
        return prim(x, y)
    if isinstance(y, Tensor):
        x = as_operand(x, y)
        if type(x) is float and not y.backend.is_float(y.data.dtype):
            y = astype_p(y, dtype=y.backend.default_float)
        return prim(x, y)
    raise TypeError(
        f"{prim.name}: expected a Tensor operand, got {type(x).__name__} and {type(y).__name__}"
    )


def add(x: Any, y: Any) -> Tensor:
    """``x + y`` with broadcasting."""
    return _binary(add_p, x, y)


def subtract(x: Any, y: Any) -> Tensor:
    """``x - y`` with broadcasting."""
    return _binary(subtract_p, x, y)


def multiply(x: Any, y: Any) -> Tensor:
    """``x * y`` with broadcasting."""
    return _binary(multiply_p, x, y)


def divide(x: Any, y: Any) -> Tensor:
    """``x / y`` with broadcasting (true division)."""
    return _binary(divide_p, x, y)


def pow(x: Any, y: Any) -> Tensor:
    """``x ** y`` with broadcasting."""
    return _binary(pow_p, x, y)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise maximum; at ties the gradient is split evenly."""
    if not isinstance(x, Tensor):
        x, y = y, x  # the Tensor first: some libraries take scalars only second
    return _binary(maximum_p, x, y)


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise minimum; at ties the gradient is split evenly."""
    if not isinstance(x, Tensor):
        x, y = y, x
    return _binary(minimum_p, x, y)


def negative(x: Tensor) -> Tensor:
    return negative_p(x)


def exp(x: Tensor) -> Tensor:
    return exp_p(x)


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return log_p(x)


def log1p(x: Tensor) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``."""
    return log1p_p(x)


def sqrt(x: Tensor) -> Tensor:
    return sqrt_p(x)


def abs(x: Tensor) -> Tensor:
    return abs_p(x)


def tanh(x: Tensor) -> Tensor:
    return tanh_p(x)


def sigmoid(x: Tensor) -> Tensor:
    """The logistic function 1 / (1 + exp(-x)), finite and warning-free for any input."""
    return sigmoid_p(x)


def relu(x: Tensor) -> Tensor:
    """max(x, 0); the gradient at 0 is 0."""
    return relu_p(x)


def square(x: Tensor) -> Tensor:
    return multiply_p(x, x)


def where(condition: Tensor, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (either may be a Python scalar)."""
    like = condition
    x = as_operand(x, like)
    y = as_operand(y, like)
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        # The standard takes at most one scalar: make x a 0-d tensor (float32 for floats).
        from ._creation import tensor

        x = tensor(x, backend=condition.backend)
    return where_p(condition, x, y)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max]; bounds are Python scalars, Tensors or None."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if min is None and max is None:
        return x
    return clip_p(x, min=min, max=max)


def astype(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (a name such as ``"float64"`` or a dtype object)."""
    dt = x.backend.dtype(dtype)
    if dt == x.data.dtype:
        return x
    return astype_p(x, dtype=dt)


def sign(x: Tensor) -> Tensor:
    return sign_op(x)


def _compare(op: NondiffOp, x: Any, y: Any) -> Tensor:
    if isinstance(x, Tensor):
        return op(x, as_operand(y, x))
    return op(as_operand(x, y), y)


def less(x: Any, y: Any) -> Tensor:
    return _compare(less_op, x, y)


def less_equal(x: Any, y: Any) -> Tensor:
    return _compare(less_equal_op, x, y)


def greater(x: Any, y: Any) -> Tensor:
    return _compare(greater_op, x, y)


def greater_equal(x: Any, y: Any) -> Tensor:
    return _compare(greater_equal_op, x, y)


def equal(x: Any, y: Any) -> Tensor:
    return _compare(equal_op, x, y)


def not_equal(x: Any, y: Any) -> Tensor:
    return _compare(not_equal_op, x, y)


def logical_and(x: Tensor, y: Tensor) -> Tensor:
    return _compare(logical_and_op, x, y)


def logical_or(x: Tensor, y: Tensor) -> Tensor:
    return _compare(logical_or_op, x, y)


def logical_not(x: Tensor) -> Tensor:
    return logical_not_op(x)


def isfinite(x: Tensor) -> Tensor:
    return isfinite_op(x)


def isnan(x: Tensor) -> Tensor:
    return isnan_op(x)
