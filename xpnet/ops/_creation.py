"""Making tensors: from data, filled, ranges, random draws, and DLPack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import array_api_compat as compat
import numpy as np

from .._errors import BackendError, DTypeError
from .._tensor import Tensor, _wrap
from ..backend import Backend, Generator, default_generator, get_backend


def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _finish(data: Any, b: Backend, requires_grad: bool) -> Tensor:
    t = _wrap(data, b)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _library_of(data: Any) -> str | None:
    """The backend name of a native array, or None for host data."""
    if compat.is_numpy_array(data):
        return "numpy"
    if compat.is_torch_array(data):
        return "torch"
    if compat.is_cupy_array(data):
        return "cupy"
    if compat.is_jax_array(data):
        return "jax"
    if type(data).__module__.startswith("array_api_strict"):
        return "array_api_strict"
    if compat.is_array_api_obj(data):
        raise BackendError(
            f"arrays of type {type(data).__name__} are not supported; convert with DLPack"
        )
    return None


def tensor(
    data: Any,
    dtype: Any = None,
    *,
    requires_grad: bool = False,
    backend: Any = None,
    device: Any = None,
) -> Tensor:
    """A new tensor holding ``data``.

    ``data`` is host data (Python scalars, nested lists, NumPy arrays), which goes
    to ``backend``/``device`` (default: the current backend), or an array of
    another supported library, which keeps its backend and device unless
    ``backend`` or ``device`` says otherwise. Without ``dtype``, Python floats
    become float32 (xpnet's default), ints int64, bools bool; NumPy arrays keep
    their dtype. A Tensor is copied and detached.
    """
    lib = None if isinstance(data, Tensor) else _library_of(data)
    if isinstance(data, Tensor) or lib not in (None, "numpy"):
        src = (
            data.backend if isinstance(data, Tensor) else get_backend(str(lib), compat.device(data))
        )
        arr = data.data if isinstance(data, Tensor) else data
        if backend is None and device is None:
            b = src
        else:
            b = get_backend(backend if backend is not None else src.name, device)
        if b is src:
            arr = b.xp.asarray(arr, copy=True) if isinstance(data, Tensor) else arr
        else:
            arr = _wrap(arr, src).to(backend=b).data
        if dtype is not None:
            arr = b.xp.astype(arr, b.dtype(dtype))
        return _finish(arr, b, requires_grad)
    b = get_backend(backend, device)
    host = np.asarray(data)
    if dtype is not None:
        dt = b.dtype(dtype)
    elif lib == "numpy":
        dt = b.dtype(host.dtype.name)
    elif host.dtype.kind == "f":
        dt = b.default_float
    elif host.dtype.kind in "iu":
        dt = b.dtype("int64")
    elif host.dtype.kind == "b":
        dt = b.dtype("bool")
    else:
        raise DTypeError(f"tensor: cannot make a tensor from data of NumPy dtype {host.dtype}")
    return _finish(b.from_numpy(host, dt), b, requires_grad)


def asarray(data: Any, dtype: Any = None, *, backend: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but returns ``data`` itself when it is already a matching Tensor."""
    if isinstance(data, Tensor) and backend is None and device is None:
        return data if dtype is None else data.astype(dtype)
    return tensor(data, dtype=dtype, backend=backend, device=device)


def _fill(
    shape: tuple[int, ...], value: Any, dtype: Any, backend: Any, device: Any, requires_grad: bool
) -> Tensor:
    b = get_backend(backend, device)
    dt = b.dtype(dtype) if dtype is not None else b.default_float
    return _finish(b.xp.full(shape, value, dtype=dt, device=b.device), b, requires_grad)


def zeros(
    *shape: Any,
    dtype: Any = None,
    backend: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    return _fill(_shape(shape), 0, dtype, backend, device, requires_grad)


def ones(
    *shape: Any,
    dtype: Any = None,
    backend: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ones (float32 unless ``dtype`` says otherwise)."""
    return _fill(_shape(shape), 1, dtype, backend, device, requires_grad)


def full(
    shape: Any, fill_value: Any, *, dtype: Any = None, backend: Any = None, device: Any = None
) -> Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _fill(shape, fill_value, dtype, backend, device, False)


def _like(x: Tensor, value: Any, dtype: Any) -> Tensor:
    b = x.backend
    dt = x.dtype if dtype is None else b.dtype(dtype)
    return _wrap(b.xp.full(x.shape, value, dtype=dt, device=b.device), b)


def zeros_like(x: Tensor, *, dtype: Any = None) -> Tensor:
    return _like(x, 0, dtype)


def ones_like(x: Tensor, *, dtype: Any = None) -> Tensor:
    return _like(x, 1, dtype)


def full_like(x: Tensor, fill_value: Any, *, dtype: Any = None) -> Tensor:
    return _like(x, fill_value, dtype)


def arange(
    start: Any,
    stop: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    backend: Any = None,
    device: Any = None,
) -> Tensor:
    """Evenly spaced values in [start, stop) (int64 for integer arguments, else float32)."""
    b = get_backend(backend, device)
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        integral = all(isinstance(v, int) for v in (start, stop, step))
        dt = b.dtype("int64") if integral else b.default_float
    else:
        dt = b.dtype(dtype)
    return _wrap(b.xp.arange(start, stop, step, dtype=dt, device=b.device), b)


def linspace(
    start: float,
    stop: float,
    num: int,
    *,
    dtype: Any = None,
    backend: Any = None,
    device: Any = None,
) -> Tensor:
    b = get_backend(backend, device)
    dt = b.dtype(dtype) if dtype is not None else b.default_float
    return _wrap(b.xp.linspace(start, stop, num, dtype=dt, device=b.device), b)


def eye(
    n: int, m: int | None = None, *, dtype: Any = None, backend: Any = None, device: Any = None
) -> Tensor:
    b = get_backend(backend, device)
    dt = b.dtype(dtype) if dtype is not None else b.default_float
    return _wrap(b.xp.eye(n, m, dtype=dt, device=b.device), b)


def _generator(generator: Generator | None, backend: Any, device: Any) -> Generator:
    if generator is not None:
        if backend is not None or device is not None:
            b = get_backend(backend, device)
            if b is not generator.backend:
                raise BackendError(f"generator of {generator.backend} used to draw on {b}")
        return generator
    return default_generator(get_backend(backend, device))


def rand(
    *shape: Any,
    dtype: Any = None,
    generator: Generator | None = None,
    backend: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform draws in [0, 1)."""
    g = _generator(generator, backend, device)
    return _finish(g.uniform(_shape(shape), dtype=dtype), g.backend, requires_grad)


def randn(
    *shape: Any,
    dtype: Any = None,
    generator: Generator | None = None,
    backend: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal draws."""
    g = _generator(generator, backend, device)
    return _finish(g.normal(_shape(shape), dtype=dtype), g.backend, requires_grad)


def randint(
    low: int,
    high: int,
    shape: Any,
    *,
    dtype: Any = "int64",
    generator: Generator | None = None,
    backend: Any = None,
    device: Any = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high)."""
    g = _generator(generator, backend, device)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _wrap(g.integers(low, high, shape, dtype=dtype), g.backend)


def randperm(
    n: int,
    *,
    dtype: Any = "int64",
    generator: Generator | None = None,
    backend: Any = None,
    device: Any = None,
) -> Tensor:
    """A random permutation of 0..n-1."""
    g = _generator(generator, backend, device)
    return _wrap(g.permutation(n, dtype=dtype), g.backend)


def from_dlpack(x: Any, *, backend: Any = None, device: Any = None) -> Tensor:
    """A tensor sharing memory with any DLPack-capable array (when devices allow)."""
    b = get_backend(backend)
    arr = b.xp.from_dlpack(x)
    out = _wrap(arr, get_backend(b, compat.device(arr)))
    return out if device is None else out.to(device=device)
