"""CuPy on a CUDA GPU. Needs both a successful import and ``cupy.cuda.is_available()``."""

from __future__ import annotations

import contextlib
import math
import types
import warnings
from typing import Any

import numpy as np

from .._errors import BackendUnavailableError, DeviceError, PerformanceWarning
from . import _philox as philox
from ._base import METHOD_KERNELS, Array, Backend, Gather, native_key
from ._cuda_graph import CudaGraph
from ._cupy_kernels import KERNELS

_INSTALL_HINT = (
    "install it with: pip install 'xpnet[cuda13]' (or 'xpnet[cuda12]' for a CUDA 12 driver)"
)


def _cupy() -> types.ModuleType:
    try:
        import cupy
    except ImportError as e:
        raise BackendUnavailableError(f"backend 'cupy' needs CuPy ({e}); {_INSTALL_HINT}") from None
    try:
        usable = cupy.cuda.is_available()
    except Exception as e:  # a broken CUDA install raises instead of answering
        usable, why = False, f"{type(e).__name__}: {e}"
    else:
        why = "cupy.cuda.is_available() is False"
    if not usable:
        raise BackendUnavailableError(
            f"backend 'cupy' is installed but has no usable CUDA GPU ({why}); "
            "use backend='numpy' on this machine"
        )
    return cupy


_NO_AT: set[str] = set()  # scatters whose CuPy ufunc.at failed once here


