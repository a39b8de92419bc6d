"""Rprop (Riedmiller and Braun, 1993): resilient backpropagation, a step size per weight."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._errors import ArgumentError
from ..ops import full_like, zeros_like
from ..tensor import Tensor
from ._optimizer import Optimizer
from ._update import rprop_update_p


class Rprop(Optimizer):
    """PyTorch's Rprop: each weight keeps its own step size, starting at ``lr``. Where the
    gradient has the sign it had last step the step grows by ``etas[1]``, where the sign
    flipped it shrinks by ``etas[0]`` and the weight stays put this step (its gradient
    counts as 0), clipped to ``step_sizes``; the weight then moves by ``-sign(g) * step``.
    The size of the gradient is never used: the classic remedy for the vanishing and
    exploding gradients of plain backpropagation with a full batch."""

    _live = ("lr", "initial_lr", "etas", "step_sizes")  # lr only starts the step sizes
    _switches = ()

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50.0),
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        etaminus, etaplus = group["etas"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ArgumentError(
                f"Rprop: etas must be (etaminus, etaplus) with 0 < etaminus < 1 < etaplus, got "
                f"{group['etas']}"
            )
        lo, hi = group["step_sizes"]
        if not 0.0 <= lo <= hi:
            raise ArgumentError(
                f"Rprop: step_sizes must be (min, max) with 0 <= min <= max, got "
                f"{group['step_sizes']}"
            )

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["prev"] = zeros_like(p)
            state["step_size"] = full_like(p, group["lr"])  # lr only starts the step sizes

        def scalars() -> tuple[float, ...]:
            state["step"] += 1
            return (*group["etas"], *group["step_sizes"])

        rprop_update_p(p, grad, state["prev"], state["step_size"], *self._scalars(p, scalars))
