"""The graph core of a tensor: a native array, its backend, and its place in the graph.

``TensorBase`` holds what the engine and the primitives need: the array, the backend,
requires_grad, the gradient, the node that made it, and the version cell that in-place
changes move. The user-facing ``xpnet.Tensor`` (``xpnet/tensor.py``) subclasses it
with the operators and methods, which are bindings to ``xpnet.ops``; it registers
itself here (``set_tensor_class``), so every tensor the engine and the ops make is a
``Tensor`` while this layer imports nothing above it (as PyTorch's ``_TensorBase``).
"""

from __future__ import annotations

import math
import os
import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

from .._capture import ACTIVE, changed, recorder
from .._errors import (
    ArgumentTypeError,
    BackendError,
    DTypeError,
    GraphError,
    ShapeError,
    XpnetError,
)
from ..backend import backend_of

if TYPE_CHECKING:
    from typing import Self  # Python 3.11; annotations only

    from ..backend import Backend
    from ..tensor import Tensor
    from ._primitive import Node

_new = object.__new__
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # as co_filename spells it


class _Size(int):
    """An int (the element count) that, called, gives the shape or one extent (PyTorch's size())."""

    _shape: tuple[int, ...]

    def __new__(cls, n: int, shape: tuple[int, ...]) -> _Size:
        obj = super().__new__(cls, n)
        obj._shape = shape
        return obj

    def __call__(self, dim: int | None = None) -> Any:
        return self._shape if dim is None else self._shape[dim]


# Called as hook(leaf) right after backward() accumulated a leaf's .grad (its whole
# cotangent of that pass), keyed by id(leaf): DistributedDataParallel starts a bucket's
# all-reduce once its last gradient is in, while the backward pass goes on (PyTorch's
# Tensor.register_post_accumulate_grad_hook).
GRAD_READY: dict[int, list[Callable[[Any], None]]] = {}


