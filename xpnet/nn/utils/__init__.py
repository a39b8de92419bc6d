"""``xn.nn.utils``: gradient clipping (in place, on each gradient's own device, no host
round trip) and parameters as one vector and back."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ... import ops
from ..._errors import ArgumentError, NonFiniteError
from ...autodiff import no_grad
from ...ops import max as max_
from ...ops import stack
from ...ops import sum as sum_
from ...tensor import Tensor
from . import parametrizations as parametrizations
from . import parametrize as parametrize
from . import rnn as rnn
from ._weight_norm import remove_weight_norm as remove_weight_norm
from ._weight_norm import weight_norm as weight_norm


def _grads(parameters: Iterable[Tensor] | Tensor) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
    error_if_nonfinite: bool = False, foreach: bool | None = None,
) -> Tensor:  # fmt: skip
    """Scale all gradients together so their total ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d Tensor on the gradients' device; 0 when
    no parameter has a gradient, as PyTorch). ``error_if_nonfinite``: a NaN or infinite
    total norm raises ``NonFiniteError`` before any gradient changes. ``foreach`` is
    accepted for PyTorch code (one code path here).
    """
    given = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    params = _grads(given)
    if not params:
        where = given[0].backend if given else None
        return ops.zeros((), backend=where)
    with no_grad():
        gs = [p.grad for p in params]
        if math.isinf(norm_type):
            total = max_(stack([max_(ops.abs(g)) for g in gs]))
        else:
            total = sum_(stack([sum_(ops.abs(g) ** norm_type) for g in gs])) ** (1.0 / norm_type)
        if error_if_nonfinite and not math.isfinite(float(total.item())):
            raise NonFiniteError(
                f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {float(total.item())}; "
                "no gradient was changed"
            )
        scale = ops.minimum(max_norm / (total + 1e-6), 1.0)
        for p in params:
            p.grad = p.grad * scale
    return total


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clip every gradient element to [-clip_value, clip_value]."""
    with no_grad():
        for p in _grads(parameters):
            p.grad = ops.clip(p.grad, -clip_value, clip_value)  # type: ignore[arg-type]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined into one vector (differentiable), in order."""
    params = list(parameters)
    if not params:
        raise ArgumentError("parameters_to_vector: no parameters")
    return ops.concat([ops.reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters, in place (outside the graph),
    checking the length first so that nothing changes on a mismatch."""
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ArgumentError(
            f"vector_to_parameters: a vector of shape {vec.shape} for parameters of {total} elements"
        )
    with no_grad():
        start = 0
        for p in params:
            n = p.numel()
            p.copy_(ops.reshape(vec[start : start + n], p.shape))
            start += n
