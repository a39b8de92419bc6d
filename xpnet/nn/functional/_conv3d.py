"""3-D convolution and pooling (video, volumes) over (N, C, D, H, W), built on the 2-D ones.

A 3-D cross-correlation is a 2-D one whose input channels are (channel, depth offset)
pairs: the kd depth slices each output depth reads are stacked beside the channels, the
depth becomes part of the batch, and ``conv2d`` runs once with the kernel reshaped to
(O, C/G * kd, kh, kw) (groups stay contiguous in that layout). Max and average pooling
are separable: the 2-D pooling of every depth slice, then the pooling of depth windows.
Gradients are those of the ops used (slicing, stacking, reshapes, conv2d, pooling)."""

from __future__ import annotations

from typing import Any

from ... import ops
from ..._errors import ArgumentError, NotSupportedError, ShapeError
from ...ops.internal import out_size
from ...tensor import Tensor
from ._conv import _adaptive, _ints, _max, _mean, _named_padding, avg_pool2d, conv2d, max_pool2d


def triple(v: Any, name: str, op: str, minimum: int = 0) -> tuple[int, int, int]:
    """``v`` (an int or three) as three ints of at least ``minimum``."""
    return _ints(v, 3, name, op, minimum)  # type: ignore[return-value]


def _depth_windows(x: Tensor, k: int, s: int, d: int, count: int) -> list[Tensor]:
    """The ``k`` strided depth slices (axis 2) that ``count`` windows read, one per offset."""
    return [x[:, :, i * d : i * d + s * (count - 1) + 1 : s] for i in range(k)]


def _batched(x: Tensor, op: str) -> tuple[Tensor, bool]:
    if x.ndim not in (4, 5):
        raise ShapeError(f"{op}: expected a 4-D or 5-D input (N, C, D, H, W), got {x.shape}")
    return (x[None], True) if x.ndim == 4 else (x, False)


def conv3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Cross-correlation of ``x`` (N, C, D, H, W) with ``weight`` (O, C / groups, kd, kh,
    kw), as PyTorch's ``F.conv3d`` (``padding`` ints, "same" or "valid")."""
    op = "conv3d"
    x, unbatched = _batched(x, op)
    if weight.ndim != 5:
        raise ShapeError(f"{op}: expected a 5-D weight (O, C/G, kd, kh, kw), got {weight.shape}")
    st, dl = triple(stride, "stride", op, 1), triple(dilation, "dilation", op, 1)
    kd, kh, kw = weight.shape[2:]
    if isinstance(padding, str):
        x, _ = _named_padding(x, padding, (kd, kh, kw), st, dl, op)
        pd = (0, 0, 0)
    else:
        pd = triple(padding, "padding", op)
    if x.shape[1] != weight.shape[1] * groups:
        raise ShapeError(
            f"{op}: input has {x.shape[1]} channels (shape {x.shape}) but the weight "
            f"{weight.shape} expects {weight.shape[1] * groups}"
            + (f" ({groups} groups)" if groups > 1 else "")
        )
    if pd[0]:
        x = ops.pad(x, [(0, 0), (0, 0), (pd[0], pd[0]), (0, 0), (0, 0)])
    n, c, depth, h, w = x.shape
    do = out_size(depth, kd, st[0], 0, dl[0])
    if do <= 0:
        raise ShapeError(
            f"{op}: input depth {depth} is smaller than the (dilated) kernel depth {kd}"
        )
    slices = ops.stack(_depth_windows(x, kd, st[0], dl[0], do), axis=2)  # (N, C, kd, Do, H, W)
    planes = ops.reshape(ops.permute_dims(slices, (0, 3, 1, 2, 4, 5)), (n * do, c * kd, h, w))
    o = weight.shape[0]
    kernel2d = ops.reshape(weight, (o, weight.shape[1] * kd, kh, kw))
    out = conv2d(planes, kernel2d, None, st[1:], pd[1:], dl[1:], groups)  # (N*Do, O, Ho, Wo)
    out = ops.permute_dims(ops.reshape(out, (n, do, *out.shape[1:])), (0, 2, 1, 3, 4))
    if bias is not None:
        out = out + ops.reshape(bias, (o, 1, 1, 1))
    return out[0] if unbatched else out


