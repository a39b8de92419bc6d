"""Conv1d, Conv2d, ConvTranspose1d/2d, the pooling layers and PixelShuffle."""

from __future__ import annotations

import math
from typing import Any

from .._errors import ArgumentError, NotSupportedError, ShapeError
from ..ops.internal import transposed_size
from ..tensor import Tensor
from . import functional as F
from . import init
from ._factory import empty_parameter
from ._module import Module
from .functional._conv import _pair, _single, same_padding
from .functional._conv3d import triple

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolutions share: argument checks, parameters, PyTorch's initialisation
    and repr."""

    _dims: int = 2
    _fn: Any = None
    _transposed = False

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
        padding_mode: str = "zeros",
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if padding_mode not in _PADDING_MODES:
            raise ArgumentError(
                f"{type(self).__name__}: padding_mode must be one of {_PADDING_MODES}, got "
                f"{padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self._setup(in_channels, out_channels, kernel_size, stride, padding, 0, dilation, groups,
                    bias, backend, device, dtype)  # fmt: skip

    def _setup(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
        output_padding: Any, dilation: Any, groups: int, bias: bool, backend: Any, device: Any,
        dtype: Any,
    ) -> None:  # fmt: skip
        name = type(self).__name__
        if (
            not isinstance(groups, int)
            or groups < 1
            or in_channels % groups
            or out_channels % groups
        ):
            raise ArgumentError(
                f"{name}: groups={groups!r} must divide in_channels {in_channels} and "
                f"out_channels {out_channels}"
            )
        check: Any = {1: _single, 2: _pair, 3: triple}[self._dims]
        k = check(kernel_size, "kernel_size", name, 1)
        kernel = (k,) if isinstance(k, int) else k
        stride = check(stride, "stride", name, 1)
        if isinstance(padding, str):  # "same" / "valid", checked at the first call
            if padding not in ("same", "valid") or self._transposed:
                raise ArgumentError(
                    f"{name}: padding must be ints, 'same' or 'valid', got {padding!r}"
                )
        else:
            padding = check(padding, "padding", name)
        dilation = check(dilation, "dilation", name, 1)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.output_padding = check(output_padding, "output_padding", name)
        # (out, in/G, k...) for a convolution; (in, out/G, k...) for a transposed one, as PyTorch
        channels = (
            (in_channels, out_channels // groups)
            if self._transposed
            else (out_channels, in_channels // groups)
        )
        self.weight = empty_parameter((*channels, *kernel), backend, device, dtype)
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
        padding = self.padding
        if getattr(self, "padding_mode", "zeros") != "zeros":
            x = F.pad(x, self._mode_pairs(), mode=self.padding_mode)
            padding = 0
        return fn(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def _mode_pairs(self) -> tuple[int, ...]:
        """``padding`` as F.pad's pairs (last axis first), for a non-zero ``padding_mode``."""
        if isinstance(self.padding, str):
            if self.padding == "valid":
                return ()
            k = (self.kernel_size,) if isinstance(self.kernel_size, int) else self.kernel_size
            d = (self.dilation,) if isinstance(self.dilation, int) else self.dilation
            return same_padding(k, d)
        p = (self.padding,) if isinstance(self.padding, int) else tuple(self.padding)
        return tuple(v for q in reversed(p) for v in (q, q))

    def extra_repr(self) -> str:
        """PyTorch's: padding, dilation, output padding and bias only where not the default."""

        def t(v: Any) -> tuple[int, ...]:
            return (v,) if isinstance(v, int) else tuple(v)

        n = self._dims
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={t(self.kernel_size)}, "
            f"stride={t(self.stride)}"
        )
        if isinstance(self.padding, str):
            s += f", padding={self.padding}"
        elif t(self.padding) != (0,) * n:
            s += f", padding={t(self.padding)}"
        if t(self.dilation) != (1,) * n:
            s += f", dilation={t(self.dilation)}"
        if t(self.output_padding) != (0,) * n:
            s += f", output_padding={t(self.output_padding)}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if getattr(self, "padding_mode", "zeros") != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D cross-correlation over (N, C, L) inputs (``groups``, ``padding="same"``,
    ``padding_mode`` as PyTorch's), with PyTorch's initialisation."""

    _dims = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """2-D cross-correlation over (N, C, H, W) inputs (``groups``, ``padding="same"``,
    ``padding_mode`` as PyTorch's), with PyTorch's initialisation."""

    _dims = 2
    _fn = staticmethod(F.conv2d)


class Conv3d(_ConvNd):
    """3-D cross-correlation over (N, C, D, H, W) inputs (``groups``, ``padding="same"``,
    ``padding_mode`` as PyTorch's), with PyTorch's initialisation."""

    _dims = 3
    _fn = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    """PyTorch's ConvTranspose arguments (``output_padding``; ``forward(x, output_size=None)``
    picks the output padding that gives that size) over a weight (C_in, C_out, k...)."""

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        Module.__init__(self)
        if padding_mode != "zeros":
            raise NotSupportedError(
                f"{type(self).__name__}: only padding_mode='zeros' is supported (as PyTorch)"
            )
        self._setup(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                    dilation, groups, bias, backend, device, dtype)  # fmt: skip

    def _output_padding(self, x: Tensor, output_size: Any) -> Any:
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = [output_size] if isinstance(output_size, int) else list(output_size)
        if len(size) == n + 2:
            size = size[2:]
        name = type(self).__name__
        if len(size) != n:
            raise ArgumentError(f"{name}: output_size {output_size!r} must have {n} sizes")
        pad = []
        for i in range(n):
            k, st, p, d = (
                (v,) if isinstance(v, int) else tuple(v)
                for v in (self.kernel_size, self.stride, self.padding, self.dilation)
            )
            least = transposed_size(x.shape[x.ndim - n + i], k[i], st[i], p[i], d[i])
            if not least <= size[i] < least + st[i]:
                raise ShapeError(
                    f"{name}: output_size {list(size)} is not reachable from an input "
                    f"{x.shape}: size {i} must be in [{least}, {least + st[i] - 1}]"
                )
            pad.append(size[i] - least)
        return pad[0] if n == 1 else tuple(pad)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        fn = type(self)._fn
        return fn(x, self.weight, self.bias, self.stride, self.padding,
                  self._output_padding(x, output_size), self.groups, self.dilation)  # fmt: skip


class ConvTranspose1d(_ConvTransposeNd):
    """The transposed 1-D convolution (the gradient of Conv1d with respect to its input)."""

    _dims = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """The transposed 2-D convolution (the gradient of Conv2d with respect to its input):
    upsampling by a learned kernel, as in decoders and GAN generators."""

    _dims = 2
    _fn = staticmethod(F.conv_transpose2d)


class _MaxPool(Module):
    """PyTorch's MaxPool arguments: ``ceil_mode``; ``dilation`` 1 and no ``return_indices``."""

    _fn: Any = None

    def __init__(
        self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
        return_indices: bool = False, ceil_mode: bool = False,
    ) -> None:  # fmt: skip
        super().__init__()
        if dilation not in (1, (1,), (1, 1)):
            raise NotSupportedError(f"{type(self).__name__}: dilation != 1 is not supported")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.ceil_mode, self.return_indices = dilation, ceil_mode, return_indices

    def forward(self, x: Tensor) -> Any:
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding, 1, self.ceil_mode,
                              self.return_indices)  # fmt: skip

    def extra_repr(self) -> str:
        """PyTorch's (a stride left out is the kernel size)."""
        stride = self.kernel_size if self.stride is None else self.stride
        return (
            f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(_MaxPool):
    """Maximum over each window (tied maxima share the gradient)."""

    _fn = staticmethod(F.max_pool2d)


class MaxPool1d(_MaxPool):
    """Maximum over each window of (N, C, L) inputs."""

    _fn = staticmethod(F.max_pool1d)


class MaxUnpool2d(Module):
    """The inverse of ``MaxPool2d(..., return_indices=True)``: ``forward(x, indices,
    output_size=None)`` puts each value back where its maximum was, zeros elsewhere."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size", "MaxUnpool2d", 1)
        self.stride = (
            self.kernel_size if stride is None else _pair(stride, "stride", "MaxUnpool2d", 1)
        )
        self.padding = _pair(padding, "padding", "MaxUnpool2d")

    def forward(self, x: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPool(Module):
    """PyTorch's AvgPool arguments: ``ceil_mode``, ``count_include_pad``."""

    _fn: Any = None

    def __init__(
        self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad)  # fmt: skip

    def extra_repr(self) -> str:
        """PyTorch's (a stride left out is the kernel size)."""
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}"


