"""Sequential, ModuleList and ModuleDict; ParameterList and ParameterDict."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from .._errors import ArgumentTypeError, KeyMismatchError, OutOfRangeError
from ..tensor import Tensor
from ._module import Module
from ._parameter import Parameter


class _ModuleSequence(Module):
    """Submodules named "0", "1", ... in order, with list-like access."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, i: int | slice) -> Any:
        """The module at ``i``; a slice gives a new container of the same kind (sharing modules)."""
        modules = list(self._modules.values())
        if isinstance(i, slice):
            return type(self)._of(modules[i])
        if not isinstance(i, int) or isinstance(i, bool):
            raise ArgumentTypeError(
                f"{type(self).__name__} indices must be ints or slices, got {type(i).__name__}"
            )
        if not -len(modules) <= i < len(modules):
            raise OutOfRangeError(
                f"{type(self).__name__} index {i} is out of range (length {len(modules)})"
            )
        return modules[i]

    @classmethod
    def _of(cls, modules: list[Module]) -> Any:
        new = cls.__new__(cls)
        Module.__init__(new)
        for m in modules:
            new.append(m)
        return new

    def append(self, module: Module) -> Any:
        self.add_module(str(len(self._modules)), module)
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after another."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self


class ModuleDict(Module):
    """Modules by name, registered (their parameters are the container's), in insertion order."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] = ()) -> None:
        super().__init__()
        self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyMismatchError(
                f"ModuleDict has no module {key!r}; it has {list(self._modules)}"
            )
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise ArgumentTypeError(
                f"ModuleDict[{key!r}] must be a Module, got {type(module).__name__}"
            )
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        self[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for k, m in pairs:
            self[k] = m

    def pop(self, key: str) -> Module:
        m = self[key]
        del self[key]
        return m


def _parameter(value: Any, where: str) -> Parameter:
    """``value`` as a Parameter: a Parameter as it is, another Tensor wrapped (sharing its
    array, as PyTorch's containers do)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise ArgumentTypeError(f"{where} must be a Parameter or a Tensor, got {type(value).__name__}")


class _Parameters(Module):
    """A container of parameters only (never None: its entries are set through ``_parameter``)."""

    @property
    def _own(self) -> dict[str, Parameter]:
        return cast(dict[str, Parameter], self._parameters)


class ParameterList(_Parameters):
    """A list of parameters, registered under the names "0", "1"... (PyTorch's); a Tensor
    that is not a Parameter becomes one."""

    def __init__(self, values: Iterable[Tensor] = ()) -> None:
        super().__init__()
        self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._own.values()))

    def __getitem__(self, i: int) -> Parameter:
        n = len(self._parameters)
        if not isinstance(i, int) or isinstance(i, bool):
            raise ArgumentTypeError(f"ParameterList indices must be ints, got {type(i).__name__}")
        if not -n <= i < n:
            raise OutOfRangeError(f"ParameterList index {i} is out of range (length {n})")
        return list(self._own.values())[i]

    def __setitem__(self, i: int, value: Tensor) -> None:
        self[i]  # the index check
        setattr(self, str(i % len(self)), _parameter(value, f"ParameterList[{i}]"))

    def append(self, value: Tensor) -> ParameterList:
        setattr(self, str(len(self)), _parameter(value, "ParameterList.append"))
        return self

    def extend(self, values: Iterable[Tensor]) -> ParameterList:
        for v in values:
            self.append(v)
        return self


class ParameterDict(_Parameters):
    """Parameters by name, registered, in insertion order (PyTorch's); a Tensor that is not
    a Parameter becomes one."""

    def __init__(self, values: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] = ()) -> None:
        super().__init__()
        self.update(values)

    def __getitem__(self, key: str) -> Parameter:
        if key not in self._parameters:
            raise KeyMismatchError(
                f"ParameterDict has no parameter {key!r}; it has {list(self._parameters)}"
            )
        return self._own[key]

    def __setitem__(self, key: str, value: Tensor) -> None:
        if not isinstance(key, str) or not key.isidentifier():
            raise ArgumentTypeError(f"ParameterDict keys are identifiers (str), got {key!r}")
        setattr(self, key, _parameter(value, f"ParameterDict[{key!r}]"))

    def __delitem__(self, key: str) -> None:
        self[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def values(self) -> Iterable[Parameter]:
        return self._own.values()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._own.items()

    def update(self, values: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]]) -> None:
        pairs = values.items() if isinstance(values, Mapping) else values
        for k, v in pairs:
            self[k] = v

    def pop(self, key: str) -> Parameter:
        p = self[key]
        del self[key]
        return p
