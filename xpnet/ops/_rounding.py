"""Rounding, remainder and sign, bit operations and elementwise tests.

Rounding, bit and boolean functions are piecewise constant: non-differentiable
primitives whose results carry no gradient (PyTorch gives zeros there; xpnet records
nothing). ``remainder`` and ``copysign`` have gradients. One ``elementwise``
declaration per op (``_declare.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..autodiff import Primitive
from ._declare import elementwise
from ._elementwise import where

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "ceil",
    "copysign",
    "floor",
    "floor_divide",
    "isinf",
    "logical_xor",
    "nextafter",
    "positive",
    "reciprocal",
    "remainder",
    "round",
    "signbit",
    "trunc",
]  # the public ops (xn.*) of this module

floor_p: Primitive  # declared below; named in a rule above its declaration

# fmt: off
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
