"""The recorder: what one eager call of a step did, as a list of instructions.

Every array an instruction produces gets a *slot* number. An argument of an
instruction is a reference:

- ``("t", k)``: the array in slot ``k`` (made earlier in the step);
- ``("a", i)``: the array of the step function's ``i``-th tensor argument;
- ``("e", tensor)``: an *external* tensor, read (``tensor.data``) when the program
  runs: parameters, buffers, optimizer state, constants made inside the step;
- ``("g", tensor)``: the array of ``tensor.grad`` when the program runs (a gradient
  the step reads, made by an earlier call);
- ``("c", value)``: a Python scalar or None.

Instructions:

- ``("op", prim, impl, backend, refs, params, out)``: a primitive call, its output
  in slot ``out`` (None for an in-place update);
- ``("mut", ((position, output), ...))`` follows an in-place update: which argument
  positions it changed, each with the index of its new array in the update's outputs
  (an unused state slot, None, is skipped, so the two differ);
- ``("rng", generator, method, args, out)``: a random draw, made again on replay;
- ``("grad", tensor, ref)``: ``tensor.grad = ref`` (None: ``tensor.grad = None``);
- ``("check", backend, ref, error)``: a value check (``Backend.check``).

``host_read`` and ``raw_access`` mark the recording as unusable (a value was read
back to Python, so the step's course may depend on it; a native array escaped, so
what is done with it is not recorded); ``before_replay`` collects the callbacks
that refresh scalar slots (``Optimizer._scalars``, ``GradScaler``). ``modules``,
``optimizers`` and ``watched`` are the objects whose state the program assumes
(see ``_guards.py``).
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass
from typing import Any

from ..tensor import Tensor

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_line() -> str:
    """The innermost source line outside xpnet (where the user's step did something)."""
    for f in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(f.filename).startswith(_PACKAGE):
            return f"{f.filename}:{f.lineno}: {(f.line or '').strip()}"
    return "(inside xpnet)"


Ref = tuple[
    str, Any
]  # ("t", slot) | ("a", argument) | ("e", tensor) | ("g", leaf) | ("c", constant)


@dataclass(frozen=True, slots=True)
class Op:
    """A primitive call: ``slot = impl(backend, *refs, **params)``; ``slot`` None for an
    in-place update, whose results the next ``Mut`` places."""

    prim: Any
    impl: Any
    backend: Any
    refs: tuple[Ref, ...]
    params: dict[str, Any]
    slot: int | None


@dataclass(frozen=True, slots=True)
class Mut:
    """What the in-place update just before changed: (argument position, result index) pairs."""

    changed: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Rng:
    """A random draw: ``slot = getattr(generator, method)(*args)``."""

    generator: Any
    method: str
    args: tuple[Any, ...]
    slot: int


@dataclass(frozen=True, slots=True)
class SetGrad:
    """``tensor.grad = ref`` (None: cleared)."""

    tensor: Any
    ref: Ref | None


@dataclass(frozen=True, slots=True)
class Check:
    """A deferred value check: ``backend.check(flag, error)``."""

    backend: Any
    ref: Ref
    error: Any


Instr = Op | Mut | Rng | SetGrad | Check


def reads(ins: Instr) -> tuple[Ref, ...]:
    """The operands an instruction reads."""
    if isinstance(ins, Op):
        return ins.refs
    if isinstance(ins, (SetGrad, Check)) and ins.ref is not None:
        return (ins.ref,)
    return ()


def ident(name: str) -> str:
    """``name`` (a primitive's, such as "in-place add") as part of a Python identifier."""
    return re.sub(r"\W", "_", name)


class Recorder:
    def __init__(self, args: list[Tensor]) -> None:
        self.instrs: list[Instr] = []
        self.slot_names: list[str] = []  # per slot: a name for generated code (its primitive's)
        self.nslots = 0
        self._slot_of: dict[int, int] = {}  # id(array) -> slot
        self._alive: list[Any] = []  # every recorded array, so that ids stay unique
        self._arg_of = {id(t._data): i for i, t in enumerate(args)}
        self.arg_backends = [t.backend for t in args]
        self.backend_of: list[Any] = []  # per slot: the backend of its array
        self.modules: dict[int, Any] = {}  # id -> module called by the step
        self.optimizers: dict[int, Any] = {}
        self.watched: dict[int, Any] = {}
        self._grad_of: dict[int, Tensor] = {}  # id(a gradient read from .grad) -> its leaf
        self.grads_read: dict[int, tuple[Tensor, bool]] = {}  # leaf -> whether it had a gradient
        self._assigned: set[int] = set()  # leaves whose .grad the step assigned
        self.before: list[Any] = []
        self._once: set[int] = set()
        self.broken: str | None = None

    # -- references -------------------------------------------------------------
    def ref(self, a: Any) -> tuple[str, Any]:
        if not isinstance(a, Tensor):
            return ("c", a)
        arr = a._data
        k = self._slot_of.get(id(arr))
        if k is not None:
            return ("t", k)
        i = self._arg_of.get(id(arr))
        if i is not None:
            return ("a", i)
        leaf = self._grad_of.get(id(a))
        if leaf is not None:
            return ("g", leaf)
        return ("e", a)

    def refs(self, args: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
        return tuple(self.ref(a) for a in args)

    def _new_slot(self, arr: Any, backend: Any, what: str) -> int:
        k = self.nslots
        self.slot_names.append(f"{ident(what)}_{k}")
        self.nslots += 1
        self._slot_of[id(arr)] = k
        self._alive.append(arr)
        self.backend_of.append(backend)
        return k

    # -- the reports ----------------------------------------------------------------
    def op(
        self,
        prim: Any,
        impl: Any,
        backend: Any,
        args: tuple[Any, ...],
        params: dict[str, Any],
        out: Any,
        refs: tuple[tuple[str, Any], ...] | None = None,
    ) -> None:
        """A primitive call; an in-place update passes the ``refs`` of its arguments as
        they were before it ran (``refs(args)``)."""
        if refs is None:
            refs = self.refs(args)
        if prim.mutates:
            self.instrs.append(Op(prim, impl, backend, refs, params, None))
            changed = []
            for j, (i, new) in enumerate(zip(prim.mutates, out, strict=True)):
                if args[i] is None:
                    continue
                changed.append((i, j))
                r = refs[i]
                if r[0] == "t" and id(new) not in self._slot_of:  # a slot updated out of place
                    self._slot_of[id(new)] = r[1]
                    self._alive.append(new)
                elif r[0] == "a":
                    self.broken = self.broken or (
                        f"the step changes its argument {r[1]} in place ({prim.name}) at {_user_line()}"
                    )
            self.instrs.append(Mut(tuple(changed)))
            return
        slot = self._new_slot(out._data, out.backend, prim.name)
        self.instrs.append(Op(prim, impl, backend, refs, params, slot))

    def rng(self, generator: Any, method: str, args: tuple[Any, ...], out: Any) -> None:
        slot = self._new_slot(out, generator.backend, method)
        self.instrs.append(Rng(generator, method, args, slot))

    def grad_read(self, leaf: Tensor, value: Tensor | None) -> None:
        if id(leaf) not in self.grads_read and id(leaf) not in self._assigned:
            # what the step found when it started: the program assumes the same next time
            self.grads_read[id(leaf)] = (leaf, value is not None)
        if value is not None and id(value._data) not in self._slot_of:
            self._grad_of[id(value)] = leaf
            self._alive.append(value)  # its id must not be reused during the recording

    def set_grad(self, tensor: Tensor, value: Tensor | None) -> None:
        self._assigned.add(id(tensor))
        self.instrs.append(SetGrad(tensor, None if value is None else self.ref(value)))

    def check(self, backend: Any, bad: Any, error: Any) -> None:
        k = self._slot_of.get(id(bad))
        if k is None:
            self.broken = (
                self.broken
                or f"a value check on an array the step did not compute, at {_user_line()}"
            )
            return
        self.instrs.append(Check(backend, ("t", k), error))

    def module(self, m: Any) -> None:
        self.modules[id(m)] = m

    def optimizer(self, opt: Any) -> None:
        self.optimizers[id(opt)] = opt

    def watch(self, obj: Any) -> None:
        """The program depends on ``obj``'s attributes (a GradScaler's ``enabled``...)."""
        self.watched[id(obj)] = obj

    def raw_access(self, what: str) -> None:
        if self.broken is None:
            self.broken = (
                f"the step {what} at {_user_line()} (operations on native arrays are not "
                "recorded; use tensor operations, or .detach() for a value without gradient)"
            )

    def unsupported(self, why: str) -> None:
        """A library call that cannot be part of a program says why (its own words)."""
        if self.broken is None:
            self.broken = f"{why} (at {_user_line()})"

    def host_read(self) -> None:
        if self.broken is None:
            self.broken = (
                f"a value is read back to Python (item(), numpy(), bool()...) at {_user_line()}"
            )

    def before_replay(self, fn: Any, once_for: Any = None) -> None:
        """Run ``fn`` before each replay; with ``once_for``, only the first ``fn`` given
        for that object counts (a GradScaler's slots, reached once per gradient)."""
        if once_for is not None:
            if id(once_for) in self._once:
                return
            self._once.add(id(once_for))
        self.before.append(fn)

    # -- comparing two recordings ---------------------------------------------------
    def shape_of(self) -> list[Any]:
        """A comparable form: equal for two recordings that would replay the same program."""
        out: list[Any] = []
        for ins in self.instrs:
            if isinstance(ins, Op):
                out.append(("op", id(ins.prim), id(ins.impl), id(ins.backend), _norm(ins.refs),
                            ins.params, ins.slot))  # fmt: skip
            elif isinstance(ins, Rng):
                out.append(("rng", id(ins.generator), ins.method, ins.args, ins.slot))
            elif isinstance(ins, SetGrad):
                out.append(
                    ("grad", _Ext(ins.tensor), None if ins.ref is None else _norm((ins.ref,)))
                )
            elif isinstance(ins, Check):
                out.append(("check", id(ins.backend), ins.ref))
            else:
                out.append(("mut", ins.changed))
        return out


class _Ext:
    """An external tensor in a comparable form: equal to the same tensor, or to a small
    constant of the same dtype and values (a step makes such constants anew each call:
    the seed of ones of backward, an arange)."""

    __slots__ = ("t",)

    def __init__(self, t: Tensor) -> None:
        self.t = t

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Ext):
            return NotImplemented
        a, b = self.t, other.t
        if a is b:
            return True
        if a.backend is not b.backend or a.shape != b.shape or a.dtype != b.dtype or a.size > 4096:
            return False
        x, y = a.backend.read_host(a._data), b.backend.read_host(b._data)
        return bool(((x == y) | ((x != x) & (y != y))).all())

    def __hash__(self) -> int:
        return hash((self.t.shape, str(self.t.dtype)))

    def __repr__(self) -> str:
        return f"<tensor {list(self.t.shape)} at {id(self.t):#x}>"


def _norm(refs: tuple[tuple[str, Any], ...]) -> tuple[Any, ...]:
    out: list[Any] = []
    for k, v in refs:
        if k in ("e", "g"):
            out.append((k, _Ext(v)))
        elif k == "c" and isinstance(v, float) and v != v:
            out.append((k, "nan"))  # NaN != NaN: compare it by name
        else:
            out.append((k, v))
    return tuple(out)
