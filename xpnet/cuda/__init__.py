"""PyTorch's ``torch.cuda`` questions, answered for xpnet's GPU backend (CuPy), so the
usual ``device = "cuda" if xn.cuda.is_available() else "cpu"`` picks the GPU where there
is one: ``x.to(device)`` and ``model.to(device)`` then move NumPy tensors to CuPy."""

from __future__ import annotations

from typing import Any

from .._errors import BackendUnavailableError
from ..backend import default_generator, get_backend
from . import amp as amp


def is_available() -> bool:
    """Whether the CuPy backend has a usable CUDA GPU."""
    try:
        get_backend("cupy")
    except BackendUnavailableError:
        return False
    return True


def device_count() -> int:
    """How many CUDA GPUs CuPy sees (0 without one)."""
    return get_backend("cupy").device_count() if is_available() else 0


def manual_seed(seed: int) -> None:
    """Seed the default generator of the current GPU (CuPy's); without a GPU nothing
    happens, as in PyTorch. ``xn.manual_seed`` seeds every generator, GPUs' included."""
    if is_available():
        default_generator(get_backend("cupy")).manual_seed(int(seed))


def manual_seed_all(seed: int) -> None:
    """Seed the default generator of every GPU (nothing without one)."""
    for i in range(device_count()):
        default_generator(get_backend("cupy", i)).manual_seed(int(seed))


def current_device() -> int:
    """The index of CuPy's current GPU (raises without one, as PyTorch)."""
    return int(get_backend("cupy").device.id)


def get_device_name(device: Any = None) -> str:
    """The GPU's name, as the driver reports it (raises without one)."""
    return get_backend("cupy", device).device_name()


def synchronize(device: Any = None) -> None:
    """Wait for the work queued on the GPU (raises without one, as PyTorch)."""
    get_backend("cupy", device).synchronize()


def memory_allocated(device: Any = None) -> int:
    """Bytes held by live CuPy arrays on the GPU (CuPy's memory pool); 0 without a GPU."""
    return get_backend("cupy", device).memory_allocated() if is_available() else 0


def empty_cache() -> None:
    """Hand the cached blocks of CuPy's memory pools back to the driver (nothing without a
    GPU, as PyTorch)."""
    for i in range(device_count()):
        get_backend("cupy", i).empty_cache()


__all__ = [
    "amp",
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_name",
    "is_available",
    "manual_seed",
    "manual_seed_all",
    "memory_allocated",
    "synchronize",
]
