"""``xn.compile``: capture a training step once, replay it without the framework.

    step = xn.compile(train_step)   # train_step(x, y) runs model, loss, backward, opt.step
    for x, y in loader:
        loss = step(x, y)

The first calls with a given signature (each tensor argument's shape, dtype,
backend and device; the other arguments' values; grad mode) run eagerly while a
recorder notes every primitive they execute (forward, backward rules, gradient
accumulation, the optimizer's in-place updates), every random draw and every
``.grad`` assignment. Once two consecutive recordings are the same program
(the first call of a step often differs: optimizers create their state), that
program replaces the function for this signature: straight-line array calls,
no Tensor or graph node per operation, intermediates freed after their last use.

Each program states its assumptions (``_guards.py``) and checks them on every
call: which parameters, buffers and optimizer state tensors the step used, their
``requires_grad``, module attributes and train/eval mode, the optimizer's groups
and non-numeric hyperparameters, which gradients existed. When one no longer holds
the step is recorded again. Numeric hyperparameters (learning rate, momentum,
betas, eps, weight decay, bias corrections) and a GradScaler's scale are inputs of
the program, refreshed before each replay; dropout masks are drawn anew from the
same generators (so the stream matches eager mode), BatchNorm's running statistics
are updated in place.

The signature of a call includes the values of non-tensor arguments (by content,
through tuples, lists and dicts) and of the plain numbers and flags in ``fn``'s
closure and globals. A step that reads a value back to Python (``.item()``,
``bool(t)``, ``.numpy()``, ``t.data``), changes an argument in place, returns a
result that carries a graph, or whose recordings never settle runs eagerly, after
one ``CompileWarning`` naming the reason and the line. ``docs/compile.md`` lists
exactly what a compiled step may and may not do.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .. import _capture
from ..autodiff import is_grad_enabled
from ..tensor import Tensor
from ._guards import _PLAIN, Guards
from ._module import Module, OptimizedModule
from ._program import CudaGraphProgram, Program, PureProgram
from ._recorder import Op, Recorder, Rng, SetGrad, _norm, reads

__all__ = ["CompileWarning", "Compiled", "compile"]

MAX_ATTEMPTS = 4  # recordings per signature before giving up on one that never settles
MAX_VALUES = 3  # distinct values of the Python arguments for one set of tensor shapes


class CompileWarning(UserWarning):
    """xn.compile fell back to eager mode, or recompiles a function often."""


class _Unkeyable(Exception):
    """An argument whose content cannot be compared between calls."""


_TENSOR = ("T",)  # a tensor's place in a structure
_NO_KWARGS = (dict, ())  # the key part of no keyword arguments


def _tensor_key(t: Tensor) -> tuple[Any, ...]:
    """What a call's signature holds of a tensor argument."""
    return ("T", t.shape, t.dtype, id(t.backend), t._rg)


def _flatten(obj: Any, leaves: list[Tensor], key: list[Any] | None, path: str = "") -> Any:
    """The structure of an argument or result (to rebuild it), its tensors appended to
    ``leaves``; for arguments (``key`` a list) also its comparable content: tensors by
    shape, dtype, backend and requires_grad, containers element by element, other values by
    value (an argument that cannot be compared raises ``_Unkeyable``)."""
    if isinstance(obj, Tensor):
        leaves.append(obj)
        if key is not None:
            key.append(_tensor_key(obj))
        return _TENSOR
    if isinstance(obj, (tuple, list)):
        if key is not None:
            key.append((type(obj), len(obj)))
        tree: list[Any] = []
        for i, o in enumerate(obj):
            if isinstance(o, Tensor):  # the usual argument, inline: this runs every call
                leaves.append(o)
                if key is not None:
                    key.append(_tensor_key(o))
                tree.append(_TENSOR)
            else:
                tree.append(_flatten(o, leaves, key, f"{path}[{i}]"))
        return (type(obj), tree)
    if isinstance(obj, dict):
        if key is not None:
            key.append((dict, tuple(obj)))
        return (dict, [(k, _flatten(v, leaves, key, f"{path}[{k!r}]")) for k, v in obj.items()])
    if key is not None:
        if not isinstance(obj, _PLAIN):
            try:
                hash(obj)
            except TypeError:
                raise _Unkeyable(
                    f"argument {path} is a {type(obj).__name__}, which cannot be compared "
                    "between calls (pass tensors, numbers, strings, or tuples, lists and dicts "
                    "of them)"
                ) from None
        key.append(("V", path, type(obj), obj))  # hashable: equal objects give equal programs
    return ("V", obj)


