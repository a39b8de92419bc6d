"""Where layers put their parameters: the backend, device and dtype keywords."""

from __future__ import annotations

from typing import Any

from ..autodiff.internal import wrap
from ..backend import get_backend
from ._parameter import Parameter


def empty_parameter(shape: tuple[int, ...], backend: Any, device: Any, dtype: Any) -> Parameter:
    """A zero-filled Parameter on the requested backend/device (an initializer fills it next)."""
    b = get_backend(backend, device)
    dt = b.float_dtype(dtype)
    return Parameter(wrap(b.zeros(shape, dt), b))


def buffer(shape: tuple[int, ...], fill: float, backend: Any, device: Any, dtype: Any) -> Any:
    b = get_backend(backend, device)
    dt = b.float_dtype(dtype)
    return wrap(b.full(shape, fill, dt), b)
