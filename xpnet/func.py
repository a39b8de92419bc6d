"""PyTorch's ``torch.func`` names over xpnet's function transforms (``xn.func``).

``grad``, ``vjp``, ``jvp``, ``jacfwd``, ``hessian`` are xpnet's own (JAX's design, which
``torch.func`` follows); ``jacrev`` is ``xn.jacobian``; ``grad_and_value`` gives PyTorch's
``(gradient, value)`` order; ``vmap`` takes PyTorch's ``in_dims``/``out_dims``; and
``functional_call(model, params, args)`` calls a module with other tensors in place of its
parameters and buffers, so ``grad(lambda p: loss(functional_call(model, p, (x,))))(params)``
differentiates with respect to a dict of them (per-sample gradients, meta-learning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ._errors import ArgumentError, NotSupportedError
from .autodiff import grad as grad
from .autodiff import hessian as hessian
from .autodiff import jacfwd as jacfwd
from .autodiff import jacobian as _jacobian
from .autodiff import jvp as jvp
from .autodiff import value_and_grad as _value_and_grad
from .autodiff import vjp as vjp
from .autodiff import vmap as _vmap
from .nn import Module
from .ops import stack


def grad_and_value(
    func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """``(gradient, value)`` of ``func`` (``((gradient), (value, aux))`` with ``has_aux``),
    PyTorch's order (``xn.value_and_grad`` gives JAX's)."""
    vg = _value_and_grad(func, argnums, has_aux)

    def f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        value, g = vg(*args, **kwargs)
        return g, value

    return f


def jacrev(
    func: Callable[..., Any], argnums: Any = 0, *, has_aux: bool = False, chunk_size: Any = None
) -> Callable[..., Any]:
    """The Jacobian by reverse mode (``xn.jacobian``)."""
    if has_aux:
        raise NotSupportedError("jacrev(has_aux=True) is not supported; return only the output")
    del chunk_size  # rows are computed one backward at a time already
    return _jacobian(func, argnums)


def vmap(
    func: Callable[..., Any],
    in_dims: Any = 0,
    out_dims: int = 0,
    randomness: str = "error",
    *,
    chunk_size: Any = None,
) -> Callable[..., Any]:
    """``func`` mapped over axis ``in_dims`` of its arguments (``xn.vmap``'s ``in_axes``)."""
    if randomness not in ("error", "different", "same"):
        raise ArgumentError(
            f"vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}"
        )
    del chunk_size
    return _vmap(func, in_axes=in_dims, out_axes=out_dims)


def stack_module_state(models: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parameters and buffers of same-shaped models stacked on a new leading axis, by
    name: ``(params, buffers)`` for ``vmap(lambda p, b, x: functional_call(model, (p, b),
    (x,)))`` (an ensemble run as one). The stacked parameters are new leaves that require
    grad where the models' do (PyTorch's)."""
    models = list(models)
    if not models:
        raise ArgumentError("stack_module_state: needs at least one model")
    names = [dict(m.named_parameters()) for m in models]
    bufs = [dict(m.named_buffers()) for m in models]
    for i, (p, b) in enumerate(zip(names[1:], bufs[1:], strict=True), start=1):
        if list(p) != list(names[0]) or list(b) != list(bufs[0]):
            raise ArgumentError(
                f"stack_module_state: model {i} has other parameters or buffers than model 0"
            )
        for k, v in [*p.items(), *b.items()]:
            first = names[0][k] if k in names[0] else bufs[0][k]
            if tuple(v.shape) != tuple(first.shape):
                raise ArgumentError(
                    f"stack_module_state: {k!r} of model {i} is {tuple(v.shape)}, of model 0 "
                    f"{tuple(first.shape)}"
                )
    params = {}
    for k, first in names[0].items():
        stacked = stack([n[k].detach() for n in names])
        params[k] = stacked.requires_grad_() if first.requires_grad else stacked
    buffers = {k: stack([b[k].detach() for b in bufs]) for k in bufs[0]}
    return params, buffers


def _owner(module: Module, name: str) -> tuple[Module, str]:
    *path, leaf = name.split(".")
    owner = module
    for part in path:
        sub = owner._modules.get(part)
        if sub is None:
            raise ArgumentError(
                f"functional_call: {type(module).__name__} has no submodule {part!r} ({name!r})"
            )
        owner = sub
    if leaf not in owner._parameters and leaf not in owner._buffers:
        raise ArgumentError(
            f"functional_call: {name!r} is not a parameter or buffer of {type(module).__name__}"
        )
    return owner, leaf


@contextmanager
def _swapped(module: Module, values: Mapping[str, Any]) -> Iterator[None]:
    saved: list[tuple[Module, dict[str, Any], str, Any]] = []
    try:
        for name, value in values.items():
            owner, leaf = _owner(module, name)
            registry: dict[str, Any] = (
                owner._parameters if leaf in owner._parameters else owner._buffers
            )
            saved.append((owner, registry, leaf, registry[leaf]))
            registry[leaf] = value
            object.__setattr__(owner, leaf, value)
        yield
    finally:
        for owner, registry, leaf, old in reversed(saved):
            registry[leaf] = old
            object.__setattr__(owner, leaf, old)


def functional_call(
    module: Module,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts`` (a
    dict by state-dict name, or a sequence of them) in place of its own; the module is left
    as it was. ``strict=True`` requires every parameter and buffer to be given."""
    del tie_weights  # a tied tensor is one registry entry per owner: replaced by name
    dicts = (
        [parameter_and_buffer_dicts]
        if isinstance(parameter_and_buffer_dicts, Mapping)
        else list(parameter_and_buffer_dicts)
    )
    values: dict[str, Any] = {}
    for d in dicts:
        for k, v in d.items():
            if k in values:
                raise ArgumentError(f"functional_call: {k!r} is given twice")
            values[k] = v
    if strict:
        missing = sorted(set(module.state_dict()) - set(values))
        if missing:
            raise ArgumentError(f"functional_call(strict=True): missing {missing}")
    call_args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _swapped(module, values):
        return module(*call_args, **(kwargs or {}))


__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "stack_module_state",
    "vjp",
    "vmap",
]
