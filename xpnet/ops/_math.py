"""The rest of the standard's elementwise functions: trigonometric, hyperbolic, logarithms
and exponentials of other bases, two-argument functions, rounding and bit tests.

Each op is one ``elementwise`` declaration (``_declare.py``): the primitive, its VJP
rules, written with xpnet's own ops so that second derivatives work, and the op
function. Rounding, ``sign``-like and boolean functions are piecewise constant:
non-differentiable primitives whose results carry no gradient.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .._errors import NotSupportedError
from ..autodiff import Primitive
from ._declare import elementwise
from ._elementwise import exp, sqrt, where

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
_H = "high"  # autocast class: float16/bfloat16 inputs computed in float32
cos_p: Primitive  # declared below; named in rules above their declaration
cosh_p: Primitive
floor_p: Primitive

# One line per op: name, VJP rule(s) written with xpnet's ops, what the rules keep.
# fmt: off
sin_p, sin = elementwise("sin", lambda g, ans, x: g * cos_p(x), keep_ans=False, autocast=_H)
cos_p, cos = elementwise("cos", lambda g, ans, x: -g * sin_p(x), keep_ans=False, autocast=_H)
tan_p, tan = elementwise("tan", lambda g, ans, x: g * (1.0 + ans * ans), keep=(), autocast=_H)
asin_p, asin = elementwise("asin", lambda g, ans, x: g / sqrt(1.0 - x * x), keep_ans=False, autocast=_H)
acos_p, acos = elementwise("acos", lambda g, ans, x: -g / sqrt(1.0 - x * x), keep_ans=False, autocast=_H)
atan_p, atan = elementwise("atan", lambda g, ans, x: g / (1.0 + x * x), keep_ans=False, autocast=_H)
sinh_p, sinh = elementwise("sinh", lambda g, ans, x: g * cosh_p(x), keep_ans=False, autocast=_H)
cosh_p, cosh = elementwise("cosh", lambda g, ans, x: g * sinh_p(x), keep_ans=False, autocast=_H)
asinh_p, asinh = elementwise("asinh", lambda g, ans, x: g / sqrt(x * x + 1.0), keep_ans=False, autocast=_H)
acosh_p, acosh = elementwise("acosh", lambda g, ans, x: g / sqrt(x * x - 1.0), keep_ans=False, autocast=_H)
atanh_p, atanh = elementwise("atanh", lambda g, ans, x: g / (1.0 - x * x), keep_ans=False, autocast=_H)
expm1_p, expm1 = elementwise("expm1", lambda g, ans, x: g * (ans + 1.0), keep=(), autocast=_H,
                             doc="``exp(x) - 1``, accurate for small ``x``.")
log2_p, log2 = elementwise("log2", lambda g, ans, x: g / (x * _LN2), keep_ans=False, autocast=_H)
log10_p, log10 = elementwise("log10", lambda g, ans, x: g / (x * _LN10), keep_ans=False, autocast=_H)
atan2_p, atan2 = elementwise("atan2", lambda g, ans, y, x: g * x / (x * x + y * y),
                             lambda g, ans, y, x: -g * y / (x * x + y * y), keep_ans=False,
                             doc="The angle of the point (x2, x1) (the standard's argument order: y first).")
hypot_p, hypot = elementwise("hypot", lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans,
                             doc="sqrt(x1**2 + x2**2) without overflow in the squares.")
logaddexp_p, logaddexp = elementwise("logaddexp", lambda g, ans, x, y: g * exp(x - ans),
                                     lambda g, ans, x, y: g * exp(y - ans),
                                     doc="log(exp(x1) + exp(x2)), finite for large inputs.")
remainder_p, remainder = elementwise("remainder", lambda g, ans, x, y: g,
                                     lambda g, ans, x, y: -g * floor_p(x / y), keep_ans=False,
                                     doc="x1 - floor(x1 / x2) * x2 (the sign of the divisor, as Python's %).")
copysign_p, copysign = elementwise("copysign", lambda g, ans, x, y: where(ans == x, g, -g),
                                   lambda g, ans, x, y: g * 0.0,
                                   doc="|x1| with the sign of x2 (the gradient flows to x1 only).")

# Piecewise constant or boolean: no gradient (PyTorch gives zeros there; xpnet records nothing).
floor_p, floor = elementwise("floor", arity=1, doc="Round down; no gradient (piecewise constant).")
ceil_p, ceil = elementwise("ceil", arity=1, doc="Round up; no gradient (piecewise constant).")
round_p, round = elementwise("round", arity=1, doc="Round half to even; no gradient (piecewise constant).")
trunc_p, trunc = elementwise("trunc", arity=1, doc="Round toward zero; no gradient (piecewise constant).")
signbit_p, signbit = elementwise("signbit", arity=1)
isinf_p, isinf = elementwise("isinf", arity=1)
floor_divide_p, floor_divide = elementwise("floor_divide", arity=2,
                                           doc="floor(x1 / x2); no gradient (piecewise constant).")
logical_xor_p, logical_xor = elementwise("logical_xor", arity=2)
nextafter_p, nextafter = elementwise("nextafter", arity=2,
                                     doc="The next representable float after x1 toward x2; no gradient.")
bitwise_and_p, bitwise_and = elementwise("bitwise_and", arity=2)
bitwise_or_p, bitwise_or = elementwise("bitwise_or", arity=2)
bitwise_xor_p, bitwise_xor = elementwise("bitwise_xor", arity=2)
bitwise_left_shift_p, bitwise_left_shift = elementwise("bitwise_left_shift", arity=2)
bitwise_right_shift_p, bitwise_right_shift = elementwise("bitwise_right_shift", arity=2)
bitwise_invert_p, bitwise_invert = elementwise("bitwise_invert", arity=1)
# fmt: on


def positive(x: Tensor) -> Tensor:
    return x


def reciprocal(x: Tensor) -> Tensor:
    """1 / x (not in the standard; PyTorch's name)."""
    return 1.0 / x


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
