"""Sequential, ModuleList and ModuleDict; ParameterList and ParameterDict."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .._errors import ArgumentTypeError, KeyMismatchError, NotSupportedError, OutOfRangeError
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
            return self._slice(i)
        if not isinstance(i, int) or isinstance(i, bool):
            raise ArgumentTypeError(
                f"{type(self).__name__} indices must be ints or slices, got {type(i).__name__}"
            )
        if not -len(modules) <= i < len(modules):
            raise OutOfRangeError(
                f"{type(self).__name__} index {i} is out of range (length {len(modules)})"
            )
        return modules[i]

    def _slice(self, i: slice) -> Any:
        """A new container of this kind holding the modules of slice ``i`` (renumbered)."""
        new = type(self).__new__(type(self))
        Module.__init__(new)
        for m in list(self._modules.values())[i]:
            new.append(m)
        return new

    def append(self, module: Module) -> Any:
        self.add_module(str(len(self._modules)), module)
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(a, b)`` names them "0", "1";
    ``Sequential(OrderedDict(conv=..., act=...))`` by the dict's keys (``model.conv``),
    as PyTorch's. A slice keeps the names."""

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, named in modules[0].items():
                self.add_module(name, named)
            return
        for m in modules:
            if isinstance(m, Mapping):
                raise ArgumentTypeError(
                    "Sequential: a dict of named modules must be the only argument"
                )
            self.append(m)

    def _slice(self, i: slice) -> Sequential:
        new = Sequential.__new__(type(self))
        Module.__init__(new)
        for name, m in list(self._modules.items())[i]:
            new.add_module(name, m)
        return new

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


class _NamedEntries(Module):
    """Dict access to one registry of the module (``_entries``: its submodules or its
    parameters), in insertion order; subclasses set entries in ``__setitem__``."""

    _what = "entry"

    @property
    def _entries(self) -> dict[str, Any]:
        raise NotSupportedError(f"{type(self).__name__} must define _entries")

    def __getitem__(self, key: str) -> Any:
        entries = self._entries
        if key not in entries:
            raise KeyMismatchError(
                f"{type(self).__name__} has no {self._what} {key!r}; it has {list(entries)}"
            )
        return entries[key]

    def __delitem__(self, key: str) -> None:
        self[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Iterable[str]:
        return self._entries.keys()

    def values(self) -> Iterable[Any]:
        return self._entries.values()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._entries.items()

    def update(self, entries: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        pairs = entries.items() if isinstance(entries, Mapping) else entries
        for k, v in pairs:
            self[k] = v

    def pop(self, key: str) -> Any:
        v = self[key]
        del self[key]
        return v


class ModuleDict(_NamedEntries):
    """Modules by name, registered (their parameters are the container's), in insertion order."""

    _what = "module"

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] = ()) -> None:
        super().__init__()
        self.update(modules)

    @property
    def _entries(self) -> dict[str, Any]:
        return self._modules

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise ArgumentTypeError(
                f"ModuleDict[{key!r}] must be a Module, got {type(module).__name__}"
            )
        self.add_module(key, module)


def _parameter(value: Any, where: str) -> Parameter:
    """``value`` as a Parameter: a Parameter as it is, another Tensor wrapped (sharing its
    array, as PyTorch's containers do)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise ArgumentTypeError(f"{where} must be a Parameter or a Tensor, got {type(value).__name__}")


class ParameterList(Module):
    """A list of parameters, registered under the names "0", "1"... (PyTorch's); a Tensor
    that is not a Parameter becomes one."""

    def __init__(self, values: Iterable[Tensor] = ()) -> None:
        super().__init__()
        self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def _list(self) -> list[Parameter]:
        return [p for p in self._parameters.values() if p is not None]  # (never None here)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._list())

    def __getitem__(self, i: int) -> Parameter:
        n = len(self._parameters)
        if not isinstance(i, int) or isinstance(i, bool):
            raise ArgumentTypeError(f"ParameterList indices must be ints, got {type(i).__name__}")
        if not -n <= i < n:
            raise OutOfRangeError(f"ParameterList index {i} is out of range (length {n})")
        return self._list()[i]

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


class ParameterDict(_NamedEntries):
    """Parameters by name, registered, in insertion order (PyTorch's); a Tensor that is not
    a Parameter becomes one."""

    _what = "parameter"

    def __init__(self, values: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] = ()) -> None:
        super().__init__()
        self.update(values)

    @property
    def _entries(self) -> dict[str, Any]:
        return self._parameters

    def __setitem__(self, key: str, value: Tensor) -> None:
        if not isinstance(key, str) or not key.isidentifier():
            raise ArgumentTypeError(f"ParameterDict keys are identifiers (str), got {key!r}")
        setattr(self, key, _parameter(value, f"ParameterDict[{key!r}]"))
