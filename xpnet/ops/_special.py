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

import functools
import math
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError
from ..autodiff import Primitive
from . import _elementwise as E
from ._common import autocast_high

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["erf", "erfc", "erfinv"]  # the public ops (xn.*) of this module

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


def _erf_small(xp: Any, x: Any) -> Any:
    """erf(x) for |x| <= 2 (clamped where it is not used)."""
    return x * _chebyshev(xp.minimum(x * x, 4.0) * 0.5 - 1.0, _SMALL)


def _erfc_mid(xp: Any, a: Any) -> Any:
    """erfc(a) for 2 <= a <= 6 (a clamped to it): the erfcx interpolant times exp(-a^2)."""
    c = xp.clip(a, 2.0, 6.0)
    return _chebyshev(6.0 / c - 2.0, _LARGE) * xp.exp(-(c * c))


def erf_standard(b: Any, x: Any) -> Any:
    """erf with standard operations only (the generic kernel); past 6, 1 - erfc rounds to 1."""
    xp = b.xp
    a = xp.abs(x)
    return xp.where(a <= 2.0, _erf_small(xp, x), xp.sign(x) * (1.0 - _erfc_mid(xp, a)))


def _erfc_right(xp: Any, a: Any) -> Any:
    """erfc(a) for a >= 0 without cancellation: 1 - erf below 2, the erfcx interpolant on
    [2, 6], Lentz's continued fraction (30 terms) past 6."""
    small = 1.0 - _erf_small(xp, a)
    mid = _erfc_mid(xp, a)
    f = xp.maximum(a, 6.0)
    t = f
    for k in range(30, 0, -1):  # x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))
        t = f + (k * 0.5) / t
    far = xp.exp(-(f * f)) / (math.sqrt(math.pi) * t)
    return xp.where(a <= 2.0, small, xp.where(a <= 6.0, mid, far))


def erfc_standard(b: Any, x: Any) -> Any:
    """1 - erf(x), accurate in the right tail (where 1 - erf rounds to 0)."""
    xp = b.xp
    right = _erfc_right(xp, xp.abs(x))
    return xp.where(x >= 0.0, right, 2.0 - right)


# Giles (2010), "Approximating the erfinv function": a float32-accurate start
_GILES_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
               0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)  # fmt: skip


def _horner(w: Any, coeffs: tuple[float, ...]) -> Any:
    p: Any = coeffs[0]
    for c in coeffs[1:]:
        p = p * w + c
    return p


def in_float64(kernel: Any) -> Any:
    """``kernel(b, x, **params)`` computed in float64 where the device has it, its result
    in ``x``'s dtype: for iterations and recurrences that cancel digits (float32 in,
    float32-accurate out)."""

    @functools.wraps(kernel)
    def run(b: Any, x: Any, **params: Any) -> Any:
        wide = b.dtypes.get("float64")
        if not b.float64 or x.dtype == wide:
            return kernel(b, x, **params)
        return b.xp.astype(kernel(b, b.xp.astype(x, wide), **params), x.dtype)

    return run


@in_float64
def erfinv_standard(b: Any, y: Any) -> Any:
    """The inverse of erf on (-1, 1) (+-inf at +-1, NaN outside): Giles' start, then three
    Newton steps, on erf(x) = |y| inside and on log erfc(x) = log(1 - |y|) near the ends
    (1 - |y| is exact there, and log erfc is nearly quadratic, so the steps neither cancel
    nor overshoot)."""
    xp = b.xp
    a = xp.abs(y)
    inside = a < 1.0
    s = xp.where(inside, a, 0.5)
    w = -xp.log((1.0 - s) * (1.0 + s))
    x = s * xp.where(w < 5.0, _horner(w - 2.5, _GILES_CENTRAL),
                     _horner(xp.sqrt(w) - 3.0, _GILES_TAIL))  # fmt: skip
    near = s >= 0.5
    log_tail = xp.log(xp.where(near, 1.0 - s, 1.0))
    for _ in range(3):
        slope = _TWO_OVER_SQRT_PI * xp.exp(-(x * x))
        inner = (erf_standard(b, x) - s) / slope
        c = erfc_standard(b, x)
        outer = -(xp.log(xp.where(near, c, 1.0)) - log_tail) * c / slope
        x = x - xp.where(near, outer, inner)
    out = xp.where(inside, x, xp.where(a == 1.0, xp.inf, xp.nan + 0.0 * a))
    return xp.where(y < 0.0, -out, out)


def _softplus(b: Any, x: Any) -> Any:
    xp = b.xp
    return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))  # exp(-|x|) never overflows


# fmt: off
erf_p = Primitive("erf", erf_standard)
erf_p.defvjp(lambda g, ans, x: g * _TWO_OVER_SQRT_PI * E.exp(-(x * x)), keep_ans=False)

erfc_p = Primitive("erfc", erfc_standard)
erfc_p.defvjp(lambda g, ans, x: g * (-_TWO_OVER_SQRT_PI) * E.exp(-(x * x)), keep_ans=False)

erfinv_p = Primitive("erfinv", erfinv_standard)
erfinv_p.defvjp(lambda g, ans, y: g * (math.sqrt(math.pi) / 2.0) * E.exp(ans * ans), keep=())

softplus_p = Primitive("softplus", _softplus)
softplus_p.defvjp(lambda g, ans, x: g * E.sigmoid(x), keep_ans=False)
# fmt: on


def erf(x: Tensor) -> Tensor:
    """The error function, 2/sqrt(pi) * integral_0^x exp(-t^2) dt."""
    return erf_p(x)


def erfc(x: Tensor) -> Tensor:
    """1 - erf(x), computed without cancellation (erfc(10) is 2.1e-45, not 0)."""
    return erfc_p(autocast_high(x))


def erfinv(x: Tensor) -> Tensor:
    """The inverse error function on [-1, 1] (+-inf at +-1, NaN outside)."""
    return erfinv_p(autocast_high(x))


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
