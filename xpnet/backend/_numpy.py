"""NumPy on the CPU."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import DeviceError
from . import _numpy_kernels
from ._base import Array, Backend, Gather, native_key

_AT = {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}


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

    def host_alias(self, arr: Array) -> np.ndarray:
        self._host_read()
        return arr if isinstance(arr, np.ndarray) else np.asarray(arr)

    def read_scalar(self, arr: Array) -> Any:
        return arr.item()  # no copy of the array first

    def to_device(self, arr: Array) -> Array:
        return arr

    def write_host(self, arr: Array, values: Any) -> None:
        arr[...] = values

    def from_numpy(self, arr: np.ndarray, dtype: Any = None, copy: bool = False) -> Array:
        return np.array(arr, dtype=dtype, copy=True) if copy else np.asarray(arr, dtype=dtype)

    @classmethod
    def owns(cls, obj: Any) -> bool:
        return isinstance(obj, (np.ndarray, np.generic))

    def clip(self, arr: Array, lo: float | None, hi: float | None) -> Array:
        return np.clip(arr, lo, hi)

    def native_kernels(self) -> dict[str, Any]:
        return _numpy_kernels.kernels()

    def scatter_reduce_flat(self, size: int, positions: Array, values: Array, reduce: str) -> Array:
        out = np.full((size,), self.reduce_identity(values.dtype, reduce), dtype=values.dtype)
        _AT[reduce].at(out, positions, values)
        return out

    def _scatter_add_advanced(
        self, shape: tuple[int, ...], how: Gather, values: Array, indices: tuple[Array, ...]
    ) -> Array:
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, native_key(how, values.shape, np.arange, indices), values)
        return out
