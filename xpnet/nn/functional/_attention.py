"""Scaled dot-product attention, composed of primitives (PyTorch's
``F.scaled_dot_product_attention``: its arguments, masks and scaling)."""

from __future__ import annotations

import math
from typing import Any

from ... import ops
from ..._errors import ArgumentError, DTypeError, ShapeError
from ...autodiff import describe
from ...tensor import Tensor
from ._activation import softmax
from ._dropout import dropout


def additive_mask(mask: Tensor, dtype: Any, *, allowed: bool, op: str) -> Tensor:
    """``mask`` as scores to add: a boolean one as 0 and -inf (``allowed``: True marks the keys
    that may be attended to, SDPA's convention; else the keys masked out, the layers'), a
    floating one as it is."""
    b = mask.backend
    if b.dtype_name(mask.dtype) == "bool":
        keep = mask if allowed else ops.logical_not(mask)
        return ops.astype(ops.where(keep, 0.0, -math.inf), dtype)
    if b.is_float(mask.dtype):
        return mask
    raise DTypeError(f"{op} must be bool or floating, got {describe(mask)}")


def attend(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    mask: Tensor | None,
    dropout_p: float,
    scale: float | None = None,
) -> tuple[Tensor, Tensor]:
    """softmax(Q K^T * scale + mask) V and the attention weights it used (after dropout):
    the one computation of ``scaled_dot_product_attention`` and ``nn.MultiheadAttention``.
    ``mask`` is additive; a query whose scores are all -inf gets weights 0, as PyTorch's."""
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = ops.matmul(query, ops.matrix_transpose(key)) * factor
    if mask is not None:
        scores = scores + mask
    seen = ops.any(scores > -math.inf, axis=-1, keepdims=True)  # a query with some key
    weights = ops.where(seen, softmax(ops.where(seen, scores, 0.0), dim=-1), 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return ops.matmul(weights, value), weights


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """softmax(Q K^T * scale + mask) V over the last two axes (leading axes broadcast).

    ``scale`` defaults to 1/sqrt(E), E the query's last extent. A boolean ``attn_mask``
    says which keys each query may attend to (False: not at all); a floating one is added to
    the scores. ``is_causal`` lets query i see keys 0..i only (no ``attn_mask`` with it).
    A query that may attend to no key gets 0, as PyTorch's. ``dropout_p`` drops
    attention weights (pass 0 in evaluation, as PyTorch leaves that to the caller).
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError("scaled_dot_product_attention: query, key and value need 2 or more dims")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(
            "scaled_dot_product_attention: query (..., L, E), key (..., S, E) and value "
            f"(..., S, Ev) do not fit: {describe(query)}, {describe(key)}, {describe(value)}"
        )
    if is_causal and attn_mask is not None:
        raise ArgumentError("scaled_dot_product_attention: give attn_mask or is_causal, not both")
    if is_causal:
        b = query.backend
        rows = ops.arange(query.shape[-2], backend=b)
        cols = ops.arange(key.shape[-2], backend=b)
        attn_mask = ops.expand_dims(rows, axis=1) >= ops.expand_dims(cols, axis=0)
    mask = None if attn_mask is None else additive_mask(
        attn_mask, query.dtype, allowed=True, op="scaled_dot_product_attention: attn_mask"
    )  # fmt: skip
    return attend(query, key, value, mask, dropout_p, scale)[0]
