"""Activation functions, composed from primitives.

The ``inplace`` argument PyTorch's functions take is accepted so PyTorch code runs
unchanged; the result is always a new tensor (the graph keeps the input's values).
``dtype`` (softmax and its kin) casts the input first, as PyTorch's."""

from __future__ import annotations

import math
from typing import Any

from ... import ops
from ..._errors import ArgumentError, ArgumentTypeError
from ...ops import erf as erf
from ...ops import log_softmax as _log_softmax
from ...ops import softmax as _softmax
from ...ops.internal import softplus as softplus
from ...ops.internal import softplus_p
from ...tensor import Tensor


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    return ops.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return ops.where(x > 0, x, x * negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return ops.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return ops.tanh(x)


def silu(x: Tensor, inplace: bool = False) -> Tensor:
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


# PyTorch's SELU constants (Klambauer et al.)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _negative_part(x: Tensor) -> Tensor:
    """x where x <= 0, else 0: the argument of the exponential branches (its gradient at 0
    is 1, not the half that ``minimum`` gives a tie)."""
    return ops.where(x > 0, 0.0, x)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha (exp(x) - 1) (no exp of the large positive x it does not use)."""
    return ops.where(x > 0, x, alpha * ops.expm1(_negative_part(x)))


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha (exp(x / alpha) - 1)."""
    if alpha == 0:
        raise ArgumentError("celu: alpha must not be 0")
    return ops.where(x > 0, x, alpha * ops.expm1(_negative_part(x) / alpha))


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x))."""
    return x * ops.tanh(softplus(x))


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return x / (1.0 + ops.abs(x))


def hardtanh(
    x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient is 0 at and beyond the bounds, as PyTorch."""
    if min_val > max_val:
        raise ArgumentError(f"hardtanh: min_val {min_val} > max_val {max_val}")
    return ops.where(x <= min_val, min_val, ops.where(x >= max_val, max_val, x))


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) (``hardtanh(x, 0, 6)``)."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, else x / 6 + 1/2 (PyTorch's gradient: 1/6 strictly inside)."""
    return ops.where(x <= -3.0, 0.0, ops.where(x >= 3.0, 1.0, x / 6.0 + 0.5))


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x); PyTorch's gradient: 0 up to -3, x / 3 + 1/2 inside, 1 from 3 on."""
    return ops.where(x <= -3.0, 0.0, ops.where(x >= 3.0, x, x * (x + 3.0) / 6.0))


def _cast(x: Tensor, dtype: Any) -> Tensor:
    return x if dtype is None else ops.astype(x, dtype)


def _axis(dim: int | None, axis: int | None, op: str) -> int:
    if dim is not None and axis is not None and dim != axis:
        raise ArgumentTypeError(f"{op}: both dim={dim} and axis={axis} given")
    if dim is None and axis is None:
        return -1
    return dim if dim is not None else axis  # type: ignore[return-value]


def softmax(
    x: Tensor, dim: int | None = None, *, axis: int | None = None, dtype: Any = None
) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (PyTorch's name; ``axis`` too; default: the last axis)."""
    return _softmax(_cast(x, dtype), axis=_axis(dim, axis, "softmax"))


def log_softmax(
    x: Tensor, dim: int | None = None, *, axis: int | None = None, dtype: Any = None
) -> Tensor:
    """x - logsumexp(x) along ``dim`` (PyTorch's name; ``axis`` too; default: the last axis)."""
    return _log_softmax(_cast(x, dtype), axis=_axis(dim, axis, "log_softmax"))


def softmin(
    x: Tensor, dim: int | None = None, *, axis: int | None = None, dtype: Any = None
) -> Tensor:
    """softmax(-x) along ``dim`` (default: the last axis)."""
    return _softmax(-_cast(x, dtype), axis=_axis(dim, axis, "softmin"))


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: a * sigmoid(b), with a and b the halves of ``x`` along ``dim``."""
    n = x.shape[dim] if x.ndim else 0
    if n % 2:
        raise ArgumentError(f"glu: dim {dim} of shape {x.shape} has an odd size {n}; it is halved")
    a, b = _halves(x, dim)
    return a * ops.sigmoid(b)


def _halves(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    ax = dim % x.ndim
    n = x.shape[ax] // 2
    head = (slice(None),) * ax
    return x[(*head, slice(0, n))], x[(*head, slice(n, 2 * n))]


def threshold(x: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    return ops.where(x > threshold, x, value)


def tanhshrink(x: Tensor) -> Tensor:
    """x - tanh(x)."""
    return x - ops.tanh(x)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, else 0."""
    return ops.where(x > lambd, x - lambd, ops.where(x < -lambd, x + lambd, 0.0))


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return ops.where(ops.abs(x) > lambd, x, 0.0)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x: one weight, or one per channel (axis 1); the
    gradient at 0 is the weight's, as PyTorch's."""
    if weight.ndim != 1 or (weight.shape[0] != 1 and (x.ndim < 2 or x.shape[1] != weight.shape[0])):
        raise ArgumentError(
            f"prelu: {weight.shape[0] if weight.ndim == 1 else weight.shape} weights for an input "
            f"of shape {x.shape}: one, or one per channel (axis 1)"
        )
    w = (
        weight
        if weight.shape[0] == 1 or x.ndim < 3
        else ops.reshape(weight, (-1,) + (1,) * (x.ndim - 2))
    )
    return ops.where(x > 0, x, w * x)


def gumbel_softmax(
    logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution: softmax((logits + g) / tau)
    with g standard Gumbel noise. ``hard=True`` gives the one-hot argmax in the forward
    pass and the soft sample's gradient (the straight-through estimator), as PyTorch's."""
    u = ops.rand(*logits.shape, dtype=logits.backend.dtype_name(logits.dtype),
                 backend=logits.backend)  # fmt: skip
    gumbels = -ops.log(-ops.log1p(-u))  # -log(Exponential(1)); 1 - u in (0, 1]
    y = _softmax((logits + gumbels) / tau, axis=dim)
    if not hard:
        return y
    index = ops.argmax(y, axis=dim, keepdims=True)
    positions = ops.reshape(
        ops.arange(y.shape[dim], backend=y.backend),
        (-1,) + (1,) * (-dim - 1 if dim < 0 else y.ndim - dim - 1),
    )
    one_hot = ops.astype(positions == index, y.backend.dtype_name(y.dtype))
    return one_hot - y.detach() + y
