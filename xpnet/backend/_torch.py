"""PyTorch tensors, through array-api-compat's torch namespace."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import BackendUnavailableError, DeviceError
from ._base import Array, Backend, Gather, bfloat16_host


class TorchBackend(Backend):
    name = "torch"
    namespace_module = "array_api_compat.torch"
    array_check = "is_torch_array"
    native_rng = True
    collective = "torch"
    __slots__ = ()

    @classmethod
    def parse_device(cls, spec: Any) -> tuple[Any, Any]:
        import torch

        if spec is None:
            dev = torch.device("cpu")
        elif isinstance(spec, int) and not isinstance(spec, bool):
            dev = torch.device("cuda", spec)
        elif isinstance(spec, (str, torch.device)):
            try:
                dev = torch.device("cuda" + str(spec)[3:] if str(spec).startswith("gpu") else spec)
            except RuntimeError as e:
                raise DeviceError(f"unknown device {spec!r} for backend 'torch': {e}") from None
        else:
            raise DeviceError(f"unknown device {spec!r} for backend 'torch'")
        if dev.type == "meta":
            raise DeviceError(
                f"device {spec!r} for backend 'torch': meta tensors hold no values, and xpnet's "
                "ops and gradients compute values (use device 'cpu' or 'cuda')"
            )
        if dev.type == "cuda":
            if not torch.cuda.is_available():
                raise BackendUnavailableError(
                    f"device {spec!r} asked of backend 'torch', but torch.cuda.is_available() "
                    "is False (a CPU build of PyTorch, or no usable GPU)"
                )
            if dev.index is None:
                dev = torch.device("cuda", torch.cuda.current_device())
            if dev.index >= torch.cuda.device_count():
                raise DeviceError(
                    f"device {spec!r}: torch sees only {torch.cuda.device_count()} CUDA device(s)"
                )
        return dev, str(dev)

    @property
    def atomic_scatter(self) -> bool:
        return not self.host_visible

    def devices(self) -> list[Any]:
        """PyTorch's devices without ``meta`` (no values to compute on)."""
        return [d for d in super().devices() if d.type != "meta"]

    @property
    def host_visible(self) -> bool:
        return self.device.type == "cpu"

    def read_host(self, arr: Array) -> np.ndarray:
        import torch

        if arr.dtype == torch.bfloat16:  # NumPy has no bfloat16: ml_dtypes' where installed
            return bfloat16_host(arr.detach().to(torch.float32).cpu().numpy())
        return np.array(arr.detach().cpu().numpy(), copy=True)

    def host_alias(self, arr: Array) -> np.ndarray:
        """A CPU tensor's own memory, as PyTorch's ``numpy()`` (a write to either shows in
        both: ``np.asarray(t)`` as an ``output=`` array of NumPy code, as SciPy's ndimage
        uses it); a copy for other devices and for dtypes NumPy lacks."""
        import torch

        if arr.device.type != "cpu" or arr.dtype == torch.bfloat16 or arr.is_conj() or arr.is_neg():
            return self.to_numpy(arr)
        self._host_read()
        return arr.detach().numpy()

    def from_numpy(self, arr: np.ndarray, dtype: Any = None, copy: bool = False) -> Array:
        if any(s < 0 for s in arr.strides):  # torch takes no negative strides (``a[::-1]``)
            arr, copy = np.ascontiguousarray(arr), False  # a copy of the tensor's own
        return super().from_numpy(arr, dtype, copy)

    def to_device(self, arr: Array) -> Array:
        return arr.to(self.device)

    def native_kernels(self) -> dict[str, Any]:
        import torch

        return {
            "erf": lambda b, x: torch.special.erf(x),
            "erfc": lambda b, x: torch.special.erfc(x),
            "erfinv": lambda b, x: torch.special.erfinv(x),
            "lgamma": lambda b, x: torch.lgamma(x),
            "polygamma": lambda b, x, n: torch.digamma(x) if n == 0 else torch.polygamma(n, x),
        }

    def synchronize(self) -> None:
        if self.device.type == "cuda":
            import torch

            torch.cuda.synchronize(self.device)

    # PyTorch has no negative slice steps: such a key becomes positive slices plus a flip.
    # Its uint16/32/64 have no gather or flip kernels: gathers move their bits as the signed
    # integers of the same width (a view, no copy) and view the result back.
    def gather(self, arr: Array, how: Gather, *indices: Array) -> Array:
        import torch

        wide = _signed(arr.dtype)
        if wide is not None:
            return self.gather(arr.view(wide), how, *indices).view(arr.dtype)
        if how[0] == "getitem" and not indices and _negative_steps(how[1]):
            key, flips = _positive_key(how[1], tuple(arr.shape))
            out = arr[key]
            return torch.flip(out, flips) if flips else out
        return super().gather(arr, how, *indices)

    def bitcast(self, arr: Array, dtype: Any) -> Array:
        return arr.view(dtype)

    def setitem(self, arr: Array, key: Any, value: Any) -> Array:
        if isinstance(key, tuple) and _negative_steps(key):
            import torch

            pos, flips = _positive_key(key, tuple(arr.shape))
            if flips and isinstance(value, torch.Tensor):
                value = torch.flip(torch.broadcast_to(value, arr[pos].shape), flips)
            key = pos
        return super().setitem(arr, key, value)

    def _scatter_add_flat(self, size: int, positions: Array, values: Array) -> Array:
        out = self.zeros((size,), values.dtype)
        return out.index_add_(0, positions, values)

    def scatter_reduce_flat(self, size: int, positions: Array, values: Array, reduce: str) -> Array:
        import torch

        out = self.full((size,), self.reduce_identity(values.dtype, reduce), values.dtype)
        return out.scatter_reduce_(0, positions.to(torch.int64), values, reduce, include_self=True)

    def _rng_new(self, seed: int | None) -> Any:
        import torch

        g = torch.Generator(device=self.device)
        if seed is None:
            g.seed()
        else:
            g.manual_seed(seed)
        return g

    def _rng_uniform(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        import torch

        return torch.rand(shape, generator=state, dtype=dtype, device=self.device)

    def _rng_normal(self, state: Any, shape: tuple[int, ...], dtype: Any) -> Array:
        import torch

        return torch.randn(shape, generator=state, dtype=dtype, device=self.device)

    def _rng_integers(
        self, state: Any, low: int, high: int, shape: tuple[int, ...], dtype: Any
    ) -> Array:
        import torch

        return torch.randint(low, high, shape, generator=state, dtype=dtype, device=self.device)

    def _rng_permutation(self, state: Any, n: int, dtype: Any) -> Array:
        import torch

        return torch.randperm(n, generator=state, dtype=dtype, device=self.device)

    def _rng_get_state(self, state: Any) -> Any:
        return {"torch": state.get_state().numpy()}

    def _rng_set_state(self, state: Any, saved: Any) -> None:
        import torch

        state.set_state(torch.from_numpy(np.asarray(saved["torch"], dtype=np.uint8)))


_SIGNED_OF: dict[Any, Any] = {}


def _signed(dtype: Any) -> Any:
    """The signed integer dtype of the width of PyTorch's uint16/32/64 ``dtype``, else None."""
    if not _SIGNED_OF:
        import torch

        _SIGNED_OF.update({torch.uint16: torch.int16, torch.uint32: torch.int32,
                           torch.uint64: torch.int64})  # fmt: skip
    return _SIGNED_OF.get(dtype)


def _negative_steps(key: Any) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in keys)


def _positive_key(key: Any, shape: tuple[int, ...]) -> tuple[tuple[Any, ...], list[int]]:
    """A basic key without negative steps, and the output axes to flip to make up for them."""
    keys = key if isinstance(key, tuple) else (key,)
    consuming = sum(1 for k in keys if k is not None and k is not Ellipsis)
    out: list[Any] = []
    flips: list[int] = []
    d = o = 0  # input and output axis
    for k in keys:
        if k is Ellipsis:
            n = len(shape) - consuming
            out.extend([slice(None)] * n)
            d += n
            o += n
        elif k is None:
            out.append(None)
            o += 1
        elif isinstance(k, slice):
            start, stop, step = k.indices(shape[d])
            if step < 0:
                count = len(range(start, stop, step))
                if count == 0:
                    k = slice(0, 0, 1)
                else:
                    k = slice(start + (count - 1) * step, start + 1, -step)
                    flips.append(o)
            out.append(k)
            d += 1
            o += 1
        else:  # an int
            out.append(k)
            d += 1
    return tuple(out), flips
