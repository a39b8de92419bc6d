"""Batching sequences of different lengths for the recurrent layers (PyTorch's
``nn.utils.rnn``): ``pad_sequence``. Packed sequences are not supported: the recurrent
layers take padded batches."""

from __future__ import annotations

from collections.abc import Sequence

from ... import ops
from ..._errors import ArgumentError, ShapeError
from ...tensor import Tensor


def pad_sequence(
    sequences: Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack tensors of shapes (L_i, *) into (L_max, N, *) (``batch_first``: (N, L_max, *)),
    each padded with ``padding_value`` after its end (``padding_side="left"``: before)."""
    seqs = list(sequences)
    if not seqs:
        raise ArgumentError("pad_sequence: no sequences given")
    if padding_side not in ("right", "left"):
        raise ArgumentError(
            f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}"
        )
    trailing = seqs[0].shape[1:]
    if any(s.ndim < 1 or s.shape[1:] != trailing for s in seqs):
        raise ShapeError(
            "pad_sequence: the sequences must share their shape after the first axis, got "
            f"{[s.shape for s in seqs]}"
        )
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        extra = longest - s.shape[0]
        widths = [(0, extra) if padding_side == "right" else (extra, 0)] + [(0, 0)] * len(trailing)
        padded.append(ops.pad(s, widths, padding_value) if extra else s)
    return ops.stack(padded, axis=0 if batch_first else 1)


__all__ = ["pad_sequence"]
