"""Scatter-reduce: the largest, smallest or product of the values sent to each position.

One primitive over flat positions (``scatter_reduce_p``): PyTorch's ``scatter_reduce`` and
``index_reduce`` (``amax``, ``amin``, ``prod``) are built on it in ``xpnet._tensor_torch``,
the tensor's own values joining the scattered ones as values sent to their own positions
(``include_self``), so that one rule splits the gradient among all tied maxima, as
PyTorch's does. Each backend reduces with its native scatter (NumPy's ``maximum.at``,
PyTorch's ``scatter_reduce_``, JAX's ``.at[].max``); the standard-only path reduces
one-hot blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive
from ._cast import astype
from ._elementwise import equal, maximum, where
from ._shape import scatter_add, take

if TYPE_CHECKING:
    from ..tensor import Tensor

REDUCTIONS = ("amax", "amin", "prod")


def _impl(b: Any, values: Any, positions: Any, *, size: int, reduce: str) -> Any:
    return b.scatter_reduce_flat(size, positions, values, reduce)


def _extreme_vjp(g: Tensor, ans: Tensor, values: Tensor, positions: Tensor, *, size: int) -> Tensor:
    """g at each position shared evenly by the values equal to its extreme (PyTorch's rule
    for ties)."""
    tied = astype(equal(values, take(ans, positions, axis=0)), g.dtype)
    count = scatter_add(tied, positions, (size,), axis=0)
    return take(g / maximum(count, 1.0), positions, axis=0) * tied


def _prod_vjp(g: Tensor, ans: Tensor, values: Tensor, positions: Tensor, *, size: int) -> Tensor:
    """g times the product of the other values at the position: ans / value, or where the
    value is 0, the product of the position's non-zero values if it is its only zero (else 0)."""
    zero = equal(values, 0.0)
    nonzero = where(zero, 1.0, values)
    zeros = take(scatter_add(astype(zero, g.dtype), positions, (size,), axis=0), positions, axis=0)
    others_nonzero = take(
        scatter_reduce_p(nonzero, positions, size=size, reduce="prod"), positions, axis=0
    )
    others = where(
        zero, where(equal(zeros, 1.0), others_nonzero, 0.0), take(ans, positions, axis=0) / nonzero
    )
    return take(g, positions, axis=0) * others


def _vjp(
    g: Tensor, ans: Tensor, values: Tensor, positions: Tensor, *, size: int, reduce: str
) -> Tensor:
    if reduce == "prod":
        return _prod_vjp(g, ans, values, positions, size=size)
    return _extreme_vjp(g, ans, values, positions, size=size)


# values (1-D), positions (1-D integers, each in [0, size)) -> (size,): see the module docstring
scatter_reduce_p = Primitive("scatter_reduce", _impl)
scatter_reduce_p.defvjp(_vjp, None)
