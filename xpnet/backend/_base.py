"""The `Backend` object: one array library (its Array API namespace) on one device.

Everything in this file is written against the standard alone. The subclasses in
the sibling modules override only what a library does better natively (fast
scatter-add, native RNG, host transfer), and they are the only place in xpnet
that knows about individual array libraries.
"""

from __future__ import annotations

import abc
import contextlib
import importlib
import math
import types
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

import numpy as np

from .._capture import ACTIVE, recorder
from .._errors import DTypeError, NotSupportedError
from ._default_dtype import default_complex_name, default_float_name
from ._determinism import check_deterministic

Array = Any  # a native array of the backend's library

# Reads of device values to the host (Backend.to_numpy on a backend that is not
# host_visible). A plain counter, always on: tests assert that training steps
# on a device make none.
HOST_READS = [0]
_DLPACK_CPU = 1  # DLPack's device type of host memory

# ``how`` describes a gather (the forward of getitem/take/take_along_axis) so the
# matching scatter-add (its VJP) can be built on any backend:
#   ("getitem", key) | ("take", indices, axis) | ("take_along_axis", indices, axis)
Gather = tuple[Any, ...]

_BASIC_INDEX_TYPES = (int, slice, type(None), type(Ellipsis))
DTYPE_NAMES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)


def bfloat16_host(values: np.ndarray) -> np.ndarray:
    """float32 ``values`` that are all bfloat16 numbers as a host bfloat16 array: ml_dtypes'
    bfloat16 (what JAX's arrays give) where installed, else the float32 array itself."""
    try:
        import ml_dtypes
    except ImportError:
        return values
    return values.astype(ml_dtypes.bfloat16)


def is_basic_key(key: tuple[Any, ...]) -> bool:
    """True when an index key holds only ints, slices, None and Ellipsis."""
    return all(isinstance(k, _BASIC_INDEX_TYPES) for k in key)


def reciprocal(n: float) -> float:
    """1/n, and NaN for n <= 0 (a mean of nothing, or no degrees of freedom), as in PyTorch:
    the scale of every mean, in ops and in the backends' fused kernels alike."""
    return 1.0 / n if n > 0 else math.nan


def pool_windows(shape: tuple[int, ...], kernel: tuple[int, int]) -> list[tuple[Any, ...]]:
    """The index keys of the kh*kw strided views of x (last two axes) under each position
    of a non-overlapping window (stride = kernel, no padding): x[key] is (..., Ho, Wo)."""
    kh, kw = kernel
    ho, wo = shape[-2] // kh, shape[-1] // kw
    return [
        (Ellipsis, slice(i, i + kh * (ho - 1) + 1, kh), slice(j, j + kw * (wo - 1) + 1, kw))
        for i in range(kh)
        for j in range(kw)
    ]


# reshape and permute_dims as the arrays' own methods, for the libraries whose arrays
# have NumPy's (NumPy, CuPy): past array-api-compat's and the library's Python
# wrappers, which cost microseconds a call (the results are the same views)
METHOD_KERNELS: dict[str, Callable[..., Any]] = {
    "reshape": lambda b, x, *, shape: x.reshape(shape),
    "permute_dims": lambda b, x, *, axes: x.transpose(axes),
}


def _refused_shared(e: Exception) -> bool:
    """The library's refusal to write into a read-only (NumPy) or self-overlapping
    (PyTorch) array."""
    text = str(e)
    return "read-only" in text or "single memory location" in text


