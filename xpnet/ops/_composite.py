"""Numerically stable composites built from primitives: logsumexp, softmax, log_softmax.

Each subtracts the (detached) maximum before exponentiating, so nothing
overflows; the gradient is exact because the shift cancels mathematically.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._common import autocast_high, normalize_axes
from ._elementwise import exp, log, where
from ._reduce import max_p
from ._views import sum_p

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["log_softmax", "logsumexp", "softmax"]  # the public ops (xn.*) of this module


def _shift(x: Tensor, axes: tuple[int, ...] | None) -> Tensor:
    m = max_p(x.detach(), axis=axes, keepdims=True)
    # An all -inf slice has max -inf; shift by 0 there so it stays -inf, not NaN.
    return where(m > float("-inf"), m, 0.0)


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``axis``, without overflow."""
    x = autocast_high(x)
    axes = normalize_axes(axis, x.ndim, "logsumexp")
    m = _shift(x, axes)
    out = log(sum_p(exp(x - m), axis=axes, keepdims=True)) + m
    if not keepdims:
        out = sum_p(out, axis=axes, keepdims=False)  # drop the kept axes (they have length one)
    return out


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``."""
    x = autocast_high(x)
    axes = normalize_axes(axis, x.ndim, "log_softmax")
    shifted = x - _shift(x, axes)
    return shifted - log(sum_p(exp(shifted), axis=axes, keepdims=True))


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, without overflow."""
    x = autocast_high(x)
    axes = normalize_axes(axis, x.ndim, "softmax")
    e = exp(x - _shift(x, axes))
    return e / sum_p(e, axis=axes, keepdims=True)
