"""Tensor methods in PyTorch's spelling, for the habits a PyTorch user brings.

Each is a thin composition of ``xpnet.ops`` (so it is differentiable wherever the ops
are) with PyTorch's argument conventions: ``dim``/``keepdim``, ``(values, indices)``
results for ``max(dim)``/``min(dim)``/``sort``/``topk``, ``repeat`` meaning tile,
trailing-underscore in-place updates. The Array API spellings (``xn.max(x, axis=1)``,
``xn.sort``, ``xn.repeat``) keep the standard's meaning.
"""

from __future__ import annotations

import builtins
import math
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import _sparse, ops
from . import _torch_math as _m
from ._capture import recorder
from ._errors import (
    ArgumentError,
    ArgumentTypeError,
    DTypeError,
    GraphError,
    NotSupportedError,
    ShapeError,
)
from .autodiff import describe, is_grad_enabled, no_grad
from .autodiff.internal import is_tensor
from .ops import linalg
from .ops.internal import (
    REDUCTIONS,
    check_indices,
    rebase_or_write,
    scatter_along_axis,
    scatter_reduce_p,
)

if TYPE_CHECKING:
    from .tensor import Tensor


class ValuesIndices(NamedTuple):
    """``(values, indices)``: what ``max(dim)``, ``min(dim)``, ``sort`` and ``topk`` return,
    as ``torch.return_types``; unpack it or read ``.values`` and ``.indices``."""

    values: Tensor
    indices: Tensor


class Size(tuple[int, ...]):
    """PyTorch's ``torch.Size``: a tuple of ints (shapes compare equal to it)."""

    def numel(self) -> int:
        return math.prod(self)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number_first(self: Tensor, other: Any, alpha: Any, what: str) -> tuple[Any, Any]:
    """(other, alpha), also from PyTorch's deprecated ``add_(Number alpha, Tensor other)``
    that older scripts still call (with PyTorch's warning)."""
    if _is_number(other) and isinstance(alpha, type(self)):
        warnings.warn(
            f"{what}(Number, Tensor) is deprecated (as in PyTorch); write "
            f"{what}(other, alpha=number)",
            FutureWarning,
            stacklevel=3,
        )
        return alpha, other
    return other, alpha


def _value_first(
    self: Tensor, tensor1: Any, tensor2: Any, rest: tuple[Any, ...], value: Any, what: str
) -> tuple[Any, Any, Any]:
    """(value, tensor1, tensor2), also from PyTorch's deprecated ``addcmul_(Number value,
    Tensor tensor1, Tensor tensor2)``."""
    if len(rest) == 1 and _is_number(tensor1) and value == 1:
        warnings.warn(
            f"{what}(Number, Tensor, Tensor) is deprecated (as in PyTorch); write "
            f"{what}(tensor1, tensor2, value=number)",
            FutureWarning,
            stacklevel=3,
        )
        return tensor1, tensor2, rest[0]
    if rest:
        raise ArgumentError(
            f"{what} takes (tensor1, tensor2, *, value=1) or the deprecated (value, tensor1, "
            f"tensor2); got {2 + len(rest)} positional arguments"
        )
    return value, tensor1, tensor2


def _axis(self: Tensor, dim: int, what: str) -> int:
    n = max(self.ndim, 1)
    if not -n <= dim < n:
        raise ShapeError(f"{what}: dim {dim} is out of range for a tensor of shape {self.shape}")
    return dim % n


MEMORY_FORMATS = ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format")


def check_memory_format(memory_format: Any, op: str) -> None:
    """Accept PyTorch's memory formats (``xn.channels_last``...): xpnet's arrays have one
    layout, the backend's, so they change nothing; anything else is refused."""
    if memory_format is not None and memory_format not in MEMORY_FORMATS:
        raise ArgumentError(
            f"{op}: memory_format must be one of {MEMORY_FORMATS} (xn.channels_last...), got "
            f"{memory_format!r}"
        )


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


def _scatter_args(
    op: str, x: Tensor, dim: int, index: Any, src: Any
) -> tuple[int, Tensor, tuple[int, ...]]:
    """Check PyTorch's scatter arguments; (axis, src cut to index's shape, the shape of the
    block of ``x`` that index covers)."""
    ax = _axis(x, dim, op)
    if not isinstance(index, type(x)) or not x.backend.xp.isdtype(index.dtype, "integral"):
        what = describe(index) if isinstance(index, type(x)) else type(index).__name__
        raise ArgumentTypeError(f"{op}: index must be an integer Tensor, got {what}")
    if index.ndim != x.ndim or src.ndim != x.ndim:
        raise ShapeError(
            f"{op}: index {describe(index)} and src {describe(src)} need the {x.ndim} dims of "
            f"self {describe(x)}"
        )
    if src.dtype != x.dtype:
        raise DTypeError(f"{op}: src {describe(src)} must have self's dtype: {describe(x)}")
    for d in range(x.ndim):
        if index.shape[d] > src.shape[d] or (d != ax and index.shape[d] > x.shape[d]):
            raise ShapeError(
                f"{op}: index {describe(index)} is larger than src {describe(src)} or than "
                f"self {describe(x)} outside dim {dim}"
            )
    check_indices(index, x.shape[ax], op, "index", f"entries along dim {dim} of {x.shape}")
    if src.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]
    block = tuple(x.shape[d] if d == ax else index.shape[d] for d in range(x.ndim))
    return ax, src, block


def _placed(values: Tensor, index: Tensor, block: tuple[int, ...], shape: tuple[int, ...],
            ax: int) -> Tensor:  # fmt: skip
    """``values`` summed into zeros of ``shape`` at ``index`` (covering ``block``)."""
    out = scatter_along_axis(values, index, block, ax)
    if block != shape:
        out = ops.pad(out, [(0, n - b) for n, b in zip(shape, block, strict=True)])
    return out


