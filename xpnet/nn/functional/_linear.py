"""Linear maps, dropout and embedding lookups."""

from __future__ import annotations

import math

from ... import ops as E
from ..._errors import ArgumentError, DTypeError, ShapeError
from ...autodiff import describe
from ...autodiff.internal import wrap
from ...backend import Generator, default_generator
from ...ops import expand_dims, reshape, take
from ...ops.internal import autocast_low, check_indices, layer_dtypes, linear_p
from ...tensor import Tensor


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias, with ``weight`` of shape (out_features, in_features)."""
    x, weight, bias = autocast_low(x, weight, bias)
    layer_dtypes("linear", x, weight, bias)
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
        raise ArgumentError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    g = generator if generator is not None else default_generator(x.backend)
    keep = wrap(g.bernoulli(1.0 - p, x.shape), x.backend)
    return E.where(keep, x * (1.0 / (1.0 - p)), 0.0)


def embedding(indices: Tensor, weight: Tensor) -> Tensor:
    """Rows of ``weight`` at ``indices`` (any shape of integers): shape indices.shape + (dim,).

    Every index must be in [0, num_embeddings): a negative one is an error, as in
    PyTorch, not a row counted from the end (see ``check_indices`` for devices).
    """
    if (
        indices.backend.is_float(indices.dtype)
        or indices.backend.dtype_name(indices.dtype) == "bool"
    ):
        raise DTypeError(f"embedding: indices must be integers, got {describe(indices)}")
    n = weight.shape[0]
    flat = reshape(indices, (-1,)) if indices.ndim != 1 else indices
    bad = check_indices(flat, n, "embedding", "index", "rows")
    if bad is None:
        rows = take(weight, flat, axis=0)
    else:
        rows = take(weight, E.where(bad, 0, flat), axis=0)
        rows = E.where(expand_dims(bad, axis=1), math.nan, rows)
    return reshape(rows, (*indices.shape, weight.shape[1]))
