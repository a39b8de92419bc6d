"""Dropout: zero elements at random in training, scale the rest to keep the mean."""

from __future__ import annotations

from ... import ops
from ..._errors import ArgumentError
from ...autodiff.internal import wrap
from ...backend import Generator, default_generator
from ...tensor import Tensor


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, generator: Generator | None = None
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training only)."""
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    g = generator if generator is not None else default_generator(x.backend)
    keep = wrap(g.bernoulli(1.0 - p, x.shape), x.backend)
    return ops.where(keep, x * (1.0 / (1.0 - p)), 0.0)
