"""Embedding lookups: rows of a weight matrix at integer indices (PyTorch's sparse.py)."""

from __future__ import annotations

import math

from ... import ops
from ..._errors import DTypeError
from ...autodiff import describe
from ...ops import expand_dims, reshape, take
from ...ops.internal import check_indices
from ...tensor import Tensor


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
        rows = take(weight, ops.where(bad, 0, flat), axis=0)
        rows = ops.where(expand_dims(bad, axis=1), math.nan, rows)
    return reshape(rows, (*indices.shape, weight.shape[1]))
