"""PyTorch's top-level functions with ``out=``, and those that are its Tensor methods.

``xn.matmul(a, b, out=c)`` computes ``a @ b`` and writes it into ``c`` (PyTorch's first
tutorial does this): in place, so views and ``.data`` of ``c`` see it, cast to ``c``'s
dtype where PyTorch casts (never a float into an integer tensor, a complex into a real one
or a number into a bool one), and ``c`` is returned. As in PyTorch, ``out`` of another
shape is resized (with a warning unless it was empty), ``out=`` records no gradient (an
argument that requires grad is refused while grad mode is on), and a function that gives
``(values, indices)`` takes a pair. Every check runs before anything is written.

``xn.mul(x, y)``, ``xn.narrow(x, 0, 1, 2)``... are ``x.mul(y)``, ``x.narrow(0, 1, 2)``:
PyTorch's top-level forms of its Tensor methods.

This module's names replace the plain ones at ``xn``'s top level (it is imported last);
``xpnet.ops`` and the Array API namespace keep the standard's signatures.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

from . import _torch_functions as _f
from . import _torch_math as _m
from . import ops
from ._errors import ArgumentTypeError, DTypeError, GraphError
from ._tensor_torch import check_memory_format
from .autodiff import is_grad_enabled, mismatch_error, no_grad
from .autodiff.internal import is_tensor


def _can_cast(b: Any, src: Any, dst: Any) -> bool:
    """PyTorch's rule for out=: no floating into integral, complex into real, or
    non-bool into bool."""
    kinds = ["bool", "integral", "real floating", "complex floating"]
    rank = {k: i for i, k in enumerate(kinds)}

    def kind(d: Any) -> int:
        return next(rank[k] for k in kinds if b.xp.isdtype(d, k))

    s, d = kind(src), kind(dst)
    return s <= d and not (d == 0 and s != 0)


def _write_one(op: str, result: Any, out: Any) -> None:
    if not is_tensor(out):
        raise ArgumentTypeError(f"{op}: out= must be a Tensor, got {type(out).__name__}")
    if not is_tensor(result):
        result = ops.asarray(result, backend=out.backend)
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        who = "an argument" if result.requires_grad else "out"
        raise GraphError(
            f"{op}(out=...): out= records no gradient, but {who} requires grad; call {op} "
            "without out= (or under xn.no_grad())"
        )
    if out.backend is not result.backend:
        raise mismatch_error(f"{op}(out=...)", (result, out))
    b = out.backend
    if not _can_cast(b, result.dtype, out.dtype):
        raise DTypeError(
            f"{op}: the result's dtype {b.dtype_name(result.dtype)} cannot be cast to out's "
            f"{b.dtype_name(out.dtype)}"
        )


def _store(op: str, result: Any, out: Any) -> None:
    if not is_tensor(result):
        result = ops.asarray(result, backend=out.backend)
    with no_grad():
        if result.shape == out.shape:
            out.copy_(result)
            return
        if out.size:
            warnings.warn(
                f"{op}: out= of shape {out.shape} was resized to {result.shape} (PyTorch "
                "resizes too, and deprecates resizing a non-empty out)",
                UserWarning,
                stacklevel=4,
            )
        data = result._data
        out._set_data(data if data.dtype == out.dtype else out.backend.xp.astype(data, out.dtype))


def write_out(op: str, result: Any, out: Any) -> Any:
    """Write ``result`` (a tensor, or a tuple of them) into ``out``; return ``out``."""
    if out is None:
        return result
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise ArgumentTypeError(
                f"{op}: out= must be a tuple of {len(result)} tensors for its {len(result)} results"
            )
        for r, o in zip(result, out, strict=True):
            _write_one(op, r, o)
        for r, o in zip(result, out, strict=True):
            _store(op, r, o)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    _write_one(op, result, out)
    _store(op, result, out)
    return out


def _with_out(*fns: Any) -> tuple[Any, ...]:
    """Each function with PyTorch's ``out=`` keyword (``write_out``)."""

    def wrap(fn: Any) -> Any:
        @functools.wraps(fn)
        def f(*args: Any, out: Any = None, **kwargs: Any) -> Any:
            return write_out(fn.__name__, fn(*args, **kwargs), out)

        return f

    return tuple(wrap(fn) for fn in fns)


