"""The spec table: one or more entries per primitive, driving forward and gradient tests.

Each entry has the xpnet function under test, a NumPy reference on float64
host arrays, the input shapes and the input domain. A primitive without an
entry fails ``test_every_primitive_has_a_spec``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import xpnet as xn


@dataclass
class Spec:
    prim: str
    name: str
    fn: Callable[..., xn.Tensor]
    ref: Callable[..., Any]
    shapes: list[tuple[int, ...]]
    domain: str = (
        "real"  # real | positive | nonzero (|x| in [0.5, 2]) | unit | above1 | wellcond | distinct
    )
    ints: dict[int, np.ndarray] = field(
        default_factory=dict
    )  # fixed integer/bool inputs by position
    order: int = 2
    grad_tol: dict[str, float] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.name


class _Cube(xn.autograd.Function):
    """k x^3 y as a user-defined autograd.Function (its backward written with xpnet's ops,
    so it has a second derivative too)."""

    @staticmethod
    def forward(ctx: Any, x: Any, k: float, y: Any) -> Any:
        ctx.save_for_backward(x, y)
        ctx.k = k
        return x**3 * y * k

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        x, y = ctx.saved_tensors
        return g * 3.0 * x**2 * y * ctx.k, None, g * x**3 * ctx.k


def _setitem_slices(x: Any, v: Any) -> Any:
    y = x * 1  # in a graph: x[key] = v is recorded (index_update) and y rebased onto it
    y[1:, ::2] = v
    return y


def _setitem_row(x: Any, v: Any) -> Any:
    y = x * 1
    y[1] = v
    return y


def _setitem_scalar(x: Any, v: Any) -> Any:
    y = x * 1
    y[:, 2] = v  # a 0-d value broadcast over a column
    return y


def _other_backend(b: xn.Backend) -> xn.Backend:
    return xn.get_backend("array_api_strict" if b.name == "numpy" else "numpy")


def _sps() -> Any:
    import scipy.special

    return scipy.special


def _sig(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _lse(x: np.ndarray, axis: Any) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m


def _scatter_reduce_ref(reduce: str) -> Callable[..., Any]:
    def ref(v: np.ndarray, pos: np.ndarray) -> np.ndarray:
        init = {"amax": -np.inf, "amin": np.inf, "prod": 1.0}[reduce]
        out = np.full(5, init)
        {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}[reduce].at(out, pos, v)
        return out

    return ref


def _scatter_ref(g: np.ndarray, idx: np.ndarray) -> np.ndarray:
    out = np.zeros((5, g.shape[1]))
    np.add.at(out, idx, g)
    return out


GEOM = dict(kernel=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1))
GEOM_T = (2, 3, 1, 2, 1, 0, 2, 1)  # the same as the primitives' geometry tuple


def _unfold_ref(x: np.ndarray) -> np.ndarray:
    """im2col by loops: sample n, row (c, i, j), column (oh, ow) (PyTorch's F.unfold layout)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = GEOM.values()
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c * kh * kw, ho * wo))
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                for b in range(n):
                    for oh in range(ho):
                        for ow in range(wo):
                            out[b, (ci * kh + i) * kw + j, oh * wo + ow] = xp[
                                b, ci, oh * sh + i * dh, ow * sw + j * dw
                            ]
    return out


def _fold_ref(cols: np.ndarray) -> np.ndarray:
    """col2im by loops: the exact adjoint of _unfold_ref for an input of shape (2, 2, 5, 6)."""
    x = np.zeros((2, 2, 5, 6))
    basis = _unfold_ref(np.arange(x.size, dtype=float).reshape(x.shape) + 1)  # positions, 1-based
    for pos, v in zip(basis.reshape(-1), cols.reshape(-1), strict=True):
        if pos:  # 0 marks padding
            x.reshape(-1)[int(pos) - 1] += v
    return x


POOL_X = np.random.default_rng(7).standard_normal((2, 3, 5, 6))  # no ties; a 5th row, 0 gradient


