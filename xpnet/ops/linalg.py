"""The standard's ``linalg`` extension (``xn.linalg``), with gradients.

Primitives with their rules: ``inv`` (d inv = -inv^T g inv^T), ``det`` (g det inv^T),
``slogdet``'s log-magnitude, ``solve``, ``cholesky``, and the decompositions ``eigh``
and (reduced) ``svd``, one primitive per output (each rule is the part of PyTorch's
backward formula that its output's cotangent contributes; the parts add up). The
eigenvector and singular-vector rules divide by eigenvalue (squared singular value)
gaps, so they are infinite at repeated values, as in PyTorch and JAX; eigenvalues and
singular values alone are always fine. The rest is composed of those and of matmul,
slicing and reductions. ``qr`` (PyTorch's rule, tall or square matrices) too, and the
2025.12 additions ``eig``/``eigvals`` (complex results; eigenvalue rule V^-T diag(g) V^T,
eigenvector rule PyTorch's, conjugated into JAX's convention; first derivatives).
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError, NotSupportedError, ShapeError
from ..autodiff import Primitive, describe, is_grad_enabled, no_grad
from ..autodiff.internal import is_tensor, wrap
from ._cast import as_complex, conj, real
from ._creation import eye, tensor, zeros
from ._elementwise import abs as abs_
from ._elementwise import sqrt, where
from ._manipulation import flip, tril
from ._matmul import matmul, tensordot, vecdot
from ._reduce import max as max_
from ._reduce import min as _min
from ._reduce import min as min_
from ._reduce import sum as sum_
from ._scan import cumulative_prod
from ._shape import (
    concat,
    expand_dims,
    getitem,
    matrix_transpose,
    permute_dims,
    reshape,
    stack,
    take,
)

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "cholesky",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "trace",
    "vecdot",
    "vector_norm",
]

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])


def _mT(x: Tensor) -> Tensor:
    return matrix_transpose(x)


def _mat(v: Tensor) -> Tensor:
    """A value per matrix, shaped to broadcast against the matrices."""
    return expand_dims(expand_dims(v, axis=-1), axis=-1)


def _cofactors(x: Tensor, d: Tensor) -> Tensor:
    """adj(x)^T, the gradient of det: det(x) inv(x)^T where x is invertible, and from the
    SVD where det is exactly 0 (PyTorch's approach): x = U S Vh gives adj(x)^T =
    det(U) det(Vh) U diag(prod of the other singular values) Vh. Each formula runs on a
    stand-in where the other applies (the identity; distinct singular values), so neither
    raises nor puts NaN into the other's gradient."""
    n = x.shape[-1]
    singular = _mat(d == 0)
    identity = eye(n, dtype=x.dtype, backend=x.backend)
    regular = _mat(d) * _mT(inv_p(where(singular, identity, x)))
    spread = identity * tensor([float(i + 1) for i in range(n)], dtype=x.dtype, backend=x.backend)
    u, sv, vh = (p(where(singular, x, spread)) for p in (svd_u_p, svdvals_p, svd_vh_p))
    before = cumulative_prod(sv, axis=-1, include_initial=True)
    after = flip(cumulative_prod(flip(sv, axis=-1), axis=-1, include_initial=True), axis=-1)
    others = getitem(before, (..., slice(0, n))) * getitem(after, (..., slice(1, n + 1)))
    sign = _mat(det_p(u) * det_p(vh))
    return where(singular, sign * matmul(u * expand_dims(others, axis=-2), vh), regular)


def _solve_impl(b: Any, a: Any, y: Any) -> Any:
    return b.xp.linalg.solve(a, y)


def _cholesky_vjp(g: Tensor, ans: Tensor, x: Any) -> Tensor:
    # Murray (2016): phi(L^T g) with phi = lower triangle, halved diagonal; then
    # S = L^-T phi L^-1, and the symmetric part of S.

    p = tril(matmul(_mT(ans), g))
    p = p - 0.5 * _diag_embed(diagonal(p))
    linv = inv_p(ans)
    s = matmul(matmul(_mT(linv), p), linv)
    return 0.5 * (s + _mT(s))


# fmt: off
inv_p = Primitive("inv", lambda b, x: b.xp.linalg.inv(x))
inv_p.defvjp(lambda g, ans, x: -matmul(matmul(_mT(ans), g), _mT(ans)), keep=())
det_p = Primitive("det", lambda b, x: b.xp.linalg.det(x))
det_p.defvjp(lambda g, ans, x: _mat(g) * _cofactors(x, ans))
logabsdet_p = Primitive("logabsdet", lambda b, x: b.xp.linalg.slogdet(x)[1])
logabsdet_p.defvjp(lambda g, ans, x: expand_dims(expand_dims(g, axis=-1), axis=-1) * _mT(inv_p(x)),
                   keep_ans=False)
solve_p = Primitive("solve", _solve_impl)
solve_p.defvjp(lambda g, ans, a, y: -matmul(solve_p(_mT(a), g), _mT(ans)),
               lambda g, ans, a, y: solve_p(_mT(a), g))
cholesky_p = Primitive("cholesky", lambda b, x, *, upper: b.xp.linalg.cholesky(x, upper=upper))
cholesky_p.defvjp(lambda g, ans, x, *, upper: _cholesky_vjp(g, ans, x), keep=())
# fmt: on


eigvalsh_p = Primitive("eigvalsh", lambda b, x: b.xp.linalg.eigvalsh(x))
eigvecs_p = Primitive("eigh_vectors", lambda b, x: b.xp.linalg.eigh(x)[1])
svdvals_p = Primitive("svdvals", lambda b, x: b.xp.linalg.svdvals(x))
svd_u_p = Primitive("svd_u", lambda b, x: b.xp.linalg.svd(x, full_matrices=False)[0])
svd_vh_p = Primitive("svd_vh", lambda b, x: b.xp.linalg.svd(x, full_matrices=False)[2])
qr_q_p = Primitive("qr_q", lambda b, x: b.xp.linalg.qr(x)[0])
qr_r_p = Primitive("qr_r", lambda b, x: b.xp.linalg.qr(x)[1])


def _gaps(w: Tensor) -> Tensor:
    """1 / (w_j - w_i) off the diagonal, 0 on it (w: (..., n))."""

    e = expand_dims(w, axis=-2) - expand_dims(w, axis=-1)
    n = w.shape[-1]
    on = eye(n, dtype=w.dtype, backend=w.backend) > 0.5
    return where(on, 0.0, 1.0 / where(on, 1.0, e))


def _eigvecs_vjp(g: Tensor, ans: Tensor, x: Any) -> Tensor:
    v = ans  # PyTorch: gA = V (skew(V^T gV) / 2E) V^T, E_ij = w_j - w_i (symmetric)
    vg = matmul(_mT(v), g)
    inner = 0.5 * (vg - _mT(vg)) * _gaps(eigvalsh_p(x))
    return matmul(matmul(v, inner), _mT(v))


def _svd_u_vjp(g: Tensor, ans: Tensor, x: Any) -> Tensor:
    u, sv, vh = ans, svdvals_p(x), svd_vh_p(x)  # PyTorch's svd_backward, the gU part
    j = matmul(_mT(u), g)
    j = (j - _mT(j)) * _gaps(sv * sv)
    core = matmul(matmul(u, j * expand_dims(sv, axis=-2)), vh)
    rest = g - matmul(u, matmul(_mT(u), g))  # (I - U U^T) gU S^-1 V^T
    return core + matmul(rest / expand_dims(sv, axis=-2), vh)


def _svd_vh_vjp(g: Tensor, ans: Tensor, x: Any) -> Tensor:
    vh, sv, u = ans, svdvals_p(x), svd_u_p(x)  # the gV part, gV = gVh^T
    gv, v = _mT(g), _mT(ans)
    k = matmul(vh, gv)
    k = (k - _mT(k)) * _gaps(sv * sv)
    core = matmul(matmul(u, expand_dims(sv, axis=-1) * k), vh)
    rest = g - matmul(matmul(g, v), vh)  # U S^-1 gV^T (I - V V^T)
    return core + matmul(u, rest / expand_dims(sv, axis=-1))


def _qr_back(q: Tensor, r: Tensor, gq: Tensor | None, m: Tensor) -> Tensor:
    """(gQ + Q copyltu(M)) R^-T for the reduced QR of a tall or square matrix, M the part
    of R gR^T - gQ^T Q one cotangent gives (copyltu: the symmetric matrix made from M's
    lower triangle)."""

    low = tril(m, k=-1)
    sym = low + _mT(low) + _diag_embed(diagonal(m))
    x = matmul(q, sym) if gq is None else gq + matmul(q, sym)
    return _mT(solve_p(r, _mT(x)))


# fmt: off
qr_q_p.defvjp(lambda g, ans, x: _qr_back(ans, qr_r_p(x), g, -matmul(_mT(g), ans)))
qr_r_p.defvjp(lambda g, ans, x: _qr_back(qr_q_p(x), ans, None, matmul(ans, _mT(g))))
eigvalsh_p.defvjp(lambda g, ans, x: matmul(eigvecs_p(x) * expand_dims(g, axis=-2), _mT(eigvecs_p(x))),
                  keep_ans=False)
eigvecs_p.defvjp(_eigvecs_vjp)
svdvals_p.defvjp(lambda g, ans, x: matmul(svd_u_p(x) * expand_dims(g, axis=-2), svd_vh_p(x)),
                 keep_ans=False)
svd_u_p.defvjp(_svd_u_vjp)
svd_vh_p.defvjp(_svd_vh_vjp)
# fmt: on
_sign_op = Primitive("slogdet_sign", lambda b, x: b.xp.linalg.slogdet(x)[0], differentiable=False)


def _square(x: Tensor, op: str) -> None:
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"linalg.{op}: expected (..., n, n) matrices, got {describe(x)}")


