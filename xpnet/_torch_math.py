"""PyTorch's math functions that the Array API standard lacks, built from xpnet's ops.

Each is a composite of ops that already have gradient rules, so each differentiates (to
any order) on every backend, and each takes the tensor first: ``tensor.py`` binds those
PyTorch has as methods (``x.addcmul(a, b)``), and ``_torch_functions`` exports all of
them at the top level (``xn.addcmul(x, a, b)``, with ``out=``). Values, dtypes and
gradients are PyTorch's (``tests/test_torch_math.py`` checks each against it).
"""

from __future__ import annotations

import builtins
import itertools
import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import ops
from ._errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from .autodiff import no_grad
from .autodiff.internal import is_tensor
from .ops import linalg

if TYPE_CHECKING:
    from .tensor import Tensor


def _ax(x: Tensor, dim: int, op: str) -> int:
    n = builtins.max(x.ndim, 1)
    if not isinstance(dim, int) or not -n <= dim < n:
        raise ArgumentError(f"{op}: dim {dim!r} out of range for a tensor of shape {x.shape}")
    return dim % n


def _like(x: Tensor, value: Any) -> Any:
    """``value`` as an operand beside ``x``: tensors and Python numbers as they are."""
    return (
        value
        if is_tensor(value) or isinstance(value, (int, float, bool))
        else ops.asarray(value, backend=x.backend)
    )


def _floating(x: Tensor) -> Tensor:
    """``x``, or ``x`` as the default float where it is an integer or bool tensor (PyTorch's
    integer inputs to floating functions)."""
    return x if x.backend.is_inexact(x.dtype) else ops.astype(x, x.backend.default_float)


# -- elementwise ------------------------------------------------------------------------
def fmod(input: Tensor, other: Any) -> Tensor:
    """The remainder of ``input / other`` with the sign of ``input`` (C's ``fmod``;
    ``remainder`` takes the sign of ``other``)."""
    r = ops.remainder(input, other)
    wrong_sign = (r != 0) & ((r < 0) != (input < 0))
    return ops.where(wrong_sign, r - other, r)


def exp2(input: Tensor) -> Tensor:
    """2 to the power of each element (integers give the default float)."""
    return ops.pow(2.0, _floating(input))


def sgn(input: Tensor) -> Tensor:
    """The sign: -1, 0 or 1 for real numbers; ``x / |x|`` (0 at 0) for complex ones."""
    if not input.backend.is_complex(input.dtype):
        return ops.sign(input)
    mag = ops.abs(input)
    zero = mag == 0
    return ops.where(zero, 0, input / ops.where(zero, 1, mag))


def sinc(input: Tensor) -> Tensor:
    """The normalised sinc, ``sin(pi x) / (pi x)``, 1 at 0 (with slope 0 there)."""
    x = _floating(input)
    zero = x == 0
    px = math.pi * ops.where(zero, 1.0, x)
    return ops.where(zero, 1.0, ops.sin(px) / px)


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return _floating(input) * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return _floating(input) * (180.0 / math.pi)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``, with ``p`` clamped to [eps, 1 - eps] when ``eps`` is given."""
    p = _floating(input)
    if eps is not None:
        p = ops.clip(p, eps, 1.0 - eps)
    return ops.log(p / (1.0 - p))


def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN), as
    PyTorch's and SciPy's ``xlogy``: no NaN from ``0 * log(0)``. Its derivative in ``input``
    is ``log(other)`` (0 where ``input`` is 0 and ``other`` is not positive)."""
    x, y = ops.broadcast_arrays(*_tensors(input, other, "xlogy"))
    x, y = _floating(x), _floating(y)
    if x.dtype != y.dtype:
        x, y = ops.astype(x, _wider(x, y)), ops.astype(y, _wider(x, y))
    defined = (x == 0) & (y <= 0)  # 0 by definition (where log(y) is -inf or NaN)
    return ops.where(defined, 0.0, x * ops.log(ops.where(defined, 1.0, y)))


