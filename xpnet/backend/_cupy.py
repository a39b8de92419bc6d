"""CuPy on a CUDA GPU. Needs both a successful import and ``cupy.cuda.is_available()``."""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from .._errors import BackendUnavailableError, DeviceError
from ._base import Array, Backend, Gather, native_key

_INSTALL_HINT = "install it with: pip install 'xpnet[cuda12]' (or 'xpnet[cuda13]' for CUDA 13)"


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


class CupyBackend(Backend):
    name = "cupy"
    native_rng = True
    __slots__ = ()

    @classmethod
    def namespace(cls) -> types.ModuleType:
        _cupy()
        import array_api_compat.cupy as xp

        return xp

    @classmethod
    def owns(cls, obj: Any) -> bool:
        import array_api_compat

        return bool(array_api_compat.is_cupy_array(obj))

    @classmethod
    def parse_device(cls, spec: Any) -> tuple[Any, Any]:
        cupy = _cupy()
        if isinstance(spec, cupy.cuda.Device):
            index = spec.id
        elif spec is None:
            index = cupy.cuda.Device().id
        elif isinstance(spec, int) and not isinstance(spec, bool):
            index = spec
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

    @property
    def device_str(self) -> str:
        return f"cuda:{self.device.id}"

    @property
    def host_visible(self) -> bool:
        return False

    def asarray(self, obj: Any, dtype: Any = None) -> Array:
        with self.device:
            return self.xp.asarray(obj, dtype=dtype)

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> Array:
        with self.device:
            return self.xp.zeros(shape, dtype=dtype)

    def _to_host(self, arr: Array) -> np.ndarray:
        return np.asarray(arr.get())

    def to_device(self, arr: Array) -> Array:
        import cupy

        with self.device:
            return cupy.asarray(arr)

    def synchronize(self) -> None:
        self.device.synchronize()

    def clip(self, arr: Array, lo: float | None, hi: float | None) -> Array:
        import cupy  # array-api-compat's clip builds boolean masks that sync on the host

        with self.device:
            return cupy.clip(arr, lo, hi)

    def native_kernels(self) -> dict[str, Any]:
        import cupyx.scipy.special

        return {"erf": lambda b, x: cupyx.scipy.special.erf(x)}

    def _scatter_add_advanced(self, shape: tuple[int, ...], how: Gather, values: Array) -> Array:
        import cupy
        import cupyx

        out = self.zeros(shape, values.dtype)
        with self.device:
            cupyx.scatter_add(out, native_key(how, values.shape, cupy.arange), values)
        return out

    def _rng_new(self, seed: int | None) -> Any:
        import cupy

        with self.device:
            return cupy.random.default_rng(seed)

    def _rng_uniform(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        with self.device:
            return state.random(shape, dtype=dtype)

    def _rng_normal(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        with self.device:
            return state.standard_normal(shape, dtype=dtype)

    def _rng_integers(
        self, state: Any, low: int, high: int, shape: tuple[int, ...], dtype: Any
    ) -> Array:
        with self.device:
            return state.integers(low, high, size=shape, dtype=dtype)

    def _rng_permutation(self, state: Any, n: int, dtype: Any) -> Array:
        with self.device:
            return state.permutation(n).astype(dtype)
