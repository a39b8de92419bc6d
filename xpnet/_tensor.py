"""The user-facing Tensor: a native array, its backend, and its place in the graph.

Operators and methods are thin bindings to the functions in ``xpnet.ops``.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._capture import ACTIVE, changed, recorder
from ._errors import ArgumentTypeError, BackendError, DTypeError, GraphError, ShapeError, XpnetError
from ._tensor_torch import TorchMethods

if TYPE_CHECKING:
    from .autodiff import Node
    from .backend import Backend

_new = object.__new__
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_float = float  # the method Tensor.float shadows the builtin inside the class


class _Size(int):
    """An int (the element count) that, called, gives the shape or one extent (PyTorch's size())."""

    _shape: tuple[int, ...]

    def __new__(cls, n: int, shape: tuple[int, ...]) -> _Size:
        obj = super().__new__(cls, n)
        obj._shape = shape
        return obj

    def __call__(self, dim: int | None = None) -> Any:
        return self._shape if dim is None else self._shape[dim]


_TORCH_KW = {"dim": "axis", "keepdim": "keepdims"}
_TORCH_ONLY = {
    "out": "xpnet ops return new tensors (no out=)",
    "unbiased": "use correction=1 (or 0)",
}


def _torch_kwargs(fn: Any) -> Any:
    """Accept PyTorch's keyword names (dim, keepdim) beside the Array API's (axis, keepdims)."""
    import functools
    import inspect

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


class Tensor(TorchMethods):
    """An n-dimensional array of one backend and device that can record gradients.

    Create tensors with ``xn.tensor(...)``, ``xn.zeros(...)`` and friends. The
    native array is ``.data``; ``.backend`` is the ``Backend`` it lives on.
    """

    __slots__ = ("__weakref__", "_data", "_grad", "_node", "_rg", "_vc", "backend")
    __array_ufunc__ = None  # NumPy defers to our reflected operators (np.float32(2) * t)

    _data: Any  # the native array (``data`` is the checked public view of it)
    backend: Backend
    _grad: Tensor | None
    _node: Node | None
    _rg: bool  # requires_grad (read on every op, so a plain slot)
    # The version cell, shared with every view of the same memory: [the VERSION clock
    # at the last in-place change]. None until a view is taken or a change is made.
    _vc: list[int] | None

    def __init__(
        self,
        data: Any,
        dtype: Any = None,
        *,
        requires_grad: bool = False,
        backend: Any = None,
        device: Any = None,
    ) -> None:
        from .ops import tensor

        t = tensor(data, dtype=dtype, requires_grad=requires_grad, backend=backend, device=device)
        self._data, self.backend = t._data, t.backend
        self._rg, self._grad, self._node, self._vc = t._rg, None, None, None

    # -- description -----------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    @property
    def dtype(self) -> Any:
        return self._data.dtype

    @property
    def device(self) -> Any:
        return self.backend.device

    @property
    def ndim(self) -> int:
        return len(self._data.shape)

    @property
    def size(self) -> _Size:
        """The number of elements (the Array API's ``size``); ``x.size()`` and ``x.size(dim)``
        also work, giving the shape and one extent as PyTorch's ``size`` method does."""
        return _Size(math.prod(self._data.shape), self.shape)

    def numel(self) -> int:
        """The number of elements (PyTorch's name)."""
        return math.prod(self._data.shape)

    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return len(self._data.shape)

    def element_size(self) -> int:
        """Bytes per element (PyTorch's name; bfloat16 is 2 though NumPy has no such dtype)."""
        name = self.backend.dtype_name(self._data.dtype)
        return 2 if name == "bfloat16" else int(np.dtype(name).itemsize)

    @property
    def nbytes(self) -> int:
        """Bytes of the elements (NumPy's and PyTorch's name)."""
        return self.numel() * self.element_size()

    def _assign_data(self, value: Any) -> None:
        """Replace the values with another array of the same backend, device, shape and dtype.

        Checked here, so a wrong array fails at the assignment rather than at a later
        op; the version counter moves (a graph that kept the old values refuses them).
        """
        from .backend import backend_of

        b = self.backend
        try:
            where = backend_of(value)
        except XpnetError:
            where = None
        if where is not b:
            got = (
                f"{type(value).__module__}.{type(value).__name__}" if where is None else str(where)
            )
            raise BackendError(
                f"tensor.data = ...: the array must belong to {b} (the tensor's backend and device), "
                f"got {got}; convert it with xn.tensor(array, backend=..., device=...).data"
            )
        if tuple(value.shape) != self.shape or value.dtype != self.dtype:
            cls = ShapeError if tuple(value.shape) != self.shape else DTypeError
            raise cls(
                f"tensor.data = ...: an array of shape {tuple(value.shape)} and dtype {value.dtype} for a "
                f"tensor of shape {self.shape} and dtype {self.dtype}; make a new tensor to change them"
            )
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.raw_access("assigns tensor.data")
        self._set_data(value)
        changed()  # a compiled step replayed as a CUDA graph holds the old storage

    def _get_data(self) -> Any:
        if ACTIVE[0] is not None and not sys._getframe(1).f_code.co_filename.startswith(_PACKAGE):
            rec = recorder()
            if rec is not None:  # the user's step holds a native array xn.compile cannot follow
                rec.raw_access("reads tensor.data")
        return self._data

    data = property(_get_data, _assign_data, doc="The native array of the tensor's backend.")

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (None until then, or after ``zero_grad``)."""
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.grad_read(self, self._grad)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.set_grad(self, value)
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for differentiation."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by a recorded op."""
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The recorded node that made this tensor (None for leaves)."""
        return self._node

    def __repr__(self) -> str:
        from ._printing import format_values

        b = self.backend
        extra = ", requires_grad=True" if self._rg else ""
        return (
            f"Tensor({format_values(self)}, dtype={b.dtype_name(self.dtype)}, backend={b.name}, "
            f"device={b.device_str}{extra})"
        )

    def __len__(self) -> int:
        if not self.data.shape:
            raise ArgumentTypeError("len() of a 0-d tensor")
        return int(self.data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__

    # -- conversion ------------------------------------------------------------
    def numpy(self) -> Any:
        """A host NumPy copy of the values (detached from the graph)."""
        return self.backend.to_numpy(self.data)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python scalar."""
        if self.size != 1:
            raise ShapeError(f"item() needs a tensor of one element, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def _array(self) -> Any:
        # NumPy gives scalars, not 0-d arrays, from ufuncs on 0-d input.
        data = self.data
        return data if hasattr(data, "__dlpack__") else self.backend.xp.asarray(data)

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._array().__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self._array().__dlpack_device__()

    def to(self, *args: Any, device: Any = None, backend: Any = None, dtype: Any = None) -> Tensor:
        """This tensor on another device, backend and/or dtype (differentiable).

        ``x.to(backend="torch")`` goes to torch's default device;
        ``x.to(device="device1")`` keeps the backend. As in PyTorch, positional arguments
        may be a device, a dtype (``x.to(xn.float64)``, ``x.to("cpu", "float16")``) or a
        tensor whose backend, device and dtype to take. Returns ``self`` when nothing changes.
        """
        for a in args:
            if isinstance(a, Tensor):
                backend, device, dtype = a.backend, a.backend.device, a.dtype
            elif _is_dtype(self.backend, a):
                dtype = a
            elif device is None:
                device = a
            else:
                raise ArgumentTypeError(f"to(): two devices given ({device!r} and {a!r})")
        return _ops.to(self, device=device, backend=backend, dtype=dtype)

    def astype(self, dtype: Any) -> Tensor:
        return _ops.astype(self, dtype)

    def clone(self) -> Tensor:
        """A copy in the graph (gradients flow back to ``self``), as PyTorch's ``clone``."""
        return (
            self * 1
            if self.backend.is_float(self.dtype)
            else _wrap(self.backend.xp.asarray(self._data, copy=True), self.backend)
        )

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        """The standard's spelling of ``to(device=...)`` (differentiable)."""
        return _ops.to(self, device=device)

    def cpu(self) -> Tensor:
        """This tensor on the host: the NumPy backend (differentiable, like ``to``)."""
        return _ops.to(self, backend="numpy")

    def long(self) -> Tensor:
        return _ops.astype(self, "int64")

    def half(self) -> Tensor:
        return _ops.astype(self, "float16")

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        """``np.asarray(t)``: a host copy of the values. Refused for a tensor that requires
        grad (as PyTorch does): code that goes through NumPy would silently drop the
        gradient; call ``t.detach()`` first when that is what you mean."""
        if self._rg:
            raise GraphError(
                f"np.asarray() of a tensor that requires grad ({self.backend.dtype_name(self.dtype)}"
                f"{list(self.shape)}): the values would leave the graph and its gradient would be "
                "lost; use t.detach() (or t.numpy()) if that is what you mean, or xpnet/Array API "
                "operations to keep the gradient"
            )
        host = self.numpy()
        return host if dtype is None else host.astype(dtype)

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
        from .autodiff import backward

        backward(
            (self,),
            None if grad is None else (grad,),
            create_graph=create_graph,
            retain_graph=retain_graph,
        )

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory and the version counter)."""
        return _alias(self)

    def copy_(self, value: Any) -> Tensor:
        """Replace the values with ``value``'s (any backend or array; cast to this dtype), in place."""
        return _inplace.copy_(self, value)

    def zero_(self) -> Tensor:
        """Set every element to 0 in place (outside the graph, like other in-place updates)."""
        return self._fill(0, "zero_()")

    def _fill(self, value: Any, what: str) -> Tensor:
        if self._rg and _grad_enabled():
            raise GraphError(f"{what} on a tensor that requires grad; do it under xn.no_grad()")
        from .autodiff import no_grad

        with no_grad():
            _inplace.fill_p(self, value=value)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this leaf as needing gradients; returns ``self``."""
        if requires_grad and not self.backend.is_float(self.dtype):
            raise DTypeError(
                f"only floating-point tensors can require grad, got {self.backend.dtype_name(self.dtype)}"
            )
        if not requires_grad and self._node is not None:
            raise GraphError("requires_grad_(False) on a non-leaf tensor; use .detach()")
        self._rg = bool(requires_grad)
        changed()
        return self

    def _set_data(self, data: Any) -> None:
        """Replace the values in place (optimizers, setitem); moves the version forward.

        The one way xpnet changes a tensor's values: the version cell (shared with
        every view of the same memory) takes the new VERSION clock, so a graph node
        recorded earlier that kept this tensor sees that it changed.
        """
        self._data = data
        clock = VERSION[0] + 1
        VERSION[0] = clock
        vc = self._vc
        if vc is None:
            self._vc = [clock]
        else:
            vc[0] = clock

    @property
    def _version(self) -> int:
        """The VERSION clock at the last in-place change of this memory (0: never changed)."""
        return 0 if self._vc is None else self._vc[0]

    # -- indexing --------------------------------------------------------------
    def __getitem__(self, key: Any) -> Tensor:
        return _ops.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        _ops.setitem(self, key, value)

    # -- operators -------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _E._binary(_E.add_p, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _E._binary(_E.add_p, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _E._binary(_E.subtract_p, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _E._binary(_E.subtract_p, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _E._binary(_E.multiply_p, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _E._binary(_E.multiply_p, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _E._binary(_E.divide_p, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _E._binary(_E.divide_p, other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __iadd__(self, other: Any) -> Tensor:
        return _inplace.apply_inplace(self, "add", other)

    def __isub__(self, other: Any) -> Tensor:
        return _inplace.apply_inplace(self, "subtract", other)

    def __imul__(self, other: Any) -> Tensor:
        return _inplace.apply_inplace(self, "multiply", other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _inplace.apply_inplace(self, "divide", other)

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

    view = reshape

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

    expand = broadcast_to


def _is_dtype(backend: Backend, a: Any) -> bool:
    """Whether ``to()``'s positional ``a`` names a dtype (rather than a device)."""
    if isinstance(a, str):
        from .backend import DTYPE_NAMES

        return a.rsplit(".", 1)[-1] in DTYPE_NAMES
    if a is None or isinstance(a, int):
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


