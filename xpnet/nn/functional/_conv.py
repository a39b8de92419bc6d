"""2-D convolution (im2col from standard slicing) and pooling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import ops
from ..._errors import ArgumentError, NotSupportedError, ShapeError
from ...ops import matmul, mean, permute_dims, reshape, stack, take
from ...ops import pad as xpad
from ...ops import sum as sum_
from ...ops.internal import (
    BATCHED_MAX,
    autocast_low,
    check_indices,
    fold_p,
    layer_dtypes,
    max_p,
    max_pool_p,
    out_size,
    scatter_along_axis,
    transposed_size,
    unfold_p,
)
from ...tensor import Tensor


def _ints(v: Any, n: int, name: str, op: str = "", minimum: int = 0) -> tuple[int, ...]:
    """``v`` (an int or ``n`` of them) as ``n`` ints of at least ``minimum``."""
    t = (v,) * n if isinstance(v, int) else tuple(v)
    if len(t) != n or any(not isinstance(k, int) or isinstance(k, bool) or k < minimum for k in t):
        kind = "positive" if minimum == 1 else "non-negative"
        where = f"{op}: " if op else ""
        many = {2: "a pair of", 3: "three"}.get(n, str(n))
        raise ArgumentError(f"{where}{name} must be an int or {many} {kind} ints, got {v!r}")
    return t


def _pair(v: Any, name: str, op: str = "", minimum: int = 0) -> tuple[int, int]:
    """``v`` (an int or a pair) as a pair of ints of at least ``minimum``."""
    return _ints(v, 2, name, op, minimum)  # type: ignore[return-value]


def pad2d(x: Tensor, padding: tuple[int, int], value: float = 0.0) -> Tensor:
    """Pad the last two axes of ``x`` with ``value`` (``padding`` on each side): one primitive."""
    ph, pw = padding
    return xpad(x, ((0, 0),) * (x.ndim - 2) + ((ph, ph), (pw, pw)), value)


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(x: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: ``pad`` lists (before, after) pairs from the last axis backwards;
    ``mode`` "constant" (``value``, default 0), "reflect" (mirrored without repeating the
    edge), "replicate" (the edge repeated) or "circular" (wrapped around). The other modes
    are one gather per padded axis, so their gradient adds up where an element is reused."""
    if mode not in _PAD_MODES:
        raise NotSupportedError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ArgumentError(
            f"pad: pad must hold (before, after) pairs for at most {x.ndim} axes, got {pad!r}"
        )
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    widths = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    if mode == "constant":
        return xpad(x, widths, 0.0 if value is None else value)
    if value:
        raise ArgumentError(
            f"pad: value is for mode='constant' only, got value={value} with {mode!r}"
        )
    for axis, (lo, hi) in enumerate(widths):
        if lo or hi:
            x = take(x, _pad_indices(x, axis, lo, hi, mode), axis=axis)
    return x


