"""Distributions written with the log-gamma family: ``Gamma``, ``Beta``, ``Dirichlet``,
``Poisson``.

``log_prob``, ``entropy`` and the moments are xpnet ops (``lgamma``, ``digamma``), so they
differentiate in the parameters on every backend. ``sample`` draws on the host with
NumPy's exact samplers, seeded from xpnet's generator stream (``xn.manual_seed`` makes it
repeat), and moves the draw to the parameters' backend; reading the parameters to the
host waits for a device. None of them has ``rsample``: PyTorch reparameterises the gamma
family through implicit derivatives of the sampler, which xpnet does not have.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from .._errors import ArgumentError
from ..backend import draw_seed
from ..special import xlogy
from ..tensor import Tensor
from ._distribution import Distribution, check, params, size


def _host_rng() -> np.random.Generator:
    return np.random.default_rng(draw_seed())


def _on(like: Tensor, host: np.ndarray) -> Tensor:
    return ops.asarray(host.astype(np.float64), dtype=like.dtype, backend=like.backend)


class Gamma(Distribution):
    """Gamma(concentration, rate): density ``rate^a x^(a-1) e^(-rate x) / Gamma(a)``."""

    arg_names = ("concentration", "rate")

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = params(concentration, rate)
        super().__init__(self.rate.shape, (), validate_args)
        if self._validate:
            check(~(self.concentration > 0.0), lambda: "Gamma: concentration must be positive")
            check(~(self.rate > 0.0), lambda: "Gamma: rate must be positive")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        a = self.concentration.detach().numpy().astype(np.float64)
        r = self.rate.detach().numpy().astype(np.float64)
        draw = _host_rng().gamma(a, size=size(sample_shape) + self._batch_shape) / r
        return _on(self.rate, np.maximum(draw, np.finfo(np.float64).tiny))

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.rate)
        if self._validate:
            check(~(value > 0.0), lambda: "Gamma.log_prob: a value that is not positive")
        a, r = self.concentration, self.rate
        return a * ops.log(r) + (a - 1.0) * ops.log(value) - r * value - ops.lgamma(a)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - ops.log(self.rate) + ops.lgamma(a) + (1.0 - a) * ops.digamma(a)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ops.clip((self.concentration - 1.0) / self.rate, 0.0, None)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate**2


def _lbeta(a: Tensor, b: Tensor) -> Tensor:
    return ops.lgamma(a) + ops.lgamma(b) - ops.lgamma(a + b)


class Beta(Distribution):
    """Beta(concentration1, concentration0) on (0, 1): density ``x^(a-1) (1-x)^(b-1) / B(a, b)``."""

    arg_names = ("concentration1", "concentration0")

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        self.concentration1, self.concentration0 = params(concentration1, concentration0)
        super().__init__(self.concentration1.shape, (), validate_args)
        if self._validate:
            check(~((self.concentration1 > 0.0) & (self.concentration0 > 0.0)),
                  lambda: "Beta: concentrations must be positive")  # fmt: skip

    def sample(self, sample_shape: Any = ()) -> Tensor:
        a = self.concentration1.detach().numpy().astype(np.float64)
        b = self.concentration0.detach().numpy().astype(np.float64)
        draw = _host_rng().beta(a, b, size=size(sample_shape) + self._batch_shape)
        return _on(self.concentration1, draw)

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.concentration1)
        if self._validate:
            check(~((value > 0.0) & (value < 1.0)), lambda: "Beta.log_prob: a value outside (0, 1)")
        a, b = self.concentration1, self.concentration0
        return (a - 1.0) * ops.log(value) + (b - 1.0) * ops.log1p(-value) - _lbeta(a, b)

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        return (_lbeta(a, b) - (a - 1.0) * ops.digamma(a) - (b - 1.0) * ops.digamma(b)
                + (a + b - 2.0) * ops.digamma(a + b))  # fmt: skip

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def variance(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total**2 * (total + 1.0))


class Dirichlet(Distribution):
    """Dirichlet(concentration) over the probability vectors of ``concentration.shape[-1]``."""

    arg_names = ("concentration",)

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        (self.concentration,) = params(concentration)
        if self.concentration.ndim < 1:
            raise ArgumentError("Dirichlet: concentration needs a last axis (the categories)")
        shape = tuple(self.concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args)
        if self._validate:
            check(~(self.concentration > 0.0), lambda: "Dirichlet: concentration must be positive")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        a = self.concentration.detach().numpy().astype(np.float64)
        g = _host_rng().gamma(np.broadcast_to(a, size(sample_shape) + a.shape))
        g = np.maximum(g, np.finfo(np.float64).tiny)
        return _on(self.concentration, g / g.sum(-1, keepdims=True))

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.concentration)
        a = self.concentration
        return (ops.sum((a - 1.0) * ops.log(value), axis=-1) + ops.lgamma(ops.sum(a, axis=-1))
                - ops.sum(ops.lgamma(a), axis=-1))  # fmt: skip

    def entropy(self) -> Tensor:
        a = self.concentration
        k = a.shape[-1]
        a0 = ops.sum(a, axis=-1)
        return (ops.sum(ops.lgamma(a), axis=-1) - ops.lgamma(a0) - (k - a0) * ops.digamma(a0)
                - ops.sum((a - 1.0) * ops.digamma(a), axis=-1))  # fmt: skip

    @property
    def mean(self) -> Tensor:
        return self.concentration / ops.sum(self.concentration, axis=-1, keepdims=True)

    @property
    def variance(self) -> Tensor:
        a = self.concentration
        a0 = ops.sum(a, axis=-1, keepdims=True)
        return a * (a0 - a) / (a0**2 * (a0 + 1.0))


class Poisson(Distribution):
    """Poisson(rate) over the counts 0, 1, 2, ...; samples take the rate's dtype."""

    arg_names = ("rate",)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = params(rate)
        super().__init__(self.rate.shape, (), validate_args)
        if self._validate:
            check(self.rate < 0.0, lambda: "Poisson: rate must be non-negative")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        r = self.rate.detach().numpy().astype(np.float64)
        return _on(self.rate, _host_rng().poisson(r, size=size(sample_shape) + self._batch_shape))

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.rate)
        if self._validate:
            bad = (value < 0) | (value != ops.floor(value)) if value.backend.is_inexact(
                value.dtype) else value < 0  # fmt: skip
            check(bad, lambda: "Poisson.log_prob: a value that is not a count")
        k = (
            ops.astype(value, self.rate.dtype)
            if not value.backend.is_inexact(value.dtype)
            else value
        )
        return xlogy(k, self.rate) - self.rate - ops.lgamma(k + 1.0)  # (0 log 0 is 0)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return ops.floor(self.rate)

    @property
    def variance(self) -> Tensor:
        return self.rate
