"""The base of xpnet's probability distributions (PyTorch's ``torch.distributions``).

A distribution holds tensor parameters broadcast to one ``batch_shape``; each draw is
of ``event_shape``. ``sample(sample_shape)`` draws without a graph, ``rsample`` draws
with the reparameterisation trick (gradients flow to the parameters: a VAE's latent),
``log_prob(value)`` is differentiable in the parameters (a policy gradient's
``-log_prob * advantage``). Everything is written with xpnet's ops, so it runs on every
backend and differentiates to any order.

Arguments are checked as PyTorch checks them by default (``validate_args``): a
parameter outside its range, or a value outside the support given to ``log_prob``,
raises ``ArgumentError``. On a GPU the check is deferred to the next read of a value to
the host (``Backend.check``), so no step waits for it; ``validate_args=False`` skips it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import ops
from .._errors import ArgumentError, NotSupportedError
from ..autodiff import no_grad
from ..autodiff.internal import is_tensor
from ..tensor import Tensor

_VALIDATE = [True]


def set_default_validate_args(value: bool) -> None:
    """Whether distributions check their arguments unless told (PyTorch's switch)."""
    _VALIDATE[0] = bool(value)


def params(*values: Any) -> tuple[Tensor, ...]:
    """The parameters as tensors of one backend and floating dtype, broadcast together
    (Python numbers take the tensors' dtype, float32 when there is none)."""
    first = next((v for v in values if is_tensor(v)), None)
    if first is None:
        made = [ops.tensor(float(v)) for v in values]
    else:
        dtype = first.dtype if first.backend.is_inexact(first.dtype) else None
        made = [
            v if is_tensor(v) else ops.tensor(float(v), dtype=dtype, backend=first.backend)
            for v in values
        ]
        for v in made:
            if v.backend is not first.backend:
                raise ArgumentError(
                    f"distribution parameters on {first.backend} and {v.backend}: move them to one"
                )
    made = [v if v.backend.is_inexact(v.dtype) else ops.astype(v, "float32") for v in made]
    return ops.broadcast_arrays(*made) if len(made) > 1 else (made[0],)


def check(bad: Tensor, message: Callable[[], str]) -> None:
    """Raise ``ArgumentError(message())`` where the boolean tensor ``bad`` has a True (at once
    on the host, at the next host read on a device)."""
    b = bad.backend
    b.check(b.xp.any(bad._data), lambda: ArgumentError(message()))


def machine_eps(t: Tensor) -> float:
    """The spacing of ``t``'s floating dtype at 1."""
    name = t.backend.dtype_name(t.dtype)
    return 2.0**-7 if name == "bfloat16" else float(np.finfo(np.dtype(name)).eps)


def lowest(t: Tensor) -> float:
    """The most negative finite number of ``t``'s floating dtype."""
    name = t.backend.dtype_name(t.dtype)
    return -3.3895313892515355e38 if name == "bfloat16" else float(np.finfo(np.dtype(name)).min)


def size(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


class Distribution:
    """A batch of distributions over events of ``event_shape``."""

    has_rsample = False
    arg_names: tuple[str, ...] = ()

    def __init__(
        self,
        batch_shape: Sequence[int] = (),
        event_shape: Sequence[int] = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        self._validate = _VALIDATE[0] if validate_args is None else bool(validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self._event_shape

    def extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        """The shape of ``sample(sample_shape)``: sample, batch, event."""
        return size(sample_shape) + self._batch_shape + self._event_shape

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape`` samples of every distribution of the batch (no graph)."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotSupportedError(f"{type(self).__name__} has no reparameterised sample")

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotSupportedError(f"{type(self).__name__}.log_prob")

    def entropy(self) -> Tensor:
        raise NotSupportedError(f"{type(self).__name__}.entropy")

    @property
    def mean(self) -> Tensor:
        raise NotSupportedError(f"{type(self).__name__}.mean")

    @property
    def variance(self) -> Tensor:
        raise NotSupportedError(f"{type(self).__name__}.variance")

    @property
    def stddev(self) -> Tensor:
        return ops.sqrt(self.variance)

    def perplexity(self) -> Tensor:
        return ops.exp(self.entropy())

    def value_of(self, value: Any, like: Tensor) -> Tensor:
        """``value`` as a tensor on the parameters' backend, its trailing axes checked
        against the event shape."""
        if not is_tensor(value):
            value = ops.tensor(value, backend=like.backend)
        elif value.backend is not like.backend:
            raise ArgumentError(
                f"{type(self).__name__}.log_prob: a value on {value.backend} for parameters "
                f"on {like.backend}"
            )
        n = len(self._event_shape)
        if n and tuple(value.shape[-n:]) != self._event_shape:
            raise ArgumentError(
                f"{type(self).__name__}.log_prob: a value of shape {value.shape} for events "
                f"of shape {self._event_shape}"
            )
        return value

    def __repr__(self) -> str:
        shown = []
        for name in self.arg_names:
            v = getattr(self, name)
            shown.append(f"{name}: {v.item() if v.size == 1 else v.shape}")
        return f"{type(self).__name__}({', '.join(shown)})"


LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
