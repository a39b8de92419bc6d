"""Fused loss primitives with their VJPs, each tested against its composite (tests/ops/spec.py, tests/nn).

``softmax_cross_entropy(logits (N, C), labels (N,), ignore_index=k)`` gives per-sample
-log softmax(logits)[label] computed stably in one step, 0 where the label is
``ignore_index`` and NaN where it is out of range (host backends reject such labels
before the call; on a device the deferred check reports them); its VJP is the
familiar g (softmax - onehot), 0 for ignored samples. ``binary_cross_entropy(p, t)`` gives the elementwise
-(t log p + (1-t) log(1-p)) with logs clamped at -100 (PyTorch's convention); its
VJP is g (p - t) / max(p (1 - p), 1e-12). Both replace a dozen primitives each
per training step (benchmark W1/W2).

``softmax_cross_entropy_mean`` is the first with its mean over the kept samples (NaN
over none, as PyTorch), for ``cross_entropy(reduction="mean")``; its VJP is one more
primitive, ``softmax_cross_entropy_mean_grad`` (g (softmax - onehot) keep / count), whose
own rules (written with xpnet's ops) give second derivatives. Together they replace the
27 primitive calls of the composed mean and its backward by two (a compiled W1 step
replays 63 -> 36 calls). ``binary_cross_entropy_mean`` and its gradient
``binary_cross_entropy_mean_grad`` (g/n (p - t) / max(p (1 - p), 1e-12)) do the same for
``binary_cross_entropy(reduction="mean")``: one call each way instead of the mean's
sum, scale, reshape and broadcast and the elementwise VJP's five.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive
from ..backend import reciprocal
from . import _elementwise as E
from ._cast import astype_p
from ._composite import softmax
from ._creation import arange, ones_like
from ._reduce import sum as sum_
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
    onehot = astype_p(expand_dims_p(labels, axis=1) == classes, dtype=logits.dtype)
    kept = g * astype_p(labels != ignore_index, dtype=g.dtype)
    return expand_dims_p(kept, axis=1) * (softmax(logits, axis=1) - onehot)


def _bce(b: Any, p: Any, t: Any) -> Any:
    xp = b.xp
    return -(t * clamped_log(xp, p) + (1.0 - t) * clamped_log(xp, 1.0 - p))


def _bce_denominator(ns: Any, p: Any) -> Any:
    """p (1 - p) clamped at 1e-12 (PyTorch's), the denominator of the BCE's p-derivative
    (p - t) / D; ``ns`` an array namespace or ``xpnet.ops._elementwise``, as clamped_log."""
    return ns.maximum(p * (1.0 - p), 1e-12)


def _bce_t_slope(p: Tensor) -> Tensor:
    """The BCE's t-derivative, log(1 - p) - log(p) with the clamped logs."""
    return clamped_log(E, 1.0 - p) - clamped_log(E, p)


def _inverse_size(x: Any) -> float:
    """1/n for a mean over the n elements of x; NaN over none (as ``mean``)."""
    return reciprocal(math.prod(x.shape))


def _bce_mean(b: Any, p: Any, t: Any) -> Any:
    return b.xp.sum(_bce(b, p, t)) * _inverse_size(p)


def _bce_mean_grad(b: Any, g: Any, p: Any, t: Any) -> Any:
    """d mean / d p: g/n (p - t) / D, the composite's order of operations."""
    return g * _inverse_size(p) * (p - t) / _bce_denominator(b.xp, p)


def _bce_mean_grad_p(G: Tensor, ans: Any, g: Tensor, p: Tensor, t: Tensor) -> Tensor:
    """d/dp of s (p - t) / D, D = max(p (1 - p), 1e-12), s = g/n: s (p^2 - 2 p t + t) / D^2.

    That is the exact derivative where D = p (1 - p); where D is the clamp (p at 0 or 1)
    it is PyTorch's convention (its double backward divides the same numerator by the
    clamped D^2: 0 where p = t). The numerator is written (p - t)^2 + t (1 - t), two
    terms that do not cancel: near p = 0 or 1 in float32, p^2 - 2 p t + t loses every
    digit (PyTorch's float32 Hessian is 0 at p = 1 - 1e-7, t = 1, where it is 1)."""
    d = _bce_denominator(E, p)
    return G * (g * _inverse_size(p)) * (((p - t) * (p - t) + t * (1.0 - t)) / (d * d))


def _ce_mean(b: Any, logits: Any, labels: Any, *, ignore_index: int) -> Any:
    xp = b.xp
    loss = _softmax_ce(b, logits, labels, ignore_index=ignore_index)
    count = xp.sum(xp.astype(labels != ignore_index, loss.dtype))
    total = xp.sum(loss)
    return xp.where(count > 0, total / xp.maximum(count, 1.0), math.nan)


def _ce_mean_grad(b: Any, g: Any, logits: Any, labels: Any, *, ignore_index: int) -> Any:
    """d mean / d logits: (softmax - onehot) keep / count, times g."""
    xp = b.xp
    m = xp.max(logits, axis=1, keepdims=True)
    e = xp.exp(logits - m)
    p = e / xp.sum(e, axis=1, keepdims=True)
    classes = xp.arange(logits.shape[1], device=b.device)
    onehot = xp.astype(labels[:, None] == classes[None, :], p.dtype)
    keep = xp.astype(labels != ignore_index, p.dtype)
    scale = g * keep / xp.maximum(xp.sum(keep), 1.0)
    return (p - onehot) * scale[:, None]


def _ce_mean_grad_g(G: Tensor, ans: Any, g: Any, logits: Tensor, labels: Tensor, *,
                    ignore_index: int) -> Tensor:  # fmt: skip
    """The grad is linear in g: d<G, grad>/dg = <G, grad at g = 1>."""
    at_one = softmax_cross_entropy_mean_grad_p(
        ones_like(g), logits, labels, ignore_index=ignore_index
    )
    return sum_(G * at_one)


def _ce_mean_grad_logits(G: Tensor, ans: Any, g: Any, logits: Tensor, labels: Tensor, *,
                         ignore_index: int) -> Tensor:  # fmt: skip
    """The softmax Jacobian (symmetric) applied to G, per row, times g keep / count."""
    p = softmax(logits, axis=1)
    keep = astype_p(labels != ignore_index, dtype=logits.dtype)
    scale = g * keep / E.maximum(sum_(keep), 1.0)
    inner = sum_(G * p, axis=1, keepdims=True)
    return p * (G - inner) * expand_dims_p(scale, axis=1)


# fmt: off
softmax_cross_entropy_mean_p = Primitive("softmax_cross_entropy_mean", _ce_mean)
softmax_cross_entropy_mean_grad_p = Primitive("softmax_cross_entropy_mean_grad", _ce_mean_grad)
softmax_cross_entropy_mean_p.defvjp(
    lambda g, ans, logits, labels, *, ignore_index: softmax_cross_entropy_mean_grad_p(
        g, logits, labels, ignore_index=ignore_index), None, keep_ans=False)
softmax_cross_entropy_mean_grad_p.defvjp(_ce_mean_grad_g, _ce_mean_grad_logits, None, keep_ans=False)
softmax_cross_entropy_p = Primitive("softmax_cross_entropy", _softmax_ce)
softmax_cross_entropy_p.defvjp(_softmax_ce_vjp, None, keep_ans=False)

binary_cross_entropy_mean_p = Primitive("binary_cross_entropy_mean", _bce_mean)
binary_cross_entropy_mean_grad_p = Primitive("binary_cross_entropy_mean_grad", _bce_mean_grad)
binary_cross_entropy_mean_p.defvjp(
    lambda g, ans, p, t: binary_cross_entropy_mean_grad_p(g, p, t),
    lambda g, ans, p, t: g * _inverse_size(p) * _bce_t_slope(p),
    keep_ans=False)
binary_cross_entropy_mean_grad_p.defvjp(
    lambda G, ans, g, p, t: sum_(G * (p - t) / _bce_denominator(E, p)) * _inverse_size(p),
    _bce_mean_grad_p,
    lambda G, ans, g, p, t: -(G * (g * _inverse_size(p))) / _bce_denominator(E, p),
    keep_ans=False)
binary_cross_entropy_p = Primitive("binary_cross_entropy", _bce)
binary_cross_entropy_p.defvjp(
    lambda g, ans, p, t: g * (p - t) / _bce_denominator(E, p),
    lambda g, ans, p, t: g * _bce_t_slope(p),
    keep_ans=False,
)
# fmt: on