class Backend(abc.ABC):
    """An array library's Array API namespace ``xp`` together with a native device.

    Backends are cached: asking twice for the same library and device returns the
    same object, so ops compare backends by identity. Get one with
    ``xn.get_backend(name, device)``.

    The contract. A backend is a subclass in one file of ``xpnet/backend/`` (plus
    one line in the registry's table, or ``register_backend`` from outside) that
    **must** define:

    - ``name``: the library's name in xpnet;
    - ``namespace()``: the Array API namespace (import the library inside it, so
      xpnet imports only the libraries asked for);
    - ``parse_device(spec)``: ``(native device, hashable cache key)`` for a spelling
      (None: the default device), raising ``DeviceError`` for an unknown one;
    - ``owns(obj)``: whether an object is one of the library's arrays.

    and **may** override, where the library does better than the standard-only
    defaults here: ``device_str``, ``host_visible``, ``read_host`` and ``to_device``
    (transfers), ``current()`` with ``needs_context`` (libraries with a current
    device), ``gather``/``setitem``/``_scatter_add_advanced``/``_scatter_add_flat``
    (indexing and its VJP), ``clip``, ``native_kernels()`` (native implementations
    of primitives, e.g. erf), and the ``_rng_*`` methods with ``native_rng`` (its
    own random numbers; host PCG64 otherwise). The capability flags below tell the
    rest of xpnet what the arrays can do.
    """

    name: ClassVar[str] = "standard"
    mutable: ClassVar[bool] = True  # arrays support in-place __setitem__ and +=
    host_format: ClassVar[bool] = False  # its arrays are host data (NumPy): xn.tensor moves them
    # True when the library runs work on a "current device" (CuPy): every primitive
    # call and creation then happens inside ``current()``.
    needs_context: ClassVar[bool] = False
    native_rng: ClassVar[bool] = False  # False: random draws happen on the host
    # True where NumPy allocates the arrays (glibc malloc): the first such backend
    # fixes malloc's thresholds for training loops (_host_memory.py)
    malloc_arrays: ClassVar[bool] = False
    # False where float16 arithmetic is emulated in software (NumPy on the CPU): autocast
    # to float16 then runs correctly but several times slower than float32, and says so.
    fast_float16: ClassVar[bool] = True
    # The transport ``xpnet.distributed`` uses for these arrays: "mpi" (through host
    # memory), "nccl" (device memory, CuPy) or "torch" (torch.distributed).
    collective: ClassVar[str] = "mpi"

    # The namespace module to import, and array-api-compat's test of "is this one of
    # the library's arrays" (by name): most backends need only these two lines.
    namespace_module: ClassVar[str] = ""
    array_check: ClassVar[str] = ""

    def device_pointer(self, arr: Array) -> int:
        """The address of ``arr``'s first element in device memory (NCCL transport only)."""
        raise NotSupportedError(f"backend {self.name!r} has no device pointers")

    def stream_pointer(self) -> int:
        """The handle of the stream work is queued on (NCCL transport only)."""
        raise NotSupportedError(f"backend {self.name!r} has no streams")

    def device_count(self) -> int:
        """How many devices of this kind the process sees (one per rank on a machine)."""
        return 1

    def devices(self) -> list[Any]:
        """The library's devices that xpnet can compute on (the namespace info's
        ``devices()``), as the standard's list."""
        return list(self.xp.__array_namespace_info__().devices())

    # -- how xn.compile may replay a recorded step on this backend -----------
    def device_graph(self) -> Any:
        """A fresh device graph (``CudaGraph`` on CuPy) to capture a program into and
        launch as one call, or None where the library has none."""
        return None

    def jit_compiler(self) -> Callable[[Callable[..., Any]], Callable[..., Any]] | None:
        """The library's compiler of pure functions of arrays (``jax.jit`` on JAX), or None
        where it has none."""
        return None

    # -- the contract every backend must fill --------------------------------
    @classmethod
    def namespace(cls) -> types.ModuleType:
        """The library's Array API namespace (imported here, on first use)."""
        if not cls.namespace_module:
            raise NotSupportedError(f"backend {cls.name!r} defines no namespace")
        return importlib.import_module(cls.namespace_module)

    @classmethod
    @abc.abstractmethod
    def parse_device(cls, spec: Any) -> tuple[Any, Hashable]:
        """``(native device, cache key)`` for a device spelling; None means the default device."""

    __slots__ = (
        "_generator",
        "_pending",
        "device",
        "dtypes",
        "float64",
        "float_dtypes",
        "inexact_dtypes",
        "kernels",
        "xp",
    )

    def __init__(self, xp: types.ModuleType, device: Any) -> None:
        self.xp = xp
        self.device = device
        # Native implementations of primitives, by primitive name: used instead of
        # the primitive's generic (standard-only) implementation on this backend.
        self.kernels: dict[str, Callable[..., Any]] = dict(self.native_kernels())
        self._pending: list[tuple[Array, Callable[[], Exception]]] = []
        self.dtypes: dict[str, Any] = {}
        for n in DTYPE_NAMES:
            dt = getattr(xp, n, None)
            if dt is not None:
                self.dtypes[n] = self._canonical(dt)
        self.float_dtypes = frozenset(
            self.dtypes[n]
            for n in ("float16", "bfloat16", "float32", "float64")
            if n in self.dtypes
        )
        self._set_inexact()
        self.float64 = self._supports_float64()
        self._generator: Any = None

    def _set_inexact(self) -> None:
        """The dtypes that can carry gradients: the floating ones and the complex ones."""
        self.inexact_dtypes = self.float_dtypes | frozenset(
            self.dtypes[n] for n in ("complex64", "complex128") if n in self.dtypes
        )

    def _canonical(self, dt: Any) -> Any:
        # Arrays report dtype *instances* (NumPy's dtype('float32'), not np.float32),
        # which hash differently: keep the instance so set lookups work.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # JAX warns when it would narrow a dtype
                found = self.xp.empty((0,), dtype=dt).dtype
        except Exception:
            return dt
        return found if found == dt else dt

    # -- recognising arrays ------------------------------------------------
    @classmethod
    def owns(cls, obj: Any) -> bool:
        """True when ``obj`` is an array of this backend's library."""
        if not cls.array_check:
            return False
        import array_api_compat

        return bool(getattr(array_api_compat, cls.array_check)(obj))

    @classmethod
    def device_of(cls, obj: Any) -> Any:
        """The device of an array this backend owns."""
        import array_api_compat

        return array_api_compat.device(obj)

    # -- kernels -------------------------------------------------------------
    def native_kernels(self) -> dict[str, Callable[..., Any]]:
        """The library's own implementations of primitives (``impl(backend, *arrays, **params)``)."""
        return {}

    def register_kernel(self, name: str, impl: Callable[..., Any] | None) -> None:
        """Run ``impl`` for the primitive ``name`` on this backend (None: back to the generic one).

        ``impl`` takes what the primitive's own implementation takes and must
        return the same values (tests compare them), or ``NotImplemented`` to decline
        a call (the generic implementation then runs); the VJP rules stay the same.
        """
        if impl is None:
            self.kernels.pop(name, None)
        else:
            self.kernels[name] = impl

    # -- description -------------------------------------------------------
    def __repr__(self) -> str:
        return f"Backend({self.name!r}, device={self.device_str!r})"

    # Backends are cached and compared by identity: a copy is the same backend (and a
    # pickled one is looked up again by name and device: the registry's reducer).
    def __copy__(self) -> Backend:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Backend:
        return self

    @property
    def device_str(self) -> str:
        """The device in words, for messages."""
        return str(self.device)

    def _supports_float64(self) -> bool:
        info = getattr(self.xp, "__array_namespace_info__", None)
        if info is None:
            return True
        try:
            return "float64" in info().dtypes(device=self.device, kind="real floating")
        except Exception:
            return True

    # -- dtypes ------------------------------------------------------------
    def dtype(self, spec: Any) -> Any:
        """Turn ``"float32"`` (or the library's own dtype object) into this backend's dtype."""
        if spec is None:
            return None
        if isinstance(spec, str):
            dt = self.dtypes.get(spec)
            if dt is None:
                raise DTypeError(f"unknown dtype {spec!r} for backend {self.name!r}")
            if spec == "float64" and not self.float64:
                raise DTypeError(
                    f"device {self.device_str!r} of backend {self.name!r} has no float64"
                )
            return dt
        if spec is bool or spec is int or spec is float:  # the Python types themselves
            return self.dtype({bool: "bool", int: "int64", float: default_float_name()}[spec])
        for dt in self.dtypes.values():
            if spec == dt:
                return dt
        # A NumPy dtype or another library's dtype: go by name.
        name = getattr(spec, "name", None) or str(spec).rsplit(".", 1)[-1]
        if name in self.dtypes:
            return self.dtype(name)
        raise DTypeError(f"{spec!r} is not a dtype of backend {self.name!r}")

    def dtype_name(self, dtype: Any) -> str:
        for n, dt in self.dtypes.items():
            if dt == dtype:
                return n
        return str(dtype)

    def is_float(self, dtype: Any) -> bool:
        return dtype in self.float_dtypes

    def is_complex(self, dtype: Any) -> bool:
        return dtype in self.inexact_dtypes and dtype not in self.float_dtypes

    def is_inexact(self, dtype: Any) -> bool:
        """Floating or complex: the dtypes that can require grad."""
        return dtype in self.inexact_dtypes

    @property
    def default_float(self) -> Any:
        """float32, unless ``xn.set_default_dtype`` chose float64."""
        return self.dtype(default_float_name())

    @property
    def default_complex(self) -> Any:
        """The dtype of Python complex data: complex64 beside the float32 default."""
        return self.dtype(default_complex_name())

    def float_dtype(self, spec: Any = None) -> Any:
        """``spec`` as this backend's dtype, or the default float (float32) when it is None."""
        return self.default_float if spec is None else self.dtype(spec)

    # -- arrays ------------------------------------------------------------
    def asarray(self, obj: Any, dtype: Any = None) -> Array:
        with self.current():
            return self.xp.asarray(obj, dtype=dtype, device=self.device)

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> Array:
        with self.current():
            return self.xp.zeros(shape, dtype=dtype, device=self.device)

    # Creation on this backend's device (array-api-compat ignores device= for CuPy,
    # which allocates on its current device: hence current()).
    def full(self, shape: tuple[int, ...], value: Any, dtype: Any) -> Array:
        with self.current():
            return self.xp.full(shape, value, dtype=dtype, device=self.device)

    def full_like(self, arr: Array, value: Any, dtype: Any = None) -> Array:
        with self.current():
            return self.xp.full(arr.shape, value, dtype=dtype or arr.dtype, device=self.device)

    def arange(self, start: Any, stop: Any, step: Any, dtype: Any) -> Array:
        with self.current():
            return self.xp.arange(start, stop, step, dtype=dtype, device=self.device)

    def linspace(self, start: float, stop: float, num: int, dtype: Any) -> Array:
        with self.current():
            return self.xp.linspace(start, stop, num, dtype=dtype, device=self.device)

    def eye(self, n: int, m: int | None, dtype: Any) -> Array:
        with self.current():
            return self.xp.eye(n, m, dtype=dtype, device=self.device)

    def to_numpy(self, arr: Array) -> np.ndarray:
        """A host NumPy copy of ``arr``: every read of values to the host goes through here.

        Deferred checks (see ``check``) raise here first; ``HOST_READS`` counts the
        reads of device backends (tests prove a training step makes none).
        """
        self._host_read()
        return self.read_host(arr)

    def host_alias(self, arr: Array) -> np.ndarray:
        """``arr`` as a host NumPy array sharing its memory where the library keeps it so
        (the NumPy backend: PyTorch's ``numpy()`` of a CPU tensor), else a copy (``to_numpy``)."""
        return self.to_numpy(arr)

    def scalar(self, arr: Array) -> Any:
        """The value of a one-element ``arr`` as a Python scalar: a host read, as ``to_numpy``."""
        self._host_read()
        return self.read_scalar(arr)

    def _host_read(self) -> None:
        """What every read of values to the host does first (see ``to_numpy``)."""
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.host_read()
        if self._pending:
            self.flush_checks()
        if not self.host_visible:
            HOST_READS[0] += 1

    def read_scalar(self, arr: Array) -> Any:
        """The value of a one-element ``arr`` as a Python scalar, as it is now."""
        return self.read_host(arr).reshape(()).item()

    def read_host(self, arr: Array) -> np.ndarray:
        """A host copy of ``arr`` as it is now: no deferred checks run, no host read counted
        (``to_numpy`` is the user-facing read)."""
        return np.array(np.from_dlpack(arr), copy=True)

    @property
    def host_visible(self) -> bool:
        """True when reading values needs no device synchronisation (CPU memory)."""
        return True

    def current(self) -> contextlib.AbstractContextManager[Any]:
        """A context in which the library allocates and launches on this backend's device."""
        return contextlib.nullcontext()

    # -- value checks without a device synchronisation -----------------------
    def check(self, bad: Array, error: Callable[[], Exception]) -> None:
        """Raise ``error()`` if the 0-d boolean ``bad`` holds True.

        On a host backend the check happens now. On a device it is deferred, as
        Chainer's debug checks and JAX's checkify are: it raises at the next read
        of any value of this backend to the host (``item()``, ``numpy()``...), so a
        training step never waits for the device. The operation itself must keep
        going safely meanwhile (clamped indices, NaN results).
        """
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.check(self, bad, error)
        if self.host_visible:
            if self.read_scalar(bad):
                raise error()
            return
        self._pending.append((bad, error))
        if len(self._pending) >= 256:  # nobody reads: check in batches all the same
            self.flush_checks()

    def flush_checks(self) -> None:
        """Run the deferred checks now (one host read for all of them)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        flags = self.read_host(self.xp.stack([b for b, _ in pending]))
        HOST_READS[0] += 1
        for flag, (_, error) in zip(flags.reshape(-1), pending, strict=True):
            if flag:
                raise error()

    def from_numpy(self, arr: np.ndarray, dtype: Any = None, copy: bool = False) -> Array:
        """``arr`` (host data) as an array of this backend; ``copy``: never share its memory."""
        if copy:
            name = None if dtype is None else self.dtype_name(dtype)
            if name in DTYPE_NAMES and name != "bfloat16" and arr.dtype != np.dtype(name):
                arr = arr.astype(name)  # cast on the host (torch cannot cast a 0-d array here)
            with self.current():
                return self.xp.asarray(arr, dtype=dtype, device=self.device, copy=True)
        return self.asarray(arr, dtype=dtype)

    def to_device(self, arr: Array) -> Array:
        """Copy ``arr`` (an array of this library) to this backend's device."""
        return arr.to_device(self.device)

    def receive(self, arr: Array, src: Backend) -> Array:
        """``arr``, an array of backend ``src``, as an array of this backend and device.

        Within one library it moves device to device; across libraries it goes
        through a host NumPy copy.
        """
        if src is self:
            return arr
        if src.name == self.name:
            return self.to_device(arr)
        if not (src.host_visible and self.host_visible):
            # Device memory: hand it over through DLPack where both sit on the same
            # device (CuPy to torch on one GPU), then copy there; never via the host.
            try:
                where = tuple(arr.__dlpack_device__())
                same = where[0] != _DLPACK_CPU and where == self.dlpack_device()
            except Exception:  # a library without DLPack device queries
                same = False
            if same:
                with self.current():
                    return self.xp.asarray(self.xp.from_dlpack(arr), copy=True)
        return self.from_numpy(src.to_numpy(arr))

    def dlpack_device(self) -> tuple[int, int]:
        """This backend's device as DLPack names it: (device type, index)."""
        with self.current():
            probe = self.xp.empty((0,), dtype=self.default_float, device=self.device)
        return tuple(probe.__dlpack_device__())

    def eig(self, arr: Array) -> tuple[Array, Array]:
        """(eigenvalues, eigenvectors) of square matrices, from one call so their orders
        agree; NumPy's on the host where the library has no eig (the 2024.12 standard has
        none: this is its 2025.12 addition)."""
        xp = self.xp
        dtype = arr.dtype
        if bool(xp.all(xp.imag(arr) == 0)):
            # a real matrix (xpnet's eig takes it cast to complex): the real eig gives its
            # complex eigenvalues in exact conjugate pairs, as PyTorch's and NumPy's do
            arr = xp.real(arr)
        values, vectors = self._native_eig(arr)
        return xp.astype(values, dtype), xp.astype(vectors, dtype)

    def bitcast(self, arr: Array, dtype: Any) -> Array:
        """``arr``'s bytes read as ``dtype`` (PyTorch's ``view(dtype)``: the last axis
        scaled by the ratio of the item sizes). A host copy here; the libraries with a
        native view (NumPy, PyTorch, CuPy) share ``arr``'s memory instead."""
        host = np.ascontiguousarray(self.read_host(arr))
        return self.from_numpy(host.view(self.dtype_name(dtype)), dtype, copy=True)

    def _native_eig(self, arr: Array) -> tuple[Array, Array]:
        f = getattr(self.xp.linalg, "eig", None)
        return self._host_eig(arr) if f is None else f(arr)

    def _host_eig(self, arr: Array) -> tuple[Array, Array]:
        values, vectors = np.linalg.eig(self.read_host(arr))
        return tuple(
            self.from_numpy(np.ascontiguousarray(a), self.dtype(a.dtype.name))
            for a in (values, vectors)
        )

    def synchronize(self) -> None:
        """Wait for queued device work (a no-op on the CPU)."""
        return None

    def memory_allocated(self) -> int:
        """Bytes of device memory held by live arrays (0 where the host's allocator is used)."""
        return 0

    def empty_cache(self) -> None:
        """Return cached, unused device memory to the driver (nothing to do on the CPU)."""
        return None

    def device_name(self) -> str:
        """The device's name as its driver reports it."""
        return self.device_str

    def clip(self, arr: Array, lo: float | None, hi: float | None) -> Array:
        """``arr`` limited to [lo, hi] (Python scalar bounds; None: unbounded)."""
        return self.xp.clip(arr, min=lo, max=hi)

    def fill(self, arr: Array, value: Any) -> Array:
        """Every element of ``arr`` set to ``value``, in place where the library allows it."""
        if self.mutable:
            return self.setitem(arr, ..., value)
        return self.xp.full_like(arr, value)

    def write_host(self, arr: Array, values: Sequence[float]) -> None:
        """Host numbers written into the 1-d ``arr`` (of a mutable library) with one copy to
        its device, each rounded to ``arr``'s dtype as ``arr[i] = value`` rounds it."""
        host = np.asarray(values, dtype=np.float64)
        with self.current():
            arr[...] = self.xp.asarray(host, dtype=arr.dtype, device=self.device)

    def setitem(self, arr: Array, key: Any, value: Any) -> Array:
        """``arr[key] = value``, in place where the library allows it; returns the result.
        An array whose elements share memory (what a broadcast inside ``tile`` or
        ``repeat`` leaves, which the library refuses to write) is copied first: the tensor
        then holds its own array, as when the operation had returned a fresh one."""
        try:
            arr[key] = value
        except (ValueError, RuntimeError) as e:
            if not _refused_shared(e):
                raise
            arr = self.xp.asarray(arr, copy=True)
            arr[key] = value
        return arr

    def assign(self, arr: Array, value: Array) -> Array:
        """``arr``'s values replaced by ``value``'s (same shape and dtype): written into
        ``arr``'s memory where the library's arrays are mutable and ``arr`` is writeable
        (so every view of it sees them, as after PyTorch's ``copy_``), else ``value``."""
        flags = getattr(arr, "flags", None)
        if self.mutable and getattr(flags, "writeable", True):
            arr[...] = value
            return arr
        return value

    # -- gathers and scatter-add (indexing and its VJP) ---------------------
    # ``how`` is static: ("getitem", key template) | ("take", axis) | ("take_along_axis",
    # axis); the index arrays come separately (``indices``), so that a recorded program
    # (xn.compile) sees them as data, not as constants.
    def gather(self, arr: Array, how: Gather, *indices: Array) -> Array:
        """Apply the gather described by ``how`` (with its index arrays) to ``arr``."""
        kind = how[0]
        if kind == "getitem":
            return arr[fill_key(how[1], indices)]
        if kind == "take":
            return self.xp.take(arr, indices[0], axis=how[1])
        return self.xp.take_along_axis(arr, indices[0], axis=how[1])

    def scatter_add(
        self, shape: tuple[int, ...], how: Gather, values: Array, *indices: Array
    ) -> Array:
        """Zeros of ``shape`` with ``values`` added at the positions ``how`` gathers.

        Positions gathered more than once (duplicate indices) accumulate.
        """
        if how[0] == "getitem" and not indices:
            # Basic indexing never repeats a position: a plain assignment does it.
            out = self.zeros(shape, values.dtype)
            key = how[1]
            if any(k is None for k in key):
                # New axes (None) are not allowed in an assignment's key (array-api-strict
                # refuses them): drop them, and the length-one axes they made in values.
                key = tuple(k for k in key if k is not None)
                values = self.xp.reshape(values, self.gather(out, ("getitem", key)).shape)
            return self.setitem(out, key, values)
        if self.atomic_scatter:
            check_deterministic("scatter_add", self)
        return self._scatter_add_advanced(shape, how, values, indices)

    @property
    def atomic_scatter(self) -> bool:
        """Whether ``_scatter_add_advanced`` adds with atomics (on a GPU): not deterministic."""
        return False

    def _scatter_add_advanced(
        self, shape: tuple[int, ...], how: Gather, values: Array, indices: tuple[Array, ...]
    ) -> Array:
        # Gather the flat position of every element with the same gather, then
        # accumulate the values into a flat buffer at those positions.
        xp = self.xp
        size = math.prod(shape)
        positions = xp.reshape(self.arange(0, size, 1, None), shape)
        positions = xp.reshape(self.gather(positions, how, *indices), (-1,))
        flat = self._scatter_add_flat(size, positions, xp.reshape(values, (-1,)))
        return xp.reshape(flat, shape)

    def _scatter_add_flat(self, size: int, positions: Array, values: Array) -> Array:
        # Standard-only fallback: a one-hot matrix product, in chunks that keep
        # the one-hot block near 4M elements. Exact for duplicates.
        xp = self.xp
        out = self.zeros((size,), values.dtype)
        columns = xp.arange(size, device=self.device)
        n = positions.shape[0]
        step = max(1, (1 << 22) // max(size, 1))
        for start in range(0, n, step):
            stop = min(start + step, n)
            p, v = positions[start:stop], values[start:stop]
            onehot = xp.astype(p[:, None] == columns[None, :], values.dtype)
            out = out + xp.matmul(v, onehot)
        return out

    # -- scatter-reduce (PyTorch's scatter_reduce / index_reduce: amax, amin, prod) --
    def reduce_identity(self, dtype: Any, reduce: str) -> Any:
        """The value a position no element is sent to keeps in ``scatter_reduce_flat``:
        the identity of ``reduce`` in ``dtype`` (-inf/+inf, or the integer extremes)."""
        if reduce == "prod":
            return 1
        xp = self.xp
        if xp.isdtype(dtype, "integral"):
            info = xp.iinfo(dtype)
            return info.min if reduce == "amax" else info.max
        return -math.inf if reduce == "amax" else math.inf

    def scatter_reduce_flat(self, size: int, positions: Array, values: Array, reduce: str) -> Array:
        """A vector of ``size`` elements holding at each position the largest ("amax"),
        smallest ("amin") or product ("prod") of the ``values`` whose ``positions`` name it,
        and ``reduce_identity`` where none does. Standard-only: one-hot blocks of about 4M
        elements, each reduced along its rows (exact for repeated positions)."""
        xp = self.xp
        init = self.reduce_identity(values.dtype, reduce)
        out = self.full((size,), init, values.dtype)
        fill = self.full((1, 1), init, values.dtype)
        columns = xp.arange(size, device=self.device)
        n = positions.shape[0]
        step = max(1, (1 << 22) // max(size, 1))
        for start in range(0, n, step):
            stop = min(start + step, n)
            hit = positions[start:stop, None] == columns[None, :]
            block = xp.where(hit, values[start:stop, None], fill)
            if reduce == "amax":
                out = xp.maximum(out, xp.max(block, axis=0))
            elif reduce == "amin":
                out = xp.minimum(out, xp.min(block, axis=0))
            else:
                out = out * xp.prod(block, axis=0, dtype=values.dtype)
        return out

    # -- random numbers (host by default; see Generator) ---------------------
    def _rng_new(self, seed: int | None) -> Any:
        return np.random.default_rng(seed)

    def _rng_uniform(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        name = self.dtype_name(dtype)
        draw = state.random(shape, dtype=np.float64 if name == "float64" else np.float32)
        return self.from_numpy(draw, dtype)

    def _rng_normal(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        name = self.dtype_name(dtype)
        draw = state.standard_normal(shape, dtype=np.float64 if name == "float64" else np.float32)
        return self.from_numpy(draw, dtype)

    def _rng_integers(
        self, state: Any, low: int, high: int, shape: tuple[int, ...], dtype: Any
    ) -> Array:
        return self.from_numpy(state.integers(low, high, size=shape), dtype)

    def _rng_permutation(self, state: Any, n: int, dtype: Any) -> Array:
        return self.from_numpy(state.permutation(n), dtype)

    def _rng_get_state(self, state: Any) -> Any:
        return {"host": state.bit_generator.state}  # NumPy's PCG64

    def _rng_set_state(self, state: Any, saved: Any) -> None:
        state.bit_generator.state = saved["host"]


class _Idx:
    """Marks, in a key template, where an index array goes."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "IDX"


IDX = _Idx()


def fill_key(template: tuple[Any, ...], indices: Any) -> tuple[Any, ...]:
    """The key ``template`` with its IDX marks replaced by ``indices``, in order."""
    if not indices:
        return template
    it = iter(indices)
    return tuple(next(it) if k is IDX else k for k in template)


def native_key(
    how: Gather, out_shape: tuple[int, ...], arange: Any, indices: tuple[Any, ...]
) -> tuple[Any, ...]:
    """A NumPy-style fancy-index key equivalent to the gather ``how`` with ``indices``.

    Used by backends whose library scatters natively with such keys (NumPy's and
    CuPy's ``add.at``, JAX's ``.at[].add``). ``out_shape`` is the gathered shape;
    ``arange(n)`` builds index vectors of the library.
    """
    kind = how[0]
    if kind == "getitem":
        return fill_key(how[1], indices)
    axis = how[1]
    if kind == "take":
        return (slice(None),) * axis + (indices[0],)
    key: list[Any] = []
    ndim = len(out_shape)
    for d in range(ndim):
        if d == axis:
            key.append(indices[0])
        else:
            shape = [1] * ndim
            shape[d] = out_shape[d]
            key.append(arange(out_shape[d]).reshape(shape))
    return tuple(key)
