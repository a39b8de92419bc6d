"""Conv1d, Conv2d and the pooling layers."""

from __future__ import annotations

import math
from typing import Any

from .._errors import NotSupportedError
from ..tensor import Tensor
from . import functional as F
from . import init
from ._factory import empty_parameter
from ._module import Module
from .functional._conv import _pair, _single


class _ConvNd(Module):
    """What Conv1d and Conv2d share: argument checks, parameters, PyTorch's initialisation."""

    _dims: int = 2
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if groups != 1:
            raise NotSupportedError(f"{name}: only groups=1 is supported")
        check = _single if self._dims == 1 else _pair
        k = check(kernel_size, "kernel_size", name, 1)
        kernel = (k,) if isinstance(k, int) else k
        stride, padding = check(stride, "stride", name, 1), check(padding, "padding", name)
        dilation = check(dilation, "dilation", name, 1)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.weight = empty_parameter((out_channels, in_channels, *kernel), backend, device, dtype)
        self.bias = empty_parameter((out_channels,), backend, device, dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1.0 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        fn = type(self)._fn
        return fn(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}"
        )


class Conv1d(_ConvNd):
    """1-D cross-correlation over (N, C, L) inputs (groups=1), with PyTorch's initialisation."""

    _dims = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """2-D cross-correlation over (N, C, H, W) inputs (groups=1), with PyTorch's initialisation."""

    _dims = 2
    _fn = staticmethod(F.conv2d)


class _Pool2d(Module):
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each window (tied maxima share the gradient)."""

    _fn = staticmethod(F.max_pool2d)


class AvgPool2d(_Pool2d):
    """Mean over each window (zero padding counts, as PyTorch's default)."""

    _fn = staticmethod(F.avg_pool2d)


class AdaptiveAvgPool2d(Module):
    """Mean over windows chosen so the output has spatial size ``output_size`` (PyTorch's bins)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
