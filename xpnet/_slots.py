"""Scalar slots: the values a recorded step takes as inputs rather than constants.

An optimizer's learning rate and bias corrections, a GradScaler's scale: Python
floats in eager mode, but while ``xn.compile`` records a step they are 0-d tensors
("slots", the same objects every step) that the program refills before each replay.
"""

from __future__ import annotations

from typing import Any

from .autodiff.internal import wrap
from .tensor import Tensor


class Slots:
    """0-d tensors on a tensor's backend holding values a recorded step takes as inputs.

    ``fill`` writes only the values that changed since the last fill (not a recorded
    operation: a slot belongs to no graph), so a replay whose learning rate did not
    move copies nothing to the device.
    """

    __slots__ = ("backend", "dtype", "tensors", "values")

    def __init__(self, like: Tensor, n: int) -> None:
        b = self.backend = like.backend
        self.dtype = like.dtype
        self.tensors = [wrap(b.full((), 0.0, like.dtype), b) for _ in range(n)]
        self.values: list[Any] = [None] * n

    def fits(self, like: Tensor, n: int) -> bool:
        """Whether these slots serve a tensor like ``like`` with ``n`` values."""
        return self.backend is like.backend and self.dtype == like.dtype and len(self.values) == n

    def fill(self, values: tuple[float, ...]) -> None:
        for i, (t, v) in enumerate(zip(self.tensors, values, strict=True)):
            if self.values[i] != v:
                t._data = t.backend.fill(t._data, v)
                self.values[i] = v
