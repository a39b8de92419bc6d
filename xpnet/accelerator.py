"""PyTorch's ``torch.accelerator`` questions, answered for xpnet's GPU backend (CuPy).

PyTorch's tutorials now pick a device with ``device = torch.accelerator.current_accelerator()
.type if torch.accelerator.is_available() else "cpu"``; here the accelerator is a CUDA GPU
that CuPy can use, so that line gives "cuda" (and ``x.to(device)`` moves NumPy tensors to
CuPy) where there is one and "cpu" elsewhere.
"""

from __future__ import annotations

from typing import Any

from . import cuda as _cuda
from ._torch_functions import device


def is_available() -> bool:
    """Whether there is an accelerator: a CUDA GPU CuPy can use."""
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``xn.device("cuda")`` where CuPy sees a GPU, else ``None`` (PyTorch's answer on a
    machine without an accelerator)."""
    del check_available  # there is no accelerator that is built but unusable here
    return device("cuda") if is_available() else None


def device_count() -> int:
    """How many GPUs CuPy sees (0 without one)."""
    return _cuda.device_count()


def current_device_index() -> int:
    """The index of the current GPU (raises without one)."""
    return _cuda.current_device()


def synchronize(device: Any = None) -> None:
    """Wait for the work queued on the GPU (raises without one)."""
    _cuda.synchronize(device)


__all__ = [
    "current_accelerator",
    "current_device_index",
    "device_count",
    "is_available",
    "synchronize",
]
