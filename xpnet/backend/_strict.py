"""array-api-strict: the reference implementation, used to catch non-standard code.

Its fake devices (``"device1"``, ``"device2"``, ``"no_float64"``) test device
placement without a GPU. Random draws happen on the host.
"""

from __future__ import annotations

from typing import Any

from .._errors import DeviceError
from ._base import Backend


class StrictBackend(Backend):
    name = "array_api_strict"
    malloc_arrays = True
    namespace_module = "array_api_strict"
    __slots__ = ()

    def _native_eig(self, arr: Any) -> tuple[Any, Any]:
        # array-api-strict has linalg.eig but refuses it below API version 2025.12
        return self._host_eig(arr)

    @classmethod
    def owns(cls, obj: Any) -> bool:
        return type(obj).__module__.startswith("array_api_strict")

    @classmethod
    def parse_device(cls, spec: Any) -> tuple[Any, Any]:
        import array_api_strict as xp

        if isinstance(spec, xp.Device):
            return spec, spec
        if spec is None or spec in ("cpu", "CPU_DEVICE"):
            return xp.Device("CPU_DEVICE"), xp.Device("CPU_DEVICE")
        if isinstance(spec, str):
            try:
                dev = xp.Device(spec)
            except ValueError:
                pass
            else:
                return dev, dev
        raise DeviceError(
            f"unknown device {spec!r} for backend 'array_api_strict'; expected 'cpu', "
            "'device1', 'device2', 'no_float64' or an array_api_strict.Device"
        )

    @property
    def device_str(self) -> str:
        return str(self.device._device)

    @property
    def host_visible(self) -> bool:
        # The fake devices stand in for a GPU: values there are treated as device values.
        return self.device_str == "CPU_DEVICE"
