"""Loss functions, each with ``reduction="mean" | "sum" | "none"``, as in PyTorch.

All are numerically stable: logits of magnitude 1e4 give finite losses and
gradients, without warnings.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from ... import ops
from ..._autocast_state import LOW
from ..._errors import ArgumentError, DTypeError, ShapeError
from ...autodiff import describe, no_grad
from ...ops import expand_dims, log_softmax, mean, permute_dims, reshape, sum, take, take_along_axis
from ...ops.internal import (
    autocast_high,
    binary_cross_entropy_mean_p,
    binary_cross_entropy_p,
    check_indices,
    outside_p,
    softmax_cross_entropy_mean_p,
    softmax_cross_entropy_p,
    softplus_p,
)
from ...tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")
F = TypeVar("F", bound=Callable[..., Tensor])


def legacy_reduction(kwargs: dict[str, Any]) -> None:
    """PyTorch's deprecated ``size_average``/``reduce`` loss keywords, taken out of
    ``kwargs`` and replaced by the ``reduction`` they stand for (``size_average=False``:
    "sum"; ``reduce=False``: "none"), with PyTorch's warning; nothing when neither is
    given. Loss functions and loss modules' constructors both call it."""
    size_average, reduce = kwargs.pop("size_average", None), kwargs.pop("reduce", None)
    if size_average is None and reduce is None:
        return
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    out = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{out}' instead.",
        UserWarning,
        stacklevel=3,  # the caller of the loss function (or of the loss's constructor)
    )
    kwargs["reduction"] = out


