"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._errors import ArgumentError
from ..ops import zeros_like
from ..tensor import Tensor
from ._optimizer import Optimizer, torch_flags
from ._update import sgd_update_p, update_all


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
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        torch_flags("SGD", differentiable, foreach=foreach, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ArgumentError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _shares(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> Any:
        # a first momentum step copies the gradient into the new buffer: its own call
        return bool(group["momentum"]) and "momentum_buffer" not in state

    def _replay_key(self) -> tuple[Any, ...]:
        if not any(g["momentum"] for g in self.param_groups):
            return ()  # no momentum: every _shares is False, one bucket per backend and dtype
        return super()._replay_key()

    def _update_group(
        self, todo: list[tuple[Tensor, dict[str, Any]]], group: dict[str, Any]
    ) -> None:
        mu = group["momentum"]
        for first, bucket in self._buckets(todo, group):
            if first:
                for p, state in bucket:
                    state["momentum_buffer"] = zeros_like(p)

            def scalars() -> tuple[float, ...]:
                return (
                    group["lr"],
                    group["momentum"],
                    1.0 - group["dampening"],
                    group["weight_decay"],
                )

            update_all(
                sgd_update_p,
                [[p, self._grad(p, group), s.get("momentum_buffer")] for p, s in bucket],
                self._scalars(bucket[0][0], scalars), use_momentum=bool(mu),
                use_weight_decay=bool(group["weight_decay"]), nesterov=group["nesterov"],
                first=first,
            )  # fmt: skip
