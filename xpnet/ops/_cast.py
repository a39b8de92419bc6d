"""Dtype conversion: the astype primitive (its VJP casts the cotangent back) and ``astype``.

Its own module because everything casts: the operators (int tensor * 2.5), autocast,
reductions and assignments all build on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["astype"]  # the public ops (xn.*) of this module

astype_p = Primitive("astype", lambda b, x, *, dtype: b.xp.astype(x, dtype))
astype_p.defvjp(lambda g, ans, x, *, dtype: astype_p(g, dtype=x.dtype), keep=(), keep_ans=False)


def astype(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (a name such as ``"float64"`` or a dtype object)."""
    dt = x.backend.dtype(dtype)
    if dt == x.data.dtype:
        return x
    return astype_p(x, dtype=dt)