def _methods(*names: str) -> tuple[Any, ...]:
    """PyTorch's ``torch.name(input, *args)``: ``input.name(*args)``, with ``out=``."""

    def make(name: str) -> Any:
        def f(input: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:
            if not is_tensor(input):
                raise ArgumentTypeError(
                    f"{name}: input must be a Tensor, got {type(input).__name__}"
                )
            return write_out(name, getattr(input, name)(*args, **kwargs), out)

        f.__name__ = f.__qualname__ = name
        f.__doc__ = f"PyTorch's ``{name}(input, ...)``: ``input.{name}(...)`` (``out=`` too)."
        return f

    return tuple(make(n) for n in names)


def _standard_first(fn: Any, **spellings: str) -> Any:
    """The standard's ``fn``, with ``out=`` and PyTorch's keyword ``spellings`` of its
    parameters (``dim=`` for ``axis=``)."""

    @functools.wraps(fn)
    def f(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        for torch_name, name in spellings.items():
            if torch_name in kwargs:
                if name in kwargs:
                    raise ArgumentTypeError(
                        f"{fn.__name__}: give {name}= or {torch_name}=, not both"
                    )
                kwargs[name] = kwargs.pop(torch_name)
        return write_out(fn.__name__, fn(*args, **kwargs), out)

    return f


def _like(fn: Any) -> Any:
    """PyTorch's ``zeros_like`` and friends: ``device=`` and ``memory_format=`` too."""
    takes_device = "device" in inspect.signature(fn).parameters

    @functools.wraps(fn)
    def f(input: Any, *args: Any, device: Any = None, memory_format: Any = None,
          requires_grad: bool = False, **kwargs: Any) -> Any:  # fmt: skip
        check_memory_format(memory_format, fn.__name__)
        if device is None or takes_device:
            extra = {} if device is None else {"device": device}
            return fn(input, *args, requires_grad=requires_grad, **extra, **kwargs)
        return fn(input, *args, **kwargs).to(device).requires_grad_(requires_grad)

    return f


zeros_like, ones_like, empty_like, full_like = (
    _like(ops.zeros_like), _like(ops.ones_like), _like(ops.empty_like), _like(ops.full_like)
)  # fmt: skip


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Any:
    """``input + alpha * other`` (PyTorch's ``add``; the standard's without ``alpha``)."""
    return write_out("add", ops.add(input, other if alpha == 1 else other * alpha), out)


def subtract(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Any:
    """``input - alpha * other``."""
    return write_out("subtract", ops.subtract(input, other if alpha == 1 else other * alpha), out)


sub = subtract


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Any = None) -> Any:
    """``input / other``; ``rounding_mode`` "floor" or "trunc" rounds the quotient."""
    if not is_tensor(input):
        input = ops.asarray(input, backend=other.backend)
    return write_out("div", input.div(other, rounding_mode=rounding_mode), out)


divide = div

# The standard's functions, with out=
abs, acos, acosh, asin, asinh, atan, atan2, atanh = _with_out(
    ops.abs, ops.acos, ops.acosh, ops.asin, ops.asinh, ops.atan, ops.atan2, ops.atanh
)
ceil, cos, cosh, erf, exp, expm1, floor, floor_divide = _with_out(
    ops.ceil, ops.cos, ops.cosh, ops.erf, ops.exp, ops.expm1, ops.floor, ops.floor_divide
)
hypot, log, log10, log1p, log2, logaddexp = _with_out(
    ops.hypot, ops.log, ops.log10, ops.log1p, ops.log2, ops.logaddexp
)
logical_and, logical_not, logical_or, logical_xor = _with_out(
    ops.logical_and, ops.logical_not, ops.logical_or, ops.logical_xor
)
matmul, maximum, minimum, multiply, negative, pow = _with_out(
    ops.matmul, ops.maximum, ops.minimum, ops.multiply, ops.negative, ops.pow
)
reciprocal, remainder, round, sigmoid, sign, sin, sinh, sqrt = _with_out(
    ops.reciprocal, ops.remainder, ops.round, ops.sigmoid, ops.sign, ops.sin, ops.sinh, ops.sqrt
)
square, tan, tanh, trunc, where, copysign, tensordot = _with_out(
    ops.square, ops.tan, ops.tanh, ops.trunc, ops.where, ops.copysign, ops.tensordot
)
greater, greater_equal, less, less_equal, not_equal = _with_out(
    ops.greater, ops.greater_equal, ops.less, ops.less_equal, ops.not_equal
)
mul = multiply
# xpnet's PyTorch spellings (``_torch_functions``), with out=
cat, concat, stack, mm, bmm, cumsum, clamp, outer, dot = _with_out(
    _f.cat, _f.concat, _f.stack, _f.mm, _f.bmm, _f.cumsum, _f.clamp, _f.outer, _f.dot
)
sum, mean, prod, std, var, argmax, argmin, amax, amin = _with_out(
    _f.sum, _f.mean, _f.prod, _f.std, _f.var, _f.argmax, _f.argmin, _f.amax, _f.amin
)
all, any, logsumexp, max, min, topk, norm, cdist = _with_out(
    _f.all, _f.any, _f.logsumexp, _f.max, _f.min, _f.topk, _f.norm, _f.cdist
)
gather, index_select, masked_select, nan_to_num, diag, isclose = _with_out(
    _f.gather, _f.index_select, _f.masked_select, _f.nan_to_num, _m.diag, _m.isclose
)
clip = clamp
concatenate = cat
# PyTorch's math built from ops (``_torch_math``), with out=
fmod, exp2, sgn, sinc, deg2rad, rad2deg, logit, xlogy = _with_out(
    _m.fmod, _m.exp2, _m.sgn, _m.sinc, _m.deg2rad, _m.rad2deg, _m.logit, _m.xlogy
)
float_power, heaviside, fmax, fmin, isposinf, isneginf = _with_out(
    _m.float_power, _m.heaviside, _m.fmax, _m.fmin, _m.isposinf, _m.isneginf
)
addcmul, addcdiv, addmm, addmv, addr, baddbmm, addbmm = _with_out(
    _m.addcmul, _m.addcdiv, _m.addmm, _m.addmv, _m.addr, _m.baddbmm, _m.addbmm
)
mv, inner, vdot, kron, cross, take_along_dim, aminmax = _with_out(
    _m.mv, _m.inner, _m.vdot, _m.kron, _m.cross, _m.take_along_dim, _m.aminmax
)
nansum, nanmean, logdet, pinverse, hstack, vstack, dstack, column_stack = _with_out(
    _m.nansum, _m.nanmean, _m.logdet, _m.pinverse, _m.hstack, _m.vstack, _m.dstack,
    _m.column_stack,
)  # fmt: skip
row_stack = vstack
logspace = _m.logspace
ger = outer
# PyTorch's top-level forms of its Tensor methods
neg, eq, ne, gt, ge, lt, le, true_divide = _methods(
    "neg", "eq", "ne", "gt", "ge", "lt", "le", "true_divide"
)
absolute, arccos, arcsin, arctan, arctan2 = _methods(
    "absolute", "arccos", "arcsin", "arctan", "arctan2"
)
arccosh, arcsinh, arctanh, rsqrt, lerp, frac = _methods(
    "arccosh", "arcsinh", "arctanh", "rsqrt", "lerp", "frac"
)
clamp_min, clamp_max, cumprod, median, kthvalue = _methods(
    "clamp_min", "clamp_max", "cumprod", "median", "kthvalue"
)
narrow, t, movedim, swapdims, swapaxes, repeat_interleave = _methods(
    "narrow", "t", "movedim", "swapdims", "swapaxes", "repeat_interleave"
)
index_add, index_fill, index_copy, masked_scatter = _methods(
    "index_add", "index_fill", "index_copy", "masked_scatter"
)
unflatten, flatten = _methods("unflatten", "flatten")
# The standard's, which PyTorch spells with other keywords: the standard's signature and
# result (``xn.sort`` gives the sorted values; ``x.sort()`` gives PyTorch's pair)
sort = _standard_first(ops.sort, dim="axis")
argsort = _standard_first(ops.argsort, dim="axis")
count_nonzero = _standard_first(ops.count_nonzero, dim="axis")
flip = _standard_first(ops.flip, dims="axis")
roll = _standard_first(ops.roll, shifts="shift", dims="axis")
squeeze = _standard_first(ops.squeeze, dim="axis")
moveaxis = ops.moveaxis


def tril(input: Any, diagonal: int = 0, *, k: int | None = None, out: Any = None) -> Any:
    """The lower triangle from ``diagonal`` (PyTorch's name; the standard-style ``k=`` too)."""
    return write_out("tril", ops.tril(input, k=diagonal if k is None else k), out)


def triu(input: Any, diagonal: int = 0, *, k: int | None = None, out: Any = None) -> Any:
    """The upper triangle from ``diagonal`` (PyTorch's name; ``k=`` too)."""
    return write_out("triu", ops.triu(input, k=diagonal if k is None else k), out)


inverse, det, slogdet, matrix_power, trace = _methods(
    "inverse", "det", "slogdet", "matrix_power", "trace"
)
# without out= (their results are views, predicates or tuples of views)
atleast_1d, atleast_2d, atleast_3d = _m.atleast_1d, _m.atleast_2d, _m.atleast_3d
broadcast_tensors, unbind, tensor_split = _m.broadcast_tensors, _m.unbind, _m.tensor_split
fliplr, flipud, rot90, diagonal, diag_embed = (
    _m.fliplr,
    _m.flipud,
    _m.rot90,
    _m.diagonal,
    _m.diag_embed,
)
is_floating_point, is_complex, is_nonzero, isreal = (
    _m.is_floating_point, _m.is_complex, _m.is_nonzero, _m.isreal,
)  # fmt: skip
tril_indices, triu_indices, argwhere = _m.tril_indices, _m.triu_indices, _m.argwhere
quantile, cov, corrcoef, histc, cartesian_prod, block_diag = _with_out(
    _m.quantile, _m.cov, _m.corrcoef, _m.histc, _m.cartesian_prod, _m.block_diag
)
select = _m.select
cummax, cummin, logcumsumexp = _with_out(_m.cummax, _m.cummin, _m.logcumsumexp)
var_mean, std_mean, allclose = _m.var_mean, _m.std_mean, _m.allclose
nanmedian, vander, cumulative_trapezoid, mode = (
    _m.nanmedian, _m.vander, _m.cumulative_trapezoid, _m.mode,
)  # fmt: skip
nanquantile, trapezoid, logaddexp2, ldexp, diagflat, bucketize = _with_out(
    _m.nanquantile, _m.trapezoid, _m.logaddexp2, _m.ldexp, _m.diagflat, _m.bucketize
)
trapz = trapezoid
gcd, lcm, renorm, combinations, pdist, msort, ravel, matrix_exp = _with_out(
    _m.gcd, _m.lcm, _m.renorm, _m.combinations, _m.pdist, _m.msort, _m.ravel, _m.matrix_exp
)
cholesky, cholesky_solve, cholesky_inverse = _with_out(
    _m.cholesky, _m.cholesky_solve, _m.cholesky_inverse
)
unique_consecutive, svd, qr, triangular_solve = (
    _m.unique_consecutive, _m.svd, _m.qr, _m.triangular_solve,
)  # fmt: skip
hann_window, hamming_window, blackman_window, bartlett_window = (
    _m.hann_window, _m.hamming_window, _m.blackman_window, _m.bartlett_window,
)  # fmt: skip

__all__ = [
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "add",
    "subtract",
    "sub",
    "div",
    "divide",
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "cos",
    "cosh",
    "erf",
    "exp",
    "expm1",
    "floor",
    "floor_divide",
    "hypot",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "matmul",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "pow",
    "reciprocal",
    "remainder",
    "round",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "tan",
    "tanh",
    "trunc",
    "where",
    "copysign",
    "tensordot",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
    "mul",
    "cat",
    "concat",
    "stack",
    "mm",
    "bmm",
    "cumsum",
    "clamp",
    "outer",
    "dot",
    "sum",
    "mean",
    "prod",
    "std",
    "var",
    "argmax",
    "argmin",
    "amax",
    "amin",
    "all",
    "any",
    "logsumexp",
    "max",
    "min",
    "topk",
    "norm",
    "cdist",
    "gather",
    "index_select",
    "masked_select",
    "nan_to_num",
    "diag",
    "isclose",
    "clip",
    "concatenate",
    "fmod",
    "exp2",
    "sgn",
    "sinc",
    "deg2rad",
    "rad2deg",
    "logit",
    "xlogy",
    "float_power",
    "heaviside",
    "fmax",
    "fmin",
    "isposinf",
    "isneginf",
    "addcmul",
    "addcdiv",
    "addmm",
    "addmv",
    "addr",
    "baddbmm",
    "addbmm",
    "mv",
    "inner",
    "vdot",
    "kron",
    "cross",
    "take_along_dim",
    "aminmax",
    "nansum",
    "nanmean",
    "logdet",
    "pinverse",
    "hstack",
    "vstack",
    "dstack",
    "column_stack",
    "row_stack",
    "logspace",
    "ger",
    "neg",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "true_divide",
    "absolute",
    "arccos",
    "arcsin",
    "arctan",
    "arctan2",
    "arccosh",
    "arcsinh",
    "arctanh",
    "rsqrt",
    "lerp",
    "frac",
    "clamp_min",
    "clamp_max",
    "cumprod",
    "median",
    "kthvalue",
    "sort",
    "argsort",
    "narrow",
    "t",
    "movedim",
    "moveaxis",
    "swapdims",
    "swapaxes",
    "repeat_interleave",
    "index_add",
    "index_fill",
    "index_copy",
    "masked_scatter",
    "count_nonzero",
    "flip",
    "roll",
    "tril",
    "triu",
    "unflatten",
    "squeeze",
    "flatten",
    "inverse",
    "det",
    "slogdet",
    "matrix_power",
    "trace",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_tensors",
    "unbind",
    "tensor_split",
    "fliplr",
    "flipud",
    "rot90",
    "diagonal",
    "diag_embed",
    "is_floating_point",
    "is_complex",
    "is_nonzero",
    "isreal",
    "tril_indices",
    "triu_indices",
    "argwhere",
    "quantile",
    "cov",
    "corrcoef",
    "histc",
    "cartesian_prod",
    "block_diag",
    "select",
    "cummax",
    "cummin",
    "logcumsumexp",
    "var_mean",
    "std_mean",
    "allclose",
    "nanmedian",
    "nanquantile",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
    "logaddexp2",
    "ldexp",
    "diagflat",
    "vander",
    "bucketize",
    "mode",
    "gcd",
    "lcm",
    "renorm",
    "combinations",
    "pdist",
    "msort",
    "ravel",
    "matrix_exp",
    "cholesky",
    "cholesky_solve",
    "cholesky_inverse",
    "unique_consecutive",
    "svd",
    "qr",
    "triangular_solve",
    "hann_window",
    "hamming_window",
    "blackman_window",
    "bartlett_window",
]
