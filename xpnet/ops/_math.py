"""The rest of the standard's elementwise functions: trigonometric, hyperbolic, logarithms
and exponentials of other bases, two-argument functions, rounding and bit tests.

Each differentiable primitive is declared with its rule on the line below it, written
with xpnet's own ops so that second derivatives work. Rounding, ``sign``-like and
boolean functions are piecewise constant: they are non-differentiable primitives
whose results carry no gradient (PyTorch gives zeros there; xpnet records nothing).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._errors import NotSupportedError
from ..autodiff import Primitive
from ._common import autocast_high
from ._elementwise import _binary, exp, sqrt, where

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "ceil",
    "conj",
    "copysign",
    "cos",
    "cosh",
    "expm1",
    "floor",
    "floor_divide",
    "hypot",
    "imag",
    "isinf",
    "log10",
    "log2",
    "logaddexp",
    "logical_xor",
    "nextafter",
    "positive",
    "real",
    "reciprocal",
    "remainder",
    "round",
    "signbit",
    "sin",
    "sinh",
    "tan",
    "trunc",
]  # the public ops (xn.*) of this module

_LN2, _LN10 = math.log(2.0), math.log(10.0)
cos_p: Primitive  # declared below; named in rules above their definition
cosh_p: Primitive
floor_op: Primitive

# fmt: off
sin_p = Primitive("sin", lambda b, x: b.xp.sin(x))
sin_p.defvjp(lambda g, ans, x: g * cos_p(x), keep_ans=False)
cos_p = Primitive("cos", lambda b, x: b.xp.cos(x))
cos_p.defvjp(lambda g, ans, x: -g * sin_p(x), keep_ans=False)
tan_p = Primitive("tan", lambda b, x: b.xp.tan(x))
tan_p.defvjp(lambda g, ans, x: g * (1.0 + ans * ans), keep=())
asin_p = Primitive("asin", lambda b, x: b.xp.asin(x))
asin_p.defvjp(lambda g, ans, x: g / sqrt(1.0 - x * x), keep_ans=False)
acos_p = Primitive("acos", lambda b, x: b.xp.acos(x))
acos_p.defvjp(lambda g, ans, x: -g / sqrt(1.0 - x * x), keep_ans=False)
atan_p = Primitive("atan", lambda b, x: b.xp.atan(x))
atan_p.defvjp(lambda g, ans, x: g / (1.0 + x * x), keep_ans=False)
sinh_p = Primitive("sinh", lambda b, x: b.xp.sinh(x))
sinh_p.defvjp(lambda g, ans, x: g * cosh_p(x), keep_ans=False)
cosh_p = Primitive("cosh", lambda b, x: b.xp.cosh(x))
cosh_p.defvjp(lambda g, ans, x: g * sinh_p(x), keep_ans=False)
asinh_p = Primitive("asinh", lambda b, x: b.xp.asinh(x))
asinh_p.defvjp(lambda g, ans, x: g / sqrt(x * x + 1.0), keep_ans=False)
acosh_p = Primitive("acosh", lambda b, x: b.xp.acosh(x))
acosh_p.defvjp(lambda g, ans, x: g / sqrt(x * x - 1.0), keep_ans=False)
atanh_p = Primitive("atanh", lambda b, x: b.xp.atanh(x))
atanh_p.defvjp(lambda g, ans, x: g / (1.0 - x * x), keep_ans=False)
expm1_p = Primitive("expm1", lambda b, x: b.xp.expm1(x))
expm1_p.defvjp(lambda g, ans, x: g * (ans + 1.0), keep=())
log2_p = Primitive("log2", lambda b, x: b.xp.log2(x))
log2_p.defvjp(lambda g, ans, x: g / (x * _LN2), keep_ans=False)
log10_p = Primitive("log10", lambda b, x: b.xp.log10(x))
log10_p.defvjp(lambda g, ans, x: g / (x * _LN10), keep_ans=False)
atan2_p = Primitive("atan2", lambda b, y, x: b.xp.atan2(y, x))
atan2_p.defvjp(lambda g, ans, y, x: g * x / (x * x + y * y), lambda g, ans, y, x: -g * y / (x * x + y * y),
               keep_ans=False)
hypot_p = Primitive("hypot", lambda b, x, y: b.xp.hypot(x, y))
hypot_p.defvjp(lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans)
logaddexp_p = Primitive("logaddexp", lambda b, x, y: b.xp.logaddexp(x, y))
logaddexp_p.defvjp(lambda g, ans, x, y: g * exp(x - ans), lambda g, ans, x, y: g * exp(y - ans))
remainder_p = Primitive("remainder", lambda b, x, y: b.xp.remainder(x, y))
remainder_p.defvjp(lambda g, ans, x, y: g, lambda g, ans, x, y: -g * floor_op(x / y), keep_ans=False)
copysign_p = Primitive("copysign", lambda b, x, y: b.xp.copysign(x, y))
copysign_p.defvjp(lambda g, ans, x, y: where(ans == x, g, -g), lambda g, ans, x, y: g * 0.0)
# fmt: on

_nondiff: dict[str, Any] = {"differentiable": False}
floor_op = Primitive("floor", lambda b, x: b.xp.floor(x), **_nondiff)
ceil_op = Primitive("ceil", lambda b, x: b.xp.ceil(x), **_nondiff)
round_op = Primitive("round", lambda b, x: b.xp.round(x), **_nondiff)
trunc_op = Primitive("trunc", lambda b, x: b.xp.trunc(x), **_nondiff)
signbit_op = Primitive("signbit", lambda b, x: b.xp.signbit(x), **_nondiff)
isinf_op = Primitive("isinf", lambda b, x: b.xp.isinf(x), **_nondiff)
floor_divide_op = Primitive("floor_divide", lambda b, x, y: b.xp.floor_divide(x, y), **_nondiff)
logical_xor_op = Primitive("logical_xor", lambda b, x, y: b.xp.logical_xor(x, y), **_nondiff)
nextafter_op = Primitive("nextafter", lambda b, x, y: b.xp.nextafter(x, y), **_nondiff)
_BITWISE = {
    name: Primitive(name, (lambda fn: lambda b, *xs: getattr(b.xp, fn)(*xs))(name), **_nondiff)
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                 "bitwise_right_shift", "bitwise_invert")
}  # fmt: skip


def sin(x: Tensor) -> Tensor:
    return sin_p(autocast_high(x))


def cos(x: Tensor) -> Tensor:
    return cos_p(autocast_high(x))


def tan(x: Tensor) -> Tensor:
    return tan_p(autocast_high(x))


def asin(x: Tensor) -> Tensor:
    return asin_p(autocast_high(x))


def acos(x: Tensor) -> Tensor:
    return acos_p(autocast_high(x))


def atan(x: Tensor) -> Tensor:
    return atan_p(autocast_high(x))


def sinh(x: Tensor) -> Tensor:
    return sinh_p(autocast_high(x))


def cosh(x: Tensor) -> Tensor:
    return cosh_p(autocast_high(x))


def asinh(x: Tensor) -> Tensor:
    return asinh_p(autocast_high(x))


def acosh(x: Tensor) -> Tensor:
    return acosh_p(autocast_high(x))


def atanh(x: Tensor) -> Tensor:
    return atanh_p(autocast_high(x))


def expm1(x: Tensor) -> Tensor:
    """``exp(x) - 1``, accurate for small ``x``."""
    return expm1_p(autocast_high(x))


def log2(x: Tensor) -> Tensor:
    return log2_p(autocast_high(x))


def log10(x: Tensor) -> Tensor:
    return log10_p(autocast_high(x))


def atan2(x1: Any, x2: Any) -> Tensor:
    """The angle of the point (x2, x1) (the standard's argument order: y first)."""
    return _binary(atan2_p, x1, x2)


def hypot(x1: Any, x2: Any) -> Tensor:
    """sqrt(x1**2 + x2**2) without overflow in the squares."""
    return _binary(hypot_p, x1, x2)


def logaddexp(x1: Any, x2: Any) -> Tensor:
    """log(exp(x1) + exp(x2)), finite for large inputs."""
    return _binary(logaddexp_p, x1, x2)


def remainder(x1: Any, x2: Any) -> Tensor:
    """x1 - floor(x1 / x2) * x2 (the sign of the divisor, as Python's %)."""
    return _binary(remainder_p, x1, x2)


def copysign(x1: Any, x2: Any) -> Tensor:
    """|x1| with the sign of x2 (the gradient flows to x1 only)."""
    return _binary(copysign_p, x1, x2)


def floor_divide(x1: Any, x2: Any) -> Tensor:
    """floor(x1 / x2); no gradient (piecewise constant)."""
    return _binary(floor_divide_op, x1, x2)


def logical_xor(x1: Tensor, x2: Tensor) -> Tensor:
    return logical_xor_op(x1, x2)


def floor(x: Tensor) -> Tensor:
    """Round down; no gradient (piecewise constant)."""
    return floor_op(x)


def ceil(x: Tensor) -> Tensor:
    """Round up; no gradient (piecewise constant)."""
    return ceil_op(x)


def round(x: Tensor) -> Tensor:
    """Round half to even; no gradient (piecewise constant)."""
    return round_op(x)


def trunc(x: Tensor) -> Tensor:
    """Round toward zero; no gradient (piecewise constant)."""
    return trunc_op(x)


def signbit(x: Tensor) -> Tensor:
    return signbit_op(x)


def isinf(x: Tensor) -> Tensor:
    return isinf_op(x)


def positive(x: Tensor) -> Tensor:
    return x


def reciprocal(x: Tensor) -> Tensor:
    """1 / x (not in the standard; PyTorch's name)."""
    return 1.0 / x


def bitwise_and(x1: Any, x2: Any) -> Tensor:
    return _binary(_BITWISE["bitwise_and"], x1, x2)


def bitwise_or(x1: Any, x2: Any) -> Tensor:
    return _binary(_BITWISE["bitwise_or"], x1, x2)


def bitwise_xor(x1: Any, x2: Any) -> Tensor:
    return _binary(_BITWISE["bitwise_xor"], x1, x2)


def bitwise_left_shift(x1: Any, x2: Any) -> Tensor:
    return _binary(_BITWISE["bitwise_left_shift"], x1, x2)


def bitwise_right_shift(x1: Any, x2: Any) -> Tensor:
    return _binary(_BITWISE["bitwise_right_shift"], x1, x2)


def bitwise_invert(x: Tensor) -> Tensor:
    return _BITWISE["bitwise_invert"](x)


def nextafter(x1: Any, x2: Any) -> Tensor:
    """The next representable float after x1 toward x2; no gradient."""
    return _binary(nextafter_op, x1, x2)


def _real_only(x: Tensor, op: str) -> None:
    if x.backend.xp.isdtype(x.dtype, "complex floating"):
        raise NotSupportedError(f"{op}: xpnet does not differentiate complex numbers yet")


def conj(x: Tensor) -> Tensor:
    """The complex conjugate: ``x`` itself for the real tensors xpnet supports."""
    _real_only(x, "conj")
    return x


def real(x: Tensor) -> Tensor:
    """The real part: ``x`` itself for real tensors."""
    _real_only(x, "real")
    return x


def imag(x: Tensor) -> Tensor:
    """The imaginary part: zeros for real tensors."""
    _real_only(x, "imag")
    return x * 0.0
