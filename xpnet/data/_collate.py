"""PyTorch's default collation: a list of samples to one batch (``default_collate``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..backend import Backend, get_backend
from ..ops import stack, tensor
from ..tensor import Tensor


def collate(samples: list[Any], backend: Backend) -> Any:
    """Samples that are tuples (lists, named tuples) give a tuple (a list, a named tuple)
    of batches, dicts a dict of batches by key, strings a list; Tensors, arrays and numbers
    are stacked into one tensor on ``backend`` (Python ints as int64, floats as float64,
    as PyTorch's ``default_collate``)."""
    first = samples[0]
    if isinstance(first, Mapping):
        return {k: collate([s[k] for s in samples], backend) for k in first}
    if isinstance(first, (tuple, list)):
        columns = [collate(list(col), backend) for col in zip(*samples, strict=True)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
            return type(first)(*columns)
        return tuple(columns) if isinstance(first, tuple) else columns
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, Tensor):
        batch = stack([s.detach() for s in samples])
        return batch if batch.backend is backend else batch.to(backend=backend)
    return tensor(np.stack([np.asarray(v) for v in samples]), backend=backend)


def default_collate(batch: list[Any]) -> Any:
    """Stack a list of samples into a batch on the default backend (``collate_fn``'s
    default; call it from a custom ``collate_fn`` for the fields it leaves alone)."""
    return collate(list(batch), get_backend())
