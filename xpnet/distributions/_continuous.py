"""Continuous distributions: ``Normal``, ``Uniform``, ``Laplace``."""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from ..tensor import Tensor
from ._distribution import LOG_SQRT_2PI, Distribution, check, machine_eps, params


class _LocScale(Distribution):
    """A location-scale family: ``loc`` and a positive ``scale``, broadcast together."""

    has_rsample = True
    arg_names = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = params(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        if self._validate:
            name = type(self).__name__
            check(~(self.scale > 0.0), lambda: f"{name}: scale must be positive")

    @property
    def mean(self) -> Tensor:
        return self.loc


class Normal(_LocScale):
    """The normal distribution N(loc, scale**2); ``rsample`` is ``loc + scale * eps``."""

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = ops.randn(*self.extended_shape(sample_shape), dtype=self.loc.dtype,
                        backend=self.loc.backend)  # fmt: skip
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.loc)
        return (
            -((value - self.loc) ** 2) / (2.0 * self.scale**2) - ops.log(self.scale) - LOG_SQRT_2PI
        )

    def cdf(self, value: Any) -> Tensor:
        value = self.value_of(value, self.loc)
        return 0.5 * (1.0 + ops.erf((value - self.loc) / (self.scale * math.sqrt(2.0))))

    def entropy(self) -> Tensor:
        return 0.5 + LOG_SQRT_2PI + ops.log(self.scale)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale**2


class Uniform(Distribution):
    """The uniform distribution on [low, high); ``rsample`` is ``low + u * (high - low)``."""

    has_rsample = True
    arg_names = ("low", "high")

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = params(low, high)
        super().__init__(self.low.shape, (), validate_args)
        if self._validate:
            check(~(self.low < self.high), lambda: "Uniform: low must be below high")

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = ops.rand(*self.extended_shape(sample_shape), dtype=self.low.dtype,
                     backend=self.low.backend)  # fmt: skip
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.low)
        if self._validate:
            check((value < self.low) | (value >= self.high),
                  lambda: "Uniform.log_prob: a value outside [low, high)")  # fmt: skip
        inside = ops.astype((value >= self.low) & (value < self.high), self.low.dtype)
        return ops.log(inside) - ops.log(self.high - self.low)

    def cdf(self, value: Any) -> Tensor:
        value = self.value_of(value, self.low)
        return ops.clip((value - self.low) / (self.high - self.low), 0.0, 1.0)

    def entropy(self) -> Tensor:
        return ops.log(self.high - self.low)

    @property
    def mean(self) -> Tensor:
        return (self.low + self.high) / 2.0

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12.0


class Laplace(_LocScale):
    """The Laplace distribution with location ``loc`` and scale ``scale``."""

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        # u uniform on (-1, 1): loc - scale * sign(u) * log(1 - |u|), as PyTorch draws it
        eps = machine_eps(self.loc)
        u = ops.rand(*self.extended_shape(sample_shape), dtype=self.loc.dtype,
                     backend=self.loc.backend) * (2.0 - eps) - (1.0 - eps)  # fmt: skip
        return self.loc - self.scale * ops.sign(u) * ops.log1p(-ops.abs(u))

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.loc)
        return -ops.log(2.0 * self.scale) - ops.abs(value - self.loc) / self.scale

    def entropy(self) -> Tensor:
        return 1.0 + ops.log(2.0 * self.scale)

    @property
    def variance(self) -> Tensor:
        return 2.0 * self.scale**2


class Exponential(Distribution):
    """The exponential distribution with ``rate`` (mean 1 / rate) on [0, inf)."""

    has_rsample = True
    arg_names = ("rate",)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = params(rate)
        super().__init__(self.rate.shape, (), validate_args)
        if self._validate:
            check(~(self.rate > 0.0), lambda: "Exponential: rate must be positive")

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = ops.rand(*self.extended_shape(sample_shape), dtype=self.rate.dtype,
                     backend=self.rate.backend)  # fmt: skip
        return -ops.log1p(-u) / self.rate  # u in [0, 1): 1 - u never 0

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.rate)
        if self._validate:
            check(value < 0.0, lambda: "Exponential.log_prob: a value below 0")
        return ops.log(self.rate) - self.rate * value

    def cdf(self, value: Any) -> Tensor:
        value = self.value_of(value, self.rate)
        return 1.0 - ops.exp(-self.rate * value)

    def entropy(self) -> Tensor:
        return 1.0 - ops.log(self.rate)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.rate

    @property
    def mode(self) -> Tensor:
        return ops.zeros_like(self.rate)

    @property
    def variance(self) -> Tensor:
        return self.rate**-2


class LogNormal(_LocScale):
    """``exp(X)`` for X ~ Normal(loc, scale): positive, log-normally distributed."""

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return ops.exp(Normal(self.loc, self.scale, validate_args=False).rsample(sample_shape))

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.loc)
        if self._validate:
            check(~(value > 0.0), lambda: "LogNormal.log_prob: a value that is not positive")
        y = ops.log(value)
        return Normal(self.loc, self.scale, validate_args=False).log_prob(y) - y

    def entropy(self) -> Tensor:
        return 0.5 + LOG_SQRT_2PI + ops.log(self.scale) + self.loc

    @property
    def mean(self) -> Tensor:
        return ops.exp(self.loc + self.scale**2 / 2.0)

    @property
    def mode(self) -> Tensor:
        return ops.exp(self.loc - self.scale**2)

    @property
    def variance(self) -> Tensor:
        s2 = self.scale**2
        return ops.expm1(s2) * ops.exp(2.0 * self.loc + s2)