def _unflatten(tree: Any, leaves: list[Any], pos: list[int]) -> Any:
    if tree[0] == "T":
        pos[0] += 1
        return leaves[pos[0] - 1]
    if tree[0] == "V":
        return tree[1]
    if tree[0] is dict:
        return {k: _unflatten(v, leaves, pos) for k, v in tree[1]}
    return tree[0](_unflatten(v, leaves, pos) for v in tree[1])


class _Entry:
    __slots__ = ("attempts", "eager", "guards", "program", "shape", "tree")

    def __init__(self) -> None:
        self.guards: Guards | None = None
        self.program: Program | PureProgram | CudaGraphProgram | None = None
        self.shape: Any = None
        self.tree: Any = None
        self.attempts = 0
        self.eager: str | None = None  # why this signature always runs eagerly

    def guards_hold(self) -> bool:
        return self.guards is None or self.guards.hold()


def _difference(a: Any, b: Any, rec: Recorder) -> str:
    for i, (x, y) in enumerate(zip(a[0], b[0], strict=False)):
        if x != y:
            ins = rec.instrs[i]
            what = ins.prim.name if isinstance(ins, Op) else type(ins).__name__
            return f"instruction {i} ({what}): {x!r} vs {y!r}"
    if len(a[0]) != len(b[0]):
        return f"the number of instructions ({len(a[0])} vs {len(b[0])})"
    return "the outputs"


def _externals(rec: Recorder) -> list[Tensor]:
    """The tensors the program reads or writes that are not its arguments (parameters,
    buffers, optimizer state...), each once."""
    seen: dict[int, Tensor] = {}
    for ins in rec.instrs:
        for r in reads(ins):
            if r[0] in ("e", "g"):
                seen[id(r[1])] = r[1]
        if isinstance(ins, SetGrad):
            seen[id(ins.tensor)] = ins.tensor
    return list(seen.values())