def scatter_add(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """PyTorch's ``scatter_add``: a copy of ``x`` with ``src[i][j]`` added at row
    ``index[i][j]`` of dim 0 (for ``dim=0``; likewise along any dim); repeated indices add
    up. Differentiable in ``x`` and ``src``."""
    ax, src, block = _scatter_args("scatter_add", x, dim, index, src)
    return x + _placed(src, index, block, x.shape, ax)


def scatter(x: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None,
            reduce: str | None = None) -> Tensor:  # fmt: skip
    """PyTorch's ``scatter``: a copy of ``x`` with ``src`` (or the number ``value``) written
    at ``index`` along ``dim``. Each position must be written at most once (which of two
    writes wins is undefined in PyTorch; here that is an error on the host, and the sum of
    the writes on a device). Differentiable in ``x`` (where not overwritten) and ``src``.
    ``reduce="add"`` or ``"multiply"`` (PyTorch's older form of ``scatter_reduce``) adds or
    multiplies the values into ``x`` instead."""
    if (src is None) == (value is None):
        raise ArgumentError("scatter: give src (a Tensor) or value (a number), not both")
    how = {"add": "sum", "multiply": "prod"}.get(reduce) if reduce is not None else None
    if reduce is not None and how is None:
        raise ArgumentError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    if how is not None and isinstance(src, type(x)):
        warnings.warn(
            "scatter: reduce= with a Tensor src is deprecated (as in PyTorch); use "
            "scatter_reduce(dim, index, src, 'sum' or 'prod')",
            FutureWarning,
            stacklevel=3,
        )
    if not isinstance(src, type(x)):
        number = value if src is None else src
        if not isinstance(number, (int, float, bool)):
            raise ArgumentTypeError(f"scatter: src must be a Tensor or a number, got {number!r}")
        src = ops.full(tuple(getattr(index, "shape", ())), number, dtype=x.dtype,
                       backend=x.backend, device=x.backend.device)  # fmt: skip
    if how is not None:
        return scatter_reduce(x, dim, index, src, how, op="scatter")
    ax, src, block = _scatter_args("scatter", x, dim, index, src)
    hits = _placed(ops.ones_like(src), index, block, x.shape, ax)
    if x.backend.host_visible and recorder() is None and hits.size and float(ops.max(hits)) > 1:
        raise ArgumentError(
            "scatter: index writes one position more than once (which write wins is "
            "undefined); use scatter_add to add them"
        )
    return ops.where(hits > 0, _placed(src, index, block, x.shape, ax), x)


def scatter_reduce(x: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str,
                   include_self: bool = True, op: str = "scatter_reduce") -> Tensor:  # fmt: skip
    """PyTorch's ``scatter_reduce``: a copy of ``x`` where each position that ``index``
    sends values of ``src`` to (along ``dim``, as ``scatter_add``) holds their ``reduce``
    ("sum", "prod", "mean", "amax" or "amin"), ``x``'s own value taking part unless
    ``include_self=False``; the positions no value is sent to keep ``x``'s. Differentiable
    in ``x`` and ``src``: tied extremes share their position's gradient evenly, and a
    product's gradient is right where factors are zero (PyTorch's rules)."""
    if reduce not in ("sum", "mean", *REDUCTIONS):
        raise ArgumentError(
            f"{op}: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', got {reduce!r}"
        )
    ax, src, block = _scatter_args(op, x, dim, index, src)
    if x.backend.dtype_name(x.dtype) == "bool":
        raise DTypeError(f"{op}: reduce={reduce!r} of a bool tensor {describe(x)}")

    def hits() -> Tensor:  # how many values of src each position gets
        return _placed(ops.ones_like(src), index, block, x.shape, ax)

    if reduce in ("sum", "mean"):
        total = _placed(src, index, block, x.shape, ax)
        if reduce == "sum":
            return x + total if include_self else ops.where(hits() > 0, total, x)
        count = hits() + 1 if include_self else hits()
        total = total + x if include_self else total
        if x.backend.xp.isdtype(x.dtype, "integral"):  # PyTorch's floor division
            mean = ops.floor_divide(total, ops.maximum(count, 1))
        else:
            mean = total / ops.maximum(count, 1)
        return ops.where(count > 0, mean, x)
    size = math.prod(x.shape)
    every = ops.arange(size, backend=x.backend)
    grid = ops.reshape(every, x.shape)[tuple(slice(0, n) for n in block)]
    positions = ops.reshape(ops.take_along_axis(grid, ops.astype(index, every.dtype), axis=ax),
                            (-1,))  # fmt: skip
    values = ops.reshape(src, (-1,))
    if include_self:  # x's values as values sent to their own positions
        values = ops.concat([ops.reshape(x, (-1,)), values])
        positions = ops.concat([every, positions])
    out = ops.reshape(scatter_reduce_p(values, positions, size=size, reduce=reduce), x.shape)
    return out if include_self else ops.where(hits() > 0, out, x)


def index_reduce(x: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str,
                 include_self: bool = True) -> Tensor:  # fmt: skip
    """PyTorch's ``index_reduce``: ``source``'s slices along ``dim`` reduced ("prod",
    "mean", "amax" or "amin") into the slices ``index`` names (a 1-D integer tensor), as
    ``scatter_reduce`` with ``index`` repeated over the other dims."""
    if reduce not in ("mean", *REDUCTIONS):
        raise ArgumentError(
            f"index_reduce: reduce must be 'prod', 'mean', 'amax' or 'amin', got {reduce!r}"
        )
    ax = _axis(x, dim, "index_reduce")
    if not isinstance(index, type(x)) or index.ndim != 1:
        what = describe(index) if isinstance(index, type(x)) else type(index).__name__
        raise ShapeError(f"index_reduce: index must be a 1-D integer Tensor, got {what}")
    if (
        not isinstance(source, type(x))
        or source.ndim != x.ndim
        or source.shape[ax] != index.shape[0]
        or any(source.shape[d] != x.shape[d] for d in range(x.ndim) if d != ax)
    ):
        what = describe(source) if isinstance(source, type(x)) else type(source).__name__
        raise ShapeError(
            f"index_reduce: source {what} must have self's shape {describe(x)} outside dim "
            f"{dim} and index's length {index.shape[0]} along it"
        )
    lead = (1,) * ax + (index.shape[0],) + (1,) * (x.ndim - ax - 1)
    full = ops.broadcast_to(ops.reshape(index, lead), tuple(source.shape))
    return scatter_reduce(x, dim, full, source, reduce, include_self, op="index_reduce")


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

    def masked_fill_(self: Any, mask: Any, value: Any) -> Tensor:
        """``masked_fill`` in place (recorded in a graph, as PyTorch)."""
        return rebase_or_write(
            self, lambda old: old.masked_fill(mask, value), "masked_fill_", value
        )

    def where(self: Any, condition: Any, other: Any) -> Tensor:
        """This tensor where ``condition`` is True, ``other`` elsewhere (PyTorch's
        ``x.where(cond, y)`` = ``xn.where(cond, x, y)``)."""
        return ops.where(condition, self, other)

    # -- scatter (PyTorch's; see ``scatter`` and ``scatter_add`` above) -----------------
    def scatter(self: Any, dim: int, index: Any, src: Any = None, value: Any = None,
                reduce: str | None = None) -> Tensor:  # fmt: skip
        return scatter(self, dim, index, src, value, reduce)

    def scatter_add(self: Any, dim: int, index: Any, src: Any) -> Tensor:
        return scatter_add(self, dim, index, src)

    def scatter_reduce(self: Any, dim: int, index: Any, src: Any, reduce: str, *,
                       include_self: bool = True) -> Tensor:  # fmt: skip
        return scatter_reduce(self, dim, index, src, reduce, include_self)

    def scatter_reduce_(self: Any, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Tensor:  # fmt: skip
        """``scatter_reduce`` in place (recorded in a graph, as PyTorch)."""
        return rebase_or_write(
            self, lambda old: scatter_reduce(old, dim, index, src, reduce, include_self),
            "scatter_reduce_", src,
        )  # fmt: skip

    def index_reduce(self: Any, dim: int, index: Any, source: Any, reduce: str, *,
                     include_self: bool = True) -> Tensor:  # fmt: skip
        return index_reduce(self, dim, index, source, reduce, include_self)

    def index_reduce_(self: Any, dim: int, index: Any, source: Any, reduce: str, *,
                      include_self: bool = True) -> Tensor:  # fmt: skip
        """``index_reduce`` in place (recorded in a graph, as PyTorch)."""
        return rebase_or_write(
            self, lambda old: index_reduce(old, dim, index, source, reduce, include_self),
            "index_reduce_", source,
        )  # fmt: skip

    def scatter_(self: Any, dim: int, index: Any, src: Any = None, value: Any = None,
                 reduce: str | None = None) -> Tensor:  # fmt: skip
        """``scatter`` in place (recorded in a graph, as PyTorch)."""
        return rebase_or_write(self, lambda old: scatter(old, dim, index, src, value, reduce),
                               "scatter_", src)  # fmt: skip

    def scatter_add_(self: Any, dim: int, index: Any, src: Any) -> Tensor:
        """``scatter_add`` in place (recorded in a graph, as PyTorch)."""
        return rebase_or_write(self, lambda old: scatter_add(old, dim, index, src),
                               "scatter_add_", src)  # fmt: skip

    # -- elementwise, PyTorch's method names over the standard's functions --------------
    def sign(self: Any) -> Tensor:
        return ops.sign(self)

    def floor(self: Any) -> Tensor:
        return ops.floor(self)

    def ceil(self: Any) -> Tensor:
        return ops.ceil(self)

    def trunc(self: Any) -> Tensor:
        return ops.trunc(self)

    def frac(self: Any) -> Tensor:
        """The fractional part, ``x - trunc(x)`` (with x's sign)."""
        return self - ops.trunc(self)

    def round(self: Any, decimals: int = 0) -> Tensor:
        """Round half to even, to ``decimals`` places (as PyTorch)."""
        if not decimals:
            return ops.round(self)
        scale = 10.0**decimals
        return ops.round(self * scale) / scale

    def isnan(self: Any) -> Tensor:
        return ops.isnan(self)

    def isinf(self: Any) -> Tensor:
        return ops.isinf(self)

    def isfinite(self: Any) -> Tensor:
        return ops.isfinite(self)

    def square(self: Any) -> Tensor:
        return ops.square(self)

    def log1p(self: Any) -> Tensor:
        return ops.log1p(self)

    def expm1(self: Any) -> Tensor:
        return ops.expm1(self)

    def log2(self: Any) -> Tensor:
        return ops.log2(self)

    def log10(self: Any) -> Tensor:
        return ops.log10(self)

    def sin(self: Any) -> Tensor:
        return ops.sin(self)

    def cos(self: Any) -> Tensor:
        return ops.cos(self)

    def neg(self: Any) -> Tensor:
        return ops.negative(self)

    negative = neg

    def reciprocal(self: Any) -> Tensor:
        return ops.reciprocal(self)

    def rsqrt(self: Any) -> Tensor:
        """1 / sqrt(x)."""
        return ops.reciprocal(ops.sqrt(self))

    def logical_not(self: Any) -> Tensor:
        return ops.logical_not(self)

    def lerp(self: Any, end: Any, weight: Any) -> Tensor:
        """self + weight (end - self)."""
        return self + weight * (end - self)

    def nan_to_num(self: Any, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:  # fmt: skip
        """NaN as ``nan``, +-inf as ``posinf``/``neginf`` (default: the dtype's extremes)."""
        if not self.backend.is_float(self.dtype):
            return self  # integers and bools have no NaN or infinity
        big = float(self.backend.xp.finfo(self.dtype).max)
        out = ops.where(ops.isnan(self), nan, self)
        out = ops.where(out == math.inf, big if posinf is None else posinf, out)
        return ops.where(out == -math.inf, -big if neginf is None else neginf, out)

    # -- reductions and scans along ``dim`` ---------------------------------------------
    def prod(self: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return ops.prod(self, axis=dim, keepdims=keepdim)

    def amax(self: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The largest values over ``dim`` (all of them by default): values only."""
        return ops.max(self, axis=_dims(dim), keepdims=keepdim)

    def amin(self: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
        return ops.min(self, axis=_dims(dim), keepdims=keepdim)

    def logsumexp(self: Any, dim: Any, keepdim: bool = False) -> Tensor:
        return ops.logsumexp(self, axis=_dims(dim), keepdims=keepdim)

    def cumsum(self: Any, dim: int) -> Tensor:
        return ops.cumulative_sum(self, axis=_axis(self, dim, "cumsum"))

    def cumprod(self: Any, dim: int) -> Tensor:
        return ops.cumulative_prod(self, axis=_axis(self, dim, "cumprod"))

    def diff(self: Any, n: int = 1, dim: int = -1) -> Tensor:
        return ops.diff(self, axis=dim, n=n)

    def argsort(self: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """Indices that sort along ``dim`` (always stable here)."""
        return ops.argsort(self, axis=_axis(self, dim, "argsort"), descending=descending)

    # -- shape ------------------------------------------------------------------------
    def flip(self: Any, *dims: Any) -> Tensor:
        """Reverse the order along ``dims`` (PyTorch requires them; ``xn.flip`` defaults to all)."""
        if not dims:
            raise ArgumentError("flip() needs the dims to reverse (xn.flip(x) reverses all)")
        return ops.flip(self, axis=_dims(_size_or_ints(dims)))

    def roll(self: Any, shifts: Any, dims: Any = None) -> Tensor:
        return ops.roll(self, shifts, axis=dims)

    def tril(self: Any, diagonal: int = 0) -> Tensor:
        return ops.tril(self, k=diagonal)

    def triu(self: Any, diagonal: int = 0) -> Tensor:
        return ops.triu(self, k=diagonal)

    def movedim(self: Any, source: Any, destination: Any) -> Tensor:
        return ops.moveaxis(self, source, destination)

    moveaxis = movedim

    def unflatten(self: Any, dim: int, sizes: Any) -> Tensor:
        """Split ``dim`` into ``sizes`` (one of them may be -1)."""
        ax = _axis(self, dim, "unflatten")
        return ops.reshape(self, (*self.shape[:ax], *sizes, *self.shape[ax + 1 :]))

    def narrow(self: Any, dim: int, start: int, length: int) -> Tensor:
        """The ``length`` entries from ``start`` along ``dim`` (a view)."""
        ax = _axis(self, dim, "narrow")
        n = self.shape[ax]
        start = start + n if start < 0 else start
        if not 0 <= start <= start + length <= n or length < 0:
            raise ShapeError(
                f"narrow: start {start} and length {length} do not fit dim {dim} of {self.shape}"
            )
        return self[(slice(None),) * ax + (slice(start, start + length),)]

    def unfold(self: Any, dimension: int, size: int, step: int) -> Tensor:
        """Every window of ``size`` entries along ``dimension``, ``step`` apart, as a new last
        axis (PyTorch's ``Tensor.unfold``; ViT's patches: ``x.unfold(2, p, p).unfold(3, p, p)``)."""
        ax = _axis(self, dimension, "unfold")
        n = self.shape[ax] if self.ndim else 1
        if not isinstance(size, int) or not isinstance(step, int) or step < 1 or not 0 <= size <= n:
            raise ShapeError(
                f"unfold: windows of size {size!r} and step {step!r} along dim {dimension} of "
                f"{self.shape}"
            )
        count = (n - size) // step + 1
        starts = np.arange(count)[:, None] * step + np.arange(size)[None, :]
        picked = ops.take(self, ops.asarray(starts.reshape(-1), backend=self.backend), axis=ax)
        windows = ops.reshape(picked, (*self.shape[:ax], count, size, *self.shape[ax + 1 :]))
        return ops.moveaxis(windows, ax + 1, -1)

    def contiguous(self: Any, memory_format: Any = None) -> Tensor:
        """This tensor (xpnet's arrays have the backend's one layout; PyTorch's
        ``memory_format`` is accepted, see ``Tensor.to``)."""
        if memory_format is not None:
            check_memory_format(memory_format, "contiguous")
        return self

    def type_as(self: Any, other: Any) -> Tensor:
        """This tensor cast to ``other``'s dtype."""
        return ops.astype(self, other.backend.dtype_name(other.dtype))

    def nonzero(self: Any, as_tuple: bool = False) -> Any:
        """The indices of the nonzero elements: (K, ndim) int64, or a tuple of ndim (K,)."""
        idx = ops.nonzero(self)
        return idx if as_tuple else ops.stack(list(idx), axis=1)

    # -- operator spellings ------------------------------------------------------------
    def eq(self: Any, other: Any) -> Tensor:
        return ops.equal(self, other)

    def ne(self: Any, other: Any) -> Tensor:
        return ops.not_equal(self, other)

    def gt(self: Any, other: Any) -> Tensor:
        return ops.greater(self, other)

    def ge(self: Any, other: Any) -> Tensor:
        return ops.greater_equal(self, other)

    def lt(self: Any, other: Any) -> Tensor:
        return ops.less(self, other)

    def le(self: Any, other: Any) -> Tensor:
        return ops.less_equal(self, other)

    def add(self: Any, other: Any, alpha: Any = 1) -> Tensor:
        """self + alpha * other."""
        other, alpha = _number_first(self, other, alpha, "add")
        return self + (other if alpha == 1 else other * alpha)

    def sub(self: Any, other: Any, alpha: Any = 1) -> Tensor:
        """self - alpha * other."""
        other, alpha = _number_first(self, other, alpha, "sub")
        return self - (other if alpha == 1 else other * alpha)

    def mul(self: Any, other: Any) -> Tensor:
        return self * other

    def div(self: Any, other: Any, rounding_mode: str | None = None) -> Tensor:
        """self / other; ``rounding_mode`` "floor" or "trunc" rounds the quotient."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return self // other
        if rounding_mode == "trunc":
            return ops.trunc(self / other)
        raise ArgumentError(
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )

    def mm(self: Any, other: Any) -> Tensor:
        """The product of two matrices (2-D only, as PyTorch's)."""
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise ShapeError(
                f"mm: needs two matrices, got {self.shape} and {getattr(other, 'shape', other)}"
            )
        return ops.matmul(self, other)

    def bmm(self: Any, other: Any) -> Tensor:
        """Batched products of (B, n, m) and (B, m, p) tensors."""
        if self.ndim != 3 or getattr(other, "ndim", 0) != 3 or self.shape[0] != other.shape[0]:
            raise ShapeError(
                f"bmm: needs (B, n, m) and (B, m, p), got {self.shape} and {getattr(other, 'shape', other)}"
            )
        return ops.matmul(self, other)

    def dot(self: Any, other: Any) -> Tensor:
        """The inner product of two vectors (1-D only, as PyTorch's)."""
        if self.ndim != 1 or getattr(other, "ndim", 0) != 1 or self.shape != other.shape:
            raise ShapeError(
                f"dot: needs two vectors of one length, got {self.shape} and {getattr(other, 'shape', other)}"
            )
        return ops.vecdot(self, other)

    def expand_as(self: Any, other: Any) -> Tensor:
        return ops.broadcast_to(self, tuple(other.shape))

    def masked_select(self: Any, mask: Any) -> Tensor:
        """The elements where ``mask`` (broadcast) is True, as a 1-D tensor."""
        x, m = ops.broadcast_arrays(self, mask)
        return ops.reshape(x, (-1,))[ops.reshape(m, (-1,))]

    def index_add(self: Any, dim: int, index: Any, source: Any, alpha: Any = 1) -> Tensor:
        """A copy with ``alpha * source`` added at ``index`` along ``dim`` (repeats add up)."""
        ax = _axis(self, dim, "index_add")
        if source.ndim != self.ndim or index.ndim != 1 or source.shape[ax] != index.shape[0]:
            raise ShapeError(
                f"index_add: source {describe(source)} and index {describe(index)} do not fit "
                f"self {describe(self)} along dim {dim}"
            )
        check_indices(index, self.shape[ax], "index_add", "index", f"entries along dim {dim}")
        source = source if alpha == 1 else source * alpha
        return self + ops.scatter_add(source, index, self.shape, axis=ax)

    def index_add_(self: Any, dim: int, index: Any, source: Any, alpha: Any = 1) -> Tensor:
        """``index_add`` in place (recorded in a graph, as PyTorch)."""
        return rebase_or_write(self, lambda old: old.index_add(dim, index, source, alpha),
                               "index_add_", source)  # fmt: skip

    def index_put(self: Any, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """A copy with ``values`` at ``self[indices]`` (a tuple of index tensors for the
        leading dims); ``accumulate=True`` adds them instead, repeated indices adding up."""
        if not isinstance(indices, (tuple, list)) or not indices:
            raise ArgumentTypeError("index_put: indices must be a non-empty tuple of index tensors")
        b = self.backend
        if not isinstance(values, type(self)):
            values = ops.asarray(values, dtype=b.dtype_name(self.dtype), backend=b)
        if not accumulate:
            out = self.clone()
            out[tuple(indices)] = values
            return out
        lead = self.shape[: len(indices)]
        idx = ops.broadcast_arrays(*(ops.asarray(i, backend=b) for i in indices))
        flat = idx[-1]
        for k in range(len(idx) - 2, -1, -1):  # the flat position in the leading dims
            flat = flat + idx[k] * math.prod(lead[k + 1 :])
        flat = ops.reshape(flat, (-1,))
        trail = self.shape[len(indices) :]
        source = ops.reshape(ops.broadcast_to(values, tuple(idx[0].shape) + trail),
                             (flat.shape[0], *trail))  # fmt: skip
        base = ops.reshape(self, (math.prod(lead), *trail))
        return ops.reshape(base.index_add(0, flat, source), self.shape)

    def index_put_(self: Any, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """``index_put`` in place (recorded in a graph, as PyTorch)."""
        return rebase_or_write(self, lambda old: old.index_put(indices, values, accumulate),
                               "index_put_", values)  # fmt: skip

    def put(self: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """A copy with ``source`` at the positions ``index`` of this tensor read as 1-D."""
        flat = ops.reshape(self, (-1,))
        return ops.reshape(flat.index_put((ops.reshape(index, (-1,)),), ops.reshape(source, (-1,)),
                                          accumulate), self.shape)  # fmt: skip

    def put_(self: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        return rebase_or_write(self, lambda old: old.put(index, source, accumulate), "put_",
                               source)  # fmt: skip

    # -- sparse forms (xpnet/_sparse.py) ------------------------------------------------
    is_sparse = False

    def to_sparse(self: Any, sparse_dim: int | None = None) -> Any:
        """The nonzero elements as a coalesced COO ``SparseTensor``."""
        return _sparse.to_sparse(self, sparse_dim)

    def to_dense(self: Any) -> Tensor:
        """This tensor (already dense)."""
        return self

    @property
    def is_cuda(self: Any) -> bool:
        """Whether the tensor is on a CUDA device (the CuPy backend, or torch/JAX on a GPU)."""
        return "cuda" in self.backend.device_str.lower() or self.backend.name == "cupy"

    # -- order statistics -----------------------------------------------------------
    def median(self: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        """The lower median (PyTorch's: of an even count, the smaller middle value) of all
        elements, or ``(values, indices)`` along ``dim``."""
        if dim is None:
            flat = ops.reshape(self, (-1,))
            return flat.kthvalue((flat.shape[0] + 1) // 2, 0).values
        return self.kthvalue((self.shape[_axis(self, dim, "median")] + 1) // 2, dim, keepdim)

    def kthvalue(self: Any, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """The ``k``-th smallest value (1-based) along ``dim`` and its index."""
        x = ops.reshape(self, (-1,)) if self.ndim == 0 else self
        ax = _axis(x, dim, "kthvalue")
        n = x.shape[ax]
        if not isinstance(k, int) or not 1 <= k <= n:
            raise ArgumentError(
                f"kthvalue: k={k!r} for {n} elements along dim {dim} of {self.shape}"
            )
        idx = ops.argsort(x, axis=ax, stable=True)
        idx = idx[(slice(None),) * ax + (slice(k - 1, k),)]
        values = ops.take_along_axis(x, idx, axis=ax)
        if not keepdim:
            values, idx = ops.squeeze(values, axis=ax), ops.squeeze(idx, axis=ax)
        return ValuesIndices(values, idx)

    def unique(self: Any, sorted: bool = True, return_inverse: bool = False,
               return_counts: bool = False, dim: int | None = None) -> Any:  # fmt: skip
        """The distinct values, sorted (with ``return_inverse``/``return_counts``: a tuple
        with the flat input's indices into them and their counts), as PyTorch's."""
        if dim is not None:
            raise NotSupportedError(
                "unique: dim= is not supported (the distinct values of all elements only)"
            )
        out = [ops.sort(ops.unique_values(self))]  # (the standard leaves their order open)
        if return_inverse:
            res = ops.unique_inverse(self)
            rank = ops.argsort(ops.argsort(res.values))  # unsorted position -> sorted one
            flat = ops.take(rank, ops.reshape(res.inverse_indices, (-1,)))
            out.append(ops.reshape(flat, self.shape))
        if return_counts:
            counted = ops.unique_counts(self)
            out.append(ops.take(counted.counts, ops.argsort(counted.values)))
        return tuple(out) if len(out) > 1 else out[0]

    # -- random fills (outside the graph, as nn.init) ---------------------------------
    def uniform_(self: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with draws from U(a, b) in place."""
        return self._fill_with(lambda: ops.rand(*self.shape, dtype=self.dtype, generator=generator,
                                                backend=self.backend) * (b - a) + a, "uniform_")  # fmt: skip

    def normal_(self: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with draws from N(mean, std^2) in place."""
        return self._fill_with(lambda: ops.randn(*self.shape, dtype=self.dtype, generator=generator,
                                                 backend=self.backend) * std + mean, "normal_")  # fmt: skip

    def bernoulli_(self: Any, p: Any = 0.5, generator: Any = None) -> Tensor:
        """Fill with 1 (probability ``p``, a number or a tensor) or 0 in place."""
        return self._fill_with(lambda: ops.astype(ops.rand(*self.shape, generator=generator,
                                                           backend=self.backend) < p, self.dtype),
                               "bernoulli_")  # fmt: skip

    def _uniform(self: Any, generator: Any) -> Tensor:
        """Draws from U(0, 1) of this tensor's shape, in its dtype where it is floating."""
        b = self.backend
        dtype = self.dtype if b.is_float(self.dtype) else b.dtype("float64")
        return ops.rand(*self.shape, dtype=dtype, generator=generator, backend=b)

    def exponential_(self: Any, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from the exponential distribution of rate ``lambd`` in place."""
        return self._fill_with(lambda: -ops.log1p(-self._uniform(generator)) / lambd,
                               "exponential_")  # fmt: skip

    def cauchy_(self: Any, median: float = 0.0, sigma: float = 1.0, *,
                generator: Any = None) -> Tensor:  # fmt: skip
        """Fill with draws from the Cauchy distribution in place."""
        return self._fill_with(
            lambda: ops.tan((self._uniform(generator) - 0.5) * math.pi) * sigma + median, "cauchy_"
        )

    def log_normal_(self: Any, mean: float = 1.0, std: float = 2.0, *,
                    generator: Any = None) -> Tensor:  # fmt: skip
        """Fill with ``exp`` of draws from N(mean, std^2) in place."""
        b = self.backend
        return self._fill_with(lambda: ops.exp(ops.randn(*self.shape, dtype=self.dtype,
                                                         generator=generator, backend=b) * std
                                               + mean), "log_normal_")  # fmt: skip

    def geometric_(self: Any, p: float, *, generator: Any = None) -> Tensor:
        """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
        if not 0.0 < p < 1.0:
            raise ArgumentError(f"geometric_: p must be in (0, 1), got {p}")
        return self._fill_with(lambda: ops.maximum(
            ops.ceil(ops.log1p(-self._uniform(generator)) / math.log1p(-p)), 1.0), "geometric_")  # fmt: skip

    def random_(self: Any, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
        """Fill with integers: ``random_(to)`` from [0, to), ``random_(from, to)`` from [from,
        to), ``random_()`` from [0, 2^mantissa] for floats or [0, max] for integers."""
        low = kwargs.pop("from", None)
        high = kwargs.pop("to", None)
        if kwargs or len(args) > 2:
            raise ArgumentTypeError(f"random_: unexpected arguments {args} {kwargs}")
        if len(args) == 2:
            low, high = args
        elif len(args) == 1:
            high = args[0]
        low = 0 if low is None else int(low)
        b = self.backend
        if high is None:
            if b.is_float(self.dtype):
                high = 2 ** (np.finfo(b.dtype_name(self.dtype)).nmant + 1) + 1
            else:
                high = int(b.xp.iinfo(self.dtype).max)
        if not low < high:
            raise ArgumentError(f"random_: from ({low}) must be below to ({high})")
        return self._fill_with(lambda: ops.astype(ops.randint(low, int(high), self.shape,
                                                              generator=generator, backend=b),
                                                  b.dtype_name(self.dtype)), "random_")  # fmt: skip

    def bernoulli(self: Any, *, generator: Any = None) -> Tensor:
        """1 with the probability each element gives, else 0 (a new tensor of this dtype)."""
        return ops.astype(
            self._uniform(generator) < self.detach(), self.backend.dtype_name(self.dtype)
        )

    def fill_diagonal_(self: Any, fill_value: Any, wrap: bool = False) -> Tensor:
        """Write ``fill_value`` on the main diagonal in place (all dims equal above 2-D; a
        tall matrix's diagonal starts again below with ``wrap``), as PyTorch's."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise ShapeError(
                f"fill_diagonal_: needs a 2-D tensor or all dimensions equal, got {self.shape}"
            )
        m = self.shape[1]
        step = 1 + sum(m**k for k in range(1, self.ndim)) if self.ndim > 2 else m + 1
        end = self.size if (wrap or self.ndim > 2) else builtins.min(self.shape[0], m) * m
        mask = np.zeros(self.size, bool)
        mask[np.arange(0, end, step)] = True
        where = ops.reshape(ops.asarray(mask, backend=self.backend), self.shape)
        return rebase_or_write(self, lambda old: ops.where(where, fill_value, old),
                               "fill_diagonal_", fill_value)  # fmt: skip

    def _fill_with(self: Any, draw: Any, what: str) -> Tensor:
        if self._rg and is_grad_enabled():
            raise GraphError(f"{what} on a tensor that requires grad; do it under xn.no_grad()")
        with no_grad():
            self[...] = draw()
        return self

    # -- in place (outside the graph, like ``+=``) ------------------------------------
    def add_(self: Any, other: Any, alpha: Any = 1) -> Tensor:
        other, alpha = _number_first(self, other, alpha, "add_")
        self += other if alpha == 1 else other * alpha
        return self

    def sub_(self: Any, other: Any, alpha: Any = 1) -> Tensor:
        other, alpha = _number_first(self, other, alpha, "sub_")
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

    # -- PyTorch's math built from ops (``_torch_math``): the function, ``self`` first ----
    fmod, exp2, sgn, sinc, logit, xlogy = _m.fmod, _m.exp2, _m.sgn, _m.sinc, _m.logit, _m.xlogy
    deg2rad, rad2deg, float_power, heaviside = _m.deg2rad, _m.rad2deg, _m.float_power, _m.heaviside
    fmax, fmin, isposinf, isneginf, isreal = _m.fmax, _m.fmin, _m.isposinf, _m.isneginf, _m.isreal
    is_floating_point, is_complex, is_nonzero = _m.is_floating_point, _m.is_complex, _m.is_nonzero
    addcmul, addcdiv, addmm, addmv, addr = _m.addcmul, _m.addcdiv, _m.addmm, _m.addmv, _m.addr
    baddbmm, addbmm, mv, inner, vdot, kron = (
        _m.baddbmm,
        _m.addbmm,
        _m.mv,
        _m.inner,
        _m.vdot,
        _m.kron,
    )
    trace, diagonal, diag_embed, cross = _m.trace, _m.diagonal, _m.diag_embed, _m.cross
    logdet, pinverse, fliplr, flipud, rot90 = _m.logdet, _m.pinverse, _m.fliplr, _m.flipud, _m.rot90
    unbind, tensor_split, take_along_dim = _m.unbind, _m.tensor_split, _m.take_along_dim
    aminmax, nansum, nanmean, argwhere = _m.aminmax, _m.nansum, _m.nanmean, _m.argwhere
    quantile, cov, corrcoef, histc, select = _m.quantile, _m.cov, _m.corrcoef, _m.histc, _m.select
    cummax, cummin, logcumsumexp = _m.cummax, _m.cummin, _m.logcumsumexp
    nanmedian, nanquantile, logaddexp2, ldexp = (
        _m.nanmedian,
        _m.nanquantile,
        _m.logaddexp2,
        _m.ldexp,
    )
    diagflat, mode = _m.diagflat, _m.mode
    gcd, lcm, unique_consecutive, renorm = _m.gcd, _m.lcm, _m.unique_consecutive, _m.renorm
    ravel, msort = _m.ravel, _m.msort
    svd, qr, cholesky, matrix_exp = _m.svd, _m.qr, _m.cholesky, _m.matrix_exp
    cholesky_solve, cholesky_inverse, triangular_solve = (
        _m.cholesky_solve,
        _m.cholesky_inverse,
        _m.triangular_solve,
    )

    bincount = _m.bincount

    def apply_(self: Any, callable: Any) -> Tensor:
        """``callable`` applied to each element, written back in place (a Python loop on the
        host, as PyTorch's: for small tensors outside any graph)."""
        return self._host_map(lambda a: np.vectorize(callable, otypes=[a.dtype])(a), "apply_")

    def map_(self: Any, tensor: Any, callable: Any) -> Tensor:
        """``callable(self_element, other_element)`` for each pair (``tensor`` broadcasts),
        written back in place (a Python loop on the host, as ``apply_``)."""
        other = np.broadcast_to(np.asarray(tensor.numpy() if is_tensor(tensor) else tensor),
                                tuple(self.shape))  # fmt: skip
        return self._host_map(lambda a: np.vectorize(callable, otypes=[a.dtype])(a, other), "map_")

    def _host_map(self: Any, fn: Any, what: str) -> Tensor:
        return self._fill_with(lambda: fn(self.numpy()), what)

    def lgamma(self: Any) -> Any:
        return ops.lgamma(self)

    def digamma(self: Any) -> Any:
        return ops.digamma(self)

    def polygamma(self: Any, n: int) -> Any:
        return ops.polygamma(n, self)

    index_fill, index_copy, masked_scatter = _m.index_fill, _m.index_copy, _m.masked_scatter
    diag, isclose, allclose = _m.diag, _m.isclose, _m.allclose
    # and PyTorch's method names for the standard's functions
    absolute, arccos, arcsin, arctan, arctan2 = ops.abs, ops.acos, ops.asin, ops.atan, ops.atan2
    acos, asin, atan, atan2, tan = ops.acos, ops.asin, ops.atan, ops.atan2, ops.tan
    sinh, cosh, asinh, acosh, atanh = ops.sinh, ops.cosh, ops.asinh, ops.acosh, ops.atanh
    arcsinh, arccosh, arctanh, erf = ops.asinh, ops.acosh, ops.atanh, ops.erf
    maximum, minimum, remainder, floor_divide = (
        ops.maximum,
        ops.minimum,
        ops.remainder,
        ops.floor_divide,
    )
    logical_and, logical_or, logical_xor = ops.logical_and, ops.logical_or, ops.logical_xor
    logaddexp, hypot, copysign, true_divide = ops.logaddexp, ops.hypot, ops.copysign, ops.divide
    swapaxes = swapdims = ops.swapaxes
    inverse, det, matrix_power, outer = linalg.inv, linalg.det, linalg.matrix_power, linalg.outer
    ger = outer

    def slogdet(self: Any) -> Any:
        """``(sign, logabsdet)`` of the determinant (``xn.linalg.slogdet``)."""
        return linalg.slogdet(self)

    def count_nonzero(self: Any, dim: Any = None) -> Tensor:
        """How many elements are not zero, in all or along ``dim``."""
        return ops.count_nonzero(self, axis=_dims(dim))

    def equal(self: Any, other: Any) -> bool:
        """True when ``other`` has this shape and the same values (PyTorch's ``equal``)."""
        return self.shape == tuple(other.shape) and bool(ops.all(self == other).item())

    # in-place forms: recorded in a graph, written in place outside one
    def addcmul_(self: Any, tensor1: Any, tensor2: Any, *args: Any, value: Any = 1) -> Tensor:
        value, tensor1, tensor2 = _value_first(self, tensor1, tensor2, args, value, "addcmul_")
        return rebase_or_write(self, lambda old: _m.addcmul(old, tensor1, tensor2, value=value),
                               "addcmul_", tensor1, tensor2)  # fmt: skip

    def addcdiv_(self: Any, tensor1: Any, tensor2: Any, *args: Any, value: Any = 1) -> Tensor:
        value, tensor1, tensor2 = _value_first(self, tensor1, tensor2, args, value, "addcdiv_")
        return rebase_or_write(self, lambda old: _m.addcdiv(old, tensor1, tensor2, value=value),
                               "addcdiv_", tensor1, tensor2)  # fmt: skip

    def lerp_(self: Any, end: Any, weight: Any) -> Tensor:
        return rebase_or_write(self, lambda old: old.lerp(end, weight), "lerp_", end, weight)

    def addmm_(self: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return rebase_or_write(self, lambda old: _m.addmm(old, mat1, mat2, beta=beta, alpha=alpha),
                               "addmm_", mat1, mat2)  # fmt: skip

    def index_fill_(self: Any, dim: int, index: Any, value: Any) -> Tensor:
        return rebase_or_write(self, lambda old: _m.index_fill(old, dim, index, value),
                               "index_fill_", value)  # fmt: skip

    def index_copy_(self: Any, dim: int, index: Any, source: Any) -> Tensor:
        return rebase_or_write(self, lambda old: _m.index_copy(old, dim, index, source),
                               "index_copy_", source)  # fmt: skip

    def masked_scatter_(self: Any, mask: Any, source: Any) -> Tensor:
        return rebase_or_write(self, lambda old: _m.masked_scatter(old, mask, source),
                               "masked_scatter_", source)  # fmt: skip

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

    # -- layout and metadata (one logical layout: C order, see ``contiguous``) -----------
    def is_contiguous(self: Any, memory_format: Any = None) -> bool:
        """True: a tensor's values are in C order as far as any xpnet operation can tell
        (``contiguous()`` returns the tensor itself)."""
        if memory_format is not None:
            check_memory_format(memory_format, "is_contiguous")
        return True

    def stride(self: Any, dim: int | None = None) -> Any:
        """The C-order strides of the shape, in elements (PyTorch's ``stride()``)."""
        strides, step = [], 1
        for n in reversed(self.shape):
            strides.append(step)
            step *= builtins.max(n, 1)
        out = tuple(reversed(strides))
        return out if dim is None else out[_axis(self, dim, "stride")]

    def ndimension(self: Any) -> int:
        return self.ndim

    def nelement(self: Any) -> int:
        return self.size

    @property
    def itemsize(self: Any) -> int:
        return self.element_size()

    @property
    def is_cpu(self: Any) -> bool:
        return self.backend.host_format

    def get_device(self: Any) -> int:
        """-1 on the host; the GPU's index on a GPU (PyTorch's ``get_device``)."""
        return -1 if self.backend.host_format else int(getattr(self.device, "id", 0))

    def is_signed(self: Any) -> bool:
        return not self.backend.xp.isdtype(self.dtype, ("unsigned integer", "bool"))

    def is_same_size(self: Any, other: Any) -> bool:
        return self.shape == tuple(other.shape)

    def reshape_as(self: Any, other: Any) -> Tensor:
        return ops.reshape(self, tuple(other.shape))

    def fix(self: Any) -> Tensor:
        return ops.trunc(self)

    def angle(self: Any) -> Tensor:
        """The argument of each (complex) element; of a real one 0, or pi where negative."""
        b = self.backend
        if b.xp.isdtype(self.dtype, "complex floating"):
            return ops.atan2(ops.imag(self), ops.real(self))
        x = self if b.is_inexact(self.dtype) else ops.astype(self, b.dtype_name(b.default_float))
        return ops.where(x < 0, math.pi, ops.where(ops.isnan(x), x, 0.0 * x))

    # -- dtype spellings --------------------------------------------------------------
    def type(self: Any, dtype: Any = None) -> Any:
        """``type()``: the dtype's name (``"float32"``); ``type(dtype)``: a cast."""
        if dtype is None:
            return self.backend.dtype_name(self.dtype)
        return ops.astype(self, dtype)

    def int(self: Any) -> Tensor:
        return ops.astype(self, "int32")

    # standard operations under PyTorch's method names
    greater, greater_equal, less, less_equal = (
        ops.greater,
        ops.greater_equal,
        ops.less,
        ops.less_equal,
    )
    not_equal, signbit, positive, conj = ops.not_equal, ops.signbit, ops.positive, ops.conj
    real, imag = property(ops.real), property(ops.imag)  # attributes in PyTorch
    bitwise_and, bitwise_or, bitwise_xor = ops.bitwise_and, ops.bitwise_or, ops.bitwise_xor
    bitwise_left_shift, bitwise_right_shift = ops.bitwise_left_shift, ops.bitwise_right_shift
    bitwise_not, nextafter, erfc, erfinv = ops.bitwise_invert, ops.nextafter, ops.erfc, ops.erfinv

    def tile(self: Any, *dims: Any) -> Tensor:
        return ops.tile(self, _size(dims))

    def take(self: Any, index: Any) -> Tensor:
        """The elements at ``index`` of this tensor read as 1-D (the result has ``index``'s shape)."""
        flat = ops.reshape(index, (-1,))
        return ops.reshape(ops.take(ops.reshape(self, (-1,)), flat), tuple(index.shape))

    def _split_along(self: Any, sections: Any, dim: Any, op: str) -> tuple[Tensor, ...]:
        if isinstance(sections, int) and self.shape[dim] % sections:
            raise ShapeError(
                f"{op}: {self.shape[dim]} elements along dim {dim} do not split into {sections} "
                "equal parts (tensor_split allows unequal ones)"
            )
        return _m.tensor_split(self, sections, dim)

    def hsplit(self: Any, sections: Any) -> tuple[Tensor, ...]:
        return self._split_along(sections, 0 if self.ndim == 1 else 1, "hsplit")

    def vsplit(self: Any, sections: Any) -> tuple[Tensor, ...]:
        if self.ndim < 2:
            raise ShapeError(f"vsplit: needs at least 2 dimensions, got shape {self.shape}")
        return self._split_along(sections, 0, "vsplit")

    def dsplit(self: Any, sections: Any) -> tuple[Tensor, ...]:
        if self.ndim < 3:
            raise ShapeError(f"dsplit: needs at least 3 dimensions, got shape {self.shape}")
        return self._split_along(sections, 2, "dsplit")

    def split_with_sizes(self: Any, split_sizes: Any, dim: Any = 0) -> tuple[Tensor, ...]:
        return self.split(list(split_sizes), dim)

    def dist(self: Any, other: Any, p: float = 2.0) -> Tensor:
        """The ``p``-norm of ``self - other`` over all elements."""
        return ops.linalg.vector_norm(self - other, ord=p)

    @property
    def mH(self: Any) -> Tensor:
        """The conjugate transpose of the last two dimensions."""
        return ops.conj(ops.matrix_transpose(self))

    def adjoint(self: Any) -> Tensor:
        return self.mH

    @property
    def H(self: Any) -> Tensor:
        """The conjugate transpose of a matrix."""
        if self.ndim != 2:
            raise ShapeError(f"H: needs a matrix, got shape {self.shape}; use mH for batches")
        return self.mH

    def sum_to_size(self: Any, *size: Any) -> Tensor:
        """Summed down to ``size``, a shape this tensor broadcasts from (as a gradient is)."""
        target = _size(size)
        lead = self.ndim - len(target)
        if lead < 0 or any(t not in (1, n) for t, n in zip(target, self.shape[lead:], strict=True)):
            raise ShapeError(f"sum_to_size: {self.shape} does not broadcast from {target}")
        out = ops.sum(self, axis=tuple(range(lead))) if lead else self
        axes = tuple(i for i, (t, n) in enumerate(zip(target, out.shape, strict=True)) if t != n)
        return ops.sum(out, axis=axes, keepdims=True) if axes else out

    def detach_(self: Any) -> Tensor:
        """Cut this tensor from its graph in place: a leaf that does not require grad."""
        if self._node is None and self._rg:
            raise GraphError("detach_ on a leaf that requires grad; use requires_grad_(False)")
        _cut(self)
        return self

    def multiply(self: Any, other: Any) -> Tensor:
        return self.mul(other)

    def subtract(self: Any, other: Any, *, alpha: Any = 1) -> Tensor:
        return self.sub(other, alpha=alpha)

    def divide(self: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return self.div(other, rounding_mode=rounding_mode)

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


# PyTorch's in-place forms ``x.name_(...)`` of these methods: the method's result written into
# ``x`` (recorded in a graph, as ``rebase_or_write`` does), refused where PyTorch refuses it:
# a floating result into an integer tensor, a complex one into a real tensor.
# fmt: off
_IN_PLACE_FORMS = (
    "absolute", "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh",
    "asin", "asinh", "atan", "atanh", "ceil", "cosh", "deg2rad", "digamma", "erf", "erfc",
    "erfinv", "exp2", "expm1", "fix", "frac", "lgamma", "log10", "log1p", "log2", "logit",
    "nan_to_num", "negative", "rad2deg", "round", "rsqrt", "sgn", "sign", "sinc", "sinh",
    "tan", "trunc", "logical_not", "bitwise_not", "atan2", "arctan2", "copysign", "eq", "ne",
    "ge", "gt", "le", "lt", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "float_power", "floor_divide", "hypot", "ldexp", "logical_and", "logical_or",
    "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
    "bitwise_right_shift", "multiply", "subtract", "divide", "true_divide", "xlogy",
    "heaviside", "nextafter", "clip", "cumsum", "cumprod", "tril", "triu", "addbmm", "addmv",
    "addr", "baddbmm", "polygamma", "exp", "log", "sqrt", "abs", "neg", "sigmoid", "tanh",
    "relu", "floor", "pow", "fmod", "remainder", "clamp_min", "clamp_max", "square", "sin",
    "cos", "reciprocal",
)
# fmt: on
_KINDS = ("bool", "integral", "real floating", "complex floating")


def _in_place_form(name: str) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Tensor:
        compute = getattr(type(self), name)
        b = self.backend

        def written(old: Any) -> Any:
            out = compute(old, *args, **kwargs)
            have = next(k for k in _KINDS if b.xp.isdtype(self.dtype, k))
            got = next(k for k in _KINDS if b.xp.isdtype(out.dtype, k))
            if _KINDS.index(got) > _KINDS.index(have) and got != "bool":
                raise DTypeError(
                    f"{name}_: the result is {b.dtype_name(out.dtype)}, which cannot be written "
                    f"into a {b.dtype_name(self.dtype)} tensor in place (as in PyTorch); use "
                    f"x.{name}(...)"
                )
            return out if out.dtype == self.dtype else ops.astype(out, b.dtype_name(self.dtype))

        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, type(self))]
        return rebase_or_write(self, written, f"{name}_", *tensors)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"``{name}`` written into this tensor (PyTorch's in-place form)."
    return method


for _name in _IN_PLACE_FORMS:
    if not hasattr(TorchMethods, _name + "_"):
        setattr(TorchMethods, _name + "_", _in_place_form(_name))


def _cast(name: str, dtype: str) -> Any:
    def method(self: Any) -> Tensor:
        return ops.astype(self, dtype)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"This tensor as {dtype} (PyTorch's ``{name}()``)."
    return method


_CASTS = {"short": "int16", "char": "int8", "byte": "uint8", "bfloat16": "bfloat16",
          "cfloat": "complex64", "cdouble": "complex128"}  # fmt: skip
for _name, _dtype in _CASTS.items():
    setattr(TorchMethods, _name, _cast(_name, _dtype))


def _cut(t: Any) -> None:
    """``t`` out of its graph: no node, no gradient."""
    t._node, t._rg = None, False


def _dims(dim: Any) -> Any:
    """A dim argument as an axis argument: None, an int, or a tuple of ints."""
    return tuple(dim) if isinstance(dim, list) else dim


def _size_or_ints(dims: tuple[Any, ...]) -> Any:
    """``flip(0, 1)`` and ``flip((0, 1))`` alike."""
    if len(dims) == 1:
        return tuple(dims[0]) if isinstance(dims[0], (tuple, list)) else dims[0]
    return tuple(dims)


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)
