"""PyTorch's ``torch.autograd`` spellings over xpnet's engine (``xn.autograd``).

``grad(outputs, inputs, ...)`` returns the gradients of ``outputs`` with respect to
``inputs`` without touching ``.grad``; ``backward(tensors, ...)`` accumulates into
``.grad``; the grad modes and anomaly detection are xpnet's own under PyTorch's names.
xpnet's functional API (``xn.grad(f)``, ``xn.vjp``, ``xn.jacobian``) is JAX's and
differentiates functions; this module is for code written against PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import Token
from typing import Any

from .._errors import ArgumentTypeError, GraphError
from .._torch_functions import inference_mode as inference_mode
from ..autodiff import backward as _backward
from ..autodiff import describe
from ..autodiff import detect_anomaly as _detect_anomaly
from ..autodiff import enable_grad as enable_grad
from ..autodiff import no_grad as no_grad
from ..autodiff import set_grad_enabled as set_grad_enabled
from ..autodiff.internal import is_anomaly_enabled as is_anomaly_enabled
from ..autodiff.internal import is_tensor, reset_anomaly, set_anomaly
from ..ops import zeros_like
from ..tensor import Tensor
from . import forward_ad as forward_ad
from . import functional as functional
from ._gradcheck import gradcheck as gradcheck
from ._gradcheck import gradgradcheck as gradgradcheck
from .function import Function as Function
from .function import FunctionCtx as FunctionCtx


def _tensors(obj: Any, what: str) -> list[Tensor]:
    items = [obj] if is_tensor(obj) else list(obj) if isinstance(obj, Sequence) else None
    if items is None or not all(is_tensor(t) for t in items):
        raise ArgumentTypeError(
            f"autograd: {what} must be a Tensor or a sequence of Tensors, got {obj!r}"
        )
    return items


def _seeds(given: Any) -> list[Tensor | None] | None:
    """The cotangents of the roots: None (ones for one-element roots), one tensor, or a
    sequence (None entries allowed)."""
    if given is None:
        return None
    return [given] if is_tensor(given) else list(given)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` (weighted by ``grad_outputs``, needed for outputs of more
    than one element) with respect to each of ``inputs``, as a tuple; ``.grad`` is left
    alone. An input the outputs do not depend on raises unless ``allow_unused`` (then None)
    or ``materialize_grads`` (then zeros). ``create_graph`` makes the gradients
    differentiable (a gradient penalty, a Hessian-vector product); the graph is kept
    after the call when ``retain_graph`` (default: ``create_graph``)."""
    outs, ins = _tensors(outputs, "outputs"), _tensors(inputs, "inputs")
    seeds = _seeds(grad_outputs)
    if seeds is not None and len(seeds) != len(outs):
        raise ArgumentTypeError(f"autograd.grad: {len(seeds)} grad_outputs for {len(outs)} outputs")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise GraphError(f"autograd.grad: input {i} ({describe(t)}) does not require grad")
    got = _backward(outs, seeds, inputs=ins, create_graph=create_graph, retain_graph=retain_graph)
    assert got is not None
    unused_ok = materialize_grads if allow_unused is None else allow_unused
    result = []
    for i, (g, t) in enumerate(zip(got, ins, strict=True)):
        if g is None:
            if materialize_grads:
                g = zeros_like(t)
            elif not unused_ok:
                raise GraphError(
                    f"autograd.grad: input {i} ({describe(t)}) was not used to compute the "
                    "outputs; pass allow_unused=True to get None for it (or materialize_grads=True "
                    "for zeros)"
                )
        result.append(g)
    return tuple(result)


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``tensors`` (weighted by ``grad_tensors``) into ``.grad``
    of every leaf that requires grad: ``Tensor.backward`` for several roots at once."""
    roots = _tensors(tensors, "tensors")
    _backward(roots, _seeds(grad_tensors), create_graph=create_graph, retain_graph=retain_graph)


def Variable(data: Tensor, requires_grad: bool = False) -> Tensor:
    """PyTorch's old ``Variable``: the tensor itself (tensors carry their gradients now), or
    a leaf copy of its values that requires grad when ``requires_grad``."""
    if not is_tensor(data):
        raise ArgumentTypeError(f"Variable: expected a Tensor, got {type(data).__name__}")
    return data.detach().requires_grad_(True) if requires_grad else data


def detect_anomaly(check_nan: bool = True) -> Any:
    """Check every op's output and every gradient for NaN and Inf inside the block
    (``xn.detect_anomaly``); ``check_nan=False`` turns the checks off there."""
    return _detect_anomaly() if check_nan else set_detect_anomaly(False)


class set_detect_anomaly:
    """Turn anomaly detection on or off: from the call on, or inside a ``with`` block (the
    previous setting comes back at its end), as PyTorch's ``set_detect_anomaly``."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._token: Token[bool] = set_anomaly(bool(mode) and check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        reset_anomaly(self._token)


__all__ = [
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_anomaly_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]
