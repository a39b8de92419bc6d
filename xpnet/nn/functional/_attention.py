"""Scaled dot-product attention, composed of primitives (PyTorch's
``F.scaled_dot_product_attention``: its arguments, masks and scaling)."""

from __future__ import annotations

import math

from ... import ops
from ..._errors import ArgumentError, DTypeError, ShapeError
from ...autodiff import describe
from ...tensor import Tensor
from ._activation import softmax
from ._dropout import dropout


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
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = ops.matmul(query, ops.matrix_transpose(key)) * factor
    n_q, n_k = query.shape[-2], key.shape[-2]
    b = query.backend
    if is_causal:
        rows = ops.arange(n_q, backend=b)
        cols = ops.arange(n_k, backend=b)
        attn_mask = ops.expand_dims(rows, axis=1) >= ops.expand_dims(cols, axis=0)
    seen = None  # (a boolean mask) the queries that may attend to some key
    if attn_mask is not None:
        if b.dtype_name(attn_mask.dtype) == "bool":
            seen = ops.any(attn_mask, axis=-1, keepdims=True)
            scores = ops.where(seen, ops.where(attn_mask, scores, -math.inf), 0.0)
        elif b.is_float(attn_mask.dtype):
            scores = scores + attn_mask
        else:
            raise DTypeError(
                f"scaled_dot_product_attention: attn_mask must be bool or floating, got {describe(attn_mask)}"
            )
    weights = softmax(scores, dim=-1)
    if seen is not None:
        weights = ops.where(seen, weights, 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return ops.matmul(weights, value)
