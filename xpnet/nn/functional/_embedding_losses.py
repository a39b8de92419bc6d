"""Metric-learning, margin and likelihood losses with PyTorch's names, formulas and
``reduction`` ("mean" | "sum" | "none"): margin ranking, hinge embedding, soft margin,
cosine embedding, triplet margin, multi-label soft margin, Gaussian and Poisson
negative log-likelihood. Composed from primitives, so every gradient order works."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ..._errors import ArgumentError, ShapeError
from ...autodiff import describe
from ...ops.internal import softplus
from ...tensor import Tensor
from ._loss import _fp32, _reduce, _same_shape
from ._norm import pairwise_distance


def _labels(y: Tensor, like: Tensor, op: str) -> Tensor:
    """+-1 labels as ``like``'s dtype (PyTorch takes them in any numeric dtype)."""
    return y if y.dtype == like.dtype else ops.astype(y, like.backend.dtype_name(like.dtype))


@_fp32
def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """max(0, -y (x1 - x2) + margin): x1 should rank above x2 where y = 1, below where -1."""
    y = _labels(target, input1, "margin_ranking_loss")
    loss = ops.clip(-y * (input1 - input2) + margin, 0.0, None)
    return _reduce(loss, reduction, "margin_ranking_loss")


@_fp32
def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, reduction: str = "mean"
) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (x a distance), as PyTorch sums the
    two parts (a label that is neither gets both)."""
    _same_shape(input, target, "hinge_embedding_loss")
    y = _labels(target, input, "hinge_embedding_loss")
    loss = ops.where(y != 1, ops.clip(margin - input, 0.0, None), 0.0) + ops.where(
        y != -1, input, 0.0
    )
    return _reduce(loss, reduction, "hinge_embedding_loss")


@_fp32
def soft_margin_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)), the logistic loss of +-1 labels (stable for large |x|)."""
    _same_shape(input, target, "soft_margin_loss")
    return _reduce(softplus(-_labels(target, input, "soft_margin_loss") * input), reduction,
                   "soft_margin_loss")  # fmt: skip


@_fp32
def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; the cosine
    over the last axis of (N, D) or (D,) inputs, with PyTorch's 1e-12 in each squared norm."""
    op = "cosine_embedding_loss"
    if input1.shape != input2.shape or input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1:
        raise ShapeError(
            f"{op}: inputs (N, D) or (D,) and a target (N,) or (), got {describe(input1)}, "
            f"{describe(input2)} and {describe(target)}"
        )
    dot = ops.sum(input1 * input2, axis=-1)
    sq1 = ops.sum(input1 * input1, axis=-1) + 1e-12
    sq2 = ops.sum(input2 * input2, axis=-1) + 1e-12
    cos = dot / ops.sqrt(sq1 * sq2)
    y = _labels(target, input1, op)
    loss = ops.where(y == 1, 1.0 - cos, 0.0) + ops.where(
        y == -1, ops.clip(cos - margin, 0.0, None), 0.0
    )
    return _reduce(loss, reduction, op)


@_fp32
def triplet_margin_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
    eps: float = 1e-6, swap: bool = False, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """max(0, d(a, p) - d(a, n) + margin) with d the ``p``-norm pairwise distance;
    ``swap`` uses min(d(a, n), d(p, n)) for the negative (Balntas et al.)."""
    op = "triplet_margin_loss"
    if not anchor.shape == positive.shape == negative.shape:
        raise ShapeError(
            f"{op}: anchor, positive and negative need one shape, got {describe(anchor)}, "
            f"{describe(positive)} and {describe(negative)}"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ops.clip(margin + d_pos - d_neg, 0.0, None), reduction, op)


@_fp32
def multilabel_soft_margin_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """The binary cross-entropy of each of C labels from logits, averaged over the labels
    (``weight``: one per label), then reduced over the batch."""
    op = "multilabel_soft_margin_loss"
    _same_shape(input, target, op)
    y = _labels(target, input, op)
    loss = y * softplus(-input) + (1.0 - y) * softplus(input)  # -(y log s(x) + (1-y) log s(-x))
    if weight is not None:
        loss = loss * weight
    return _reduce(ops.mean(loss, axis=-1), reduction, op)


