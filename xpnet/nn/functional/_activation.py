"""Activation functions, composed from primitives."""

from __future__ import annotations

import math

from ..._tensor import Tensor
from ...ops import _elementwise as E
from ...ops._composite import log_softmax as log_softmax
from ...ops._composite import softmax as softmax

# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, below float32 resolution near 1.
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def relu(x: Tensor) -> Tensor:
    return E.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return E.where(x > 0, x, x * negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return E.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return E.tanh(x)


def softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): finite for any input."""
    return E.relu(x) + E.log1p(E.exp(-E.abs(x)))


def log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite for any input."""
    return -softplus(-x)


def erf(x: Tensor) -> Tensor:
    """The error function (the Array API has none): A&S 7.1.26, |error| < 1.5e-7."""
    a = E.abs(x)
    t = 1.0 / (1.0 + _P * a)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    return E.sign(x) * (1.0 - poly * E.exp(-(a * a)))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x); ``approximate="tanh"`` uses PyTorch's tanh approximation."""
    if approximate == "tanh":
        inner = (x + 0.044715 * x * x * x) * math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + E.tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))
