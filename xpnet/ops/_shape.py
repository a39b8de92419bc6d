"""Shape primitives with their VJPs: reshape, permute, expand/squeeze, broadcast,
concat/stack, slicing and gathers (indexing, take, take_along_axis) with their
scatter-add, and transfers between backends."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._capture import ACTIVE, recorder
from .._errors import ArgumentTypeError, DeviceError, OutOfRangeError, ShapeError
from ..autodiff import Primitive, describe, is_grad_enabled, no_grad
from ..autodiff.internal import TensorBase, cell, is_tensor, wrap
from ..backend import IDX, fill_key, placement
from ._cast import astype
from ._common import normalize_axes, normalize_axis
from ._creation import tensor
from ._elementwise import add_p
from ._inplace import _IN_PLACE, _refuse_leaf, rebase, setitem_p
from ._reduce import any as any_
from ._views import (
    broadcast_checked,
    expand_dims_p,
    permute_dims_p,
    reshape_p,
    squeeze_p,
)

__all__ = [
    "broadcast_to",
    "concat",
    "expand_dims",
    "flatten",
    "getitem",
    "matrix_transpose",
    "pad",
    "permute_dims",
    "reshape",
    "scatter_add",
    "setitem",
    "squeeze",
    "stack",
    "swapaxes",
    "take",
    "take_along_axis",
    "to",
]  # the public ops (xn.*) of this module

_BASIC_TYPES = (int, slice, type(None), type(Ellipsis))


def _concat_vjp(i: int, g: Tensor, ans: Any, *xs: Any, axis: int) -> Tensor:
    start = sum(x.shape[axis] for x in xs[:i])
    key = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]), ...)
    return slice_p(g, key=key)


def _stack_vjp(i: int, g: Tensor, ans: Any, *xs: Any, axis: int) -> Tensor:
    return slice_p(g, key=(slice(None),) * axis + (i, ...))


def _regather(g: Tensor, how: Any, indices: tuple[Any, ...]) -> Tensor:
    """The gather ``how`` applied to ``g`` (the VJP of scatter_add)."""
    if how[0] == "getitem" and not indices:
        return slice_p(g, key=how[1])
    return gather_p(g, *indices, how=how)


class _From:
    """The argument positions from ``start`` on (a ``keep=`` for variadic index arguments)."""

    def __init__(self, start: int) -> None:
        self.start = start

    def __contains__(self, i: object) -> bool:
        return isinstance(i, int) and i >= self.start

    def __iter__(self) -> Any:
        raise ArgumentTypeError("an open range of argument positions")


_view: dict[str, Any] = {"view": True}
_meta: dict[str, Any] = {"keep": (), "keep_ans": False}  # rules that need only the input's shape
# fmt: off
concat_p = Primitive("concat", lambda b, *xs, axis: b.xp.concat(list(xs), axis=axis))
concat_p.defvjp_argnum(_concat_vjp, **_meta)

stack_p = Primitive("stack", lambda b, *xs, axis: b.xp.stack(list(xs), axis=axis))
stack_p.defvjp_argnum(_stack_vjp, **_meta)

# The adjoint of a gather: zeros of ``shape`` plus ``g`` at the gathered positions.
scatter_add_p = Primitive(
    "scatter_add", lambda b, g, *idx, shape, how: b.scatter_add(shape, how, g, *idx)
)
scatter_add_p.defvjp_argnum(
    lambda i, g, ans, x, *idx, shape, how: _regather(g, how, idx), keep=_From(1), keep_ans=False
)

# Basic indexing (ints, slices, None, Ellipsis): a view of the input.
slice_p = Primitive("slice", lambda b, x, *, key: b.gather(x, ("getitem", key)), **_view)
slice_p.defvjp(lambda g, ans, x, *, key: scatter_add_p(g, shape=x.shape, how=("getitem", key)), **_meta)



def accumulate_slice(
    total: Tensor | None, prev: Tensor | None, g: Tensor, shape: tuple[int, ...], key: Any
) -> Tensor:
    """The backward pass's sum of a slice's cotangent ``g`` into its input's (the engine calls
    it outside create_graph): ``g`` added at ``key`` of ``total`` in place, where ``total``
    is a buffer an earlier call made (never a tensor anyone else holds); without one, a
    fresh scatter of ``g`` plus ``prev``, the cotangent already there. A loop over the L
    slices of one tensor (an RNN's time steps) then costs one full-size buffer, not the L
    that ``slice``'s rule (a full-size scatter each) and their sum would (autograd's
    SparseObject). Every element adds the same values in the same order as that sum."""
    if total is None:
        out = scatter_add_p(g, shape=shape, how=("getitem", key))
        if prev is not None:
            _IN_PLACE["add"](out, prev)
        return out
    setitem_p(total, add_p(slice_p(total, key=key), g), key=key)
    return total


def _pad_impl(b: Any, x: Any, *, widths: tuple[tuple[int, int], ...], value: float) -> Any:
    """Bands of ``value`` joined to ``x`` along each padded axis (the standard has no pad)."""
    xp, out = b.xp, x
    for axis, (lo, hi) in enumerate(widths):
        if lo or hi:
            shape = list(out.shape)
            parts = []
            for n in (lo, hi):
                shape[axis] = n
                parts.append(xp.full(tuple(shape), value, dtype=x.dtype, device=b.device) if n else None)
            out = xp.concat([p for p in (parts[0], out, parts[1]) if p is not None], axis=axis)
    return out


def _unpad(g: Tensor, ans: Any, x: Any, *, widths: tuple[tuple[int, int], ...], value: float) -> Tensor:
    return slice_p(g, key=tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape, strict=True)))


# Constant padding: one primitive (one node), its VJP the slice that undoes it.
pad_p = Primitive("pad", _pad_impl)
pad_p.defvjp(_unpad, **_meta)

# ``how``: ("getitem", key template with IDX marks) | ("take", axis) | ("take_along_axis", axis);
# the index tensors are the arguments after ``x``.
gather_p = Primitive("gather", lambda b, x, *idx, how: b.gather(x, how, *idx))
gather_p.defvjp_argnum(
    lambda i, g, ans, x, *idx, how: scatter_add_p(g, *idx, shape=x.shape, how=how),
    keep=_From(1), keep_ans=False,
)  # fmt: skip

def _index_update(b: Any, x: Any, value: Any, *idx: Any, key: Any) -> Any:
    xp = b.xp
    if (
        key == (IDX,)
        and xp.isdtype(idx[0].dtype, "bool")
        and idx[0].shape == x.shape
        and (not hasattr(value, "shape") or value.shape == ())
    ):  # x[mask] = scalar: a select (every library has it; no scatter through the host)
        v = value if hasattr(value, "shape") else xp.asarray(value, dtype=x.dtype, device=b.device)
        return xp.where(idx[0], xp.astype(v, x.dtype), x)
    return b.setitem(xp.asarray(x, copy=True), fill_key(key, idx), value)


def _index_update_vjp(i: int, g: Tensor, ans: Any, x: Any, value: Any, *idx: Any, key: Any) -> Tensor:
    if i == 0:  # x: the cotangent where x was kept, zero where it was overwritten
        return index_update_p(g, 0.0, *idx, key=key)
    return _regather(g, ("getitem", key), idx)  # value: the cotangent at key (summed to its shape)


# ``x`` with ``value`` written at ``key`` (a copy: the recorded form of ``x[key] = value``).
index_update_p = Primitive("index_update", _index_update)
index_update_p.defvjp_argnum(_index_update_vjp, keep=_From(2), keep_ans=False)

# Moves between backends or devices: the output lives on ``dst``.
transfer_p = Primitive("transfer", lambda b, x, *, src, dst: dst.receive(x, src), moves=True)
transfer_p.defvjp(lambda g, ans, x, *, src, dst: to(g, backend=src), **_meta)
# fmt: on


def reshape(x: Tensor, shape: Any) -> Tensor:
    """``x`` with a new shape of the same size (one entry may be -1)."""
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if shape.count(-1) == 1:
        known = math.prod(s for s in shape if s != -1)
        if known and x.size % known == 0:
            shape = tuple(x.size // known if s == -1 else s for s in shape)
    if math.prod(shape) != x.size or any(s < 0 for s in shape):
        raise ShapeError(
            f"reshape: cannot reshape a tensor of shape {x.shape} (size {x.size}) to {shape}"
        )
    if shape == x.shape:
        return x
    return reshape_p(x, shape=shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim`` to ``end_dim`` into one (PyTorch's ``flatten``)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    s = normalize_axis(start_dim, x.ndim, "flatten")
    e = normalize_axis(end_dim, x.ndim, "flatten")
    shape = x.shape
    return reshape(x, (*shape[:s], math.prod(shape[s : e + 1]), *shape[e + 1 :]))


def permute_dims(x: Tensor, axes: Any) -> Tensor:
    """Reorder the axes of ``x``."""
    axes = tuple(int(a) for a in axes)
    norm = tuple(a % x.ndim if x.ndim else a for a in axes)
    if sorted(norm) != list(range(x.ndim)):
        raise ShapeError(
            f"permute_dims: {axes} is not a permutation of the {x.ndim} axes of shape {x.shape}"
        )
    return permute_dims_p(x, axes=norm)


def swapaxes(x: Tensor, axis1: int, axis2: int) -> Tensor:
    """Swap two axes (PyTorch's ``transpose(dim0, dim1)``)."""
    a = normalize_axis(axis1, x.ndim, "swapaxes")
    b = normalize_axis(axis2, x.ndim, "swapaxes")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return permute_dims_p(x, axes=tuple(axes))


def matrix_transpose(x: Tensor) -> Tensor:
    """Swap the last two axes."""
    if x.ndim < 2:
        raise ShapeError(f"matrix_transpose: needs at least 2 dimensions, got shape {x.shape}")
    return swapaxes(x, -1, -2)


def expand_dims(x: Tensor, axis: int = 0) -> Tensor:
    """Insert an axis of length one at ``axis``."""
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ShapeError(f"expand_dims: axis {axis} is out of range for shape {x.shape}")
    return expand_dims_p(x, axis=axis % (x.ndim + 1))


def squeeze(x: Tensor, axis: Any = None) -> Tensor:
    """Remove axes of length one (``axis``: which; None: all of them)."""
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axes(axis, x.ndim, "squeeze") or ()
        bad = [a for a in axes if x.shape[a] != 1]
        if bad:
            raise ShapeError(
                f"squeeze: axis {bad[0]} of shape {x.shape} has length {x.shape[bad[0]]}, not 1"
            )
    if not axes:
        return x
    return squeeze_p(x, axis=axes)


def broadcast_to(x: Tensor, shape: Any) -> Tensor:
    """``x`` broadcast to ``shape``."""
    return broadcast_checked(x, tuple(int(s) for s in shape), "broadcast_to")


def concat(tensors: Any, axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (``axis=None``: flattened, as the standard)."""
    tensors = tuple(tensors)
    if not tensors:
        raise ShapeError("concat: needs at least one tensor")
    if axis is None:
        tensors, axis = tuple(reshape(t, (-1,)) for t in tensors), 0
    for i, t in enumerate(tensors):
        if not t.ndim:
            raise ShapeError(
                f"concat: the tensor at position {i} is 0-d ({describe(t)}), with no axis to join "
                "along; reshape it to (1,) first, or stack the tensors"
            )
    ax = normalize_axis(axis, tensors[0].ndim, "concat")
    return concat_p(*tensors, axis=ax)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    tensors = tuple(tensors)
    if not tensors:
        raise ShapeError("stack: needs at least one tensor")
    nd = tensors[0].ndim + 1
    if not -nd <= axis < nd:
        raise ShapeError(f"stack: axis {axis} is out of range for {nd} dimensions")
    return stack_p(*tensors, axis=axis % nd)


def _index_key(x: Tensor, key: Any) -> tuple[tuple[Any, ...], list[Tensor]]:
    """A key as a static template (IDX where an index array goes) and its index tensors."""
    key = key if isinstance(key, tuple) else (key,)
    template: list[Any] = []
    indices: list[Tensor] = []
    for k in key:
        if is_tensor(k):
            if k.backend is not x.backend:
                raise DeviceError(
                    f"indexing {describe(x)} with an index {describe(k)} of another backend/device"
                )
            template.append(IDX)
            indices.append(k)
        elif isinstance(k, (list, tuple)) or (not isinstance(k, _BASIC_TYPES)):
            template.append(IDX)
            indices.append(tensor(k, backend=x.backend))
        else:
            template.append(k)
    return tuple(template), indices


_FULL = slice(None)
_NUMBERS = (int, float, bool)


def _plain(x: Tensor, key: Any) -> bool:
    """Whether ``key`` is an int or a tuple of ints (the keys of element loops), each
    within its axis of ``x`` (else the general path says what is wrong)."""
    shape = x._data.shape
    if type(key) is int:
        return bool(shape) and -shape[0] <= key < shape[0]
    return (
        type(key) is tuple
        and len(key) <= len(shape)
        and all(type(k) is int and -n <= k < n for k, n in zip(key, shape, strict=False))
    )


def _check_ints(x: Tensor, template: tuple[Any, ...], op: str) -> None:
    """Refuse an int of a basic key outside its axis, as PyTorch does: some libraries (JAX)
    clamp such an index and read or write another element without a word."""
    if template.count(Ellipsis) > 1:
        return  # the library's own error says what is wrong
    shape = x.shape
    used = sum(k is not None and k is not Ellipsis and type(k) is not bool for k in template)
    if used > len(shape):
        hint = " (a 0-d tensor: its value is .item())" if not shape else ""
        raise OutOfRangeError(
            f"{op}: {used} indices for a tensor of {len(shape)} dimension(s), {describe(x)}{hint}"
        )
    front = template.index(Ellipsis) if Ellipsis in template else len(template)
    for part, start in ((template[:front], 0), (template[front + 1 :], None)):
        axes = [k for k in part if k is not None]
        first = start if start is not None else len(shape) - len(axes)
        for axis, k in enumerate(axes, first):
            if type(k) is int and 0 <= axis < len(shape) and not -shape[axis] <= k < shape[axis]:
                raise OutOfRangeError(
                    f"{op}: index {k} is out of range for axis {axis} of size {shape[axis]} "
                    f"(a tensor {describe(x)})"
                )


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]``: ints, slices, None, Ellipsis and integer or boolean index tensors.

    NumPy habits are turned into the standard's forms: a short basic key gets a
    trailing ``...``, and one integer vector among full slices (``x[i]``,
    ``x[:, i]``) becomes ``take`` along that axis.
    """
    if not x._rg and _plain(x, key) and not ACTIVE[0] and not x.backend.needs_context:
        full = (*key, Ellipsis) if type(key) is tuple else (key, Ellipsis)
        try:  # x[i], x[i, j] of a tensor outside any graph: a view, without the op's layers
            data = x._data[full]
        except Exception:  # the general path below reports what is wrong
            pass
        else:
            out = wrap(data, x.backend)
            out._vc = cell(x)  # a view: in-place changes through either are seen by both
            return out
    template, indices = _index_key(x, key)
    if not indices:
        if Ellipsis not in template and sum(k is not None for k in template) < x.ndim:
            template = (*template, Ellipsis)
        _check_ints(x, template, "getitem")
        return slice_p(x, key=template)
    if len(indices) == 1:
        p = template.index(IDX)
        k = indices[0]
        others_full = all(
            e == _FULL for q, e in enumerate(template) if q != p and e is not Ellipsis
        )
        if (
            others_full
            and Ellipsis not in template[:p]
            and k.ndim == 1
            and x.backend.xp.isdtype(k.dtype, "integral")
            and p < x.ndim
        ):
            return gather_p(x, k, how=("take", p))
    return gather_p(x, *indices, how=("getitem", template))


def _as_index(x: Tensor, indices: Any) -> Tensor:
    return _index_key(x, (indices,))[1][0]


def take(x: Tensor, indices: Any, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at ``indices`` (1-D integers) along ``axis``; duplicates allowed."""
    if axis is None:
        if x.ndim != 1:
            x = reshape(x, (-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim, "take")
    return gather_p(x, _as_index(x, indices), how=("take", ax))


def take_along_axis(x: Tensor, indices: Any, axis: int = -1) -> Tensor:
    """Pick ``x`` values at ``indices`` (same number of dimensions as ``x``) along ``axis``."""
    ax = normalize_axis(axis, x.ndim, "take_along_axis")
    idx = _as_index(x, indices)
    if idx.ndim != x.ndim:
        raise ShapeError(
            f"take_along_axis: indices of shape {idx.shape} need as many dimensions as x {x.shape}"
        )
    return gather_p(x, idx, how=("take_along_axis", ax))


def bad_indices(xp: Any, idx: Any, n: int, ignore: int | None) -> Any:
    """The mask of the indices outside [0, n) other than ``ignore``, in namespace ``xp``
    (a backend's, or NumPy's for a host check). Comparisons a dtype cannot hold are left
    out (uint8 labels are never < 0, never equal to -100), so no scalar is out of the
    array's range."""
    info = xp.iinfo(idx.dtype)
    parts = ([idx < 0] if info.min < 0 else []) + ([idx >= n] if n <= info.max else [])
    if not parts:
        return xp.zeros_like(idx, dtype=xp.bool)
    bad = parts[0] if len(parts) == 1 else xp.logical_or(parts[0], parts[1])
    if ignore is not None and info.min <= ignore <= info.max:
        bad = xp.logical_and(bad, idx != ignore)
    return bad


def _out_of_range(b: Any, idx: Any, *, n: int, ignore: int | None, reduce: bool) -> Any:
    """``bad_indices``, or (``reduce``) whether there is one."""
    bad = bad_indices(b.xp, idx, n, ignore)
    return b.xp.any(bad) if reduce else bad


# one call (one kernel where a backend registers one) for the whole check: issue 24
out_of_range_p = Primitive("out_of_range", _out_of_range, differentiable=False)


def check_indices(
    indices: Tensor,
    n: int,
    op: str,
    what: str,
    of: str,
    ignore: int | None = None,
    mask: bool = True,
) -> Tensor | None:
    """Check that every index (except ``ignore``) is in [0, n): ``what`` names one, ``of`` the n.

    On a host backend this raises ``OutOfRangeError`` now, naming the first bad
    index, and returns None. On a device it registers a deferred check (raised at
    the next host read, see ``Backend.check``) and returns the boolean mask of bad
    indices (unless ``mask=False``: the caller's own kernel is safe with them), so
    the caller can clamp them and make their results NaN instead of reading memory
    it does not own.
    """

    b = indices.backend
    if b.host_visible and recorder() is None:  # (a recorded step checks with primitives)
        host = indices.numpy()
        wrong = bad_indices(np, host, n, ignore)
        if wrong.any():
            raise OutOfRangeError(
                f"{op}: {what} {int(host[wrong][0])} is out of range for {n} {of} (valid: 0..{n - 1})"
            )
        return None
    bad = out_of_range_p(indices, n=n, ignore=ignore, reduce=False) if mask else None
    flag = out_of_range_p(indices, n=n, ignore=ignore, reduce=True) if bad is None else any_(bad)
    where = (
        ""
        if b.host_visible
        else f" on {b.name}:{b.device_str}; checked on the device and reported at the first "
        "read of a value after the call (the affected results were NaN)"
    )
    article = "an" if what[0] in "aeiou" else "a"
    b.check(
        flag._data,
        lambda: OutOfRangeError(
            f"{op}: {article} {what} was out of range for {n} {of} (valid: 0..{n - 1}){where}"
        ),
    )
    return None if b.host_visible else bad  # on the host, check() raised already


def scatter_add(values: Tensor, indices: Any, shape: Any, axis: int = 0) -> Tensor:
    """Zeros of ``shape`` plus ``values`` added at ``indices`` along ``axis`` (the VJP of ``take``).

    Duplicate indices accumulate (PyTorch's ``index_add`` into zeros).
    """
    shape = tuple(int(n) for n in shape)
    ax = normalize_axis(axis, len(shape), "scatter_add")
    return scatter_add_p(values, _as_index(values, indices), shape=shape, how=("take", ax))


def scatter_along_axis(values: Tensor, indices: Any, shape: Any, axis: int) -> Tensor:
    """Zeros of ``shape`` plus ``values`` added where ``take_along_axis(out, indices, axis)``
    would read them (the VJP of ``take_along_axis``; PyTorch's ``scatter_add`` into zeros):
    ``indices`` and ``values`` have one shape, ``shape``'s other axes are theirs."""
    shape = tuple(int(n) for n in shape)
    ax = normalize_axis(axis, len(shape), "scatter_along_axis")
    return scatter_add_p(
        values, _as_index(values, indices), shape=shape, how=("take_along_axis", ax)
    )


def rebase_or_write(x: Tensor, compute: Any, what: str, *others: Any) -> Tensor:
    """``x``'s values replaced by ``compute(x)``: recorded and ``x`` rebased onto the result in
    a graph (``x`` or one of ``others`` requires grad; a leaf that requires grad is
    refused), else written into ``x`` in place. PyTorch's in-place methods (``scatter_``,
    ``masked_fill_``) this way."""
    if is_grad_enabled() and (
        x.requires_grad or any(isinstance(o, TensorBase) and o.requires_grad for o in others)
    ):
        _refuse_leaf(x, what)
        rebase(x, compute, what)
        return x
    with no_grad():
        out = compute(x)
        setitem(x, Ellipsis, out)
    return x


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value``. Outside the graph the native array changes in place; in a graph
    (``x`` or ``value`` requires grad) it is recorded (``index_update``) and ``x`` is
    rebased onto the result, as PyTorch does: gradients reach ``value`` at ``key`` and
    ``x`` elsewhere. A leaf that requires grad is refused."""
    if (
        type(value) in _NUMBERS
        and not x._rg
        and _plain(x, key)
        and not ACTIVE[0]
        and x.backend.mutable
        and not x.backend.needs_context
    ):
        full = (*key, Ellipsis) if type(key) is tuple else (key, Ellipsis)
        try:  # x[i] = 3 outside any graph (a loop filling a tensor): straight into the array
            data = x.backend.setitem(x._data, full, value)
        except Exception:  # the general path below reports what is wrong
            pass
        else:
            x._set_data(data)
            return
    graph = is_grad_enabled() and (
        x.requires_grad or (isinstance(value, TensorBase) and value.requires_grad)
    )
    if isinstance(value, TensorBase):
        if value.backend is not x.backend:
            raise DeviceError(
                f"setitem: value {describe(value)} and target {describe(x)} differ in backend/device"
            )
    elif type(value) not in (int, float, bool, complex):
        value = tensor(value, backend=x.backend)

    template, indices = _index_key(x, key)
    if not indices and Ellipsis not in template and sum(k is not None for k in template) < x.ndim:
        template = (*template, Ellipsis)  # x[1] = v means x[1, ...] = v (as getitem reads it)
    if not indices:
        _check_ints(x, template, "setitem")
    if is_tensor(value) and value.dtype != x.dtype:
        value = astype(value, x.backend.dtype_name(x.dtype))
    if graph:
        _refuse_leaf(x, "x[key] = value")
        rebase(x, lambda old: index_update_p(old, value, *indices, key=template), "x[key] = value")
        return
    with no_grad():
        setitem_p(x, value, *indices, key=template)


def to(x: Tensor, device: Any = None, backend: Any = None, dtype: Any = None) -> Tensor:
    """``x`` moved to another backend/device and cast to ``dtype`` (differentiable)."""

    src = x.backend
    dst = placement(src, backend, device)
    out = x if dst is src else transfer_p(x, src=src, dst=dst)
    return out if dtype is None else astype(out, dtype)


if TYPE_CHECKING:
    from ..tensor import Tensor


def pad(x: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """``x`` with ``value`` added before and after each axis: ``pad_width`` is one
    ``(before, after)`` pair per axis (NumPy's ``np.pad`` order), or one int for all sides."""
    if isinstance(pad_width, int):
        widths = ((pad_width, pad_width),) * x.ndim
    else:
        widths = tuple((int(lo), int(hi)) for lo, hi in pad_width)
    if len(widths) != x.ndim or any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ShapeError(
            f"pad: pad_width {pad_width!r} must give a non-negative (before, after) pair for each "
            f"of the {x.ndim} axes of a tensor of shape {x.shape}"
        )
    if not any(lo or hi for lo, hi in widths):
        return x
    return pad_p(x, widths=widths, value=float(value))
