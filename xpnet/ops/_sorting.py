"""Sorting, searching and set functions.

``sort`` is differentiable: it is the gather of ``x`` at ``argsort(x)``, so the
gradient flows back to the positions the values came from. Indices, counts and
membership are integers or booleans: non-differentiable primitives. ``unique_*``
and ``nonzero`` have data-dependent shapes; they run eagerly (``xn.compile``
cannot capture them).
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any

from .._capture import recorder
from .._errors import NotSupportedError
from ..autodiff import Primitive
from ..autodiff.internal import wrap
from ._common import normalize_axes, normalize_axis
from ._shape import take_along_axis

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "argsort",
    "count_nonzero",
    "isin",
    "nonzero",
    "searchsorted",
    "sort",
    "unique_all",
    "unique_counts",
    "unique_inverse",
    "unique_values",
]

_nondiff: dict[str, Any] = {"differentiable": False}
argsort_op = Primitive(
    "argsort",
    lambda b, x, *, axis, descending, stable: b.xp.argsort(
        x, axis=axis, descending=descending, stable=stable
    ),
    **_nondiff,
)
searchsorted_op = Primitive(
    "searchsorted", lambda b, x1, x2, *, side: b.xp.searchsorted(x1, x2, side=side), **_nondiff
)
count_nonzero_op = Primitive(
    "count_nonzero",
    lambda b, x, *, axis, keepdims: b.xp.asarray(
        b.xp.count_nonzero(x, axis=axis, keepdims=keepdims)
    ),
    **_nondiff,
)


def _isin(b: Any, x1: Any, x2: Any, *, invert: bool) -> Any:
    xp = b.xp
    hit = xp.any(xp.reshape(x1, (*x1.shape, 1)) == xp.reshape(x2, (-1,)), axis=-1)
    return xp.logical_not(hit) if invert else hit


isin_op = Primitive("isin", _isin, **_nondiff)


def argsort(x: Tensor, axis: int = -1, descending: bool = False, stable: bool = True) -> Tensor:
    """The indices that sort ``x`` along ``axis`` (stable by default)."""
    ax = normalize_axis(axis, x.ndim, "argsort")
    return argsort_op(x, axis=ax, descending=descending, stable=stable)


def sort(x: Tensor, axis: int = -1, descending: bool = False, stable: bool = True) -> Tensor:
    """``x`` sorted along ``axis``; the gradient returns to where each value came from."""
    ax = normalize_axis(axis, x.ndim, "sort")
    return take_along_axis(x, argsort(x, ax, descending, stable), axis=ax)


def searchsorted(x1: Tensor, x2: Tensor, *, side: str = "left", sorter: Any = None) -> Tensor:
    """Insertion indices of ``x2`` into the sorted 1-D ``x1``."""
    if sorter is not None:
        x1 = take_along_axis(x1, sorter, axis=0)
    return searchsorted_op(x1, x2, side=side)


def count_nonzero(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return count_nonzero_op(
        x, axis=normalize_axes(axis, x.ndim, "count_nonzero"), keepdims=keepdims
    )


def isin(x1: Tensor, x2: Tensor, *, invert: bool = False) -> Tensor:
    """Whether each element of ``x1`` is in ``x2``."""
    return isin_op(x1, x2, invert=invert)


def _eager(op: str) -> None:
    if recorder() is not None:
        raise NotSupportedError(
            f"{op}: its result's shape depends on the values, so xn.compile cannot capture it"
        )


def nonzero(x: Tensor) -> tuple[Tensor, ...]:
    """The indices of the nonzero elements, one integer tensor per axis (eager only)."""
    return _results(x, "nonzero")


UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def _native(x: Tensor, fn: str) -> Any:
    """``xp.<fn>(x)`` on ``x``'s device: the data-dependent shapes no primitive records."""
    _eager(fn)
    b = x.backend
    with b.current():
        return getattr(b.xp, fn)(x._data)


def _results(x: Tensor, fn: str) -> tuple[Tensor, ...]:
    return tuple(wrap(a, x.backend) for a in _native(x, fn))


def unique_values(x: Tensor) -> Tensor:
    """The distinct values of ``x`` (sorted on most backends; no gradient)."""
    return wrap(_native(x, "unique_values"), x.backend)


def unique_counts(x: Tensor) -> UniqueCountsResult:
    return UniqueCountsResult(*_results(x, "unique_counts"))


def unique_inverse(x: Tensor) -> UniqueInverseResult:
    return UniqueInverseResult(*_results(x, "unique_inverse"))


def unique_all(x: Tensor) -> UniqueAllResult:
    return UniqueAllResult(*_results(x, "unique_all"))