def _max_pool_ref(x: np.ndarray) -> np.ndarray:
    """2x2 windows, stride 2, the rows and columns past the last window left out."""
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def _max_pool_grad_ref(g: np.ndarray) -> np.ndarray:
    """Each window's g at its maximum in POOL_X (no ties there)."""
    x = POOL_X.astype(np.float32).astype(np.float64)
    out = np.zeros_like(x)
    m = _max_pool_ref(x)
    for b, c, i, j in np.ndindex(*m.shape):
        window = x[b, c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
        di, dj = np.unravel_index(np.argmax(window), (2, 2))
        out[b, c, 2 * i + di, 2 * j + dj] = g[b, c, i, j]
    return out


def _max_pool_grad(g: xn.Tensor) -> xn.Tensor:
    from xpnet.ops.internal import max_pool_grad_p, max_pool_p

    x = xn.tensor(POOL_X, dtype=g.dtype, backend=g.backend, device=g.device)
    return max_pool_grad_p(g, x, max_pool_p(x, kernel=(2, 2)), kernel=(2, 2))


RELU_ANS = np.array([[0.5, -1.0, 0.0], [2.0, -0.25, 1.5]])  # the mask: > 0 only


def _relu_grad(g: xn.Tensor) -> xn.Tensor:
    from xpnet.ops.internal import relu_grad_p

    ans = xn.tensor(RELU_ANS, dtype=g.dtype, backend=g.backend, device=g.device)
    return relu_grad_p(g, ans)


def _c(x: xn.Tensor, y: xn.Tensor) -> xn.Tensor:
    """x + iy in the complex dtype of x's precision (real inputs, so finite differences apply)."""
    cdt = "complex128" if x.backend.dtype_name(x.dtype) == "float64" else "complex64"
    return x.astype(cdt) + y.astype(cdt) * 1j


def _t(a: np.ndarray, like: xn.Tensor) -> xn.Tensor:
    return xn.tensor(a, backend=like.backend)


DUP = np.array([0, 2, 2, 4, 0])  # duplicate indices on purpose
COND = np.array([[True, False, True], [False, False, True]])
ALONG = np.array([[0, 0], [3, 1], [2, 2]])
SENT = np.array([0, 2, 2, 4, 0, 2, 1, 3])  # every one of 5 positions, some more than once

SPECS: list[Spec] = [
    # elementwise arithmetic, with broadcasting and Python scalars
    Spec("add", "add-broadcast", lambda x, y: x + y, np.add, [(3, 1), (4,)]),
    Spec("add", "add-scalar", lambda x: 2.0 + x, lambda x: 2.0 + x, [(2, 3)]),
    Spec("subtract", "sub-broadcast", lambda x, y: x - y, np.subtract, [(2, 3), (3,)]),
    Spec("subtract", "rsub-scalar", lambda x: 1.5 - x, lambda x: 1.5 - x, [(4,)]),
    Spec("multiply", "mul-broadcast", lambda x, y: x * y, np.multiply, [(2, 3), (2, 1)]),
    Spec("multiply", "mul-scalar", lambda x: x * 3.0, lambda x: x * 3.0, [(3,)]),
    Spec("divide", "div", lambda x, y: x / y, np.divide, [(2, 3), (3,)], domain="nonzero"),
    Spec("divide", "rdiv-scalar", lambda x: 2.0 / x, lambda x: 2.0 / x, [(3,)], domain="nonzero"),
    Spec("pow", "pow-tensors", lambda x, y: x**y, np.power, [(3,), (3,)], domain="positive"),
    Spec("pow", "pow-scalar", lambda x: x**3.0, lambda x: x**3.0, [(2, 2)]),
    Spec("pow", "rpow-scalar", lambda x: 2.0**x, lambda x: 2.0**x, [(3,)]),
    Spec("negative", "neg", lambda x: -x, np.negative, [(2, 3)]),
    Spec("exp", "exp", xn.exp, np.exp, [(2, 3)]),
    Spec("log", "log", xn.log, np.log, [(2, 3)], domain="positive"),
    Spec("log1p", "log1p", xn.log1p, np.log1p, [(4,)], domain="positive"),
    Spec("sqrt", "sqrt", xn.sqrt, np.sqrt, [(2, 3)], domain="positive"),
    Spec("abs", "abs", xn.abs, np.abs, [(2, 3)], domain="nonzero"),
    Spec("tanh", "tanh", xn.tanh, np.tanh, [(2, 3)]),
    Spec("erf", "erf", xn.erf, np.vectorize(math.erf), [(3, 4)]),
    Spec(
        "erf",
        "erf-large",
        lambda x: xn.erf(x * 3.0),
        lambda x: np.vectorize(math.erf)(x * 3.0),
        [(3, 4)],
    ),
    Spec(
        "softplus", "softplus", xn.nn.functional.softplus, lambda x: np.logaddexp(0.0, x), [(2, 3)]
    ),
    Spec("erfc", "erfc", xn.erfc, lambda x: _sps().erfc(x), [(3, 4)]),
    Spec(
        "erfc",
        "erfc-tail",  # past 2 and past 6: the interpolant and the continued fraction
        lambda x: xn.erfc(x * 3.0 + 4.5),
        lambda x: _sps().erfc(x * 3.0 + 4.5),
        [(3, 4)],
        domain="positive",
    ),
    Spec("erfinv", "erfinv", xn.erfinv, lambda x: _sps().erfinv(x), [(3, 4)], domain="unit"),
    Spec(
        "erfinv",
        "erfinv-ends",  # the log-erfc Newton steps (|y| >= 1/2); the far tails: test_special
        lambda x: xn.erfinv(1.0 - x * 0.05),
        lambda x: _sps().erfinv(1.0 - x * 0.05),
        [(3, 4)],
        domain="positive",
    ),
    Spec("lgamma", "lgamma", xn.lgamma, lambda x: _sps().gammaln(x), [(3, 4)], domain="positive"),
    Spec(
        "lgamma",
        "lgamma-negative",  # between the poles -3 and -2: the reflected branch
        lambda x: xn.lgamma(x * 0.5 - 2.5),
        lambda x: _sps().gammaln(x * 0.5 - 2.5),
        [(3, 4)],
        domain="unit",
    ),
    Spec(
        "polygamma",
        "digamma",
        xn.digamma,
        lambda x: _sps().digamma(x),
        [(3, 4)],
        domain="positive",
    ),
    Spec(
        "polygamma",
        "digamma-negative",
        lambda x: xn.digamma(x * 0.5 - 1.5),
        lambda x: _sps().digamma(x * 0.5 - 1.5),
        [(3, 4)],
        domain="unit",
    ),
    Spec(
        "polygamma",
        "polygamma-2",
        lambda x: xn.polygamma(2, x * 3.0),
        lambda x: _sps().polygamma(2, x * 3.0),
        [(3, 4)],
        domain="positive",
    ),
    Spec("sigmoid", "sigmoid", xn.sigmoid, _sigmoid, [(2, 3)]),
    Spec("relu", "relu", xn.relu, lambda x: np.maximum(x, 0), [(2, 3)], domain="nonzero"),
    Spec(
        "relu_grad",
        "relu_grad-linear-in-g",
        _relu_grad,
        lambda g: g * (RELU_ANS > 0),
        [(2, 3)],
    ),
    Spec(
        "sigmoid_grad",
        "sigmoid_grad",
        lambda g, a: xn.ops.internal.sigmoid_grad_p(g, a),
        lambda g, a: g * a * (1.0 - a),
        [(2, 3), (2, 3)],
    ),
    Spec(
        "tanh_grad",
        "tanh_grad",
        lambda g, a: xn.ops.internal.tanh_grad_p(g, a),
        lambda g, a: g * (1.0 - a * a),
        [(2, 3), (2, 3)],
    ),
    Spec("maximum", "maximum-broadcast", xn.maximum, np.maximum, [(2, 3), (3,)]),
    Spec(
        "maximum",
        "maximum-scalar",
        lambda x: xn.maximum(x, 0.1),
        lambda x: np.maximum(x, 0.1),
        [(4,)],
        domain="nonzero",
    ),
    Spec("minimum", "minimum-broadcast", xn.minimum, np.minimum, [(3, 1), (3, 2)]),
    Spec(
        "where",
        "where",
        lambda c, x, y: xn.where(c, x, y),
        np.where,
        [(2, 3), (2, 3), (3,)],
        ints={0: COND},
    ),
    Spec(
        "where",
        "where-scalar",
        lambda c, x: xn.where(c, x, 0.0),
        lambda c, x: np.where(c, x, 0.0),
        [(2, 3), (2, 3)],
        ints={0: COND},
    ),
    Spec(
        "clip",
        "clip",
        lambda x: xn.clip(x, -0.4, 0.4),
        lambda x: np.clip(x, -0.4, 0.4),
        [(3, 4)],
        domain="clip",
    ),
    Spec(
        "astype",
        "astype",
        lambda x: xn.astype(x, "float32") * 1.0,
        lambda x: x,
        [(3,)],
        grad_tol={"eps": 1e-3, "rtol": 1e-3, "atol": 1e-4},
    ),
    # reductions: axes, negative axes, keepdims
    Spec("sum", "sum-all", xn.sum, np.sum, [(2, 3)]),
    Spec(
        "sum",
        "sum-neg-axis-keepdims",
        lambda x: xn.sum(x, axis=-1, keepdims=True),
        lambda x: np.sum(x, axis=-1, keepdims=True),
        [(2, 3, 4)],
    ),
    Spec(
        "sum",
        "sum-axes",
        lambda x: xn.sum(x, axis=(0, 2)),
        lambda x: np.sum(x, axis=(0, 2)),
        [(2, 3, 4)],
    ),
    Spec("max", "max-axis", lambda x: xn.max(x, axis=1), lambda x: np.max(x, axis=1), [(2, 3, 4)]),
    Spec(
        "max",
        "max-all-keepdims",
        lambda x: xn.max(x, keepdims=True),
        lambda x: np.max(x, keepdims=True),
        [(3, 4)],
    ),
    Spec(
        "min",
        "min-neg-axis",
        lambda x: xn.min(x, axis=-2, keepdims=True),
        lambda x: np.min(x, axis=-2, keepdims=True),
        [(3, 4)],
    ),
    # matmul, with vectors and batch broadcasting
    Spec("matmul", "matmul-2d", xn.matmul, np.matmul, [(3, 4), (4, 5)]),
    Spec("matmul", "matmul-batch-broadcast", xn.matmul, np.matmul, [(2, 1, 3, 4), (5, 4, 2)]),
    Spec("matmul", "matmul-vec-mat", xn.matmul, np.matmul, [(4,), (3, 4, 5)]),
    Spec("matmul", "matmul-mat-vec", xn.matmul, np.matmul, [(2, 3, 4), (4,)]),
    Spec("matmul", "matmul-vec-vec", xn.matmul, np.matmul, [(4,), (4,)]),
    # shapes
    Spec("reshape", "reshape", lambda x: x.reshape(6, -1), lambda x: x.reshape(6, -1), [(2, 3, 4)]),
    Spec(
        "permute_dims",
        "permute",
        lambda x: xn.permute_dims(x, (2, 0, 1)),
        lambda x: np.transpose(x, (2, 0, 1)),
        [(2, 3, 4)],
    ),
    Spec("permute_dims", "mT", lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2), [(2, 3, 4)]),
    Spec(
        "expand_dims",
        "expand_dims-neg",
        lambda x: xn.expand_dims(x, axis=-1),
        lambda x: np.expand_dims(x, -1),
        [(2, 3)],
    ),
    Spec(
        "squeeze",
        "squeeze",
        lambda x: xn.squeeze(x, axis=1),
        lambda x: np.squeeze(x, 1),
        [(2, 1, 3)],
    ),
    Spec(
        "broadcast_to",
        "broadcast_to",
        lambda x: xn.broadcast_to(x, (2, 3, 4)),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        [(3, 1)],
    ),
    Spec(
        "concat",
        "concat-0",
        lambda x, y: xn.concat([x, y], axis=0),
        lambda x, y: np.concatenate([x, y], 0),
        [(2, 3), (4, 3)],
    ),
    Spec(
        "concat",
        "concat-neg",
        lambda x, y, z: xn.concat([x, y, z], axis=-1),
        lambda x, y, z: np.concatenate([x, y, z], -1),
        [(2, 1), (2, 3), (2, 2)],
    ),
    Spec(
        "stack",
        "stack-1",
        lambda x, y: xn.stack([x, y], axis=1),
        lambda x, y: np.stack([x, y], 1),
        [(2, 3), (2, 3)],
    ),
    # gathers (duplicate indices) and their scatter-add
    Spec(
        "pad",
        "pad-value",
        lambda x: xn.pad(x, ((1, 2), (0, 1)), value=1.5),
        lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=1.5),
        [(2, 3)],
    ),
    Spec("pad", "pad-int-3d", lambda x: xn.pad(x, 1), lambda x: np.pad(x, 1), [(2, 1, 2)]),
    Spec("slice", "getitem-basic", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [(3, 5)]),
    Spec("slice", "getitem-int", lambda x: x[1, -1], lambda x: x[1, -1], [(3, 5)]),
    Spec(
        "slice",
        "getitem-negative-steps",
        lambda x: x[::-1, 3::-2],
        lambda x: x[::-1, 3::-2],
        [(3, 5)],
    ),
    Spec(
        "slice",
        "getitem-new-axes",
        lambda x: x[None, ::2, None],
        lambda x: x[None, ::2, None],
        [(5,)],
    ),
    Spec("index_update", "setitem-slices", _setitem_slices, _setitem_slices, [(3, 5), (2, 3)]),
    Spec("index_update", "setitem-row-broadcast", _setitem_row, _setitem_row, [(3, 4), (4,)]),
    Spec("index_update", "setitem-scalar", _setitem_scalar, _setitem_scalar, [(3, 4), ()]),
    Spec(
        "gather",
        "getitem-array-dup",
        lambda x, i: x[i],
        lambda x, i: x[i],
        [(6,), (5,)],
        ints={1: DUP},
    ),
    Spec(
        "gather",
        "getitem-arrays-2d",
        lambda x, i, j: x[i, j],
        lambda x, i, j: x[i, j],
        [(5, 6), (5,), (5,)],
        ints={1: DUP, 2: DUP[::-1].copy()},
    ),
    Spec(
        "gather",
        "take-dup",
        lambda x, i: xn.take(x, i, axis=1),
        lambda x, i: np.take(x, i, axis=1),
        [(2, 5), (5,)],
        ints={1: DUP},
    ),
    Spec(
        "gather",
        "take_along_axis-dup",
        lambda x, i: xn.take_along_axis(x, i, axis=-1),
        lambda x, i: np.take_along_axis(x, i, axis=-1),
        [(3, 4), (3, 2)],
        ints={1: ALONG},
    ),
    Spec(
        "scatter_add",
        "scatter_add-dup",
        lambda g, i: xn.scatter_add(g, i, (5, 3), axis=0),
        _scatter_ref,
        [(5, 3), (5,)],
        ints={1: DUP},
    ),
    *(
        Spec(
            "scatter_reduce",
            f"scatter_reduce-{r}-dup",
            lambda v, i, r=r: xn.ops.internal.scatter_reduce_p(v, i, size=5, reduce=r),
            _scatter_reduce_ref(r),
            [(8,), (8,)],
            domain="distinct" if r != "prod" else "nonzero",
            ints={1: SENT},
        )
        for r in ("amax", "amin", "prod")
    ),
    Spec(
        "unfold",
        "unfold-stride-pad-dilation",
        lambda x: xn.nn.functional.unfold(x, **GEOM),
        _unfold_ref,
        [(2, 2, 5, 6)],
    ),
    Spec(
        "unfold",
        "unfold-rows-layout",
        lambda x: xn.ops.internal.unfold_p(x, geometry=GEOM_T, layout="rows"),
        lambda x: _unfold_ref(x).transpose(1, 0, 2).reshape(12, -1),
        [(2, 2, 5, 6)],
    ),
    Spec(
        "fold",
        "fold-rows-layout",
        lambda c: xn.ops.internal.fold_p(c, shape=(2, 2, 5, 6), geometry=GEOM_T, layout="rows"),
        lambda c: _fold_ref(c.reshape(12, 2, 10).transpose(1, 0, 2)),
        [(12, 2 * 5 * 2)],
    ),
    Spec(
        "fold",
        "fold-stride-pad-dilation",
        lambda c: xn.nn.functional.fold(c, (2, 2, 5, 6), **GEOM),
        _fold_ref,
        [(2, 12, 5 * 2)],
    ),
    Spec(
        "real",
        "real-of-complex",
        lambda x, y: xn.real(_c(x, y) * (1 - 2j)),
        lambda x, y: x + 2 * y,
        [(2, 3), (2, 3)],
    ),
    Spec(
        "imag",
        "imag-of-complex",
        lambda x, y: xn.imag(_c(x, y) * (1 - 2j)),
        lambda x, y: y - 2 * x,
        [(2, 3), (2, 3)],
    ),
    Spec(
        "conj",
        "conj-of-complex",
        lambda x, y: xn.real(xn.conj(_c(x, y)) * (1 + 2j)),
        lambda x, y: x + 2 * y,
        [(2, 3), (2, 3)],
    ),
    Spec(
        "fft",
        "fft-n-ortho",
        lambda x, y: xn.real(xn.fft.fft(_c(x, y), n=6, norm="ortho") * (1 - 2j)),
        lambda x, y: np.real(np.fft.fft(x + 1j * y, n=6, norm="ortho") * (1 - 2j)),
        [(2, 5), (2, 5)],
    ),
    Spec(
        "fftn",
        "ifftn-axes",
        lambda x, y: xn.imag(xn.fft.ifftn(_c(x, y), axes=(0, 1))),
        lambda x, y: np.imag(np.fft.ifftn(x + 1j * y, axes=(0, 1))),
        [(3, 4, 2), (3, 4, 2)],
    ),
    Spec(
        "rfft",
        "rfft-odd-n",
        lambda x: xn.imag(xn.fft.rfft(x, n=7) * (2 + 1j)),
        lambda x: np.imag(np.fft.rfft(x, n=7) * (2 + 1j)),
        [(2, 6)],
    ),
    Spec(
        "irfft",
        "irfft-even",
        lambda x, y: xn.fft.irfft(_c(x, y), n=8, norm="forward"),
        lambda x, y: np.fft.irfft(x + 1j * y, n=8, norm="forward"),
        [(2, 5), (2, 5)],
    ),
    Spec(
        "eig_values",
        "eigvals-real-part-squared",
        lambda x: xn.sum(xn.real(xn.linalg.eigvals(x)) ** 2 + xn.imag(xn.linalg.eigvals(x))),
        lambda x: np.sum(np.real(np.linalg.eigvals(x)) ** 2 + np.imag(np.linalg.eigvals(x))),
        [(3, 3)],
    ),
    Spec(
        "eig_vectors",
        "eig-vectors-phase-free",
        lambda x: xn.sum(xn.abs(xn.linalg.eig(x).eigenvectors) ** 4),
        lambda x: np.sum(np.abs(np.linalg.eig(x.astype(complex))[1]) ** 4),
        [(3, 3)],
        order=1,  # a second derivative raises (tests/autodiff/test_complex.py)
    ),
    Spec(
        "max_pool",
        "max_pool-2x2-odd-size",
        lambda x: xn.nn.functional.max_pool2d(x, 2),
        _max_pool_ref,
        [(2, 3, 5, 6)],
        domain="distinct",
    ),
    Spec(
        "max_pool_grad",
        "max_pool_grad-linear-in-g",
        _max_pool_grad,
        _max_pool_grad_ref,
        [(2, 3, 2, 3)],
    ),
    Spec(
        "linear",
        "linear-fused",
        lambda x, w, b: xn.nn.functional.linear(x, w, b),
        lambda x, w, b: x @ w.T + b,
        [(2, 4, 3), (5, 3), (5,)],
    ),
    Spec(
        "softmax_cross_entropy",
        "softmax_cross_entropy-fused",
        lambda x, y: xn.ops._fused_losses.softmax_cross_entropy_p(x, y),
        lambda x, y: _lse(x, 1)[:, 0] - x[np.arange(len(y)), y],
        [(5, 4), (5,)],
        ints={1: np.array([0, 3, 1, 1, 2])},
    ),
    Spec(
        "softmax_cross_entropy_mean",
        "cross_entropy-mean-ignore",
        lambda x, y: xn.nn.functional.cross_entropy(x, y, ignore_index=3),
        lambda x, y: np.mean((_lse(x, 1)[:, 0] - x[np.arange(len(y)), y])[y != 3]),
        [(5, 4), (5,)],
        ints={1: np.array([0, 3, 1, 1, 2])},
    ),
    Spec(
        "softmax_cross_entropy_mean_grad",
        "cross_entropy-mean-grad",
        lambda g, x, y: xn.ops._fused_losses.softmax_cross_entropy_mean_grad_p(
            g, x, y, ignore_index=3
        ),
        lambda g, x, y: (
            g * (np.exp(x - _lse(x, 1)) - np.eye(4)[y]) * (y != 3)[:, None] / np.sum(y != 3)
        ),
        [(), (5, 4), (5,)],
        ints={2: np.array([0, 3, 1, 1, 2])},
    ),
    Spec(
        "binary_cross_entropy",
        "binary_cross_entropy-fused",
        lambda p, t: xn.ops._fused_losses.binary_cross_entropy_p(xn.sigmoid(p), xn.sigmoid(t)),
        lambda p, t: -(_sig(t) * np.log(_sig(p)) + (1 - _sig(t)) * np.log(1 - _sig(p))),
        [(2, 3), (2, 3)],
    ),
    Spec(
        "binary_cross_entropy_mean",
        "binary_cross_entropy-mean",
        lambda p, t: xn.nn.functional.binary_cross_entropy(xn.sigmoid(p), xn.sigmoid(t)),
        lambda p, t: np.mean(-(_sig(t) * np.log(_sig(p)) + (1 - _sig(t)) * np.log(1 - _sig(p)))),
        [(2, 3), (2, 3)],
    ),
    Spec(
        "binary_cross_entropy_mean_grad",
        "binary_cross_entropy-mean-grad",
        lambda g, p, t: xn.ops._fused_losses.binary_cross_entropy_mean_grad_p(
            g, xn.sigmoid(p), xn.sigmoid(t)
        ),
        lambda g, p, t: g * (_sig(p) - _sig(t)) / (_sig(p) * (1 - _sig(p))) / 6,
        [(), (2, 3), (2, 3)],
    ),
    Spec(
        "autograd_function",
        "autograd-function-cube",
        lambda x, y: _Cube.apply(x, 2.0, y),
        lambda x, y: 2.0 * x**3 * y,
        [(2, 3), (2, 3)],
    ),
    Spec(
        "checkpoint",
        "checkpoint-tanh-times",
        lambda x, y: xn.utils.checkpoint.checkpoint(lambda a, b: xn.tanh(a) * b + a * a, x, y),
        lambda x, y: np.tanh(x) * y + x * x,
        [(2, 3), (3,)],
    ),
    Spec(
        "transfer",
        "transfer-roundtrip",
        lambda x: xn.to(xn.to(x, backend=_other_backend(x.backend)) * 2.0, backend=x.backend),
        lambda x: x * 2.0,
        [(2, 3)],
    ),
    # stable composites (not primitives, but specified the same way)
    Spec(
        "softmax", "softmax", lambda x: xn.softmax(x, axis=-1), lambda x: _softmax(x, -1), [(3, 4)]
    ),
    Spec(
        "log_softmax",
        "log_softmax-axis0",
        lambda x: xn.log_softmax(x, axis=0),
        lambda x: np.log(_softmax(x, 0)),
        [(3, 4)],
    ),
    Spec(
        "logsumexp",
        "logsumexp",
        lambda x: xn.logsumexp(x, axis=1),
        lambda x: _lse(x, 1)[:, 0],
        [(3, 4)],
    ),
    Spec("mean", "mean-axis", lambda x: xn.mean(x, axis=0), lambda x: np.mean(x, axis=0), [(3, 4)]),
    Spec(
        "var",
        "var-unbiased",
        lambda x: xn.var(x, axis=1, correction=1),
        lambda x: np.var(x, axis=1, ddof=1),
        [(3, 4)],
    ),
    Spec(
        "std",
        "std",
        lambda x: xn.std(x, axis=-1, keepdims=True),
        lambda x: np.std(x, axis=-1, keepdims=True),
        [(3, 4)],
    ),
]