def _pad_indices(x: Tensor, axis: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """The source index of each position of axis ``axis`` padded by (lo, hi) in ``mode``
    (host indices: ``take`` moves them to the device)."""
    n = x.shape[axis]
    if lo < 0 or hi < 0:
        raise ArgumentError(f"pad: negative padding ({lo}, {hi}) is for mode='constant' only")
    limit = n - 1 if mode == "reflect" else n if mode == "circular" else None
    if (limit is not None and max(lo, hi) > limit) or n == 0:
        raise ShapeError(
            f"pad: {mode} padding ({lo}, {hi}) of an axis of size {n} (shape {x.shape}) must be "
            f"at most {limit}"
        )
    pos = np.arange(-lo, n + hi)
    if mode == "reflect":
        idx = np.abs(pos)
        idx = np.where(idx > n - 1, 2 * (n - 1) - idx, idx)
    elif mode == "replicate":
        idx = np.clip(pos, 0, n - 1)
    else:
        idx = pos % n
    return idx


def pixel_shuffle(x: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels becomes an r x r
    block of pixels (Shi et al.'s sub-pixel convolution)."""
    r = _single(upscale_factor, "upscale_factor", "pixel_shuffle", 1)
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ShapeError(
            f"pixel_shuffle: {x.shape} needs >= 3 dims and channels divisible by {r * r}"
        )
    *lead, c, h, w = x.shape
    n = len(lead)
    y = reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = permute_dims(y, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(x: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of ``pixel_shuffle``: (*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = _single(downscale_factor, "downscale_factor", "pixel_unshuffle", 1)
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ShapeError(f"pixel_unshuffle: {x.shape} needs >= 3 dims and H, W divisible by {r}")
    *lead, c, h, w = x.shape
    n = len(lead)
    y = reshape(x, (*lead, c, h // r, r, w // r, r))
    y = permute_dims(y, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return reshape(y, (*lead, c * r * r, h // r, w // r))


def _windows(
    x: Tensor, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int], op: str
) -> tuple[Tensor, int, int]:
    """All kernel-position views of ``x`` (N, C, H, W) stacked on axis 2: (N, C, kh*kw, Ho, Wo)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    H, W = x.shape[-2:]
    ho = (H - dh * (kh - 1) - 1) // sh + 1
    wo = (W - dw * (kw - 1) - 1) // sw + 1
    if ho <= 0 or wo <= 0:
        raise ShapeError(
            f"{op}: input of spatial size {(H, W)} is smaller than the (dilated) kernel {kernel}"
        )
    views = []
    for i in range(kh):
        for j in range(kw):
            r, c = i * dh, j * dw
            views.append(x[:, :, r : r + sh * (ho - 1) + 1 : sh, c : c + sw * (wo - 1) + 1 : sw])
    return stack(views, axis=2), ho, wo


def _named_padding(
    x: Tensor, padding: str, kernel: tuple[int, ...], stride: tuple[int, ...],
    dilation: tuple[int, ...], op: str,
) -> tuple[Tensor, int]:  # fmt: skip
    """PyTorch's ``padding="valid"`` (none) and ``"same"`` (stride 1: the output keeps the
    input's size; an odd total pads one more after than before): the padded input and the
    padding left for the convolution (0)."""
    if padding == "valid":
        return x, 0
    if padding != "same":
        raise ArgumentError(f"{op}: padding must be ints, 'same' or 'valid', got {padding!r}")
    if any(s != 1 for s in stride):
        raise ArgumentError(f"{op}: padding='same' needs stride 1, got stride {stride}")
    pairs = same_padding(kernel, dilation)
    return pad(x, pairs) if any(pairs) else x, 0


def same_padding(kernel: Sequence[int], dilation: Sequence[int]) -> tuple[int, ...]:
    """``F.pad``'s pairs (last axis first) that keep a stride-1 convolution's size: d (k - 1)
    on each axis, the odd one more after than before, as PyTorch's ``padding="same"``."""
    pairs: list[int] = []
    for k, d in zip(reversed(kernel), reversed(dilation), strict=True):
        total = d * (k - 1)
        pairs += [total // 2, total - total // 2]
    return tuple(pairs)


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Cross-correlation of ``x`` (N, C, H, W) with ``weight`` (O, C / groups, kh, kw), as in
    PyTorch. With ``groups`` G the channels split into G groups, each convolved with its
    O / G filters (G = C: depthwise): one unfold of the N*G group images and one batched
    product over the groups."""
    x, weight, bias = autocast_low(x, weight, bias)
    layer_dtypes("conv2d", x, weight, bias)
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"conv2d: expected a 4-D input (N, C, H, W) and weight, got {x.shape} and {weight.shape}"
        )
    if not isinstance(groups, int) or groups < 1 or x.shape[1] % groups or weight.shape[0] % groups:
        raise ArgumentError(
            f"conv2d: groups={groups!r} must divide the {x.shape[1]} input and the "
            f"{weight.shape[0]} output channels"
        )
    if x.shape[1] != weight.shape[1] * groups:
        raise ShapeError(
            f"conv2d: input has {x.shape[1]} channels (shape {x.shape}) but the weight {weight.shape} "
            f"expects {weight.shape[1] * groups}" + (f" ({groups} groups)" if groups > 1 else "")
        )
    st = _pair(stride, "stride", "conv2d", 1)
    dl = _pair(dilation, "dilation", "conv2d", 1)
    if 0 in weight.shape[2:]:
        raise ShapeError(f"conv2d: the kernel must not be empty, got weight {weight.shape}")
    if isinstance(padding, str):
        x, padding = _named_padding(x, padding, weight.shape[2:], st, dl, "conv2d")
    pd = _pair(padding, "padding", "conv2d")
    n = x.shape[0]
    o, c, kh, kw = weight.shape
    H, W = x.shape[2:]
    ho, wo = out_size(H, kh, st[0], pd[0], dl[0]), out_size(W, kw, st[1], pd[1], dl[1])
    if ho <= 0 or wo <= 0:
        raise ShapeError(
            f"conv2d: input of spatial size {(H, W)} is smaller than the (dilated) kernel {(kh, kw)}"
        )
    geometry = (kh, kw, *st, *pd, *dl)
    if groups > 1:  # (N*G, C/G, H, W) images -> (N, G, C/G*kh*kw, L) columns
        cols = unfold_p(reshape(x, (n * groups, c, H, W)), geometry=geometry, layout="batch")
        cols = reshape(cols, (n, groups, c * kh * kw, ho * wo))
        w3d = reshape(weight, (groups, o // groups, c * kh * kw))
        out = reshape(matmul(w3d, cols), (n, o, ho, wo))  # (N, G, O/G, L)
        return out if bias is None else out + reshape(bias, (o, 1, 1))
    w2d = reshape(weight, (o, c * kh * kw))
    if c * kh * kw <= BATCHED_MAX:  # few rows: per-sample products, in cache (ops/_conv.py)
        cols = unfold_p(x, geometry=geometry, layout="batch")  # (N, C*kh*kw, Ho*Wo)
        out = reshape(matmul(w2d, cols), (n, o, ho, wo))  # one batched GEMM: (N, O, Ho*Wo)
    else:  # many rows: one 2-D GEMM over contiguous columns
        cols = unfold_p(x, geometry=geometry, layout="rows")  # (C*kh*kw, N*Ho*Wo)
        out = permute_dims(reshape(matmul(w2d, cols), (o, n, ho, wo)), (1, 0, 2, 3))
    return out if bias is None else out + reshape(bias, (o, 1, 1))


def _single(v: Any, name: str, op: str, minimum: int = 0) -> int:
    """``v`` (an int or a 1-tuple) as an int of at least ``minimum``."""
    one = v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else v
    if not isinstance(one, int) or isinstance(one, bool) or one < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ArgumentError(f"{op}: {name} must be a {kind} int, got {v!r}")
    return one


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Cross-correlation of ``x`` (N, C, L) with ``weight`` (O, C, k), as in PyTorch.

    Computed as a 2-D convolution over a height of 1, so it shares conv2d's kernels.
    """
    if x.ndim != 3 or weight.ndim != 3:
        raise ShapeError(
            f"conv1d: expected a 3-D input (N, C, L) and weight (O, C, k), got {x.shape} and "
            f"{weight.shape}"
        )
    st = _single(stride, "stride", "conv1d", 1)
    pd = padding if isinstance(padding, str) else _single(padding, "padding", "conv1d")
    dl = _single(dilation, "dilation", "conv1d", 1)
    out = conv2d(
        reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2])),
        reshape(weight, (*weight.shape[:2], 1, weight.shape[2])),
        bias,
        (1, st),
        pd if isinstance(pd, str) else (0, pd),  # "same"/"valid": a height of 1 needs none
        (1, dl),
        groups,
    )
    return reshape(out, (out.shape[0], out.shape[1], out.shape[3]))


def conv_transpose2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """The transposed convolution (the gradient of ``conv2d`` with respect to its input),
    as PyTorch's: ``x`` (N, C_in, H, W), ``weight`` (C_in, C_out / groups, kh, kw); the
    output has H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1
    rows. Each input pixel's product with the kernel is one column, and ``fold`` (col2im)
    adds the overlapping columns: one batched product and one fold (of the N*G group
    images with ``groups`` G)."""
    op = "conv_transpose2d"
    if not isinstance(groups, int) or groups < 1 or x.shape[1] % groups:
        raise ArgumentError(f"{op}: groups={groups!r} must divide the {x.shape[1]} input channels")
    x, weight, bias = autocast_low(x, weight, bias)
    layer_dtypes(op, x, weight, bias)
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"{op}: expected a 4-D input (N, C_in, H, W) and weight (C_in, C_out, kh, kw), got "
            f"{x.shape} and {weight.shape}"
        )
    if x.shape[1] != weight.shape[0]:
        raise ShapeError(
            f"{op}: input has {x.shape[1]} channels (shape {x.shape}) but the weight "
            f"{weight.shape} expects {weight.shape[0]}"
        )
    if 0 in weight.shape[2:]:
        raise ShapeError(f"{op}: the kernel must not be empty, got weight {weight.shape}")
    st = _pair(stride, "stride", op, 1)
    pd = _pair(padding, "padding", op)
    opd = _pair(output_padding, "output_padding", op)
    dl = _pair(dilation, "dilation", op, 1)
    if opd[0] >= st[0] or opd[1] >= st[1]:
        raise ArgumentError(
            f"{op}: output_padding {opd} must be smaller than the stride {st} (PyTorch also "
            "allows it below a larger dilation; xpnet does not)"
        )
    n, c_in, h, w = x.shape
    _, c_group, kh, kw = weight.shape  # output channels of each group
    c_out = c_group * groups
    ho = transposed_size(h, kh, st[0], pd[0], dl[0], opd[0])
    wo = transposed_size(w, kw, st[1], pd[1], dl[1], opd[1])
    if ho <= 0 or wo <= 0:
        raise ShapeError(
            f"{op}: the output would be {(ho, wo)} for an input {x.shape}: the padding "
            f"{pd} is too large"
        )
    geometry = (kh, kw, *st, *pd, *dl)
    if groups > 1:  # per group: (C_out/G*kh*kw, C_in/G) @ (C_in/G, H*W), folded as N*G images
        cig = c_in // groups
        w_cols = permute_dims(reshape(weight, (groups, cig, c_group * kh * kw)), (0, 2, 1))
        cols = matmul(w_cols, reshape(x, (n, groups, cig, h * w)))  # (N, G, C_out/G*kh*kw, HW)
        cols = reshape(cols, (n * groups, c_group * kh * kw, h * w))
        out = reshape(fold_p(cols, shape=(n * groups, c_group, ho, wo), geometry=geometry),
                      (n, c_out, ho, wo))  # fmt: skip
    else:
        w_cols = permute_dims(reshape(weight, (c_in, c_out * kh * kw)), (1, 0))
        cols = matmul(w_cols, reshape(x, (n, c_in, h * w)))  # (N, C_out*kh*kw, H*W)
        out = fold_p(cols, shape=(n, c_out, ho, wo), geometry=geometry)
    return out if bias is None else out + reshape(bias, (c_out, 1, 1))


def conv_transpose1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """``conv_transpose2d`` over a height of 1: ``x`` (N, C_in, L), ``weight`` (C_in, C_out, k)."""
    op = "conv_transpose1d"
    if x.ndim != 3 or weight.ndim != 3:
        raise ShapeError(
            f"{op}: expected a 3-D input (N, C_in, L) and weight (C_in, C_out, k), got "
            f"{x.shape} and {weight.shape}"
        )
    st, pd = _single(stride, "stride", op, 1), _single(padding, "padding", op)
    opd, dl = _single(output_padding, "output_padding", op), _single(dilation, "dilation", op, 1)
    out = conv_transpose2d(_as_2d(x, op), _as_2d(weight, op), bias, (1, st), (0, pd), (0, opd),
                           groups, (1, dl))  # fmt: skip
    return _from_2d(out)


def unfold(
    input: Tensor,
    kernel_size: Any = None,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
    *,
    kernel: Any = None,
) -> Tensor:
    """Every kernel window of ``input`` (N, C, H, W) as a column: shape (N, C*kh*kw, Ho*Wo)
    (im2col), with PyTorch's ``F.unfold`` signature (``kernel=`` is ``kernel_size``).

    The layout of PyTorch's ``F.unfold``: row ``(c * kh + i) * kw + j`` of sample ``n``
    holds channel ``c`` under kernel position ``(i, j)``, column ``oh * Wo + ow``.
    """
    x = input
    if x.ndim != 4:
        raise ShapeError(f"unfold: expected a 4-D input (N, C, H, W), got {x.shape}")
    k, st, pd, dl = _window_geometry(kernel_size, kernel, stride, padding, dilation, "unfold")
    return unfold_p(x, geometry=(*k, *st, *pd, *dl))


def _window_geometry(
    kernel_size: Any, kernel: Any, stride: Any, padding: Any, dilation: Any, op: str
) -> tuple[tuple[int, int], ...]:
    """unfold's and fold's kernel (``kernel_size``, or its alias ``kernel``), stride,
    padding and dilation as pairs."""
    if (kernel_size is None) == (kernel is None):
        raise ArgumentError(f"{op}: give kernel_size (or its alias kernel) once")
    return (
        _pair(kernel if kernel_size is None else kernel_size, "kernel", op, 1),
        _pair(stride, "stride", op, 1),
        _pair(padding, "padding", op),
        _pair(dilation, "dilation", op, 1),
    )


def fold(
    input: Tensor,
    output_size: Any,
    kernel_size: Any = None,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
    *,
    kernel: Any = None,
) -> Tensor:
    """The adjoint of ``unfold``: columns (N, C*kh*kw, L) back to an image of spatial size
    ``output_size`` (H, W), overlapping windows added (col2im), with PyTorch's ``F.fold``
    signature; ``output_size`` may also be the whole (N, C, H, W)."""
    cols = input
    k, st, pd, dl = _window_geometry(kernel_size, kernel, stride, padding, dilation, "fold")
    if cols.ndim != 3 or cols.shape[1] % (k[0] * k[1]):
        raise ShapeError(f"fold: expected columns (N, C*{k[0]}*{k[1]}, L), got shape {cols.shape}")
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(size) == 2:
        shape = (cols.shape[0], cols.shape[1] // (k[0] * k[1]), *size)
    else:
        shape = size
    n, c, h, w = shape
    expected = (
        n,
        c * k[0] * k[1],
        out_size(h, k[0], st[0], pd[0], dl[0]) * out_size(w, k[1], st[1], pd[1], dl[1]),
    )
    if cols.shape != expected:
        raise ShapeError(
            f"fold: columns of shape {cols.shape} for an input {tuple(shape)}; expected {expected}"
        )
    return fold_p(cols, shape=tuple(shape), geometry=(*k, *st, *pd, *dl))


def _pooled_size(n: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """PyTorch's output size: floor((n + 2p - k) / s) + 1, or with ``ceil_mode`` the ceiling,
    less one if the last window would start past the input and its left padding."""
    span = n + 2 * p - k
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool(
    x: Tensor, kernel_size: Any, stride: Any, padding: Any, op: str, pad_value: float,
    ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
) -> Tensor:  # fmt: skip
    if x.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D or 4-D input, got shape {x.shape}")
    unbatched = x.ndim == 3
    if unbatched:
        x = reshape(x, (1, *x.shape))
    k = _pair(kernel_size, "kernel_size", op, 1)
    s = k if stride is None else _pair(stride, "stride", op, 1)
    p = _pair(padding, "padding", op)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ArgumentError(
            f"{op}: padding {p} is more than half the kernel {k}; a window could then hold "
            "nothing but padding (PyTorch refuses it too: pad should be at most half the kernel)"
        )
    n, c, H, W = x.shape
    ho, wo = (_pooled_size(m, k[i], s[i], p[i], ceil_mode) for i, m in enumerate((H, W)))
    if ho <= 0 or wo <= 0:
        raise ShapeError(f"{op}: input of spatial size {(H, W)} is smaller than the kernel {k}")
    if op == "max_pool2d" and s == k and p == (0, 0) and k != (1, 1) and not ceil_mode:
        # non-overlapping windows (MaxPool2d(2)): the fused pair, no im2col
        out = max_pool_p(x, kernel=k)
        return reshape(out, out.shape[1:]) if unbatched else out
    # ceil_mode: the last windows reach past the padded input: more padding on the far side
    extra = ((ho - 1) * s[0] + k[0] - H - 2 * p[0], (wo - 1) * s[1] + k[1] - W - 2 * p[1])
    widths = ((p[0], p[0] + max(extra[0], 0)), (p[1], p[1] + max(extra[1], 0)))
    # The windows side by side on one axis (im2col), then one reduction over that axis:
    # NumPy reduces a single axis far faster than two interleaved ones (x.reshape(..., 2, ..., 2)).
    padded = xpad(x, ((0, 0), (0, 0), *widths), pad_value)
    windows = reshape(unfold(padded, k, stride=s), (n, c, k[0] * k[1], ho, wo))
    if op == "max_pool2d":
        out = max_p(windows, axis=(2,), keepdims=False)
    elif divisor_override is None and count_include_pad and max(extra) <= 0:
        out = mean(windows, axis=2)  # every window is whole: k[0] k[1] elements each
    else:
        total = sum_(windows, axis=2)
        if divisor_override is not None:
            out = total / float(divisor_override)
        else:  # the elements each window covers: of the input, with its padding if it counts
            ones = ops.ones((1, 1, H, W), dtype=x.dtype, backend=x.backend)
            inner = ((p[0], p[0]), (p[1], p[1])) if count_include_pad else ((0, 0), (0, 0))
            ones = xpad(ones, ((0, 0), (0, 0), *inner), 1.0)
            rest = tuple((a - b, c - d) for (a, c), (b, d) in zip(widths, inner, strict=True))
            ones = xpad(ones, ((0, 0), (0, 0), *rest), 0.0)
            counts = sum_(reshape(unfold(ones, k, stride=s), (1, 1, k[0] * k[1], ho, wo)), axis=2)
            out = total / counts
    return reshape(out, out.shape[1:]) if unbatched else out


def max_pool2d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """Maximum over each window; tied maxima share the gradient. ``ceil_mode`` as PyTorch's;
    ``return_indices``: also each maximum's flat index in its (H * W) input plane (the
    first of tied maxima, int64), what ``max_unpool2d`` takes. Dilation 1 only."""
    if _pair(dilation, "dilation", "max_pool2d", 1) != (1, 1):
        raise NotSupportedError("max_pool2d: dilation != 1 is not supported")
    out = _pool(x, kernel_size, stride, padding, "max_pool2d", float("-inf"), ceil_mode)
    if not return_indices:
        return out
    return out, _max_indices(x.detach(), kernel_size, stride, padding, out.shape[-2:])


def _max_indices(x: Tensor, kernel_size: Any, stride: Any, padding: Any,
                 out_hw: tuple[int, ...]) -> Tensor:  # fmt: skip
    """Where each pooling window's maximum is, as a flat index into its input plane."""
    k = _pair(kernel_size, "kernel_size", "max_pool2d", 1)
    s = k if stride is None else _pair(stride, "stride", "max_pool2d", 1)
    p = _pair(padding, "padding", "max_pool2d")
    H, W = x.shape[-2:]
    ho, wo = out_hw
    lead = x.shape[:-2]
    x4 = reshape(x, (-1, 1, H, W))
    extra = ((ho - 1) * s[0] + k[0] - H - p[0], (wo - 1) * s[1] + k[1] - W - p[1])
    padded = xpad(
        x4, ((0, 0), (0, 0), (p[0], max(extra[0], 0)), (p[1], max(extra[1], 0))), -math.inf
    )
    windows = reshape(unfold(padded, k, stride=s), (x4.shape[0], k[0] * k[1], ho, wo))
    best = ops.argmax(windows, axis=1)  # (M, Ho, Wo): the first maximum in each window
    b = x.backend
    rows = np.arange(ho)[:, None] * s[0] - p[0]
    cols = np.arange(wo)[None, :] * s[1] - p[1]
    base = ops.asarray(rows * W + cols, dtype="int64", backend=b)  # the window's top-left
    offset = (best // k[1]) * W + best % k[1]
    return reshape(base + offset, (*lead, ho, wo))


def max_unpool2d(x: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:  # fmt: skip
    """The inverse of ``max_pool2d(..., return_indices=True)``: zeros with each value of
    ``x`` put back at its index (PyTorch's ``max_unpool2d``; differentiable in ``x``)."""
    op = "max_unpool2d"
    if x.ndim not in (3, 4) or indices.shape != x.shape:
        raise ShapeError(
            f"{op}: input {x.shape} and indices {indices.shape} must be one (N,) C, H, W shape"
        )
    k = _pair(kernel_size, "kernel_size", op, 1)
    s = k if stride is None else _pair(stride, "stride", op, 1)
    p = _pair(padding, "padding", op)
    H, W = x.shape[-2:]
    size = [transposed_size(H, k[0], s[0], p[0], 1), transposed_size(W, k[1], s[1], p[1], 1)]
    if output_size is not None:
        size = list(output_size)[-2:]
    lead = x.shape[:-2]
    flat = reshape(x, (-1, H * W))
    where = reshape(indices, (-1, H * W))
    check_indices(reshape(where, (-1,)), size[0] * size[1], op, "index", "output positions")
    # Written, not added: overlapping windows can name one maximum more than once (the same
    # value). The value comes from each index's first occurrence only; the repeats add
    # s - detach(s) (exactly 0) so that every repeat still gets its gradient, as PyTorch's
    # backward gathers the output gradient at every index.
    shape = (flat.shape[0], size[0] * size[1])
    host = where.numpy()
    keys = (np.arange(host.shape[0])[:, None] * shape[1] + host).ravel()
    first = np.zeros(keys.size, dtype=bool)
    first[np.unique(keys, return_index=True)[1]] = True
    b = x.backend
    keep = ops.asarray(first.reshape(host.shape), backend=b)
    out = scatter_along_axis(ops.where(keep, flat, 0.0), where, shape, 1)
    if not first.all():
        repeats = scatter_along_axis(ops.where(keep, 0.0, flat), where, shape, 1)
        out = out + (repeats - repeats.detach())
    return reshape(out, (*lead, *size))


def avg_pool2d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True, divisor_override: int | None = None,
) -> Tensor:  # fmt: skip
    """Mean over each window: zero padding counts unless ``count_include_pad=False``;
    ``ceil_mode`` and ``divisor_override`` as PyTorch's."""
    return _pool(x, kernel_size, stride, padding, "avg_pool2d", 0.0, ceil_mode,
                 count_include_pad, divisor_override)  # fmt: skip


def _mean(x: Tensor, axis: int) -> Tensor:
    return mean(x, axis=axis)


def _max(x: Tensor, axis: int) -> Tensor:
    return max_p(x, axis=(axis,), keepdims=False)


def _adaptive(x: Tensor, axis: int, size: int, reduce: Any) -> Tensor:
    """``reduce`` (mean or max) of ``x`` over PyTorch's adaptive bins along ``axis``
    (floor/ceil bin edges)."""
    n = x.shape[axis]
    if n % size == 0:  # equal bins: one reshape and one reduction
        k = n // size
        shape = (*x.shape[:axis], size, k, *x.shape[axis + 1 :])
        return reduce(reshape(x, shape), axis + 1)
    bins = []
    for i in range(size):
        lo, hi = (i * n) // size, -((-(i + 1) * n) // size)
        index = tuple(slice(lo, hi) if a == axis else slice(None) for a in range(x.ndim))
        bins.append(reduce(x[index], axis))
    return stack(bins, axis=axis)


def adaptive_avg_pool2d(x: Tensor, output_size: Any) -> Tensor:
    """Mean over PyTorch's adaptive windows so the output has spatial size ``output_size``.

    ``output_size`` is an int or a pair (``None`` keeps that axis). The mean over a
    window is separable, so it is taken over rows, then over columns.
    """
    return _adaptive2d(x, output_size, _mean, "adaptive_avg_pool2d")


def adaptive_max_pool2d(x: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Maximum over PyTorch's adaptive windows (separable too: rows, then columns); tied
    maxima share the gradient."""
    if return_indices:
        raise NotSupportedError("adaptive_max_pool2d: return_indices=True is not supported")
    return _adaptive2d(x, output_size, _max, "adaptive_max_pool2d")


def _adaptive2d(x: Tensor, output_size: Any, reduce: Any, op: str) -> Tensor:
    if x.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D or 4-D input, got shape {x.shape}")
    pair = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else output_size
    if len(pair) != 2:
        raise ArgumentError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    size = []
    for s, n in zip(pair, x.shape[-2:], strict=True):
        s = n if s is None else s
        if not isinstance(s, int) or isinstance(s, bool) or s < 1:
            raise ArgumentError(
                f"{op}: output_size must be positive ints (or None), got {output_size!r}"
            )
        size.append(s)
    if 0 in x.shape[-2:]:
        raise ShapeError(f"{op}: empty spatial size in input of shape {x.shape}")
    out = _adaptive(x, x.ndim - 2, size[0], reduce)
    return _adaptive(out, x.ndim - 1, size[1], reduce)


def _as_2d(x: Tensor, op: str) -> Tensor:
    """(N, C, L) or (C, L) as (N, C, 1, L) or (C, 1, L): 1-D pooling is 2-D over a height of 1."""
    if x.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected a 2-D or 3-D input ((N,) C, L), got shape {x.shape}")
    return reshape(x, (*x.shape[:-1], 1, x.shape[-1]))


def _from_2d(out: Tensor) -> Tensor:
    return reshape(out, (*out.shape[:-2], out.shape[-1]))


def max_pool1d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """Maximum over each window of (N, C, L) inputs."""
    k = _single(kernel_size, "kernel_size", "max_pool1d", 1)
    s = k if stride is None else _single(stride, "stride", "max_pool1d", 1)
    p = _single(padding, "padding", "max_pool1d")
    d = _single(dilation, "dilation", "max_pool1d", 1)
    out = max_pool2d(_as_2d(x, "max_pool1d"), (1, k), (1, s), (0, p), (1, d), ceil_mode,
                     return_indices)  # fmt: skip
    if return_indices:  # flat indices in a 1 x L plane are the positions along L
        return _from_2d(out[0]), _from_2d(out[1])
    return _from_2d(out)


def avg_pool1d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:  # fmt: skip
    """Mean over each window of (N, C, L) inputs (zero padding counts by default)."""
    k = _single(kernel_size, "kernel_size", "avg_pool1d", 1)
    s = k if stride is None else _single(stride, "stride", "avg_pool1d", 1)
    p = _single(padding, "padding", "avg_pool1d")
    out = avg_pool2d(_as_2d(x, "avg_pool1d"), (1, k), (1, s), (0, p), ceil_mode, count_include_pad)
    return _from_2d(out)


def adaptive_avg_pool1d(x: Tensor, output_size: Any) -> Tensor:
    """Mean over PyTorch's adaptive windows of (N, C, L) inputs."""
    size = _single(output_size, "output_size", "adaptive_avg_pool1d", 1)
    return _from_2d(adaptive_avg_pool2d(_as_2d(x, "adaptive_avg_pool1d"), (1, size)))


def adaptive_max_pool1d(x: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Maximum over PyTorch's adaptive windows of (N, C, L) inputs."""
    size = _single(output_size, "output_size", "adaptive_max_pool1d", 1)
    out = adaptive_max_pool2d(_as_2d(x, "adaptive_max_pool1d"), (1, size), return_indices)
    return _from_2d(out)
