"""Embedding lookups: rows of a weight matrix at integer indices (PyTorch's sparse.py)."""

from __future__ import annotations

import math

from ... import ops
from ..._errors import ArgumentError, DTypeError
from ...autodiff import describe
from ...ops import expand_dims, reshape, take
from ...ops.internal import check_indices
from ...tensor import Tensor


def embedding(indices: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` at ``indices`` (any shape of integers): shape indices.shape + (dim,).
    With ``padding_idx`` that row's lookups pass no gradient to it (PyTorch's).

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
    if padding_idx is not None:
        pad = padding_idx + n if padding_idx < 0 else padding_idx
        if not 0 <= pad < n:
            raise ArgumentError(f"embedding: padding_idx {padding_idx} is not a row of {n}")
        rows = ops.where(expand_dims(flat == pad, axis=1), rows.detach(), rows)
    return reshape(rows, (*indices.shape, weight.shape[1]))


def one_hot(labels: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot rows of integer ``labels`` (any shape): shape labels.shape + (C,),
    C = ``num_classes`` or, at -1, the largest label + 1 (read from the device). A label
    outside [0, C) is an error, as in PyTorch (on a device: at the next host read)."""
    b = labels.backend
    if not b.xp.isdtype(labels.dtype, "integral"):
        raise DTypeError(f"one_hot: labels must be integers, got {describe(labels)}")
    if num_classes == -1:
        if labels.size == 0:
            raise ArgumentError("one_hot: num_classes=-1 needs at least one label to infer it")
        num_classes = int(ops.max(labels).item()) + 1
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ArgumentError(
            f"one_hot: num_classes must be a positive int (or -1), got {num_classes!r}"
        )
    flat = reshape(labels, (-1,))
    check_indices(flat, num_classes, "one_hot", "class", "classes", mask=False)
    classes = ops.arange(num_classes, dtype=labels.dtype, backend=b)
    hot = ops.astype(expand_dims(flat, axis=1) == classes, "int64")
    return reshape(hot, (*labels.shape, num_classes))
