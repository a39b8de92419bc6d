"""The log-gamma function and its derivatives, as primitives: ``lgamma``, ``digamma``
(psi) and ``polygamma(n, x)``, each rule the next one:

    lgamma'(x) = digamma(x)      digamma'(x) = polygamma(1, x)
    d/dx polygamma(n, x) = polygamma(n + 1, x)

The standard has none of them, so the generic kernels here use standard operations only
(they run on array-api-strict; NumPy with SciPy, PyTorch, JAX and CuPy register their
native ones, which tests compare with these):
- lgamma: Lanczos' approximation (g = 7, 9 terms) for x >= 1/2, reflection below
  (log|Gamma|; +inf at the poles 0, -1, -2...), about 1e-15 relative in float64;
- digamma: the recurrence up to x + 8, then the asymptotic series; reflection below 1/2;
- polygamma(n, x): the same for n >= 1; reflection for n = 1 (trigamma). For n >= 2 below
  0 the recurrence starts from x + 40, so the generic kernel covers x >= -32 (NaN further
  down, and at the negative poles; the native kernels give values there).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError
from ..autodiff import Primitive
from ._common import autocast_high
from ._special import in_float64

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["digamma", "lgamma", "polygamma"]

_LANCZOS_G = 7.0
_LANCZOS = (
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
)  # fmt: skip
# B_2k for k = 1..8 (the asymptotic series' coefficients)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_SHIFT = 8  # the recurrence moves x to x + 8 before the series
_FAR = 32  # polygamma(n >= 2) below 0: from x + 40, so down to x = -32


def _lgamma_right(xp: Any, x: Any) -> Any:
    """log Gamma(x) for x >= 1/2 (Lanczos)."""
    z = x - 1.0
    a = _LANCZOS[0] + 0.0 * z
    for i, c in enumerate(_LANCZOS[1:], start=1):
        a = a + c / (z + float(i))
    t = z + (_LANCZOS_G + 0.5)
    return 0.5 * math.log(2 * math.pi) + (z + 0.5) * xp.log(t) - t + xp.log(a)


def _poles(xp: Any, x: Any) -> tuple[Any, Any]:
    """Where ``x`` is 0, -1, -2, ..., and ``x`` with 1/2 there (so nothing divides by 0)."""
    pole = (x <= 0.0) & (xp.floor(x) == x)
    return pole, xp.where(pole, 0.5, x)


@in_float64
def _lgamma(b: Any, x: Any) -> Any:
    xp = b.xp
    pole, x = _poles(xp, x)
    left = x < 0.5
    right = _lgamma_right(xp, xp.where(left, 1.0 - x, x))
    s = xp.abs(xp.sin(math.pi * x))
    reflected = math.log(math.pi) - xp.log(s) - right  # log(pi / |sin(pi x)|) - lgamma(1 - x)
    return xp.where(pole, xp.inf, xp.where(left, reflected, right))


def _polygamma_right(xp: Any, n: int, x: Any, shift: int = _SHIFT) -> Any:
    """polygamma(n, x) for x > 8 - ``shift``, not a pole (n = 0: digamma): the recurrence up
    to x + shift, then the series."""
    sign = -1.0 if n % 2 == 0 else 1.0  # (-1)^(n + 1)
    y = x + float(shift)
    head = 0.0 * x
    for k in range(shift):
        xk = x + float(k)
        head = head + (1.0 / xk if n == 0 else xp.pow(xk, -(n + 1.0)))
    if n == 0:
        series = xp.log(y) - 0.5 / y
        y2 = 1.0 / (y * y)
        p = y2
        for k, b2k in enumerate(_BERNOULLI, start=1):
            series = series - b2k / (2 * k) * p
            p = p * y2
        return series - head
    fact = math.factorial(n)
    series = math.factorial(n - 1) * xp.pow(y, -float(n)) + fact / 2.0 * xp.pow(y, -(n + 1.0))
    for k, b2k in enumerate(_BERNOULLI, start=1):
        c = b2k * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        series = series + c * xp.pow(y, -(2.0 * k + n))
    return sign * series + sign * fact * head


@in_float64
def _polygamma(b: Any, x: Any, *, n: int) -> Any:
    xp = b.xp
    pole, safe = _poles(xp, x)
    left = safe <= 0.0  # reflected to 1 - x >= 1; the recurrence serves every x > 0
    right = _polygamma_right(xp, n, xp.where(left, 1.0 - safe, safe))
    at_zero = x == 0.0
    if n == 0:  # psi(x) = psi(1 - x) - pi / tan(pi x); -inf at 0, NaN at -1, -2, ...
        out = xp.where(left, right - math.pi / xp.tan(math.pi * safe), right)
        return xp.where(pole, xp.where(at_zero, -xp.inf, xp.nan + 0.0 * x), out)
    if n == 1:  # psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x); +inf at the poles
        s = xp.sin(math.pi * safe)
        return xp.where(pole, xp.inf, xp.where(left, math.pi**2 / (s * s) - right, right))
    # below 0: the recurrence from further away (x >= -_FAR), no reflection formula needed
    far = safe < -float(_FAR)
    below = _polygamma_right(xp, n, xp.where(far, 1.0, safe), shift=_SHIFT + _FAR)
    edge = xp.inf if n % 2 else -xp.inf  # the sign of (-1)^(n + 1) n! / x^(n + 1) at 0+
    out = xp.where(left, xp.where(far, xp.nan, below), right)
    return xp.where(pole, xp.where(at_zero, edge, xp.nan + 0.0 * x), out)


# fmt: off
polygamma_p = Primitive("polygamma", _polygamma)
polygamma_p.defvjp(lambda g, ans, x, n: g * polygamma_p(x, n=n + 1), keep_ans=False)

lgamma_p = Primitive("lgamma", _lgamma)
lgamma_p.defvjp(lambda g, ans, x: g * polygamma_p(x, n=0), keep_ans=False)
# fmt: on


def lgamma(x: Tensor) -> Tensor:
    """log|Gamma(x)| (+inf at the poles 0, -1, -2, ...)."""
    return lgamma_p(autocast_high(x))


def digamma(x: Tensor) -> Tensor:
    """psi(x), the derivative of lgamma."""
    return polygamma_p(autocast_high(x), n=0)


def polygamma(n: int, x: Tensor) -> Tensor:
    """The ``n``-th derivative of digamma (PyTorch's argument order: ``n`` first)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ArgumentError(f"polygamma: n must be an int >= 0, got {n!r}")
    return polygamma_p(autocast_high(x), n=n)
