"""The user-facing Tensor: the graph core (``autodiff.TensorBase``) with operators and
methods, each a thin binding to a function of ``xpnet.ops``.

This module sits above the op layer: it imports the ops, and registers ``Tensor`` as
the class the engine and the ops build (``set_tensor_class``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator, Sequence
from typing import Any

from . import ops as _ops
from ._errors import ArgumentTypeError, GraphError, NotSupportedError, XpnetError
from ._namespace import array_namespace
from ._printing import format_values
from ._tensor_torch import Size, TorchMethods, check_memory_format
from ._ufunc import array_ufunc
from .autodiff import backward, is_grad_enabled, no_grad
from .autodiff.internal import TensorBase, set_tensor_class, wrap
from .backend import DTYPE_NAMES, Backend
from .ops import internal as _internal

_float = float  # the method Tensor.float shadows the builtin inside the class
_binary = _internal.binary

_TORCH_KW = {"dim": "axis", "keepdim": "keepdims"}
_TORCH_ONLY = {
    "out": "xpnet ops return new tensors (no out=)",
    "unbiased": "use correction=1 (or 0)",
}


def _torch_kwargs(fn: Any) -> Any:
    """Accept PyTorch's keyword names (dim, keepdim) beside the Array API's (axis, keepdims)."""
    accepted = [p for p in inspect.signature(fn).parameters if p != "self"]

    @functools.wraps(fn)
    def wrapped(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        for k in list(kwargs):
            if k in _TORCH_KW:
                new = _TORCH_KW[k]
                if new in kwargs:
                    raise ArgumentTypeError(f"{fn.__name__}: both {k}= and {new}= given")
                kwargs[new] = kwargs.pop(k)
            elif k in _TORCH_ONLY:
                raise ArgumentTypeError(f"{fn.__name__}() has no {k}= in xpnet: {_TORCH_ONLY[k]}")
            elif k not in accepted:
                torch_names = {v: k2 for k2, v in _TORCH_KW.items()}
                names = [f"{a} (or {torch_names[a]})" if a in torch_names else a for a in accepted]
                raise ArgumentTypeError(
                    f"{fn.__name__}() got an unknown keyword {k}=; it takes {', '.join(names)}"
                )
        return fn(self, *args, **kwargs)

    return wrapped


class Tensor(TensorBase, TorchMethods):
    """An n-dimensional array of one backend and device that can record gradients.

    Create tensors with ``xn.tensor(...)``, ``xn.zeros(...)`` and friends. The
    native array is ``.data``; ``.backend`` is the ``Backend`` it lives on.
    """

    __slots__ = ()

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs on tensors: ``ndarray * t`` and ``np.float32(2) * t`` are ``t``'s
        reflected operators, ``np.exp(t)`` is ``xp.exp(t)`` (both in the graph), anything
        else computes on the host values (see ``xpnet/_ufunc.py``)."""
        return array_ufunc(self, ufunc, method, *inputs, **kwargs)

    def __init__(
        self,
        *args: Any,
        dtype: Any = None,
        requires_grad: bool = False,
        backend: Any = None,
        device: Any = None,
    ) -> None:
        """PyTorch's ``torch.Tensor(...)``: ``Tensor(2, 3)`` (sizes) is a float32 tensor of
        that shape (zeros; PyTorch leaves it uninitialised); ``Tensor(data)`` the data,
        integers and booleans as the default float (floating data keep their dtype; give
        ``dtype`` for another). ``xn.tensor(data)`` keeps integer data integral."""
        sizes = args[0] if len(args) == 1 and isinstance(args[0], Size) else args
        if sizes and all(isinstance(a, int) and not isinstance(a, bool) for a in sizes):
            data: Any = _ops.zeros(tuple(sizes), dtype=dtype, backend=backend, device=device)
        elif len(args) in (1, 2):
            data = args[0]
            dtype = args[1] if len(args) == 2 and dtype is None else dtype
        else:
            raise ArgumentTypeError(
                f"Tensor() takes sizes (ints) or one data argument (and a dtype), got {args!r}"
            )
        t = _ops.tensor(data, dtype=dtype, requires_grad=False, backend=backend, device=device)
        if dtype is None and not t.backend.is_inexact(t.dtype):
            t = _ops.astype(t, t.backend.default_float)
        if requires_grad:
            t.requires_grad_(True)
        self._data, self.backend = t._data, t.backend
        self._rg, self._grad, self._node, self._vc = t._rg, None, None, None

    def __repr__(self) -> str:
        b = self.backend
        extra = ", requires_grad=True" if self._rg else ""
        return (
            f"Tensor({format_values(self)}, dtype={b.dtype_name(self.dtype)}, backend={b.name}, "
            f"device={b.device_str}{extra})"
        )

    def __len__(self) -> int:
        if not self._data.shape:
            raise ArgumentTypeError("len() of a 0-d tensor")
        return int(self._data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        # refused when iter() is called, as NumPy and PyTorch do (np.iterable asks that)
        if not self._data.shape:
            raise ArgumentTypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(int(self._data.shape[0])))

    def to(
        self,
        *args: Any,
        device: Any = None,
        backend: Any = None,
        dtype: Any = None,
        non_blocking: bool = False,
        copy: bool = False,
        memory_format: Any = None,
    ) -> Tensor:
        """This tensor on another device, backend and/or dtype (differentiable).

        ``x.to(backend="torch")`` goes to torch's default device;
        ``x.to(device="device1")`` keeps the backend. As in PyTorch, positional arguments
        may be a device, a dtype (``x.to(xn.float64)``, ``x.to("cpu", "float16")``) or a
        tensor whose backend, device and dtype to take. Returns ``self`` when nothing changes
        (a copy with ``copy=True``). ``non_blocking`` and ``memory_format`` are PyTorch's and
        are accepted: transfers are ordered on the device's stream, and xpnet's arrays have
        the backend's one layout (see ``xn.channels_last``).
        """
        check_memory_format(memory_format, "to")
        device, backend, dtype = to_arguments(self.backend, args, device, backend, dtype)
        out = _ops.to(self, device=device, backend=backend, dtype=dtype)
        return out.clone() if copy and out is self else out

    def astype(self, dtype: Any) -> Tensor:
        return _ops.astype(self, dtype)

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy in the graph (gradients flow back to ``self``), as PyTorch's ``clone``
        (``memory_format`` is accepted: xpnet's arrays have the backend's one layout)."""
        check_memory_format(memory_format, "clone")
        # a same-dtype astype copies and passes the cotangent through unchanged (``self * 1``
        # would not copy exactly: a complex infinity times 1 has a NaN part)
        return (
            _internal.astype_p(self, dtype=self.dtype)
            if self.backend.is_inexact(self.dtype)
            else wrap(self.backend.xp.asarray(self._data, copy=True), self.backend)
        )

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        """The standard's spelling of ``to(device=...)`` (differentiable)."""
        return _ops.to(self, device=device)

    def cpu(self) -> Tensor:
        """This tensor on the host: the NumPy backend (differentiable, like ``to``)."""
        return _ops.to(self, backend="numpy")

    def cuda(self, device: Any = None) -> Tensor:
        """This tensor on a CUDA GPU (``device``: its index): from NumPy, the CuPy backend;
        a torch or JAX tensor stays in its library (differentiable, like ``to``)."""
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def long(self) -> Tensor:
        return _ops.astype(self, "int64")

    def half(self) -> Tensor:
        return _ops.astype(self, "float16")

    def float(self) -> Tensor:
        return _ops.astype(self, "float32")

    def double(self) -> Tensor:
        return _ops.astype(self, "float64")

    # -- autodiff --------------------------------------------------------------
    def backward(
        self,
        grad: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``grad`` is the cotangent of ``self`` (needed unless ``self`` has one
        element). The graph is freed as it is used unless ``retain_graph`` (default:
        ``create_graph``); with ``create_graph`` the gradients are themselves
        differentiable.
        """
        backward(
            (self,),
            None if grad is None else (grad,),
            create_graph=create_graph,
            retain_graph=retain_graph,
        )

    def copy_(self, value: Any) -> Tensor:
        """Replace the values with ``value``'s (any backend or array; cast to this dtype), in place."""
        return _internal.copy_(self, value)

    def zero_(self) -> Tensor:
        """Set every element to 0 in place (outside the graph, like other in-place updates)."""
        return self._fill(0, "zero_()")

    def _fill(self, value: Any, what: str) -> Tensor:
        if self._rg and is_grad_enabled():
            raise GraphError(f"{what} on a tensor that requires grad; do it under xn.no_grad()")
        with no_grad():
            _internal.fill_p(self, value=value)
        return self

    # -- indexing --------------------------------------------------------------
    def __getitem__(self, key: Any) -> Tensor:
        return _ops.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        _ops.setitem(self, key, value)

    # -- operators -------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _binary(_internal.add_p, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(_internal.add_p, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(_internal.subtract_p, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(_internal.subtract_p, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(_internal.multiply_p, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(_internal.multiply_p, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(_internal.divide_p, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(_internal.divide_p, other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __iadd__(self, other: Any) -> Tensor:
        return _internal.apply_inplace(self, "add", other)

    def __isub__(self, other: Any) -> Tensor:
        return _internal.apply_inplace(self, "subtract", other)

    def __imul__(self, other: Any) -> Tensor:
        return _internal.apply_inplace(self, "multiply", other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _internal.apply_inplace(self, "divide", other)

    def __neg__(self) -> Tensor:
        return _ops.negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __lt__(self, other: Any) -> Tensor:
        return _ops.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ops.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.greater_equal(self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.equal(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.not_equal(self, other)

    __hash__ = object.__hash__  # by identity (== is elementwise), as PyTorch's tensors

    # The standard's operators: &, |, ^, ~ are bitwise (logical on bool tensors).
    def __and__(self, other: Any) -> Tensor:
        return _ops.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return _ops.bitwise_and(other, self)

    def __or__(self, other: Any) -> Tensor:
        return _ops.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return _ops.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Tensor:
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return _ops.bitwise_xor(other, self)

    def __invert__(self) -> Tensor:
        return _ops.bitwise_invert(self)

    def __lshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_left_shift(other, self)

    def __rshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_right_shift(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _ops.remainder(other, self)

    def __index__(self) -> int:
        """An integer 0-d tensor as an index (``range(t)``, ``lst[t]``)."""
        if self.ndim != 0 or not self.backend.xp.isdtype(self.dtype, "integral"):
            raise ArgumentTypeError(
                f"only a 0-d integer tensor can be an index, got {self.backend.dtype_name(self.dtype)}"
                f"{list(self.shape)}"
            )
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    # -- methods (PyTorch and Array API spellings) -------------------------------
    @property
    def T(self) -> Tensor:
        """The axes reversed (the transpose of a matrix)."""
        return _ops.permute_dims(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (a stack of transposed matrices)."""
        return _ops.matrix_transpose(self)

    @_torch_kwargs
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    @_torch_kwargs
    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    @_torch_kwargs
    def var(self, axis: Any = None, keepdims: bool = False, correction: _float = 0.0) -> Tensor:
        return _ops.var(self, axis=axis, keepdims=keepdims, correction=correction)

    @_torch_kwargs
    def std(self, axis: Any = None, keepdims: bool = False, correction: _float = 0.0) -> Tensor:
        return _ops.std(self, axis=axis, keepdims=keepdims, correction=correction)

    @_torch_kwargs
    def all(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Whether every element (along ``axis``/``dim``) is true: a bool tensor."""
        return _ops.all(self, axis=axis, keepdims=keepdims)

    @_torch_kwargs
    def any(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Whether any element (along ``axis``/``dim``) is true: a bool tensor."""
        return _ops.any(self, axis=axis, keepdims=keepdims)

    @_torch_kwargs
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _ops.argmax(self, axis=axis, keepdims=keepdims)

    @_torch_kwargs
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _ops.argmin(self, axis=axis, keepdims=keepdims)

    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return _ops.clip(self, min, max)

    clamp = clip

    def clamp_min(self, min: Any) -> Tensor:
        return _ops.clip(self, min, None)

    def clamp_max(self, max: Any) -> Tensor:
        return _ops.clip(self, None, max)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """The entries at the 1-D integer ``index`` along ``dim`` (PyTorch's; ``xn.take``)."""
        if not isinstance(index, Tensor) or index.ndim != 1:
            raise ArgumentTypeError(
                f"index_select: index must be a 1-D integer Tensor, got {getattr(index, 'shape', type(index).__name__)}"
            )
        return _ops.take(self, index, axis=dim)

    @_torch_kwargs
    def softmax(self, axis: int = -1) -> Tensor:
        return _ops.softmax(self, axis=axis)

    @_torch_kwargs
    def log_softmax(self, axis: int = -1) -> Tensor:
        return _ops.log_softmax(self, axis=axis)

    def matmul(self, other: Tensor) -> Tensor:
        return _ops.matmul(self, other)

    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _shape_args(shape))

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's ``view``: a new shape (``x.view(2, -1)``, as ``reshape``), or, given one
        dtype, the same bytes read as that dtype (``x.view(xn.int32)``, ``x.view(float)``
        for float64; see ``ops.internal.view_as_dtype``)."""
        if (
            len(shape) == 1
            and not isinstance(shape[0], (tuple, list))
            and not hasattr(shape[0], "__index__")
        ):
            return _internal.view_as_dtype(self, shape[0])
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _ops.flatten(self, start_dim, end_dim)

    def permute(self, *axes: Any) -> Tensor:
        return _ops.permute_dims(self, _shape_args(axes))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _ops.swapaxes(self, dim0, dim1)

    @_torch_kwargs
    def squeeze(self, axis: Any = None) -> Tensor:
        return _ops.squeeze(self, axis)

    @_torch_kwargs
    def unsqueeze(self, axis: int) -> Tensor:
        return _ops.expand_dims(self, axis=axis)

    def expand_dims(self, axis: int) -> Tensor:
        return _ops.expand_dims(self, axis=axis)

    def broadcast_to(self, *shape: Any) -> Tensor:
        return _ops.broadcast_to(self, _shape_args(shape))

    def expand(self, *sizes: Any) -> Tensor:
        """PyTorch's ``expand``: ``broadcast_to`` where -1 keeps that axis's size."""
        shape = _shape_args(sizes)
        lead = len(shape) - self.ndim
        shape = tuple(
            self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape)
        )
        return _ops.broadcast_to(self, shape)

    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        """The Array API namespace of xpnet tensors (``xpnet.array_api``'s functions)."""
        return array_namespace(self, api_version)


def to_arguments(
    backend_now: Backend | None, args: Sequence[Any], device: Any, backend: Any, dtype: Any
) -> tuple[Any, Any, Any]:
    """PyTorch's positional ``to()`` arguments (a device, a dtype, or a tensor whose backend,
    device and dtype to take) folded into (device, backend, dtype); ``backend_now`` (None:
    dtype names only) says which native dtypes count as dtypes. Tensor.to and Module.to."""
    for a in args:
        if isinstance(a, Tensor):
            backend, device, dtype = a.backend, a.backend.device, a.dtype
        elif _is_dtype(backend_now, a):
            dtype = a
        elif device is None:
            device = a
        else:
            raise ArgumentTypeError(f"to(): two devices given ({device!r} and {a!r})")
    if str(device) == "meta":
        raise NotSupportedError(
            "to('meta'): xpnet has no meta device (tensors without storage). "
            "xn.func.functional_call(model, params, args) runs the model with the given "
            "tensors in place of its own, so the model needs no stateless copy: pass it as it "
            "is, or a copy.deepcopy of it"
        )
    return device, backend, dtype


def _is_dtype(backend: Backend | None, a: Any) -> bool:
    """Whether ``to()``'s positional ``a`` names a dtype (rather than a device)."""
    if isinstance(a, str):
        return a.rsplit(".", 1)[-1] in DTYPE_NAMES
    if a is None or isinstance(a, int) or backend is None:
        return False
    try:
        backend.dtype(a)
    except XpnetError:
        return False
    return True


def _shape_args(args: Sequence[Any]) -> tuple[int, ...]:
    """Accept both ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


set_tensor_class(Tensor)
