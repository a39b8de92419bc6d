"""Activation functions, composed from primitives."""

from __future__ import annotations

import math

from ... import ops
from ..._errors import ArgumentError, ArgumentTypeError
from ...ops import erf as erf
from ...ops import log_softmax as _log_softmax
from ...ops import softmax as _softmax
from ...ops.internal import softplus as softplus
from ...ops.internal import softplus_p
from ...tensor import Tensor


def relu(x: Tensor) -> Tensor:
    return ops.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return ops.where(x > 0, x, x * negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return ops.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return ops.tanh(x)


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x) (the swish activation)."""
    return x * ops.sigmoid(x)


def log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite for any input; the gradient at 0 is 1/2."""
    return -softplus_p(-x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x); ``approximate="tanh"`` uses PyTorch's tanh approximation."""
    if approximate == "tanh":
        inner = (x + 0.044715 * x * x * x) * math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + ops.tanh(inner))
    if approximate != "none":
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))


def _axis(dim: int | None, axis: int | None, op: str) -> int:
    if dim is not None and axis is not None and dim != axis:
        raise ArgumentTypeError(f"{op}: both dim={dim} and axis={axis} given")
    if dim is None and axis is None:
        return -1
    return dim if dim is not None else axis  # type: ignore[return-value]


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (PyTorch's name; ``axis`` too; default: the last axis)."""
    return _softmax(x, axis=_axis(dim, axis, "softmax"))


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (PyTorch's name; ``axis`` too; default: the last axis)."""
    return _log_softmax(x, axis=_axis(dim, axis, "log_softmax"))
