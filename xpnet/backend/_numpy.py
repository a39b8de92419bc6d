"""NumPy on the CPU."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import DeviceError
from . import _numpy_kernels
from ._base import Array, Backend, Gather, native_key

_AT = {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}


_SPARSE_SUMS = (np.dtype(np.float32), np.dtype(np.float64))


def _rows_summed(shape: tuple[int, ...], values: Array, index: Array) -> Array | None:
    """Rows of ``values`` added into zeros of ``shape`` at rows ``index`` (the backward of
    ``take`` along axis 0: embeddings, sparse products) as a SciPy sparse 0/1 matrix times
    the rows. ``np.add.at`` over rows of 16 floats takes 38 ms for 155k rows here, the
    sparse product 3 ms; each output row adds its rows in their order, as ``add.at`` does,
    so the sums are the same bit for bit. None without SciPy."""
    try:
        from scipy import sparse
    except ImportError:  # pragma: no cover - SciPy is optional
        return None
    idx = np.asarray(index).reshape(-1)
    m = idx.shape[0]
    if not m or idx.min() < 0:  # negative indices count from the end: add.at's business
        return None
    block = np.ascontiguousarray(values).reshape(m, -1)
    ones = sparse.csr_matrix(
        (np.ones(m, dtype=values.dtype), (idx, np.arange(m))), shape=(shape[0], m)
    )
    return np.asarray(ones @ block, dtype=values.dtype).reshape(shape)


def _writeable(arr: Array) -> np.ndarray:
    """``arr`` itself where it is an array, else (a NumPy scalar) a 0-d array of it."""
    return arr if isinstance(arr, np.ndarray) else np.array(arr)


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

    # NumPy gives a 0-d result of an operation as a scalar (np.float64(2.0)), which takes
    # no item assignment: an in-place write goes into a 0-d array of it, which the tensor
    # then holds (as when the operation had returned one, which PyTorch's would have).
    def setitem(self, arr: Array, key: Any, value: Any) -> Array:
        return super().setitem(_writeable(arr), key, value)

    def fill(self, arr: Array, value: Any) -> Array:
        return super().fill(_writeable(arr), value)

    def bitcast(self, arr: Array, dtype: Any) -> Array:
        return np.asarray(arr).view(dtype)

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
        if how == ("take", 0) and len(shape) > 1 and values.dtype in _SPARSE_SUMS:
            rows = _rows_summed(shape, values, indices[0])
            if rows is not None:
                return rows
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, native_key(how, values.shape, np.arange, indices), values)
        return out
