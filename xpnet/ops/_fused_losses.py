"""Fused loss primitives with their VJPs, each tested against its composite (tests/ops/spec.py, tests/nn).

``softmax_cross_entropy(logits (N, C), labels (N,), ignore_index=k)`` gives per-sample
-log softmax(logits)[label] computed stably in one step, 0 where the label is
``ignore_index`` and NaN where it is out of range (host backends reject such labels
before the call; on a device the deferred check reports them); its VJP is the
familiar g (softmax - onehot), 0 for ignored samples. ``binary_cross_entropy(p, t)`` gives the elementwise
-(t log p + (1-t) log(1-p)) with logs clamped at -100 (PyTorch's convention); its
VJP is g (p - t) / max(p (1 - p), 1e-12). Both replace a dozen primitives each
per training step (benchmark W1/W2).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive
from . import _elementwise as E
from ._composite import softmax
from ._creation import arange
from ._views import expand_dims_p

if TYPE_CHECKING:
    from ..tensor import Tensor


def clamped_log(ns: Any, x: Any) -> Any:
    """log(x) clamped at -100 (0 and below give -100), written once for both sides:
    ``ns`` is an array namespace for the forward, ``xpnet.ops._elementwise`` for the VJPs."""
    positive = x > 0
    return ns.where(positive, ns.maximum(ns.log(ns.where(positive, x, 1.0)), -100.0), -100.0)


def _softmax_ce(b: Any, logits: Any, labels: Any, *, ignore_index: int = -100) -> Any:
    xp = b.xp
    keep = labels != ignore_index
    valid = xp.logical_and(keep, xp.logical_and(labels >= 0, labels < logits.shape[1]))
    safe = xp.where(valid, labels, 0)
    m = xp.max(logits, axis=1, keepdims=True)
    shifted = logits - m
    lse = xp.log(xp.sum(xp.exp(shifted), axis=1))
    picked = xp.take_along_axis(shifted, xp.expand_dims(safe, axis=1), axis=1)[:, 0]
    loss = xp.where(keep, lse - picked, 0.0)
    return xp.where(valid == keep, loss, math.nan)


def _softmax_ce_vjp(
    g: Tensor, ans: Any, logits: Tensor, labels: Tensor, *, ignore_index: int = -100
) -> Tensor:
    classes = arange(logits.shape[1], backend=logits.backend)
    onehot = E.astype_p(expand_dims_p(labels, axis=1) == classes, dtype=logits.dtype)
    kept = g * E.astype_p(labels != ignore_index, dtype=g.dtype)
    return expand_dims_p(kept, axis=1) * (softmax(logits, axis=1) - onehot)


def _bce(b: Any, p: Any, t: Any) -> Any:
    xp = b.xp
    return -(t * clamped_log(xp, p) + (1.0 - t) * clamped_log(xp, 1.0 - p))


# fmt: off
softmax_cross_entropy_p = Primitive("softmax_cross_entropy", _softmax_ce)
softmax_cross_entropy_p.defvjp(_softmax_ce_vjp, None, keep_ans=False)

binary_cross_entropy_p = Primitive("binary_cross_entropy", _bce)
binary_cross_entropy_p.defvjp(
    lambda g, ans, p, t: g * (p - t) / E.maximum(p * (1.0 - p), 1e-12),
    lambda g, ans, p, t: g * (clamped_log(E, 1.0 - p) - clamped_log(E, p)),
    keep_ans=False,
)
# fmt: on
