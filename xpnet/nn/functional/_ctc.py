"""Connectionist temporal classification loss (Graves et al. 2006), PyTorch's ``ctc_loss``.

The negative log-likelihood of each target sequence under every alignment of it to the
T frames: the forward (alpha) recursion over the extended target (a blank between labels
and at both ends), in log space, for the whole batch at once and one step per frame.
It is written with xpnet's ops, so the gradient is the engine's (the backward recursion
is what reverse mode makes of the forward one) and gradients of gradients exist. States
no alignment reaches hold a large negative number instead of -inf, so no NaN reaches the
gradient; a target no alignment fits gets loss inf (0 with ``zero_infinity``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ..._errors import ArgumentError, ShapeError
from ...autodiff.internal import is_tensor
from ...tensor import Tensor
from ._loss import _fp32, _reduce

_UNREACHED = -1.0e30  # a log-probability no alignment reaches (finite: no NaN in gradients)


def _lengths(v: Any, n: int, what: str) -> np.ndarray:
    """Per-sample lengths (a tensor, list or tuple) as host ints."""
    a = np.asarray(v.numpy() if is_tensor(v) else v, dtype=np.int64).reshape(-1)
    if a.shape != (n,) or (a < 0).any():
        raise ShapeError(f"ctc_loss: {what} must be {n} non-negative lengths, got {a.tolist()}")
    return a


def _logsumexp3(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    m = ops.maximum(ops.maximum(a, b), c)
    return m + ops.log(ops.exp(a - m) + ops.exp(b - m) + ops.exp(c - m))


def _shifted(x: Tensor, k: int) -> Tensor:
    """``x`` moved right by ``k`` along the last axis, the first ``k`` entries unreached."""
    pad = ops.full((x.shape[0], k), _UNREACHED, dtype=x.backend.dtype_name(x.dtype),
                   backend=x.backend)  # fmt: skip
    return ops.concat([pad, x[:, :-k]], axis=1)


@_fp32
def ctc_loss(
    log_probs: Tensor,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """The CTC loss of ``log_probs`` (T, N, C) (or (T, C) unbatched; log-softmax outputs)
    against ``targets`` ((N, S) padded, or the N sequences concatenated in 1-D), with the
    frames and labels of each sample in ``input_lengths`` and ``target_lengths``.
    ``reduction="mean"`` divides each loss by its target length, then averages, as
    PyTorch's."""
    op = "ctc_loss"
    unbatched = log_probs.ndim == 2
    lp = log_probs[:, None, :] if unbatched else log_probs
    if lp.ndim != 3:
        raise ShapeError(f"{op}: log_probs must be (T, N, C) or (T, C), got {log_probs.shape}")
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise ArgumentError(f"{op}: blank={blank} is not one of the {c} classes")
    in_len = _lengths(input_lengths, n, "input_lengths")
    tg_len = _lengths(target_lengths, n, "target_lengths")
    if (in_len > t_max).any():
        raise ShapeError(f"{op}: input_lengths {in_len.tolist()} exceed the {t_max} frames")
    host = np.asarray(targets.numpy() if is_tensor(targets) else targets, dtype=np.int64)
    if unbatched:
        host = host.reshape(1, -1)
    if host.ndim == 1:  # the sequences concatenated
        if host.shape[0] != tg_len.sum():
            raise ShapeError(
                f"{op}: {host.shape[0]} concatenated targets for target_lengths summing to "
                f"{int(tg_len.sum())}"
            )
        padded = np.full((n, max(int(tg_len.max(initial=0)), 1)), blank, np.int64)
        for i, start in enumerate(np.concatenate([[0], np.cumsum(tg_len)[:-1]])):
            padded[i, : tg_len[i]] = host[start : start + tg_len[i]]
        host = padded
    elif host.shape[0] != n or (tg_len > host.shape[1]).any():
        raise ShapeError(f"{op}: targets {host.shape} for {n} samples of lengths {tg_len.tolist()}")
    used = np.concatenate([host[i, : tg_len[i]] for i in range(n)])
    if ((used < 0) | (used >= c) | (used == blank)).any():
        raise ArgumentError(
            f"{op}: targets must be classes other than the blank ({blank}) below {c}"
        )
    s_max = host.shape[1]
    ext = np.full((n, 2 * s_max + 1), blank, np.int64)  # blank, l1, blank, l2, ..., blank
    ext[:, 1::2] = host
    length = 2 * tg_len + 1  # the extended length of each sample
    pos = np.arange(ext.shape[1])
    skip = np.zeros(ext.shape, bool)  # s may come from s - 2: a label unlike the one before
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    b = lp.backend
    index = ops.asarray(np.broadcast_to(ext, (t_max, *ext.shape)).copy(), backend=b)
    emit = ops.take_along_axis(lp, index, axis=2)  # (T, N, L): log p of each state's label
    inside = ops.asarray(pos[None, :] < length[:, None], backend=b)
    may_skip = ops.asarray(skip, backend=b)
    alpha = ops.where(ops.asarray(pos[None, :] < 2, backend=b) & inside, emit[0], _UNREACHED)
    for t in range(1, t_max):
        step = _logsumexp3(alpha, _shifted(alpha, 1),
                           ops.where(may_skip, _shifted(alpha, 2), _UNREACHED)) + emit[t]  # fmt: skip
        running = ops.asarray((t < in_len)[:, None] & (pos[None, :] < length[:, None]), backend=b)
        alpha = ops.where(running, step, alpha)
    last = ops.asarray((length - 1)[:, None], backend=b)
    before = ops.asarray(np.maximum(length - 2, 0)[:, None], backend=b)
    end = ops.take_along_axis(alpha, last, axis=1)[:, 0]
    end2 = ops.where(ops.asarray(length >= 2, backend=b),
                     ops.take_along_axis(alpha, before, axis=1)[:, 0], _UNREACHED)  # fmt: skip
    m = ops.maximum(end, end2)
    loss = -(m + ops.log(ops.exp(end - m) + ops.exp(end2 - m)))
    unreached = loss > -_UNREACHED / 2
    if in_len.min(initial=1) == 0:  # no frames: probability 1 for an empty target, else 0
        loss = ops.where(ops.asarray(in_len == 0, backend=b), 0.0, loss)
        unreached = unreached | ops.asarray((in_len == 0) & (tg_len > 0), backend=b)
    loss = ops.where(unreached, 0.0 if zero_infinity else float("inf"), loss)
    if reduction == "mean":
        per = ops.asarray(
            np.maximum(tg_len, 1), dtype=loss.backend.dtype_name(loss.dtype), backend=b
        )
        return ops.mean(loss / per)
    out = _reduce(loss, reduction, op)
    return out[0] if unbatched and reduction == "none" else out
