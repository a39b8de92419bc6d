"""Gradient checkpointing (PyTorch's ``torch.utils.checkpoint``): trade compute for memory.

``checkpoint(fn, *args)`` returns what ``fn(*args)`` returns, but keeps none of the
values inside ``fn`` for the backward pass: the graph records one node per output, whose
rule runs ``fn`` again on the same arguments (with the random streams where they were,
so dropout draws the same mask, and under the same autocast) and differentiates that
recomputation. A deep model checkpointed block by block holds only the blocks' inputs
between forward and backward, at the cost of a second forward pass.

The node's inputs are the tensor arguments and every leaf tensor ``fn`` used (its
parameters), found by walking back from the outputs over the nodes ``fn`` recorded; so
parameters get gradients, ``xn.autograd.grad`` works through it, and so do gradients of
gradients (``create_graph=True``). This is PyTorch's ``use_reentrant=False`` behaviour,
whichever ``use_reentrant`` is passed. A tensor that requires grad and was computed
outside ``fn`` (captured by a closure rather than passed) is refused: pass it as an
argument. ``xn.compile`` does not record a step that checkpoints (its recomputation is
Python code a replay would skip): that step runs eagerly, with a ``CompileWarning``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._autocast_state import LOW
from .._capture import ACTIVE, recorder, start, stop
from .._errors import ArgumentTypeError, GraphError, NotSupportedError
from ..autodiff import Primitive, backward, describe, enable_grad, is_grad_enabled
from ..autodiff.internal import boundary, is_tensor, vertex
from ..backend import rng_states, set_rng_states
from ..ops import zeros
from ..tensor import Tensor


class _Made:
    """A recorder that only notes the nodes the operations make (what ``fn`` recorded);
    every other report is ignored."""

    def __init__(self) -> None:
        self.nodes: set[int] = set()

    def op(self, prim: Any, impl: Any, backend: Any, args: Any, params: Any, out: Any,
           refs: Any = None) -> None:  # fmt: skip
        if out._node is not None:
            self.nodes.add(id(out._node))

    def __getattr__(self, name: str) -> Callable[..., None]:
        return _ignore


def _ignore(*args: Any, **kwargs: Any) -> None:
    return None


class _Segment:
    """One checkpointed call: what it needs to run ``fn`` again, and the recomputed graph
    while the outputs' rules still need it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 preserve_rng_state: bool) -> None:  # fmt: skip
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.rng = rng_states() if preserve_rng_state else None
        self.low = LOW.get()
        self.versions = [a._version if is_tensor(a) else None for a in args]
        self.inputs: list[Tensor] = []  # the node's inputs: arguments, then the leaves used
        self.kind: type | None = None  # tuple or list when fn returned one
        self.redone: list[Any] | None = None  # the recomputed outputs, while needed
        self.waiting: set[int] = set()  # outputs whose rule has not run since the recompute
        self.cache: tuple[int, Any, tuple[Tensor | None, ...]] | None = None

    def call(self) -> list[Any]:
        """Run ``fn`` on the arguments; its outputs as a list."""
        out = self.fn(*self.args, **self.kwargs)
        self.kind = type(out) if isinstance(out, (tuple, list)) else None
        return list(out) if self.kind is not None else [out]

    def first(self) -> list[Any]:
        """The first run, noting the nodes ``fn`` records: their inputs from outside must
        be the arguments or leaves (parameters)."""
        made = _Made()
        outer = ACTIVE[0] and recorder()
        start(made)
        try:
            outs = self.call()
        finally:
            stop()
            if outer is not None:
                start(outer)
        args: dict[int, Tensor] = {}  # the tensor arguments that require grad, each once
        for a in self.args:
            if is_tensor(a) and a.requires_grad:
                args.setdefault(id(vertex(a)), a)
        roots = [vertex(o) for o in outs if is_tensor(o) and o.requires_grad]
        leaves, outside = boundary(roots, made.nodes)
        for node in outside:
            if id(node) not in args:
                raise NotSupportedError(
                    f"checkpoint: {_name(self.fn)} uses a tensor computed outside it that "
                    f"requires grad (the output of {node.prim.name}, shape {node.shape}); "
                    "pass it as an argument"
                )
        self.inputs = list(args.values()) + [v for v in leaves if id(v) not in args]
        return outs

    def grads(self, k: int, g: Tensor) -> tuple[Tensor | None, ...]:
        """The cotangents of the node's inputs from output ``k``'s cotangent ``g`` (once per
        ``g``: the engine asks for them input by input)."""
        if self.cache is not None and self.cache[0] == k and self.cache[1] is g:
            return self.cache[2]
        create_graph = is_grad_enabled()  # the engine runs rules with grad on for create_graph
        if self.redone is None:
            self.redone = self.recompute()
            self.waiting = set(range(len(self.redone)))
        outs = self.redone
        self.waiting.discard(k)
        got = backward([outs[k]], [g], inputs=self.inputs, create_graph=create_graph,
                       retain_graph=True, stop_at_inputs=True)  # fmt: skip
        assert got is not None
        if not self.waiting:
            self.redone = None  # every output's rule has run: drop the recomputed graph
        self.cache = (k, g, got)
        return got

    def recompute(self) -> list[Any]:
        """``fn`` again, recorded, with the random streams and autocast of the first run."""
        for i, (a, v) in enumerate(zip(self.args, self.versions, strict=True)):
            if v is not None and a._version != v:
                raise GraphError(
                    f"checkpoint: argument {i} of {_name(self.fn)} ({describe(a)}) was changed "
                    "in place after the call; the backward pass would recompute from the new "
                    "values"
                )
        after = rng_states() if self.rng is not None else None
        if self.rng is not None:
            set_rng_states(self.rng)
        token = LOW.set(self.low)
        try:
            with enable_grad():
                return self.call()
        finally:
            LOW.reset(token)
            if after is not None:
                set_rng_states(after)


