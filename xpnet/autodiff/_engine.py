"""Reverse-mode accumulation: one walk over the recorded graph.

Everything the rules need not care about happens here, once: topological
order (iterative, never recursive), summing cotangents down to broadcast
inputs, casting them to the input's dtype, accumulating cotangents that meet,
freeing each cotangent and node as soon as it is used, and checking that no
kept input was modified in place. Outside create_graph the cotangents of basic slices
of one tensor are added into one buffer the engine owns (``accumulate_slice``), not
each scattered to a full-size array first, so a loop over a tensor's L slices costs
O(L) and not O(L^2) (HIPS autograd's SparseObject).

The graph's vertices are Nodes (for computed tensors) and leaf Tensors. The
engine does no arithmetic of its own: summing to a shape, casting and adding
come from the op layer, which installs them with ``install_ops`` at import
(as JAX's AD core is handed ``add_any``), so this package imports no op.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from .._capture import ACTIVE, recorder
from .._errors import ArgumentTypeError, GraphError, ShapeError
from . import _tensor_base as _tb
from ._anomaly import _enabled as _anomaly_flag
from ._anomaly import check_backward, is_anomaly_enabled
from ._mode import set_grad_enabled
from ._primitive import Meta, Node
from ._tensor_base import GRAD_READY, LEAF_HOOKS, VERSION, RetainGrad, TensorBase, _new, wrap

if TYPE_CHECKING:
    from ..tensor import Tensor

_FREED: dict[str, object] = {}  # the params of a freed node (shared, never written)

# Called (in registration order) after every backward() that accumulated into .grad:
# data-parallel wrappers average the gradients there. Keys are registration ids.
POST_BACKWARD: dict[int, Callable[[], None]] = {}
_next_hook = [0]


def register_post_backward_hook(fn: Callable[[], None]) -> Callable[[], None]:
    """Call ``fn()`` after each ``backward()`` that writes ``.grad``; returns a remover."""
    _next_hook[0] += 1
    key = _next_hook[0]
    POST_BACKWARD[key] = fn
    return lambda: POST_BACKWARD.pop(key, None) and None


_UNSET: Any = object()


class EngineOps:
    """The few ops the engine and the functional API use, installed by ``xpnet.ops``."""

    sum_to: Callable[[Tensor, tuple[int, ...]], Tensor]
    cast: Callable[[Tensor, Any], Tensor]
    add: Callable[[Tensor, Tensor], Tensor]
    as_tensor: Callable[[Any], Tensor]
    stack: Callable[[Sequence[Tensor], int], Tensor]
    reshape: Callable[[Tensor, tuple[int, ...]], Tensor]
    # basic indexing's primitive, and the sum of its cotangent into its input's in place
    slice_prim: Any
    accumulate_slice: Callable[..., Tensor]


OPS = EngineOps()


def install_ops(**ops: Callable[..., Any]) -> None:
    """Called once by ``xpnet.ops``: hand the engine the ops it composes gradients with."""
    for name, fn in ops.items():
        if name not in EngineOps.__annotations__:
            raise ArgumentTypeError(f"install_ops: unknown op {name!r}")
        setattr(OPS, name, fn)


def vertex(t: Tensor) -> Any:
    """The graph vertex of ``t``: the Node that made it, or ``t`` itself when it is a leaf."""
    return t._node or t


def dependencies(roots: Sequence[Any], stop: Any = ()) -> dict[int, int]:
    """For each vertex reachable from ``roots`` (not past the vertices whose ids are in
    ``stop``): how many uses it has.

    One iterative depth-first pass. Backward then processes a vertex once all its
    uses have sent their cotangents (Kahn's order), with no separate sort.
    """
    deps: dict[int, int] = {}
    stack = list(roots)
    seen = {id(r) for r in stack}
    while stack:
        v = stack.pop()
        if type(v) is not Node or id(v) in stop:
            continue
        if v.inputs is None:
            raise GraphError(
                f"backward through the graph a second time: the node of {v.prim.name} was "
                "freed by an earlier backward(); pass retain_graph=True to the first call"
            )
        for p in v.parents:
            if p is not None:
                k = id(p)
                deps[k] = deps.get(k, 0) + 1
                if k not in seen:
                    seen.add(k)
                    stack.append(p)
    return deps


def boundary(roots: Sequence[Any], made: set[int]) -> tuple[list[Any], list[Node]]:
    """The vertices a sub-computation reads from outside: walking back from ``roots``
    through the nodes whose ids are in ``made`` (those it recorded), the leaf tensors it
    reaches (each once, in the order met) and the nodes it reaches that it did not make."""
    leaves: list[Any] = []
    outside: list[Node] = []
    stack = list(roots)
    seen = {id(r) for r in stack}
    while stack:
        v = stack.pop()
        if type(v) is not Node:
            leaves.append(v)
            continue
        if id(v) not in made:
            outside.append(v)
            continue
        for p in v.parents:
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return leaves, outside


def _ans(node: Node) -> Tensor | None:
    """The node's output as a Tensor in the graph (for rules that use it), or None."""
    if node.ans is None:
        return None
    t: Tensor = _new(_tb.TENSOR_CLASS)
    t._data = node.ans
    t.backend = node.backend
    t._grad = None
    t._rg = True
    t._node = node
    t._vc = node.ans_vc
    return t


def _meta(p: Any) -> Any:
    """What a rule sees of an input its node did not keep, from the input's vertex."""
    if type(p) is Node:
        return Meta(p.shape, p.dtype, p.backend)
    return p  # a leaf tensor: alive anyway, pass it whole


def _args(node: Node, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if node.prim.keep is None:
        return args
    return tuple(_meta(p) if a is None else a for a, p in zip(args, node.parents, strict=True))


def backward(
    roots: Sequence[Tensor],
    grads: Sequence[Tensor | None] | None = None,
    *,
    inputs: Sequence[Tensor] | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    stop_at_inputs: bool = False,
) -> tuple[Tensor | None, ...] | None:
    """Propagate cotangents from ``roots`` back through the graph.

    Without ``inputs``: accumulate into ``.grad`` of every leaf that requires grad.
    With ``inputs``: return their cotangents (None where none reaches them) and
    leave ``.grad`` untouched (the functional API uses this). ``stop_at_inputs``: go no
    further back than the inputs, taking each as independent of the others (the partial
    derivatives; a recomputed segment's rule uses this, the rest of the graph is not its).
    """
    if retain_graph is None:
        retain_graph = create_graph
    cot: dict[int, Tensor] = {}
    owned: set[int] = set()  # cotangents the engine made and nobody else holds: added into
    sliced = None if create_graph else OPS.slice_prim
    starts: dict[int, Any] = {}
    for i, r in enumerate(roots):
        if not r._rg:
            raise GraphError(
                "backward() on a tensor that does not require grad: no input of the "
                "computation had requires_grad=True (or it ran under no_grad)"
            )
        g = None if grads is None else grads[i]
        if g is None:
            if r.size != 1:
                raise GraphError(
                    f"backward() on a non-scalar tensor of shape {r.shape} needs a gradient "
                    "argument of that shape (or reduce it first, e.g. .sum())"
                )
            g = wrap(r.backend.full_like(r._data, 1), r.backend)
        elif not isinstance(g, TensorBase):
            raise ArgumentTypeError(
                f"the gradient passed to backward() must be a Tensor, got {type(g).__name__}"
            )
        elif g.shape != r.shape:
            raise ShapeError(
                f"backward(): gradient of shape {g.shape} for a tensor of shape {r.shape}"
            )
        v = vertex(r)
        k = id(v)
        starts[k] = v
        cot[k] = OPS.add(cot[k], g) if k in cot else g

    wanted = {id(vertex(t)): j for j, t in enumerate(inputs)} if inputs is not None else None
    found: list[Tensor | None] = [None] * (len(inputs) if inputs is not None else 0)
    stop = wanted if stop_at_inputs and wanted is not None else ()
    deps = dependencies(list(starts.values()), stop)
    ready = [v for k, v in starts.items() if k not in deps]
    anomaly = is_anomaly_enabled()
    # In anomaly mode the rules' own ops are not checked as forward ops: each
    # cotangent is checked once, and blamed on the backward of its primitive.
    now = VERSION[0]  # rules never change tensors in place
    add, sum_to, cast = OPS.add, OPS.sum_to, OPS.cast
    pop_ready, push_ready, pop_cot = ready.pop, ready.append, cot.pop
    with set_grad_enabled(create_graph), _anomaly_off() if anomaly else contextlib.nullcontext():
        while ready:
            v = pop_ready()
            g = pop_cot(id(v), None)
            owned.discard(id(v))
            if g is not None:
                hooks = (
                    v.hooks if type(v) is Node else LEAF_HOOKS.get(id(v)) if LEAF_HOOKS else None
                )
                if hooks:
                    g = _run_hooks(hooks, g)
            if wanted is not None and g is not None and id(v) in wanted:
                found[wanted[id(v)]] = g
            if stop and id(v) in stop:
                continue
            if type(v) is not Node:  # a leaf
                if g is not None and wanted is None:
                    v.grad = g if v.grad is None else add(v.grad, g)
                    if GRAD_READY and id(v) in GRAD_READY:
                        for ready_hook in list(GRAD_READY[id(v)]):
                            ready_hook(v)
                continue
            node = v
            args = node.inputs
            assert args is not None
            if g is not None and node.stamp != now:  # something changed in place since
                _check_versions(node, args)
            prim, params = node.prim, node.params
            rules = prim.vjps if prim.vjp_argnum is None else None
            ans: Any = _UNSET  # built on first use
            for i, p in enumerate(node.parents):
                if p is None:
                    continue
                key = id(p)
                left = deps[key] - 1
                deps[key] = left
                if left == 0:
                    push_ready(p)
                if g is None or (wanted is not None and type(p) is not Node and key not in wanted):
                    continue  # nothing flows here, or a leaf nobody asked about
                if prim is sliced:
                    dtype = p.dtype if type(p) is Node else p._data.dtype
                    if g.dtype == dtype:
                        prev = cot.get(key)
                        total = prev if key in owned else None
                        shape = p.shape if type(p) is Node else p._data.shape
                        cot[key] = OPS.accumulate_slice(total, prev, g, tuple(shape), params["key"])
                        owned.add(key)
                        continue
                if ans is _UNSET:
                    ans = _ans(node)
                    args = _args(node, args)
                rule = rules[i] if rules is not None and i < len(rules) else None
                if rule is None:
                    ga = prim.vjp(i, g, ans, args, params)
                elif params:
                    ga = rule(g, ans, *args, **params)
                else:
                    ga = rule(g, ans, *args)
                if anomaly:
                    check_backward(prim.name, i, ga, node.stack)
                gd = ga._data
                if type(p) is Node:
                    shape, dtype = p.shape, p.dtype
                else:
                    shape, dtype = p._data.shape, p._data.dtype
                if gd.shape != shape:
                    ga = sum_to(ga, tuple(shape))
                if gd.dtype != dtype:
                    ga = cast(ga, dtype)
                prev = cot.get(key)
                cot[key] = ga if prev is None else add(prev, ga)
                owned.discard(key)
            if not retain_graph:
                node.inputs = None
                node.params = _FREED
                node.ans = None
    if inputs is not None:
        return tuple(found)
    if POST_BACKWARD:
        for hook in list(POST_BACKWARD.values()):
            hook()
    return None


def _run_hooks(hooks: list[Any], g: Tensor) -> Tensor:
    """A tensor's gradient hooks on its gradient ``g`` (retain_grad's last): each may
    return a replacement of ``g``'s shape."""
    rec = ACTIVE[0] and recorder()
    if rec is not None:
        rec.unsupported("a tensor's gradient hook (register_hook, retain_grad) ran in backward")
    for hook in sorted(hooks, key=lambda h: isinstance(h, RetainGrad)):
        out: Any = hook(g)
        if out is None:
            continue
        if getattr(out, "shape", None) != g.shape or not isinstance(out, TensorBase):
            what = getattr(out, "shape", type(out).__name__)
            raise GraphError(
                f"a gradient hook returned {what} for a gradient of shape {g.shape}; it must "
                "return None or a tensor of that shape"
            )
        g = cast("Tensor", out)
    return g


@contextlib.contextmanager
def _anomaly_off() -> Iterator[None]:
    token = _anomaly_flag.set(False)
    try:
        yield
    finally:
        _anomaly_flag.reset(token)


def _check_versions(node: Node, args: tuple[Any, ...]) -> None:
    stamp = node.stamp
    reads = node.prim.reads
    # the inputs the rules of this backward pass read: all kept ones, unless the primitive
    # says which rule reads which (then only those of the arguments that get a gradient)
    read = (
        None
        if reads is None
        else {j for i, p in enumerate(node.parents) if p is not None for j in reads[i]}
    )
    changed = [
        f"input {i} of shape {a.shape}"
        for i, a in enumerate(args)
        if isinstance(a, TensorBase)
        and a._vc is not None
        and a._vc[0] > stamp
        and (read is None or i in read)
    ]
    if node.ans_vc is not None and node.ans_vc[0] > stamp:
        changed.append(f"its output of shape {tuple(node.shape)}")
    if changed:
        raise GraphError(
            f"{node.prim.name}: {' and '.join(changed)} was modified in place after it was used "
            "(directly, or through a view or a detach()ed alias); its gradient would be wrong. "
            "Clone it before changing it, or change it under no_grad before the forward pass"
        )
