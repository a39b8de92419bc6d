"""PyTorch's ``torch.special`` names (``xn.special``): the log-gamma family, the error
functions, and the numerically careful logistic and entropy functions, each a primitive or
a composite with exact gradients (``gammaln``'s is ``digamma``, ``digamma``'s is
``polygamma(1, .)``, ``erfinv``'s is ``sqrt(pi)/2 exp(erfinv(y)^2)``...). ``erfc`` and
``ndtr`` keep their tails (``erfc(10)`` is 2.1e-45, not ``1 - erf(10) = 0``).
"""

from __future__ import annotations

import math
from typing import Any

from . import _torch_math as _m
from . import ops
from .ops import digamma as digamma
from .ops import erf as erf
from .ops import erfc as erfc
from .ops import erfinv as erfinv
from .ops import expm1 as expm1
from .ops import log1p as log1p
from .ops import logsumexp as logsumexp
from .ops import polygamma as polygamma
from .ops import round as round
from .ops import sigmoid as expit
from .ops import softmax as _softmax
from .tensor import Tensor

gammaln = ops.lgamma
psi = digamma
logit = _m.logit
xlogy = _m.xlogy
exp2 = _m.exp2
sinc = _m.sinc


def xlog1py(input: Any, other: Any) -> Tensor:
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN), as
    SciPy's: at (0, -1) that is 0, where PyTorch's gives NaN."""
    x, y = _m.broadcast_tensors(*(_m._tensors(input, other, "xlog1py")))
    x, y = _m._floating(x), _m._floating(y)
    defined = (x == 0) & (y <= -1)
    return ops.where(defined, 0.0, x * ops.log1p(ops.where(defined, 0.0, y)))


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, ``erfc(-x / sqrt(2)) / 2`` (accurate far into the left tail)."""
    return 0.5 * ops.erfc(_m._floating(input) * (-1.0 / math.sqrt(2.0)))


def ndtri(input: Tensor) -> Tensor:
    """The standard normal quantile. Above 1/2, ``sqrt(2) erfinv(2p - 1)``; below, where
    ``2p - 1`` rounds a small ``p`` away, three Newton steps on ``log ndtr(x) = log p``
    from that (or, where it is -inf, from the tail's asymptote), so ``ndtri(1e-300)`` is
    right to the last bits. 0 and 1 give -inf and inf."""
    p = _m._floating(input)
    low = (p < 0.5) & (p > 0.0)
    y = 2.0 * p - 1.0
    edge = low & (y <= -1.0)  # 2p - 1 rounded to -1 although p > 0: start from the asymptote
    x = math.sqrt(2.0) * ops.erfinv(ops.where(edge, 0.0, y))
    q = ops.where(low, p, 0.25)
    t = -2.0 * ops.log(ops.where(edge, q, 1e-300))  # (large wherever it is not used)
    asymptote = -ops.sqrt(t - ops.log(t) - math.log(2.0 * math.pi))
    z = ops.where(edge, asymptote, x)
    z = ops.where(low, z, -0.67)  # (a finite stand-in where the steps are not used)
    for _ in range(3):
        cdf = ndtr(z)
        pdf = ops.exp(-0.5 * z * z) * (1.0 / math.sqrt(2.0 * math.pi))
        z = z - (ops.log(cdf) - ops.log(q)) * cdf / pdf
    return ops.where(low, z, x)


def entr(input: Tensor) -> Tensor:
    """``-x log x`` elementwise: 0 at 0, ``-inf`` below 0 (the entropy of a probability)."""
    x = _m._floating(input)
    positive = x > 0
    inner = -x * ops.log(ops.where(positive, x, 1.0))
    return ops.where(positive, inner, ops.where(x == 0, 0.0, -float("inf")))


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    x = input if dtype is None else ops.astype(input, dtype)
    return _softmax(x, axis=dim)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``."""
    x = input if dtype is None else ops.astype(input, dtype)
    return ops.log_softmax(x, axis=dim)


__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "log1p",
    "log_softmax",
    "logit",
    "logsumexp",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
]
