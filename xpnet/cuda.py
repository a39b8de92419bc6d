"""PyTorch's ``torch.cuda`` questions, answered for xpnet's GPU backend (CuPy), so the
usual ``device = "cuda" if xn.cuda.is_available() else "cpu"`` picks the GPU where there
is one: ``x.to(device)`` and ``model.to(device)`` then move NumPy tensors to CuPy."""

from __future__ import annotations

from ._errors import BackendUnavailableError
from .backend import default_generator, get_backend


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


__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all"]
