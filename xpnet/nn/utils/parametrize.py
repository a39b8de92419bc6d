"""Parametrizations (PyTorch's ``torch.nn.utils.parametrize``): a module's tensor computed
from other parameters each time it is read.

``register_parametrization(module, "weight", P())`` moves ``module.weight`` to
``module.parametrizations.weight.original`` (or ``original0``, ``original1``... when
``P.right_inverse`` returns several tensors) and makes ``module.weight`` the value of
``P()(original)``, recomputed at each access, so gradients reach the originals. As in
PyTorch, the module's class is swapped for a subclass holding that attribute, and the
state dict holds ``parametrizations.weight.original*``. Assigning ``module.weight = w``
stores ``right_inverse(w)`` in the originals."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ..._errors import ArgumentError, ArgumentTypeError
from ...autodiff import no_grad
from ...autodiff.internal import is_tensor
from ...tensor import Tensor
from .._container import ModuleDict, ModuleList
from .._module import Module
from .._parameter import Parameter


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and its originals."""

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            value: Any = original
            for m in reversed(modules):
                if hasattr(m, "right_inverse"):
                    value = m.right_inverse(value)
        self.is_tensor = is_tensor(value)
        self.ntensors = 1 if self.is_tensor else len(value)
        grad = original.requires_grad
        if self.is_tensor:
            self.original = _as_parameter(value, grad)
        else:
            for i, v in enumerate(value):
                setattr(self, f"original{i}", _as_parameter(v, grad))

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` (the parametrized tensor) in the originals."""
        with no_grad():
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    value = m.right_inverse(value)
            values = [value] if self.is_tensor else list(value)
            names = ["original"] if self.is_tensor else [f"original{i}" for i in range(len(values))]
            for name, v in zip(names, values, strict=True):
                getattr(self, name).copy_(v)

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in list(self)[1:]:
            x = m(x)
        return x


def _as_parameter(value: Any, requires_grad: bool) -> Parameter:
    if not is_tensor(value):
        raise ArgumentTypeError(
            f"register_parametrization: right_inverse returned {type(value).__name__}, "
            "not a tensor or a sequence of tensors"
        )
    return Parameter(value.detach().clone(), requires_grad=requires_grad)


_CACHE: list[dict[tuple[int, str], Tensor] | None] = [None]  # inside cached(): the values


def _property(name: str) -> property:
    def get(self: Module) -> Tensor:
        cache = _CACHE[0]
        if cache is None:
            return self.parametrizations[name]()
        key = (id(self), name)
        if key not in cache:
            cache[key] = self.parametrizations[name]()
        return cache[key]

    def set_(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(get, set_)


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (of ``tensor_name``, when given)."""
    found = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(found, ModuleDict):
        return False
    return tensor_name is None or tensor_name in found._modules


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` the value of ``parametrization`` applied to its
    originals (see the module's docstring); a second parametrization of the same tensor
    is applied after the first. Returns ``module``."""
    if not isinstance(parametrization, Module):
        raise ArgumentTypeError(
            f"register_parametrization: the parametrization must be a Module, got "
            f"{type(parametrization).__name__}"
        )
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        return module
    original = getattr(module, tensor_name, None)
    if not is_tensor(original):
        raise ArgumentError(
            f"register_parametrization: {type(module).__name__} has no tensor {tensor_name!r}"
        )
    if not is_parametrized(module):
        module.parametrizations = ModuleDict()
        cls = type(module)
        swapped = type(f"Parametrized{cls.__name__}", (cls,), {"_xn_plain_class": cls})
        object.__setattr__(module, "__class__", swapped)
    plist = ParametrizationList([parametrization], original, unsafe)
    delattr(module, tensor_name)  # out of the parameters (or buffers) and the instance
    module.parametrizations[tensor_name] = plist
    setattr(type(module), tensor_name, _property(tensor_name))
    return module


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo ``register_parametrization`` for ``tensor_name``: the tensor becomes a plain
    parameter again, holding its current (parametrized) value, or the original when
    ``leave_parametrized=False`` (one original only)."""
    if not is_parametrized(module, tensor_name):
        raise ArgumentError(
            f"remove_parametrizations: {type(module).__name__} has no parametrization of "
            f"{tensor_name!r}"
        )
    plist = module.parametrizations[tensor_name]
    with no_grad():
        if leave_parametrized:
            value = getattr(module, tensor_name).detach().clone()
        elif plist.is_tensor:
            value = plist.original.detach()
        else:
            raise ArgumentError(
                "remove_parametrizations: leave_parametrized=False needs a single original"
            )
    requires_grad = any(p.requires_grad for p in plist.parameters())
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if not module.parametrizations._modules:
        del module.parametrizations
        object.__setattr__(module, "__class__", type(module)._xn_plain_class)  # type: ignore[attr-defined]
    setattr(module, tensor_name, Parameter(value, requires_grad=requires_grad))
    return module


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside the block each parametrized tensor is computed once, at its first access,
    and that value (and its graph) is reused (a recurrent layer's weight read at every
    step), as PyTorch's ``parametrize.cached``."""
    outer = _CACHE[0]
    if outer is None:
        _CACHE[0] = {}
    try:
        yield
    finally:
        if outer is None:
            _CACHE[0] = None


__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
]
