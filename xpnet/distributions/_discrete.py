"""Discrete distributions: ``Categorical`` and ``Bernoulli``, from ``probs`` or ``logits``."""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from .._errors import ArgumentError
from .._torch_functions import multinomial
from ..nn import functional as F
from ..tensor import Tensor
from ._distribution import Distribution, check, lowest, machine_eps, params, size


def _one_of(probs: Any, logits: Any, name: str) -> None:
    if (probs is None) == (logits is None):
        raise ArgumentError(f"{name}: give either probs or logits, not both or neither")


class Categorical(Distribution):
    """Categories 0..K-1 with probabilities ``probs`` (last axis, normalised here) or
    unnormalised log-probabilities ``logits``; samples are int64 indices."""

    arg_names = ("probs",)

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        _one_of(probs, logits, "Categorical")
        if probs is not None:
            (p,) = params(probs)
            if p.ndim < 1:
                raise ArgumentError("Categorical: probs must have at least one axis")
            super().__init__(p.shape[:-1], (), validate_args)
            if self._validate:
                check(p < 0.0, lambda: "Categorical: probs must be non-negative")
            self.probs = p / ops.sum(p, axis=-1, keepdims=True)
            eps = machine_eps(p)  # PyTorch's probs_to_logits: log of the clamped probs
            self.logits = ops.log(ops.clip(self.probs, eps, 1.0 - eps))
        else:
            (lg,) = params(logits)
            if lg.ndim < 1:
                raise ArgumentError("Categorical: logits must have at least one axis")
            super().__init__(lg.shape[:-1], (), validate_args)
            self.logits = lg - ops.logsumexp(lg, axis=-1, keepdims=True)
            self.probs = ops.exp(self.logits)
        self._num_events = self.probs.shape[-1]

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = size(sample_shape)
        n = math.prod(shape)
        rows = ops.reshape(self.probs.detach(), (-1, self._num_events))
        drawn = multinomial(rows, max(n, 1), replacement=True)  # (batch, n)
        drawn = ops.permute_dims(drawn, (1, 0)) if n else drawn[:, :0]
        return ops.reshape(drawn, shape + self._batch_shape)

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.logits)
        if self._validate:
            bad = (value < 0) | (value >= self._num_events)
            if value.backend.is_inexact(value.dtype):
                bad = bad | (value != ops.floor(value))
            check(bad, lambda: f"Categorical.log_prob: a value outside 0..{self._num_events - 1}")
        index = ops.astype(value, "int64")
        index, logits = ops.broadcast_arrays(index[..., None], self.logits)
        index = ops.clip(index[..., :1], 0, self._num_events - 1)
        return ops.take_along_axis(logits, index, axis=-1)[..., 0]

    def entropy(self) -> Tensor:
        # logits of probability 0 (-inf) count as the dtype's lowest number: 0 * lowest = 0
        return -ops.sum(self.probs * ops.clip(self.logits, lowest(self.logits), None), axis=-1)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self.probs.shape)

    @property
    def mode(self) -> Tensor:
        return ops.argmax(self.probs, axis=-1)

    @property
    def mean(self) -> Tensor:
        return ops.full(
            self._batch_shape, math.nan, dtype=self.probs.dtype, backend=self.probs.backend
        )

    @property
    def variance(self) -> Tensor:
        return self.mean


class Bernoulli(Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0; samples take the
    parameters' floating dtype, as PyTorch's."""

    arg_names = ("probs",)

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        _one_of(probs, logits, "Bernoulli")
        if probs is not None:
            (self.probs,) = params(probs)
            super().__init__(self.probs.shape, (), validate_args)
            if self._validate:
                check((self.probs < 0.0) | (self.probs > 1.0),
                      lambda: "Bernoulli: probs must be in [0, 1]")  # fmt: skip
            eps = machine_eps(self.probs)
            p = ops.clip(self.probs, eps, 1.0 - eps)
            self.logits = ops.log(p) - ops.log1p(-p)
        else:
            (self.logits,) = params(logits)
            super().__init__(self.logits.shape, (), validate_args)
            self.probs = ops.sigmoid(self.logits)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        p = ops.broadcast_to(self.probs.detach(), self.extended_shape(sample_shape))
        u = ops.rand(*p.shape, dtype=p.dtype, backend=p.backend)
        return ops.astype(u < p, p.dtype)

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.logits)
        if self._validate:
            check((value != 0.0) & (value != 1.0),
                  lambda: "Bernoulli.log_prob: a value other than 0 and 1")  # fmt: skip
        logits, value = ops.broadcast_arrays(self.logits, ops.astype(value, self.logits.dtype))
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        return ops.astype(self.probs > 0.5, self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1.0 - self.probs)
