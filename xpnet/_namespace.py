"""xpnet as an Array API namespace: ``x.__array_namespace__()`` for xpnet tensors.

Code written only against the standard (``xp = array_namespace(x)``, then ``xp.sum``,
``xp.exp``...) given xpnet tensors gets this namespace and runs on xpnet's ops, so it
is differentiable unchanged. The namespace is bound to one backend: creation
functions (``xp.zeros``, ``xp.asarray``...) make tensors on it, and its dtype
constants are that library's dtype objects, so ``x.dtype == xp.float32`` holds.
The functions it lacks (the ``fft`` extension) are listed in docs/array_api.md;
asking for one raises AttributeError, as the standard's optional-extension checks
(``hasattr(xp, "fft")``) expect.
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from ._errors import ArgumentError, MissingFunctionError, NotSupportedError
from .autodiff.internal import TensorBase, is_tensor
from .backend import Backend, get_backend

if TYPE_CHECKING:
    from .tensor import Tensor

API_VERSION = "2024.12"

# xpnet's ops beyond the standard: left out of the namespace, which holds every other op
# of ``xpnet.ops.__all__`` (a new standard op appears here by being added to the ops).
BEYOND_STANDARD = frozenset(
    [
        "einsum",
        "erf",
        "flatten",
        "getitem",
        "log_softmax",
        "logsumexp",
        "pad",
        "rand",
        "randint",
        "randn",
        "randperm",
        "relu",
        "scatter_add",
        "setitem",
        "sigmoid",
        "softmax",
        "swapaxes",
        "tensor",
        "to",
    ]
)
LINALG = tuple(ops.linalg.__all__)


class _Linalg:
    """The ``linalg`` extension of one backend's namespace."""

    def __init__(self) -> None:
        for name in LINALG:
            setattr(self, name, getattr(ops.linalg, name))


class _Fft:
    """The ``fft`` extension of one backend's namespace (``fftfreq``/``rfftfreq`` make
    tensors on its backend, with the standard's ``device=``)."""

    def __init__(self, backend: Backend) -> None:
        for name in ops.fft.__all__:
            setattr(self, name, getattr(ops.fft, name))

        def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
            return ops.fft.fftfreq(n, d=d, dtype=dtype, backend=backend, device=device)

        def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
            return ops.fft.rfftfreq(n, d=d, dtype=dtype, backend=backend, device=device)

        self.fftfreq, self.rfftfreq = fftfreq, rfftfreq


