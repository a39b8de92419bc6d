"""Adam and AdamW (decoupled weight decay), with optional AMSGrad."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .._errors import ArgumentError
from ..ops import zeros_like
from ..tensor import Tensor
from ._optimizer import Optimizer, torch_flags
from ._update import adam_update_p, update_all


def check_betas(opt: Optimizer, group: dict[str, Any]) -> None:
    b1, b2 = group["betas"]
    if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
        raise ArgumentError(f"{type(opt).__name__}: betas must be in [0, 1), got {group['betas']}")


class Adam(Optimizer):
    """Kingma & Ba's Adam with bias correction; ``weight_decay`` adds wd * p to the gradient."""

    _decoupled = False
    _live = ("lr", "initial_lr", "betas", "eps", "weight_decay")
    _default_weight_decay = 0.0

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float | None = None,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        torch_flags(type(self).__name__, differentiable, foreach=foreach, capturable=capturable,
                    fused=fused)  # fmt: skip
        wd = self._default_weight_decay if weight_decay is None else weight_decay
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=wd, amsgrad=amsgrad,
                        maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_betas(self, group)

    def _shares(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> Any:
        return state.get("step", 0)  # the bias corrections depend on the step

    def _update_group(
        self, todo: list[tuple[Tensor, dict[str, Any]]], group: dict[str, Any]
    ) -> None:
        for p, state in todo:
            if not state:
                state["step"] = 0
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = zeros_like(p)
        # parameters at the same step share the bias corrections: one multi-tensor update each
        for _, bucket in self._buckets(todo, group):
            states = [s for _, s in bucket]

            def scalars(states: list[dict[str, Any]] = states) -> tuple[float, ...]:
                for s in states:
                    s["step"] += 1
                t, lr, wd = states[0]["step"], group["lr"], group["weight_decay"]
                b1, b2 = group["betas"]
                return (
                    lr / (1.0 - b1**t),
                    1.0 / math.sqrt(1.0 - b2**t),
                    1.0 - lr * wd,
                    b1, 1.0 - b1, b2, 1.0 - b2, group["eps"], wd,
                )  # fmt: skip

            update_all(
                adam_update_p,
                [[p, self._grad(p, group), s["exp_avg"], s["exp_avg_sq"], s.get("max_exp_avg_sq")] for p, s in bucket],
                self._scalars(bucket[0][0], scalars), use_weight_decay=bool(group["weight_decay"]),
                decoupled=self._decoupled, amsgrad=group["amsgrad"],
            )  # fmt: skip


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr wd before the Adam step.

    The same arguments as ``Adam``; ``weight_decay`` defaults to 1e-2.
    """

    _decoupled = True
    _default_weight_decay = 1e-2
