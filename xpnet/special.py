"""PyTorch's ``torch.special`` names (``xn.special``): the log-gamma family, erf, and the
numerically careful logistic and entropy functions, each a primitive or a composite with
exact gradients (``gammaln``'s is ``digamma``, ``digamma``'s is ``polygamma(1, .)``...).

``erfc``, ``erfinv`` and ``ndtr`` are not here yet: as ``1 - erf`` they would lose all
precision in the tails, so they wait for primitives of their own.
"""

from __future__ import annotations

from typing import Any

from . import _torch_math as _m
from . import ops
from .ops import digamma as digamma
from .ops import erf as erf
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
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "log1p",
    "log_softmax",
    "logit",
    "logsumexp",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
]
