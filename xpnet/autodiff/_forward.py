"""Forward mode and batching: ``jvp``, ``jacfwd`` and ``vmap``.

``jvp`` is built from reverse mode by the transposition trick: for a dummy
cotangent ``u``, ``u -> J^T u`` is linear, so the gradient of ``<J^T u, t>`` with
respect to ``u`` is ``J t``. It needs every VJP rule to be differentiable in its
cotangent, which xpnet's rules are (they are written with xpnet's ops), and costs
about two backward passes. ``vmap`` maps a function over a leading axis by
calling it once per slice and stacking the results: it has no batched rules,
so it is as fast as a Python loop, and its value is that per-sample gradients
(``vmap(grad(loss), in_axes=(None, 0, 0))``) read as they are written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError, ArgumentTypeError, ShapeError
from ._engine import OPS, backward
from ._functional import _as_tuple, _is_tree, _prepare, _rebuild, _zeros_like
from ._mode import enable_grad
from ._tensor_base import TensorBase, is_tensor, wrap

if TYPE_CHECKING:
    from ..tensor import Tensor


def _tensors_only(primals: Sequence[Any]) -> None:
    if any(_is_tree(p) for p in primals):
        raise ArgumentTypeError(
            "jvp/jacfwd: the primals must be tensors, not dicts or lists of them (xn.grad, "
            "xn.vjp and xn.jacobian take those)"
        )


def _linearize(
    f: Callable[..., Tensor], primals: Sequence[Any]
) -> tuple[Tensor, list[Tensor], Callable[[Sequence[Tensor | None], bool], Tensor] | None]:
    """``f``'s output, its leaves, and ``push(tangents, again) -> J t``.

    One forward pass and one backward pass (to a dummy cotangent, keeping its graph)
    serve every ``push``; ``again=True`` keeps that graph for another push. A None
    tangent is a zero one. ``push`` is None when the output does not depend on the
    inputs.
    """
    _tensors_only(primals)
    args, leaves, nested = _prepare(tuple(primals), tuple(range(len(primals))))
    with enable_grad():
        out = f(*args)
        if not isinstance(out, TensorBase):
            raise ArgumentTypeError(
                f"jvp/jacfwd: the function must return one tensor, got a {type(out).__name__}; "
                "take one output at a time (lambda x: f(x)[0])"
            )
        if not out.requires_grad:
            return (out if nested else out.detach()), leaves, None
        u = wrap(out.backend.full_like(out._data, 0), out.backend).requires_grad_(True)
        gs = backward((out,), (u,), inputs=leaves, create_graph=True, retain_graph=True)
    assert gs is not None

    def push(tangents: Sequence[Tensor | None], again: bool) -> Tensor:
        with enable_grad():
            terms = [
                (g * t).sum()
                for g, t in zip(gs, tangents, strict=True)
                if g is not None and t is not None
            ]
            terms = [s for s in terms if s.requires_grad]
            if not terms:
                return _zeros_like(out)
            total = terms[0]
            for s in terms[1:]:
                total = OPS.add(total, s)
            got = backward((total,), inputs=[u], create_graph=nested, retain_graph=again or nested)
        assert got is not None
        return got[0] if got[0] is not None else _zeros_like(out)

    return (out if nested else out.detach()), leaves, push


def jvp(
    f: Callable[..., Tensor], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Tensor, Tensor]:
    """``(f(*primals), J t)``: the output and its directional derivative along ``tangents``.

    ``tangents`` has one tensor per primal, of the primal's shape. Nested inside
    ``grad`` (or another ``jvp``) the result stays differentiable.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    _tensors_only(primals)
    if len(primals) != len(tangents):
        raise ArgumentError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    ts = [t if is_tensor(t) else OPS.as_tensor(t) for t in tangents]
    for i, (x, t) in enumerate(zip(primals, ts, strict=True)):
        shape = x.shape if isinstance(x, TensorBase) else OPS.as_tensor(x).shape
        if t.shape != shape:
            raise ShapeError(f"jvp: tangent {i} has shape {t.shape} for a primal of shape {shape}")
    out, _, push = _linearize(f, primals)
    return out, (_zeros_like(out) if push is None else push(ts, False))