class Compiled:
    """A function captured by ``xn.compile``; call it like the original."""

    def __init__(
        self, fn: Callable[..., Any], max_cache: int = 8, jit: bool = True, cuda_graph: bool = False
    ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.jit = jit  # on JAX (immutable arrays), replay through jax.jit
        self.cuda_graph = cuda_graph  # on CuPy, replay as a CUDA graph where the program allows
        self.max_cache = max_cache
        self.entries: dict[Any, list[_Entry]] = {}
        self._values: dict[Any, dict[Any, None]] = {}  # tensor signature -> Python values seen
        self.eager_reason: str | None = None
        self._warned: set[str] = set()
        self.recordings = 0
        self.replays = 0
        inner = getattr(fn, "__func__", fn)  # a bound method's function
        code = getattr(inner, "__code__", None)
        # the function's own closure variables and the globals it names: a plain value
        # among them (a number, a string, a flag) is a constant of the recording, so it is
        # part of the signature like an argument's value
        self._cells = (
            list(zip(code.co_freevars, inner.__closure__ or (), strict=False)) if code else []
        )
        self._globals = getattr(inner, "__globals__", {})
        self._global_names = [n for n in code.co_names if n in self._globals] if code else []

    def _name(self) -> str:
        return getattr(self.fn, "__name__", "the function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.eager_reason is not None or _capture.recorder() is not None:
            return self.fn(*args, **kwargs)  # given up on, or inside another recording
        tensors: list[Tensor] = []
        parts: list[Any] = []
        if not kwargs and all(type(a) is Tensor for a in args):
            # the usual call, step(x, y): what _flatten gives, without its walk
            tensors.extend(args)
            parts.append((tuple, len(args)))
            parts.extend(_tensor_key(a) for a in args)
            parts.append(_NO_KWARGS)
        else:
            try:
                _flatten(args, tensors, parts, "args")
                if kwargs:
                    _flatten(kwargs, tensors, parts, "kwargs")
                else:
                    parts.append(_NO_KWARGS)  # what _flatten gives for {}, without its walk
            except _Unkeyable as e:
                self._give_up(str(e))
                return self.fn(*args, **kwargs)
        self._read_constants(parts)
        key = (tuple(parts), is_grad_enabled())
        entries = self.entries.get(key)
        if entries is None:
            if self._new_values(key):
                return self.fn(*args, **kwargs)
            entries = self.entries[key] = []
        entry = None
        for i, candidate in enumerate(entries):
            if candidate.guards_hold():
                entry = candidate
                if i:  # the program that held last is tried first next time
                    entries.insert(0, entries.pop(i))
                break
        if entry is not None:
            if entry.eager is not None:
                return self.fn(*args, **kwargs)
            if entry.program is not None:
                self.replays += 1
                return _unflatten(entry.tree, entry.program(tensors), [0])
        return self._record(entry, entries, tensors, args, kwargs)

    def _read_constants(self, parts: list[Any]) -> None:
        """Append the plain values of the closure variables and globals ``fn`` names."""
        for name, cell in self._cells:
            try:
                v = cell.cell_contents
            except ValueError:  # not yet assigned
                continue
            if isinstance(v, _PLAIN):
                parts.append(("V", f"the closure variable {name!r}", type(v), v))
        g = self._globals
        for name in self._global_names:
            v = g.get(name)
            if isinstance(v, _PLAIN):
                parts.append(("V", f"the global {name!r}", type(v), v))

    def _new_values(self, key: Any) -> bool:
        """Note a new combination of Python argument values; True (after a warning) when too
        many were seen for the same tensors: such an argument would record a program per value."""
        masked = tuple(p if p[0] != "V" else ("V", p[1], p[2]) for p in key[0])
        seen = self._values.setdefault((masked, key[1]), {})
        seen[key] = None
        if len(seen) <= MAX_VALUES:
            return False
        varying = sorted(
            {
                p[1]
                for k in seen
                for p, q in zip(k[0], key[0], strict=True)
                if p[0] == "V" and p[3] != q[3]
            }
        )
        shown = [repr(q[3]) for q in key[0] if q[0] == "V" and q[1] in varying][:1]
        self._give_up(
            f"the Python value of {', '.join(varying)} changed in {len(seen)} calls (now "
            f"{', '.join(shown)}); each value would be a constant of its own program. Pass "
            "values that change between steps as tensors (xn.tensor(value))"
        )
        return True

    def _record(
        self,
        entry: _Entry | None,
        entries: list[_Entry],
        tensors: list[Tensor],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        rec = Recorder(tensors)
        _capture.start(rec)
        try:
            result = self.fn(*args, **kwargs)
        finally:
            _capture.stop()
        self.recordings += 1
        if rec.broken is not None:
            self._give_up(rec.broken)
            return result
        leaves: list[Any] = []
        tree = _flatten(result, leaves, None)
        if entry is None:
            if sum(len(v) for v in self.entries.values()) >= self.max_cache:
                self._evict(entries)
            entry = _Entry()
            entries.append(entry)
        entry.guards = Guards(rec, _externals(rec))
        if any(t._node is not None and t._node.inputs is not None for t in leaves):
            entry.eager = (
                "its result carries a graph that backward() outside the step may use; a "
                "replay cannot rebuild it (compile the whole step, forward, backward and "
                "update, or call it under xn.no_grad())"
            )
            if entry.eager not in self._warned:
                self._warned.add(entry.eager)
                warnings.warn(
                    f"xn.compile: {self._name()} runs eagerly for these arguments: {entry.eager}",
                    CompileWarning,
                    stacklevel=3,
                )
            return result
        outputs = [rec.ref(t) for t in leaves]
        shape = (rec.shape_of(), _norm(tuple(outputs)))
        entry.attempts += 1
        if entry.shape is not None and entry.shape == shape:
            entry.program = self._program(rec, outputs)
            entry.tree = tree
        elif entry.attempts >= MAX_ATTEMPTS:
            where = _difference(entry.shape, shape, rec)
            self._give_up(
                f"{MAX_ATTEMPTS} recordings of one signature all differ, first at {where} (a Python "
                "value that changes every call is used as a constant? pass it as a tensor argument)"
            )
        entry.shape = shape
        return result

    def _evict(self, entries: list[_Entry]) -> None:
        """Make room: drop a program of this signature whose assumptions no longer hold, or
        else (with a warning: the cache is too small for this use) the oldest program."""
        stale = [e for e in entries if e.guards is not None and e.guards.broken()]
        if stale:
            entries.remove(stale[0])
            return
        warnings.warn(
            f"xn.compile: {self._name()} has recorded {self.max_cache} programs (new shapes, "
            "dtypes or train/eval modes); the oldest are dropped",
            CompileWarning,
            stacklevel=4,
        )
        for v in self.entries.values():  # the oldest signature's least recently used program
            if v:
                v.pop()
                break

    def _program(
        self, rec: Recorder, outputs: list[Any]
    ) -> Program | PureProgram | CudaGraphProgram:
        backends = {id(ins.backend): ins.backend for ins in rec.instrs if isinstance(ins, Op)}
        only = next(iter(backends.values())) if len(backends) == 1 else None
        if only is None:
            return Program(rec, outputs)
        compiler = only.jit_compiler() if self.jit and not only.mutable else None
        if compiler is not None:
            return PureProgram(rec, outputs, compiler)
        graphable = (
            self.cuda_graph
            and not any(isinstance(ins, Rng) for ins in rec.instrs)
            and not any(r[0] == "g" for ins in rec.instrs if isinstance(ins, Op) for r in ins.refs)
        )
        graph = only.device_graph() if graphable else None
        return Program(rec, outputs) if graph is None else CudaGraphProgram(rec, outputs, graph)

    def _give_up(self, why: str) -> None:
        self.eager_reason = why
        warnings.warn(
            f"xn.compile: {self._name()} runs eagerly from now on: {why}",
            CompileWarning,
            stacklevel=4,
        )

    @property
    def compiled(self) -> bool:
        """True once at least one signature replays a recorded program."""
        return any(e.program is not None for v in self.entries.values() for e in v)

    def source(self) -> str:
        """The generated code of the recorded programs (for reading what a step does)."""
        return "\n".join(e.program.source for v in self.entries.values() for e in v if e.program)


def compile(
    fn: Callable[..., Any] | None = None,
    *,
    max_cache: int = 8,
    jit: bool = True,
    cuda_graph: bool = False,
) -> Any:
    """Capture ``fn`` (a training or inference step) and replay it; see the module docstring.

    Usable as ``xn.compile(step)`` or as a decorator ``@xn.compile``; ``xn.compile(model)``
    of a Module gives a Module that calls it through the capture (``OptimizedModule``, as
    PyTorch's ``torch.compile(model)``). On the JAX
    backend the replay is a pure function compiled by ``jax.jit`` (``jit=False``:
    replay op by op). ``cuda_graph=True`` (experimental) replays a CuPy program
    without random draws as one CUDA graph launch, through the backend's
    ``device_graph()`` (see ``CudaGraphProgram`` and docs/compile.md).
    """
    if fn is None:
        return lambda f: compile(f, max_cache=max_cache, jit=jit, cuda_graph=cuda_graph)
    if isinstance(fn, Module):
        # PyTorch's torch.compile(model): a module whose calls go through the capture
        return OptimizedModule(fn, Compiled(fn, max_cache, jit, cuda_graph))
    return Compiled(fn, max_cache, jit, cuda_graph)
