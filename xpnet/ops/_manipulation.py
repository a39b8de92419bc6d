"""The standard's manipulation and remaining creation functions, composed from shape
primitives (slicing, concat, reshape, broadcast, permute), so their gradients come from
those primitives' rules: flip, roll, tile, repeat, moveaxis, unstack, broadcast_arrays,
meshgrid, tril, triu, empty, empty_like."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import ShapeError
from ..autodiff.internal import TensorBase
from ._common import normalize_axes, normalize_axis
from ._creation import tensor, zeros, zeros_like
from ._elementwise import where
from ._shape import broadcast_to, concat, permute_dims, reshape, take

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "broadcast_arrays",
    "broadcast_shapes",
    "empty",
    "empty_like",
    "flip",
    "meshgrid",
    "moveaxis",
    "repeat",
    "roll",
    "tile",
    "tril",
    "triu",
    "unstack",
]


def flip(x: Tensor, axis: Any = None) -> Tensor:
    """``x`` with the order of its elements reversed along ``axis`` (all axes by default)."""
    axes = normalize_axes(axis, x.ndim, "flip")
    axes = tuple(range(x.ndim)) if axes is None else axes
    key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))
    return x[key] if axes else x


def roll(x: Tensor, shift: Any, axis: Any = None) -> Tensor:
    """Shift elements along ``axis`` cyclically (the flattened tensor when ``axis`` is None)."""
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, 0), x.shape)
    shifts = (shift,) if isinstance(shift, int) else tuple(shift)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(shifts) != len(axes):
        raise ShapeError(f"roll: {len(shifts)} shifts for {len(axes)} axes")
    out = x
    for s, a in zip(shifts, axes, strict=True):
        ax = normalize_axis(a, x.ndim, "roll")
        n = x.shape[ax]
        k = s % n if n else 0
        if k:
            pre = (slice(None),) * ax
            out = concat([out[(*pre, slice(n - k, None))], out[(*pre, slice(0, n - k))]], axis=ax)
    return out


def tile(x: Tensor, repetitions: tuple[int, ...]) -> Tensor:
    """``x`` repeated ``repetitions[i]`` times along each axis (a broadcast, then a reshape)."""
    reps = tuple(repetitions)
    nd = max(x.ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    shape = (1,) * (nd - x.ndim) + x.shape
    spread = reshape(x, tuple(v for n in shape for v in (1, n)))
    big = broadcast_to(spread, tuple(v for r, n in zip(reps, shape, strict=True) for v in (r, n)))
    return reshape(big, tuple(r * n for r, n in zip(reps, shape, strict=True)))


def repeat(x: Tensor, repeats: Any, axis: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times along ``axis`` (the flattened tensor by default)."""
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = normalize_axis(axis, x.ndim, "repeat")
    if isinstance(repeats, int):
        shape = x.shape
        spread = reshape(x, (*shape[: ax + 1], 1, *shape[ax + 1 :]))
        big = broadcast_to(spread, (*shape[: ax + 1], repeats, *shape[ax + 1 :]))
        return reshape(big, (*shape[:ax], shape[ax] * repeats, *shape[ax + 1 :]))
    counts = np.asarray(
        repeats.numpy() if isinstance(repeats, TensorBase) else repeats, dtype=np.int64
    )
    index = np.repeat(np.arange(x.shape[ax]), counts)
    return take(x, tensor(index, backend=x.backend), axis=ax)


def moveaxis(x: Tensor, source: Any, destination: Any) -> Tensor:
    srcs = (source,) if isinstance(source, int) else tuple(source)
    dsts = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(srcs) != len(dsts):
        raise ShapeError(f"moveaxis: {source!r} and {destination!r} differ in length")
    s = [normalize_axis(a, x.ndim, "moveaxis") for a in srcs]
    d = [normalize_axis(a, x.ndim, "moveaxis") for a in dsts]
    if len(set(s)) != len(s) or len(set(d)) != len(d):
        raise ShapeError(f"moveaxis: repeated axis in {source!r} or {destination!r}")
    order = [i for i in range(x.ndim) if i not in s]
    for dst, src_axis in sorted(zip(d, s, strict=True)):
        order.insert(dst, src_axis)
    return permute_dims(x, tuple(order))


def unstack(x: Tensor, axis: int = 0) -> tuple[Tensor, ...]:
    ax = normalize_axis(axis, x.ndim, "unstack")
    return tuple(x[(slice(None),) * ax + (i,)] for i in range(x.shape[ax]))


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(_not_broadcast(shapes)) from None


def _not_broadcast(shapes: Any) -> str:
    """Which two shapes clash, and on which axis (counted from the end, as broadcasting is)."""
    shapes = [tuple(s) for s in shapes]
    for axis in range(1, max(len(s) for s in shapes) + 1):
        sizes = {s[-axis] for s in shapes if len(s) >= axis} - {1}
        if len(sizes) > 1:
            a, b = sorted(sizes)[:2]
            first = next(s for s in shapes if len(s) >= axis and s[-axis] == a)
            second = next(s for s in shapes if len(s) >= axis and s[-axis] == b)
            return (
                f"broadcast_shapes: shapes {first} and {second} cannot be broadcast together "
                f"(axis {-axis}: lengths {a} and {b}; each must be equal or 1)"
            )
    return f"broadcast_shapes: shapes {shapes} cannot be broadcast together"


def broadcast_arrays(*arrays: Tensor) -> tuple[Tensor, ...]:
    """The arrays broadcast to one shape (a tuple, as the 2025.12 standard returns)."""
    shape = broadcast_shapes(*(a.shape for a in arrays))
    return tuple(a if a.shape == shape else broadcast_to(a, shape) for a in arrays)


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors (``"xy"``: the first two axes swapped, as NumPy); a
    tuple, as the 2025.12 standard returns (and PyTorch)."""
    n = len(arrays)
    sizes = [a.shape[0] for a in arrays]
    if indexing == "xy" and n > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, a in enumerate(arrays):
        pos = (1, 0, *range(2, n))[i] if indexing == "xy" and n > 1 else i
        shape = tuple(sizes[pos] if j == pos else 1 for j in range(n))
        out.append(broadcast_to(reshape(a, shape), tuple(sizes)))
    return tuple(out)


def _band(x: Tensor, k: int, lower: bool) -> Tensor:
    rows, cols = x.shape[-2:]
    mask = np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return where(tensor(mask, backend=x.backend), x, 0.0)


def tril(x: Tensor, *, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes (from diagonal ``k``), zeros above."""
    return _band(x, k, True)


def triu(x: Tensor, *, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes (from diagonal ``k``), zeros below."""
    return _band(x, k, False)


def empty(*shape: Any, dtype: Any = None, backend: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:  # fmt: skip
    """A tensor of ``shape`` (filled with zeros: xpnet never hands out uninitialised memory)."""
    return zeros(*shape, dtype=dtype, backend=backend, device=device, requires_grad=requires_grad)


def empty_like(x: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:  # fmt: skip
    return zeros_like(x, dtype=dtype, requires_grad=requires_grad)
