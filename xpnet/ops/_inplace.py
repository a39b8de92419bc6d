"""In-place arithmetic (``p -= lr * p.grad``): outside the graph only, like PyTorch's leaves.

On libraries with mutable arrays the native array is updated in place (no new
allocation); on JAX a new array replaces the old one. Either way the tensor's
version counter moves, so a graph that saved the old values refuses to use them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from .._errors import GraphError
from .._tensor import Tensor
from ..autodiff import is_grad_enabled, mismatch_error, op_error

_IN_PLACE: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "add": (operator.iadd, operator.add),
    "subtract": (operator.isub, operator.sub),
    "multiply": (operator.imul, operator.mul),
    "divide": (operator.itruediv, operator.truediv),
}


def apply_inplace(x: Tensor, name: str, other: Any) -> Tensor:
    """``x <op>= other`` on the values of ``x``; returns ``x``."""
    if is_grad_enabled() and (
        x.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
    ):
        raise GraphError(
            f"in-place {name} on a tensor that requires grad would not be recorded; "
            "do it under `with xn.no_grad():` (as optimizers do) or write x = x + y"
        )
    if isinstance(other, Tensor):
        if other.backend is not x.backend:
            raise mismatch_error(f"in-place {name}", (x, other))
        value = other.data
    else:
        value = other
    mutate, pure = _IN_PLACE[name]
    try:
        if x.backend.mutable:
            out = mutate(x.data, value)
        else:
            out = pure(x.data, value)
    except Exception as e:
        raise op_error(f"in-place {name}", (x, other), {}, e) from e
    if out.shape != x.data.shape or out.dtype != x.data.dtype:
        raise GraphError(
            f"in-place {name} would change {x.shape} {x.dtype} to {out.shape} {out.dtype}"
        )
    x._set_data(out)
    return x