def _pool3d(x: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool, op: str,
            pool2d: Any, fill: float, reduce: Any, **kw: Any) -> Tensor:  # fmt: skip
    if ceil_mode:
        raise NotSupportedError(f"{op}: ceil_mode=True is not supported (3-D)")
    x, unbatched = _batched(x, op)
    k = triple(kernel_size, "kernel_size", op, 1)
    s = k if stride is None else triple(stride, "stride", op, 1)
    p = triple(padding, "padding", op)
    n, c, depth, h, w = x.shape
    flat = ops.reshape(ops.permute_dims(x, (0, 2, 1, 3, 4)), (n * depth, c, h, w))
    plane = pool2d(flat, k[1:], s[1:], p[1:], **kw)  # every depth slice pooled in (H, W)
    plane = ops.permute_dims(ops.reshape(plane, (n, depth, c, *plane.shape[2:])), (0, 2, 1, 3, 4))
    if p[0]:
        if p[0] > k[0] // 2:
            raise ArgumentError(f"{op}: padding {p} is more than half the kernel {k}")
        plane = ops.pad(plane, [(0, 0), (0, 0), (p[0], p[0]), (0, 0), (0, 0)], fill)
    do = out_size(depth, k[0], s[0], p[0], 1)
    if do <= 0:
        raise ShapeError(f"{op}: input depth {depth} is smaller than the kernel depth {k[0]}")
    out = reduce(ops.stack(_depth_windows(plane, k[0], s[0], 1, do), axis=0), 0)
    return out[0] if unbatched else out


def max_pool3d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:  # fmt: skip
    """Maximum over each (kd, kh, kw) window of (N, C, D, H, W) inputs (``F.max_pool3d``;
    dilation 1, ``ceil_mode`` False, no indices)."""
    if triple(dilation, "dilation", "max_pool3d", 1) != (1, 1, 1) or return_indices:
        raise NotSupportedError("max_pool3d: dilation != 1 and return_indices are not supported")
    return _pool3d(x, kernel_size, stride, padding, ceil_mode, "max_pool3d", max_pool2d,
                   float("-inf"), _max)  # fmt: skip


def avg_pool3d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:  # fmt: skip
    """Mean over each (kd, kh, kw) window (``F.avg_pool3d``; zero padding counts, as
    PyTorch's default ``count_include_pad=True``)."""
    if not count_include_pad or divisor_override is not None:
        raise NotSupportedError(
            "avg_pool3d: count_include_pad=False and divisor_override are not supported"
        )
    return _pool3d(x, kernel_size, stride, padding, ceil_mode, "avg_pool3d", avg_pool2d, 0.0,
                   _mean)  # fmt: skip


def _adaptive3d(x: Tensor, output_size: Any, reduce: Any, op: str) -> Tensor:
    x, unbatched = _batched(x, op)
    sizes = (output_size,) * 3 if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 3:
        raise ArgumentError(f"{op}: output_size must be an int or three, got {output_size!r}")
    for axis, size in zip((2, 3, 4), sizes, strict=True):
        x = _adaptive(x, axis, x.shape[axis] if size is None else int(size), reduce)
    return x[0] if unbatched else x


def adaptive_avg_pool3d(x: Tensor, output_size: Any) -> Tensor:
    """Means over PyTorch's adaptive bins of depth, height and width."""
    return _adaptive3d(x, output_size, _mean, "adaptive_avg_pool3d")


def adaptive_max_pool3d(x: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Maxima over PyTorch's adaptive bins of depth, height and width (no indices)."""
    if return_indices:
        raise NotSupportedError("adaptive_max_pool3d: return_indices is not supported")
    return _adaptive3d(x, output_size, _max, "adaptive_max_pool3d")
