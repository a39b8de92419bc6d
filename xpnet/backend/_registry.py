"""Choosing backends: by name, globally, per scope, or from ``XPNET_BACKEND``."""

from __future__ import annotations

import contextlib
import copyreg
import importlib
import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from .._errors import ArgumentTypeError, BackendError, BackendUnavailableError
from ._base import Backend
from ._host_memory import keep_host_memory
from ._threads import reapply_num_threads

# name -> (module, class) of xpnet's backends: adding one is one line here (and its
# file in this package); modules import their library only when asked.
_CLASSES: dict[str, tuple[str, Any]] = {
    "numpy": ("._numpy", "NumpyBackend"),
    "array_api_strict": ("._strict", "StrictBackend"),
    "torch": ("._torch", "TorchBackend"),
    "cupy": ("._cupy", "CupyBackend"),
    "jax": ("._jax", "JaxBackend"),
}
_ALIASES = {"np": "numpy", "strict": "array_api_strict", "pytorch": "torch"}
_INSTALL: dict[str, str] = {
    "numpy": "pip install numpy",
    "array_api_strict": "pip install array-api-strict",
    "torch": "pip install torch",
    "jax": "pip install jax",
    "cupy": "pip install 'xpnet[cuda13]' (or 'xpnet[cuda12]' for a CUDA 12 driver)",
}

_cache: dict[tuple[str, Any], Backend] = {}
_lock = threading.Lock()
_current: ContextVar[Backend | None] = ContextVar("xpnet_backend", default=None)
_global: Backend | None = None


def backend_names() -> tuple[str, ...]:
    """Every backend name xpnet knows, installed or not."""
    return tuple(_CLASSES)


def _backend_class(name: str) -> type[Backend]:
    canonical = _ALIASES.get(name, name)
    if canonical not in _CLASSES:
        raise BackendError(f"unknown backend {name!r}; known backends: {', '.join(_CLASSES)}")
    module, cls = _CLASSES[canonical]
    if isinstance(cls, type):  # registered from outside the package
        return cls
    found: type[Backend] = getattr(importlib.import_module(module, __package__), cls)
    return found


def register_backend(cls: type[Backend], install: str | None = None) -> None:
    """Make a ``Backend`` subclass defined outside xpnet available as ``cls.name``.

    ``install`` is what an error says to run when its library is missing.
    """
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise ArgumentTypeError(f"register_backend takes a Backend subclass, got {cls!r}")
    if cls.name in _CLASSES and _CLASSES[cls.name][1] is not cls:
        raise BackendError(f"a backend named {cls.name!r} exists already")
    _CLASSES[cls.name] = ("", cls)
    _INSTALL[cls.name] = install or f"install the library behind backend {cls.name!r}"


def get_backend(name: str | Backend | None = None, device: Any = None) -> Backend:
    """The backend ``name`` on ``device``; with no name, the current backend.

    ``name`` is one of ``"numpy"``, ``"cupy"``, ``"torch"``, ``"jax"``,
    ``"array_api_strict"``. ``device`` is the library's device or its spelling:
    ``"cpu"``, ``"cuda:1"``, ``1``, ``array_api_strict.Device("device1")``...
    The same library and device always give the same object.
    """
    if isinstance(name, Backend):
        if device is None:
            return name
        name = name.name
    if name is None:
        current = current_backend()
        if device is None:
            return current
        name = current.name
    cls = _backend_class(name)
    try:
        native, key = cls.parse_device(device)
    except ImportError as e:
        raise BackendUnavailableError(
            f"backend {cls.name!r} is not installed ({e}); {_INSTALL[cls.name]}"
        ) from None
    found = _cache.get((cls.name, key))
    if found is not None:
        return found
    with _lock:
        found = _cache.get((cls.name, key))
        if found is None:
            try:
                xp = cls.namespace()
            except ImportError as e:
                raise BackendUnavailableError(
                    f"backend {cls.name!r} is not installed ({e}); {_INSTALL[cls.name]}"
                ) from None
            if cls.malloc_arrays:  # before its first array: see _host_memory
                keep_host_memory()
            found = cls(xp, native)
            _cache[(cls.name, key)] = found
            reapply_num_threads()  # its library may have brought a thread pool of its own
            copyreg.pickle(cls, _reduce_backend)
    return found


