"""Making tensors: from data, filled, ranges, random draws, and DLPack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import ArgumentError, BackendError, DTypeError
from ..autodiff.internal import TensorBase, is_tensor, wrap
from ..backend import (
    Backend,
    Generator,
    backend_of,
    default_complex_name,
    default_generator,
    get_backend,
)
from ._cast import astype
from ._views import broadcast_checked

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "arange",
    "asarray",
    "eye",
    "from_dlpack",
    "full",
    "full_like",
    "linspace",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
]  # the public ops (xn.*) of this module


def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _finish(data: Any, b: Backend, requires_grad: bool) -> Tensor:
    t = wrap(data, b)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _convert(data: Any, dtype: Any, backend: Any, device: Any, copy: bool) -> tuple[Any, Backend]:
    """``data`` as a native array of the chosen backend (see ``tensor``); ``copy=False`` may share."""
    src = data.backend if isinstance(data, TensorBase) else backend_of(data)
    if isinstance(data, TensorBase) or (src is not None and not src.host_format):
        assert src is not None
        arr = data._data if isinstance(data, TensorBase) else data
        if backend is None and device is None:
            b = src
        else:
            b = get_backend(backend if backend is not None else src, device)
        dt = None if dtype is None else b.dtype(dtype)
        if b is not src:
            arr = b.receive(arr, src)  # a copy on the new backend or device
        elif copy and (dt is None or dt == arr.dtype):
            arr = b.xp.asarray(arr, copy=True)
        if dt is not None and dt != arr.dtype:
            arr = b.xp.astype(arr, dt)  # a copy
        return arr, b
    b = get_backend(backend, device)
    host = np.asarray(data)
    if host.dtype.kind not in "biufc":
        raise DTypeError(
            f"cannot make a tensor from data of NumPy dtype {host.dtype} (numbers and booleans only)"
        )
    if dtype is not None:
        dt = b.dtype(dtype)
    elif src is not None or _typed(host.dtype, data):  # NumPy data keeps its dtype
        dt = b.dtype(host.dtype.name)
    elif host.dtype.kind == "f":
        dt = b.default_float
    elif host.dtype.kind in "iu":
        dt = b.dtype("int64")
    elif host.dtype.kind == "b":
        dt = b.dtype("bool")
    elif host.dtype.kind == "c":
        dt = b.default_complex
    else:
        raise DTypeError(f"tensor: cannot make a tensor from data of NumPy dtype {host.dtype}")
    # A NumPy array of the caller's is copied: the tensor never aliases it (torch.tensor's rule).
    return b.from_numpy(host, dt, copy=copy and host is data), b


def _typed(dtype: np.dtype, data: Any) -> bool:
    """Whether nested lists gave ``dtype`` through NumPy values in them (as PyTorch and
    NumPy keep ``[np.float64(1.0)]`` float64 and ``[np.int32(1)]`` int32): a dtype that
    Python numbers alone never give, or a NumPy scalar or array among the items."""
    if dtype.name not in ("float64", "complex128"):
        return dtype.name not in ("int64", "bool")
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (np.generic, np.ndarray, TensorBase)):
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def tensor(
    data: Any,
    dtype: Any = None,
    *,
    requires_grad: bool = False,
    backend: Any = None,
    device: Any = None,
) -> Tensor:
    """A new tensor holding a copy of ``data`` (it never shares memory with ``data``).

    ``data`` is host data (Python scalars, nested lists, NumPy arrays), which goes
    to ``backend``/``device`` (default: the current backend), or an array of
    another supported library (or a Tensor), which keeps its backend and device
    unless ``backend`` or ``device`` says otherwise. Without ``dtype``, Python floats
    become float32 (xpnet's default), ints int64, bools bool; NumPy arrays keep
    their dtype. A Tensor is copied and detached. ``xn.asarray`` shares instead.
    """
    arr, b = _convert(data, dtype, backend, device, copy=True)
    return _finish(arr, b, requires_grad)


def asarray(data: Any, dtype: Any = None, *, backend: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor``, but shares memory with ``data`` where the library allows it.

    A Tensor already on the backend, device and dtype is returned itself; a NumPy
    array on the NumPy backend (or a torch tensor on the torch backend) is wrapped
    without a copy, so changing one changes the other.
    """
    if is_tensor(data) and backend is None and device is None:
        return data if dtype is None else data.astype(dtype)
    arr, b = _convert(data, dtype, backend, device, copy=False)
    return wrap(arr, b)


def _fill(
    shape: tuple[int, ...], value: Any, dtype: Any, backend: Any, device: Any, requires_grad: bool
) -> Tensor:
    b = get_backend(backend, device)
    dt = b.float_dtype(dtype)
    return _finish(b.full(shape, value, dt), b, requires_grad)


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
    shape: Any, fill_value: Any, *, dtype: Any = None, backend: Any = None, device: Any = None,
    requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    """``shape`` filled with ``fill_value``; without ``dtype``, the dtype of the fill, as
    PyTorch's and the standard's ``full``: bool, the default integer (int64), the default
    float or the default complex (complex128 beside a float64 default)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if is_tensor(fill_value):
        return _full_of_tensor(shape, fill_value, dtype, backend, device, requires_grad)
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = "bool"
        elif isinstance(fill_value, int):
            dtype = "int64"
        elif isinstance(fill_value, complex):
            dtype = default_complex_name()
    return _fill(shape, fill_value, dtype, backend, device, requires_grad)


def _full_of_tensor(
    shape: tuple[int, ...], fill: Tensor, dtype: Any, backend: Any, device: Any,
    requires_grad: bool,
) -> Tensor:  # fmt: skip
    """``full`` with a tensor as the fill (NumPy's ``full`` takes arrays, and Array API code
    such as SciPy's passes 0-d ones): the fill broadcast to ``shape`` and copied, in the
    fill's dtype unless ``dtype`` says otherwise, in the graph (gradients sum back to it)."""
    b = fill.backend if backend is None and device is None else get_backend(backend, device)
    if b is not fill.backend:
        raise BackendError(
            f"full: the fill is a tensor on {fill.backend!r}, the result is asked on {b!r}; "
            "move the fill there first (fill.to(...))"
        )
    out = astype(fill, fill.dtype if dtype is None else b.dtype(dtype))
    out = broadcast_checked(out, shape, "full").clone()
    return out.detach().requires_grad_(True) if requires_grad else out


def _like(x: Tensor, value: Any, dtype: Any, requires_grad: bool) -> Tensor:
    b = x.backend
    if is_tensor(value):
        dt = x.dtype if dtype is None else dtype
        return _full_of_tensor(x.shape, value, dt, b, None, requires_grad)
    dt = x.dtype if dtype is None else b.dtype(dtype)
    return _finish(b.full(x.shape, value, dt), b, requires_grad)


def zeros_like(x: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(x, 0, dtype, requires_grad)


def ones_like(x: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _like(x, 1, dtype, requires_grad)


def full_like(
    x: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return _like(x, fill_value, dtype, requires_grad)


def arange(
    start: Any,
    stop: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    backend: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Evenly spaced values in [start, stop) (int64 for integer arguments, else float32)."""
    b = get_backend(backend, device)
    start, stop, step = _number(start), _number(stop), _number(step)
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        integral = all(isinstance(v, int) for v in (start, stop, step))
        dt = b.dtype("int64") if integral else b.default_float
    else:
        dt = b.dtype(dtype)
    return _finish(b.arange(start, stop, step, dt), b, requires_grad)


def _number(v: Any) -> Any:
    """A one-element tensor given as a bound of ``arange``/``linspace`` as its Python
    number (NumPy's take 0-d arrays, and Array API code such as SciPy's passes them)."""
    if not is_tensor(v):
        return v
    if v.size != 1:
        raise ArgumentError(
            f"a range bound must be a number or a one-element tensor, got shape {v.shape}"
        )
    return v.item()


def linspace(
    start: float,
    stop: float,
    num: int,
    *,
    dtype: Any = None,
    backend: Any = None,
    device: Any = None,
    endpoint: bool = True,
    requires_grad: bool = False,
) -> Tensor:
    b = get_backend(backend, device)
    start, stop = _number(start), _number(stop)
    dt = b.float_dtype(dtype)
    if not endpoint:  # num points of [start, stop): the first num of num + 1
        return _finish(b.linspace(start, stop, num + 1, dt)[:num], b, requires_grad)
    return _finish(b.linspace(start, stop, num, dt), b, requires_grad)


def eye(
    n: int, m: int | None = None, *, dtype: Any = None, backend: Any = None, device: Any = None,
    requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    b = get_backend(backend, device)
    dt = b.float_dtype(dtype)
    return _finish(b.eye(n, m, dt), b, requires_grad)


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
    return _draw("uniform", shape, dtype, generator, backend, device, requires_grad)


def randn(
    *shape: Any,
    dtype: Any = None,
    generator: Generator | None = None,
    backend: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal draws."""
    return _draw("normal", shape, dtype, generator, backend, device, requires_grad)


def _draw(
    kind: str, shape: Any, dtype: Any, generator: Any, backend: Any, device: Any, rg: bool
) -> Tensor:
    g = _generator(generator, backend, device)
    draw = g.uniform if kind == "uniform" else g.normal
    return _finish(draw(_shape(shape), dtype=dtype), g.backend, rg)


def randint(
    low: int,
    high: Any = None,
    shape: Any = None,
    *,
    size: Any = None,
    dtype: Any = "int64",
    generator: Generator | None = None,
    backend: Any = None,
    device: Any = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(low, high, shape)``, and
    PyTorch's ``randint(high, size)``, ``randint(low, high, size=...)``."""
    if size is not None:
        if shape is not None:
            raise ArgumentError("randint: give the shape once (shape or size)")
        shape = size
    if shape is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, shape = 0, low, high
    elif shape is None and high is not None and size is None:
        raise ArgumentError("randint: missing the shape (randint(low, high, shape))")
    if high is None:  # randint(high, size=...)
        low, high = 0, low
    if shape is None:
        raise ArgumentError("randint: missing the shape (randint(low, high, shape))")
    g = _generator(generator, backend, device)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return wrap(g.integers(low, high, shape, dtype=dtype), g.backend)


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
    return wrap(g.permutation(n, dtype=dtype), g.backend)


def from_dlpack(x: Any, *, backend: Any = None, device: Any = None) -> Tensor:
    """A tensor sharing memory with any DLPack-capable array (when devices allow)."""
    b = get_backend(backend)
    arr = b.xp.from_dlpack(x)
    out = wrap(arr, get_backend(b, b.device_of(arr)))
    return out if device is None else out.to(device=device)
