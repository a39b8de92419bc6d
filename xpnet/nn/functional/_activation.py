"""Activation functions, composed from primitives."""

from __future__ import annotations

import math

from ... import ops as E
from ..._errors import ArgumentError
from ..._tensor import Tensor
from ...ops import erf as erf
from ...ops import log_softmax as log_softmax
from ...ops import softmax as softmax
from ...ops.internal import softplus as softplus
from ...ops.internal import softplus_p


def relu(x: Tensor) -> Tensor:
    return E.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return E.where(x > 0, x, x * negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return E.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return E.tanh(x)


def log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite for any input; the gradient at 0 is 1/2."""
    return -softplus_p(-x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x); ``approximate="tanh"`` uses PyTorch's tanh approximation."""
    if approximate == "tanh":
        inner = (x + 0.044715 * x * x * x) * math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + E.tanh(inner))
    if approximate != "none":
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))
