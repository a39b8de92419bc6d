"""PyTorch's ``torch.autograd.Function``: a differentiable operation written as a
``forward(ctx, *args)`` and a ``backward(ctx, *grad_outputs)``, applied with
``MyFn.apply(*args)``.

``forward`` runs on tensors with recording off and returns one tensor; ``backward``
gets the gradient of that output and returns one gradient per ``forward`` argument (None
for those that need none). The call is recorded as one node of the primitive
``autograd_function``, whose VJP rule calls ``backward``: written with xpnet's ops, it is
differentiable itself (gradients of gradients). ``xn.compile`` does not record such a
step (its forward is Python code the program would not rerun): it runs eagerly."""

from __future__ import annotations

from typing import Any

from .._capture import ACTIVE, recorder
from .._errors import ArgumentError, ArgumentTypeError, NotSupportedError, ShapeError
from ..autodiff import Primitive, describe, is_grad_enabled, no_grad
from ..autodiff.internal import is_tensor
from ..ops import zeros
from ..tensor import Tensor


class FunctionCtx:
    """What ``forward`` hands ``backward``: ``save_for_backward(*tensors)`` and
    ``saved_tensors``, ``needs_input_grad``, and any attribute set on it."""

    needs_input_grad: tuple[bool, ...] = ()
    saved_tensors: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Accepted (PyTorch's); an output of ``apply`` is differentiable as a whole."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted (PyTorch's): xpnet's engine always passes a gradient tensor."""


class Function:
    """Subclass it with static ``forward(ctx, *args)`` and ``backward(ctx, grad)``, then
    call ``YourFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotSupportedError("an autograd.Function must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotSupportedError(
            "an autograd.Function must define backward(ctx, *grad_outputs); forward mode "
            "(forward_ad, xn.jvp) runs through it too (a jvp staticmethod is not used)"
        )

    @classmethod
    def apply(cls, *args: Any) -> Any:
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(is_tensor(a) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        if not is_tensor(out):
            raise NotSupportedError(
                f"{cls.__name__}.forward returned {type(out).__name__}: an autograd.Function "
                "here returns one Tensor"
            )
        if not (is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.unsupported(f"autograd.Function {cls.__name__} (Python code a replay would skip)")
        positions = tuple(i for i, a in enumerate(args) if is_tensor(a))
        tensors = [args[i] for i in positions]
        return function_p(*tensors, out=out._data, fn=cls, ctx=ctx, positions=positions,
                          n_args=len(args))  # fmt: skip


def _impl(b: Any, *arrays: Any, out: Any, fn: Any, ctx: Any, positions: Any, n_args: int) -> Any:
    return out  # computed by forward already (recording off); the node keeps it


def _vjp(
    i: int, g: Tensor, ans: Any, *tensors: Any, out: Any, fn: Any, ctx: FunctionCtx,
    positions: tuple[int, ...], n_args: int,
) -> Tensor:  # fmt: skip
    """The gradient for tensor argument ``i``: ``fn.backward``'s, called once per gradient
    (the rules of one node run one after another with the same ``g``)."""
    cached = getattr(ctx, "_grads", None)
    if cached is None or cached[0] is not g:
        grads = fn.backward(ctx, g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != n_args:
            raise ArgumentError(
                f"{fn.__name__}.backward returned {len(grads)} gradients for {n_args} forward "
                "arguments (one each; None where none is needed)"
            )
        ctx._grads = cached = (g, grads)  # type: ignore[attr-defined]
    grad = cached[1][positions[i]]
    arg = tensors[i]
    if grad is None:  # (``arg`` is the argument's shape, dtype and backend: not kept)
        return zeros(arg.shape, dtype=arg.backend.dtype_name(arg.dtype), backend=arg.backend)
    if not is_tensor(grad):
        raise ArgumentTypeError(
            f"{fn.__name__}.backward returned {type(grad).__name__} for argument {positions[i]}"
        )
    if grad.shape != arg.shape:
        raise ShapeError(
            f"{fn.__name__}.backward returned {describe(grad)} for argument {positions[i]}, "
            f"{describe(arg)}"
        )
    return grad


function_p = Primitive("autograd_function", _impl)
function_p.defvjp_argnum(_vjp, keep=(), keep_ans=False)
