"""Reverse-mode accumulation: one walk over the recorded graph.

Everything the rules need not care about happens here, once: topological
order (iterative, never recursive), summing cotangents down to broadcast
inputs, casting them to the input's dtype, accumulating cotangents that meet,
freeing each cotangent and node as soon as it is used, and checking that no
saved input was modified in place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from .._errors import GraphError, ShapeError
from .._tensor import Tensor, _wrap
from ._anomaly import _enabled as _anomaly_flag
from ._anomaly import check_backward, is_anomaly_enabled
from ._mode import set_grad_enabled
from ._primitive import inplace_count

_FREED: dict[str, object] = {}  # the params of a freed node (shared, never written)


def dependencies(roots: Sequence[Tensor]) -> dict[int, int]:
    """For each tensor that requires grad and is reachable from ``roots``: how many uses it has.

    One iterative depth-first pass. Backward then processes a tensor once all its
    uses have sent their cotangents (Kahn's order), with no separate sort.
    """
    deps: dict[int, int] = {}
    stack = [r for r in roots if r.requires_grad]
    seen = {id(r) for r in stack}
    while stack:
        node = stack.pop()._node
        if node is None:
            continue
        inputs = node.inputs
        if inputs is None:
            raise GraphError(
                f"backward through the graph a second time: the node of {node.prim.name} was "
                "freed by an earlier backward(); pass retain_graph=True to the first call"
            )
        for a in inputs:
            if (type(a) is Tensor or isinstance(a, Tensor)) and a.requires_grad:
                k = id(a)
                deps[k] = deps.get(k, 0) + 1
                if k not in seen:
                    seen.add(k)
                    stack.append(a)
    return deps


def _cast(g: Tensor, dtype: object) -> Tensor:
    """``g`` as ``dtype`` (a cotangent promoted past its input's dtype, e.g. by a float64 operand)."""
    from ..ops._elementwise import astype_p  # the ops import the engine: bound at call time

    return astype_p(g, dtype=dtype)


def sum_to(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast."""
    from ..ops import _reduce, _shape

    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    if axes:
        g = _reduce.sum_p(g, axis=axes, keepdims=False)
    return _shape.reshape_p(g, shape=shape) if g.shape != shape else g


def backward(
    roots: Sequence[Tensor],
    grads: Sequence[Tensor | None] | None = None,
    *,
    inputs: Sequence[Tensor] | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...] | None:
    """Propagate cotangents from ``roots`` back through the graph.

    Without ``inputs``: accumulate into ``.grad`` of every leaf that requires grad.
    With ``inputs``: return their cotangents (None where none reaches them) and
    leave ``.grad`` untouched (the functional API uses this).
    """
    if retain_graph is None:
        retain_graph = create_graph
    cot: dict[int, Tensor] = {}
    for i, r in enumerate(roots):
        if not r.requires_grad:
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
            g = _wrap(r.backend.xp.ones_like(r.data), r.backend)
        elif not isinstance(g, Tensor):
            raise TypeError(
                f"the gradient passed to backward() must be a Tensor, got {type(g).__name__}"
            )
        elif g.shape != r.shape:
            raise ShapeError(
                f"backward(): gradient of shape {g.shape} for a tensor of shape {r.shape}"
            )
        cot[id(r)] = cot[id(r)] + g if id(r) in cot else g

    wanted = {id(t): k for k, t in enumerate(inputs)} if inputs is not None else None
    found: list[Tensor | None] = [None] * (len(inputs) if inputs is not None else 0)
    deps = dependencies(roots)
    ready = [r for r in {id(r): r for r in roots}.values() if r.requires_grad and id(r) not in deps]
    anomaly = is_anomaly_enabled()
    # In anomaly mode the rules' own ops are not checked as forward ops: each
    # cotangent is checked once, and blamed on the backward of its primitive.
    now = inplace_count[0]  # rules never change tensors in place
    pop_ready, push_ready, pop_cot = ready.pop, ready.append, cot.pop
    with set_grad_enabled(create_graph), _anomaly_off() if anomaly else contextlib.nullcontext():
        while ready:
            t = pop_ready()
            g = pop_cot(id(t), None)
            node = t._node
            if wanted is not None and g is not None and id(t) in wanted:
                found[wanted[id(t)]] = g
            if node is None:
                if g is not None and wanted is None:
                    t.grad = g if t.grad is None else t.grad + g
                continue
            args = node.inputs
            assert args is not None
            if (
                g is not None and node.stamp != now
            ):  # some tensor changed in place since: check the inputs
                _check_versions(node, args)
            prim, params = node.prim, node.params
            rules = prim.vjps if prim.vjp_argnum is None else None
            for i, a in enumerate(args):
                if not (type(a) is Tensor or isinstance(a, Tensor)) or not a.requires_grad:
                    continue
                key = id(a)
                left = deps[key] - 1
                deps[key] = left
                if left == 0:
                    push_ready(a)
                if g is None or (wanted is not None and a._node is None and key not in wanted):
                    continue  # nothing flows here, or a leaf nobody asked about
                rule = rules[i] if rules is not None and i < len(rules) else None
                if rule is None:
                    ga = prim.vjp(i, g, t, args, params)
                elif params:
                    ga = rule(g, t, *args, **params)
                else:
                    ga = rule(g, t, *args)
                if anomaly:
                    check_backward(prim.name, i, ga, node.stack)
                gd = ga.data
                ad = a.data
                if gd.shape != ad.shape:
                    ga = sum_to(ga, a.shape)
                if gd.dtype != ad.dtype:
                    ga = _cast(ga, a.dtype)
                prev = cot.get(key)
                cot[key] = ga if prev is None else prev + ga
            if not retain_graph:
                node.inputs = None
                node.params = _FREED
    return tuple(found) if inputs is not None else None


@contextlib.contextmanager
def _anomaly_off() -> Iterator[None]:
    token = _anomaly_flag.set(False)
    try:
        yield
    finally:
        _anomaly_flag.reset(token)


def _check_versions(node: object, args: tuple[object, ...]) -> None:
    stamp = node.stamp  # type: ignore[attr-defined]
    for a in args:
        if isinstance(a, Tensor) and a._version > stamp:
            raise GraphError(
                f"a {node.prim.name} input of shape {a.shape} was modified in place "  # type: ignore[attr-defined]
                "after it was used; its gradient would be wrong. Clone it before changing it, "
                "or change it under no_grad before the forward pass"
            )