def _impl(b: Any, *arrays: Any, out: Any, seg: _Segment, k: int) -> Any:
    return out  # computed by the first run already; the node keeps it


def _vjp(i: int, g: Tensor, ans: Any, *inputs: Any, out: Any, seg: _Segment, k: int) -> Tensor:
    got = seg.grads(k, g)[i]
    if got is None:  # output k does not depend on this input
        x = seg.inputs[i]
        return zeros(x.shape, dtype=x.backend.dtype_name(x.dtype), backend=x.backend)
    return got


checkpoint_p = Primitive("checkpoint", _impl)
checkpoint_p.defvjp_argnum(_vjp, keep=(), keep_ans=False)


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Any = None,
    determinism_check: str = "default",
    debug: bool = False,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)``, recomputed in the backward pass instead of kept (see
    the module's docstring). Returns what ``function`` returns: a tensor, or a tuple or
    list of them (other values pass through). ``preserve_rng_state=False`` lets the
    recomputation draw fresh random numbers. ``use_reentrant``, ``determinism_check`` and
    ``debug`` are accepted as PyTorch's; ``context_fn`` is not supported."""
    if context_fn is not None:
        raise NotSupportedError("checkpoint: context_fn is not supported")
    if not callable(function):
        raise ArgumentTypeError(f"checkpoint: function must be callable, got {function!r}")
    if not is_grad_enabled():
        return function(*args, **kwargs)
    rec = ACTIVE[0] and recorder()
    if rec is not None:
        rec.unsupported("utils.checkpoint (its recomputation is Python code a replay would skip)")
    seg = _Segment(function, args, kwargs, preserve_rng_state)
    outs = seg.first()
    if not seg.inputs:
        return _shaped(seg, outs)
    result = []
    for k, o in enumerate(outs):
        if is_tensor(o) and o.requires_grad:
            o = checkpoint_p(*seg.inputs, out=o._data, seg=seg, k=k)
        result.append(o)
    return _shaped(seg, result)


def _shaped(seg: _Segment, outs: list[Any]) -> Any:
    """The outputs as ``fn`` returned them: one value, a tuple (a named tuple) or a list."""
    if seg.kind is None:
        return outs[0]
    if hasattr(seg.kind, "_fields"):
        return seg.kind(*outs)
    return seg.kind(outs)


def checkpoint_sequential(
    functions: Any,
    segments: int,
    input: Tensor,
    use_reentrant: bool | None = None,
    **kwargs: Any,
) -> Tensor:
    """Run ``functions`` (a Sequential, or a list of modules or functions) one after the
    other on ``input`` in ``segments`` checkpointed groups; the last group is run as is,
    as PyTorch does (its output's backward comes first)."""
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ArgumentTypeError(
            f"checkpoint_sequential: segments must be an int >= 1, got {segments!r}"
        )
    size = len(fns) // segments
    end = -1

    def run(group: Sequence[Any]) -> Callable[[Tensor], Tensor]:
        def forward(x: Tensor) -> Tensor:
            for f in group:
                x = f(x)
            return x

        return forward

    for start_ in range(0, size * (segments - 1), size):
        end = start_ + size - 1
        input = checkpoint(run(fns[start_ : end + 1]), input, **kwargs)
    return run(fns[end + 1 :])(input)


__all__ = ["checkpoint", "checkpoint_sequential"]
