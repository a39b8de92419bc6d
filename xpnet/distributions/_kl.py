"""KL divergences KL(p || q) between distributions, one rule per pair of types."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import ops
from .._errors import ArgumentError, NotSupportedError
from ..nn import functional as F
from ..tensor import Tensor
from ._continuous import Exponential, Laplace, LogNormal, Normal, Uniform
from ._discrete import Bernoulli, Categorical
from ._distribution import Distribution
from ._gamma_family import Beta, Dirichlet, Gamma, Poisson
from ._independent import Independent, sum_rightmost
from ._multivariate import MultivariateNormal

_RULES: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Any], Any]:
    """Register ``fn(p, q)`` as KL(p || q) for distributions of these types (a decorator)."""

    def add(fn: Callable[[Any, Any], Tensor]) -> Callable[[Any, Any], Tensor]:
        _RULES[(type_p, type_q)] = fn
        return fn

    return add


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), per distribution of the batch, by the rule for the most specific pair
    of types registered."""
    for tp in type(p).__mro__:
        for tq in type(q).__mro__:
            rule = _RULES.get((tp, tq))
            if rule is not None:
                return rule(p, q)
    raise NotSupportedError(
        f"kl_divergence: no rule for {type(p).__name__} and {type(q).__name__} (register_kl)"
    )


def _infinite_where(t: Tensor, cond: Tensor) -> Tensor:
    return ops.where(cond, math.inf, t)


@register_kl(Normal, Normal)
def _kl_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1.0 - ops.log(var_ratio))


@register_kl(Laplace, Laplace)
def _kl_laplace(p: Laplace, q: Laplace) -> Tensor:
    scale_ratio = p.scale / q.scale
    loc_abs_diff = ops.abs(p.loc - q.loc)
    t1 = -ops.log(scale_ratio)
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * ops.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1.0


@register_kl(Uniform, Uniform)
def _kl_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ops.log((q.high - q.low) / (p.high - p.low))
    return _infinite_where(result, (q.low > p.low) | (q.high < p.high))


@register_kl(Categorical, Categorical)
def _kl_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = _infinite_where(t, ops.broadcast_to(q.probs == 0.0, t.shape))
    t = ops.where(ops.broadcast_to(p.probs == 0.0, t.shape), 0.0, t)
    return ops.sum(t, axis=-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = ops.where(p.probs == 0.0, 0.0, _infinite_where(t1, q.probs == 0.0))
    t2 = (1.0 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = ops.where(p.probs == 1.0, 0.0, _infinite_where(t2, q.probs == 1.0))
    return t1 + t2


@register_kl(Independent, Independent)
def _kl_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise ArgumentError(
            "kl_divergence: Independent distributions with different reinterpreted_batch_ndims "
            f"({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims})"
        )
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(Exponential, Exponential)
def _kl_exponential(p: Exponential, q: Exponential) -> Tensor:
    rate_ratio = q.rate / p.rate
    return -ops.log(rate_ratio) + rate_ratio - 1.0


@register_kl(LogNormal, LogNormal)
def _kl_lognormal(p: LogNormal, q: LogNormal) -> Tensor:
    return _kl_normal(Normal(p.loc, p.scale), Normal(q.loc, q.scale))  # KL is invariant under exp


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """0.5 (tr(Σq⁻¹ Σp) + |Lq⁻¹ (μq - μp)|² - k) + log|Lq| - log|Lp|."""
    if p.event_shape != q.event_shape:
        raise ArgumentError(
            f"kl_divergence: MultivariateNormals of event shapes {p.event_shape} and {q.event_shape}"
        )
    k = p.event_shape[0]
    shape = ops.broadcast_shapes(p.batch_shape, q.batch_shape)
    lq = ops.broadcast_to(q._unbroadcasted_scale_tril, (*shape, k, k))
    lp = ops.broadcast_to(p._unbroadcasted_scale_tril, (*shape, k, k))
    m = ops.linalg.solve(lq, lp)  # Lq⁻¹ Lp: its squared Frobenius norm is tr(Σq⁻¹ Σp)
    trace = ops.sum(m * m, axis=(-2, -1))
    maha = q._mahalanobis(q.loc - p.loc)
    return 0.5 * (trace + maha - k) + q._half_log_det() - p._half_log_det()


@register_kl(Gamma, Gamma)
def _kl_gamma(p: Gamma, q: Gamma) -> Tensor:
    t1 = q.concentration * ops.log(p.rate / q.rate)
    t2 = ops.lgamma(q.concentration) - ops.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * ops.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta(p: Beta, q: Beta) -> Tensor:
    sp, sq = p.concentration1 + p.concentration0, q.concentration1 + q.concentration0
    t1 = ops.lgamma(q.concentration1) + ops.lgamma(q.concentration0) + ops.lgamma(sp)
    t2 = ops.lgamma(p.concentration1) + ops.lgamma(p.concentration0) + ops.lgamma(sq)
    t3 = (p.concentration1 - q.concentration1) * ops.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * ops.digamma(p.concentration0)
    t5 = (sq - sp) * ops.digamma(sp)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    a, b = p.concentration, q.concentration
    sa = ops.sum(a, axis=-1)
    t1 = ops.lgamma(sa) - ops.lgamma(ops.sum(b, axis=-1))
    t2 = ops.sum(ops.lgamma(a) - ops.lgamma(b), axis=-1)
    return t1 - t2 + ops.sum((a - b) * (ops.digamma(a) - ops.digamma(sa)[..., None]), axis=-1)


@register_kl(Poisson, Poisson)
def _kl_poisson(p: Poisson, q: Poisson) -> Tensor:
    return p.rate * (ops.log(p.rate) - ops.log(q.rate)) - (p.rate - q.rate)
