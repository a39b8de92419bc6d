"""Special functions beyond the standard, as primitives with exact derivatives: erf and softplus.

Both were once composites whose gradient was wrong exactly at 0 (a composite
through ``abs``/``sign``/``relu`` has slope 0 at their kink, so softplus'(0) came out
0 instead of 1/2 and erf'(0) 0 instead of 2/sqrt(pi)). As primitives their rules
are the closed forms, correct everywhere and differentiable again:

    erf'(x) = 2/sqrt(pi) exp(-x^2)        softplus'(x) = sigmoid(x)

The standard has no erf, so the forward here uses standard operations only:
two Chebyshev interpolants (``tools/erf_coefficients.py`` derives them), accurate
to about 5e-15 in float64. Backends with a native erf (PyTorch, JAX, CuPy, NumPy
with SciPy) register it as a kernel and run that instead (tests compare the two).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError
from ..autodiff import Primitive
from . import _elementwise as E
from ._common import autocast_high

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["erf"]  # the public ops (xn.*) of this module

# erf(x)/x for t = x**2 on [0, 4], in Chebyshev form on u = t/2 - 1.
_SMALL = (
    0.7415552820424017,
    -0.3010710733865949,
    0.06899483068983178,
    -0.01391627126472228,
    0.0024207995224334944,
    -0.0003658639685846619,
    4.862098443258325e-05,
    -5.749256557759467e-06,
    6.113243579922932e-07,
    -5.8991015297039946e-08,
    5.2070095203564405e-09,
    -4.232977277494298e-10,
    3.188153934531151e-11,
    -2.2362567005632944e-12,
    1.470103634957557e-13,
    -8.904402771255252e-15,
    9.258154334507898e-16,
)
# erfcx(x) = exp(x**2) erfc(x) for u = 1/x on [1/6, 1/2], in Chebyshev form on v = 6u - 2.
_LARGE = (
    0.1765281179363382,
    0.08137379533782718,
    -0.002457501373377914,
    -6.324093536659116e-05,
    1.5519910419466756e-05,
    -1.0108306756489826e-06,
    -1.3197327712412491e-08,
    1.0635366020047461e-08,
    -1.22849672650495e-09,
    4.9703409935568315e-11,
    7.773876796562562e-12,
    -1.866036275376499e-12,
    1.9714835185655537e-13,
)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _chebyshev(u: Any, coeffs: tuple[float, ...]) -> Any:
    """sum_k c_k T_k(u) by Clenshaw's recurrence (stable for |u| <= 1)."""
    u2 = u * 2.0
    b1: Any = 0.0
    b2: Any = 0.0
    for c in reversed(coeffs[1:]):
        b1, b2 = u2 * b1 - b2 + c, b1
    return u * b1 - b2 + coeffs[0]


def erf_standard(b: Any, x: Any) -> Any:
    """erf with standard operations only (the generic kernel)."""
    xp = b.xp
    a = xp.abs(x)
    t = xp.minimum(x * x, 4.0)  # the small-|x| piece, clamped where it is not used
    small = x * _chebyshev(t * 0.5 - 1.0, _SMALL)
    c = xp.clip(a, 2.0, 6.0)  # the large-|x| piece; past 6, 1 - erfc rounds to 1
    large = 1.0 - _chebyshev(6.0 / c - 2.0, _LARGE) * xp.exp(-(c * c))
    return xp.where(a <= 2.0, small, xp.sign(x) * large)


def _softplus(b: Any, x: Any) -> Any:
    xp = b.xp
    return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))  # exp(-|x|) never overflows


# fmt: off
erf_p = Primitive("erf", erf_standard)
erf_p.defvjp(lambda g, ans, x: g * _TWO_OVER_SQRT_PI * E.exp(-(x * x)), keep_ans=False)

softplus_p = Primitive("softplus", _softplus)
softplus_p.defvjp(lambda g, ans, x: g * E.sigmoid(x), keep_ans=False)
# fmt: on


def erf(x: Tensor) -> Tensor:
    """The error function, 2/sqrt(pi) * integral_0^x exp(-t^2) dt."""
    return erf_p(x)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, finite for any input; x itself where beta x > threshold.

    PyTorch's signature and values; the gradient is sigmoid(beta x), 1/2 at 0.
    """
    if beta <= 0:
        raise ArgumentError(f"softplus: beta must be positive, got {beta}")
    x = autocast_high(x)
    z = x if beta == 1.0 else x * beta
    out = softplus_p(z) if beta == 1.0 else softplus_p(z) * (1.0 / beta)
    return E.where(z > threshold, x, out)
