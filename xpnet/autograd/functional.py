"""PyTorch's ``torch.autograd.functional``: Jacobians, Hessians and vector products of a
function at given inputs, over xpnet's function transforms (``xn.jacobian``,
``xn.hessian``, ``xn.vjp``, ``xn.jvp``). ``inputs`` is a Tensor or a tuple of them, and
results follow it (a tuple for a tuple); ``create_graph=False`` returns results detached
from the graph, as PyTorch does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import autodiff
from .._errors import ArgumentError, ArgumentTypeError
from ..autodiff.internal import is_tensor
from ..ops import ones_like
from ..tensor import Tensor


def _as_tuple(obj: Any, what: str) -> tuple[tuple[Tensor, ...], bool]:
    """``obj`` as a tuple of tensors, and whether it was one tensor."""
    if is_tensor(obj):
        return (obj,), True
    if isinstance(obj, (tuple, list)) and all(is_tensor(t) for t in obj):
        return tuple(obj), False
    raise ArgumentTypeError(
        f"autograd.functional: {what} must be a Tensor or a tuple of Tensors, got {obj!r}"
    )


def _done(t: Any, create_graph: bool) -> Any:
    if isinstance(t, tuple):
        return tuple(_done(x, create_graph) for x in t)
    return t if create_graph else t.detach()


def _call(func: Callable[..., Any], inputs: tuple[Tensor, ...]) -> Any:
    return func(*inputs)


def jacobian(
    func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
    vectorize: bool = False, strategy: str = "reverse-mode",
) -> Any:  # fmt: skip
    """The Jacobian of ``func`` at ``inputs``: for one output and one input a tensor of shape
    output.shape + input.shape; a tuple over the inputs (and outputs) where those are tuples."""
    xs, single_in = _as_tuple(inputs, "inputs")
    argnums = tuple(range(len(xs)))
    outs = _call(func, xs)
    out_tuple, single_out = _as_tuple(outs, "the outputs of func")
    per_out = []
    for k in range(len(out_tuple)):

        def pick(*a: Tensor, k: int = k) -> Tensor:
            o = func(*a)
            return o if single_out else o[k]

        jac = autodiff.jacobian(pick, argnums=argnums)(*xs)
        per_out.append(jac[0] if single_in else tuple(jac))
    result = per_out[0] if single_out else tuple(per_out)
    return _done(result, create_graph)


def hessian(
    func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
    vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode",
) -> Any:  # fmt: skip
    """The Hessian of the scalar ``func`` at ``inputs``: input.shape * 2 for one input; a
    tuple of tuples (block (i, j)) for a tuple."""
    xs, single_in = _as_tuple(inputs, "inputs")

    def gradient(*a: Tensor) -> Any:
        g = autodiff.grad(func, argnums=tuple(range(len(a))))(*a)
        return g[0] if single_in else g

    result = jacobian(gradient, xs[0] if single_in else xs, create_graph=True)
    return _done(result, create_graph)


def vjp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:  # fmt: skip
    """(func(inputs), v^T J): the vector-Jacobian product; ``v`` may be left out for a
    one-element output."""
    xs, single_in = _as_tuple(inputs, "inputs")
    out, pullback = autodiff.vjp(func, *xs)
    if v is None:
        if out.size != 1:
            raise ArgumentError(
                "autograd.functional.vjp: v is needed for an output of more than one element"
            )
        v = ones_like(out)
    grads = pullback(v)
    return _done(out, create_graph), _done(grads[0] if single_in else tuple(grads), create_graph)


def jvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:  # fmt: skip
    """(func(inputs), J v): the Jacobian-vector product; ``v`` may be left out for a
    one-element input."""
    xs, _ = _as_tuple(inputs, "inputs")
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise ArgumentError(
                "autograd.functional.jvp: v is needed for inputs of more than one element"
            )
        v = ones_like(xs[0])
    vs, _ = _as_tuple(v, "v")
    out, tangent = autodiff.jvp(func, xs, vs)
    return _done(out, create_graph), _done(tangent, create_graph)


def _hessian_product(func: Callable[..., Any], inputs: Any, v: Any) -> tuple[Any, Any]:
    """(func(inputs), H v) by reverse over reverse: the gradient of <grad func, v>."""
    xs, single_in = _as_tuple(inputs, "inputs")
    vs, _ = _as_tuple(v, "v")
    if len(vs) != len(xs):
        raise ArgumentError(f"autograd.functional: {len(vs)} vectors for {len(xs)} inputs")
    argnums = tuple(range(len(xs)))

    def inner(*a: Tensor) -> Tensor:
        grads = autodiff.grad(func, argnums=argnums)(*a)
        total = (grads[0] * vs[0]).sum()
        for g, w in zip(grads[1:], vs[1:], strict=True):
            total = total + (g * w).sum()
        return total

    product = autodiff.grad(inner, argnums=argnums)(*xs)
    return func(*xs), product[0] if single_in else tuple(product)


def hvp(
    func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(inputs), H v) for the scalar ``func`` (H its Hessian)."""
    out, product = _hessian_product(func, inputs, v)
    return _done(out, create_graph), _done(product, create_graph)


def vhp(
    func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(inputs), v^T H): the same numbers as ``hvp`` (the Hessian of a twice
    differentiable ``func`` is symmetric)."""
    out, product = _hessian_product(func, inputs, v)
    return _done(out, create_graph), _done(product, create_graph)


__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
