"""NAdam (Dozat) and RAdam (Liu et al.): Adam with Nesterov momentum, and Adam with a
rectified adaptive learning rate."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..ops import zeros_like
from ..tensor import Tensor
from ._adam import check_betas
from ._optimizer import Optimizer
from ._update import nadam_update_p, radam_update_p


class NAdam(Optimizer):
    """PyTorch's NAdam: Adam whose step mixes the gradient and the momentum with the
    momentum schedule mu_t = beta1 (1 - 0.5 0.96^(t momentum_decay));
    ``decoupled_weight_decay`` as AdamW."""

    _live = ("lr", "initial_lr", "betas", "eps", "weight_decay", "momentum_decay")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_betas(self, group)

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)

        def scalars() -> tuple[float, ...]:
            state["step"] += 1
            t, lr, wd = state["step"], group["lr"], group["weight_decay"]
            b1, b2 = group["betas"]
            psi = group["momentum_decay"]
            mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            state["mu_product"] *= mu
            prod = state["mu_product"]
            return (
                lr * (1.0 - mu) / (1.0 - prod),
                lr * mu_next / (1.0 - prod * mu_next),
                1.0 - b2**t,
                1.0 - lr * wd,
                1.0 - b1, b2, 1.0 - b2, group["eps"], wd,
            )  # fmt: skip

        nadam_update_p(
            p, grad, state["exp_avg"], state["exp_avg_sq"], *self._scalars(p, scalars),
            use_weight_decay=bool(group["weight_decay"]),
            decoupled=bool(group["decoupled_weight_decay"]),
        )  # fmt: skip


class RAdam(Optimizer):
    """PyTorch's RAdam: Adam whose adaptive rate is used only once its variance is
    tractable (rho_t > 5), scaled by the rectification term; plain momentum SGD before.
    ``decoupled_weight_decay`` as AdamW."""

    _live = ("lr", "initial_lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_betas(self, group)

    @staticmethod
    def _rectifies(step: int, b2: float) -> bool:
        """Whether step ``step`` uses the adaptive rate (rho_t > 5)."""
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        return rho_inf - 2.0 * step * b2**step / (1.0 - b2**step) > 5.0

    def _replay_key(self) -> tuple[Any, ...]:
        """A recorded step runs one branch: replay it only while every parameter's next
        step takes the same one."""
        none: dict[str, Any] = {}
        return tuple(
            tuple(self._rectifies(self.state.get(p, none).get("step", 0) + 1, g["betas"][1])
                  for p in g["params"])
            for g in self.param_groups
        )  # fmt: skip

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
        b1, b2 = group["betas"]
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rectify = self._rectifies(state["step"] + 1, b2)  # the branch this step takes

        def scalars() -> tuple[float, ...]:
            state["step"] += 1
            t, lr, wd = state["step"], group["lr"], group["weight_decay"]
            bc2 = 1.0 - b2**t
            step_size = lr / (1.0 - b1**t)
            if rectify:
                r = rho_inf - 2.0 * t * b2**t / bc2
                step_size *= math.sqrt(
                    (r - 4) * (r - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * r)
                )
            return (step_size, math.sqrt(bc2), 1.0 - lr * wd, 1.0 - b1, b2, 1.0 - b2,
                    group["eps"], wd)  # fmt: skip

        radam_update_p(
            p, grad, state["exp_avg"], state["exp_avg_sq"], *self._scalars(p, scalars),
            use_weight_decay=bool(group["weight_decay"]),
            decoupled=bool(group["decoupled_weight_decay"]), rectify=rectify,
        )  # fmt: skip
