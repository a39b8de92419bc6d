"""In-place arithmetic (``p -= lr * p.grad``) and assignment (``x[key] = v``).

Outside the graph the native array changes in place. In a graph (a tensor that
requires grad, not a leaf) the update is recorded as its out-of-place op and the
tensor is rebased onto the result, as PyTorch does; a leaf that requires grad is
refused.

On libraries with mutable arrays the native array is updated in place (no new
allocation); on JAX a new array replaces the old one. Either way the tensor's
version counter moves, so a graph that saved the old values refuses to use them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._errors import DTypeError, GraphError, ShapeError, XpnetError
from ..autodiff import Primitive, is_grad_enabled, mismatch_error, no_grad
from ..autodiff.internal import VERSION, TensorBase, cell, wrap
from ..backend import backend_of, fill_key
from . import _elementwise as E
from ._common import binary
from ._creation import _convert, tensor

if TYPE_CHECKING:
    from ..tensor import Tensor


def _inplace_impl(mutate: Callable[[Any, Any], Any], pure: Callable[[Any, Any], Any]) -> Any:
    def impl(b: Any, x: Any, value: Any) -> tuple[Any]:
        out = mutate(x, value) if b.mutable else pure(x, value)
        if out.shape != x.shape or out.dtype != x.dtype:
            raise GraphError(
                f"an in-place update would change {x.shape} {x.dtype} to {out.shape} {out.dtype}"
            )
        return (out,)

    return impl


# x <op>= value, as mutating primitives (recorded by xn.compile like any other op).
_IN_PLACE = {
    name: Primitive(f"in-place {name}", _inplace_impl(mutate, pure), mutates=(0,))
    for name, mutate, pure in (
        ("add", operator.iadd, operator.add),
        ("subtract", operator.isub, operator.sub),
        ("multiply", operator.imul, operator.mul),
        ("divide", operator.itruediv, operator.truediv),
    )
}
setitem_p = Primitive(
    "setitem",
    lambda b, x, value, *idx, key: (b.setitem(x, fill_key(key, idx), value),),
    mutates=(0,),
)
fill_p = Primitive("fill", lambda b, x, *, value: (b.fill(x, value),), mutates=(0,))


def rebase(x: Tensor, compute: Callable[[Tensor], Tensor], what: str) -> Tensor:
    """Make ``x`` hold ``compute(old)``, where ``old`` is ``x`` as it was: its values and its
    place in the graph both move to the result (PyTorch's in-place ops on tensors in a
    graph). Nothing is written into the old array: ``old`` keeps it for the nodes that need
    it, and ``x`` takes the result's array. ``x``'s version moves past every node recorded
    before, so one that kept ``x`` itself (and would now read the new values) refuses them
    at backward."""
    old = wrap(x._data, x.backend)
    old._node, old._rg, old._vc = x._node, x._rg, x._vc
    VERSION[0] += 1
    clock = VERSION[0]  # nodes recorded from here on (the result's) are not stale
    out = compute(old)
    if out.shape != x.shape or out.dtype != x.dtype:
        raise GraphError(
            f"{what} would change {x.backend.dtype_name(x.dtype)}{list(x.shape)} to "
            f"{out.backend.dtype_name(out.dtype)}{list(out.shape)}; in-place operations keep "
            "the shape and dtype"
        )
    x._data, x._node, x._rg = out._data, out._node, out._rg
    x._vc = cell(out)  # x and the result are the same values from now on
    x._vc[0] = max(x._vc[0], clock)
    return x


def _refuse_leaf(x: Tensor, what: str) -> None:
    if x._rg and x._node is None:
        raise GraphError(
            f"{what} on a leaf tensor that requires grad (a parameter or an input being "
            "differentiated): its gradient would belong to no value. Do it under "
            "`with xn.no_grad():` (as optimizers do), or on a copy (x = x.clone(), "
            "xp.asarray(x, copy=True))"
        )


def apply_inplace(x: Tensor, name: str, other: Any) -> Tensor:
    """``x <op>= other`` on the values of ``x``; returns ``x``.

    Outside the graph (no tensor requires grad, or under ``no_grad``) the native array
    is updated in place. In a graph (``x`` or ``other`` requires grad) the operation is
    recorded as the out-of-place op and ``x`` is rebased onto its result (``rebase``)."""
    if is_grad_enabled() and (
        x.requires_grad or (isinstance(other, TensorBase) and other.requires_grad)
    ):
        _refuse_leaf(x, f"in-place {name}")

        prim = {"add": E.add_p, "subtract": E.subtract_p, "multiply": E.multiply_p,
                "divide": E.divide_p}[name]  # fmt: skip
        return rebase(x, lambda old: binary(prim, old, other), f"in-place {name}")
    if isinstance(other, TensorBase) and other.backend is not x.backend:
        raise mismatch_error(f"in-place {name}", (x, other))
    if not isinstance(other, TensorBase) and type(other) not in (int, float, bool, complex):
        other = tensor(other, backend=x.backend)
    with no_grad():
        _IN_PLACE[name](x, other)
    return x


def converted(t: Tensor, value: Any, what: str) -> Any:
    """``value`` as a fresh native array fit to replace ``t``'s values: ``t``'s backend,
    device, shape and dtype, sharing no memory with ``value``.

    ``value`` is a Tensor of any backend, a NumPy array, an array of another
    supported library or host data. Numbers of any real kind (bool, int, float)
    are cast to ``t``'s dtype, as PyTorch's ``copy_`` does, and complex numbers too where
    ``t`` is complex; anything else (complex into a real tensor, strings, objects) or
    another shape raises, naming ``what``. Nothing is changed.
    """
    import numpy as np

    b = t.backend
    to_complex = b.is_complex(t.dtype)
    why = "numbers and booleans only" + ("" if to_complex else "; complex needs a complex tensor")
    src = value.backend if isinstance(value, TensorBase) else backend_of(value)
    if src is None or src.host_format:  # host data: check it there, convert straight to t's dtype
        host = np.asarray(value._data if isinstance(value, TensorBase) else value)
        if host.dtype.kind not in ("biufc" if to_complex else "biuf"):
            raise DTypeError(
                f"{what}: a value of NumPy dtype {host.dtype} cannot be stored in a "
                f"{b.dtype_name(t.dtype)} tensor ({why})"
            )
        if host.shape != t.shape:
            raise ShapeError(
                f"{what}: a value of shape {host.shape} for a tensor of shape {t.shape}"
            )
        return b.from_numpy(host, t.dtype, copy=True)
    try:
        arr, _ = _convert(value, None, b, None, copy=True)
    except XpnetError as e:
        raise type(e)(f"{what}: {e}") from e
    kinds = ("bool", "integral", "real floating", *(("complex floating",) if to_complex else ()))
    if not b.xp.isdtype(arr.dtype, kinds):
        raise DTypeError(
            f"{what}: a value of dtype {b.dtype_name(arr.dtype)} cannot be stored in a "
            f"{b.dtype_name(t.dtype)} tensor ({why})"
        )
    if tuple(arr.shape) != t.shape:
        raise ShapeError(
            f"{what}: a value of shape {tuple(arr.shape)} for a tensor of shape {t.shape}"
        )
    if arr.dtype != t.dtype:
        arr = b.xp.astype(arr, t.dtype)
    return arr


def copy_(t: Tensor, value: Any) -> Tensor:
    """Replace ``t``'s values with ``value``'s (converted, see ``converted``), in place (into
    its memory where the backend allows: views and ``.data`` see them); returns ``t``."""
    if is_grad_enabled() and t._rg:
        raise GraphError("copy_() into a tensor that requires grad; do it under xn.no_grad()")
    t._set_data(t.backend.assign(t._data, converted(t, value, "copy_")))
    return t
