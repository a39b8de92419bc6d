"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._tensor import Tensor
from ._optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's SGD: g = grad + wd p; buf = mu buf + (1 - dampening) g; p -= lr (g + mu buf | buf)."""

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
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
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
        wd, mu = group["weight_decay"], group["momentum"]
        g = grad + p * wd if wd else grad
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.detach() * 1.0  # a copy
            else:
                buf *= mu
                buf += g * (1.0 - group["dampening"])
            g = g + buf * mu if group["nesterov"] else buf
        p -= g * group["lr"]