def _tensors(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    like = a if is_tensor(a) else b
    if not is_tensor(like):
        raise ArgumentTypeError(f"{op}: at least one argument must be a Tensor")
    return tuple(v if is_tensor(v) else ops.full_like(like, v, dtype=_scalar_dtype(like, v))
                 for v in (a, b))  # type: ignore[return-value]  # fmt: skip


def _scalar_dtype(like: Tensor, v: Any) -> Any:
    """A Python number's dtype beside ``like``: ``like``'s, or the default float for a float
    beside integers (PyTorch's promotion of scalars)."""
    b = like.backend
    if isinstance(v, float) and not b.is_inexact(like.dtype):
        return b.dtype_name(b.default_float)
    return b.dtype_name(like.dtype)


def _wider(a: Tensor, b: Tensor) -> Any:
    return (
        a.dtype if a.backend.xp.finfo(a.dtype).bits >= b.backend.xp.finfo(b.dtype).bits else b.dtype
    )


def float_power(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` in double precision (float64; complex128 for complex inputs)."""
    like = input if is_tensor(input) else exponent
    b = like.backend
    complex_ = any((is_tensor(v) and b.is_complex(v.dtype)) or isinstance(v, complex)
                   for v in (input, exponent))  # fmt: skip
    dt = "complex128" if complex_ else "float64"
    x, e = (ops.astype(v, dt) if is_tensor(v) else v for v in (input, exponent))
    return ops.pow(x, e)


def heaviside(input: Tensor, values: Any) -> Tensor:
    """The step function: 0 below zero, 1 above, ``values`` at zero."""
    one = ops.ones_like(input)
    return ops.where(input == 0, values, ops.where(input > 0, one, ops.zeros_like(input)))


def fmax(input: Tensor, other: Any) -> Tensor:
    """The elementwise maximum ignoring NaN (NaN only where both are NaN)."""
    return _nan_ignoring(input, other, ops.maximum)


def fmin(input: Tensor, other: Any) -> Tensor:
    """The elementwise minimum ignoring NaN."""
    return _nan_ignoring(input, other, ops.minimum)


def _nan_ignoring(a: Any, b: Any, pick: Any) -> Tensor:
    a, b = ops.broadcast_arrays(*_tensors(a, b, pick.__name__))
    if not a.backend.is_inexact(a.dtype):
        return pick(a, b)
    return ops.where(ops.isnan(a), b, ops.where(ops.isnan(b), a, pick(a, b)))


def isposinf(input: Tensor) -> Tensor:
    """True where the element is +inf."""
    return ops.isinf(input) & (input > 0)


def isneginf(input: Tensor) -> Tensor:
    """True where the element is -inf."""
    return ops.isinf(input) & (input < 0)


def isreal(input: Tensor) -> Tensor:
    """True where the element has no imaginary part (everywhere for real dtypes)."""
    if input.backend.is_complex(input.dtype):
        return ops.imag(input) == 0
    return ops.ones_like(input, dtype="bool")


def is_floating_point(input: Tensor) -> bool:
    """Whether the dtype is a floating one (float16, bfloat16, float32, float64)."""
    return bool(input.backend.is_float(input.dtype))


def is_complex(input: Tensor) -> bool:
    """Whether the dtype is complex."""
    return bool(input.backend.is_complex(input.dtype))


def is_nonzero(input: Tensor) -> bool:
    """Whether the one element of ``input`` is not zero (an error for other sizes)."""
    if input.size != 1:
        raise ArgumentError(
            f"is_nonzero: a tensor of {input.size} elements (shape {input.shape}) is "
            "ambiguous; it needs exactly one"
        )
    return bool(input.reshape(()).item())


def isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise |a - b| <= atol + rtol |b|, PyTorch's test: equal values (infinities
    included) are close, an infinite difference never is, NaN only with ``equal_nan``."""
    if not (is_tensor(a) or is_tensor(b)):
        raise ArgumentTypeError(
            f"isclose: at least one of a and b must be a Tensor, got {type(a).__name__} and "
            f"{type(b).__name__}"
        )
    if rtol < 0 or atol < 0:
        raise ArgumentError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    with no_grad():
        like = _floating(a if is_tensor(a) else b)
        fa = _floating(a) if is_tensor(a) else ops.full_like(like, a)
        fb = _floating(b) if is_tensor(b) else ops.full_like(like, b)
        same = is_tensor(a) and is_tensor(b) and a.dtype == b.dtype
        close = a == b if same else fa == fb  # (integers compared exactly where they can be)
        if equal_nan:
            close = close | (ops.isnan(fa) & ops.isnan(fb))
        finite = ops.isfinite(fa) & ops.isfinite(fb)  # (inf - inf is no difference to take)
        fa, fb = ops.where(finite, fa, 0.0), ops.where(finite, fb, 0.0)
        err = ops.abs(fa - fb)
        close = close | (finite & ops.isfinite(err) & (err <= atol + rtol * ops.abs(fb)))
    return close


def allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether every element of ``a`` and ``b`` is close (``isclose``), as a Python bool."""
    return bool(ops.all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)).item())


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """PyTorch's ``diag``: a vector's square matrix with it on diagonal ``diagonal`` (above
    the main one if positive), or a matrix's diagonal as a vector."""
    if x.ndim == 2:
        return ops.linalg.diagonal(x, offset=diagonal)
    if x.ndim != 1:
        raise ArgumentError(f"diag: expects a 1-D or 2-D tensor, got shape {x.shape}")
    b, k = x.backend, abs(diagonal)
    square = (
        ops.eye(x.shape[0], dtype=b.dtype_name(x.dtype), backend=b, device=b.device) * x[:, None]
    )
    if not k:
        return square
    return ops.pad(square, [(0, k), (k, 0)] if diagonal > 0 else [(k, 0), (0, k)])


# -- fused multiply-adds (PyTorch's optimizers and layers are written with them) ----------
def addcmul(input: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    prod = tensor1 * tensor2
    return input + (prod if value == 1 else value * prod)


def addcdiv(input: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    quot = tensor1 / tensor2
    return input + (quot if value == 1 else value * quot)


def _scaled_sum(input: Tensor, product: Tensor, beta: Any, alpha: Any, op: str) -> Tensor:
    """``beta * input + alpha * product``; with ``beta == 0`` the input only gives the
    shape (its NaN and inf do not reach the result, as PyTorch documents)."""
    try:
        shape = ops.broadcast_shapes(input.shape, product.shape)
    except Exception as e:
        raise ShapeError(f"{op}: input of shape {input.shape} does not broadcast to the "
                         f"product's {product.shape}") from e  # fmt: skip
    if shape != product.shape:
        raise ShapeError(
            f"{op}: input of shape {input.shape} does not broadcast to the product's {product.shape}"
        )
    scaled = product if alpha == 1 else alpha * product
    if beta == 0:
        return scaled
    return (input if beta == 1 else beta * input) + scaled


def _need(t: Any, nd: int, op: str, name: str) -> None:
    if not is_tensor(t) or t.ndim != nd:
        got = getattr(t, "shape", type(t).__name__)
        raise ShapeError(f"{op}: {name} must be a {nd}-D tensor, got {got}")


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices (``input`` broadcasts)."""
    _need(mat1, 2, "addmm", "mat1")
    _need(mat2, 2, "addmm", "mat2")
    return _scaled_sum(input, ops.matmul(mat1, mat2), beta, alpha, "addmm")


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    _need(mat, 2, "addmv", "mat")
    _need(vec, 1, "addmv", "vec")
    return _scaled_sum(input, ops.matmul(mat, vec), beta, alpha, "addmv")


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    _need(vec1, 1, "addr", "vec1")
    _need(vec2, 1, "addr", "vec2")
    return _scaled_sum(input, linalg.outer(vec1, vec2), beta, alpha, "addr")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
            alpha: Any = 1) -> Tensor:  # fmt: skip
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices."""
    _need(batch1, 3, "baddbmm", "batch1")
    _need(batch2, 3, "baddbmm", "batch2")
    return _scaled_sum(input, ops.matmul(batch1, batch2), beta, alpha, "baddbmm")


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:  # fmt: skip
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    _need(batch1, 3, "addbmm", "batch1")
    _need(batch2, 3, "addbmm", "batch2")
    return _scaled_sum(input, ops.sum(ops.matmul(batch1, batch2), axis=0), beta, alpha, "addbmm")


# -- products -----------------------------------------------------------------------------
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """A matrix times a vector."""
    _need(input, 2, "mv", "input")
    _need(vec, 1, "mv", "vec")
    return ops.matmul(input, vec)


def inner(input: Tensor, other: Any) -> Tensor:
    """The sum of products over the last axes (a product where one side is 0-D)."""
    if not is_tensor(other) or input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise ShapeError(f"inner: last dims differ: {input.shape} and {other.shape}")
    return ops.tensordot(input, other, axes=([input.ndim - 1], [other.ndim - 1]))


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two vectors, conjugating the first."""
    _need(input, 1, "vdot", "input")
    _need(other, 1, "vdot", "other")
    a = ops.conj(input) if input.backend.is_complex(input.dtype) else input
    return ops.sum(a * other)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: every element of ``input`` times all of ``other``."""
    nd = builtins.max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + input.shape
    sb = (1,) * (nd - other.ndim) + other.shape
    a = ops.reshape(input, tuple(s for n in sa for s in (n, 1)))  # (a0, 1, a1, 1, ...)
    b = ops.reshape(other, tuple(s for n in sb for s in (1, n)))  # (1, b0, 1, b1, ...)
    return ops.reshape(a * b, tuple(m * n for m, n in zip(sa, sb, strict=True)))


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's diagonal."""
    _need(input, 2, "trace", "input")
    return linalg.trace(input)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the matrices in ``dim1`` and ``dim2`` (above the main one for a
    positive ``offset``), as the last axis."""
    d1, d2 = _ax(input, dim1, "diagonal"), _ax(input, dim2, "diagonal")
    if d1 == d2:
        raise ArgumentError(f"diagonal: dim1 and dim2 are the same axis ({dim1}, {dim2})")
    return linalg.diagonal(ops.moveaxis(input, (d1, d2), (-2, -1)), offset=offset)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in ``dim1`` and ``dim2`` of the result) with the last axis of ``input`` on
    their diagonal ``offset``, zero elsewhere."""
    nd = input.ndim + 1
    d1, d2 = dim1 % nd if -nd <= dim1 < nd else None, dim2 % nd if -nd <= dim2 < nd else None
    if d1 is None or d2 is None or d1 == d2:
        raise ArgumentError(f"diag_embed: dims ({dim1}, {dim2}) for a result of {nd} dims")
    n, k = input.shape[-1], abs(offset)
    b = input.backend
    eye = ops.eye(n, dtype=b.dtype_name(input.dtype), backend=b, device=b.device)
    square = ops.expand_dims(input, axis=-1) * eye  # (..., n, n), input on the diagonal
    if k:
        lead = [(0, 0)] * (input.ndim - 1)
        square = ops.pad(square, [*lead, (0, k), (k, 0)] if offset > 0 else [*lead, (k, 0), (0, k)])
    return ops.moveaxis(square, (-2, -1), (d1, d2))


def _tri_indices(row: int, col: int, offset: int, lower: bool, dtype: Any, device: Any,
                 backend: Any) -> Tensor:  # fmt: skip
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return ops.asarray(np.stack([rows, cols]), dtype=dtype or "int64", device=device,
                       backend=backend)  # fmt: skip


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 backend: Any = None) -> Tensor:  # fmt: skip
    """The (2, N) row and column indices of the lower triangle of a ``row`` x ``col``
    matrix, row by row (``offset`` moves the diagonal up)."""
    return _tri_indices(row, col, offset, True, dtype, device, backend)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 backend: Any = None) -> Tensor:  # fmt: skip
    """The (2, N) indices of the upper triangle, row by row."""
    return _tri_indices(row, col, offset, False, dtype, device, backend)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (PyTorch's deprecated default without
    ``dim``: the first axis of size 3, with its warning)."""
    if dim is None:
        shape = ops.broadcast_shapes(input.shape, other.shape)
        if 3 not in shape:
            raise ShapeError(f"cross: no dim of size 3 in {input.shape} and {other.shape}")
        dim = shape.index(3)
        warnings.warn(
            "cross without dim is deprecated (PyTorch's too): it takes the first dim of size "
            f"3 (here {dim}); pass dim= or use xn.linalg.cross (dim=-1)",
            UserWarning,
            stacklevel=2,
        )
    return linalg.cross(input, other, axis=dim)


def logdet(input: Tensor) -> Tensor:
    """``log(det(input))``: NaN for a negative determinant, -inf for a singular matrix."""
    sign, logabs = linalg.slogdet(input)
    return ops.where(sign < 0, math.nan, logabs)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse (singular values below ``rcond`` times the largest count as 0)."""
    return linalg.pinv(input, rtol=rcond)


# -- joining and splitting ----------------------------------------------------------------
def _flat_args(tensors: tuple[Any, ...]) -> tuple[list[Tensor], bool]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0]), True
    return list(tensors), len(tensors) != 1


def _at_least(nd: int, tensors: tuple[Any, ...]) -> Any:
    ts, many = _flat_args(tensors)
    out = []
    for t in ts:
        if t.ndim >= nd:
            out.append(t)
        elif nd == 3 and t.ndim == 2:
            out.append(ops.expand_dims(t, axis=-1))
        elif nd == 3 and t.ndim == 1:
            out.append(ops.reshape(t, (1, t.shape[0], 1)))
        else:
            out.append(ops.reshape(t, (1,) * (nd - t.ndim) + t.shape))
    return tuple(out) if many else out[0]


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (0-D ones become shape (1,)); one tensor or a tuple."""
    return _at_least(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims: (n,) becomes (1, n)."""
    return _at_least(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)."""
    return _at_least(3, tensors)


def _list(tensors: Any, op: str) -> list[Tensor]:
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ArgumentTypeError(f"{op}: expects a non-empty sequence of tensors")
    return list(tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the second axis (the first for 1-D tensors)."""
    ts = [atleast_1d(t) for t in _list(tensors, "hstack")]
    return ops.concat(ts, axis=0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Stack rows: join along the first axis, 1-D tensors as (1, n) rows."""
    return ops.concat([atleast_2d(t) for t in _list(tensors, "vstack")], axis=0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the third axis, after ``atleast_3d``."""
    return ops.concat([atleast_3d(t) for t in _list(tensors, "dstack")], axis=2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-D and 1-D tensors become (n, 1) columns."""
    cols = [ops.reshape(t, (t.size, 1)) if t.ndim <= 1 else t
            for t in _list(tensors, "column_stack")]  # fmt: skip
    return ops.concat(cols, axis=1)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors broadcast to one shape."""
    return tuple(ops.broadcast_arrays(*tensors))


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, that dim removed."""
    return tuple(ops.unstack(input, axis=_ax(input, dim, "unbind")))


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces along ``dim``: ``n`` pieces as equal as can be (the first ``size % n`` one
    longer), or the pieces between the given indices."""
    ax = _ax(input, dim, "tensor_split")
    size = input.shape[ax]
    if is_tensor(indices_or_sections):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise ArgumentError(f"tensor_split: sections must be positive, got {n}")
        q, r = divmod(size, n)
        bounds = [i * q + builtins.min(i, r) for i in range(n + 1)]
    else:
        cuts = [builtins.min(builtins.max(int(i) if int(i) >= 0 else int(i) + size, 0), size)
                for i in indices_or_sections]  # fmt: skip
        bounds = [0, *cuts, size]
    lead = (slice(None),) * ax
    return tuple(
        input[(*lead, slice(a, builtins.max(a, b)))] for a, b in itertools.pairwise(bounds)
    )


def fliplr(input: Tensor) -> Tensor:
    """The columns in reverse order (at least 2 dims)."""
    if input.ndim < 2:
        raise ShapeError(f"fliplr: needs at least 2 dims, got shape {input.shape}")
    return ops.flip(input, axis=1)


def flipud(input: Tensor) -> Tensor:
    """The rows in reverse order (at least 1 dim)."""
    if input.ndim < 1:
        raise ShapeError("flipud: needs at least 1 dim, got a 0-D tensor")
    return ops.flip(input, axis=0)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first axis
    towards the second (NumPy's and PyTorch's direction)."""
    if len(dims) != 2:
        raise ArgumentError(f"rot90: dims must name two axes, got {dims!r}")
    a, b = (_ax(input, d, "rot90") for d in dims)
    if a == b:
        raise ArgumentError(f"rot90: dims name the same axis twice: {dims!r}")
    k %= 4
    if k == 0:
        return input
    if k == 2:
        return ops.flip(input, axis=(a, b))
    if k == 1:
        return ops.swapaxes(ops.flip(input, axis=b), a, b)
    return ops.flip(ops.swapaxes(input, a, b), axis=b)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Entries at ``indices`` along ``dim`` (of the flattened tensor when ``dim`` is None);
    ``indices`` broadcasts against ``input`` in the other dims."""
    if dim is None:
        return ops.take(ops.reshape(input, (-1,)), ops.reshape(indices, (-1,)))
    ax = _ax(input, dim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise ShapeError(
            f"take_along_dim: indices of {indices.ndim} dims for an input of {input.ndim}"
        )

    def but_ax(shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(1 if i == ax else n for i, n in enumerate(shape))

    common = ops.broadcast_shapes(but_ax(input.shape), but_ax(indices.shape))

    def fit(t: Tensor) -> Tensor:
        return ops.broadcast_to(
            t, tuple(t.shape[ax] if i == ax else n for i, n in enumerate(common))
        )

    return ops.take_along_axis(fit(input), fit(indices), axis=ax)


# -- reductions ---------------------------------------------------------------------------
class MinMax(NamedTuple):
    min: Tensor
    max: Tensor


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """``(min, max)`` of all elements or along ``dim``."""
    return MinMax(
        ops.min(input, axis=dim, keepdims=keepdim), ops.max(input, axis=dim, keepdims=keepdim)
    )


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The sum, NaN counted as 0."""
    x = input if dtype is None else ops.astype(input, dtype)
    if x.backend.is_inexact(x.dtype):
        x = ops.where(ops.isnan(x), 0, x)
    return ops.sum(x, axis=_dims(dim), keepdims=keepdim)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the elements that are not NaN (NaN where all are)."""
    x = input if dtype is None else ops.astype(input, dtype)
    if not x.backend.is_inexact(x.dtype):
        raise DTypeError(f"nanmean: needs a floating tensor, got {x.backend.dtype_name(x.dtype)}")
    n = ops.sum(ops.astype(~ops.isnan(x), x.dtype), axis=_dims(dim), keepdims=keepdim)
    return nansum(x, dim, keepdim) / n


def _dims(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


def var_mean(input: Tensor, dim: Any = None, *, correction: float = 0.0,
             keepdim: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """``(var, mean)`` over ``dim``; ``correction=0`` by default, as xpnet's ``var``."""
    v = ops.var(input, axis=_dims(dim), keepdims=keepdim, correction=correction)
    return v, ops.mean(input, axis=_dims(dim), keepdims=keepdim)


def std_mean(input: Tensor, dim: Any = None, *, correction: float = 0.0,
             keepdim: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """``(std, mean)`` over ``dim``; ``correction=0`` by default, as xpnet's ``std``."""
    s = ops.std(input, axis=_dims(dim), keepdims=keepdim, correction=correction)
    return s, ops.mean(input, axis=_dims(dim), keepdims=keepdim)


class ValuesAndIndices(NamedTuple):
    values: Tensor
    indices: Tensor


def _shifted(x: Tensor, ax: int, k: int, fill: Any) -> Tensor:
    """``x`` moved ``k`` places along ``ax`` (towards the end), ``fill`` in the first ``k``."""
    head = ops.full_like(x[(slice(None),) * ax + (slice(0, k),)], fill)
    return ops.concat([head, x[(slice(None),) * ax + (slice(0, x.shape[ax] - k),)]], axis=ax)


def _cum_extreme(input: Tensor, dim: int, op: str, better: Any) -> ValuesAndIndices:
    """The running extreme along ``dim`` and where it was (the last of equal ones; a NaN
    wins and stays, as PyTorch's), by a scan of log2(n) steps."""
    ax = _ax(input, dim, op)
    n = input.shape[ax] if input.ndim else 1
    x = input if input.ndim else ops.reshape(input, (1,))
    shape = [1] * x.ndim
    shape[ax] = n
    pos = ops.reshape(ops.arange(n, dtype="int64", backend=x.backend), tuple(shape))
    idx = ops.broadcast_to(pos, x.shape)
    with no_grad():
        v = x.detach()
        nan = ops.isnan if v.backend.is_inexact(v.dtype) else (lambda t: t != t)
        k = 1
        while k < n:
            lv, li = _shifted(v, ax, k, 0), _shifted(idx, ax, k, 0)
            right = nan(v) | (~nan(lv) & better(v, lv)) | (pos < k)  # (pos < k: no left yet)
            v, idx = ops.where(right, v, lv), ops.where(right, idx, li)
            k *= 2
    values = ops.take_along_axis(x, idx, axis=ax)
    if not input.ndim:
        return ValuesAndIndices(ops.reshape(values, ()), ops.reshape(idx, ()))
    return ValuesAndIndices(values, idx)


def cummax(input: Tensor, dim: int) -> ValuesAndIndices:
    """``(values, indices)``: the largest value so far along ``dim``, and its index."""
    return _cum_extreme(input, dim, "cummax", lambda r, left: r >= left)


def cummin(input: Tensor, dim: int) -> ValuesAndIndices:
    """``(values, indices)``: the smallest value so far along ``dim``, and its index."""
    return _cum_extreme(input, dim, "cummin", lambda r, left: r <= left)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesAndIndices:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of equally
    frequent ones; NaNs count as one value) and the index of its last occurrence, as
    PyTorch's. Differentiable through the values (a gather)."""
    x = input if input.ndim else ops.reshape(input, (1,))
    ax = _ax(x, dim, "mode")
    n = x.shape[ax]
    if n == 0:
        raise ShapeError(f"mode: input is empty along dim {dim}")
    lead = (slice(None),) * ax
    with no_grad():
        v = x.detach()
        order = ops.argsort(v, axis=ax, stable=True)
        srt = ops.take_along_axis(v, order, axis=ax)
        shape = [1] * v.ndim
        shape[ax] = n
        pos = ops.broadcast_to(
            ops.reshape(ops.arange(n, dtype="int64", backend=v.backend), tuple(shape)), v.shape
        )
        prev = _shifted(srt, ax, 1, 0)
        same = srt == prev
        if v.backend.is_inexact(v.dtype):
            same = same | (ops.isnan(srt) & ops.isnan(prev))
        first = ~same | (pos == 0)  # where each run of equal sorted values starts
        last = ops.concat([first[(*lead, slice(1, n))], ops.ones_like(first[(*lead, slice(0, 1))])],
                          axis=ax)  # fmt: skip
        start = _cum_extreme(ops.where(first, pos, 0), ax, "mode", lambda r, left: r >= left)[0]
        flipped = ops.flip(ops.where(last, pos, n), axis=ax)
        end = ops.flip(_cum_extreme(flipped, ax, "mode", lambda r, left: r <= left)[0], axis=ax)
        count = end - start + 1
        best = ops.max(count, axis=ax, keepdims=True)
        at = ops.argmax(ops.astype(count == best, "int8"), axis=ax, keepdims=True)  # smallest
        idx = ops.take_along_axis(order, ops.take_along_axis(end, at, axis=ax), axis=ax)
    values = ops.take_along_axis(x, idx, axis=ax)
    if not input.ndim:
        return ValuesAndIndices(ops.reshape(values, ()), ops.reshape(idx, ()))
    if not keepdim:
        values, idx = ops.squeeze(values, axis=ax), ops.squeeze(idx, axis=ax)
    return ValuesAndIndices(values, idx)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``dim`` without overflow or underflow: a scan of
    log2(n) ``logaddexp`` steps (``[-1000, 0, 1000]`` gives ``[-1000, 0, 1000]``)."""
    x = _floating(input)
    if not x.ndim:
        return x
    ax = _ax(x, dim, "logcumsumexp")
    n, k = x.shape[ax], 1
    while k < n:
        x = ops.logaddexp(x, _shifted(x, ax, k, -math.inf))
        k *= 2
    return x


_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:  # fmt: skip
    """The ``q``-quantiles (a number or a 1-D tensor of them, in [0, 1]) of all elements or
    along ``dim``, between the sorted values as ``interpolation`` says (PyTorch's and
    NumPy's); a tensor ``q`` puts its axis first. Differentiable through the values."""
    if interpolation not in _INTERPOLATIONS:
        raise ArgumentError(
            f"quantile: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}"
        )
    x = input
    if not x.backend.is_float(x.dtype):
        raise DTypeError(f"quantile: needs a floating tensor, got {x.backend.dtype_name(x.dtype)}")
    qs = np.asarray(q.numpy() if is_tensor(q) else q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ArgumentError(f"quantile: q must be a number or a 1-D tensor in [0, 1], got {qs}")
    if dim is None:
        x, ax = ops.reshape(x, (-1,)), 0
    else:
        ax = _ax(x, dim, "quantile")
    n = x.shape[ax] if x.ndim else 1
    if n == 0:
        raise ShapeError("quantile: input is empty along the reduced axis")
    srt = ops.sort(x, axis=ax) if x.ndim else ops.reshape(x, (1,))
    pos = qs.reshape(-1) * (n - 1)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    if interpolation == "nearest":  # round half to even, as PyTorch and NumPy
        lo = hi = np.round(pos).astype(np.int64)
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    frac = 0.5 if interpolation == "midpoint" else pos - lo
    a = ops.take(srt, ops.asarray(lo, backend=x.backend), axis=ax if x.ndim else 0)
    b = ops.take(srt, ops.asarray(hi, backend=x.backend), axis=ax if x.ndim else 0)
    shape = [1] * builtins.max(srt.ndim, 1)
    shape[ax] = len(pos)
    w = ops.reshape(ops.asarray(np.broadcast_to(frac, pos.shape).astype(np.float64),
                                dtype=x.dtype, backend=x.backend), tuple(shape))  # fmt: skip
    out = a + (b - a) * w  # (q positions on axis ``ax``)
    out = ops.moveaxis(out, ax, 0)
    if keepdim:
        out = (
            ops.expand_dims(out, axis=ax + 1)
            if dim is not None
            else ops.reshape(out, (len(pos),) + (1,) * input.ndim)
        )
    return out if qs.ndim else out[0]


def _nan_sorted(input: Tensor, dim: int | None, op: str) -> tuple[Tensor, Tensor, Tensor, int]:
    """``input`` (flattened when ``dim`` is None) sorted along its axis with NaNs last, the
    sorting indices, and the count of non-NaN values per slice (keeping the axis)."""
    x = ops.reshape(input, (-1,)) if dim is None or input.ndim == 0 else input
    ax = 0 if dim is None or input.ndim == 0 else _ax(x, dim, op)
    if x.shape[ax] == 0:
        raise ShapeError(f"{op}: input is empty along the reduced axis")
    order = ops.argsort(x, axis=ax, stable=True)  # NaN sorts last on every backend xpnet has
    count = ops.sum(ops.astype(~ops.isnan(x), "int64"), axis=ax, keepdims=True)
    return ops.take_along_axis(x, order, axis=ax), order, count, ax


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median of the non-NaN values (NaN where all are NaN), of all elements or
    ``(values, indices)`` along ``dim``, as PyTorch's."""
    if not input.backend.is_float(input.dtype):
        return input.median() if dim is None else input.median(dim, keepdim)
    srt, order, count, ax = _nan_sorted(input, dim, "nanmedian")
    at = ops.maximum(count - 1, 0) // 2
    values = ops.take_along_axis(srt, at, axis=ax)
    if dim is None:
        return ops.reshape(values, ())
    idx = ops.take_along_axis(order, at, axis=ax)
    if not keepdim:
        values, idx = ops.squeeze(values, axis=ax), ops.squeeze(idx, axis=ax)
    return ValuesAndIndices(values, idx)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:  # fmt: skip
    """``quantile`` of the non-NaN values of each slice (NaN where all are NaN)."""
    if interpolation not in _INTERPOLATIONS:
        raise ArgumentError(
            f"nanquantile: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}"
        )
    if not input.backend.is_float(input.dtype):
        raise DTypeError(
            f"nanquantile: needs a floating tensor, got {input.backend.dtype_name(input.dtype)}"
        )
    qs = np.asarray(q.numpy() if is_tensor(q) else q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ArgumentError(f"nanquantile: q must be a number or a 1-D tensor in [0, 1], got {qs}")
    srt, _, count, ax = _nan_sorted(input, dim, "nanquantile")
    last = ops.astype(ops.maximum(count - 1, 0), "float64")
    outs = []
    for qv in qs.reshape(-1):
        pos = last * float(qv)  # per slice: where the quantile falls among its valid values
        lo, hi = ops.floor(pos), ops.ceil(pos)
        if interpolation == "nearest":  # round half to even, as PyTorch and NumPy
            lo = hi = ops.round(pos)
        elif interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        a = ops.take_along_axis(srt, ops.astype(lo, "int64"), axis=ax)
        b = ops.take_along_axis(srt, ops.astype(hi, "int64"), axis=ax)
        frac = (
            0.5
            if interpolation == "midpoint"
            else ops.astype(pos - lo, srt.backend.dtype_name(srt.dtype))
        )
        out = a + (b - a) * frac
        out = ops.where(count > 0, out, math.nan)
        outs.append(out if keepdim and dim is not None else ops.squeeze(out, axis=ax))
    if keepdim and dim is None:
        outs = [ops.reshape(o, (1,) * input.ndim) for o in outs]
    return ops.stack(outs, axis=0) if qs.ndim else outs[0]


def cov(input: Tensor, *, correction: int = 1, fweights: Any = None,
        aweights: Any = None) -> Tensor:  # fmt: skip
    """The covariance matrix of the variables in the rows of ``input`` (observations in
    columns; a 1-D tensor is one variable), ``correction`` 1 for the unbiased estimate."""
    if fweights is not None or aweights is not None:
        raise ArgumentError("cov: fweights and aweights are not supported (weight the data)")
    if input.ndim > 2:
        raise ShapeError(f"cov: needs a 1-D or 2-D tensor, got shape {input.shape}")
    x = _floating(input)
    x = ops.reshape(x, (1, -1)) if x.ndim < 2 else x
    d = x - ops.mean(x, axis=1, keepdims=True)
    c = ops.matmul(d, ops.matrix_transpose(d)) / builtins.max(x.shape[1] - correction, 0)
    return ops.reshape(c, ()) if input.ndim < 2 else c


def corrcoef(input: Tensor) -> Tensor:
    """Pearson's correlation coefficients of the rows of ``input`` (clipped to [-1, 1])."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = ops.sqrt(linalg.diagonal(c))
    return ops.clip(c / d[:, None] / d[None, :], -1.0, 1.0)


def histc(input: Tensor, bins: int = 100, min: float = 0.0, max: float = 0.0) -> Tensor:
    """Counts of the elements in ``bins`` equal bins between ``min`` and ``max`` (the data's
    range when both are 0); elements outside are not counted. Not differentiable."""
    if bins < 1:
        raise ArgumentError(f"histc: bins must be positive, got {bins}")
    x = ops.reshape(_floating(input), (-1,))
    with no_grad():
        x = x.detach()
        lo, hi = float(min), float(max)
        if lo == hi == 0.0 and x.size:
            lo, hi = float(ops.min(x).item()), float(ops.max(x).item())
        if lo == hi:
            lo, hi = lo - 1.0, hi + 1.0
        if lo > hi:
            raise ArgumentError(f"histc: max {max} is below min {min}")
        inside = (x >= lo) & (x <= hi)
        k = ops.astype(ops.floor((x - lo) * (bins / (hi - lo))), "int64")
        k = ops.clip(k, 0, bins - 1)  # (the top edge belongs to the last bin)
        ones = ops.astype(inside, x.dtype)
        return ops.scatter_add(ones, ops.where(inside, k, 0), (bins,), axis=0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of the elements of the 1-D ``tensors``, one per row."""
    if not tensors or builtins.any(t.ndim != 1 for t in tensors):
        raise ShapeError("cartesian_prod: needs 1-D tensors")
    if len(tensors) == 1:
        return tensors[0]
    grids = ops.meshgrid(*tensors, indexing="ij")
    return ops.stack([ops.reshape(g, (-1,)) for g in grids], axis=1)


def block_diag(*tensors: Tensor) -> Tensor:
    """The 0-, 1- or 2-D ``tensors`` (as 1 x n rows and 1 x 1 blocks) on the diagonal of
    a matrix of zeros."""
    if not tensors:
        raise ArgumentError("block_diag: needs at least one tensor")
    blocks = []
    for t in tensors:
        if t.ndim > 2:
            raise ShapeError(f"block_diag: blocks must be 0-, 1- or 2-D, got shape {t.shape}")
        blocks.append(ops.reshape(t, (1, -1)) if t.ndim < 2 else t)
    b0 = blocks[0].backend
    dtype = b0.xp.result_type(*(b.dtype for b in blocks))
    width = builtins.sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b.shape
        parts = [ops.zeros((r, left), dtype=dtype, backend=b0), ops.astype(b, dtype),
                 ops.zeros((r, width - left - c), dtype=dtype, backend=b0)]  # fmt: skip
        rows.append(ops.concat(parts, axis=1))
        left += c
    return ops.concat(rows, axis=0)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` of axis ``dim`` (that axis removed): ``x[:, index]`` for dim 1."""
    ax = _ax(input, dim, "select")
    n = input.shape[ax]
    if not -n <= index < n:
        raise ArgumentError(f"select: index {index} out of range for dim {dim} of size {n}")
    return input[(slice(None),) * ax + (index,)]


# -- indexed updates (out of place; the ``_`` methods write) ------------------------------
def _rows(input: Tensor, dim: int, index: Tensor, op: str) -> tuple[int, Tensor]:
    ax = _ax(input, dim, op)
    if not is_tensor(index) or index.ndim > 1:
        raise ShapeError(f"{op}: index must be a 0-D or 1-D integer tensor, got {index!r}")
    idx = ops.reshape(index, (-1,))
    n = input.shape[ax] if input.ndim else 1
    if idx.size:
        lo, hi = int(ops.min(idx).item()), int(ops.max(idx).item())
        if lo < -n or hi >= n:
            raise ArgumentError(f"{op}: index out of range [{lo}, {hi}] for size {n} of dim {dim}")
        idx = ops.where(idx < 0, idx + n, idx)
    return ax, idx


def _along(mask: Tensor, ax: int, nd: int) -> Tensor:
    """A 1-D mask over axis ``ax`` shaped to broadcast against ``nd`` dims."""
    return ops.reshape(mask, tuple(-1 if i == ax else 1 for i in range(nd))) if nd else mask


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    ax, idx = _rows(input, dim, index, "index_fill")
    b = input.backend
    n = input.shape[ax] if input.ndim else 1
    hit = ops.isin(ops.arange(n, dtype=b.dtype_name(idx.dtype), backend=b, device=b.device), idx)
    return ops.where(_along(hit, ax, input.ndim), value, input)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with its slices at ``index`` along ``dim`` replaced by the slices of
    ``source`` in order (each index once; PyTorch leaves repeated ones unspecified)."""
    ax, idx = _rows(input, dim, index, "index_copy")
    n = input.shape[ax] if input.ndim else 1
    src = source if source.ndim == input.ndim else ops.reshape(source, input.shape)
    if src.shape[ax] != idx.size or any(
        s != t for i, (s, t) in enumerate(zip(src.shape, input.shape, strict=True)) if i != ax
    ):
        raise ShapeError(f"index_copy: source of shape {source.shape} for {idx.size} slices "
                         f"along dim {dim} of {input.shape}")  # fmt: skip
    b = input.backend
    positions = ops.arange(idx.size, dtype=b.dtype_name(idx.dtype), backend=b, device=b.device)
    where_from = ops.scatter_add(positions, idx, (n,), axis=0)  # slice i comes from source[..]
    hit = ops.scatter_add(ops.ones_like(idx), idx, (n,), axis=0) > 0
    return ops.where(_along(hit, ax, input.ndim), ops.take(src, where_from, axis=ax), input)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the places where ``mask`` is True filled, in row-major order, from
    the elements of ``source`` (which needs at least as many)."""
    m = ops.broadcast_to(mask, input.shape)
    flat = ops.reshape(m, (-1,))
    need = int(ops.sum(ops.astype(flat, "int64")).item())
    if source.size < need:
        raise ShapeError(f"masked_scatter: the mask selects {need} places, source has "
                         f"{source.size} elements")  # fmt: skip
    order = ops.cumulative_sum(ops.astype(flat, "int64")) - 1
    picked = ops.take(ops.reshape(source, (-1,)), ops.clip(order, 0, None))
    return ops.where(m, ops.reshape(picked, input.shape), input)


def argwhere(input: Tensor) -> Tensor:
    """The (N, ndim) indices of the nonzero elements."""
    return (
        ops.stack(ops.nonzero(input), axis=1)
        if input.ndim
        else ops.reshape(ops.nonzero(ops.reshape(input, (1,)))[0], (-1, 0))
    )


# -- integration, bins, and matrices of a vector ---------------------------------------
def _spacing(y: Tensor, x: Any, dx: Any, ax: int, op: str) -> Any:
    """The widths between samples along ``ax``: from ``x`` (1-D, or ``y``'s shape), else ``dx``."""
    if x is not None and dx is not None:
        raise ArgumentError(f"{op}: give x or dx, not both")
    if x is None:
        return 1.0 if dx is None else dx
    if not is_tensor(x):
        x = ops.asarray(x, backend=y.backend)
    if x.ndim == 1:
        if x.shape[0] != y.shape[ax]:
            raise ShapeError(
                f"{op}: x has {x.shape[0]} samples, y has {y.shape[ax]} along dim {ax}"
            )
        d = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[ax] = d.shape[0]
        return ops.reshape(d, tuple(shape))
    if x.shape != y.shape:
        raise ShapeError(f"{op}: x of shape {x.shape} for y of shape {y.shape}")
    return ops.diff(x, axis=ax)


def _trapezoids(y: Tensor, x: Any, dx: Any, dim: int, op: str) -> tuple[Tensor, int]:
    y = _floating(y)
    ax = _ax(y, dim, op)
    n = y.shape[ax]
    idx = ops.arange(0, builtins.max(n - 1, 0), backend=y.backend)
    mid = (ops.take(y, idx + 1, axis=ax) + ops.take(y, idx, axis=ax)) / 2.0
    return mid * _spacing(y, x, dx, ax, op), ax


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, at sample points ``x``
    (1-D, or ``y``'s shape) or spacing ``dx`` (default 1)."""
    parts, ax = _trapezoids(y, x, dx, dim, "trapezoid")
    return ops.sum(parts, axis=ax)


trapz = trapezoid


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral of ``y`` along ``dim`` (one fewer element there)."""
    parts, ax = _trapezoids(y, x, dx, dim, "cumulative_trapezoid")
    return ops.cumulative_sum(parts, axis=ax)


def logaddexp2(input: Tensor, other: Any) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow."""
    a, b = _tensors(input, other, "logaddexp2")
    ln2 = math.log(2.0)
    return ops.logaddexp(_floating(a) * ln2, _floating(b) * ln2) / ln2


def ldexp(input: Tensor, other: Any) -> Tensor:
    """``input * 2**other``."""
    a, b = _tensors(input, other, "ldexp")
    return _floating(a) * ops.pow(2.0, _floating(b))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened ``input`` on diagonal ``offset`` of a square matrix."""
    return diag(ops.reshape(input, (-1,)), offset)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of the 1-D ``x``: columns ``x**(N-1), ..., x**0`` (``increasing``:
    the other way), ``N`` columns (default ``len(x)``)."""
    if x.ndim != 1:
        raise ShapeError(f"vander: needs a 1-D tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise ArgumentError(f"vander: N must be non-negative, got {N}")
    powers = range(n) if increasing else range(n - 1, -1, -1)
    cols = [ops.ones_like(x) if k == 0 else x**k for k in powers]
    if not cols:
        return ops.zeros((x.shape[0], 0), dtype=x.backend.dtype_name(x.dtype), backend=x.backend)
    return ops.stack(cols, axis=1)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:  # fmt: skip
    """The bucket of each element between the sorted 1-D ``boundaries``: ``i`` with
    ``boundaries[i-1] < v <= boundaries[i]`` (``right``: ``boundaries[i-1] <= v <
    boundaries[i]``). Not differentiable."""
    if boundaries.ndim != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {boundaries.shape}")
    v = input if is_tensor(input) else ops.asarray(input, backend=boundaries.backend)
    flat = ops.reshape(v, (-1,))
    out = ops.searchsorted(boundaries, flat, side="right" if right else "left")
    out = ops.reshape(out, v.shape)
    return ops.astype(out, "int32") if out_int32 else out


# -- dtypes and creation ------------------------------------------------------------------
def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, backend: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """``steps`` numbers from ``base ** start`` to ``base ** end``, evenly spaced in the
    exponent."""
    with no_grad():
        exps = ops.linspace(start, end, steps, dtype="float64", device=device, backend=backend)
        out = ops.astype(ops.pow(float(base), exps), dtype or exps.backend.dtype_name(
            exps.backend.default_float))  # fmt: skip
    return out.requires_grad_(requires_grad) if requires_grad else out


# -- integers, runs, norms and pairs ----------------------------------------------------------
def gcd(input: Tensor, other: Any) -> Tensor:
    """The greatest common divisor of integer tensors, elementwise (non-negative; gcd(0, 0)
    is 0): Euclid's steps until every remainder is 0."""
    a, b = _tensors(input, other, "gcd")
    if not (
        a.backend.xp.isdtype(a.dtype, "integral") and b.backend.xp.isdtype(b.dtype, "integral")
    ):
        raise DTypeError(f"gcd: needs integer tensors, got {a.backend.dtype_name(a.dtype)} and "
                         f"{b.backend.dtype_name(b.dtype)}")  # fmt: skip
    a, b = ops.broadcast_arrays(ops.abs(a), ops.abs(b))
    with no_grad():
        while bool(ops.any(b != 0)):
            nonzero = b != 0
            a, b = ops.where(nonzero, b, a), ops.where(nonzero, a % ops.where(nonzero, b, 1), 0)
    return a


def lcm(input: Tensor, other: Any) -> Tensor:
    """The least common multiple of integer tensors, elementwise (0 where either is 0)."""
    a, b = _tensors(input, other, "lcm")
    g = gcd(a, b)
    return ops.where(g == 0, 0, ops.abs(a // ops.where(g == 0, 1, g) * b))


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:  # fmt: skip
    """Each run of equal consecutive elements (of the flattened tensor, or slices along
    ``dim``) once, in order; with the index of each element's run and each run's length."""
    x = ops.reshape(input, (-1,)) if dim is None else input
    ax = 0 if dim is None else dim % max(input.ndim, 1)
    n = x.shape[ax] if x.ndim else 1
    with no_grad():
        if n == 0:
            starts = ops.zeros((0,), dtype="bool", backend=x.backend)
        else:
            moved = ops.moveaxis(x, ax, 0)
            differs = ops.reshape(moved[1:] != moved[:-1], (n - 1, -1))
            first = ops.ones((1,), dtype="bool", backend=x.backend)
            starts = ops.concat([first, ops.any(differs, axis=1)])
        run = ops.cumulative_sum(ops.astype(starts, "int64")) - 1
        keep = ops.nonzero(starts)[0]
    values = ops.take(x, keep, axis=ax)
    out: list[Any] = [values]
    if return_inverse:
        out.append(run if dim is not None else ops.reshape(run, input.shape))
    if return_counts:
        bounds = ops.concat([keep, ops.full((1,), n, dtype="int64", backend=x.backend)])
        out.append(bounds[1:] - bounds[:-1])
    return out[0] if len(out) == 1 else tuple(out)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` scaled down to ``p``-norm ``maxnorm`` where its norm is
    larger (PyTorch's ``renorm``: the scale is ``maxnorm / (norm + 1e-7)``)."""
    ax = dim % input.ndim
    others = tuple(d for d in range(input.ndim) if d != ax)
    norm = linalg.vector_norm(input, ord=p, axis=others, keepdims=True)
    scale = ops.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return input * ops.astype(scale, input.dtype)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements as rows (``itertools``'s
    order); differentiable (a gather)."""
    if input.ndim != 1:
        raise ShapeError(f"combinations: needs a 1-D tensor, got shape {input.shape}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r)) if r > 0 else []  # r=0: empty, as PyTorch's
    if not rows:
        return ops.zeros((0, r) if r else (0,), dtype=input.backend.dtype_name(input.dtype),
                         backend=input.backend)  # fmt: skip
    idx = ops.asarray(np.asarray(rows, dtype=np.int64).reshape(-1), backend=input.backend)
    return ops.reshape(ops.take(input, idx, axis=0), (len(rows), r))


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distances between the rows of an (N, M) tensor, each pair i < j once
    (the upper triangle of ``cdist(x, x)``, row by row), without the zero diagonal whose
    square root has no gradient."""
    if input.ndim != 2:
        raise ShapeError(f"pdist: needs a 2-D tensor, got shape {input.shape}")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    rows_i = ops.take(input, ops.asarray(i.astype(np.int64), backend=input.backend), axis=0)
    rows_j = ops.take(input, ops.asarray(j.astype(np.int64), backend=input.backend), axis=0)
    return linalg.vector_norm(rows_i - rows_j, ord=p, axis=-1)


def msort(input: Tensor) -> Tensor:
    """Sorted along the first dimension."""
    return ops.sort(input, axis=0)


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor (C order)."""
    return ops.reshape(input, (-1,))


# -- spectral windows ---------------------------------------------------------------------
def _window(n: int, periodic: bool, dtype: Any, backend: Any, device: Any, what: str) -> Any:
    if n < 0:
        raise ArgumentError(f"{what}: window_length must be non-negative, got {n}")
    with no_grad():
        k = ops.arange(n, dtype=dtype or "float32", backend=backend, device=device)
    return k, (n if periodic else n - 1)


def _cosine_window(coeffs: Sequence[float], n: int, periodic: bool, dtype: Any, backend: Any,
                   device: Any, requires_grad: bool, what: str) -> Tensor:  # fmt: skip
    k, m = _window(n, periodic, dtype, backend, device, what)
    with no_grad():
        if n <= 1:  # empty, or the single 1 PyTorch gives
            out = ops.ones_like(k)
        else:
            out = ops.zeros_like(k)
            for j, c in enumerate(coeffs):
                out = out + (c if j % 2 == 0 else -c) * ops.cos(k * (2.0 * math.pi * j / m))
    return out.requires_grad_(requires_grad) if requires_grad else out


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                device: Any = None, backend: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """``0.5 - 0.5 cos(2 pi k / M)`` (M = N periodic, N - 1 symmetric)."""
    return _cosine_window((0.5, 0.5), window_length, periodic, dtype, backend, device,
                          requires_grad, "hann_window")  # fmt: skip


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, device: Any = None,
                   backend: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """``alpha - beta cos(2 pi k / M)``."""
    return _cosine_window((alpha, beta), window_length, periodic, dtype, backend, device,
                          requires_grad, "hamming_window")  # fmt: skip


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, backend: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """``0.42 - 0.5 cos(2 pi k / M) + 0.08 cos(4 pi k / M)``."""
    return _cosine_window((0.42, 0.5, 0.08), window_length, periodic, dtype, backend, device,
                          requires_grad, "blackman_window")  # fmt: skip


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, backend: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The triangle ``1 - |2k / M - 1|``."""
    k, m = _window(window_length, periodic, dtype, backend, device, "bartlett_window")
    with no_grad():
        out = ops.ones_like(k) if window_length <= 1 else 1.0 - ops.abs(k * (2.0 / m) - 1.0)
    return out.requires_grad_(requires_grad) if requires_grad else out


# -- PyTorch's older linear-algebra methods (``xn.linalg`` has the current ones) -----------
class SVDLegacy(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> SVDLegacy:
    """PyTorch's older ``svd``: ``(U, S, V)`` with ``input = U diag(S) V^H`` (``V``, not
    ``linalg.svd``'s ``Vh``); ``some=False``: full U and V; ``compute_uv=False``: U and V zeros."""
    u, s, vh = linalg.svd(input, full_matrices=not some)
    v = vh.mH
    if not compute_uv:
        return SVDLegacy(ops.zeros_like(u), s, ops.zeros_like(v))
    return SVDLegacy(u, s, v)


def qr(input: Tensor, some: bool = True) -> Any:
    """PyTorch's older ``qr``: ``linalg.qr`` with ``some=False`` for the complete Q."""
    return linalg.qr(input, mode="reduced" if some else "complete")


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """PyTorch's older ``cholesky``: the lower factor L (``upper=True``: L^H)."""
    low = linalg.cholesky(input)
    return low.mH if upper else low


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """The solution of ``A x = input`` where ``A = L L^H`` for the Cholesky factor
    ``input2`` (``upper``: ``A = U^H U``)."""
    return linalg.solve(_from_cholesky(input2, upper), input)


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """The inverse of ``A = L L^H`` from its Cholesky factor (``upper``: ``A = U^H U``)."""
    return linalg.inv(_from_cholesky(input, upper))


def _from_cholesky(factor: Tensor, upper: bool) -> Tensor:
    """The matrix ``U^H U`` of an upper factor (``L L^H`` of a lower one)."""
    u = factor if upper else factor.mH
    return ops.matmul(u.mH, u)


def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential of square matrices: scaled to norm 1/2, a Taylor series of 18
    terms (truncation below 1e-20), squared back; differentiable (matrix products)."""
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise ShapeError(f"matrix_exp: needs square matrices, got shape {input.shape}")
    x = _floating(input)
    with no_grad():
        norm = float(ops.max(ops.sum(ops.abs(x), axis=-2))) if x.size else 0.0
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    a = x / float(2**s)
    eye = ops.eye(x.shape[-1], dtype=x.backend.dtype_name(x.dtype), backend=x.backend)
    term, total = eye, eye
    for k in range(1, 19):
        term = ops.matmul(term, a) / float(k)
        total = total + term
    for _ in range(s):
        total = ops.matmul(total, total)
    return ops.broadcast_to(total, x.shape) if total.shape != x.shape else total


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> Any:  # fmt: skip
    """PyTorch's older ``triangular_solve``: ``(X, A)`` with ``op(A) X = b``, reading only
    the triangle of ``A`` that ``upper`` names (its diagonal ones where ``unitriangular``)."""
    tri = ops.triu(A) if upper else ops.tril(A)
    if unitriangular:
        n = A.shape[-1]
        eye = ops.eye(n, dtype=A.backend.dtype_name(A.dtype), backend=A.backend)
        tri = tri * (1.0 - eye) + eye
    lhs = ops.matrix_transpose(tri) if transpose else tri
    return SolveLegacy(linalg.solve(lhs, b), A.clone())


class SolveLegacy(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How many times each value 0..max(x) occurs in the 1-D non-negative integers ``x``
    (at least ``minlength`` bins), or the sum of ``weights`` at each (differentiable in the
    weights), as PyTorch's."""
    if x.ndim != 1 or not x.backend.xp.isdtype(x.dtype, "integral"):
        raise ArgumentError(f"bincount: needs a 1-D integer tensor, got shape {x.shape}")
    if x.size and int(ops.min(x).item()) < 0:
        raise ArgumentError("bincount: the values must be non-negative")
    n = builtins.max(int(ops.max(x).item()) + 1 if x.size else 0, minlength)
    if weights is None:
        ones = ops.ones(x.shape, dtype="int64", backend=x.backend)
        return ops.scatter_add(ones, x, (n,), axis=0)
    if weights.shape != x.shape:
        raise ArgumentError(f"bincount: weights of shape {weights.shape} for values {x.shape}")
    return ops.scatter_add(weights, x, (n,), axis=0)
