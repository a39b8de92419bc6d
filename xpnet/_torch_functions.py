"""PyTorch's spellings of functions at ``xn``'s top level, over xpnet's ops.

``cat``/``concat``/``stack`` take ``dim`` as well as the standard's ``axis``;
``isclose``/``allclose``, ``rand_like``/``randn_like``/``randint_like``, ``from_numpy``,
``inference_mode``, ``clamp``, ``mm``, ``bmm``, ``outer``, ``cumsum``, ``numel``,
``topk``, ``diag`` and ``masked_fill`` are PyTorch's. The Array API names stay the primary
ones, and the standard namespace (``x.__array_namespace__()``) keeps the standard's
signatures. PyTorch's ``scatter``/``scatter_add`` are Tensor methods (``x.scatter_add(dim,
index, src)``): ``xn.scatter_add(values, indices, shape, axis)`` is xpnet's own (the
adjoint of ``take``).
"""

from __future__ import annotations

import builtins
import contextlib
import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from . import _sparse, ops
from . import _torch_math as _m
from ._errors import ArgumentError, ArgumentTypeError
from ._tensor_torch import Size as Size
from ._tensor_torch import ValuesIndices
from .autodiff import set_grad_enabled
from .autodiff.internal import is_tensor as is_tensor  # (xn.is_tensor, PyTorch's)
from .backend import (
    current_backend,
    default_float_name,
    deterministic,
    deterministic_warn_only,
    get_backend,
    placement,
    rng_states,
    set_backend,
    set_default_float,
    set_deterministic,
    set_rng_states,
)
from .tensor import Tensor, _torch_kwargs


class _Default(int):
    """An axis argument left out (0 as the default, told apart from a given 0)."""

    def __repr__(self) -> str:
        return "0"


_ZERO = _Default(0)


def _axis(axis: Any, dim: Any, op: str) -> Any:
    """The axis from the standard's ``axis`` or PyTorch's ``dim``, whichever was given."""
    if dim is _ZERO:
        return axis
    if axis is not _ZERO and axis != dim:
        raise ArgumentError(f"{op}: axis={axis} and dim={dim} disagree; give one of them")
    return dim


def cat(tensors: Any, dim: Any = _ZERO, *, axis: Any = _ZERO) -> Tensor:
    """Join tensors along an existing axis (PyTorch's ``cat``; ``axis`` is the standard's name)."""
    return ops.concat(tensors, axis=int(_axis(axis, dim, "cat")))


def concat(tensors: Any, axis: Any = _ZERO, *, dim: Any = _ZERO) -> Tensor:
    """Join tensors along an existing axis (``axis=None``: flattened, as the standard);
    PyTorch's ``dim`` too."""
    ax = _axis(axis, dim, "concat")
    return ops.concat(tensors, axis=None if ax is None else int(ax))


def stack(tensors: Any, axis: Any = _ZERO, *, dim: Any = _ZERO) -> Tensor:
    """Join same-shaped tensors along a new axis; PyTorch's ``dim`` too."""
    return ops.stack(tensors, axis=int(_axis(axis, dim, "stack")))


