"""PyTorch's ``torch.cuda`` questions, answered for xpnet's GPU backend (CuPy), so the
usual ``device = "cuda" if xn.cuda.is_available() else "cpu"`` picks the GPU where there
is one: ``x.to(device)`` and ``model.to(device)`` then move NumPy tensors to CuPy."""

from __future__ import annotations

from ._errors import BackendUnavailableError
from .backend import get_backend


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


__all__ = ["device_count", "is_available"]
