"""Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm for the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..ops import zeros_like
from ..tensor import Tensor
from ._adam import check_betas
from ._optimizer import Optimizer
from ._update import adamax_update_p


class Adamax(Optimizer):
    """PyTorch's Adamax: m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps);
    p -= lr / (1 - beta1^t) m / u."""

    _live = ("lr", "initial_lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_betas(self, group)

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_inf"] = zeros_like(p)

        def scalars() -> tuple[float, ...]:
            state["step"] += 1
            b1, b2 = group["betas"]
            return (group["lr"] / (1.0 - b1 ** state["step"]), 1.0 - b1, b2, group["eps"],
                    group["weight_decay"])  # fmt: skip

        adamax_update_p(
            p, grad, state["exp_avg"], state["exp_inf"], *self._scalars(p, scalars),
            use_weight_decay=bool(group["weight_decay"]),
        )  # fmt: skip
