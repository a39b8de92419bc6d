"""Scalar slots: the values a recorded step takes as inputs rather than constants.

An optimizer's learning rate and bias corrections, a GradScaler's scale: Python
floats in eager mode, but while ``xn.compile`` records a step they are 0-d tensors
("slots", the same objects every step) that the program refills before each replay.
"""

from __future__ import annotations

from typing import Any

from ._errors import ArgumentError
from .autodiff.internal import wrap
from .tensor import Tensor


def _views(b: Any, buffer: Any) -> list[Any] | None:
    """The 0-d views of ``buffer``'s elements, or None where the library's indexing copies
    (the standard leaves it open): checked once, by writing the buffer and reading the
    views back, so a slot never keeps a stale value."""
    n = buffer.shape[0]
    views = [buffer[i, ...] for i in range(n)]
    b.write_host(buffer, [float(i + 1) for i in range(n)])
    seen = b.read_host(b.xp.stack(views)) if views else []
    return views if [float(v) for v in seen] == [float(i + 1) for i in range(n)] else None


class Slots:
    """0-d tensors on a tensor's backend holding values a recorded step takes as inputs.

    On a library with mutable arrays whose indexing gives views the slots are views of
    one 1-d ``buffer``, in order, and ``fill`` writes it with one copy from the host
    when any value changed (not a recorded operation: a slot belongs to no graph), so a
    replay whose learning rate did not move copies nothing to the device and one whose
    bias corrections moved copies once. A kernel may take ``buffer`` whole in place of
    the slots (CuPy's multi-tensor optimizers do). On an immutable library (JAX), or
    one whose indexing copies, each changed slot is a new array. A copy (deepcopy,
    pickle) is a fresh set of slots, filled at its first use (copying the arrays would
    part the views from their buffer).
    """

    __slots__ = ("backend", "buffer", "dtype", "tensors", "values")

    def __init__(self, backend: Any, dtype: Any, n: int) -> None:
        b = self.backend = backend
        self.dtype = b.dtype(dtype)
        self.buffer: Any = b.full((n,), 0.0, self.dtype) if b.mutable else None
        views = None if self.buffer is None else _views(b, self.buffer)
        if views is None:
            self.buffer = None
            self.tensors = [wrap(b.full((), 0.0, self.dtype), b) for _ in range(n)]
        else:
            self.tensors = [wrap(v, b) for v in views]
        self.values: tuple[Any, ...] = (None,) * n

    def __reduce__(self) -> tuple[Any, ...]:  # copy.deepcopy and pickle alike: fresh slots
        return (Slots, (self.backend, self.backend.dtype_name(self.dtype), len(self.values)))

    def fits(self, like: Tensor, n: int) -> bool:
        """Whether these slots serve a tensor like ``like`` with ``n`` values."""
        return self.backend is like.backend and self.dtype == like.dtype and len(self.values) == n

    def fill(self, values: tuple[float, ...]) -> None:
        old = self.values
        if values == old:
            return
        if len(values) != len(old):
            raise ArgumentError(f"Slots.fill: {len(values)} values for {len(old)} slots")
        if self.buffer is not None:
            self.backend.write_host(self.buffer, values)
        else:
            for t, a, v in zip(self.tensors, old, values, strict=True):
                if a != v:
                    t._data = t.backend.fill(t._data, v)
        self.values = tuple(values)
