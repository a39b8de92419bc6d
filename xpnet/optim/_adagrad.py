"""Adagrad (Duchi et al.): per-element steps scaled by the root of the summed squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..ops import full_like
from ..tensor import Tensor
from ._optimizer import Optimizer
from ._update import adagrad_update_p


class Adagrad(Optimizer):
    """PyTorch's Adagrad: sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)."""

    _live = ("lr", "initial_lr", "lr_decay", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = full_like(p, group["initial_accumulator_value"])

        def scalars() -> tuple[float, ...]:
            state["step"] += 1
            clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
            return clr, group["eps"], group["weight_decay"]

        adagrad_update_p(
            p, grad, state["sum"], *self._scalars(p, scalars),
            use_weight_decay=bool(group["weight_decay"]),
        )  # fmt: skip
