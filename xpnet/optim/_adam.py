"""Adam and AdamW (decoupled weight decay), with optional AMSGrad."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .._tensor import Tensor
from ..ops._creation import zeros_like
from ..ops._elementwise import maximum
from ._optimizer import Optimizer
from ._update import add_, mul_, sub_


class Adam(Optimizer):
    """Kingma & Ba's Adam with bias correction; ``weight_decay`` adds wd * p to the gradient."""

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad),
        )

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        b1, b2 = group["betas"]
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(
                f"{type(self).__name__}: betas must be in [0, 1), got {group['betas']}"
            )

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        b1, b2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        if wd and self._decoupled:
            mul_(p, 1.0 - lr * wd)
        g = grad.data + p.data * wd if (wd and not self._decoupled) else grad.data
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        mul_(m, b1)
        add_(m, g * (1.0 - b1))
        mul_(v, b2)
        add_(v, g * g * (1.0 - b2))
        second = v
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = vmax = maximum(state["max_exp_avg_sq"], v)
            second = vmax
        xp = p.backend.xp
        denom = xp.sqrt(second.data) * (1.0 / math.sqrt(1.0 - b2**t)) + eps
        sub_(p, m.data / denom * (lr / (1.0 - b1**t)))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr wd before the Adam step."""

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
