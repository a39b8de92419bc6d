"""The one way optimizers change tensors: an in-place update primitive per optimizer.

Each update is a ``Primitive(..., mutates=...)``: its implementation updates the
parameter and state arrays in place where the library allows it (the in-place
operators below), and returns new arrays on immutable ones (JAX); the call stores
them and moves the tensors' version counters, so a graph that kept the old values
refuses to use them. Being primitives, updates are recorded by ``xn.compile`` like
any other operation, and a backend may register a fused kernel for one (one launch
per parameter instead of ten; see ``Backend.register_kernel``).

Positional arguments are tensors and then every numeric hyperparameter (learning
rate, bias corrections, momentum, betas, eps, weight decay; see
``Optimizer._scalars``): Python floats in eager mode, 0-d tensors refilled before
each replay of a compiled step, so editing ``param_groups`` between steps reaches
the replay. Keyword parameters are the structural choices (is weight decay on,
Nesterov, AMSGrad, centered), which select the code that runs; changing one makes
``xn.compile`` record the step again.

``foreach(update, k)`` is the multi-tensor form (PyTorch's ``_foreach``/fused
optimizers): one primitive call updates ``k`` parameters that share the step's
scalars, so a compiled step replays one call per optimizer group instead of one
per parameter, and refreshes one set of scalars. Its implementation runs the
per-parameter update (the backend's fused kernel where it registers one) on each.
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
    b: Any, p: Any, g: Any, buf: Any, lr: Any, momentum: Any, one_minus_dampening: Any,
    weight_decay: Any, *, use_momentum: bool, use_weight_decay: bool, nesterov: bool, first: bool,
) -> tuple[Any, Any]:  # fmt: skip
    mul, add, sub = _ops(b)
    if use_weight_decay:
        g = g + p * weight_decay
    if use_momentum:
        if first:
            buf = _copy_into(b, buf, g)
        else:
            buf = add(mul(buf, momentum), g * one_minus_dampening)
        g = g + buf * momentum if nesterov else buf
    p = sub(p, g * lr)
    return p, buf


def _adam(
    b: Any, p: Any, g: Any, m: Any, v: Any, vmax: Any, step_size: Any, inv_sqrt_bc2: Any,
    decay: Any, beta1: Any, one_minus_beta1: Any, beta2: Any, one_minus_beta2: Any, eps: Any,
    weight_decay: Any, *, use_weight_decay: bool, decoupled: bool, amsgrad: bool,
) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    # step_size = lr / (1 - beta1^t), inv_sqrt_bc2 = 1 / sqrt(1 - beta2^t), decay = 1 - lr wd:
    # computed in Python and each used once, so a 0-d slot (xn.compile) rounds exactly as
    # the Python float does.
    mul, add, sub = _ops(b)
    if use_weight_decay and decoupled:
        p = mul(p, decay)
    if use_weight_decay and not decoupled:
        g = g + p * weight_decay
    m = add(mul(m, beta1), g * one_minus_beta1)
    v = add(mul(v, beta2), g * g * one_minus_beta2)
    second = v
    if amsgrad:
        vmax = _copy_into(b, vmax, b.xp.maximum(vmax, v))
        second = vmax
    denom = b.xp.sqrt(second) * inv_sqrt_bc2 + eps
    p = sub(p, m / denom * step_size)
    return p, m, v, vmax


def _rmsprop(
    b: Any, p: Any, g: Any, sq: Any, ga: Any, buf: Any, lr: Any, alpha: Any, one_minus_alpha: Any,
    eps: Any, weight_decay: Any, momentum: Any, *, use_weight_decay: bool, use_momentum: bool,
    centered: bool,
) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    mul, add, sub = _ops(b)
    xp = b.xp
    if use_weight_decay:
        g = g + p * weight_decay
    sq = add(mul(sq, alpha), g * g * one_minus_alpha)
    if centered:
        ga = add(mul(ga, alpha), g * one_minus_alpha)
        avg = xp.sqrt(sq - ga * ga) + eps
    else:
        avg = xp.sqrt(sq) + eps
    if use_momentum:
        buf = add(mul(buf, momentum), g / avg)
        p = sub(p, buf * lr)
    else:
        p = sub(p, g / avg * lr)
    return p, sq, ga, buf


def _adagrad(
    b: Any, p: Any, g: Any, total: Any, clr: Any, eps: Any, weight_decay: Any, *,
    use_weight_decay: bool,
) -> tuple[Any, Any]:  # fmt: skip
    _, add, sub = _ops(b)
    if use_weight_decay:
        g = g + p * weight_decay
    total = add(total, g * g)
    p = sub(p, g / (b.xp.sqrt(total) + eps) * clr)
    return p, total


def _lerp_into(b: Any, m: Any, g: Any, weight: Any) -> Any:
    """m + weight (g - m), in place where the library allows (PyTorch's ``lerp_``)."""
    _, add, _ = _ops(b)
    return add(m, (g - m) * weight)


def _adamax(
    b: Any, p: Any, g: Any, m: Any, u: Any, clr: Any, one_minus_beta1: Any, beta2: Any, eps: Any,
    weight_decay: Any, *, use_weight_decay: bool,
) -> tuple[Any, Any, Any]:  # fmt: skip
    # clr = lr / (1 - beta1^t); u = max(beta2 u, |g| + eps), the infinity norm
    _, _, sub = _ops(b)
    if use_weight_decay:
        g = g + p * weight_decay
    m = _lerp_into(b, m, g, one_minus_beta1)
    u = _copy_into(b, u, b.xp.maximum(u * beta2, b.xp.abs(g) + eps))
    p = sub(p, m / u * clr)
    return p, m, u


def _adadelta(
    b: Any, p: Any, g: Any, sq: Any, acc: Any, lr: Any, rho: Any, one_minus_rho: Any, eps: Any,
    weight_decay: Any, *, use_weight_decay: bool,
) -> tuple[Any, Any, Any]:  # fmt: skip
    mul, add, sub = _ops(b)
    xp = b.xp
    if use_weight_decay:
        g = g + p * weight_decay
    sq = add(mul(sq, rho), g * g * one_minus_rho)
    delta = xp.sqrt(acc + eps) / xp.sqrt(sq + eps) * g
    acc = add(mul(acc, rho), delta * delta * one_minus_rho)
    p = sub(p, delta * lr)
    return p, sq, acc


def _rprop(
    b: Any, p: Any, g: Any, prev: Any, step: Any, etaminus: Any, etaplus: Any, step_min: Any,
    step_max: Any,
) -> tuple[Any, Any, Any]:  # fmt: skip
    """Riedmiller and Braun's resilient backpropagation: each weight's step grows by
    ``etaplus`` while its gradient keeps its sign, shrinks by ``etaminus`` (and that step is
    skipped) when the sign flips; only the sign of the gradient moves the weight."""
    _, _, sub = _ops(b)
    xp = b.xp
    same = g * prev
    factor = xp.where(same > 0, etaplus, xp.where(same < 0, etaminus, xp.ones_like(g)))
    step = xp.minimum(xp.maximum(step * factor, step_min), step_max)
    g = xp.where(same < 0, xp.zeros_like(g), g)
    p = sub(p, xp.sign(g) * step)
    return p, g, step


def _decay_and_moments(
    b: Any, p: Any, g: Any, m: Any, v: Any, decay: Any, one_minus_beta1: Any, beta2: Any,
    one_minus_beta2: Any, weight_decay: Any, use_weight_decay: bool, decoupled: bool,
) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    """NAdam's and RAdam's common start: weight decay (decoupled: p *= 1 - lr wd; else
    added to the gradient), then m = lerp(m, g, 1 - beta1), v = beta2 v + (1 - beta2) g^2.
    Returns (p, g, m, v)."""
    mul, add, _ = _ops(b)
    if use_weight_decay and decoupled:
        p = mul(p, decay)
    if use_weight_decay and not decoupled:
        g = g + p * weight_decay
    m = _lerp_into(b, m, g, one_minus_beta1)
    v = add(mul(v, beta2), g * g * one_minus_beta2)
    return p, g, m, v


def _nadam(
    b: Any, p: Any, g: Any, m: Any, v: Any, grad_step: Any, avg_step: Any, bc2: Any,
    decay: Any, one_minus_beta1: Any, beta2: Any, one_minus_beta2: Any, eps: Any,
    weight_decay: Any, *, use_weight_decay: bool, decoupled: bool,
) -> tuple[Any, Any, Any]:  # fmt: skip
    # grad_step = lr (1 - mu_t) / (1 - prod mu), avg_step = lr mu_{t+1} / (1 - prod mu mu_{t+1}),
    # bc2 = 1 - beta2^t (Dozat's Nesterov momentum in Adam, PyTorch's NAdam)
    sub = _ops(b)[2]
    p, g, m, v = _decay_and_moments(b, p, g, m, v, decay, one_minus_beta1, beta2, one_minus_beta2,
                                    weight_decay, use_weight_decay, decoupled)  # fmt: skip
    denom = b.xp.sqrt(v / bc2) + eps
    p = sub(p, g / denom * grad_step)
    p = sub(p, m / denom * avg_step)
    return p, m, v


def _radam(
    b: Any, p: Any, g: Any, m: Any, v: Any, step_size: Any, sqrt_bc2: Any, decay: Any,
    one_minus_beta1: Any, beta2: Any, one_minus_beta2: Any, eps: Any, weight_decay: Any, *,
    use_weight_decay: bool, decoupled: bool, rectify: bool,
) -> tuple[Any, Any, Any]:  # fmt: skip
    # step_size = lr / (1 - beta1^t), times the rectification term when ``rectify`` (the
    # variance of the adaptive rate is tractable: rho_t > 5); sqrt_bc2 = sqrt(1 - beta2^t)
    sub = _ops(b)[2]
    p, _, m, v = _decay_and_moments(b, p, g, m, v, decay, one_minus_beta1, beta2, one_minus_beta2,
                                    weight_decay, use_weight_decay, decoupled)  # fmt: skip
    if rectify:
        p = sub(p, m * step_size * (sqrt_bc2 / (b.xp.sqrt(v) + eps)))
    else:
        p = sub(p, m * step_size)
    return p, m, v


# (p, g, state...) -> the positions each update writes
sgd_update_p = Primitive("sgd_update", _sgd, mutates=(0, 2))
adam_update_p = Primitive("adam_update", _adam, mutates=(0, 2, 3, 4))
rmsprop_update_p = Primitive("rmsprop_update", _rmsprop, mutates=(0, 2, 3, 4))
adagrad_update_p = Primitive("adagrad_update", _adagrad, mutates=(0, 2))
adamax_update_p = Primitive("adamax_update", _adamax, mutates=(0, 2, 3))
adadelta_update_p = Primitive("adadelta_update", _adadelta, mutates=(0, 2, 3))
nadam_update_p = Primitive("nadam_update", _nadam, mutates=(0, 2, 3))
radam_update_p = Primitive("radam_update", _radam, mutates=(0, 2, 3))
rprop_update_p = Primitive("rprop_update", _rprop, mutates=(0, 2, 3))


_FOREACH: dict[tuple[str, int, int], Primitive] = {}


def foreach(update: Primitive, k: int, n: int) -> Primitive:
    """The multi-tensor form of ``update`` for ``k`` parameters of ``n`` tensors each (cached).

    Arguments: the ``k`` parameters, then the ``k`` gradients, then each state
    tensor's ``k`` values (None for an unused slot), then the scalars once; the
    keyword parameters as ``update``'s. It writes what ``update`` writes, for all ``k``.
    """
    prim = _FOREACH.get((update.name, k, n))
    if prim is not None:
        return prim

    def impl(b: Any, *args: Any, **params: Any) -> tuple[Any, ...]:
        tensors, scalars = args[: n * k], args[n * k :]
        single = b.kernels.get(update.name, update.impl) if b.kernels else update.impl
        outs = []
        for i in range(k):
            own = [tensors[j * k + i] for j in range(n)]
            out = single(b, *own, *scalars, **params)
            if out is NotImplemented:  # the kernel declined: the generic update
                out = update.impl(b, *own, *scalars, **params)
            outs.append(out)
        return tuple(outs[i][m] for m in range(len(update.mutates)) for i in range(k))

    impl.__name__ = impl.__qualname__ = f"{update.name}_foreach"
    mutates = tuple(j * k + i for j in update.mutates for i in range(k))
    prim = _FOREACH[(update.name, k, n)] = Primitive(
        f"{update.name}_foreach", impl, mutates=mutates
    )
    return prim


def update_all(update: Primitive, tensors: list[list[Any]], scalars: tuple[Any, ...],
               **params: Any) -> None:  # fmt: skip
    """Run ``update`` on every parameter: ``tensors[i]`` holds parameter i's (p, g, state...)."""
    if len(tensors) == 1:
        update(*tensors[0], *scalars, **params)
        return
    by_slot = [t[j] for j in range(len(tensors[0])) for t in tensors]
    foreach(update, len(tensors), len(tensors[0]))(*by_slot, *scalars, **params)


def same_pattern(values: list[Any]) -> tuple[int, ...]:
    """Which entries are equal, as first-appearance labels: [5, 5, 3, 5] -> (0, 0, 1, 0)."""
    labels: dict[Any, int] = {}
    return tuple(labels.setdefault(v, len(labels)) for v in values)
