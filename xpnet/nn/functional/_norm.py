"""Batch and layer normalisation."""

from __future__ import annotations

from typing import Any

from ..._errors import ArgumentError, NotSupportedError, ShapeError
from ...autodiff import no_grad
from ...ops import maximum, mean, reshape, sqrt
from ...ops import pad as xpad
from ...ops import sum as sum_
from ...ops.internal import autocast_high
from ...ops.linalg import vector_norm
from ...tensor import Tensor


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: Any = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (axis 1) over the batch and spatial axes.

    In training the batch statistics are used and the running ones updated in
    place (the variance with Bessel's correction, as in PyTorch); in evaluation
    the running statistics are used. ``momentum`` may be a 0-d tensor (the
    cumulative average of ``BatchNorm(momentum=None)`` is computed on the device).
    """
    x = autocast_high(x)
    if x.ndim < 2:
        raise ShapeError(
            f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), got {x.shape}"
        )
    c = x.shape[1]
    axes = (0, *range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // c
        if n <= 1:
            raise ShapeError(
                f"batch_norm: training needs more than one value per channel, got input {x.shape}"
            )
        mu = mean(x, axis=axes, keepdims=True)
        d = x - mu
        var = mean(d * d, axis=axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            with no_grad():
                running_mean *= 1.0 - momentum
                running_mean += reshape(mu.detach(), (c,)) * momentum
                running_var *= 1.0 - momentum
                running_var += reshape(var.detach(), (c,)) * (momentum * n / (n - 1))
        y = d / sqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise ArgumentError(
                "batch_norm: evaluation needs running statistics (or training=True)"
            )
        y = (x - reshape(running_mean, shape)) / sqrt(reshape(running_var, shape) + eps)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


def _trailing_axes(x: Tensor, normalized_shape: Any, op: str) -> tuple[int, ...]:
    """The trailing axes of ``x`` that ``normalized_shape`` names (checked against them)."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(ns) :] != ns:
        raise ShapeError(f"{op}: input of shape {x.shape} does not end with normalized_shape {ns}")
    return tuple(range(x.ndim - len(ns), x.ndim))


def layer_norm(
    x: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` axes of each sample."""
    x = autocast_high(x)
    axes = _trailing_axes(x, normalized_shape, "layer_norm")
    mu = mean(x, axis=axes, keepdims=True)
    d = x - mu
    y = d / sqrt(mean(d * d, axis=axes, keepdims=True) + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(
    x: Tensor, normalized_shape: Any, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """Root-mean-square normalisation over the trailing ``normalized_shape`` axes (Zhang &
    Sennrich; Llama's): ``x / sqrt(mean(x**2) + eps) * weight``, no centring, no shift.
    ``eps`` defaults to the dtype's machine epsilon, as PyTorch's."""
    x = autocast_high(x)
    axes = _trailing_axes(x, normalized_shape, "rms_norm")
    if eps is None:
        eps = float(x.backend.xp.finfo(x.dtype).eps)
    y = x / sqrt(mean(x * x, axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


def group_norm(
    x: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample's channels (axis 1) in ``num_groups`` groups, each group over its
    channels and all spatial axes (population variance), then scale and shift per channel."""
    x = autocast_high(x)
    if x.ndim < 2:
        raise ShapeError(f"group_norm: input of shape {x.shape} has no channel axis")
    n, c = x.shape[0], x.shape[1]
    if num_groups < 1 or c % num_groups:
        raise ShapeError(f"group_norm: {c} channels do not split into {num_groups} groups")
    grouped = reshape(x, (n, num_groups, -1)) if n * c else x
    mu = mean(grouped, axis=-1, keepdims=True)
    d = grouped - mu
    y = reshape(d / sqrt(mean(d * d, axis=-1, keepdims=True) + eps), x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``x`` divided by its ``p``-norm along ``dim``, the norm held at least ``eps`` (PyTorch's
    ``F.normalize``: a zero vector stays zero, with a zero gradient)."""
    norm = vector_norm(x, axis=dim, keepdims=True, ord=p)
    return x / maximum(norm, eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast together),
    each divided by its norm held at least ``eps`` first, as PyTorch computes it."""
    n1 = maximum(vector_norm(x1, axis=dim, keepdims=True), eps)
    n2 = maximum(vector_norm(x2, axis=dim, keepdims=True), eps)
    return sum_((x1 / n1) * (x2 / n2), axis=dim)


def instance_norm(
    x: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample's channels separately over the spatial axes (Ulyanov et al.):
    ``group_norm`` with one group per channel. Running statistics are not supported."""
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotSupportedError("instance_norm: running statistics are not supported")
    if x.ndim < 3:
        raise ShapeError(f"instance_norm: expected (N, C, *spatial), got shape {x.shape}")
    return group_norm(x, x.shape[1], weight, bias, eps)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """The ``p``-norm of x1 - x2 + eps over the last axis (PyTorch's)."""
    return vector_norm(x1 - x2 + eps, axis=-1, keepdims=keepdim, ord=p)


def local_response_norm(x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:  # fmt: skip
    """AlexNet's normalisation across channels: x / (k + alpha * mean of x^2 over the
    ``size`` neighbouring channels)^beta, the window zero-padded at the ends as PyTorch's
    (size // 2 channels before, (size - 1) // 2 after)."""
    if x.ndim < 3:
        raise ShapeError(f"local_response_norm: expected (N, C, *) input, got shape {x.shape}")
    if not isinstance(size, int) or size < 1:
        raise ArgumentError(f"local_response_norm: size must be a positive int, got {size!r}")
    c = x.shape[1]
    sq = x * x
    widths = [(0, 0)] * x.ndim
    widths[1] = (size // 2, (size - 1) // 2)
    padded = xpad(sq, widths, 0.0)
    total = padded[:, 0:c]
    for i in range(1, size):
        total = total + padded[:, i : i + c]
    return x / (total * (alpha / size) + k) ** beta