def _class_matrix(input: Tensor, op: str) -> tuple[Tensor, bool]:
    if input.ndim not in (1, 2):
        raise ShapeError(f"{op}: expected input (N, C) or (C,), got shape {input.shape}")
    return (input[None, :], True) if input.ndim == 1 else (input, False)


@_fp32
def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """The multi-class hinge loss: for each sample, the mean over the other classes i of
    max(0, margin - x[y] + x[i])^p (times ``weight[y]``), as PyTorch's."""
    op = "multi_margin_loss"
    if p not in (1, 2):
        raise ArgumentError(f"{op}: p must be 1 or 2, got {p!r}")
    x, single = _class_matrix(input, op)
    n, c = x.shape
    y = ops.reshape(target, (n,))
    picked = ops.take_along_axis(x, ops.reshape(ops.astype(y, "int64"), (n, 1)), axis=1)
    hinge = ops.clip(margin - picked + x, 0.0, None)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * ops.reshape(ops.take(weight, ops.astype(y, "int64"), axis=0), (n, 1))
    others = ops.arange(c, backend=x.backend)[None, :] != ops.reshape(y, (n, 1))
    loss = ops.sum(ops.where(others, hinge, 0.0), axis=1) / c
    loss = loss[0] if single and reduction == "none" else loss
    return _reduce(loss, reduction, op)


@_fp32
def multilabel_margin_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """The multi-label hinge loss: ``target`` lists each sample's classes, ended by the
    first -1; each (listed j, unlisted i) pair adds max(0, 1 - (x[j] - x[i])), divided by
    the number of classes, as PyTorch's."""
    op = "multilabel_margin_loss"
    x, single = _class_matrix(input, op)
    n, c = x.shape
    host = np.asarray(target.numpy(), dtype=np.int64).reshape(n, c)
    listed = np.zeros((n, c), bool)
    for i, row in enumerate(host):
        stop = np.flatnonzero(row < 0)
        labels = row[: stop[0]] if stop.size else row
        if (labels >= c).any():
            raise ArgumentError(f"{op}: target {row.tolist()} names a class outside 0..{c - 1}")
        listed[i, labels] = True
    is_listed = ops.asarray(listed, backend=x.backend)
    # pairs: (N, C_j, C_i) hinge on x[j] - x[i], kept where j is listed and i is not
    pair = ops.clip(1.0 - (x[:, :, None] - x[:, None, :]), 0.0, None)
    keep = is_listed[:, :, None] & ~is_listed[:, None, :]
    loss = ops.sum(ops.where(keep, pair, 0.0), axis=(1, 2)) / c
    loss = loss[0] if single and reduction == "none" else loss
    return _reduce(loss, reduction, op)


@_fp32
def gaussian_nll_loss(
    input: Tensor, target: Tensor, var: Tensor, full: bool = False, eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """0.5 (log max(var, eps) + (input - target)^2 / max(var, eps)) (+ 0.5 log 2 pi if
    ``full``): a predicted mean and variance. ``var`` has the input's shape, or one value
    per sample (its last axis 1 or left out). The clamp at ``eps`` passes the gradient
    through unchanged, as PyTorch's."""
    op = "gaussian_nll_loss"
    _same_shape(input, target, op)
    if var.shape != input.shape:
        if var.shape == input.shape[:-1]:
            var = ops.expand_dims(var, axis=-1)
        elif not (var.shape[:-1] == input.shape[:-1] and var.shape[-1:] == (1,)):
            raise ShapeError(f"{op}: var {describe(var)} does not fit input {describe(input)}")
    if bool(ops.any(var < 0)):
        raise ArgumentError(f"{op}: var has negative entries")
    clamped = var + (ops.clip(var, eps, None) - var).detach()
    loss = 0.5 * (ops.log(clamped) + (input - target) ** 2 / clamped)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, op)


@_fp32
def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
    eps: float = 1e-8, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """exp(input) - target input (``log_input``: the input is a log-rate), else input -
    target log(input + eps); ``full`` adds Stirling's approximation of log(target!) where
    target > 1."""
    op = "poisson_nll_loss"
    _same_shape(input, target, op)
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + eps)
    if full:
        safe = ops.where(target > 1, target, 1.0)
        stirling = safe * ops.log(safe) - safe + 0.5 * ops.log(2 * math.pi * safe)
        loss = loss + ops.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction, op)
