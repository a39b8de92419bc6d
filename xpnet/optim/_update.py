"""The one way optimizers change tensors: an in-place update primitive per optimizer.

Each update is a ``Primitive(..., mutates=...)``: its implementation updates the
parameter and state arrays in place where the library allows it (the in-place
operators below), and returns new arrays on immutable ones (JAX); the call stores
them and moves the tensors' version counters, so a graph that kept the old values
refuses to use them. Being primitives, updates are recorded by ``xn.compile`` like
any other operation, and a backend may register a fused kernel for one (one launch
per parameter instead of ten; see ``Backend.register_kernel``).

Positional arguments are tensors and the values that change from step to step
(learning rate, bias corrections; see ``Optimizer._scalars``); keyword parameters
are the fixed hyperparameters.
"""

from __future__ import annotations

import operator
from typing import Any

from ..autodiff import Primitive

_IN_PLACE = (operator.imul, operator.iadd, operator.isub)
_PURE = (operator.mul, operator.add, operator.sub)


def _ops(b: Any) -> tuple[Any, Any, Any]:
    return _IN_PLACE if b.mutable else _PURE


def _copy_into(b: Any, dst: Any, src: Any) -> Any:
    if b.mutable:
        dst[...] = src
        return dst
    return b.xp.asarray(src, copy=True)


def _sgd(
    b: Any, p: Any, g: Any, buf: Any, lr: Any, *, momentum: float, dampening: float,
    weight_decay: float, nesterov: bool, first: bool,
) -> tuple[Any, Any]:  # fmt: skip
    mul, add, sub = _ops(b)
    if weight_decay:
        g = g + p * weight_decay
    if momentum:
        if first:
            buf = _copy_into(b, buf, g)
        else:
            buf = add(mul(buf, momentum), g * (1.0 - dampening))
        g = g + buf * momentum if nesterov else buf
    p = sub(p, g * lr)
    return p, buf


def _adam(
    b: Any, p: Any, g: Any, m: Any, v: Any, vmax: Any, step_size: Any, inv_sqrt_bc2: Any,
    decay: Any, *, beta1: float, beta2: float, eps: float, weight_decay: float, decoupled: bool,
    amsgrad: bool,
) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    # step_size = lr / (1 - beta1^t), inv_sqrt_bc2 = 1 / sqrt(1 - beta2^t), decay = 1 - lr wd:
    # each used once, so a 0-d slot (xn.compile) rounds exactly as the Python float does.
    mul, add, sub = _ops(b)
    if weight_decay and decoupled:
        p = mul(p, decay)
    if weight_decay and not decoupled:
        g = g + p * weight_decay
    m = add(mul(m, beta1), g * (1.0 - beta1))
    v = add(mul(v, beta2), g * g * (1.0 - beta2))
    second = v
    if amsgrad:
        vmax = _copy_into(b, vmax, b.xp.maximum(vmax, v))
        second = vmax
    denom = b.xp.sqrt(second) * inv_sqrt_bc2 + eps
    p = sub(p, m / denom * step_size)
    return p, m, v, vmax


def _rmsprop(
    b: Any, p: Any, g: Any, sq: Any, ga: Any, buf: Any, lr: Any, *, alpha: float, eps: float,
    weight_decay: float, momentum: float, centered: bool,
) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    mul, add, sub = _ops(b)
    xp = b.xp
    if weight_decay:
        g = g + p * weight_decay
    sq = add(mul(sq, alpha), g * g * (1.0 - alpha))
    if centered:
        ga = add(mul(ga, alpha), g * (1.0 - alpha))
        avg = xp.sqrt(sq - ga * ga) + eps
    else:
        avg = xp.sqrt(sq) + eps
    if momentum:
        buf = add(mul(buf, momentum), g / avg)
        p = sub(p, buf * lr)
    else:
        p = sub(p, g / avg * lr)
    return p, sq, ga, buf


def _adagrad(
    b: Any, p: Any, g: Any, total: Any, clr: Any, *, weight_decay: float, eps: float
) -> tuple[Any, Any]:
    _, add, sub = _ops(b)
    if weight_decay:
        g = g + p * weight_decay
    total = add(total, g * g)
    p = sub(p, g / (b.xp.sqrt(total) + eps) * clr)
    return p, total


# (p, g, state...) -> the positions each update writes
sgd_update_p = Primitive("sgd_update", _sgd, mutates=(0, 2))
adam_update_p = Primitive("adam_update", _adam, mutates=(0, 2, 3, 4))
rmsprop_update_p = Primitive("rmsprop_update", _rmsprop, mutates=(0, 2, 3, 4))
adagrad_update_p = Primitive("adagrad_update", _adagrad, mutates=(0, 2))