def _spd(x: xn.Tensor) -> xn.Tensor:
    """A symmetric positive-definite matrix made from any square ``x`` (for cholesky)."""
    return x @ xn.matrix_transpose(x) + 3.0 * xn.eye(x.shape[-1], dtype=x.dtype, backend=x.backend)


def _sym(x: xn.Tensor) -> xn.Tensor:
    """A symmetric matrix made from any square ``x``, its eigenvalues spread apart."""
    n = x.shape[-1]
    spread = xn.tensor(
        np.diag(np.arange(n) * 3.0), dtype=x.backend.dtype_name(x.dtype), backend=x.backend
    )
    return x + xn.matrix_transpose(x) + spread


def _np_sym(x: np.ndarray) -> np.ndarray:
    return x + np.swapaxes(x, -1, -2) + np.diag(np.arange(x.shape[-1]) * 3.0)


def _np_spd(x: np.ndarray) -> np.ndarray:
    return x @ np.swapaxes(x, -1, -2) + 3.0 * np.eye(x.shape[-1])


def _np_cumprod_zero_safe(x: np.ndarray) -> np.ndarray:
    return np.cumprod(x, axis=1)


# The rest of the Array API standard: trigonometric and other elementwise functions,
# products and running sums, and the linalg extension.
SPECS += [
    Spec("sin", "sin", xn.sin, np.sin, [(2, 3)]),
    Spec("cos", "cos", xn.cos, np.cos, [(2, 3)]),
    Spec("tan", "tan", xn.tan, np.tan, [(2, 3)], domain="unit"),
    Spec("asin", "asin", xn.asin, np.arcsin, [(2, 3)], domain="unit"),
    Spec("acos", "acos", xn.acos, np.arccos, [(2, 3)], domain="unit"),
    Spec("atan", "atan", xn.atan, np.arctan, [(2, 3)]),
    Spec("sinh", "sinh", xn.sinh, np.sinh, [(2, 3)]),
    Spec("cosh", "cosh", xn.cosh, np.cosh, [(2, 3)]),
    Spec("asinh", "asinh", xn.asinh, np.arcsinh, [(2, 3)]),
    Spec("acosh", "acosh", xn.acosh, np.arccosh, [(2, 3)], domain="above1"),
    Spec("atanh", "atanh", xn.atanh, np.arctanh, [(2, 3)], domain="unit"),
    Spec("expm1", "expm1", xn.expm1, np.expm1, [(2, 3)]),
    Spec("log2", "log2", xn.log2, np.log2, [(2, 3)], domain="positive"),
    Spec("log10", "log10", xn.log10, np.log10, [(2, 3)], domain="positive"),
    Spec("atan2", "atan2-broadcast", xn.atan2, np.arctan2, [(2, 3), (3,)], domain="nonzero"),
    Spec("hypot", "hypot", xn.hypot, np.hypot, [(2, 3), (2, 3)], domain="nonzero"),
    Spec("logaddexp", "logaddexp", xn.logaddexp, np.logaddexp, [(2, 3), (1, 3)]),
    Spec("remainder", "remainder", xn.remainder, np.remainder, [(2, 3), (2, 3)], domain="positive"),
    Spec("copysign", "copysign", xn.copysign, np.copysign, [(2, 3), (2, 3)], domain="nonzero"),
    Spec("prod", "prod-axis", lambda x: xn.prod(x, axis=1), lambda x: np.prod(x, axis=1), [(2, 4)]),
    Spec("prod", "prod-all-keepdims", lambda x: xn.prod(x, keepdims=True),
         lambda x: np.prod(x, keepdims=True), [(2, 3)]),
    Spec("cumulative_sum", "cumulative_sum-axis1", lambda x: xn.cumulative_sum(x, axis=1),
         lambda x: np.cumsum(x, axis=1), [(2, 4)]),
    Spec("cumulative_sum", "cumulative_sum-initial",
         lambda x: xn.cumulative_sum(x, include_initial=True),
         lambda x: np.concatenate([[0.0], np.cumsum(x)]), [(5,)]),
    Spec("inv", "inv", xn.linalg.inv, np.linalg.inv, [(2, 3, 3)], domain="wellcond"),
    Spec("det", "det", xn.linalg.det, np.linalg.det, [(2, 3, 3)], domain="wellcond"),
    Spec("logabsdet", "slogdet", lambda x: xn.linalg.slogdet(x).logabsdet,
         lambda x: np.linalg.slogdet(x)[1], [(3, 3)], domain="wellcond"),
    Spec("solve", "solve", xn.linalg.solve, np.linalg.solve, [(3, 3), (3, 2)], domain="wellcond"),
    Spec("eigvalsh", "eigvalsh-sym", lambda x: xn.linalg.eigvalsh(_sym(x)),
         lambda x: np.linalg.eigvalsh(_np_sym(x)), [(2, 3, 3)]),
    # vectors squared: the sign of an eigenvector (singular vector) is arbitrary
    Spec("eigh_vectors", "eigh-vectors-sym", lambda x: xn.linalg.eigh(_sym(x)).eigenvectors ** 2,
         lambda x: np.linalg.eigh(_np_sym(x))[1] ** 2, [(3, 3)]),
    Spec("svdvals", "svdvals-tall", xn.linalg.svdvals, lambda x: np.linalg.svd(x, compute_uv=False),
         [(2, 4, 3)]),
    Spec("svd_u", "svd-u-tall", lambda x: xn.linalg.svd(x, full_matrices=False).U ** 2,
         lambda x: np.linalg.svd(x, full_matrices=False)[0] ** 2, [(4, 3)]),
    Spec("svd_vh", "svd-vh-wide", lambda x: xn.linalg.svd(x, full_matrices=False).Vh ** 2,
         lambda x: np.linalg.svd(x, full_matrices=False)[2] ** 2, [(3, 4)]),
    Spec("qr_q", "qr-q-tall", lambda x: xn.linalg.qr(x).Q ** 2,
         lambda x: np.linalg.qr(x)[0] ** 2, [(2, 4, 3)]),
    Spec("qr_r", "qr-r-square", lambda x: xn.linalg.qr(x).R ** 2,
         lambda x: np.linalg.qr(x)[1] ** 2, [(3, 3)], domain="wellcond"),
    Spec("cholesky", "cholesky-spd", lambda x: xn.linalg.cholesky(_spd(x)),
         lambda x: np.linalg.cholesky(_np_spd(x)), [(3, 3)]),
]  # fmt: skip


