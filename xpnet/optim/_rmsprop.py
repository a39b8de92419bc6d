"""RMSprop and Adagrad."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._tensor import Tensor
from ..ops._creation import full_like, zeros_like
from ._optimizer import Optimizer
from ._update import add_, mul_, sub_


class RMSprop(Optimizer):
    """PyTorch's RMSprop: sq = a sq + (1 - a) g^2; p -= lr g / (sqrt(sq) + eps), optionally centered."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        a, wd, mu = group["alpha"], group["weight_decay"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(p)
            if mu:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        state["step"] += 1
        xp = p.backend.xp
        g = grad.data + p.data * wd if wd else grad.data
        sq = state["square_avg"]
        mul_(sq, a)
        add_(sq, g * g * (1.0 - a))
        if group["centered"]:
            ga = state["grad_avg"]
            mul_(ga, a)
            add_(ga, g * (1.0 - a))
            avg = xp.sqrt(sq.data - ga.data * ga.data) + group["eps"]
        else:
            avg = xp.sqrt(sq.data) + group["eps"]
        if mu:
            buf = state["momentum_buffer"]
            mul_(buf, mu)
            add_(buf, g / avg)
            sub_(p, buf.data * group["lr"])
        else:
            sub_(p, g / avg * group["lr"])


class Adagrad(Optimizer):
    """PyTorch's Adagrad: sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        wd = group["weight_decay"]
        g = grad.data + p.data * wd if wd else grad.data
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        add_(s, g * g)
        sub_(p, g / (p.backend.xp.sqrt(s.data) + group["eps"]) * clr)