def _fp32(fn: F) -> F:
    """Losses compute in float32 under ``xn.autocast`` (floating tensor arguments cast up);
    they take PyTorch's deprecated ``size_average=``/``reduce=`` keywords too."""

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Tensor:
        legacy_reduction(kwargs)
        if LOW.get() is not None:
            args = tuple(autocast_high(a) for a in args)
            kwargs = {k: autocast_high(v) for k, v in kwargs.items()}
        return fn(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise ArgumentError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _same_shape(input: Tensor, target: Tensor, op: str) -> None:
    if input.shape != target.shape:
        raise ShapeError(
            f"{op}: input {describe(input)} and target {describe(target)} must have the same shape"
        )


@_fp32
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error (input - target)^2."""
    _same_shape(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


@_fp32
def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Absolute error |input - target|."""
    _same_shape(input, target, "l1_loss")
    return _reduce(ops.abs(input - target), reduction, "l1_loss")


@_fp32
def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    _same_shape(input, target, "huber_loss")
    d = input - target
    a = ops.abs(d)
    loss = ops.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(loss, reduction, "huber_loss")


@_fp32
def smooth_l1_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (``huber_loss`` / beta; at
    ``beta=0`` the L1 loss), as PyTorch."""
    _same_shape(input, target, "smooth_l1_loss")
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = input - target
    a = ops.abs(d)
    loss = a if beta == 0 else ops.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


@_fp32
def kl_div(
    input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """KL(target || exp(input)) per element, t (log t - input), for log-probabilities
    ``input`` (PyTorch's argument order); 0 where t = 0; ``log_target``: ``target`` is
    log-probabilities too. ``reduction="batchmean"`` divides the sum by the batch size
    (the KL divergence; ``"mean"`` divides by every element, as PyTorch does)."""
    _same_shape(input, target, "kl_div")
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        safe = ops.where(target > 0, target, 1.0)  # 0 log 0 = 0, and no log of 0
        loss = target * (ops.log(safe) - input)
    if reduction == "batchmean":
        n = input.shape[0] if input.ndim else 1
        return sum(loss) / n
    return _reduce(loss, reduction, "kl_div")


@_fp32
def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities ``input``; logs are clamped at -100.

    ``input`` must hold probabilities (after a sigmoid): a value outside [0, 1] or NaN raises
    ``ArgumentError`` (checked on the device without waiting, ``Backend.check``). For
    logits use ``binary_cross_entropy_with_logits``, which is also more accurate.
    """
    _same_shape(input, target, "binary_cross_entropy")
    b = input.backend
    with no_grad():
        outside = outside_p(input, lo=0.0, hi=1.0)._data
    b.check(
        outside,
        lambda: ArgumentError(
            "binary_cross_entropy: input holds values outside [0, 1] (or NaN); it takes "
            "probabilities (after a sigmoid). For logits use binary_cross_entropy_with_logits"
        ),
    )
    if weight is None and reduction == "mean":  # one primitive each way (issue 24)
        return binary_cross_entropy_mean_p(input, target)
    loss = binary_cross_entropy_p(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


@_fp32
def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(input), computed stably from the logits."""
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        loss = softplus_p(input) - input * target  # = -(t log s(x) + (1-t) log(1-s(x)))
    else:
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * softplus_p(-input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def _classes_last(x: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N * d1 * ..., C)."""
    if x.ndim == 2:
        return x
    axes = (0, *range(2, x.ndim), 1)
    return reshape(permute_dims(x, axes), (-1, x.shape[1]))


def _check_labels(input: Tensor, target: Tensor, op: str, ignore_index: int) -> Tensor | None:
    """Validate class-index targets; see ``check_indices`` (None, or a device's bad-label mask)."""
    b = target.backend
    if b.is_float(target.dtype) or b.dtype_name(target.dtype) == "bool":
        raise DTypeError(
            f"{op}: class-index targets must be integers, got {describe(target)}; pass probabilities "
            "with the input's shape instead, or convert with target.astype('int64')"
        )
    expected = (input.shape[0], *input.shape[2:])
    if target.shape != expected:
        raise ShapeError(
            f"{op}: target of shape {target.shape} for input {input.shape}; expected {expected}"
        )
    # the losses gather with clamped labels themselves: no mask needed, one call checks
    return check_indices(
        target, input.shape[1], op, "class index", "classes", ignore_index, mask=False
    )


def _mean_over(total: Tensor, count: Tensor) -> Tensor:
    """total / count, NaN (without a warning) where count is 0, as PyTorch's mean over nothing."""
    return ops.where(count > 0, total / ops.maximum(count, 1.0), math.nan)


@_fp32
def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input`` (N, C, ...)."""
    if input.ndim < 2:
        raise ShapeError(f"nll_loss: input must be (N, C, ...), got shape {input.shape}")
    _check_labels(input, target, "nll_loss", ignore_index)
    return _nll(
        _classes_last(input), reshape(target, (-1,)), weight, ignore_index, reduction, target.shape
    )


def _nll(
    logp: Tensor,
    labels: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    shape: tuple[int, ...],
) -> Tensor:
    c = logp.shape[1]
    keep = labels != ignore_index
    valid = ops.logical_and(keep, ops.logical_and(labels >= 0, labels < c))
    safe = ops.where(valid, labels, 0)  # never an index outside the table, on any device
    picked = reshape(take_along_axis(logp, expand_dims(safe, axis=1), axis=1), (-1,))
    w = (
        ops.astype(keep, logp.dtype)
        if weight is None
        else ops.astype(ops.where(keep, take(weight, safe), 0.0), logp.dtype)
    )
    loss = ops.where(valid == keep, -picked * w, math.nan)  # NaN for an out-of-range label
    if reduction == "mean":
        return _mean_over(sum(loss), sum(w))
    if reduction == "none":
        return reshape(loss, shape)
    return _reduce(loss, reduction, "nll_loss")


@_fp32
def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits ``input`` (N, C, ...) with class indices or probabilities.

    Integer ``target`` of shape (N, ...) holds class indices (``ignore_index`` is
    skipped; an index outside [0, C) is an ``OutOfRangeError``, raised at once on
    the CPU and at the next read of a value on a device, where no step waits for a
    check); floating ``target`` with the input's shape holds class probabilities.
    ``label_smoothing`` mixes the target with the uniform distribution, as in
    PyTorch. The mean over no (kept) samples is NaN, as in PyTorch.
    """
    if input.ndim < 2:
        raise ShapeError(
            f"cross_entropy: input must be (N, C, ...) logits, got shape {input.shape}"
        )
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(
            f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}"
        )
    if reduction not in _REDUCTIONS:
        raise ArgumentError(
            f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {reduction!r}"
        )
    c = input.shape[1]
    if target.backend.is_float(target.dtype) and target.shape == input.shape:
        logp = _classes_last(log_softmax(input, axis=1))
        probs = _classes_last(target)
        if label_smoothing:
            probs = probs * (1.0 - label_smoothing) + label_smoothing / c
        terms = logp * probs if weight is None else logp * probs * weight
        loss = -sum(terms, axis=1)
        if reduction == "none":
            return reshape(loss, (input.shape[0], *input.shape[2:]))
        return _reduce(loss, reduction, "cross_entropy")
    _check_labels(input, target, "cross_entropy", ignore_index)
    labels = reshape(target, (-1,))
    if weight is None and not label_smoothing:
        # The common case: one fused primitive (stable log-sum-exp, VJP softmax - onehot).
        if reduction == "mean":  # one primitive forward and one backward (W1)
            return softmax_cross_entropy_mean_p(
                _classes_last(input), labels, ignore_index=ignore_index
            )
        per_sample = softmax_cross_entropy_p(
            _classes_last(input), labels, ignore_index=ignore_index
        )
        if reduction == "none":
            return reshape(per_sample, target.shape)
        return sum(per_sample)
    logp = _classes_last(log_softmax(input, axis=1))
    nll = _nll(logp, labels, weight, ignore_index, reduction, target.shape)
    if not label_smoothing:
        return nll
    # The smoothing term: the (weighted) mean over classes of -log p, per sample.
    keep = ops.astype(labels != ignore_index, logp.dtype)
    smooth = -sum(logp if weight is None else logp * weight, axis=1) * keep * (1.0 / c)
    if reduction == "mean":
        if weight is None:
            denom = sum(keep)
        else:
            safe = ops.where(labels != ignore_index, ops.clip(labels, 0, c - 1), 0)
            denom = sum(ops.where(labels != ignore_index, take(weight, safe), 0.0))
        smooth_r = _mean_over(sum(smooth), denom)
    elif reduction == "none":
        smooth_r = reshape(smooth, target.shape)
    else:
        smooth_r = _reduce(smooth, reduction, "cross_entropy")
    return nll * (1.0 - label_smoothing) + smooth_r * label_smoothing