def make_inputs(spec: Spec, rng: np.random.Generator) -> list[np.ndarray]:
    """Host inputs for ``spec``: float64 draws in its domain, or its fixed integer inputs."""
    out = []
    for i, shape in enumerate(spec.shapes):
        if i in spec.ints:
            out.append(spec.ints[i])
            continue
        if spec.domain == "positive":
            a = rng.uniform(0.5, 2.0, shape)
        elif spec.domain == "nonzero":
            a = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        elif spec.domain == "unit":  # inside (-1, 1), clear of the ends
            a = rng.uniform(-0.8, 0.8, shape)
        elif spec.domain == "above1":
            a = rng.uniform(1.2, 3.0, shape)
        elif spec.domain == "wellcond" and shape[-1] == shape[-2]:  # near 3*I: well conditioned
            a = 3.0 * np.eye(shape[-1]) + 0.5 * rng.standard_normal(shape)
        elif spec.domain == "distinct":  # no two values within 0.05: no tie, even after rounding
            size = int(np.prod(shape))
            a = (rng.permutation(size) - size / 2).reshape(shape) * 0.05
        elif spec.domain == "clip":  # keep clear of the bounds, where the slope jumps
            a = rng.choice([-1.0, 1.0], shape) * rng.choice(
                [rng.uniform(0.0, 0.3), rng.uniform(0.5, 1.5)], shape
            )
        else:
            a = rng.standard_normal(shape)
        out.append(a)
    return out