def inv(x: Tensor) -> Tensor:
    _square(x, "inv")
    return inv_p(x)


def det(x: Tensor) -> Tensor:
    _square(x, "det")
    return det_p(x)


def slogdet(x: Tensor) -> SlogdetResult:
    """(sign, log|det|) of square matrices; the gradient flows through ``logabsdet``."""
    _square(x, "slogdet")
    return SlogdetResult(_sign_op(x), logabsdet_p(x))


def solve(x1: Tensor, x2: Tensor) -> Tensor:
    """The solution of ``x1 @ out = x2`` (x2 a stack of matrices; a 1-D x2 is one vector)."""
    _square(x1, "solve")
    if x2.ndim == 1:
        return solve_p(x1, expand_dims(x2, axis=-1))[..., 0]
    return solve_p(x1, x2)


def cholesky(x: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of symmetric positive-definite matrices."""
    _square(x, "cholesky")
    if upper:
        return _mT(cholesky_p(x, upper=False))
    return cholesky_p(x, upper=False)


def eigh(x: Tensor) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices (the lower triangle is
    read). Differentiable; the eigenvector gradient is infinite at repeated eigenvalues."""
    _square(x, "eigh")
    return EighResult(eigvalsh_p(x), eigvecs_p(x))


def _eig_values_vjp(g: Tensor, ans: Any, x: Tensor) -> Tensor:
    """d lambda_i = (V^-1 dA V)_ii, transposed (JAX's convention): V^-T diag(g) V^T."""
    v = eig_vectors_p(x)
    return matmul(_mT(inv_p(v)), expand_dims(g, axis=-1) * _mT(v))


def _eig_impl(b: Any, x: Any, *, part: int) -> Any:
    """Both outputs come from one ``eig`` call each time, so their orders always agree."""
    return b.eig(x)[part]


def _eig_vectors_vjp(g: Tensor, ans: Tensor, x: Tensor) -> Tensor:
    """PyTorch's eigenvector rule (linalg_eig_backward) in JAX's convention:
    V^-T R V^T with R = (V^T g - V^T conj(V) diag(re(diag(V^T g)))) / E, E_ij = L_j - L_i
    off the diagonal and R_ii = 0 (the eigenvalues' part is their own rule). Infinite at
    repeated eigenvalues, as in PyTorch; the result is invariant to each column's phase
    only when the loss is (PyTorch checks that; xpnet does not)."""
    if is_grad_enabled():  # a backward that builds a graph: the next one would need this rule's own
        raise NotSupportedError(
            "eig: second derivatives through the eigenvectors are not provided (first derivatives "
            "are; eigenvalues alone, through eigvals, differentiate twice)"
        )
    v, lam = ans, eig_values_p(x)
    vtg = matmul(_mT(v), g)
    d = real(diagonal(vtg))
    r = vtg - matmul(_mT(v), conj(v)) * expand_dims(d, axis=-2)
    n = x.shape[-1]
    off = eye(n, dtype=x.dtype, backend=x.backend) == 0
    gaps = expand_dims(lam, axis=-2) - expand_dims(lam, axis=-1)  # L_j - L_i
    r = where(off, r / where(off, gaps, 1.0), 0.0)
    return solve_p(_mT(v), matmul(r, _mT(v)))


# fmt: off
eig_values_p = Primitive("eig_values", lambda b, x: _eig_impl(b, x, part=0))
eig_values_p.defvjp(_eig_values_vjp, keep_ans=False)
eig_vectors_p = Primitive("eig_vectors", lambda b, x: _eig_impl(b, x, part=1))
eig_vectors_p.defvjp(_eig_vectors_vjp)
# fmt: on


def eigvals(x: Tensor) -> Tensor:
    """Eigenvalues of general square matrices (complex; in no particular order).

    Differentiable in JAX's convention for complex gradients; a real ``x`` gets a real
    gradient (the real part). Computed on the host where the library has no eig."""
    _square(x, "eigvals")
    return eig_values_p(as_complex(x))


def eig(x: Tensor) -> EigResult:
    """Eigenvalues and right eigenvectors (columns, unit norm) of general square matrices.

    Differentiable in JAX's convention (the eigenvector rule is PyTorch's, conjugated):
    infinite at repeated eigenvalues, and meaningful only for losses that do not depend
    on each eigenvector's arbitrary phase (|v|, v v^H...)."""
    _square(x, "eig")
    xc = as_complex(x)
    return EigResult(eig_values_p(xc), eig_vectors_p(xc))


def eigvalsh(x: Tensor) -> Tensor:
    _square(x, "eigvalsh")
    return eigvalsh_p(x)


def _matrices(x: Tensor, op: str) -> None:
    if x.ndim < 2:
        raise ShapeError(f"linalg.{op}: expected (..., m, n) matrices, got {describe(x)}")


def svd(x: Tensor, *, full_matrices: bool = True) -> SVDResult:
    """``U, S, Vh`` with ``x = U diag(S) Vh``. Differentiable for ``full_matrices=False``
    (and for square matrices, where both are the same); the vector gradients are infinite
    at repeated singular values, and use 1/S (as PyTorch's)."""
    _matrices(x, "svd")
    m, n = x.shape[-2:]
    if full_matrices and m != n:
        if x.requires_grad and is_grad_enabled():
            raise NotSupportedError(
                f"linalg.svd(full_matrices=True) of a non-square {describe(x)}: the extra "
                "singular vectors have no gradient; use full_matrices=False"
            )

        u, sv, vh = x.backend.xp.linalg.svd(x._data, full_matrices=True)
        b = x.backend
        return SVDResult(wrap(u, b), wrap(sv, b), wrap(vh, b))
    return SVDResult(svd_u_p(x), svdvals_p(x), svd_vh_p(x))


def qr(x: Tensor, *, mode: str = "reduced") -> QRResult:
    """``Q, R`` with ``x = Q R``. Differentiable for tall and square matrices in ``"reduced"``
    mode (PyTorch's rule) and for wide ones (either mode: Q is square), as PyTorch: x =
    [X | Y] with X square gives Q, U = qr(X) and R = [U | Q^T Y], so the gradient is the
    composition's. ``"complete"`` mode of a tall matrix has no gradient (PyTorch neither:
    the extra columns of Q are not determined by x); NotSupportedError when one is asked for."""
    _matrices(x, "qr")
    if mode not in ("reduced", "complete"):
        raise ArgumentError(f"linalg.qr: mode is 'reduced' or 'complete', got {mode!r}")
    m, n = x.shape[-2:]
    if m >= n and (mode == "reduced" or m == n):
        return QRResult(qr_q_p(x), qr_r_p(x))
    if m < n:
        square = getitem(x, (..., slice(None), slice(0, m)))
        rest = getitem(x, (..., slice(None), slice(m, n)))
        q, u = qr_q_p(square), qr_r_p(square)
        return QRResult(q, concat([u, matmul(_mT(q), rest)], axis=-1))
    if x.requires_grad and is_grad_enabled():
        raise NotSupportedError(
            f"linalg.qr(mode='complete') of {describe(x)} (taller than wide) has no gradient: "
            "the extra columns of Q are not determined by x (PyTorch refuses it too); use "
            "mode='reduced'"
        )
    q, r = x.backend.xp.linalg.qr(x._data, mode=mode)
    return QRResult(wrap(q, x.backend), wrap(r, x.backend))


def svdvals(x: Tensor) -> Tensor:
    _matrices(x, "svdvals")
    return svdvals_p(x)


def pinv(x: Tensor, *, rtol: Any = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse: V diag(1/S) U^T over singular values above
    ``rtol * max(S)`` (default: max(m, n) * eps). Differentiable through ``svd``."""

    _matrices(x, "pinv")
    if 0 in x.shape[-2:]:
        return zeros(*x.shape[:-2], x.shape[-1], x.shape[-2], dtype=x.backend.dtype_name(x.dtype),
                     backend=x.backend)  # fmt: skip
    u, sv, vh = svd(x, full_matrices=False)
    keep = sv > _tolerance(x, sv, rtol)
    inv_s = where(keep, 1.0 / where(keep, sv, 1.0), 0.0)
    return matmul(_mT(vh) * expand_dims(inv_s, axis=-2), _mT(u))


def matrix_rank(x: Tensor, *, rtol: Any = None) -> Tensor:
    """The number of singular values above ``rtol * max(S)`` (an integer: no gradient)."""

    _matrices(x, "matrix_rank")
    with no_grad():
        if 0 in x.shape[-2:]:
            return zeros(*x.shape[:-2], dtype="int64", backend=x.backend)
        sv = svdvals_p(x)
        return sum_((sv > _tolerance(x, sv, rtol)).astype("int64"), axis=-1)


def _tolerance(x: Tensor, sv: Tensor, rtol: Any) -> Any:
    """rtol * max(S) per matrix (rtol: a number or an array over the batch; default
    max(M, N) * eps of the dtype)."""
    if rtol is None:
        rtol = max(x.shape[-2:]) * float(x.backend.xp.finfo(x.dtype).eps)
    elif is_tensor(rtol):
        rtol = expand_dims(rtol, axis=-1)
    return rtol * max_(sv, axis=-1, keepdims=True)


def diagonal(x: Tensor, *, offset: int = 0) -> Tensor:
    """The ``offset`` diagonal of the last two axes (a gather: differentiable)."""
    rows, cols = x.shape[-2:]
    start_r, start_c = (0, offset) if offset >= 0 else (-offset, 0)
    n = max(0, min(rows - start_r, cols - start_c))

    flat = reshape(x, (*x.shape[:-2], rows * cols))
    idx = [(start_r + i) * cols + start_c + i for i in range(n)]
    return take(flat, tensor(idx, dtype="int64", backend=x.backend), axis=-1)


def _diag_embed(d: Tensor) -> Tensor:

    n = d.shape[-1]
    return expand_dims(d, axis=-1) * eye(n, dtype=d.dtype, backend=d.backend)


def trace(x: Tensor, *, offset: int = 0, dtype: Any = None) -> Tensor:
    out = sum_(diagonal(x, offset=offset), axis=-1)
    return out if dtype is None else out.astype(dtype)


def outer(x1: Tensor, x2: Tensor) -> Tensor:
    return expand_dims(x1, axis=-1) * x2


def cross(x1: Tensor, x2: Tensor, *, axis: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``axis``."""

    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ShapeError(
            f"linalg.cross: axis {axis} must have 3 entries, got {x1.shape}, {x2.shape}"
        )

    def c(t: Tensor, i: int) -> Tensor:
        return t[(slice(None),) * (axis % t.ndim) + (i,)]

    a = [c(x1, i) for i in range(3)]
    b = [c(x2, i) for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return stack(parts, axis=axis)


def _safe_sqrt(s: Tensor) -> Tensor:
    """sqrt of a sum of squares whose gradient is 0 at 0 (PyTorch's norm subgradient) rather
    than 0/0: the square root is taken of 1 where the sum is 0, then replaced."""

    pos = s > 0.0
    return where(pos, sqrt(where(pos, s, 1.0)), 0.0)


def vector_norm(x: Tensor, *, axis: Any = None, keepdims: bool = False, ord: float = 2) -> Tensor:
    """The ``ord``-norm over ``axis`` (all elements by default); ``inf`` and ``-inf`` too."""
    a = abs_(x)
    if ord == float("inf"):
        return max_(a, axis=axis, keepdims=keepdims)
    if ord == float("-inf"):
        return min_(a, axis=axis, keepdims=keepdims)
    if ord == 2:
        r = a if x.backend.is_complex(x.dtype) else x  # |z|^2, real
        return _safe_sqrt(sum_(r * r, axis=axis, keepdims=keepdims))
    if ord == 1:
        return sum_(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return sum_((x != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    return sum_(a**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def matrix_norm(x: Tensor, *, keepdims: bool = False, ord: Any = "fro") -> Tensor:
    """Frobenius (``"fro"``), nuclear (``"nuc"``), 1, -1, 2, -2, inf and -inf norms of the
    last two axes (2, -2 and ``"nuc"`` through ``svdvals``)."""
    if ord in ("nuc", 2, -2):
        _matrices(x, "matrix_norm")
        sv = svdvals_p(x)
        out = sum_(sv, axis=-1) if ord == "nuc" else (max_ if ord == 2 else _min)(sv, axis=-1)
        return expand_dims(expand_dims(out, axis=-1), axis=-1) if keepdims else out
    if ord in (-1, float("-inf")):
        ax = -2 if ord == -1 else -1
        out = _min(
            sum_(abs_(x), axis=ax, keepdims=True), axis=(-1 if ord == -1 else -2), keepdims=True
        )
        return out if keepdims else out[..., 0, 0]
    if ord == "fro":
        r = abs_(x) if x.backend.is_complex(x.dtype) else x  # |z|^2, real
        return _safe_sqrt(sum_(r * r, axis=(-2, -1), keepdims=keepdims))
    if ord in (1, float("inf")):
        ax = -2 if ord == 1 else -1
        out = max_(
            sum_(abs_(x), axis=ax, keepdims=True), axis=(-1 if ord == 1 else -2), keepdims=True
        )
        return out if keepdims else out[..., 0, 0]
    raise ShapeError(
        f"linalg.matrix_norm: ord {ord!r} is not supported (use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf)"
    )


def matrix_power(x: Tensor, n: int) -> Tensor:
    """``x`` multiplied by itself ``n`` times (``inv`` first for negative ``n``)."""
    _square(x, "matrix_power")
    if n < 0:
        x, n = inv(x), -n

    out: Tensor | None = None
    base = x
    while n:
        if n & 1:
            out = base if out is None else matmul(out, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    if out is None:
        e = eye(x.shape[-1], dtype=x.dtype, backend=x.backend)
        # the identity in x's batch shape, still in x's graph with a zero gradient: a sum over
        # no element of x is exactly 0 even where x holds inf or NaN (0 * x would not be)
        nothing = sum_(getitem(x, (..., slice(0, 0))), axis=-1, keepdims=True)
        return e + nothing
    return out


def norm(
    x: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """PyTorch's and NumPy's ``linalg.norm``: with ``dim`` an int, ``vector_norm``; a pair,
    ``matrix_norm`` over those two axes; ``None``, the 2-norm of all elements when ``ord``
    is None, else a vector norm of a 1-D tensor or a matrix norm of a 2-D one."""
    if dtype is not None:
        x = x.astype(dtype)
    if dim is None and ord is not None:
        if x.ndim not in (1, 2):
            raise ShapeError(
                f"linalg.norm: ord={ord!r} without dim needs a 1-D or 2-D tensor, got "
                f"{x.ndim}-D (give dim)"
            )
        dim = 0 if x.ndim == 1 else (0, 1)
    if dim is None:
        return vector_norm(x, axis=None, keepdims=keepdim)
    if isinstance(dim, int) or (isinstance(dim, (tuple, list)) and len(dim) == 1):
        axis = dim if isinstance(dim, int) else dim[0]
        return vector_norm(x, axis=axis, keepdims=keepdim, ord=2 if ord is None else ord)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ArgumentError(f"linalg.norm: dim must be an int or a pair of ints, got {dim!r}")
    a, b = (d % x.ndim for d in dim)
    if a == b:
        raise ArgumentError(f"linalg.norm: dim {tuple(dim)} names one axis twice")
    rest = [i for i in range(x.ndim) if i not in (a, b)]
    moved = permute_dims(x, (*rest, a, b))
    out = matrix_norm(moved, keepdims=False, ord="fro" if ord is None else ord)
    if keepdim:
        for d in sorted((a, b)):
            out = expand_dims(out, axis=d)
    return out
