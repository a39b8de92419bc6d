"""Helpers shared by the op modules: operand coercion and axis normalisation."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from .._autocast_state import LOW
from .._errors import ArgumentTypeError, DTypeError, PerformanceWarning, ShapeError
from ..autodiff.internal import TensorBase, is_tensor
from ._cast import astype, astype_p, complex_of
from ._creation import tensor

if TYPE_CHECKING:
    from ..tensor import Tensor

SCALAR_TYPES = (int, float, bool, complex)


def as_operand(value: Any, like: TensorBase) -> Any:
    """A Tensor or Python scalar usable beside ``like`` in a binary op."""
    if isinstance(value, TensorBase) or type(value) in SCALAR_TYPES:
        return value
    dense = getattr(value, "__xpnet_dense__", None)  # a sparse tensor: its dense form
    if dense is not None:
        return dense()

    return tensor(value, backend=like.backend)


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``axis`` (None, int or sequence, negatives allowed) as a sorted tuple of non-negative ints.

    A 0-d tensor accepts axis 0 and -1 (as PyTorch does) and reduces over nothing:
    the result is None, the whole (one-element) tensor.
    """
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if ndim == 0:
        bad = [a for a in axes if a not in (0, -1)]
        if bad:
            raise ShapeError(f"{op}: axis {bad[0]} is out of range for a 0-d tensor")
        return None
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor of {ndim} dimension(s)")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def normalize_axis(axis: int, ndim: int, op: str) -> int:
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for a tensor of {ndim} dimension(s)")
    return axis % ndim


_SLOW_WARNED: set[int] = set()  # backends already told that their float16 is emulated


def check_low_dtype(b: Any, name: str) -> None:
    """Raise a DTypeError saying why backend ``b`` cannot autocast to ``name``, if it cannot;
    warn once per backend where it can but float16 arithmetic is emulated (NumPy)."""
    if name == "float16" and not b.fast_float16 and id(b) not in _SLOW_WARNED:
        _SLOW_WARNED.add(id(b))
        warnings.warn(
            f"autocast('float16') on {b}: {b.name} computes float16 in software, so a step runs "
            "several times slower than in float32 (xpnet does the matrix products in float32, "
            "but the casts and the elementwise work stay in float16; a small conv net: 84 ms vs "
            "16 ms). Train in float32 on the CPU, or use autocast on a GPU backend",
            PerformanceWarning,
            stacklevel=4,
        )
    try:
        b.dtype(name)
    except DTypeError as e:
        hint = (
            "; NumPy has no bfloat16 arithmetic (ml_dtypes' bfloat16 computes matmul in "
            "float32): use 'float16', or the torch or jax backend"
            if name == "bfloat16" and b.name == "numpy"
            else "; the Array API standard defines no float16, and array-api-strict has only "
            "the standard's dtypes"
            if b.name == "array_api_strict"
            else ""
        )
        raise DTypeError(f"autocast({name!r}) on {b}: {e}{hint}") from None


def autocast_low(*ts: Any) -> tuple[Any, ...]:
    """Under ``xn.autocast``: floating tensors cast to the low dtype (matmul, linear, conv)."""
    name = LOW.get()
    if name is None:
        return ts

    for t in ts:
        if isinstance(t, TensorBase):
            check_low_dtype(t.backend, name)
            break

    return tuple(astype(t, name) if is_tensor(t) and t.backend.is_float(t.dtype) else t for t in ts)


def autocast_high(t: Any) -> Any:
    """Under ``xn.autocast``: a float16/bfloat16 tensor cast up to float32 (softmax, losses, sums...)."""
    if LOW.get() is None or not is_tensor(t):
        return t
    b = t.backend
    if b.is_float(t.dtype) and b.dtype_name(t.dtype) in ("float16", "bfloat16"):
        return astype(t, "float32")
    return t


def _method_hint(name: str) -> str:
    method = {"float32": "float", "float64": "double", "float16": "half"}.get(name)
    return f" (or x.{method}())" if method else ""


