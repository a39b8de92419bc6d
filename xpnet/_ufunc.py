"""NumPy ufuncs called on tensors (``np.sin(t)``, ``ndarray * t``, ``np.add.reduce(t)``).

A ufunc whose operation xpnet has runs as that xpnet operation, so it stays in the graph
and on the tensor's backend: NumPy's binary operators reach the tensor's own (reflected)
operator (``ndarray * t`` is ``t.__rmul__(ndarray)``, as when NumPy deferred to it), and
the elementwise functions the standard names (``np.exp(t)``) are the namespace's. Any
other use (ufunc methods such as ``reduce``, ``out=``, a ufunc xpnet lacks) computes on the
host values, as NumPy does for PyTorch tensors: refused for a tensor that requires grad
(the gradient would be lost, ``Tensor.__array__`` says so), the result a tensor of the
first tensor operand's backend again (``out=`` arrays are written as NumPy writes them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._namespace import namespace
from .autodiff.internal import TensorBase
from .ops import asarray

# ufunc name -> (method when the tensor is the left operand, when it is the right one)
_OPERATORS = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "divide": ("__truediv__", "__rtruediv__"),
    "floor_divide": ("__floordiv__", "__rfloordiv__"),
    "remainder": ("__mod__", "__rmod__"),
    "power": ("__pow__", "__rpow__"),
    "matmul": ("__matmul__", "__rmatmul__"),
    "bitwise_and": ("__and__", "__rand__"),
    "bitwise_or": ("__or__", "__ror__"),
    "bitwise_xor": ("__xor__", "__rxor__"),
    "left_shift": ("__lshift__", "__rlshift__"),
    "right_shift": ("__rshift__", "__rrshift__"),
    "less": ("__lt__", "__gt__"),
    "less_equal": ("__le__", "__ge__"),
    "greater": ("__gt__", "__lt__"),
    "greater_equal": ("__ge__", "__le__"),
    "equal": ("__eq__", "__eq__"),
    "not_equal": ("__ne__", "__ne__"),
}
# NumPy's names of the standard's elementwise functions, where they differ
_RENAMED = {
    "absolute": "abs",
    "arccos": "acos",
    "arccosh": "acosh",
    "arcsin": "asin",
    "arcsinh": "asinh",
    "arctan": "atan",
    "arctan2": "atan2",
    "arctanh": "atanh",
    "invert": "bitwise_invert",
    "conjugate": "conj",
}


def array_ufunc(t: TensorBase, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """``Tensor.__array_ufunc__``: see the module's docstring."""
    if method == "__call__" and not kwargs:
        pair = _OPERATORS.get(ufunc.__name__)
        if pair is not None and len(inputs) == 2:
            left, right = inputs
            if isinstance(left, TensorBase):
                return getattr(left, pair[0])(right)
            return getattr(right, pair[1])(left)
        fn = getattr(namespace(t.backend), _RENAMED.get(ufunc.__name__, ufunc.__name__), None)
        if fn is not None and ufunc.nin == len(inputs) and ufunc.nout == 1:
            return fn(*(_operand(x, t) for x in inputs))
    host = [np.asarray(x) if isinstance(x, TensorBase) else x for x in inputs]
    out = kwargs.get("out")
    if out is not None:
        kwargs["out"] = tuple(np.asarray(o) if isinstance(o, TensorBase) else o for o in out)
    result = getattr(ufunc, method)(*host, **kwargs)
    if out is not None:
        return out[0] if len(out) == 1 else out
    if isinstance(result, tuple):
        return tuple(asarray(r, backend=t.backend) for r in result)
    return result if result is None else asarray(result, backend=t.backend)


def _operand(x: Any, t: TensorBase) -> Any:
    """``x`` as an operand of an xpnet function beside ``t`` (NumPy data on ``t``'s backend)."""
    if isinstance(x, TensorBase) or type(x) in (bool, int, float, complex):
        return x
    return asarray(x, backend=t.backend)
