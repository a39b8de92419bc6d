"""RMSprop (Tieleman and Hinton), with PyTorch's centered and momentum options."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..ops import zeros_like
from ..tensor import Tensor
from ._optimizer import Optimizer
from ._update import rmsprop_update_p


class RMSprop(Optimizer):
    """PyTorch's RMSprop: sq = a sq + (1 - a) g^2; p -= lr g / (sqrt(sq) + eps), optionally centered."""

    _live = ("lr", "initial_lr", "alpha", "eps", "weight_decay", "momentum")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(p)
            if group["momentum"]:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)

        def scalars() -> tuple[float, ...]:
            state["step"] += 1
            a = group["alpha"]
            return group["lr"], a, 1.0 - a, group["eps"], group["weight_decay"], group["momentum"]

        rmsprop_update_p(
            p, grad, state["square_avg"], state.get("grad_avg"), state.get("momentum_buffer"),
            *self._scalars(p, scalars), use_weight_decay=bool(group["weight_decay"]),
            use_momentum=bool(group["momentum"]), centered=group["centered"],
        )  # fmt: skip