@dataclass
class Kink:
    """A gradient check at exactly the zero or kink of an elementwise function.

    ``fn`` maps a 1-D tensor of ``points`` elementwise; ``grad`` and ``grad2`` are
    the first and second derivatives there, PyTorch's values (``torch_fn``, when
    given, is checked to agree when PyTorch is installed). Finite differences are
    no oracle here: at a kink they average the two one-sided slopes.
    """

    prim: str
    name: str
    fn: Callable[[xn.Tensor], xn.Tensor]
    torch_fn: Callable[[Any], Any] | None
    points: list[float]
    grad: list[float]
    grad2: list[float] | None

    @property
    def id(self) -> str:
        return self.name


def _torch_like(x: Any, v: float) -> Any:
    return x.new_full(x.shape, v)


INF = math.inf
KINKS: list[Kink] = [
    Kink("add", "add-at-0", lambda x: x + 0.0, lambda x: x + 0.0, [0.0], [1.0], [0.0]),
    Kink("subtract", "rsub-at-0", lambda x: 0.0 - x, lambda x: 0.0 - x, [0.0], [-1.0], [0.0]),
    Kink("multiply", "square-at-0", lambda x: x * x, lambda x: x * x, [0.0], [0.0], [2.0]),
    Kink("divide", "div-at-0", lambda x: x / 2.0, lambda x: x / 2.0, [0.0], [0.5], [0.0]),
    Kink("pow", "pow-0-at-0", lambda x: x**0, lambda x: x**0, [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]),
    Kink("pow", "pow-2-at-0", lambda x: x**2.0, lambda x: x**2.0, [0.0], [0.0], [2.0]),
    Kink(
        "pow",
        "pow-tensor-exponent-0-at-0",
        lambda x: x ** xn.zeros_like(x),
        lambda x: x ** _torch_like(x, 0.0),
        [0.0, 1.0],
        [0.0, 0.0],
        None,
    ),
    Kink(
        "pow",
        "pow-exponent-grad-at-base-0",
        lambda y: xn.zeros_like(y) ** y,
        lambda y: _torch_like(y, 0.0) ** y,
        [0.0, 2.0],
        [0.0, 0.0],
        None,
    ),
    Kink(
        "pow",
        "rpow-at-0",
        lambda x: 2.0**x,
        lambda x: 2.0**x,
        [0.0],
        [math.log(2.0)],
        [math.log(2.0) ** 2],
    ),
    Kink("negative", "neg-at-0", lambda x: -x, lambda x: -x, [0.0], [-1.0], [0.0]),
    Kink("exp", "exp-at-0", xn.exp, None, [0.0], [1.0], [1.0]),
    Kink("log", "log-at-1", xn.log, None, [1.0], [1.0], [-1.0]),
    Kink("log1p", "log1p-at-0", xn.log1p, None, [0.0], [1.0], [-1.0]),
    Kink("sqrt", "sqrt-at-0", xn.sqrt, None, [0.0], [INF], None),
    Kink("abs", "abs-at-0", xn.abs, None, [0.0], [0.0], [0.0]),
    Kink("tanh", "tanh-at-0", xn.tanh, None, [0.0], [1.0], [0.0]),
    Kink("sigmoid", "sigmoid-at-0", xn.sigmoid, None, [0.0], [0.25], [0.0]),
    Kink("relu", "relu-at-0", xn.relu, None, [0.0], [0.0], [0.0]),
    # relu_grad(x, x) = x * (x > 0) = relu(x): its mask is constant off 0, so slope 0 at 0
    Kink(
        "relu_grad",
        "relu_grad-mask-at-0",
        lambda x: xn.ops.internal.relu_grad_p(x, x),
        lambda x: x.relu(),
        [0.0, 1.0, -1.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0],
    ),
    # sigmoid_grad(x, x) = x^2 (1 - x), tanh_grad(x, x) = x (1 - x^2): smooth, at 0 and 1
    Kink(
        "sigmoid_grad",
        "sigmoid_grad-at-0-and-1",
        lambda x: xn.ops.internal.sigmoid_grad_p(x, x),
        lambda x: x * x * (1 - x),
        [0.0, 1.0],
        [0.0, -1.0],
        [2.0, -4.0],
    ),
    Kink(
        "tanh_grad",
        "tanh_grad-at-0-and-1",
        lambda x: xn.ops.internal.tanh_grad_p(x, x),
        lambda x: x * (1 - x * x),
        [0.0, 1.0],
        [1.0, -2.0],
        [0.0, -6.0],
    ),
    Kink(
        "maximum",
        "maximum-tie",
        lambda x: xn.maximum(x, xn.ones_like(x)),
        lambda x: _torch().maximum(x, _torch_like(x, 1.0)),
        [1.0],
        [0.5],
        [0.0],
    ),
    Kink(
        "minimum",
        "minimum-tie",
        lambda x: xn.minimum(x, xn.ones_like(x)),
        lambda x: _torch().minimum(x, _torch_like(x, 1.0)),
        [1.0],
        [0.5],
        [0.0],
    ),
    Kink(
        "where",
        "where-at-the-switch",
        lambda x: xn.where(x > 0, x, x * 0.1),
        lambda x: _torch().where(x > 0, x, x * 0.1),
        [0.0],
        [0.1],
        [0.0],
    ),
    Kink(
        "clip",
        "clip-at-scalar-bounds",
        lambda x: xn.clip(x, -1.0, 1.0),
        lambda x: _torch().clamp(x, -1.0, 1.0),
        [-1.0, 1.0, 0.0, 2.0],
        [1.0, 1.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ),
    Kink(
        "clip",
        "clip-at-tensor-bounds",
        lambda x: xn.clip(x, _bound(x, [-1.0, 0.5, 1.0, 0.0]), _bound(x, [2.0, 2.0, 1.0, 2.0])),
        lambda x: _torch().clamp(
            x, x.new_tensor([-1.0, 0.5, 1.0, 0.0]), x.new_tensor([2.0, 2.0, 1.0, 2.0])
        ),
        [-1.0, 0.0, 1.0, 2.0],
        [1.0, 0.0, 1.0, 1.0],
        [0.0, 0.0, 0.0, 0.0],
    ),
    Kink(
        "astype",
        "astype-at-0",
        lambda x: xn.astype(x, "float32"),
        lambda x: x.to(_torch().float32),
        [0.0],
        [1.0],
        None,
    ),
    Kink("erf", "erf-at-0", xn.erf, None, [0.0], [2.0 / math.sqrt(math.pi)], [0.0]),
    Kink("erfc", "erfc-at-0", xn.erfc, None, [0.0], [-2.0 / math.sqrt(math.pi)], [0.0]),
    Kink("erfinv", "erfinv-at-0", xn.erfinv, None, [0.0], [math.sqrt(math.pi) / 2.0], [0.0]),
    Kink("softplus", "softplus-at-0", xn.nn.functional.softplus, None, [0.0], [0.5], [0.25]),
]


def _bound(x: xn.Tensor, values: list[float]) -> xn.Tensor:
    return xn.tensor(values, dtype=x.backend.dtype_name(x.dtype), backend=x.backend)


def _torch() -> Any:
    import torch

    return torch