# The in-place clock: bumped by every in-place change of any tensor. A graph node
# remembers the clock when it was recorded; an input whose version cell holds a
# larger value was changed in place afterwards.
VERSION = [0]


def _wrap(data: Any, backend: Backend) -> Tensor:
    """A fresh graph-free Tensor around a native array (the fast internal constructor)."""
    t = _new(Tensor)
    t._data = data
    t.backend = backend
    t._rg = False
    t._grad = None
    t._node = None
    t._vc = None
    return t


def cell(t: Tensor) -> list[int]:
    """``t``'s version cell, made on first need (to share it with a view, or keep it in a node)."""
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    return vc


def _alias(t: Tensor) -> Tensor:
    """A graph-free Tensor on the same memory as ``t``, sharing its version cell."""
    a = _wrap(t.data, t.backend)
    a._vc = cell(t)
    return a


# The op modules the methods call: ops build on Tensor, so they bind themselves
# here when ``xpnet.ops`` is imported (``bind_ops``), and this module imports none.
_ops: Any = None
_E: Any = None
_inplace: Any = None


def bind_ops(ops: Any, elementwise: Any, inplace: Any) -> None:
    global _ops, _E, _inplace
    _ops, _E, _inplace = ops, elementwise, inplace


def _grad_enabled() -> bool:
    from .autodiff import is_grad_enabled

    return is_grad_enabled()
