"""Embedding lookups: rows of a weight matrix at integer indices (PyTorch's sparse.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import ops
from ..._errors import ArgumentError, DTypeError, NotSupportedError, ShapeError
from ...autodiff import describe, no_grad
from ...autodiff.internal import is_tensor
from ...ops import expand_dims, reshape, take
from ...ops.internal import check_indices
from ...ops.linalg import vector_norm
from ...tensor import Tensor


def padding_row(padding_idx: int, n: int, op: str) -> int:
    """``padding_idx`` as a row of an n-row table (negative: from the end), checked."""
    if not -n <= padding_idx < n:
        raise ArgumentError(f"{op}: padding_idx {padding_idx} is not a row of {n}")
    return padding_idx % n


def embedding_renorm_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` that ``indices`` use down to norm ``max_norm``, in place
    and outside the graph (PyTorch's ``embedding_renorm_``: factor max_norm / (norm + 1e-7))."""
    rows = ops.unique_values(ops.reshape(indices, (-1,)))
    with no_grad():
        picked = take(weight, rows, axis=0)
        norms = vector_norm(picked, axis=1, keepdims=True, ord=norm_type)
        scale = ops.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[rows] = picked * scale


def embedding(
    indices: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` at ``indices`` (any shape of integers): shape indices.shape + (dim,).
    With ``padding_idx`` that row's lookups pass no gradient to it (PyTorch's); with
    ``max_norm`` the rows used are first scaled down in place to that norm, as PyTorch's.

    Every index must be in [0, num_embeddings): a negative one is an error, as in
    PyTorch, not a row counted from the end (see ``check_indices`` for devices).
    """
    if (
        indices.backend.is_float(indices.dtype)
        or indices.backend.dtype_name(indices.dtype) == "bool"
    ):
        raise DTypeError(f"embedding: indices must be integers, got {describe(indices)}")
    if scale_grad_by_freq or sparse:
        raise NotSupportedError("embedding: scale_grad_by_freq and sparse are not supported")
    n = weight.shape[0]
    flat = reshape(indices, (-1,)) if indices.ndim != 1 else indices
    bad = check_indices(flat, n, "embedding", "index", "rows")
    if max_norm is not None:
        embedding_renorm_(weight, flat if bad is None else ops.where(bad, 0, flat), max_norm,
                          norm_type)  # fmt: skip
    if bad is None:
        rows = take(weight, flat, axis=0)
    else:
        rows = take(weight, ops.where(bad, 0, flat), axis=0)
        rows = ops.where(expand_dims(bad, axis=1), math.nan, rows)
    if padding_idx is not None:
        pad = padding_row(padding_idx, n, "embedding")
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


def _bags(indices: Tensor, offsets: Any,
          include_last_offset: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The bags as a padded (B, L) matrix of rows, a mask of the real entries, and each
    entry's position in the flattened input."""
    host = np.asarray(indices.numpy(), dtype=np.int64)
    if host.ndim == 2:
        if offsets is not None:
            raise ArgumentError(
                "embedding_bag: offsets are for 1-D input; 2-D input is one bag per row"
            )
        return host, np.ones(host.shape, bool), np.arange(host.size).reshape(host.shape)
    if host.ndim != 1 or offsets is None:
        raise ArgumentError(
            f"embedding_bag: input must be 2-D (bags of equal size) or 1-D with offsets, got "
            f"shape {host.shape}" + ("" if host.ndim != 1 else " without offsets")
        )
    starts = np.asarray(offsets.numpy() if is_tensor(offsets) else offsets, dtype=np.int64)
    bounds = starts if include_last_offset else np.append(starts, host.size)
    if starts.ndim != 1 or bounds[0] != 0 or (np.diff(bounds) < 0).any() or bounds[-1] > host.size:
        raise ArgumentError(
            f"embedding_bag: offsets {starts.tolist()} must start at 0 and not decrease, within "
            f"the {host.size} indices"
        )
    lengths = np.diff(bounds)
    width = max(int(lengths.max(initial=0)), 1)
    mask = np.arange(width)[None, :] < lengths[:, None]
    positions = np.zeros(mask.shape, np.int64)
    positions[mask] = np.arange(bounds[-1])
    return host[positions], mask, positions


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """The sum, mean or max of each bag's rows of ``weight``: bags are the rows of a 2-D
    ``input``, or the runs of a 1-D one starting at ``offsets`` (PyTorch's
    ``F.embedding_bag``). Entries equal to ``padding_idx`` are left out (of the mean's
    count too); an empty bag gives zeros; ``per_sample_weights`` (the shape of ``input``)
    scale the rows in mode "sum"."""
    if mode not in ("sum", "mean", "max"):
        raise ArgumentError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise ArgumentError("embedding_bag: per_sample_weights need mode='sum', as in PyTorch")
    rows, mask, positions = _bags(input, offsets, include_last_offset)
    n = weight.shape[0]
    if padding_idx is not None:
        mask = mask & (rows != padding_row(padding_idx, n, "embedding_bag"))
    b = weight.backend
    looked = embedding(ops.asarray(rows, backend=b), weight, None, max_norm, norm_type,
                       scale_grad_by_freq, sparse)  # (B, L, D)  # fmt: skip
    if mode == "max":
        top = ops.max(ops.where(ops.asarray(mask[..., None], backend=b), looked, -math.inf), axis=1)
        filled = np.asarray(mask.any(axis=1)).reshape(-1, 1)  # empty bags give zeros
        return ops.where(ops.asarray(filled, backend=b), top, 0.0)
    dt = b.dtype_name(weight.dtype)
    keep = ops.asarray(mask, dtype=dt, backend=b)
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ShapeError(
                f"embedding_bag: per_sample_weights {per_sample_weights.shape} for input "
                f"{input.shape}"
            )
        flat = ops.reshape(per_sample_weights, (-1,))
        keep = keep * take(flat, ops.asarray(positions.reshape(-1), backend=b), axis=0).reshape(
            mask.shape
        )
    total = ops.sum(looked * ops.expand_dims(keep, axis=-1), axis=1)
    if mode == "sum":
        return total
    count = ops.asarray(np.maximum(mask.sum(1), 1)[:, None], dtype=dt, backend=b)
    return total / count
