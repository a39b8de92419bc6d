"""Module backward hooks (PyTorch's ``register_full_backward_hook`` and
``register_full_backward_pre_hook``), built on tensor gradient hooks.

A call of a module with such hooks passes each tensor input that requires grad through an
identity op first, so the gradient with respect to the module's input has a vertex of its
own, and hooks the outputs and those inputs: the pre-hooks see ``grad_output`` once every
output's gradient is in, the hooks ``(grad_input, grad_output)`` once every input's is
(``grad_input`` is None for inputs that need no gradient). A tuple a hook returns replaces
the gradients that have not been passed on yet: for the usual module with one tensor input
and one output that is all of them, as in PyTorch; with several inputs, only the last one
to arrive. A compiled step that runs such a hook falls back to eager mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor


def run_with_backward_hooks(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                            forward: Callable[..., Any]) -> Any:  # fmt: skip
    pre_hooks = list(module._backward_pre_hooks.values())
    hooks = list(module._backward_hooks.values())
    wanted = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    inputs = list(args)
    for i in wanted:
        inputs[i] = inputs[i] * 1  # an identity node: its gradient is the input's
    out = forward(*inputs, **kwargs)
    outs = out if isinstance(out, tuple) else (out,)
    hooked = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
    if not hooked:
        return out
    grad_out: list[Any] = [None] * len(outs)
    grad_in: list[Any] = [None] * len(args)
    left = {"out": len(hooked), "in": len(wanted)}
    replaced: dict[str, Any] = {}

    def run_hooks() -> None:
        for hook in hooks:
            new = hook(module, tuple(grad_in), tuple(grad_out))
            if new is not None:
                replaced["in"] = tuple(new) if isinstance(new, (tuple, list)) else (new,)

    def on_output(k: int) -> Callable[[Tensor], Any]:
        def hook(g: Tensor) -> Any:
            grad_out[k] = g
            left["out"] -= 1
            if left["out"]:
                return None
            for pre in pre_hooks:
                new = pre(module, tuple(grad_out))
                if new is not None:
                    grad_out[:] = tuple(new) if isinstance(new, (tuple, list)) else (new,)
            if not wanted:  # no input to wait for
                run_hooks()
            return grad_out[k]

        return hook

    def on_input(i: int) -> Callable[[Tensor], Any]:
        def hook(g: Tensor) -> Any:
            grad_in[i] = g
            left["in"] -= 1
            if left["in"]:
                return None
            run_hooks()
            new = replaced.get("in")
            return None if new is None else new[i]

        return hook

    for k in hooked:
        outs[k].register_hook(on_output(k))
    for i in wanted:
        inputs[i].register_hook(on_input(i))
    return out