def rand_like(
    x: Tensor, *, dtype: Any = None, generator: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform draws in [0, 1) with ``x``'s shape, backend and device (its dtype by default)."""
    return ops.rand(*x.shape, dtype=dtype or x.dtype, generator=generator, backend=x.backend,
                    requires_grad=requires_grad)  # fmt: skip


def randn_like(
    x: Tensor, *, dtype: Any = None, generator: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal draws with ``x``'s shape, backend and device (its dtype by default)."""
    return ops.randn(*x.shape, dtype=dtype or x.dtype, generator=generator, backend=x.backend,
                     requires_grad=requires_grad)  # fmt: skip


def randint_like(x: Tensor, low: int, high: int | None = None, *, dtype: Any = None,
                 generator: Any = None) -> Tensor:  # fmt: skip
    """Integers from [low, high) (``randint_like(x, high)``: from [0, high)) with ``x``'s
    shape, backend and device, in ``x``'s dtype unless ``dtype`` says otherwise (PyTorch's)."""
    if high is None:
        low, high = 0, low
    drawn = ops.randint(low, high, x.shape, generator=generator, backend=x.backend)
    target = x.backend.dtype(dtype) if dtype is not None else x.dtype
    return drawn if drawn.dtype == target else ops.astype(drawn, target)


def _matrices(a: Tensor, b: Tensor, nd: int, op: str) -> None:
    if not (is_tensor(a) and is_tensor(b)) or a.ndim != nd or b.ndim != nd:
        shapes = [getattr(t, "shape", type(t).__name__) for t in (a, b)]
        raise ArgumentError(f"{op}: needs two {nd}-D tensors, got {shapes[0]} and {shapes[1]}")


def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices (2-D only, as PyTorch's ``mm``; ``matmul`` broadcasts);
    either may be sparse (``xn.sparse.mm``)."""
    if isinstance(a, _sparse.SparseTensor) or isinstance(b, _sparse.SparseTensor):
        return _sparse.mm(a, b)
    _matrices(a, b, 2, "mm")
    return ops.matmul(a, b)


spmm, sparse_coo_tensor = _sparse.spmm, _sparse.sparse_coo_tensor


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix products of (B, n, m) and (B, m, p) tensors (PyTorch's ``bmm``)."""
    _matrices(a, b, 3, "bmm")
    if a.shape[0] != b.shape[0]:
        raise ArgumentError(f"bmm: batch sizes {a.shape[0]} and {b.shape[0]} differ")
    return ops.matmul(a, b)


def cumsum(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim`` (PyTorch's ``cumsum``; the standard's ``cumulative_sum``)."""
    return ops.cumulative_sum(x, axis=dim, dtype=dtype)


clamp = ops.clip  # PyTorch's names for the standard's functions
outer = ops.linalg.outer


def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``x`` along ``dim`` (``Tensor.split``)."""
    return x.split(split_size_or_sections, dim)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` equal pieces of ``x`` along ``dim`` (``Tensor.chunk``)."""
    return x.chunk(chunks, dim)


def numel(x: Tensor) -> int:
    """The number of elements."""
    return x.numel()


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor on the NumPy backend sharing ``a``'s memory (PyTorch's ``from_numpy``)."""
    if not isinstance(a, np.ndarray):
        raise ArgumentTypeError(
            f"from_numpy expects a NumPy array, got {type(a).__name__}; use xn.tensor for other data"
        )
    return ops.asarray(a, backend="numpy")


def topk(
    x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> ValuesIndices:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices (``Tensor.topk``)."""
    return x.topk(k, dim, largest, sorted)


def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``x`` elsewhere (``Tensor.masked_fill``)."""
    return x.masked_fill(mask, value)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """The inner product of two vectors (``Tensor.dot``)."""
    return a.dot(b)


def norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """The ``p``-norm of all elements or over ``dim`` (``Tensor.norm``)."""
    return x.norm(p, dim, keepdim)


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:  # fmt: skip
    """The distinct values, sorted (``Tensor.unique``)."""
    return x.unique(sorted, return_inverse, return_counts, dim)


def bernoulli(p: Tensor, *, generator: Any = None) -> Tensor:
    """1 with probability ``p`` (elementwise), else 0, in ``p``'s dtype."""
    return ops.astype(ops.rand(*p.shape, generator=generator, backend=p.backend) < p, p.dtype)


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:  # fmt: skip
    """``num_samples`` category indices per row of ``probs`` (weights, not necessarily
    normalised), drawn with or without replacement, as PyTorch's: with replacement by
    inverting each row's cumulative distribution, without by the Gumbel-top-k trick."""
    if probs.ndim not in (1, 2):
        raise ArgumentError(f"multinomial: probs must be 1-D or 2-D, got shape {probs.shape}")
    rows = probs if probs.ndim == 2 else probs[None, :]
    n = rows.shape[1]
    if not isinstance(num_samples, int) or num_samples < 1 or (not replacement and num_samples > n):
        raise ArgumentError(
            f"multinomial: num_samples={num_samples!r} for {n} categories"
            + ("" if replacement else " without replacement")
        )
    b = rows.backend
    if float(ops.min(rows)) < 0 or float(ops.min(ops.sum(rows, axis=1))) <= 0:
        raise ArgumentError(
            "multinomial: probs must be non-negative with a positive sum in each row"
        )
    with set_grad_enabled(False):
        if replacement:
            cdf = ops.cumulative_sum(rows, axis=1)
            u = ops.rand(
                rows.shape[0], num_samples, dtype=rows.dtype, generator=generator, backend=b
            )
            out = ops.stack([ops.searchsorted(cdf[i], u[i] * cdf[i, -1], side="right")
                             for i in range(rows.shape[0])])  # fmt: skip
            out = ops.clip(out, None, n - 1)
        else:
            u = ops.rand(*rows.shape, dtype=rows.dtype, generator=generator, backend=b)
            tiny = float(b.xp.finfo(rows.dtype).smallest_normal)
            positive = rows > 0  # weight 0: key -inf, never drawn (and no log(0) warning)
            logs = ops.where(positive, ops.log(ops.where(positive, rows, 1.0)), -math.inf)
            keys = logs - ops.log(-ops.log(ops.clip(u, tiny, None)))
            out = ops.argsort(keys, axis=1, descending=True)[:, :num_samples]
    out = ops.astype(out, "int64")
    return out if probs.ndim == 2 else out[0]


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (.., P, M) and each of ``x2``
    (.., R, M): shape (.., P, R), from the differences (exact; PyTorch's default switches
    to a matrix-product form for large inputs, which rounds differently)."""
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ArgumentError(
            f"cdist: needs (.., P, M) and (.., R, M), got {x1.shape} and {x2.shape}"
        )
    diff = ops.expand_dims(x1, axis=-2) - ops.expand_dims(x2, axis=-3)
    return ops.linalg.vector_norm(diff, axis=-1, ord=p)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """``x`` with axes ``dim0`` and ``dim1`` swapped (PyTorch's ``transpose``)."""
    return x.transpose(dim0, dim1)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """``x`` with a new axis of size 1 at ``dim`` (the standard's ``expand_dims``)."""
    return ops.expand_dims(x, axis=dim)


def permute(x: Tensor, dims: Any) -> Tensor:
    """``x`` with its axes in the order ``dims`` (the standard's ``permute_dims``)."""
    return ops.permute_dims(x, tuple(dims))


bincount = _m.bincount


class device:
    """PyTorch's ``torch.device``: ``xn.device("cuda")``, ``xn.device("cuda", 1)``,
    ``xn.device("cpu")``; ``.type`` and ``.index``. ``to(device)`` takes it (and strings)."""

    def __init__(self, type: str, index: int | None = None) -> None:
        if not isinstance(type, str):
            raise ArgumentTypeError(f"device: expected a string like 'cuda:0', got {type!r}")
        kind, _, rest = type.partition(":")
        if rest:
            if index is not None or not rest.isdigit():
                raise ArgumentError(f"device: cannot read {type!r} (with index {index!r})")
            index = int(rest)
        self.type, self.index = kind, index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return (
            f"device(type={self.type!r}"
            + ("" if self.index is None else f", index={self.index}")
            + ")"
        )

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's switch: with ``mode`` on, a kernel that is not deterministic raises
    NotSupportedError (a UserWarning with ``warn_only``). On the host every xpnet kernel
    is deterministic already; on a GPU the one that is not is adding at repeated positions
    with atomic adds (the backward of indexing with arrays and of ``Embedding``,
    ``index_add``, ``scatter_add``)."""
    set_deterministic(mode, warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in force."""
    return deterministic()


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether it was set with ``warn_only=True``."""
    return deterministic_warn_only()


def set_default_dtype(d: Any) -> None:
    """PyTorch's ``set_default_dtype``: ``xn.float64`` (or ``xn.float32``) becomes the dtype
    of new floating tensors on every backend, of Python float data, of parameters made
    from now on, and of integer tensors promoted by a float scalar (complex data follows:
    complex128). Tensors that exist keep their dtype; a device without float64 refuses
    to make one."""
    b = current_backend()
    set_default_float(b.dtype_name(b.dtype(d)))  # any dtype spelling the backends take


def get_default_dtype() -> str:
    """The dtype new floating tensors get: ``xn.float32`` unless ``set_default_dtype``."""
    return default_float_name()


def set_default_device(device: Any) -> None:
    """PyTorch's ``torch.set_default_device``: new tensors go to ``device``, as ``x.to(device)``
    sends them ("cuda" makes CuPy the default backend from NumPy, "cpu" NumPy from CuPy);
    ``None`` is the host (the library's default device on other backends). It sets the
    global backend (``xn.set_backend``)."""
    b = current_backend()
    if device is None:
        set_backend(get_backend("numpy") if b.name == "cupy" else get_backend(b.name))
        return
    set_backend(placement(b, device=device))


def get_default_device() -> Any:
    """The device new tensors go to: ``xn.device("cpu")`` on the NumPy backend,
    ``xn.device("cuda", i)`` on CuPy, else the backend's own device object."""
    b = current_backend()
    if b.name == "numpy":
        return device("cpu")
    if b.name == "cupy":
        return device("cuda", int(b.device.id))
    return b.device


def inference_mode(mode: bool = True) -> contextlib.AbstractContextManager[None]:
    """Record nothing inside the block when ``mode`` is true (as ``no_grad``; a decorator
    too). PyTorch's inference tensors refuse autograd later; xpnet's are plain tensors."""
    return set_grad_enabled(not mode)


def _extreme(name: str, x: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if is_tensor(x) and args and is_tensor(args[0]):  # max(a, b): elementwise, as PyTorch's
        if len(args) > 1 or kwargs:
            raise ArgumentTypeError(f"{name}(a, b) takes two tensors and nothing else")
        return (ops.maximum if name == "max" else ops.minimum)(x, args[0])
    if is_tensor(x):  # max(x, dim) / max(x, dim=...): (values, indices); axis=: values
        return getattr(x, name)(*args, **kwargs)
    return (ops.max if name == "max" else ops.min)(x, *args, **kwargs)


def max(x: Any, *args: Any, **kwargs: Any) -> Any:
    """The largest value of ``x`` (``axis=``/``keepdims=``: along axes, the standard's); as
    PyTorch's: ``max(x, dim)`` gives ``(values, indices)``, ``max(a, b)`` the elementwise
    maximum. (The Array API namespace's ``max`` is the standard's alone.)"""
    return _extreme("max", x, args, kwargs)


def min(x: Any, *args: Any, **kwargs: Any) -> Any:
    """The smallest value; ``min(x, dim)`` gives ``(values, indices)``, ``min(a, b)`` the
    elementwise minimum, as ``max``."""
    return _extreme("min", x, args, kwargs)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """PyTorch's ``as_tensor``: a tensor of ``data``, sharing memory where it can
    (``xn.asarray``)."""
    if is_tensor(data) and dtype is None and device is None:
        return data
    return ops.asarray(data, dtype=dtype, device=device)


def gather(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """PyTorch's ``gather``: ``x.gather(dim, index)``."""
    return x.gather(dim, index)


def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """PyTorch's ``index_select``: ``x.index_select(dim, index)``."""
    return x.index_select(dim, index)


def scatter_reduce(x: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:  # fmt: skip
    """PyTorch's ``scatter_reduce``: ``x.scatter_reduce(dim, index, src, reduce)``."""
    return x.scatter_reduce(dim, index, src, reduce, include_self=include_self)


def index_reduce(x: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:  # fmt: skip
    """PyTorch's ``index_reduce``: ``x.index_reduce(dim, index, source, reduce)``."""
    return x.index_reduce(dim, index, source, reduce, include_self=include_self)


def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    """PyTorch's ``masked_select``: the entries of ``x`` where ``mask``, as a 1-D tensor."""
    return x.masked_select(mask)


def clone(x: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of ``x`` in the graph (PyTorch's ``clone``)."""
    return x.clone(memory_format=memory_format)


def detach(x: Tensor) -> Tensor:
    """``x``'s values outside the graph, sharing its memory (PyTorch's ``detach``)."""
    return x.detach()


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:  # fmt: skip
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: the
    dtype's largest and lowest numbers), as PyTorch's."""
    return x.nan_to_num(nan, posinf, neginf)


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Any = None) -> Tensor:
    """Normal draws: ``normal(0.0, 1.0, size=(2, 3))``, or one per entry of the broadcast
    ``mean`` and ``std`` tensors (PyTorch's two forms)."""
    if size is not None:
        shape = (size,) if isinstance(size, int) else tuple(size)
        return ops.randn(*shape, generator=generator) * std + mean
    like = mean if is_tensor(mean) else std
    if not is_tensor(like):
        raise ArgumentError("normal: give size=, or mean or std as tensors")
    m, s = (v if is_tensor(v) else ops.full_like(like, v) for v in (mean, std))
    m, s = ops.broadcast_arrays(m, s)
    return ops.randn(*m.shape, dtype=m.backend.dtype_name(m.dtype), generator=generator,
                     backend=m.backend) * s + m  # fmt: skip


_BF16 = {"bits": 16, "eps": 2.0**-7, "max": 3.3895313892515355e38,
         "min": -3.3895313892515355e38, "tiny": 1.1754943508222875e-38,
         "smallest_normal": 1.1754943508222875e-38, "resolution": 0.01}  # fmt: skip


def _dtype_name(dtype: Any) -> str:
    return dtype if isinstance(dtype, str) else str(dtype).rsplit(".", 1)[-1]


def finfo(dtype: Any = "float32") -> Any:
    """Machine limits of a floating dtype (a name, or a tensor's ``dtype`` of any backend):
    ``bits``, ``eps``, ``max``, ``min``, ``tiny`` = ``smallest_normal``, ``resolution``."""
    name = _dtype_name(dtype)
    if name == "bfloat16":
        return SimpleNamespace(dtype="bfloat16", **_BF16)
    return np.finfo(np.dtype(name))


def iinfo(dtype: Any) -> Any:
    """Machine limits of an integer dtype: ``bits``, ``min``, ``max``."""
    return np.iinfo(np.dtype(_dtype_name(dtype)))


# The standard's reductions at the top level also take PyTorch's dim= and keepdim= (the
# Tensor methods' wrapper; the Array API namespace keeps the standard's functions).
sum = _torch_kwargs(ops.sum)
mean = _torch_kwargs(ops.mean)
prod = _torch_kwargs(ops.prod)
std = _torch_kwargs(ops.std)
var = _torch_kwargs(ops.var)
argmax = _torch_kwargs(ops.argmax)
argmin = _torch_kwargs(ops.argmin)
all = _torch_kwargs(ops.all)
any = _torch_kwargs(ops.any)
logsumexp = _torch_kwargs(ops.logsumexp)
softmax = _torch_kwargs(ops.softmax)
log_softmax = _torch_kwargs(ops.log_softmax)


def amax(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The largest values along ``dim`` (PyTorch's ``amax``; all axes for None)."""
    return x.amax(dim, keepdim)


def amin(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The smallest values along ``dim`` (PyTorch's ``amin``)."""
    return x.amin(dim, keepdim)


def _legacy(dtype: str) -> Any:
    def make(*args: Any, device: Any = None) -> Tensor:
        if args and builtins.all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return ops.zeros(args, dtype=dtype, device=device)  # (its values are unspecified)
        if len(args) != 1:
            raise ArgumentTypeError(
                f"{name}: give sizes (ints) or one sequence or array of data, got {args!r}"
            )
        return ops.tensor(args[0], dtype=dtype, device=device)

    name = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
            "int64": "LongTensor", "int32": "IntTensor", "uint8": "ByteTensor",
            "bool": "BoolTensor"}[dtype]  # fmt: skip
    make.__name__ = make.__qualname__ = name
    make.__doc__ = (
        f"PyTorch's legacy ``torch.{name}``: ``{name}(2, 3)`` a tensor of that shape, "
        f"``{name}(data)`` the data as {dtype}."
    )
    return make


FloatTensor = _legacy("float32")
DoubleTensor = _legacy("float64")
HalfTensor = _legacy("float16")
LongTensor = _legacy("int64")
IntTensor = _legacy("int32")
ByteTensor = _legacy("uint8")
BoolTensor = _legacy("bool")


def get_rng_state() -> dict[str, Any]:
    """The position of every default random stream (the host generator's, behind
    initialisation and shuffling, and each backend's, behind dropout and ``xn.rand``), as
    plain data that ``xn.save`` can keep; ``set_rng_state`` puts them back (PyTorch's
    pair, over all of xpnet's generators)."""
    return rng_states()


def set_rng_state(state: dict[str, Any]) -> None:
    """Continue every default random stream from a ``get_rng_state()`` result."""
    if not isinstance(state, dict):
        raise ArgumentTypeError(f"set_rng_state: expected get_rng_state()'s dict, got {state!r}")
    set_rng_states(state)


# PyTorch's memory formats: accepted by to() and contiguous(); xpnet's arrays have the
# backend's one layout, so they change nothing.
contiguous_format, channels_last = "contiguous_format", "channels_last"
channels_last_3d, preserve_format = "channels_last_3d", "preserve_format"


__all__ = [
    "set_default_dtype",
    "get_default_dtype",
    "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_default_device",
    "get_default_device",
    "channels_last",
    "channels_last_3d",
    "contiguous_format",
    "preserve_format",
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "get_rng_state",
    "set_rng_state",
    "amax",
    "amin",
    "all",
    "any",
    "argmax",
    "argmin",
    "log_softmax",
    "logsumexp",
    "mean",
    "prod",
    "softmax",
    "std",
    "sum",
    "var",
    "clone",
    "detach",
    "finfo",
    "gather",
    "iinfo",
    "index_select",
    "sparse_coo_tensor",
    "spmm",
    "index_reduce",
    "scatter_reduce",
    "masked_select",
    "nan_to_num",
    "normal",
    "Size",
    "as_tensor",
    "max",
    "min",
    "bmm",
    "cat",
    "chunk",
    "clamp",
    "cumsum",
    "concat",
    "bernoulli",
    "bincount",
    "cdist",
    "device",
    "dot",
    "masked_fill",
    "multinomial",
    "norm",
    "topk",
    "transpose",
    "unique",
    "unsqueeze",
    "from_numpy",
    "inference_mode",
    "is_tensor",
    "mm",
    "numel",
    "outer",
    "permute",
    "rand_like",
    "randint_like",
    "randn_like",
    "split",
    "stack",
]
