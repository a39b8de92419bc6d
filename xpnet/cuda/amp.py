"""PyTorch's deprecated ``torch.cuda.amp`` spellings: ``autocast()`` (float16 by default)
and ``GradScaler()``, as ``xn.autocast`` and ``xn.amp.GradScaler`` with the device "cuda"."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from ..amp import GradScaler as _GradScaler
from ..amp import autocast as _autocast


def autocast(enabled: bool = True, dtype: Any = "float16",
             cache_enabled: bool = True) -> AbstractContextManager[None]:  # fmt: skip
    """``xn.autocast(dtype)``: float16 matrix products inside the block."""
    return _autocast(dtype, enabled, device_type="cuda")


class GradScaler(_GradScaler):
    """``xn.amp.GradScaler`` for the device "cuda"."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:  # fmt: skip
        super().__init__(init_scale, growth_factor, backoff_factor, growth_interval, enabled,
                         device="cuda")  # fmt: skip


__all__ = ["GradScaler", "autocast"]
