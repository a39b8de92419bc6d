"""Linear maps, dropout and embedding lookups."""

from __future__ import annotations

from ..._errors import ShapeError
from ..._tensor import Tensor, _wrap
from ...backend import Generator, default_generator
from ...ops import _elementwise as E
from ...ops._linalg import linear_p
from ...ops._shape import reshape, take


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias, with ``weight`` of shape (out_features, in_features)."""
    if x.shape[-1:] != weight.shape[1:]:
        raise ShapeError(
            f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features, but the weight "
            f"{weight.shape} expects {weight.shape[1]} (in_features)"
        )
    if x.ndim == 0:
        raise ShapeError("linear: the input must have at least 1 dimension")
    return linear_p(x, weight) if bias is None else linear_p(x, weight, bias)


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, generator: Generator | None = None
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training only)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    g = generator if generator is not None else default_generator(x.backend)
    keep = _wrap(g.bernoulli(1.0 - p, x.shape), x.backend)
    return E.where(keep, x * (1.0 / (1.0 - p)), 0.0)


def embedding(indices: Tensor, weight: Tensor) -> Tensor:
    """Rows of ``weight`` at ``indices`` (any shape of integers): shape indices.shape + (dim,)."""
    flat = reshape(indices, (-1,)) if indices.ndim != 1 else indices
    rows = take(weight, flat, axis=0)
    return reshape(rows, (*indices.shape, weight.shape[1]))