def register_post_accumulate_grad_hook(leaf: Any, fn: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``fn(leaf)`` each time backward() has accumulated ``leaf.grad``; returns a remover."""
    key = id(leaf)
    hooks = GRAD_READY.get(key)
    if hooks is None:
        hooks = GRAD_READY[key] = []
        weakref.finalize(leaf, _forget, key, hooks)  # ids are reused after collection
    hooks.append(fn)

    def remove() -> None:
        if fn in hooks:
            hooks.remove(fn)
        if not hooks:
            _forget(key, hooks)

    return remove


def _forget(key: int, hooks: list[Callable[[Any], None]], table: Any = GRAD_READY) -> None:
    if table.get(key) is hooks:
        del table[key]


# Gradient hooks of leaves (Tensor.register_hook), keyed by id(leaf); a computed tensor's
# live on its Node (``Node.hooks``). The engine calls each with the gradient with respect
# to the tensor before using it; a hook that returns a tensor replaces the gradient.
LEAF_HOOKS: dict[int, list[Callable[[Any], Any]]] = {}


class RetainGrad:
    """The hook ``retain_grad()`` adds: keeps a computed tensor's gradient in its ``.grad``
    (accumulated, as a leaf's), after every other hook has run."""

    __slots__ = ("tensor",)

    def __init__(self, t: Any) -> None:
        self.tensor = weakref.ref(t)  # the node holding this hook must not keep t alive

    def __call__(self, g: Any) -> None:
        t = self.tensor()
        if t is not None:
            t._grad = g if t._grad is None else t._grad + g


def _hook_list(t: Any) -> tuple[list[Callable[[Any], Any]], Callable[[], None]]:
    """The hook list of ``t``'s graph vertex (created if needed) and what drops it."""
    node = t._node
    if node is not None:
        if node.hooks is None:
            node.hooks = []
        return node.hooks, lambda: None
    key = id(t)
    hooks = LEAF_HOOKS.get(key)
    if hooks is None:
        hooks = LEAF_HOOKS[key] = []
        weakref.finalize(t, _forget, key, hooks, LEAF_HOOKS)
    return hooks, lambda: _forget(key, hooks, LEAF_HOOKS) if not hooks else None


class HookHandle:
    """Returned by ``register_post_accumulate_grad_hook``: ``remove()`` unregisters the hook."""

    __slots__ = ("remove",)

    def __init__(self, remove: Callable[[], None]) -> None:
        self.remove = remove


class TensorBase:
    """The data and graph slots every tensor has (see the module docstring).

    Users meet its subclass ``xpnet.Tensor``; code below the op layer (the engine,
    the primitives, the ops themselves) tests ``isinstance(x, TensorBase)``.
    """

    __slots__ = ("__weakref__", "_data", "_grad", "_node", "_rg", "_vc", "backend")

    _data: Any  # the native array (``data`` is the checked public view of it)
    backend: Backend
    _grad: Tensor | None
    _node: Node | None
    _rg: bool  # requires_grad (read on every op, so a plain slot)
    # The version cell, shared with every view of the same memory: [the VERSION clock
    # at the last in-place change]. None until a view is taken or a change is made.
    _vc: list[int] | None

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
        """Replace the values with those of a tensor (PyTorch's ``p.data = t``) or a native
        array of the same backend, device, shape and dtype.

        Checked here, so a wrong value fails at the assignment rather than at a later
        op; the version counter moves (a graph that kept the old values refuses them).
        """
        b = self.backend
        if isinstance(value, TensorBase):
            if value.backend is not b:
                raise BackendError(
                    f"tensor.data = ...: the tensor must be on {b} (the tensor's backend and "
                    f"device), got {value.backend}; move it with .to(...) first"
                )
            value = value._data
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
                f"got {got}; convert it with xn.tensor(array, backend=..., device=...)"
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

    def native(self) -> Any:
        """The native array of the tensor's backend (a NumPy, CuPy, torch, JAX or
        array-api-strict array), the same memory: for calling that library directly."""
        if ACTIVE[0] is not None and not sys._getframe(1).f_code.co_filename.startswith(_PACKAGE):
            rec = recorder()
            if rec is not None:  # the user's step holds a native array xn.compile cannot follow
                rec.raw_access("reads its native array (tensor.native())")
        return self._data

    def _get_data(self) -> Tensor:
        if ACTIVE[0] is not None:
            rec = recorder()
            if rec is not None:  # a tensor outside the graph that xn.compile cannot follow
                rec.raw_access("reads tensor.data")
        return wrap(self._data, self.backend)

    data = property(
        _get_data,
        _assign_data,
        doc="PyTorch's ``.data``: the same memory as a tensor outside the graph, with "
        "requires_grad False and its own version counter (``p.data.add_(...)``, "
        "``m.weight.data.normal_(0, 0.02)`` change the values where the backend's arrays "
        "are mutable, unseen by autograd). The native array is ``t.native()``.",
    )

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

    # -- conversion ------------------------------------------------------------
    def numpy(self) -> Any:
        """The values as a host NumPy array. On the NumPy backend and for PyTorch's CPU
        tensors it is the tensor's own memory, as PyTorch's ``numpy()`` of a CPU tensor (a
        write to either shows in both); on other backends and devices, and for a tensor that
        requires grad (which PyTorch refuses), a copy detached from the graph."""
        if self._rg:
            return self.backend.to_numpy(self._data)
        return self.backend.host_alias(self._data)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python scalar."""
        if self.size != 1:
            raise ShapeError(f"item() needs a tensor of one element, got shape {self.shape}")
        return self.backend.scalar(self._data)

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
        data = self._data
        return data if hasattr(data, "__dlpack__") else self.backend.xp.asarray(data)

    def __dlpack__(
        self,
        /,
        *,
        stream: Any = None,
        max_version: Any = None,
        dl_device: Any = None,
        copy: bool | None = None,
    ) -> Any:
        """The standard's DLPack export of the native array (keywords given are passed on;
        libraries that predate some of them get only the ones set)."""
        given = {"stream": stream, "max_version": max_version, "dl_device": dl_device, "copy": copy}
        return self._array().__dlpack__(**{k: v for k, v in given.items() if v is not None})

    def __dlpack_device__(self) -> Any:
        return self._array().__dlpack_device__()

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        """``np.asarray(t)``: the values on the host (``numpy()``). Refused for a tensor that requires
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
        if dtype is not None:
            return host.astype(dtype)
        return host.copy() if copy else host

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory and the version counter)."""
        return alias(self)

    # -- copies: copy.deepcopy, pickle (PyTorch's rules) --------------------------
    def _copyable(self, how: str) -> None:
        if self._node is not None:
            raise GraphError(
                f"{how} of a tensor computed by an op ({self._node.prim.name}, shape "
                f"{self.shape}): only leaves (tensors made by the user, parameters) copy with "
                "their graph state, as in PyTorch; copy t.detach() to copy the values"
            )

    def __copy__(self) -> Self:
        """``copy.copy``: as ``copy.deepcopy`` (a tensor's copy owns its array)."""
        return self._copy({}, "copy.copy")

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A leaf's copy: its own array (same backend, device, dtype), requires_grad and a
        copy of ``.grad``; the graph, views and hooks are not copied (as PyTorch)."""
        return self._copy(memo, "copy.deepcopy")

    def _copy(self, memo: dict[int, Any], how: str) -> Self:
        self._copyable(how)
        b = self.backend
        new = _new(type(self))
        memo[id(self)] = new
        with b.current():
            new._data = b.xp.asarray(self._data, copy=True)
        new.backend, new._rg, new._node, new._vc = b, self._rg, None, None
        new._grad = None if self._grad is None else self._grad.__deepcopy__(memo)
        return new

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickled as the values on the host, the backend by name and device, requires_grad
        and ``.grad``: unpickled on that backend and device (which must exist there)."""
        self._copyable("pickle")
        host = self.backend.read_host(self._data)
        name = self.backend.dtype_name(self.dtype)
        if name == "bfloat16":  # NumPy has none: float32 holds every bfloat16 exactly
            host = host.astype(np.float32)
        return (_unpickle, (type(self), self.backend, host, name, self._rg, self._grad))

    def register_post_accumulate_grad_hook(self, hook: Callable[[Any], None]) -> HookHandle:
        """Call ``hook(self)`` each time ``backward()`` has accumulated this leaf's ``.grad``
        (PyTorch's method of the same name); ``.remove()`` on the result unregisters it."""
        if self._node is not None or not self._rg:
            what = "computed by an op" if self._node is not None else "a leaf without requires_grad"
            raise GraphError(
                "register_post_accumulate_grad_hook: only a leaf that requires grad gets a "
                f".grad to accumulate; this tensor (shape {self.shape}) is {what}"
            )
        return HookHandle(register_post_accumulate_grad_hook(self, hook))

    def register_hook(self, hook: Callable[[Any], Any]) -> HookHandle:
        """Call ``hook(grad)`` each time backward computes the gradient with respect to this
        tensor (a leaf: before it is accumulated into ``.grad``); if it returns a tensor, that
        replaces the gradient from there on (PyTorch's ``register_hook``). ``.remove()`` on
        the result unregisters it. A compiled step in which a hook runs falls back to eager
        mode (a replay would skip Python code)."""
        if not self._rg:
            raise GraphError(
                f"register_hook: this tensor (shape {self.shape}) does not require grad, so "
                "backward never computes its gradient"
            )
        hooks, drop = _hook_list(self)
        hooks.append(hook)

        def remove() -> None:
            if hook in hooks:
                hooks.remove(hook)
            drop()

        return HookHandle(remove)

    def retain_grad(self) -> None:
        """Keep this computed tensor's gradient in ``.grad`` at backward (leaves keep theirs
        anyway), as PyTorch's ``retain_grad``."""
        if not self._rg:
            raise GraphError(f"retain_grad: this tensor (shape {self.shape}) does not require grad")
        if self._node is None or self.retains_grad:
            return
        _hook_list(self)[0].append(RetainGrad(self))

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this computed tensor."""
        hooks = self._node.hooks if self._node is not None else None
        return bool(hooks) and any(
            isinstance(h, RetainGrad) and h.tensor() is self for h in hooks or ()
        )

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Mark this leaf as needing gradients; returns ``self``."""
        if requires_grad and not self.backend.is_inexact(self.dtype):
            raise DTypeError(
                "only floating-point and complex tensors can require grad, got "
                f"{self.backend.dtype_name(self.dtype)}"
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


# The in-place clock: bumped by every in-place change of any tensor. A graph node
# remembers the clock when it was recorded; an input whose version cell holds a
# larger value was changed in place afterwards.
VERSION = [0]


def wrap(data: Any, backend: Backend) -> Tensor:
    """A fresh graph-free Tensor around a native array (the fast internal constructor)."""
    t: Tensor = _new(TENSOR_CLASS)
    t._data = data
    t.backend = backend
    t._rg = False
    t._grad = None
    t._node = None
    t._vc = None
    return t


def cell(t: TensorBase) -> list[int]:
    """``t``'s version cell, made on first need (to share it with a view, or keep it in a node)."""
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    return vc


def alias(t: TensorBase) -> Tensor:
    """A graph-free Tensor on the same memory as ``t``, sharing its version cell."""
    a = wrap(t._data, t.backend)
    a._vc = cell(t)
    return a


def is_tensor(x: object) -> TypeGuard[Tensor]:
    """Whether ``x`` is an xpnet tensor (for code below ``xpnet.tensor``, which cannot name it)."""
    return isinstance(x, TensorBase)


def _unpickle(cls: type, b: Backend, host: Any, dtype: str, rg: bool, grad: Any) -> Any:
    t: Any = _new(cls)
    t._data = b.from_numpy(np.asarray(host), b.dtype(dtype), copy=True)
    t.backend, t._rg, t._node, t._vc, t._grad = b, rg, None, None, grad
    return t


# The class of the tensors the engine and the ops make: xpnet.Tensor, registered by
# xpnet/tensor.py when xpnet is imported (TensorBase until then).
TENSOR_CLASS: type = TensorBase


def set_tensor_class(cls: type) -> None:
    """Make ``cls`` (a TensorBase subclass with no slots of its own) what ``wrap`` builds."""
    global TENSOR_CLASS
    if not issubclass(cls, TensorBase):
        raise ArgumentTypeError(f"set_tensor_class: {cls.__name__} is not a TensorBase subclass")
    TENSOR_CLASS = cls
