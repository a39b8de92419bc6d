"""MultiheadAttention and the transformer (encoder, decoder, the whole encoder-decoder):
PyTorch's layers, their parameter names and their mask conventions."""

from __future__ import annotations

import copy
import math
from typing import Any

from .. import ops
from .._errors import ArgumentError, NotSupportedError, ShapeError
from ..autodiff import describe
from ..tensor import Tensor
from . import functional as F
from . import init
from ._container import ModuleList
from ._dropout import Dropout
from ._factory import empty_parameter
from ._linear import Linear
from ._module import Module
from ._norm import LayerNorm
from .functional._attention import additive_mask, attend


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al.) with PyTorch's parameters (``in_proj_weight``
    (3E, E), ``in_proj_bias``, ``out_proj``), arguments and outputs: ``forward(query, key,
    value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``.

    Inputs are (L, N, E) (``batch_first=True``: (N, L, E); unbatched: (L, E)). Boolean masks
    mark what may NOT be attended to (True = masked out), floating ones are added to the
    scores: ``attn_mask`` (L, S) or (N * num_heads, L, S), ``key_padding_mask`` (N, S).
    ``is_causal`` is a hint that ``attn_mask`` is the causal mask, as in PyTorch (required
    with it). A query whose keys are all masked gets attention weights 0 (PyTorch gives
    NaN on its math path and 0 on its fused one). Weights (``need_weights``) are
    averaged over the heads unless ``average_attn_weights=False``. Keys and values of the
    query's size only (no ``kdim``/``vdim``, ``add_bias_kv``, ``add_zero_attn``).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_heads < 1 or embed_dim % num_heads:
            raise ArgumentError(
                f"MultiheadAttention: embed_dim {embed_dim} is not divisible by num_heads {num_heads}"
            )
        if (
            add_bias_kv
            or add_zero_attn
            or kdim not in (None, embed_dim)
            or vdim not in (None, embed_dim)
        ):
            raise NotSupportedError(
                "MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim other than "
                "embed_dim are not supported"
            )
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        self.in_proj_weight = empty_parameter((3 * embed_dim, embed_dim), backend, device, dtype)
        self.in_proj_bias = (
            empty_parameter((3 * embed_dim,), backend, device, dtype) if bias else None
        )
        self.out_proj = Linear(
            embed_dim, embed_dim, bias, backend=backend, device=device, dtype=dtype
        )
        init.xavier_uniform_(self.in_proj_weight)  # PyTorch's: biases at 0
        if self.out_proj.bias is not None:
            init.zeros_(self.out_proj.bias)

    def extra_repr(self) -> str:
        return (
            f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
            f"batch_first={self.batch_first}"
        )

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        if is_causal and attn_mask is None:
            raise ArgumentError(
                "MultiheadAttention: is_causal is a hint that attn_mask is the causal mask; pass "
                "attn_mask too (as PyTorch)"
            )
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (ops.expand_dims(t, axis=1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = ops.expand_dims(key_padding_mask, axis=0)
        elif self.batch_first:  # to (L, N, E)
            query, key, value = (ops.swapaxes(t, 0, 1) for t in (query, key, value))
        if query.ndim != 3 or key.shape != value.shape or query.shape[1:] != key.shape[1:]:
            raise ShapeError(
                "MultiheadAttention: query (L, N, E), key and value (S, N, E) do not fit: "
                f"{describe(query)}, {describe(key)}, {describe(value)}"
            )
        if query.shape[2] != self.embed_dim:
            raise ShapeError(
                f"MultiheadAttention: inputs of {query.shape[2]} features for embed_dim {self.embed_dim}"
            )
        n_q, n, e = query.shape
        n_k, h, d = key.shape[0], self.num_heads, self.head_dim
        w, bias = self.in_proj_weight, self.in_proj_bias
        q, k, v = (
            F.linear(x, w[i * e : (i + 1) * e], None if bias is None else bias[i * e : (i + 1) * e])
            for i, x in enumerate((query, key, value))
        )

        def heads(t: Tensor, length: int) -> Tensor:  # (length, N, E) -> (N, H, length, D)
            return ops.permute_dims(ops.reshape(t, (length, n, h, d)), (1, 2, 0, 3))

        q, k, v = heads(q, n_q), heads(k, n_k), heads(v, n_k)
        mask = None  # additive, (N, H, L, S) or broadcast to it
        if attn_mask is not None:
            mask = additive_mask(
                attn_mask, q.dtype, allowed=False, op="MultiheadAttention: attn_mask"
            )
            if mask.ndim == 3:  # (N * H, L, S)
                mask = ops.reshape(mask, (n, h, n_q, n_k))
        if key_padding_mask is not None:
            pad = additive_mask(key_padding_mask, q.dtype, allowed=False,
                                op="MultiheadAttention: key_padding_mask")  # fmt: skip
            pad = ops.reshape(pad, (n, 1, 1, n_k))
            mask = pad if mask is None else mask + pad
        p = self.dropout if self.training else 0.0
        out, dropped = attend(q, k, v, mask, p)  # (N, H, L, D); the weights after dropout
        out = self.out_proj(ops.reshape(ops.permute_dims(out, (2, 0, 1, 3)), (n_q, n, e)))
        if unbatched:
            out = ops.squeeze(out, axis=1)
        elif self.batch_first:
            out = ops.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        att = ops.mean(dropped, axis=1) if average_attn_weights else dropped  # (as PyTorch)
        return out, (ops.squeeze(att, axis=0) if unbatched else att)


def _activation(op: str, activation: Any) -> Any:
    """PyTorch's ``activation`` argument: "relu", "gelu" or a function."""
    if isinstance(activation, str):
        if activation not in ("relu", "gelu"):
            raise ArgumentError(f"{op}: activation 'relu' or 'gelu', got {activation!r}")
        return F.relu if activation == "relu" else F.gelu
    if not callable(activation):
        raise ArgumentError(
            f"{op}: activation must be 'relu', 'gelu' or a function, got {activation!r}"
        )
    return activation


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: the feed-forward block (``linear1``,
    ``dropout``, the activation, ``linear2``), ``norm1``... and ``dropout1``... around
    the residual blocks, in PyTorch's names and order, and ``norm_first``."""

    def _build(
        self, blocks: int, d_model: int, dim_feedforward: int, dropout: float, activation: Any,
        layer_norm_eps: float, norm_first: bool, bias: bool, where: dict[str, Any],
    ) -> None:  # fmt: skip
        self.linear1 = Linear(d_model, dim_feedforward, bias, **where)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias, **where)
        for i in range(1, blocks + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, **where))
        for i in range(1, blocks + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.norm_first = norm_first
        self.activation = _activation(type(self).__name__, activation)

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def _residual(self, x: Tensor, blocks: list[Any]) -> Tensor:
        """Each block with its residual connection, normalised before (``norm_first``) or
        after it, and its output dropout (``dropout1``...)."""
        for i, block in enumerate(blocks):
            norm, drop = getattr(self, f"norm{i + 1}"), getattr(self, f"dropout{i + 1}")
            x = x + drop(block(norm(x))) if self.norm_first else norm(x + drop(block(x)))
        return x


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention and a feed-forward block, each with a residual connection and layer
    normalisation (after it, or before it with ``norm_first``): PyTorch's layer, its
    submodule names (``self_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``) and
    arguments; ``activation`` is "relu", "gelu" or a function."""

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = {"backend": backend, "device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **where)  # fmt: skip
        self._build(2, d_model, dim_feedforward, dropout, activation, layer_norm_eps, norm_first,
                    bias, where)  # fmt: skip

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        def attend(x: Tensor) -> Tensor:
            out, _ = self.self_attn(x, x, x, key_padding_mask=src_key_padding_mask,
                                    need_weights=False, attn_mask=src_mask, is_causal=is_causal)  # fmt: skip
            return out

        return self._residual(src, [attend, self._feed_forward])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (deep copies: their own parameters) applied
    in turn, then ``norm`` if given: PyTorch's module and names (``layers.0``...)."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:  # fmt: skip
        super().__init__()
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ArgumentError(
                f"TransformerEncoder: num_layers must be a positive int, got {num_layers!r}"
            )
        self.layers = ModuleList(copy.deepcopy(encoder_layer) for _ in range(num_layers))
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(
                x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=is_causal
            )
        return x if self.norm is None else self.norm(x)


class TransformerDecoderLayer(_TransformerLayer):
    """Masked self-attention, attention over the encoder's output (``memory``) and a
    feed-forward block, each with a residual connection and layer normalisation (after
    it, or before it with ``norm_first``): PyTorch's layer and its submodule names
    (``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1``-``norm3``)."""

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = {"backend": backend, "device": device, "dtype": dtype}
        attn = {"dropout": dropout, "bias": bias, "batch_first": batch_first, **where}
        self.self_attn = MultiheadAttention(d_model, nhead, **attn)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **attn)
        self.linear1 = Linear(d_model, dim_feedforward, bias, **where)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias, **where)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, **where)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, **where)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, **where)
        self.dropout1, self.dropout2, self.dropout3 = (
            Dropout(dropout),
            Dropout(dropout),
            Dropout(dropout),
        )
        self.norm_first = norm_first
        self.activation = _activation("TransformerDecoderLayer", activation)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        def self_block(x: Tensor) -> Tensor:
            out, _ = self.self_attn(x, x, x, key_padding_mask=tgt_key_padding_mask,
                                    need_weights=False, attn_mask=tgt_mask,
                                    is_causal=bool(tgt_is_causal))  # fmt: skip
            return out

        def memory_block(x: Tensor) -> Tensor:
            out, _ = self.multihead_attn(x, memory, memory, key_padding_mask=memory_key_padding_mask,
                                         need_weights=False, attn_mask=memory_mask,
                                         is_causal=memory_is_causal)  # fmt: skip
            return out

        return self._residual(tgt, [self_block, memory_block, self._feed_forward])


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn over the target, each
    attending to ``memory``, then ``norm`` if given: PyTorch's module and names."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:  # fmt: skip
        super().__init__()
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ArgumentError(
                f"TransformerDecoder: num_layers must be a positive int, got {num_layers!r}"
            )
        self.layers = ModuleList(copy.deepcopy(decoder_layer) for _ in range(num_layers))
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                      memory_key_padding_mask, bool(tgt_is_causal), memory_is_causal)  # fmt: skip
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """Vaswani et al.'s encoder-decoder: a TransformerEncoder and a TransformerDecoder, each
    ending in a LayerNorm, with PyTorch's arguments, submodule names (``encoder``,
    ``decoder``) and initialisation (Xavier-uniform for every matrix)."""

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = {"backend": backend, "device": device, "dtype": dtype}
        layer = {"dim_feedforward": dim_feedforward, "dropout": dropout, "activation": activation,
                 "layer_norm_eps": layer_norm_eps, "batch_first": batch_first,
                 "norm_first": norm_first, "bias": bias, **where}  # fmt: skip
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **layer), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, **where),
        )  # fmt: skip
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **layer), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, **where),
        )  # fmt: skip
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        batch_axis = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[batch_axis] != tgt.shape[batch_axis]:
            raise ShapeError(
                f"Transformer: src {describe(src)} and tgt {describe(tgt)} have different batch sizes"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(
                f"Transformer: src {describe(src)} and tgt {describe(tgt)} need d_model = "
                f"{self.d_model} features"
            )
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=bool(src_is_causal))  # fmt: skip
        return self.decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                            memory_key_padding_mask, tgt_is_causal, memory_is_causal)  # fmt: skip

    @staticmethod
    def generate_square_subsequent_mask(sz: int, *, dtype: Any = None, backend: Any = None,
                                        device: Any = None) -> Tensor:  # fmt: skip
        """The causal mask of ``sz`` positions: 0 on and below the diagonal, -inf above
        (added to attention scores, as PyTorch's)."""
        upper = ops.triu(ops.ones((sz, sz), dtype=dtype, backend=backend, device=device), k=1)
        return ops.where(upper > 0, -math.inf, 0.0)
