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

What changes between steps stays live: the learning rate and bias corrections
are refreshed from Python before each replay (``Optimizer._scalars``), dropout
masks are drawn anew from the same generators (so the stream matches eager
mode), BatchNorm's running statistics are updated in place. A module switched
between train() and eval() gets its own recording.

Not captured: a step that reads a value back to Python (``.item()``, ``bool(t)``,
``.numpy()``, Python branching on a tensor) runs eagerly from then on, after one
warning naming the line; so does a step whose recordings never settle (a Python
number that changes every call, used as a constant). Python control flow on
anything else is fixed at recording time, and tensors made inside the step with
creation functions (``xn.zeros``...) are constants of the program.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .._capture import ACTIVE
from .._tensor import Tensor
from ..autodiff import is_grad_enabled
from ._program import CudaGraphProgram, Program, PureProgram
from ._recorder import Recorder, _norm

__all__ = ["CompileWarning", "Compiled", "compile"]

MAX_ATTEMPTS = 4  # recordings per signature before giving up on one that never settles


class CompileWarning(UserWarning):
    """xn.compile fell back to eager mode, or recompiles a function often."""


def _flatten(obj: Any, leaves: list[Any]) -> Any:
    if isinstance(obj, Tensor):
        leaves.append(obj)
        return ("T",)
    if isinstance(obj, (tuple, list)):
        return (type(obj), [_flatten(o, leaves) for o in obj])
    if isinstance(obj, dict):
        return (dict, [(k, _flatten(v, leaves)) for k, v in obj.items()])
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
    __slots__ = ("attempts", "grads", "guards", "program", "shape", "tree")

    def __init__(self) -> None:
        self.guards: list[tuple[Any, bool]] = []  # (module, training) as recorded
        self.grads: list[tuple[Any, bool]] = []  # (leaf, had a .grad) as recorded
        self.program: Program | PureProgram | CudaGraphProgram | None = None
        self.shape: Any = None
        self.tree: Any = None
        self.attempts = 0

    def guards_hold(self) -> bool:
        return all(m.training == flag for m, flag in self.guards) and all(
            (t._grad is not None) == had for t, had in self.grads
        )


def _difference(a: Any, b: Any, rec: Recorder) -> str:
    for i, (x, y) in enumerate(zip(a[0], b[0], strict=False)):
        if x != y:
            ins = rec.instrs[i]
            what = ins[1].name if ins[0] == "op" else ins[0]
            return f"instruction {i} ({what}): {x!r} vs {y!r}"
    if len(a[0]) != len(b[0]):
        return f"the number of instructions ({len(a[0])} vs {len(b[0])})"
    return "the outputs"


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
        self.eager_reason: str | None = None
        self.recordings = 0
        self.replays = 0

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        parts: list[Any] = []
        for a in (*args, *kwargs.values()):
            if isinstance(a, Tensor):
                parts.append((a.shape, a.dtype, id(a.backend), a._rg))
            else:
                try:
                    hash(a)
                except TypeError:
                    parts.append(("id", id(a)))
                else:
                    parts.append(("v", type(a), a))
        return (tuple(parts), tuple(kwargs), is_grad_enabled())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.eager_reason is not None or ACTIVE[0] is not None:
            return self.fn(*args, **kwargs)  # given up on, or inside another recording
        key = self._key(args, kwargs)
        entries = self.entries.setdefault(key, [])
        entry = next((e for e in entries if e.guards_hold()), None)
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        if entry is not None and entry.program is not None:
            self.replays += 1
            leaves = entry.program(tensors)
            return _unflatten(entry.tree, leaves, [0])
        return self._record(entry, entries, tensors, args, kwargs)

    def _record(
        self,
        entry: _Entry | None,
        entries: list[_Entry],
        tensors: list[Tensor],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        rec = Recorder(tensors)
        ACTIVE[0] = rec
        try:
            result = self.fn(*args, **kwargs)
        finally:
            ACTIVE[0] = None
        self.recordings += 1
        if rec.broken is not None:
            self._give_up(rec.broken)
            return result
        leaves: list[Any] = []
        tree = _flatten(result, leaves)
        outputs = [rec.ref(t) for t in leaves]
        guards = [(m, flag) for m, flag in rec.modules.values()]
        grads = [(t, had) for t, had in rec.grads_read.values()]
        shape = (rec.shape_of(), _norm(tuple(outputs)))
        if entry is None:
            if sum(len(v) for v in self.entries.values()) >= self.max_cache:
                warnings.warn(
                    f"xn.compile: {getattr(self.fn, '__name__', 'the function')} has recorded "
                    f"{self.max_cache} programs (new shapes, dtypes or train/eval modes); "
                    "the oldest are dropped",
                    CompileWarning,
                    stacklevel=3,
                )
                for v in self.entries.values():
                    if v:
                        v.pop(0)
                        break
            entry = _Entry()
            entries.append(entry)
        entry.guards = guards
        entry.grads = grads
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

    def _program(
        self, rec: Recorder, outputs: list[Any]
    ) -> Program | PureProgram | CudaGraphProgram:
        backends = {id(ins[3]): ins[3] for ins in rec.instrs if ins[0] == "op"}
        only = next(iter(backends.values())) if len(backends) == 1 else None
        if only is not None and self.jit and not only.mutable:
            return PureProgram(rec, outputs)
        graphable = (
            only is not None
            and only.name == "cupy"
            and self.cuda_graph
            and not any(ins[0] == "rng" for ins in rec.instrs)
            and not any(r[0] == "g" for ins in rec.instrs if ins[0] == "op" for r in ins[4])
        )
        return CudaGraphProgram(rec, outputs) if graphable else Program(rec, outputs)

    def _give_up(self, why: str) -> None:
        self.eager_reason = why
        warnings.warn(
            f"xn.compile: {getattr(self.fn, '__name__', 'the function')} runs eagerly from now on: {why}",
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

    Usable as ``xn.compile(step)`` or as a decorator ``@xn.compile``. On the JAX
    backend the replay is a pure function compiled by ``jax.jit`` (``jit=False``:
    replay op by op). ``cuda_graph=True`` (experimental) replays a CuPy program
    without random draws as one CUDA graph launch; see ``CudaGraphProgram``.
    """
    if fn is None:
        return lambda f: Compiled(f, max_cache, jit, cuda_graph)
    return Compiled(fn, max_cache, jit, cuda_graph)
