"""Adadelta (Zeiler): steps scaled by the ratio of running RMS of updates and gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._errors import ArgumentError
from ..ops import zeros_like
from ..tensor import Tensor
from ._optimizer import Optimizer
from ._update import adadelta_update_p


class Adadelta(Optimizer):
    """PyTorch's Adadelta: s = rho s + (1 - rho) g^2; d = sqrt(a + eps) / sqrt(s + eps) g;
    a = rho a + (1 - rho) d^2; p -= lr d."""

    _live = ("lr", "initial_lr", "rho", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ArgumentError(f"Adadelta: rho must be in [0, 1], got {group['rho']}")

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(p)
            state["acc_delta"] = zeros_like(p)

        def scalars() -> tuple[float, ...]:
            state["step"] += 1
            rho = group["rho"]
            return group["lr"], rho, 1.0 - rho, group["eps"], group["weight_decay"]

        adadelta_update_p(
            p, grad, state["square_avg"], state["acc_delta"], *self._scalars(p, scalars),
            use_weight_decay=bool(group["weight_decay"]),
        )  # fmt: skip
