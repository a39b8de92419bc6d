"""Dtype conversion: ``astype``, and the parts of complex numbers (``real``, ``imag``,
``conj``), whose gradients move between real and complex cotangents.

Its own module because everything casts: the operators (int tensor * 2.5), autocast,
reductions and assignments all build on it.

Complex gradients follow JAX's convention: a rule is the transpose of the derivative
as a linear map over the reals, so a holomorphic function's rule is the real formula
(``g * f'(z)``), and for a real-valued loss ``L(z)`` the gradient is
``dL/dx - i dL/dy`` (PyTorch returns its conjugate). The non-holomorphic parts:
``real``: g -> g (as complex); ``imag``: g -> -i g; ``conj``: g -> conj(g);
``abs`` (in ``_elementwise``): g -> g conj(z)/|z|; a real->complex ``astype``: g -> real(g).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import ShapeError
from ..autodiff import Primitive

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["astype", "conj", "imag", "real"]  # the public ops (xn.*) of this module


def cast_cotangent(g: Tensor, dtype: Any) -> Tensor:
    """``g`` as the cotangent of an input of ``dtype``: its real part for a real input
    (JAX's convention), then cast (the engine's cast too, for mixed dtypes)."""
    b = g.backend
    if b.is_complex(g.dtype) and not b.is_complex(dtype):
        g = real_p(g)
    return g if g.dtype == dtype else astype_p(g, dtype=dtype)


# fmt: off
astype_p = Primitive("astype", lambda b, x, *, dtype: b.xp.astype(x, dtype, copy=True))
astype_p.defvjp(lambda g, ans, x, *, dtype: cast_cotangent(g, x.dtype), keep=(), keep_ans=False)
real_p = Primitive("real", lambda b, x: b.xp.real(x))
real_p.defvjp(lambda g, ans, x: astype_p(g, dtype=x.dtype), keep=(), keep_ans=False)
imag_p = Primitive("imag", lambda b, x: b.xp.imag(x))
imag_p.defvjp(lambda g, ans, x: astype_p(g, dtype=x.dtype) * -1j, keep=(), keep_ans=False)
conj_p = Primitive("conj", lambda b, x: b.xp.conj(x))
conj_p.defvjp(lambda g, ans, x: conj_p(g), keep=(), keep_ans=False)
# fmt: on


def astype(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (a name such as ``"float64"`` or a dtype object)."""
    dt = x.backend.dtype(dtype)
    if dt == x._data.dtype:
        return x
    return astype_p(x, dtype=dt)


def _complex(x: Tensor) -> bool:
    return x.backend.is_complex(x.dtype)


def complex_of(x: Any) -> str:
    """The complex dtype of ``x``'s precision: its own if complex, complex128 for float64,
    complex64 otherwise (also a Python complex's dtype beside ``x``)."""
    b, name = x.backend, x.backend.dtype_name(x.dtype)
    if b.is_complex(x.dtype):
        return name
    return "complex128" if name == "float64" else "complex64"


def as_complex(x: Tensor) -> Tensor:
    """``x`` itself if complex, else cast to the complex dtype of its precision."""
    return x if x.backend.is_complex(x.dtype) else astype(x, complex_of(x))


def real(x: Tensor) -> Tensor:
    """The real part (``x`` itself for a real tensor)."""
    return real_p(x) if _complex(x) else x


def imag(x: Tensor) -> Tensor:
    """The imaginary part (zeros for a real tensor)."""
    return imag_p(x) if _complex(x) else x * 0.0


def conj(x: Tensor) -> Tensor:
    """The complex conjugate (``x`` itself for a real tensor)."""
    return conj_p(x) if _complex(x) else x


# PyTorch's x.view(dtype): the bytes reinterpreted (not differentiable, as in PyTorch)
bitcast_p = Primitive(
    "bitcast", lambda b, x, *, dtype: b.bitcast(x, dtype), differentiable=False, view=True
)
_PYTHON_TYPES = {float: "float64", complex: "complex128", int: "int64", bool: "bool"}


def view_as_dtype(x: Tensor, dtype: Any) -> Tensor:
    """``x``'s bytes read as ``dtype`` (PyTorch's ``x.view(dtype)``): the last axis scaled
    by the ratio of the item sizes, memory shared where the library has views. Python's
    ``float``/``complex``/``int`` mean float64/complex128/int64 here, as in PyTorch and
    NumPy (bytes have one width). The result does not require grad (PyTorch's either)."""
    b = x.backend
    dt = b.dtype(_PYTHON_TYPES.get(dtype, dtype))
    old, new = _itemsize(b, x.dtype), _itemsize(b, dt)
    if old != new:
        what = f"view({b.dtype_name(dt)}) of {b.dtype_name(x.dtype)}{list(x.shape)}"
        if x.ndim == 0:
            raise ShapeError(
                f"{what}: a 0-d tensor keeps its item size (here {old} -> {new} bytes)"
            )
        if (x.shape[-1] * old) % new:
            raise ShapeError(
                f"{what}: the last axis ({x.shape[-1]} x {old} bytes) is not a multiple of {new} bytes"
            )
    return bitcast_p(x.detach(), dtype=dt)


def _itemsize(b: Any, dtype: Any) -> int:
    name = b.dtype_name(dtype)
    return 2 if name == "bfloat16" else int(np.dtype(name).itemsize)