class AvgPool2d(_AvgPool):
    """Mean over each window (zero padding counts, as PyTorch's default)."""

    _fn = staticmethod(F.avg_pool2d)


class AvgPool1d(_AvgPool):
    """Mean over each window of (N, C, L) inputs (zero padding counts)."""

    _fn = staticmethod(F.avg_pool1d)

    def extra_repr(self) -> str:
        """PyTorch's: the sizes as 1-tuples."""
        k = self.kernel_size
        s = k if self.stride is None else self.stride
        one = [v if isinstance(v, tuple) else (v,) for v in (k, s, self.padding)]
        return f"kernel_size={one[0]}, stride={one[1]}, padding={one[2]}"


class _Adaptive(Module):
    _fn: Any = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_Adaptive):
    _fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveMaxPool1d(_Adaptive):
    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_Adaptive):
    _fn = staticmethod(F.adaptive_max_pool2d)


class AdaptiveAvgPool2d(Module):
    """Mean over windows chosen so the output has spatial size ``output_size`` (PyTorch's bins)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r) (``F.pixel_shuffle``)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W) (``F.pixel_unshuffle``)."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class _Pool3d(Module):
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 **options: Any) -> None:  # fmt: skip
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size
        self.options = options

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding, **self.options)


class MaxPool3d(_Pool3d):
    """Maximum over (kd, kh, kw) windows (``F.max_pool3d``)."""

    _fn = staticmethod(F.max_pool3d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:  # fmt: skip
        super().__init__(kernel_size, stride, padding, dilation=dilation,
                         return_indices=return_indices, ceil_mode=ceil_mode)  # fmt: skip
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")  # fmt: skip


class AvgPool3d(_Pool3d):
    """Mean over (kd, kh, kw) windows (``F.avg_pool3d``)."""

    _fn = staticmethod(F.avg_pool3d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:  # fmt: skip
        super().__init__(kernel_size, stride, padding, ceil_mode=ceil_mode,
                         count_include_pad=count_include_pad,
                         divisor_override=divisor_override)  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(Module):
    """Means over PyTorch's adaptive bins to ``output_size`` (D, H, W)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(AdaptiveAvgPool3d):
    """Maxima over PyTorch's adaptive bins to ``output_size`` (D, H, W)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_max_pool3d(x, self.output_size)
