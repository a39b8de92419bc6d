"""Transcendental functions: trigonometric, hyperbolic, their inverses, logarithms and
exponentials of other bases, and the two-argument atan2, hypot and logaddexp.

Each op is one ``elementwise`` declaration (``_declare.py``): the primitive, its VJP
rules, written with xpnet's own ops so that second derivatives work, and the op
function. All compute float16/bfloat16 inputs in float32 under autocast ("high").
"""

from __future__ import annotations

import math

from ..autodiff import Primitive
from ._declare import elementwise
from ._elementwise import exp, sqrt

__all__ = [
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cos",
    "cosh",
    "expm1",
    "hypot",
    "log10",
    "log2",
    "logaddexp",
    "sin",
    "sinh",
    "tan",
]  # the public ops (xn.*) of this module

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_H = "high"  # autocast class: float16/bfloat16 inputs computed in float32
cos_p: Primitive  # declared below; named in rules above their declaration
cosh_p: Primitive

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
# fmt: on
