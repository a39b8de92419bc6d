"""Batching sequences of different lengths for the recurrent layers (PyTorch's
``nn.utils.rnn``): ``pad_sequence``, and packed sequences (``pack_padded_sequence``,
``pack_sequence``, ``pad_packed_sequence``) that RNN, LSTM and GRU take.

A ``PackedSequence`` here keeps the padded batch (time-major, the original batch order)
and each sequence's length; a recurrent layer steps every sequence only over its own
length (the state stops at its last step, the output past it is 0). PyTorch's packed
layout is there too for code that reads it: ``data`` (the steps of all sequences, time
by time, longest sequences first), ``batch_sizes``, ``sorted_indices`` and
``unsorted_indices``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import ops
from ..._errors import ArgumentError, ArgumentTypeError, ShapeError
from ...autodiff import describe
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


class PackedSequence:
    """Sequences of different lengths as one batch (see the module docstring): build it
    with ``pack_padded_sequence`` or ``pack_sequence``."""

    def __init__(self, padded: Tensor, lengths: np.ndarray) -> None:
        self.padded, self.lengths = padded, np.asarray(lengths, dtype=np.int64)  # (L, N, *)
        order = np.argsort(-self.lengths, kind="stable")
        self._sorted = order

    def _host(self, values: np.ndarray) -> Tensor:
        return ops.tensor(values, dtype="int64", backend="numpy")

    @property
    def sorted_indices(self) -> Tensor:
        return self._host(self._sorted)

    @property
    def unsorted_indices(self) -> Tensor:
        return self._host(np.argsort(self._sorted, kind="stable"))

    @property
    def batch_sizes(self) -> Tensor:
        """How many sequences have a step t, for each t (PyTorch's, on the host)."""
        return self._host(
            np.array([(self.lengths > t).sum() for t in range(int(self.lengths.max()))])
        )

    @property
    def data(self) -> Tensor:
        """Every sequence's steps, time by time, the longest sequences first (PyTorch's
        packed layout; differentiable)."""
        rows = [(t, int(n)) for t in range(int(self.lengths.max())) for n in self._sorted
                if self.lengths[n] > t]  # fmt: skip
        flat = ops.reshape(self.padded, (-1, *self.padded.shape[2:]))
        index = np.array([t * self.padded.shape[1] + n for t, n in rows], dtype=np.int64)
        return ops.take(flat, index, axis=0)

    def mask(self) -> Tensor:
        """(L, N, 1) booleans on the batch's device: whether sequence n has a step t."""
        steps = self.padded.shape[0]
        valid = np.arange(steps)[:, None] < self.lengths[None, :]
        return ops.asarray(valid[:, :, None], backend=self.padded.backend)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return PackedSequence(self.padded.to(*args, **kwargs), self.lengths)

    def __repr__(self) -> str:
        return f"PackedSequence(padded={describe(self.padded)}, lengths={self.lengths.tolist()})"


def _lengths(lengths: Any, batch: int, op: str) -> np.ndarray:
    host = lengths.numpy() if isinstance(lengths, Tensor) else np.asarray(lengths)
    host = host.astype(np.int64)
    if host.shape != (batch,):
        raise ShapeError(f"{op}: {host.shape} lengths for a batch of {batch} sequences")
    if batch and host.min() < 1:
        raise ArgumentError(f"{op}: every sequence needs a length >= 1, got {host.tolist()}")
    return host


def pack_padded_sequence(
    input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch (L, N, *) ((N, L, *) with ``batch_first``) whose sequence n has
    ``lengths[n]`` steps; with ``enforce_sorted`` the lengths must be decreasing (as
    PyTorch asks; ``enforce_sorted=False`` takes any order)."""
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise ArgumentTypeError(f"{op}: input must be a Tensor (L, N, *), got {input!r}")
    x = ops.swapaxes(input, 0, 1) if batch_first else input
    n = _lengths(lengths, x.shape[1], op)
    if n.max() > x.shape[0]:
        raise ShapeError(
            f"{op}: a length {int(n.max())} is longer than the {x.shape[0]} padded steps"
        )
    if enforce_sorted and (np.diff(n) > 0).any():
        raise ArgumentError(
            f"{op}: lengths {n.tolist()} are not sorted in decreasing order; sort the batch or "
            "pass enforce_sorted=False"
        )
    return PackedSequence(x[: int(n.max())], n)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The padded batch (L, N, *) of a PackedSequence (padded with ``padding_value``, to
    ``total_length`` steps if given) and its lengths (int64, on the host)."""
    if not isinstance(sequence, PackedSequence):
        raise ArgumentTypeError(
            f"pad_packed_sequence: needs a PackedSequence, got {type(sequence).__name__}"
        )
    x = sequence.padded
    if padding_value:
        x = ops.where(sequence.mask(), x, padding_value)
    if total_length is not None:
        if total_length < x.shape[0]:
            raise ArgumentError(
                f"pad_packed_sequence: total_length {total_length} is shorter than {x.shape[0]} steps"
            )
        extra = total_length - x.shape[0]
        if extra:
            x = ops.pad(x, [(0, extra)] + [(0, 0)] * (x.ndim - 1), padding_value)
    lengths = ops.tensor(sequence.lengths, dtype="int64", backend="numpy")
    return (ops.swapaxes(x, 0, 1) if batch_first else x), lengths


__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
]
