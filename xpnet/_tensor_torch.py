"""Tensor methods in PyTorch's spelling, for the habits a PyTorch user brings.

Each is a thin composition of ``xpnet.ops`` (so it is differentiable wherever the ops
are) with PyTorch's argument conventions: ``dim``/``keepdim``, ``(values, indices)``
results for ``max(dim)``/``min(dim)``/``sort``/``topk``, ``repeat`` meaning tile,
trailing-underscore in-place updates. The Array API spellings (``xn.max(x, axis=1)``,
``xn.sort``, ``xn.repeat``) keep the standard's meaning.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from . import ops
from ._errors import ArgumentError, ArgumentTypeError, ShapeError
from .ops import linalg

if TYPE_CHECKING:
    from .tensor import Tensor


class ValuesIndices(NamedTuple):
    """``(values, indices)``: what ``max(dim)``, ``min(dim)``, ``sort`` and ``topk`` return,
    as ``torch.return_types``; unpack it or read ``.values`` and ``.indices``."""

    values: Tensor
    indices: Tensor


def _axis(self: Tensor, dim: int, what: str) -> int:
    n = max(self.ndim, 1)
    if not -n <= dim < n:
        raise ShapeError(f"{what}: dim {dim} is out of range for a tensor of shape {self.shape}")
    return dim % n


def _reduce_with_index(
    self: Tensor, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``t.max()``: the value; ``t.max(axis=...)``: values (the Array API); ``t.max(1)`` or
    ``t.max(dim=1)``: ``(values, indices)`` (PyTorch)."""
    if len(args) > 2 or (args and not isinstance(args[0], int)):
        raise ArgumentTypeError(
            f"{name}() takes dim (an int) and keepdim; for the elementwise {name} of two tensors "
            f"use xn.{name}imum(a, b)"
        )
    unknown = set(kwargs) - {"axis", "keepdims", "dim", "keepdim"}
    if unknown:
        raise ArgumentTypeError(
            f"{name}() got an unknown keyword {sorted(unknown)[0]}=; it takes dim and keepdim "
            "(PyTorch: returns values and indices) or axis and keepdims (the Array API: values)"
        )
    if "axis" in kwargs and ("dim" in kwargs or args):
        raise ArgumentTypeError(f"{name}: both dim and axis given")
    keep = bool(kwargs.get("keepdim", kwargs.get("keepdims", args[1] if len(args) > 1 else False)))
    fn = ops.max if name == "max" else ops.min
    if "axis" in kwargs or ("dim" not in kwargs and not args):
        return fn(self, axis=kwargs.get("axis"), keepdims=keep)
    dim = kwargs["dim"] if "dim" in kwargs else args[0]
    ax = _axis(self, dim, name)
    arg = ops.argmax if name == "max" else ops.argmin
    return ValuesIndices(fn(self, axis=ax, keepdims=keep), arg(self, axis=ax, keepdims=keep))


