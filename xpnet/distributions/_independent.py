"""``Independent``: batch axes of a distribution reinterpreted as event axes."""

from __future__ import annotations

from typing import Any

from .. import ops
from .._errors import ArgumentError
from ..tensor import Tensor
from ._distribution import Distribution


def sum_rightmost(t: Tensor, n: int) -> Tensor:
    """``t`` summed over its last ``n`` axes."""
    return ops.sum(t, axis=tuple(range(-n, 0))) if n else t


class Independent(Distribution):
    """The last ``reinterpreted_batch_ndims`` batch axes of ``base_distribution`` become
    event axes: ``log_prob`` and ``entropy`` sum over them (a diagonal Gaussian policy is
    ``Independent(Normal(mu, sigma), 1)``)."""

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        n = reinterpreted_batch_ndims
        batch = base_distribution.batch_shape
        if not isinstance(n, int) or not 0 <= n <= len(batch):
            raise ArgumentError(
                f"Independent: reinterpreted_batch_ndims={n!r} for a batch of shape {batch}"
            )
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        cut = len(batch) - n
        super().__init__(batch[:cut], batch[cut:] + base_distribution.event_shape, validate_args)
        self.has_rsample = base_distribution.has_rsample

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode  # type: ignore[attr-defined]

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
