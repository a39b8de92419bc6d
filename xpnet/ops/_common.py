"""Helpers shared by the op modules: operand coercion, axis normalisation, non-differentiable ops."""

from __future__ import annotations

from typing import Any

from .._errors import ShapeError
from .._tensor import Tensor, _wrap
from ..autodiff._primitive import Primitive, _explain, _mismatch

SCALAR_TYPES = (int, float, bool)


class NondiffOp(Primitive):
    """An operation with no gradient (comparisons, argmax, sign...): never recorded."""

    __slots__ = ()

    def __init__(self, name: str, impl: Any) -> None:
        super().__init__(name, impl, register=False)

    def __call__(self, *args: Any, **params: Any) -> Tensor:
        backend = None
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                if backend is None:
                    backend = a.backend
                elif a.backend is not backend:
                    raise _mismatch(self.name, args)
                arrays.append(a.data)
            else:
                arrays.append(a)
        if backend is None:
            raise TypeError(f"{self.name}: expected at least one Tensor argument, got {args!r}")
        try:
            return _wrap(self.impl(backend.xp, *arrays, **params), backend)
        except Exception as e:
            raise _explain(self.name, args, params, e) from e


def as_operand(value: Any, like: Tensor) -> Any:
    """A Tensor or Python scalar usable beside ``like`` in a binary op."""
    if isinstance(value, Tensor) or type(value) in SCALAR_TYPES:
        return value
    from ._creation import tensor

    return tensor(value, backend=like.backend)


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``axis`` (None, int or sequence, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor of {ndim} dimension(s)")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def normalize_axis(axis: int, ndim: int, op: str) -> int:
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for a tensor of {ndim} dimension(s)")
    return axis % ndim