class TorchMethods:
    """Mixed into ``Tensor`` (see the module docstring)."""

    __slots__ = ()

    # -- reductions and orderings that also give indices ------------------------------
    def max(self: Any, *args: Any, **kwargs: Any) -> Any:
        """The largest value; ``max(dim)`` as PyTorch: ``(values, indices)`` along ``dim``;
        ``max(axis=...)`` as the Array API: the values only."""
        return _reduce_with_index(self, "max", args, kwargs)

    def min(self: Any, *args: Any, **kwargs: Any) -> Any:
        """The smallest value; ``min(dim)``: ``(values, indices)``; ``min(axis=...)``: values."""
        return _reduce_with_index(self, "min", args, kwargs)

    def sort(
        self: Any, dim: int = -1, descending: bool = False, stable: bool = False
    ) -> ValuesIndices:
        """``(values, indices)`` sorted along ``dim`` (ties keep their order: always stable)."""
        ax = _axis(self, dim, "sort")
        idx = ops.argsort(self, axis=ax, descending=descending, stable=True)
        return ValuesIndices(ops.take_along_axis(self, idx, axis=ax), idx)

    def topk(
        self: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
    ) -> ValuesIndices:
        """The ``k`` largest (``largest=False``: smallest) values along ``dim`` and their
        indices, in order."""
        ax = _axis(self, dim, "topk")
        n = self.shape[ax] if self.ndim else 1
        if not isinstance(k, int) or not 0 <= k <= n:
            raise ArgumentError(f"topk: k={k!r} for {n} elements along dim {dim} of {self.shape}")
        idx = ops.argsort(self, axis=ax, descending=largest, stable=True)
        idx = idx[(slice(None),) * ax + (slice(0, k),)]
        return ValuesIndices(ops.take_along_axis(self, idx, axis=ax), idx)

    # -- shape ------------------------------------------------------------------------
    def repeat(self: Any, *sizes: Any) -> Tensor:
        """PyTorch's ``repeat``: tile the tensor ``sizes[i]`` times along each axis
        (``xn.repeat``, the Array API function, repeats each element instead)."""
        reps = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        if len(reps) < self.ndim:
            raise ShapeError(
                f"repeat: {len(reps)} repeat counts for a tensor of {self.ndim} dims {self.shape}"
            )
        return ops.tile(self, tuple(int(r) for r in reps))

    def repeat_interleave(self: Any, repeats: Any, dim: int | None = None) -> Tensor:
        """Each element repeated ``repeats`` times along ``dim`` (flattened by default)."""
        return ops.repeat(self, repeats, axis=dim)

    def split(self: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of the
        listed sizes, which must add up to the extent."""
        ax = _axis(self, dim, "split")
        n = self.shape[ax]
        if isinstance(split_size_or_sections, int):
            size = split_size_or_sections
            if size <= 0:
                raise ArgumentError(f"split: split_size must be positive, got {size}")
            sizes = [min(size, n - s) for s in range(0, n, size)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n or any(s < 0 for s in sizes):
                raise ShapeError(
                    f"split: sizes {sizes} add up to {sum(sizes)}, dim {dim} of {self.shape} has {n}"
                )
        out, start = [], 0
        for s in sizes:
            out.append(self[(slice(None),) * ax + (slice(start, start + s),)])
            start += s
        return tuple(out)

    def t(self: Any) -> Tensor:
        """The transpose of a matrix (a vector or scalar as it is), PyTorch's ``t()``."""
        if self.ndim > 2:
            raise ShapeError(
                f"t() expects a tensor of at most 2 dims, got shape {self.shape}; use mT or permute"
            )
        return self if self.ndim < 2 else ops.matrix_transpose(self)

    def view_as(self: Any, other: Any) -> Tensor:
        """This tensor reshaped to ``other``'s shape."""
        return ops.reshape(self, tuple(other.shape))

    def gather(self: Any, dim: int, index: Any) -> Tensor:
        """The entries at ``index`` along ``dim`` (PyTorch's ``gather``; the standard's
        ``take_along_axis``): ``index`` has this tensor's number of dims."""
        return ops.take_along_axis(self, index, axis=_axis(self, dim, "gather"))

    def chunk(self: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` pieces of equal size (ceil(n / chunks)) along ``dim``."""
        if not isinstance(chunks, int) or chunks <= 0:
            raise ArgumentError(f"chunk: chunks must be a positive int, got {chunks!r}")
        n = self.shape[_axis(self, dim, "chunk")]
        return self.split(max(math.ceil(n / chunks), 1), dim)

    # -- math -------------------------------------------------------------------------
    def pow(self: Any, exponent: Any) -> Tensor:
        return ops.pow(self, exponent)

    def norm(self: Any, p: Any = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The ``p``-norm of all elements, or over ``dim`` (``p="fro"`` is 2)."""
        order = 2 if p == "fro" else p
        return linalg.vector_norm(self, axis=dim, keepdims=keepdim, ord=order)

    def masked_fill(self: Any, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is True, ``self`` elsewhere (``mask`` broadcasts)."""
        if not isinstance(mask, type(self)) or mask.backend.dtype_name(mask.dtype) != "bool":
            raise ArgumentTypeError(
                f"masked_fill: the mask must be a bool tensor, got "
                f"{type(mask).__name__ if not isinstance(mask, type(self)) else mask.backend.dtype_name(mask.dtype)}"
            )
        if isinstance(value, type(self)):
            value = ops.astype(value, self.dtype)
        return ops.where(mask, value, self)

    # -- in place (outside the graph, like ``+=``) ------------------------------------
    def add_(self: Any, other: Any, alpha: Any = 1) -> Tensor:
        self += other if alpha == 1 else other * alpha
        return self

    def sub_(self: Any, other: Any, alpha: Any = 1) -> Tensor:
        self -= other if alpha == 1 else other * alpha
        return self

    def mul_(self: Any, other: Any) -> Tensor:
        self *= other
        return self

    def div_(self: Any, other: Any) -> Tensor:
        self /= other
        return self

    def fill_(self: Any, value: Any) -> Tensor:
        """Set every element to ``value`` in place (outside the graph, as ``zero_``)."""
        return self._fill(value, "fill_()")

    def clamp_(self: Any, min: Any = None, max: Any = None) -> Tensor:
        self.copy_(ops.clip(self.detach(), min, max))
        return self

    # -- new tensors like this one (backend, device, dtype) ---------------------------
    def new_zeros(self: Any, *size: Any, dtype: Any = None) -> Tensor:
        return self.new_full(_size(size), 0, dtype=dtype)

    def new_ones(self: Any, *size: Any, dtype: Any = None) -> Tensor:
        return self.new_full(_size(size), 1, dtype=dtype)

    def new_empty(self: Any, *size: Any, dtype: Any = None) -> Tensor:
        return self.new_full(_size(size), 0, dtype=dtype)

    def new_full(self: Any, size: Any, fill_value: Any, dtype: Any = None) -> Tensor:
        """A tensor of ``size`` filled with ``fill_value``, on this tensor's backend and device,
        of its dtype unless ``dtype`` is given."""
        b = self.backend
        d = self.dtype if dtype is None else b.dtype(dtype)
        return ops.full(
            _size((size,)), fill_value, dtype=b.dtype_name(d), backend=b, device=b.device
        )

    def new_tensor(self: Any, data: Any, dtype: Any = None) -> Tensor:
        b = self.backend
        name = b.dtype_name(self.dtype) if dtype is None else dtype
        return ops.tensor(data, dtype=name, backend=b, device=b.device)

    # -- dtype spellings --------------------------------------------------------------
    def type(self: Any, dtype: Any = None) -> Any:
        """``type()``: the dtype's name (``"float32"``); ``type(dtype)``: a cast."""
        if dtype is None:
            return self.backend.dtype_name(self.dtype)
        return ops.astype(self, dtype)

    def int(self: Any) -> Tensor:
        return ops.astype(self, "int32")

    def bool(self: Any) -> Tensor:
        return ops.astype(self, "bool")

    def __format__(self: Any, spec: str) -> str:
        """``f"{loss:.4f}"`` formats the value of a one-element tensor."""
        if not spec:
            return str(self)
        if self.size != 1:
            raise ArgumentTypeError(
                f"format spec {spec!r} needs a one-element tensor, got shape {self.shape}; "
                "format t.tolist() or the elements"
            )
        return format(self.item(), spec)


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)
