"""Elementwise primitives (arithmetic, math, activations, selection) with their VJPs, and comparisons.

Each primitive is declared with its rules on the lines below it. A rule is
``rule(g, ans, *args, **params)``; ``keep`` names the arguments whose values the
rules use and ``keep_ans`` whether they use the output, so a recorded node keeps
nothing more alive (see ``xpnet.autodiff.Primitive``).

Python scalars stay Python scalars all the way to the array library, so
``float32_tensor * 2.0`` stays float32 (the standard's scalar promotion).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive
from ..autodiff.internal import TensorBase, is_tensor, wrap
from ._cast import conj
from ._common import as_operand, autocast_high, binary, float_wins
from ._creation import tensor, zeros_like
from ._declare import elementwise

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "abs",
    "add",
    "clip",
    "divide",
    "equal",
    "exp",
    "greater",
    "greater_equal",
    "isfinite",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log1p",
    "logical_and",
    "logical_not",
    "logical_or",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "not_equal",
    "pow",
    "relu",
    "sigmoid",
    "sign",
    "sqrt",
    "square",
    "subtract",
    "tanh",
    "where",
]  # the public ops (xn.*) of this module


def _sigmoid(b: Any, x: Any) -> Any:
    # exp(-|x|) never overflows, so no warning and no inf for any input.
    xp = b.xp
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _log_base(x: Any) -> Any:
    """log(x) for the exponent's gradient of x**y; 0 where x <= 0 (where that term vanishes)."""
    if not is_tensor(x):
        return math.log(x) if x > 0 else 0.0
    return log(where(x > 0, x, 1.0))


def _pow_x(g: Tensor, ans: Any, x: Any, y: Any) -> Tensor:
    """d(x**y)/dx = y x**(y-1), and 0 where y == 0 (even at x == 0, where x**-1 is inf)."""
    if not is_tensor(y):
        if y == 0:
            return wrap(g.backend.full_like(g._data, 0), g.backend)
        return g * y * x ** (y - 1)
    return g * y * x ** (where(y == 0, 1.0, y) - 1.0)


def _inside(x: Tensor, lo: Any, hi: Any) -> Tensor:
    """lo <= x <= hi (a bound may be None): where clip passes its input's gradient (as PyTorch)."""
    if lo is None:
        return x <= hi
    if hi is None:
        return x >= lo
    return logical_and(x >= lo, x <= hi)


def _tie_split(g: Tensor, a: Any, b: Any) -> Tensor:
    """The share of ``g`` that max(a, b)/min(a, b) passes to ``a``: all, half at ties, or none."""
    return where(a == b, g * 0.5, where(a > b, g, 0.0))


# fmt: off
add_p = Primitive("add", lambda b, x, y: x + y)
add_p.defvjp(lambda g, ans, x, y: g, lambda g, ans, x, y: g, keep=(), keep_ans=False)

subtract_p = Primitive("subtract", lambda b, x, y: x - y)
subtract_p.defvjp(lambda g, ans, x, y: g, lambda g, ans, x, y: -g, keep=(), keep_ans=False)

multiply_p = Primitive("multiply", lambda b, x, y: x * y)
multiply_p.defvjp(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x, keep_ans=False, reads=((1,), (0,)))

divide_p = Primitive("divide", lambda b, x, y: x / y)
divide_p.defvjp(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y, keep=(1,))

pow_p = Primitive("pow", lambda b, x, y: x**y)
pow_p.defvjp(_pow_x, lambda g, ans, x, y: g * ans * _log_base(x))










maximum_p = Primitive("maximum", lambda b, x, y: b.xp.maximum(x, y))
maximum_p.defvjp(lambda g, ans, x, y: _tie_split(g, x, y), lambda g, ans, x, y: _tie_split(g, y, x), keep_ans=False)

minimum_p = Primitive("minimum", lambda b, x, y: b.xp.minimum(x, y))
minimum_p.defvjp(lambda g, ans, x, y: _tie_split(g, y, x), lambda g, ans, x, y: _tie_split(g, x, y), keep_ans=False)

where_p = Primitive("where", lambda b, c, x, y: b.xp.where(c, x, y))
where_p.defvjp(None, lambda g, ans, c, x, y: where(c, g, 0.0), lambda g, ans, c, x, y: where(c, 0.0, g),
               keep=(0,), keep_ans=False)

clip_p = Primitive("clip", lambda b, x, *, min, max: b.clip(x, min, max))
clip_p.defvjp(lambda g, ans, x, *, min, max: where(_inside(x, min, max), g, 0.0), keep_ans=False)

# fmt: on

_nondiff: dict[str, Any] = {"differentiable": False}
less_op = Primitive("less", lambda b, x, y: x < y, **_nondiff)
less_equal_op = Primitive("less_equal", lambda b, x, y: x <= y, **_nondiff)
greater_op = Primitive("greater", lambda b, x, y: x > y, **_nondiff)
greater_equal_op = Primitive("greater_equal", lambda b, x, y: x >= y, **_nondiff)
equal_op = Primitive("equal", lambda b, x, y: x == y, **_nondiff)
not_equal_op = Primitive("not_equal", lambda b, x, y: x != y, **_nondiff)
logical_and_op = Primitive("logical_and", lambda b, x, y: b.xp.logical_and(x, y), **_nondiff)
logical_or_op = Primitive("logical_or", lambda b, x, y: b.xp.logical_or(x, y), **_nondiff)


