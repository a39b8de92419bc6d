"""In-place arithmetic on a tensor's native array, for optimizer steps.

One code path for every backend: on libraries with mutable arrays the update is
done in place with the standard's in-place operators (no new parameter array);
on JAX a new array replaces the old one. No Tensor is built and nothing is
recorded, which keeps a step's Python overhead to a few operations per parameter.
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor


def add_(t: Tensor, value: Any) -> None:
    """t += value (an array of t's backend, or a Python scalar)."""
    data = t.data
    if t.backend.mutable:
        data += value
    else:
        data = data + value
    t._set_data(data)


def sub_(t: Tensor, value: Any) -> None:
    """t -= value."""
    data = t.data
    if t.backend.mutable:
        data -= value
    else:
        data = data - value
    t._set_data(data)


def mul_(t: Tensor, value: Any) -> None:
    """t *= value."""
    data = t.data
    if t.backend.mutable:
        data *= value
    else:
        data = data * value
    t._set_data(data)
