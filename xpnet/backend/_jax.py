"""JAX arrays. They are immutable, so writes go through ``.at[...]``.

float64 is available only when JAX runs with ``jax_enable_x64``. Random draws
happen on the host (NumPy's PCG64), so they match the other host backends.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import DeviceError
from ._base import Array, Backend, Gather, native_key


class JaxBackend(Backend):
    name = "jax"
    namespace_module = "jax.numpy"
    array_check = "is_jax_array"
    mutable = False
    __slots__ = ()

    @classmethod
    def parse_device(cls, spec: Any) -> tuple[Any, Any]:
        import jax

        try:
            if spec is None:
                dev = jax.devices()[0]
            elif isinstance(spec, int) and not isinstance(spec, bool):
                dev = jax.devices()[spec]
            elif isinstance(spec, str):
                platform, _, index = spec.partition(":")
                platform = {"cuda": "gpu"}.get(platform, platform)
                dev = jax.devices(platform)[int(index or 0)]
            elif isinstance(spec, jax.Device):
                dev = spec
            else:
                dev = None
        except (RuntimeError, IndexError, ValueError, TypeError):
            dev = None
        if dev is None:
            raise DeviceError(f"unknown device {spec!r} for backend 'jax'")
        return dev, (dev.platform, dev.id)

    @property
    def atomic_scatter(self) -> bool:
        return not self.host_visible

    @property
    def host_visible(self) -> bool:
        return self.device.platform == "cpu"

    def read_host(self, arr: Array) -> np.ndarray:
        return np.array(arr, copy=True)

    def to_device(self, arr: Array) -> Array:
        import jax

        return jax.device_put(arr, self.device)

    def setitem(self, arr: Array, key: Any, value: Any) -> Array:
        return arr.at[key].set(value)

    def __init__(self, xp: Any, device: Any) -> None:
        super().__init__(xp, device)
        import jax

        if not getattr(jax.config, "jax_enable_x64", False):
            # Without x64, JAX truncates 64-bit requests to 32 bits with a warning each time:
            # ask for what it will give, so xpnet never warns about its own calls.
            for wide, narrow in (
                ("int64", "int32"),
                ("uint64", "uint32"),
                ("complex128", "complex64"),
            ):
                if narrow in self.dtypes:
                    self.dtypes[wide] = self.dtypes[narrow]
            self.dtypes.pop("float64", None)
            self.float64 = False
            self.float_dtypes = frozenset(
                self.dtypes[n] for n in ("float16", "bfloat16", "float32") if n in self.dtypes
            )
            self._set_inexact()

    def jit_compiler(self) -> Any:
        import jax

        return jax.jit

    def native_kernels(self) -> dict[str, Any]:
        import jax.scipy.special

        sp = jax.scipy.special
        return {
            "erf": lambda b, x: sp.erf(x),
            "erfc": lambda b, x: sp.erfc(x),
            "erfinv": lambda b, x: jax.lax.erf_inv(x),
            "lgamma": lambda b, x: sp.gammaln(x),
            "polygamma": lambda b, x, n: sp.digamma(x) if n == 0 else sp.polygamma(n, x),
        }

    def scatter_reduce_flat(self, size: int, positions: Array, values: Array, reduce: str) -> Array:
        out = self.full((size,), self.reduce_identity(values.dtype, reduce), values.dtype)
        at = out.at[positions]
        return (
            at.max(values)
            if reduce == "amax"
            else at.min(values)
            if reduce == "amin"
            else at.multiply(values)
        )

    def _scatter_add_advanced(
        self, shape: tuple[int, ...], how: Gather, values: Array, indices: tuple[Array, ...]
    ) -> Array:
        out = self.zeros(shape, values.dtype)
        return out.at[native_key(how, values.shape, self.xp.arange, indices)].add(values)
