"""NumPy on the CPU."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import DeviceError
from ._base import METHOD_KERNELS, Array, Backend, Gather, native_key


class NumpyBackend(Backend):
    name = "numpy"
    fast_float16 = False  # NumPy computes float16 in software
    namespace_module = "array_api_compat.numpy"
    native_rng = True  # NumPy's generator is the host generator
    host_format = True
    malloc_arrays = True
    __slots__ = ()

    @classmethod
    def parse_device(cls, spec: Any) -> tuple[Any, Any]:
        if spec is None or spec == "cpu" or str(spec) == "cpu":
            return "cpu", "cpu"
        raise DeviceError(f"backend 'numpy' has only the 'cpu' device, got {spec!r}")

    def asarray(self, obj: Any, dtype: Any = None) -> Array:
        return np.asarray(obj, dtype=dtype)

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> Array:
        return np.zeros(shape, dtype=dtype)

    def read_host(self, arr: Array) -> np.ndarray:
        return np.array(arr, copy=True)

    def to_device(self, arr: Array) -> Array:
        return arr

    def from_numpy(self, arr: np.ndarray, dtype: Any = None, copy: bool = False) -> Array:
        return np.array(arr, dtype=dtype, copy=True) if copy else np.asarray(arr, dtype=dtype)

    @classmethod
    def owns(cls, obj: Any) -> bool:
        return isinstance(obj, (np.ndarray, np.generic))

    def clip(self, arr: Array, lo: float | None, hi: float | None) -> Array:
        return np.clip(arr, lo, hi)

    def native_kernels(self) -> dict[str, Any]:
        # NumPy itself, past array-api-compat's Python wrappers, for the hottest primitives
        # (the same results: the spec tests run every primitive on this backend). float16
        # products (xn.autocast) run in float32 and are rounded once: NumPy has no float16
        # GEMM, and its float16 matmul is over 100x slower (GPUs accumulate in float32 too).
        kernels: dict[str, Any] = {
            "matmul": _matmul,
            "linear": _linear_kernel,
            # the ufuncs' reductions that np.sum, np.max and np.any call, without
            # their Python layers
            "sum": _reduction(np.add.reduce),
            "max": _reduction(np.maximum.reduce),
            "min": _reduction(np.minimum.reduce),
            "any": _reduction(np.logical_or.reduce, dtype=np.bool_),
            "all": _reduction(np.logical_and.reduce, dtype=np.bool_),
            **METHOD_KERNELS,
            "broadcast_to": lambda b, x, *, shape: np.broadcast_to(x, shape),
            "astype": lambda b, x, *, dtype: x.astype(dtype),
            "relu_grad": lambda b, g, ans: np.multiply(g, ans > 0),  # bool mask cast in the loop
        }
        try:
            from scipy import special
        except ImportError:  # SciPy is optional: the standard-only versions run instead
            return kernels
        kernels["erf"] = lambda b, x: np.asarray(special.erf(x))
        kernels["sigmoid"] = lambda b, x: np.asarray(special.expit(x))
        return kernels

    def _scatter_add_advanced(
        self, shape: tuple[int, ...], how: Gather, values: Array, indices: tuple[Array, ...]
    ) -> Array:
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, native_key(how, values.shape, np.arange, indices), values)
        return out


def _has_half(*arrays: Any) -> bool:
    return any(a.dtype == np.float16 for a in arrays)


def _matmul(b: Any, x: Any, y: Any) -> Any:
    if _has_half(x, y):
        return np.matmul(x.astype(np.float32), y.astype(np.float32)).astype(np.float16)
    return np.matmul(x, y)


def _linear_kernel(b: Any, x: Any, w: Any, *bias: Any) -> Any:
    if _has_half(x, w, *bias):
        out = _linear(b, x.astype(np.float32), w.astype(np.float32),
                      *(v.astype(np.float32) for v in bias))  # fmt: skip
        return out.astype(np.result_type(x, w, *bias))
    return _linear(b, x, w, *bias)


def _linear(b: Any, x: Array, w: Array, *bias: Array) -> Array:
    out = np.matmul(x, w.T)
    if bias:
        out += bias[0]  # a fresh array: add in place
    return out


def _reduction(fn: Any, **fixed: Any) -> Any:
    def impl(b: Any, x: Array, *, axis: Any, keepdims: bool) -> Array:
        out = fn(x, axis=axis, keepdims=keepdims, **fixed)
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    return impl