def jacfwd(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` by forward mode: shape ``out.shape + x.shape`` for each
    differentiated argument. One forward and one backward pass, then one push per input
    element (cheaper than ``jacobian`` when inputs are fewer than outputs)."""
    nums = _as_tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _check_argnums(nums, len(args), "jacfwd")

        def g(*xs: Tensor) -> Tensor:
            full = list(args)
            for k, x in zip(nums, xs, strict=True):
                full[k] = x
            return f(*full, **kwargs)  # keyword arguments: passed, not differentiated

        out, leaves, push = _linearize(g, [args[i] for i in nums])
        jacs = []
        for i, x in enumerate(leaves):
            b = x.backend
            if push is None:
                cols = [_zeros_like(out)] * x.size
            else:
                eye = b.eye(x.size, None, x.dtype)
                cols = [
                    push([wrap(b.xp.reshape(eye[j, ...], x.shape), b) if k == i else None
                          for k in range(len(leaves))], True)
                    for j in range(x.size)
                ]  # fmt: skip
            jacs.append(OPS.reshape(OPS.stack(cols, out.ndim), out.shape + x.shape))
        return jacs[0] if isinstance(argnums, int) else tuple(jacs)

    return wrapped


def _check_argnums(nums: Sequence[int], n: int, who: str) -> None:
    bad = [i for i in nums if not -n <= i < n]
    if bad:
        raise ArgumentError(f"{who}: argnums {list(nums)} for a call with {n} positional arguments")


def _with_one(a: Tensor, ax: int) -> Tensor:
    """``a`` with its mapped (size-0) axis given one element."""
    shape = list(a.shape)
    shape[ax % a.ndim] = 1
    return wrap(a.backend.full(tuple(shape), 0, a.dtype), a.backend)


def _none_of(one: Tensor, out_axes: int) -> Tensor:
    """An empty stack of results like ``one`` (vmap over a size-0 axis)."""
    shape = list(one.shape)
    shape.insert(out_axes % (one.ndim + 1), 0)
    return wrap(one.backend.full(tuple(shape), 0, one.dtype), one.backend)


def _stack_tree(results: list[Any], axis: int) -> Any:
    """The results of each slice stacked on ``axis``: tensor by tensor through tuples,
    lists and dicts (a gradient by parameter name stays a dict)."""
    first = results[0]
    if isinstance(first, dict):
        return {k: _stack_tree([r[k] for r in results], axis) for k in first}
    if isinstance(first, (list, tuple)):
        items = [_stack_tree([r[k] for r in results], axis) for k in range(len(first))]
        return type(first)(*items) if hasattr(first, "_fields") else type(first)(items)
    return OPS.stack(results, axis)


def _tree_leaves(tree: Any) -> list[Any]:
    """The tensors of an argument: itself, or those of a dict, list or tuple (nested)."""
    if isinstance(tree, dict):
        return [t for v in tree.values() for t in _tree_leaves(v)]
    if isinstance(tree, (list, tuple)):
        return [t for v in tree for t in _tree_leaves(v)]
    return [tree]


def _slice_at(t: Any, axis: int, i: int) -> Any:
    return t[(slice(None),) * (axis % t.ndim) + (i,)]


def _tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """``tree`` with each of its tensors replaced by ``fn`` of it."""
    return _rebuild(tree, iter([fn(t) for t in _tree_leaves(tree)]))


def vmap(
    f: Callable[..., Any],
    in_axes: int | Sequence[int | None] | None = 0,
    out_axes: int = 0,
    *,
    in_dims: int | Sequence[int | None] | None = None,
    out_dims: int | None = None,
) -> Callable[..., Any]:
    """``f`` mapped over axis ``in_axes`` of its arguments (None: not mapped), results stacked
    on ``out_axes``. Calls ``f`` once per slice (no batched rules); an argument that is a
    dict, list or tuple of tensors is sliced tensor by tensor, and tuples, lists and dicts
    of results are stacked element by element. ``in_dims``/``out_dims`` are PyTorch's
    names for them (``torch.vmap``)."""
    if in_dims is not None:
        in_axes = in_dims
    if out_dims is not None:
        out_axes = out_dims

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        axes: list[Any] = (
            [in_axes] * len(args) if not isinstance(in_axes, (list, tuple)) else list(in_axes)
        )
        if len(axes) != len(args):
            raise ArgumentError(f"vmap: {len(axes)} in_axes for {len(args)} arguments")
        # an argument may be a dict, list or tuple of tensors (torch.func's pytrees: a
        # model's stacked parameters by name): its axis applies to each of its tensors
        sizes = {
            t.shape[ax] for a, ax in zip(args, axes, strict=True) if ax is not None
            for t in _tree_leaves(a)
        }  # fmt: skip
        if len(sizes) != 1:
            raise ShapeError(
                f"vmap: the mapped axes must have one size, got {sorted(sizes) or 'none mapped'}"
            )
        (n,) = sizes

        def at(i: int, source: Sequence[Any]) -> list[Any]:
            return [
                a if ax is None else _tree_map(functools.partial(_slice_at, axis=int(ax), i=i), a)
                for a, ax in zip(source, axes, strict=True)
            ]

        if n == 0:  # no slice to call f on: learn the result's shape from a zero example
            probe = [a if ax is None else _tree_map(functools.partial(_with_one, ax=int(ax)), a)
                     for a, ax in zip(args, axes, strict=True)]  # fmt: skip
            one = f(*at(0, probe), **kwargs)
            if isinstance(one, tuple):
                return tuple(_none_of(r, out_axes) for r in one)
            return _none_of(one, out_axes)
        return _stack_tree([f(*at(i, args), **kwargs) for i in range(n)], out_axes)

    return wrapped