def layer_dtypes(op: str, x: Tensor, *params: Tensor | None) -> None:
    """A layer's input must have its parameters' dtype (PyTorch refuses a float64 input to a
    float32 layer rather than computing in float64); under ``xn.autocast`` all were cast already."""
    if not isinstance(x, TensorBase):
        return  # the primitive refuses a foreign array with a BackendError that names it
    for p in params:
        if p is not None and p.dtype != x.dtype:
            b = x.backend
            raise DTypeError(
                f"{op}: the input is {b.dtype_name(x.dtype)} but the parameters are "
                f"{p.backend.dtype_name(p.dtype)} (shapes {x.shape} and {p.shape}); convert the input "
                f"with x.astype({p.backend.dtype_name(p.dtype)!r}){_method_hint(p.backend.dtype_name(p.dtype))}, "
                f"or the model with model.to(dtype=...)"
            )


def float_wins(x: Any, y: Any) -> tuple[Any, Any]:
    """Two tensors of one backend and different kinds: the integer (or bool) one takes the
    floating one's dtype, as in PyTorch and JAX (float32 * int64 is float32 on every
    backend; NumPy alone would give float64). Same-kind pairs promote as the standard
    says; tensors of two backends are left to the primitive, which names both."""
    dx, dy = x._data.dtype, y._data.dtype
    if dx is dy or x.backend is not y.backend or dx == dy:
        return x, y
    inexact = x.backend.inexact_dtypes
    fx, fy = dx in inexact, dy in inexact
    if fx and not fy:
        return x, astype_p(y, dtype=dx)
    if fy and not fx:
        return astype_p(x, dtype=dy), y
    return x, y


def _default_for(t: TensorBase, scalar: Any) -> Any:
    """The default float (or complex) dtype an integer or bool ``t`` takes beside a Python
    float (or complex): ``int tensor * 2.5`` is float32, ``* 2j`` complex64."""
    return t.backend.default_complex if type(scalar) is complex else t.backend.default_float


def binary(prim: Any, x: Any, y: Any) -> Tensor:
    """``prim(x, y)`` with one operand possibly a Python scalar or host data.

    The one place binary promotion happens (the Tensor operators come here too):
    a Python float beside an integer tensor makes it float32 first. The common
    cases (two tensors; a tensor and a Python number) are tested first: this runs
    for every arithmetic operator.
    """
    ty = type(y)
    if isinstance(x, TensorBase):
        if ty is int:
            return prim(x, y)
        if isinstance(y, TensorBase):
            if x._data.dtype is not y._data.dtype:
                x, y = float_wins(x, y)
            return prim(x, y)
        if ty is float:
            if x._data.dtype in x.backend.inexact_dtypes:
                return prim(x, y)
            return prim(
                astype_p(x, dtype=x.backend.default_float), y
            )  # int tensor * 2.5 -> float32
        if not is_tensor(y):
            dense = getattr(y, "__xpnet_dense__", None)
            if dense is not None:  # a sparse tensor: its dense form, promoted as a tensor
                return binary(prim, x, dense())
            y = as_operand(y, x)
            if type(y) in (float, complex) and x._data.dtype not in x.backend.inexact_dtypes:
                x = astype_p(x, dtype=_default_for(x, y))
        return prim(x, y)
    if is_tensor(y):
        dense = getattr(x, "__xpnet_dense__", None)
        if dense is not None:
            return binary(prim, dense(), y)
        x = as_operand(x, y)
        if type(x) in (float, complex) and y._data.dtype not in y.backend.inexact_dtypes:
            y = astype_p(y, dtype=_default_for(y, x))
        if type(x) is complex:
            # as a 0-d array of the complex dtype of y's precision: Python's complex * a
            # NumPy float64 scalar (a 0-d result) gives a Python complex, not an array
            x = tensor(x, dtype=complex_of(y), backend=y.backend)
        return prim(x, y)
    raise ArgumentTypeError(
        f"{prim.name}: expected a Tensor operand, got {type(x).__name__} and {type(y).__name__}"
    )