class CupyBackend(Backend):
    name = "cupy"
    array_check = "is_cupy_array"
    native_rng = True
    needs_context = True
    collective = "nccl"
    __slots__ = ()

    def bitcast(self, arr: Array, dtype: Any) -> Array:
        return arr.view(dtype)

    def device_pointer(self, arr: Any) -> int:
        return int(arr.data.ptr)

    def device_graph(self) -> CudaGraph:
        return CudaGraph(self)

    def stream_pointer(self) -> int:
        import cupy

        return int(cupy.cuda.get_current_stream().ptr)

    def current(self) -> contextlib.AbstractContextManager[Any]:
        import cupy  # switching devices costs a driver call: only when another one is current

        if cupy.cuda.runtime.getDevice() == self.device.id:
            return contextlib.nullcontext()
        return self.device

    @classmethod
    def namespace(cls) -> types.ModuleType:
        _cupy()
        import array_api_compat.cupy as xp

        return xp

    @classmethod
    def parse_device(cls, spec: Any) -> tuple[Any, Any]:
        cupy = _cupy()
        if isinstance(spec, cupy.cuda.Device):
            index = spec.id
        elif spec is None:
            index = cupy.cuda.Device().id
        elif isinstance(spec, int) and not isinstance(spec, bool):
            index = spec
        elif isinstance(spec, str) and spec.isdigit():  # XPNET_BACKEND=cupy:1
            index = int(spec)
        elif isinstance(spec, str) and spec.split(":")[0] in ("cuda", "gpu"):
            rest = spec.split(":", 1)[1] if ":" in spec else "0"
            if not rest.isdigit():
                raise DeviceError(f"unknown device {spec!r} for backend 'cupy'")
            index = int(rest)
        else:
            raise DeviceError(
                f"unknown device {spec!r} for backend 'cupy'; expected 'cuda', 'cuda:N' or N"
            )
        count = cupy.cuda.runtime.getDeviceCount()
        if not 0 <= index < count:
            raise DeviceError(f"device {spec!r}: CuPy sees {count} CUDA device(s)")
        return cupy.cuda.Device(index), index

    def device_count(self) -> int:
        return int(_cupy().cuda.runtime.getDeviceCount())

    @property
    def device_str(self) -> str:
        return f"cuda:{self.device.id}"

    @property
    def atomic_scatter(self) -> bool:
        return True

    @property
    def host_visible(self) -> bool:
        return False

    def read_host(self, arr: Array) -> np.ndarray:
        return np.asarray(arr.get())

    def to_device(self, arr: Array) -> Array:
        import cupy

        with self.device:
            return cupy.asarray(arr)

    def synchronize(self) -> None:
        self.device.synchronize()

    def memory_allocated(self) -> int:
        import cupy

        with self.device:
            return int(cupy.get_default_memory_pool().used_bytes())

    def empty_cache(self) -> None:
        import cupy

        with self.device:
            cupy.get_default_memory_pool().free_all_blocks()
        cupy.get_default_pinned_memory_pool().free_all_blocks()

    def device_name(self) -> str:
        import cupy

        name = cupy.cuda.runtime.getDeviceProperties(self.device.id)["name"]
        return name.decode() if isinstance(name, bytes) else str(name)

    def write_host(self, arr: Array, values: Any) -> None:
        arr.set(np.asarray(values, dtype=arr.dtype))  # one copy to the device, stream-ordered

    def clip(self, arr: Array, lo: float | None, hi: float | None) -> Array:
        import cupy  # array-api-compat's clip builds boolean masks that sync on the host

        with self.device:
            return cupy.clip(arr, lo, hi)

    def native_kernels(self) -> dict[str, Any]:
        import cupy
        import cupyx.scipy.special

        return {
            "erf": lambda b, x: cupyx.scipy.special.erf(x),
            "erfc": lambda b, x: cupyx.scipy.special.erfc(x),
            "erfinv": lambda b, x: cupyx.scipy.special.erfinv(x),
            "lgamma": lambda b, x: cupyx.scipy.special.gammaln(x),
            "polygamma": lambda b, x, n: (
                cupyx.scipy.special.digamma(x)
                if n == 0
                else cupyx.scipy.special.polygamma(n, x).astype(x.dtype)
            ),
            "matmul": lambda b, x, y: cupy.matmul(x, y),  # array-api-compat's is a wrapper
            **METHOD_KERNELS,
            **KERNELS,
        }

    def _scatter_add_advanced(
        self, shape: tuple[int, ...], how: Gather, values: Array, indices: tuple[Array, ...]
    ) -> Array:
        import cupy  # cupy.add.at: cupyx.scatter_add is deprecated since CuPy 13.6

        out = self.zeros(shape, values.dtype)
        with self.device:
            cupy.add.at(out, native_key(how, values.shape, cupy.arange, indices), values)
        return out

    def scatter_reduce_flat(self, size: int, positions: Array, values: Array, reduce: str) -> Array:
        """CuPy's ``maximum.at``/``minimum.at`` (atomic extremes: deterministic); a product,
        or a CuPy whose ``ufunc.at`` lacks them (warned once), through the one-hot blocks."""
        at = None
        if reduce != "prod" and "scatter_reduce" not in _NO_AT:
            import cupy

            at = getattr(cupy.maximum if reduce == "amax" else cupy.minimum, "at", None)
        if at is None:
            return super().scatter_reduce_flat(size, positions, values, reduce)
        out = self.full((size,), self.reduce_identity(values.dtype, reduce), values.dtype)
        try:
            with self.device:
                at(out, positions, values)
        except (NotImplementedError, TypeError) as e:  # this CuPy's at lacks the ufunc/dtype
            _NO_AT.add("scatter_reduce")
            warnings.warn(
                f"xpnet: CuPy's {reduce} scatter is unavailable here ({e}); scatter_reduce "
                "runs through one-hot blocks instead (slower, same values)",
                PerformanceWarning,
                stacklevel=2,
            )
            return super().scatter_reduce_flat(size, positions, values, reduce)
        return out

    # -- random numbers: Philox4x32-10, state (key, counter) (see _philox.py) ----
    def _rng_new(self, seed: int | None) -> Any:
        return {"key": philox.key_for(seed, self.device.id), "counter": 0}

    def _words(self, state: dict[str, Any], n: int) -> tuple[Array, Array]:
        import cupy

        k0, k1 = state["key"]
        with self.device:
            w0 = cupy.empty(n, dtype=cupy.uint32)
            w1 = cupy.empty(n, dtype=cupy.uint32)
            if n:
                _philox_kernel()(np.uint32(k0), np.uint32(k1), np.uint64(state["counter"]), w0, w1)
        state["counter"] += n
        return w0, w1

    def _rng_uniform(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        w0, w1 = self._words(state, math.prod(shape))
        with self.device:
            u = philox.uniform_from(w0, w1, self.dtype_name(dtype) == "float64")
            return u.reshape(shape).astype(dtype, copy=False)

    def _rng_normal(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        import cupy

        w0, w1 = self._words(state, math.prod(shape))
        wide = cupy.float64 if self.dtype_name(dtype) == "float64" else cupy.float32
        with self.device:  # Box-Muller: u1 in (0, 1], u2 in [0, 1)
            u1 = (w0.astype(wide) + 1.0) * (2.0**-32)
            u2 = w1.astype(wide) * (2.0**-32)
            z = cupy.sqrt(-2.0 * cupy.log(u1)) * cupy.cos((2.0 * math.pi) * u2)
            return z.reshape(shape).astype(dtype, copy=False)  # float16: drawn in float32

    def _bits64(self, state: Any, n: int) -> Array:
        import cupy

        w0, w1 = self._words(state, n)
        with self.device:
            return (w0.astype(cupy.uint64) << 32) | w1.astype(cupy.uint64)

    def _rng_integers(
        self, state: Any, low: int, high: int, shape: tuple[int, ...], dtype: Any
    ) -> Array:
        import cupy

        bits = self._bits64(state, math.prod(shape))
        with self.device:
            span = cupy.uint64(high - low)
            return ((bits % span).astype(cupy.int64) + low).reshape(shape).astype(dtype)

    def _rng_permutation(self, state: Any, n: int, dtype: Any) -> Array:
        import cupy

        keys = self._bits64(state, n)
        with self.device:  # a sort by random keys (CuPy's generator has no permutation)
            return cupy.argsort(keys).astype(dtype)

    def _rng_get_state(self, state: Any) -> Any:
        return {"philox": [int(state["key"][0]), int(state["key"][1]), int(state["counter"])]}

    def _rng_set_state(self, state: Any, saved: Any) -> None:
        k0, k1, counter = saved["philox"]
        state["key"], state["counter"] = (int(k0), int(k1)), int(counter)


_KERNEL: Any = None


def _philox_kernel() -> Any:
    global _KERNEL
    if _KERNEL is None:
        import cupy

        _KERNEL = cupy.ElementwiseKernel(
            "uint32 k0, uint32 k1, uint64 base", "uint32 w0, uint32 w1", philox.CUDA_SOURCE,
            "xpnet_philox4x32_10",
        )  # fmt: skip
    return _KERNEL