class ArrayNamespace:
    """The Array API 2024.12 namespace over xpnet tensors of one backend (see the module)."""

    __array_api_version__ = API_VERSION
    __name__ = "xpnet"  # array-api-compat compares namespaces by name
    e, inf, nan, pi, newaxis = math.e, math.inf, math.nan, math.pi, None

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        creation = _creation(backend)
        own = set(vars(ArrayNamespace)) | set(creation)  # the standard's signatures, here
        for name in ops.__all__:
            if name not in BEYOND_STANDARD and name not in own:
                setattr(self, name, getattr(ops, name))
        for name, dt in backend.dtypes.items():
            setattr(self, name, dt)
        for name, fn in creation.items():
            setattr(self, name, fn)
        self.linalg = _Linalg()
        self.fft = _Fft(backend)

    def __repr__(self) -> str:
        return f"<xpnet Array API namespace ({API_VERSION}) on {self.backend}>"

    def __getattr__(self, name: str) -> Any:
        # Only names the namespace does not have reach here.
        raise MissingFunctionError(
            f"the xpnet namespace has no {name!r} (see docs/array_api.md for what is covered)"
        )

    # -- creation and conversion --------------------------------------------------
    def asarray(
        self, obj: Any, /, *, dtype: Any = None, device: Any = None, copy: bool | None = None
    ) -> Tensor:
        """The standard's ``asarray``, keeping the graph: an xpnet tensor comes back itself
        (or a differentiable cast, move or copy of it), so ``xp.asarray(x)`` at the top of
        a library function does not cut the gradient; a list of tensors is stacked."""
        b = self.backend if device is None else get_backend(self.backend.name, device)
        fresh = isinstance(obj, (list, tuple)) and _holds_tensors(obj)
        if fresh:
            obj = _stacked(obj)  # a new array: no further copy needed
            copy = copy and not fresh
        if is_tensor(obj):
            out = obj if obj.backend is b else ops.to(obj, backend=b.name, device=b.device)
            if dtype is not None and b.dtype(dtype) != out.dtype:
                out = ops.astype(out, dtype)
            if out is not obj and copy is False:
                raise ArgumentError(
                    "asarray(copy=False): the tensor needs a copy (another dtype or device)"
                )
            return out.clone() if copy and out is obj else out
        if copy:
            return ops.tensor(obj, dtype=dtype, backend=b)
        return ops.asarray(obj, dtype=dtype, backend=b)

    def from_dlpack(self, x: Any, /, *, device: Any = None, copy: bool | None = None) -> Tensor:
        return ops.from_dlpack(x, backend=self.backend, device=device)

    def empty_like(self, x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
        return ops.zeros_like(x, dtype=dtype)

    def zeros_like(self, x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
        return ops.zeros_like(x, dtype=dtype)

    def ones_like(self, x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
        return ops.ones_like(x, dtype=dtype)

    def full_like(
        self, x: Tensor, /, fill_value: Any, *, dtype: Any = None, device: Any = None
    ) -> Tensor:
        return ops.full_like(x, fill_value, dtype=dtype)

    def meshgrid(self, *arrays: Tensor, indexing: str = "xy") -> tuple[Tensor, ...]:
        return ops.meshgrid(*arrays, indexing=indexing)

    def tril(self, x: Tensor, /, *, k: int = 0) -> Tensor:
        return ops.tril(x, k=k)

    def triu(self, x: Tensor, /, *, k: int = 0) -> Tensor:
        return ops.triu(x, k=k)

    # -- reductions with dtype= ---------------------------------------------------
    def sum(
        self, x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False
    ) -> Tensor:
        out = ops.sum(x if dtype is None else ops.astype(x, dtype), axis=axis, keepdims=keepdims)
        return self._in(out, dtype)

    def prod(
        self, x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False
    ) -> Tensor:
        return self._in(ops.prod(x, axis=axis, keepdims=keepdims, dtype=dtype), dtype)

    def cumulative_sum(self, x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                       include_initial: bool = False) -> Tensor:  # fmt: skip
        dtype = self._accumulator(x, dtype)
        return self._in(ops.cumulative_sum(x, axis, dtype, include_initial), dtype)

    def cumulative_prod(self, x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                        include_initial: bool = False) -> Tensor:  # fmt: skip
        dtype = self._accumulator(x, dtype)
        return self._in(ops.cumulative_prod(x, axis, dtype, include_initial), dtype)

    def _accumulator(self, x: Tensor, dtype: Any) -> Any:
        """The standard's default for sums and products: the default integer for bool and
        signed integers, its unsigned twin for unsigned ones (``sum`` gets it from the
        library; ``cumulative_*`` keep the input's dtype in NumPy)."""
        if dtype is not None:
            return dtype
        xp = self.backend.xp
        if xp.isdtype(x.dtype, "unsigned integer"):
            return "uint64"
        if xp.isdtype(x.dtype, "bool") or xp.isdtype(x.dtype, "signed integer"):
            return "int64"
        return None

    def _in(self, out: Tensor, dtype: Any) -> Tensor:
        """``out`` in the ``dtype=`` asked for: libraries accumulate small integers in 64 bits
        (NumPy's sum of uint8 is uint64); the standard returns the dtype given (wrapping as
        modular arithmetic does, the same as accumulating in it)."""
        if dtype is None or out.dtype == self.backend.dtype(dtype):
            return out
        return ops.astype(out, dtype)

    def reshape(self, x: Tensor, /, shape: Any, *, copy: bool | None = None) -> Tensor:
        return ops.reshape(x, shape)

    # -- data types -----------------------------------------------------------------
    def astype(self, x: Tensor, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Tensor:
        out = x if device is None else self.asarray(x, device=device)
        if self.backend.dtype(dtype) == out.dtype:
            return out.clone() if copy and out is x else out  # copy=True: never x itself
        return ops.astype(out, dtype)

    def _native(self, v: Any) -> Any:
        return (
            v._data
            if isinstance(v, TensorBase)
            else self.backend.dtype(v)
            if isinstance(v, str)
            else v
        )

    def can_cast(self, from_: Any, to: Any, /) -> bool:
        return bool(self.backend.xp.can_cast(self._native(from_), self._native(to)))

    def result_type(self, *arrays_and_dtypes: Any) -> Any:
        return self.backend.xp.result_type(*(self._native(v) for v in arrays_and_dtypes))

    def isdtype(self, dtype: Any, kind: Any) -> bool:
        return bool(self.backend.xp.isdtype(self._native(dtype), kind))

    def finfo(self, type: Any, /) -> Any:
        """The standard's finfo: ``bits``, ``eps``, ``max``, ``min``, ``smallest_normal`` as
        Python numbers, and ``dtype``."""
        f = self.backend.xp.finfo(self._native(type))
        return _FInfo(int(f.bits), float(f.eps), float(f.max), float(f.min),
                      float(f.smallest_normal), f.dtype)  # fmt: skip

    def iinfo(self, type: Any, /) -> Any:
        return self.backend.xp.iinfo(self._native(type))

    def __array_namespace_info__(self) -> Any:
        return _Info(self.backend)


_FInfo = namedtuple("_FInfo", ["bits", "eps", "max", "min", "smallest_normal", "dtype"])


class _Info:
    """``__array_namespace_info__()``: the library's, except the defaults xpnet uses (float32
    for real floating point, as every creation function makes)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._native = backend.xp.__array_namespace_info__()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._native, name)

    def devices(self) -> list[Any]:
        """The library's devices that xpnet computes on (not PyTorch's ``meta``), as the
        standard's list (array-api-compat gives a tuple)."""
        return self._backend.devices()

    def default_dtypes(self, *, device: Any = None) -> dict[str, Any]:
        out = dict(self._native.default_dtypes(device=device))
        out["real floating"] = self._backend.default_float
        if "complex64" in self._backend.dtypes:
            out["complex floating"] = self._backend.default_complex
        return out


def _holds_tensors(obj: Any) -> bool:
    return any(
        isinstance(o, TensorBase) or (isinstance(o, (list, tuple)) and _holds_tensors(o))
        for o in obj
    )


def _stacked(obj: Any) -> Tensor:
    """A (nested) list of tensors and numbers as one tensor, differentiable in the tensors."""
    items = [_stacked(o) if isinstance(o, (list, tuple)) else o for o in obj]
    like = next(o for o in items if is_tensor(o))
    return ops.stack([o if is_tensor(o) else ops.full_like(like, o) for o in items])


def _creation(backend: Backend) -> dict[str, Any]:
    """The standard's creation functions, with its signatures, making tensors on ``backend``
    (or on ``device=`` of the same library)."""

    def on(device: Any) -> Backend:
        return backend if device is None else get_backend(backend.name, device)

    def arange(start: Any, /, stop: Any = None, step: Any = 1, *, dtype: Any = None,
               device: Any = None) -> Tensor:  # fmt: skip
        return ops.arange(start, stop, step, dtype=dtype, backend=on(device))

    def empty(shape: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
        return ops.zeros(shape, dtype=dtype, backend=on(device))

    def zeros(shape: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
        return ops.zeros(shape, dtype=dtype, backend=on(device))

    def ones(shape: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
        return ops.ones(shape, dtype=dtype, backend=on(device))

    def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype: Any = None,
            device: Any = None) -> Tensor:  # fmt: skip
        b = on(device)
        return ops.tensor(np.eye(n_rows, n_cols, k), dtype=b.float_dtype(dtype), backend=b)

    def full(shape: Any, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
        """Without ``dtype``: bool for a bool fill, the default integer for an int fill, the
        default complex dtype for a complex fill."""
        return ops.full(shape, fill_value, dtype=dtype, backend=on(device))

    def linspace(start: Any, stop: Any, /, num: int, *, dtype: Any = None, device: Any = None,
                 endpoint: bool = True) -> Tensor:  # fmt: skip
        return ops.linspace(start, stop, num, dtype=dtype, backend=on(device), endpoint=endpoint)

    return {f.__name__: f for f in (arange, empty, zeros, ones, eye, full, linspace)}


_CACHE: dict[int, ArrayNamespace] = {}


def namespace(backend: Backend) -> ArrayNamespace:
    """The namespace of ``backend``'s tensors (one per backend, cached)."""
    ns = _CACHE.get(id(backend))
    if ns is None or ns.backend is not backend:
        ns = _CACHE[id(backend)] = ArrayNamespace(backend)
    return ns


def array_namespace(x: TensorBase, api_version: str | None = None) -> ArrayNamespace:
    """The Array API namespace of ``x``'s backend (``Tensor.__array_namespace__``)."""
    if api_version not in (None, "2023.12", API_VERSION):
        raise NotSupportedError(
            f"__array_namespace__: xpnet implements the {API_VERSION} standard, not {api_version!r}"
        )
    return namespace(x.backend)
