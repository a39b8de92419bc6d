"""Module: the container of parameters, buffers and submodules (PyTorch's ``nn.Module``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._capture import ACTIVE, changed, recorder
from .._errors import (
    ArgumentError,
    ArgumentTypeError,
    BackendError,
    DeviceError,
    KeyMismatchError,
    NotSupportedError,
    ShapeError,
    XpnetError,
)
from .._tensor_torch import check_memory_format
from ..autodiff import is_grad_enabled, no_grad
from ..autodiff.internal import wrap
from ..backend import Backend, placement
from ..ops.internal import converted
from ..tensor import Tensor, to_arguments
from ._backward_hooks import run_with_backward_hooks
from ._parameter import Parameter


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` did not match (PyTorch's ``_IncompatibleKeys``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers and models.

    Assigning a ``Parameter`` or a ``Module`` to an attribute registers it;
    ``register_buffer`` registers state that is saved but not trained (running
    statistics). Subclasses implement ``forward``; calling the module checks that
    tensor inputs are on the module's backend and device, then runs ``forward``.
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module]
    _non_persistent: set[str]
    _forward_pre_hooks: dict[int, Callable[..., Any]]
    _forward_hooks: dict[int, Callable[..., Any]]
    _backward_pre_hooks: dict[int, Callable[..., Any]]
    _backward_hooks: dict[int, Callable[..., Any]]

    if TYPE_CHECKING:
        # Registered buffers and submodules are set dynamically.
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_backward_pre_hooks", {})
        object.__setattr__(self, "_backward_hooks", {})

    # -- registration ----------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get(name, changed) is not value:  # (x += 1 stores the same tensor)
            changed()  # compiled steps that call this module check their assumptions again
        if "_parameters" not in self.__dict__:
            raise XpnetError(
                f"{type(self).__name__}.__init__ must call super().__init__() before setting {name!r}"
            )
        if name in self._buffers and (value is None or isinstance(value, Tensor)):
            self._buffers[name] = value  # e.g. self.running_mean = new_value
        else:
            # the registry that takes the value keeps the name's place (as PyTorch: replacing
            # a parameter does not move it in parameters() or the state dict); the others drop it
            home = (
                self._parameters if isinstance(value, Parameter)
                else self._modules if isinstance(value, Module) else None
            )  # fmt: skip
            for registry in (self._parameters, self._buffers, self._modules):
                if registry is not home:
                    registry.pop(name, None)
            if home is not None:
                home[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        changed()
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register ``tensor`` as state of the module (saved when ``persistent``, moved by ``to``)."""
        self._buffers[name] = tensor
        changed()
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        changed()
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module) -> None:
        setattr(self, name, module)

    # -- traversal -------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every submodule, depth first, each once (iterative)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            subs = [
                (f"{name}.{k}" if name else k, c) for k, c in m._modules.items() if c is not None
            ]
            stack.extend(reversed(subs))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` ("" is this module), as PyTorch's."""
        m = self
        walked: list[str] = []
        for part in target.split(".") if target else []:
            sub = m._modules.get(part)
            if sub is None:
                where = ".".join(walked) or type(self).__name__
                raise ArgumentError(
                    f"get_submodule({target!r}): {where} has no submodule {part!r}; it has "
                    f"{list(m._modules)}"
                )
            m = sub
            walked.append(part)
        return m

    def _members(
        self, kind: str, prefix: str, recurse: bool
    ) -> Iterator[tuple[str, Module, str, Any]]:
        """(module name, module, key, value) for every registered ``kind`` ("_parameters"...)."""
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mname, m in mods:
            for k, v in getattr(m, kind).items():
                if v is not None:
                    yield mname, m, k, v

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two layers appears once.

        ``recurse=False``: only this module's own parameters, not its submodules'.
        """
        seen: set[int] = set()
        for mname, _, k, p in self._members("_parameters", prefix, recurse):
            if id(p) not in seen:
                seen.add(id(p))
                yield (f"{mname}.{k}" if mname else k), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        for mname, _, k, b in self._members("_buffers", prefix, recurse):
            yield (f"{mname}.{k}" if mname else k), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        for m in list(self.modules())[::-1]:
            fn(m)
        return self

    # -- modes and gradients ---------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        changed()
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.zero_()  # zeros, also where the gradient held NaN or inf

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # -- placement -------------------------------------------------------------
    @property
    def backend(self) -> Backend | None:
        """The backend of the first parameter or buffer (None for a stateless module)."""
        for p in self.parameters():
            return p.backend
        for b in self.buffers():
            return b.backend
        return None

    def to(
        self,
        *args: Any,
        device: Any = None,
        backend: Any = None,
        dtype: Any = None,
        non_blocking: bool = False,
        memory_format: Any = None,
    ) -> Module:
        """Move (and/or cast) every parameter, gradient and buffer in place; returns ``self``.

        Parameters stay the same objects, so an optimizer built before the move
        keeps working. Only floating-point tensors are cast to ``dtype``. As in PyTorch,
        positional arguments may be a device, a dtype (``model.to(xn.float64)``,
        ``model.to("cpu", "float64")``) or a tensor whose device and dtype to take;
        ``non_blocking`` and ``memory_format`` are accepted (see ``Tensor.to``).
        """
        check_memory_format(memory_format, "Module.to")
        where = next(iter(self.parameters()), None)  # (no parameter: dtype names only)
        now = None if where is None else where.backend
        device, backend, dtype = to_arguments(now, args, device, backend, dtype)
        with no_grad():
            for t in [*self.parameters(), *self.buffers()]:
                _move(t, device, backend, dtype)
                if t.grad is not None:
                    _move(t.grad, device, backend, dtype)
        return self

    def cpu(self) -> Module:
        """Move every parameter and buffer to the host (from CuPy: to NumPy); returns ``self``."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Module:
        """Move every parameter and buffer to a CUDA GPU (from NumPy: to CuPy); returns ``self``."""
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to float32 (in place); returns ``self``."""
        return self.to(dtype="float32")

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64 (in place); returns ``self``."""
        return self.to(dtype="float64")

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16 (in place); returns ``self``."""
        return self.to(dtype="float16")

    def bfloat16(self) -> Module:
        """Cast floating-point parameters and buffers to bfloat16 (in place; on backends with
        bfloat16: torch, JAX); returns ``self``."""
        return self.to(dtype="bfloat16")

    # -- state -----------------------------------------------------------------
    def state_dict(self) -> dict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (detached, sharing memory)."""
        out: dict[str, Tensor] = {}
        for mname, m in self.named_modules():
            for k, p in m._parameters.items():
                if p is not None:
                    out[f"{mname}.{k}" if mname else k] = p.detach()
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent:
                    out[f"{mname}.{k}" if mname else k] = b.detach()
        return out

    def load_state_dict(
        self, state_dict: dict[str, Any], strict: bool = True
    ) -> tuple[list[str], list[str]]:
        """Copy values from ``state_dict`` into this module's tensors (on their own backend/device).

        Every key and shape is checked before anything is written: with ``strict``
        a missing or unexpected key raises; a shape mismatch always raises. Returns
        ``(missing_keys, unexpected_keys)``, a named tuple as PyTorch's.
        """
        if not isinstance(state_dict, Mapping):
            kind = type(state_dict)
            hint = (
                "; pass its state_dict() (a module of "
                f"{kind.__module__.split('.')[0]}) instead of the module"
                if hasattr(state_dict, "state_dict")
                else ""
            )
            raise ArgumentTypeError(
                f"load_state_dict into {type(self).__name__} takes a mapping of names to tensors, "
                f"got a {kind.__name__}{hint}"
            )
        own = {}
        lazy: dict[str, Any] = {}  # "weight" keys of lazy modules (LazyLinear): any columns
        for mname, m in self.named_modules():
            for registry, skip in ((m._parameters, set()), (m._buffers, m._non_persistent)):
                for k, t in registry.items():
                    if t is not None and k not in skip:
                        own[f"{mname}.{k}" if mname else k] = t
            if getattr(m, "lazy_weight", False):
                lazy[f"{mname}.weight" if mname else "weight"] = m
        missing = sorted(set(own) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(own))
        if strict and (missing or unexpected):
            raise KeyMismatchError(
                f"load_state_dict into {type(self).__name__}: missing keys {missing}, unexpected keys "
                f"{unexpected} (pass strict=False to load the keys that match)"
            )
        # Convert and check every value first (naming its key); write only when all are fine.
        new: dict[str, Any] = {}
        bad = []
        for k, t in own.items():
            if k in state_dict:
                v = state_dict[k]
                shape = tuple(v.shape) if hasattr(v, "shape") else np.shape(v)
                fits_lazy = k in lazy and len(shape) == 2 and shape[0] == t.shape[0]
                if shape != t.shape and not fits_lazy:
                    bad.append(f"{k}: checkpoint {shape} vs model {t.shape}")
                    continue
                like = t if shape == t.shape else wrap(t.backend.zeros(shape, t.dtype), t.backend)
                new[k] = converted(
                    like, v, f"load_state_dict into {type(self).__name__}: key {k!r}"
                )
        if bad:
            raise ShapeError(
                f"load_state_dict into {type(self).__name__}: shape mismatch for " + "; ".join(bad)
            )
        for k, m in lazy.items():  # the weight's columns from the checkpoint
            if k in new:
                m.materialize(tuple(new[k].shape)[1])
        for k, arr in new.items():
            own[k]._set_data(arr)  # a fresh array: never the caller's
        return IncompatibleKeys(missing, unexpected)

    # -- calling ---------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupportedError(f"{type(self).__name__} does not define forward()")

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple[Any, ...]], Any]) -> Handle:
        """Call ``hook(module, args)`` before each forward; a non-None result replaces ``args``
        (a tuple, or one value that becomes the only argument). Returns a handle with ``remove()``."""
        return Handle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook: Callable[[Module, tuple[Any, ...], Any], Any]) -> Handle:
        """Call ``hook(module, args, output)`` after each forward; a non-None result replaces the
        output. Returns a handle with ``remove()``."""
        return Handle(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook: Callable[..., Any]) -> Handle:
        """Call ``hook(module, grad_input, grad_output)`` when backward has the gradients with
        respect to this module's inputs (None for inputs that need none) and outputs; a
        returned tuple replaces ``grad_input`` (see ``nn/_backward_hooks.py``). Returns a
        handle with ``remove()``."""
        return Handle(self._backward_hooks, hook)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any]) -> Handle:
        """Call ``hook(module, grad_output)`` when backward has the gradients with respect to
        this module's outputs; a returned tuple replaces them."""
        return Handle(self._backward_pre_hooks, hook)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.module(self)
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                new = hook(self, args)
                if new is not None:
                    args = new if isinstance(new, tuple) else (new,)
        params = self._parameters
        if params:
            for p in params.values():
                if p is not None:
                    own = p.backend
                    for a in args:
                        if isinstance(a, Tensor) and a.backend is not own:
                            raise _placement_error(self, a, own)
                    break
        try:
            if (
                getattr(self, "_backward_hooks", None) or getattr(self, "_backward_pre_hooks", None)
            ) and is_grad_enabled():
                out = run_with_backward_hooks(self, args, kwargs, self.forward)
            else:
                out = self.forward(*args, **kwargs)
        except XpnetError as e:
            raise _in_layer(self, e) from e
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                new = hook(self, args, out)
                if new is not None:
                    out = new
        return out

    # -- description -----------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({k}): " + repr(m).replace("\n", "\n  ") for k, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class Handle:
    """Returned by the ``register_*_hook`` methods: ``remove()`` unregisters the hook."""

    _next = 0

    def __init__(self, registry: dict[int, Any], hook: Any) -> None:
        Handle._next += 1
        self.id, self._registry = Handle._next, registry
        registry[self.id] = hook
        changed()

    def remove(self) -> None:
        self._registry.pop(self.id, None)
        changed()

    def __enter__(self) -> Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _in_layer(m: Module, e: XpnetError) -> XpnetError:
    """The same error with this layer named in front (outer layers add theirs in turn)."""
    new = type(e)(f"in {type(m).__name__}({m.extra_repr()}): {e}")
    new.__dict__.update(e.__dict__)
    return new


def _placement_error(m: Module, a: Tensor, own: Backend) -> XpnetError:
    cls = BackendError if a.backend.name != own.name else DeviceError
    return cls(
        f"{type(m).__name__}({m.extra_repr()}) has its parameters on {own.name}:{own.device_str} but got "
        f"an input on {a.backend.name}:{a.backend.device_str}; move the input with "
        f".to(backend={own.name!r}, device=...) or the model with model.to(...)"
    )


def _move(t: Tensor, device: Any, backend: Any, dtype: Any) -> None:
    src = t.backend
    dst = placement(src, backend, device)
    data = dst.receive(t._data, src)
    if dtype is not None and dst.is_float(data.dtype):
        data = dst.xp.astype(data, dst.dtype(dtype))
    t.backend = dst
    t._set_data(data)
    changed()