# ReLU's backward as one primitive (one kernel on backends that register one, as
# PyTorch's threshold_backward): g times the mask ans > 0, a mask product (8x faster
# than where on NumPy). It is linear in g, and the mask is piecewise constant in ans.
# fmt: off
relu_grad_p = Primitive("relu_grad", lambda b, g, ans: g * b.xp.astype(ans > 0, g.dtype))
relu_grad_p.defvjp(lambda G, a, g, ans: relu_grad_p(G, ans),
                   lambda G, a, g, ans: zeros_like(ans, dtype=G.dtype), keep=(1,), keep_ans=False)
# fmt: on

# The sigmoid's and tanh's backward likewise (PyTorch's sigmoid_backward and
# tanh_backward): from the forward output, linear in g; twice differentiable.
# fmt: off
sigmoid_grad_p = Primitive("sigmoid_grad", lambda b, g, ans: g * ans * (1.0 - ans))
sigmoid_grad_p.defvjp(lambda G, a, g, ans: sigmoid_grad_p(G, ans),
                      lambda G, a, g, ans: G * g * (1.0 - 2.0 * ans), keep_ans=False)
tanh_grad_p = Primitive("tanh_grad", lambda b, g, ans: g * (1.0 - ans * ans))
tanh_grad_p.defvjp(lambda G, a, g, ans: tanh_grad_p(G, ans),
                   lambda G, a, g, ans: G * g * (-2.0 * ans), keep_ans=False)
# fmt: on


# One line per unary op (the primitive, its rule, the op function): see _declare.py.
_H = "high"  # autocast class: float16/bfloat16 inputs computed in float32
# fmt: off
sign_p, sign = elementwise("sign", arity=1)
logical_not_p, logical_not = elementwise("logical_not", arity=1)
isfinite_p, isfinite = elementwise("isfinite", arity=1)
isnan_p, isnan = elementwise("isnan", arity=1)
negative_p, negative = elementwise("negative", lambda g, ans, x: -g, keep=(), keep_ans=False, impl=lambda b, x: -x)
exp_p, exp = elementwise("exp", lambda g, ans, x: g * ans, keep=(), autocast=_H)
log_p, log = elementwise("log", lambda g, ans, x: g / x, keep_ans=False, autocast=_H, doc="Natural logarithm.")
log1p_p, log1p = elementwise("log1p", lambda g, ans, x: g / (x + 1.0), keep_ans=False, autocast=_H,
                             doc="``log(1 + x)``, accurate for small ``x``.")
sqrt_p, sqrt = elementwise("sqrt", lambda g, ans, x: g * 0.5 / ans, keep=())
abs_p, abs = elementwise("abs", lambda g, ans, x: g * conj(sign(x)), keep_ans=False)  # conj: complex x
tanh_p, tanh = elementwise("tanh", lambda g, ans, x: tanh_grad_p(g, ans), keep=())
sigmoid_p, sigmoid = elementwise("sigmoid", lambda g, ans, x: sigmoid_grad_p(g, ans), keep=(), impl=_sigmoid,
                             doc="The logistic function 1 / (1 + exp(-x)), finite and warning-free for any input.")
relu_p, relu = elementwise("relu", lambda g, ans, x: relu_grad_p(g, ans), keep=(),
                       impl=lambda b, x: b.xp.maximum(x, 0), doc="max(x, 0); the gradient at 0 is 0.")
# fmt: on


def add(x: Any, y: Any) -> Tensor:
    """``x + y`` with broadcasting."""
    return binary(add_p, x, y)


def subtract(x: Any, y: Any) -> Tensor:
    """``x - y`` with broadcasting."""
    return binary(subtract_p, x, y)


def multiply(x: Any, y: Any) -> Tensor:
    """``x * y`` with broadcasting."""
    return binary(multiply_p, x, y)


def divide(x: Any, y: Any) -> Tensor:
    """``x / y`` with broadcasting (true division)."""
    return binary(divide_p, x, y)


def pow(x: Any, y: Any) -> Tensor:
    """``x ** y`` with broadcasting."""
    return binary(pow_p, autocast_high(x), autocast_high(y))


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise maximum; at ties the gradient is split evenly."""
    if not isinstance(x, TensorBase):
        x, y = y, x  # the Tensor first: some libraries take scalars only second
    return binary(maximum_p, x, y)


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise minimum; at ties the gradient is split evenly."""
    if not isinstance(x, TensorBase):
        x, y = y, x
    return binary(minimum_p, x, y)


def square(x: Tensor) -> Tensor:
    return multiply_p(x, x)


def where(condition: Tensor, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (either may be a Python scalar)."""
    like = condition
    x = as_operand(x, like)
    y = as_operand(y, like)
    if not isinstance(x, TensorBase) and not isinstance(y, TensorBase):
        # The standard takes at most one scalar: make x a 0-d tensor (float32 for floats).

        x = tensor(x, backend=condition.backend)
    elif isinstance(x, TensorBase) and isinstance(y, TensorBase):
        x, y = float_wins(x, y)  # a float and an integer branch: the float's dtype
    return where_p(condition, x, y)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max]; bounds are Python scalars, Tensors or None.

    As in PyTorch, ``x`` gets the gradient where min <= x <= max (the bounds
    included) and a tensor bound where ``x`` lies beyond it.
    """
    if isinstance(min, TensorBase) or isinstance(max, TensorBase):
        out = x
        if min is not None:
            out = where(out < min, min, out)
        if max is not None:
            out = where(out > max, max, out)
        return out
    if min is None and max is None:
        return x
    return clip_p(x, min=min, max=max)


def _compare(op: Primitive, x: Any, y: Any) -> Tensor:
    if is_tensor(x):
        if is_tensor(y):
            return op(*float_wins(x, y))  # a float tensor and an integer one: as floats
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