def _cuda_spelling(device: Any) -> bool:
    """``"cuda"`` or ``"cuda:N"``."""
    return isinstance(device, str) and device.split(":")[0] == "cuda"


def placement(src: Backend, backend: Any = None, device: Any = None) -> Backend:
    """Where ``to(device=..., backend=...)`` sends something on ``src``: ``backend`` on
    ``device`` when a backend is named; else ``src``'s library on ``device``, except that
    PyTorch's device strings cross between the host and the GPU as a PyTorch script
    expects: "cuda"/"cuda:N" from NumPy goes to CuPy, "cpu" from CuPy to NumPy."""
    if device is not None and isinstance(getattr(device, "type", None), str):
        index = getattr(device, "index", None)  # a device object (xn.device, torch.device)
        device = device.type if index is None else f"{device.type}:{index}"
    if backend is not None:
        return get_backend(backend, device)
    if device is None:
        return src
    if src.name == "numpy" and _cuda_spelling(device):
        return get_backend("cupy", device)
    if src.name == "cupy" and device == "cpu":
        return get_backend("numpy")
    return get_backend(src, device)


def _reduce_backend(b: Backend) -> tuple[Any, ...]:
    """How pickle writes a backend: looked up again by name and device when unpickled
    (backends are cached and compared by identity)."""
    return (get_backend, (b.name, b.device_str))


def backend_of(obj: Any) -> Backend | None:
    """The backend (library and device) of a native array, or None when ``obj`` is no array.

    NumPy arrays belong to the ``numpy`` backend (whose ``host_format`` says they are
    host data). An array of a library xpnet has no backend for raises BackendError.
    """
    for name in _CLASSES:
        cls = _backend_class(name)
        if cls.owns(obj):
            return get_backend(name, cls.device_of(obj))
    import array_api_compat

    if array_api_compat.is_array_api_obj(obj):
        raise BackendError(
            f"arrays of type {type(obj).__module__}.{type(obj).__name__} are not supported; "
            f"convert them with DLPack (xn.from_dlpack) or to NumPy first; known backends: "
            f"{', '.join(_CLASSES)}"
        )
    return None


def _from_env() -> Backend:
    spec = os.environ.get("XPNET_BACKEND", "").strip()
    if not spec:
        return get_backend("numpy")
    name, _, device = spec.partition(":")
    return get_backend(name, device or None)


def current_backend() -> Backend:
    """The backend new tensors go to: the innermost ``use_backend`` scope, else the global one."""
    b = _current.get()
    if b is not None:
        return b
    global _global
    if _global is None:
        _global = _from_env()
    return _global


def set_backend(name: str | Backend, device: Any = None) -> Backend:
    """Make ``name`` (on ``device``) the global default backend, for every thread.

    Without a call, the default comes from ``XPNET_BACKEND`` (``"torch"``,
    ``"cupy:1"``, ``"array_api_strict:device1"``), else ``"numpy"``.
    """
    global _global
    _global = get_backend(name, device)
    return _global


@contextlib.contextmanager
def use_backend(name: str | Backend, device: Any = None) -> Iterator[Backend]:
    """Within the ``with`` block (this thread or task only), new tensors use this backend."""
    token = _current.set(get_backend(name, device))
    try:
        b = _current.get()
        assert b is not None
        yield b
    finally:
        _current.reset(token)


def available_backends() -> list[str]:
    """The names of the backends usable on this machine (CuPy only with a usable GPU)."""
    names = []
    for name in _CLASSES:
        try:
            get_backend(name)
        except BackendError:
            continue
        names.append(name)
    return names
