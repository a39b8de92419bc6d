"""The tree of a checkpoint: Python objects to JSON nodes and back (``_checkpoint`` writes
and reads the file around it).

Nodes: plain JSON values; ``{"__tensor__": name, "dtype", "requires_grad"[, "parameter"]}``
for a tensor (its array stored as ``name``), ``{"__ndarray__": name}``, ``{"__tuple__":
[...]}``, ``{"__dict__": [[key, value], ...]}``, ``{"__float__": "nan" | "inf" | "-inf"}``,
``{"__set__": [...], "frozen": bool}``, and ``{"__ref__": name}`` for a tensor or object
met before (tied weights stay one tensor after loading, as with ``torch.save``).

A whole object (a Module saved as ``torch.save(model, f)`` is, an optimizer, a user's
class) is ``{"__object__": "module:qualname", "id": name, "state": node}``: its class by
name and its ``__dict__`` (or ``__getstate__()``) as a node; functions and classes it
holds are ``{"__global__": "module:qualname"}``. No pickle: loading one imports the
modules those names say and calls ``cls.__new__`` and ``__setstate__`` (or fills
``__dict__``), nothing else, and only with ``weights_only=False``, as PyTorch asks.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

from ._errors import CheckpointError, XpnetError
from .backend import DTYPE_NAMES, backend_of
from .nn import Parameter
from .ops import asarray
from .tensor import Tensor

OBJECT_NODES = ("__object__", "__global__")  # the nodes that loading imports code for


# NumPy has no bfloat16: such a tensor is stored as the uint16 of its bits (the upper half
# of the float32 of the same value), with "bfloat16" as its dtype in the tree.
def bf16_bits(t: Tensor) -> np.ndarray:
    """The bfloat16 tensor ``t``'s bits as a host uint16 array (exact: through float32)."""
    f32 = t.backend.to_numpy(t.backend.xp.astype(t._data, t.backend.dtype("float32")))
    return (np.ascontiguousarray(f32, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)


def bf16_values(bits: np.ndarray) -> np.ndarray:
    """The float32 array holding exactly the bfloat16 values of ``bits``."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _kind(obj: Any) -> str:
    mod = type(obj).__module__
    return type(obj).__qualname__ if mod == "builtins" else f"{mod}.{type(obj).__qualname__}"


def _resolve(name: str) -> Any:
    """The object ``"module:qualname"`` names (importing the module)."""
    module, _, qual = name.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


def _global_name(obj: Any) -> str | None:
    """``"module:qualname"`` when importing that gives back ``obj`` (a class, a function
    defined at a module's top level, a builtin), else None."""
    module = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(qual, str) or "<" in qual:
        return None
    parts = module.split(".")
    # the shortest public path first (xpnet.nn:Linear, not xpnet.nn._linear:Linear): the
    # name a file keeps should survive a reorganisation of private modules
    for n in range(1, len(parts) + 1):
        if n < len(parts) and parts[n - 1].startswith("_"):
            continue
        name = f"{'.'.join(parts[:n])}:{qual}"
        try:
            if _resolve(name) is obj:
                return name
        except Exception:  # any failure to find it there: not a global of that module
            continue
    return None


def _customised(cls: type, name: str) -> bool:
    return getattr(cls, name, None) is not getattr(object, name, None)


class Encoder:
    """Turns an object into a node, collecting its arrays in ``arrays``."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.memo: dict[int, tuple[str, Any]] = {}  # id -> (name, the object: kept alive)
        self.version = 2  # 3 once a node of the object graph (refs, sets, objects) is used

    def __call__(self, obj: Any, where: str) -> Any:
        if isinstance(obj, Tensor):
            return self._tensor(obj, where)
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                raise CheckpointError(
                    f"save: {where} is a NumPy array of Python objects, which needs pickle"
                )
            name = f"a{len(self.arrays)}"
            self.arrays[name] = obj
            return {"__ndarray__": name}
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        foreign = _foreign_array(obj)
        if foreign is not None:  # an array of another library (torch, cupy, jax...): through xpnet
            return self(foreign, where)
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, (np.integer, np.floating, np.bool_)):
            return self(obj.item(), where)
        if isinstance(obj, list):
            return [self(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):  # a namedtuple too: loaded as a plain tuple
            return {"__tuple__": [self(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):  # an OrderedDict too: loaded as a plain dict
            items = []
            for k, v in obj.items():
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise CheckpointError(
                        f"save: {where} has a key of type {type(k).__name__}; use str or int keys"
                    )
                items.append([k, self(v, f"{where}[{k!r}]")])
            return {"__dict__": items}
        if type(obj) in (set, frozenset):
            self.version = 3
            return {
                "__set__": [self(v, f"{where}{{{i}}}") for i, v in enumerate(obj)],
                "frozen": type(obj) is frozenset,
            }
        return self._object(obj, where)

    def _tensor(self, t: Tensor, where: str) -> Any:
        seen = self.memo.get(id(t))
        if seen is not None:
            self.version = 3
            return {"__ref__": seen[0]}
        if type(t) not in (Tensor, Parameter):
            raise CheckpointError(
                f"save: {where} is a {_kind(t)}, a subclass of Tensor a checkpoint cannot "
                "rebuild (it holds Tensor and nn.Parameter)"
            )
        name = f"a{len(self.arrays)}"
        self.memo[id(t)] = (name, t)
        bf16 = t.backend.dtype_name(t.dtype) == "bfloat16"
        self.arrays[name] = bf16_bits(t.detach()) if bf16 else t.numpy()
        node = {
            "__tensor__": name,
            "dtype": t.backend.dtype_name(t.dtype),
            "requires_grad": t.requires_grad,
        }
        if type(t) is Parameter:
            node["parameter"] = True
        return node

    def _object(self, obj: Any, where: str) -> Any:
        """A class, a function, or an instance saved whole (its class by name and its state)."""
        seen = self.memo.get(id(obj))
        if seen is not None:
            return {"__ref__": seen[0]}
        name = _global_name(obj)
        if name is not None:
            self.version = 3
            return {"__global__": name}
        cls = type(obj)
        cls_name = _global_name(cls)
        why = None
        if callable(obj) and hasattr(obj, "__code__"):
            why = "a function defined inside another or a lambda: only top-level ones have a name to save"
        elif cls_name is None:
            why = f"its class {cls.__qualname__} is not importable by name (defined inside a function?)"
        elif _customised(cls, "__reduce_ex__") or _customised(cls, "__reduce__"):
            why = "its class defines its own pickling, which a checkpoint does not run"
        elif not _customised(cls, "__getstate__") and not hasattr(obj, "__dict__"):
            why = "it has no __dict__ to save"
        if why is not None:
            raise CheckpointError(
                f"save: {where} is a {_kind(obj)}, which a checkpoint cannot hold ({why}). A "
                "checkpoint holds tensors, arrays, numbers, strings, None, lists, tuples, dicts "
                "and sets, and objects by class name and attributes; save model.state_dict() "
                "to keep only the weights"
            )
        self.version = 3
        ident = f"o{len(self.memo)}"
        self.memo[id(obj)] = (ident, obj)  # before the state: a cycle back to obj is a ref
        state = obj.__getstate__() if _customised(cls, "__getstate__") else obj.__dict__
        return {"__object__": cls_name, "id": ident, "state": self(state, f"{where}.__dict__")}


def _foreign_array(obj: Any) -> Any:
    """An xpnet Tensor for an array of another supported library, else None."""

    try:
        b = backend_of(obj)
    except XpnetError:  # an Array API array of a library xpnet has no backend for: DLPack
        if hasattr(obj, "__dlpack__"):
            return asarray(np.from_dlpack(obj), backend="numpy")
        return None
    if b is None or b.host_format:
        return None
    return asarray(obj)


class Bad(Exception):
    """A malformed node of the tree (turned into a CheckpointError naming the file)."""


def objects_named(tree: Any) -> list[str]:
    """The classes and functions the tree names (what loading it would import), in order."""
    names: list[str] = []
    stack = [tree]
    while stack:  # iterative: a deep tree is no RecursionError here
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            for key in OBJECT_NODES:
                if isinstance(node.get(key), str) and node[key] not in names:
                    names.append(node[key])
            stack.extend(reversed(list(node.values())))
    return names


class Decoder:
    """Turns a node back into an object; tensors go to ``backend``/``device``."""

    def __init__(self, arrays: dict[str, np.ndarray], backend: Any, device: Any) -> None:
        self.arrays, self.backend, self.device = arrays, backend, device
        self.memo: dict[str, Any] = {}

    def __call__(self, node: Any, where: str) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self(v, f"{where}[{i}]") for i, v in enumerate(node)]
        if not isinstance(node, dict) or len(node) == 0:
            raise Bad(f"{where} is a {type(node).__name__}, not a checkpoint node")
        if "__tensor__" in node:
            return self._tensor(node, where)
        if "__ndarray__" in node:
            if len(node) != 1:
                raise Bad(f"{where} has unknown fields beside __ndarray__")
            return self._array(node["__ndarray__"], where)
        if "__tuple__" in node:
            items = node["__tuple__"]
            if len(node) != 1 or not isinstance(items, list):
                raise Bad(f"{where} is a malformed tuple")
            return tuple(self(v, f"{where}[{i}]") for i, v in enumerate(items))
        if "__float__" in node:
            if len(node) != 1 or node["__float__"] not in ("nan", "inf", "-inf"):
                raise Bad(f"{where} is a malformed non-finite float {node!r}")
            return float(node["__float__"])
        if "__dict__" in node:
            return self._dict(node, where)
        if "__set__" in node:
            items, frozen = node["__set__"], node.get("frozen")
            if set(node) != {"__set__", "frozen"} or not isinstance(items, list):
                raise Bad(f"{where} is a malformed set")
            values = [self(v, f"{where}{{{i}}}") for i, v in enumerate(items)]
            try:
                return frozenset(values) if frozen is True else set(values)
            except TypeError as e:
                raise Bad(f"{where} holds an unhashable element ({e})") from None
        if "__ref__" in node:
            name = node["__ref__"]
            if len(node) != 1 or not isinstance(name, str) or name not in self.memo:
                raise Bad(f"{where} refers to {name!r}, which the file does not define before it")
            return self.memo[name]
        if "__global__" in node:
            if len(node) != 1 or not isinstance(node["__global__"], str):
                raise Bad(f"{where} is a malformed global reference")
            return self._resolve(node["__global__"], where)
        if "__object__" in node:
            return self._object(node, where)
        raise Bad(f"{where} is an unknown node with fields {sorted(node)}")

    def _array(self, name: Any, where: str) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise Bad(f"{where} refers to array {name!r}, which the file does not hold")
        return self.arrays[name]

    def _tensor(self, node: dict[str, Any], where: str) -> Tensor:
        fields = {"__tensor__", "dtype", "requires_grad", "parameter"}
        if set(node) - fields:
            raise Bad(f"{where} has unknown fields {sorted(set(node) - fields)}")
        name = node["__tensor__"]
        a = self._array(name, where)
        dtype = node.get("dtype")
        if dtype == "bfloat16" and a.dtype == np.uint16:
            a = bf16_values(a)  # exact: every bfloat16 is a float32
        elif dtype not in DTYPE_NAMES or dtype == "bfloat16" or np.dtype(dtype) != a.dtype:
            raise Bad(f"{where} says dtype {dtype!r} but its array {name!r} holds {a.dtype.name}")
        rg, param = node.get("requires_grad", False), node.get("parameter", False)
        if not isinstance(rg, bool) or not isinstance(param, bool):
            raise Bad(f"{where} has requires_grad {rg!r} / parameter {param!r}, not booleans")
        # the array is this load's own (read from the file): the tensor may take it over
        # without a copy; on another device the host copy goes as soon as the tensor holds it
        t = asarray(a, dtype=dtype, backend=self.backend, device=self.device)
        del a
        self.arrays.pop(name)
        if param:
            t = Parameter(t, requires_grad=rg)
        elif rg:
            t.requires_grad_()
        self.memo[name] = t
        return t

    def _dict(self, node: dict[str, Any], where: str) -> dict[Any, Any]:
        items = node["__dict__"]
        if len(node) != 1 or not isinstance(items, list):
            raise Bad(f"{where} is a malformed dict")
        out = {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2):
                raise Bad(f"{where} has a dict entry {item!r} that is not a [key, value] pair")
            k, v = item
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise Bad(f"{where} has a dict key of type {type(k).__name__}")
            out[k] = self(v, f"{where}[{k!r}]")
        return out

    def _resolve(self, name: str, where: str) -> Any:
        try:
            return _resolve(name)
        except Exception as e:  # whatever importing the named module raised
            raise CheckpointError(
                f"load: {where} is a {name.replace(':', '.')}, which cannot be found here "
                f"({type(e).__name__}: {e}); import or define it as it was when saved"
            ) from e

    def _object(self, node: dict[str, Any], where: str) -> Any:
        name, ident = node.get("__object__"), node.get("id")
        if set(node) != {"__object__", "id", "state"} or not isinstance(name, str):
            raise Bad(f"{where} is a malformed object node")
        if not isinstance(ident, str) or ident in self.memo:
            raise Bad(f"{where} has a missing or repeated id {ident!r}")
        cls = self._resolve(name, where)
        if not isinstance(cls, type):
            raise Bad(f"{where} names {name}, which is not a class")
        obj: Any = cls.__new__(cls)  # type: ignore[call-overload]
        self.memo[ident] = obj  # before the state: a cycle back to obj is a ref
        state = self(node["state"], f"{where}.__dict__")
        if _customised(cls, "__setstate__"):
            obj.__setstate__(state)
        elif isinstance(state, dict):
            obj.__dict__.update(state)
        else:
            raise Bad(f"{where}: the state of a {name} is a {type(state).__name__}, not a dict")
        return obj
