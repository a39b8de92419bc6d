"""The functional API in the spirit of autograd: grad, value_and_grad, vjp, jacobian, hessian.

Each transforms a function of Tensors into another function of Tensors. They
nest: ``grad(grad(f))`` works because, when an argument already belongs to an
outer differentiation, the inner one keeps it in the graph and records its own
backward pass (``create_graph``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError, ArgumentTypeError, ShapeError
from ._engine import OPS, backward
from ._mode import enable_grad, is_grad_enabled
from ._tensor_base import TensorBase, alias, is_tensor, wrap

if TYPE_CHECKING:
    from ..tensor import Tensor

Argnums = int | Sequence[int]


def _as_tuple(argnums: Argnums) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _is_tree(a: Any) -> bool:
    """A dict, or a list or tuple holding tensors or trees: its tensors are differentiated
    one by one and the gradient has its structure (JAX's and ``torch.func``'s pytrees). A
    list of plain numbers stays one tensor."""
    if isinstance(a, dict):
        return True
    return isinstance(a, (list, tuple)) and any(isinstance(v, TensorBase) or _is_tree(v) for v in a)


def _leaves_of(a: Any, leaves: list[Tensor]) -> tuple[Any, bool]:
    """``a`` with each tensor made a graph leaf (appended to ``leaves``), and whether one
    of them belongs to an outer differentiation (kept connected then)."""
    if _is_tree(a):
        nested = False
        if isinstance(a, dict):
            out: dict[Any, Any] = {}
            for k, v in a.items():
                out[k], n = _leaves_of(v, leaves)
                nested = nested or n
            return out, nested
        items = []
        for v in a:
            item, n = _leaves_of(v, leaves)
            items.append(item)
            nested = nested or n
        return (type(a)(*items) if hasattr(a, "_fields") else type(a)(items)), nested
    if not isinstance(a, TensorBase):
        a = OPS.as_tensor(a)
    nested = bool(a._rg and is_grad_enabled())  # part of an outer differentiation
    if not nested:
        a = alias(a).requires_grad_(True)
    leaves.append(a)
    return a, nested


def _rebuild(tree: Any, gs: Iterator[Tensor]) -> Any:
    """``tree``'s structure with its tensors replaced, in order, by ``gs``."""
    if isinstance(tree, dict):
        return {k: _rebuild(v, gs) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [_rebuild(v, gs) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return next(gs)


def _prepare(
    args: tuple[Any, ...], argnums: tuple[int, ...]
) -> tuple[list[Any], list[Tensor], bool]:
    """Arguments with the differentiated ones made into graph leaves (or kept, when nested)."""
    args_l = list(args)
    leaves: list[Tensor] = []
    nested = False
    for i in argnums:
        args_l[i], n = _leaves_of(args_l[i], leaves)
        nested = nested or n
    return args_l, leaves, nested


def _zeros_like(x: Tensor) -> Tensor:
    return wrap(x.backend.full_like(x._data, 0), x.backend)


def _zeros_if_none(gs: Sequence[Tensor | None], leaves: Sequence[Tensor]) -> list[Tensor]:
    return [_zeros_like(x) if g is None else g for g, x in zip(gs, leaves, strict=True)]


def _grads(
    out: Tensor, leaves: list[Tensor], nested: bool, seed: Tensor | None = None
) -> list[Tensor]:
    if not out.requires_grad:
        return _zeros_if_none([None] * len(leaves), leaves)
    got = backward(
        (out,),
        None if seed is None else (seed,),
        inputs=leaves,
        create_graph=nested,
        retain_graph=True,
    )
    assert got is not None
    return _zeros_if_none(got, leaves)


def value_and_grad(
    f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """``f``'s value and its gradient with respect to the arguments ``argnums``.

    ``f`` must return a tensor of one element. The gradient is a Tensor for an
    int ``argnums`` and a tuple for a sequence; an argument that is a dict, list or tuple
    of tensors (a model's parameters by name) gets a gradient of the same structure. ``has_aux=True`` (as in JAX): ``f``
    returns ``(value, aux)``, and the result is ``((value, aux), gradient)``; ``aux``
    (any object: metrics, predictions) is passed through, not differentiated.
    """
    nums = _as_tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        bad = [i for i in nums if not -len(args) <= i < len(args)]
        if bad:
            raise ArgumentError(
                f"grad: argnums {list(nums)} for a call with {len(args)} positional arguments"
            )
        args_l, leaves, nested = _prepare(args, nums)
        with enable_grad():
            out = f(*args_l, **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ArgumentTypeError(
                    f"grad(has_aux=True): the function must return a pair (value, aux), got "
                    f"{type(out).__name__}{f' of {len(out)}' if isinstance(out, tuple) else ''}"
                )
            out, aux = out
        if not is_tensor(out) or out.size != 1:
            shape = out.shape if isinstance(out, TensorBase) else type(out).__name__
            raise ShapeError(
                f"grad: the function must return a one-element Tensor, got {shape}; use xn.jacobian or xn.vjp"
            )
        it = iter(_grads(out, leaves, nested))
        per_arg = [_rebuild(args_l[i], it) for i in nums]
        value = out if nested else out.detach()
        g = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
        return ((value, aux if nested else _detached(aux)), g) if has_aux else (value, g)

    return wrapped


def _detached(obj: Any) -> Any:
    """``aux`` with its tensors cut from the graph (through tuples, lists and dicts)."""
    if isinstance(obj, TensorBase):
        return obj.detach()
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple
        return type(obj)(*(_detached(o) for o in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(_detached(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _detached(v) for k, v in obj.items()}
    return obj


def grad(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of the scalar function ``f`` with respect to arguments ``argnums``;
    with ``has_aux=True`` ``f`` returns ``(value, aux)`` and this ``(gradient, aux)``."""
    vg = value_and_grad(f, argnums, has_aux)
    if has_aux:

        def with_aux(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux

        return with_aux
    return lambda *args, **kwargs: vg(*args, **kwargs)[1]


def vjp(
    f: Callable[..., Tensor], *primals: Any
) -> tuple[Tensor, Callable[[Tensor], tuple[Tensor, ...]]]:
    """``f(*primals)`` and a function mapping an output cotangent to the primals' cotangents
    (a dict or list of tensors gets its cotangents in the same structure)."""
    args_l, leaves, nested = _prepare(primals, tuple(range(len(primals))))
    with enable_grad():
        out = f(*args_l)

    def vjp_fn(cotangent: Tensor) -> tuple[Tensor, ...]:
        if cotangent.shape != out.shape:
            raise ShapeError(
                f"vjp: cotangent of shape {cotangent.shape} for an output of shape {out.shape}"
            )
        it = iter(_grads(out, leaves, nested, seed=cotangent))
        return tuple(_rebuild(a, it) for a in args_l)

    return (out if nested else out.detach()), vjp_fn


def jacobian(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian of ``f``: shape ``out.shape + x.shape`` for each differentiated argument."""
    nums = _as_tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        args_l, leaves, nested = _prepare(args, nums)
        with enable_grad():
            out = f(*args_l, **kwargs)
        rows: list[list[Tensor]] = [[] for _ in leaves]
        n = out.size
        b = out.backend
        eye = b.eye(n, None, out.dtype)
        for i in range(n):
            seed = wrap(b.xp.reshape(eye[i, ...], out.shape), b)
            gs = _grads(out, leaves, nested, seed=seed)
            for r, g in zip(rows, gs, strict=True):
                r.append(g)
        it = iter(
            OPS.reshape(OPS.stack(r, 0), out.shape + x.shape)
            for r, x in zip(rows, leaves, strict=True)
        )
        jacs = tuple(_rebuild(args_l[i], it) for i in nums)  # a dict argument: a dict of them
        return jacs[0] if isinstance(argnums, int) else jacs

    return wrapped


def hessian(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Hessian of the scalar function ``f``: shape ``x.shape + x.shape`` for an int
    ``argnums``; for a tuple, JAX's nested blocks ``H[i][j]`` of shape
    ``x_i.shape + x_j.shape`` (the derivative of the gradient for ``argnums[i]`` with
    respect to ``argnums[j]``)."""
    if isinstance(argnums, int):
        return jacobian(grad(f, argnums), argnums)
    nums = tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any) -> tuple[tuple[Tensor, ...], ...]:
        return tuple(jacobian(lambda *a, i=i: grad(f, i)(*a, **kwargs), nums)(*args) for i in nums)

    return wrapped
