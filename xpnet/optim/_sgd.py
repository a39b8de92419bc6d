"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._errors import ArgumentError
from ..ops import zeros_like
from ..tensor import Tensor
from ._optimizer import Optimizer
from ._update import sgd_update_p


class SGD(Optimizer):
    """PyTorch's SGD: g = grad + wd p; buf = mu buf + (1 - dampening) g; p -= lr (g + mu buf | buf)."""

    _live = ("lr", "initial_lr", "momentum", "dampening", "weight_decay")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ArgumentError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        mu = group["momentum"]
        first = mu and "momentum_buffer" not in state
        if first:
            state["momentum_buffer"] = zeros_like(p)

        def scalars() -> tuple[float, ...]:
            return group["lr"], group["momentum"], 1.0 - group["dampening"], group["weight_decay"]

        sgd_update_p(
            p, grad, state.get("momentum_buffer"), *self._scalars(p, scalars),
            use_momentum=bool(mu), use_weight_decay=bool(group["weight_decay"]),
            nesterov=group["nesterov"], first=bool(first),
        )  # fmt: skip
