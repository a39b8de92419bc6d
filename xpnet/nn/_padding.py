"""Padding layers (PyTorch's ``nn.ReflectionPad2d``, ``ZeroPad2d``...): ``F.pad`` with a
fixed mode over the last 1, 2 or 3 axes."""

from __future__ import annotations

from typing import Any

from .._errors import ArgumentError, ShapeError
from ..tensor import Tensor
from . import functional as F
from ._module import Module


class _PadNd(Module):
    _dims = 1
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        n = 2 * self._dims
        if isinstance(padding, int) and not isinstance(padding, bool):
            pads: tuple[int, ...] = (padding,) * n
        else:
            pads = tuple(padding)
            if len(pads) != n or not all(isinstance(p, int) for p in pads):
                raise ArgumentError(
                    f"{type(self).__name__}: padding must be an int or {n} ints, got {padding!r}"
                )
        self.padding = pads

    def _value(self) -> float | None:
        return None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (self._dims + 1, self._dims + 2):
            raise ShapeError(
                f"{type(self).__name__}: expected a {self._dims + 1}-D or {self._dims + 2}-D "
                f"input, got shape {x.shape}"
            )
        return F.pad(x, self.padding, self._mode, self._value())

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _value(self) -> float | None:
        return self.value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ReflectionPad1d(_PadNd):
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    _dims, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    _mode = "circular"


class CircularPad2d(_PadNd):
    _dims, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    _dims, _mode = 3, "circular"


class ZeroPad1d(_PadNd):
    pass


class ZeroPad2d(_PadNd):
    _dims = 2


class ZeroPad3d(_PadNd):
    _dims = 3


class ConstantPad1d(_ConstantPadNd):
    pass


class ConstantPad2d(_ConstantPadNd):
    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    _dims = 3
