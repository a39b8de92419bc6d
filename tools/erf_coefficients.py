"""Derive the Chebyshev coefficients of xpnet's standard-only erf (xpnet/ops/_special.py).

    python3 tools/erf_coefficients.py        # needs mpmath; prints the two tables

Two pieces, each a Chebyshev interpolant at first-kind nodes of a function computed
with mpmath at 40 digits:
- |x| <= 2: erf(x) / x as a function of t = x**2 on [0, 4], degree 16
  (relative error below 5e-15 in float64);
- 2 < |x| <= 6: erfcx(x) = exp(x**2) erfc(x) as a function of u = 1/x on [1/6, 1/2],
  degree 12 (absolute error of erf = 1 - erfcx(x) exp(-x**2) below 3e-16).
Beyond 6, erf(x) = sign(x) in float64.
"""

from __future__ import annotations

import mpmath
import numpy as np
from numpy.polynomial import chebyshev

mpmath.mp.dps = 40


def fit(f, a: float, b: float, degree: int) -> np.ndarray:
    k = np.arange(degree + 1)
    nodes = np.cos(np.pi * (k + 0.5) / (degree + 1))
    values = [float(f((a + b) / 2 + (b - a) / 2 * mpmath.mpf(float(n)))) for n in nodes]
    return chebyshev.chebfit(nodes, np.array(values), degree)


def small(t: mpmath.mpf) -> mpmath.mpf:
    x = mpmath.sqrt(t)
    return mpmath.erf(x) / x if t > 0 else 2 / mpmath.sqrt(mpmath.pi)


def large(u: mpmath.mpf) -> mpmath.mpf:
    x = 1 / u
    return mpmath.exp(x * x) * mpmath.erfc(x)


if __name__ == "__main__":
    for name, c in (("SMALL", fit(small, 0.0, 4.0, 16)), ("LARGE", fit(large, 1 / 6, 0.5, 12))):
        print(f"{name} = (")
        for v in c:
            print(f"    {float(v)!r},")
        print(")")
