"""Weight averaging (``xn.optim.swa_utils``, PyTorch's): stochastic weight averaging (SWA,
Izmailov et al.) and exponential moving averages (EMA) of a model's parameters.

``AveragedModel(model)`` keeps a copy whose parameters ``update_parameters(model)`` moves
to the running mean of the model's (or an EMA: ``multi_avg_fn=get_ema_multi_avg_fn(0.999)``);
``SWALR`` anneals each group's rate to ``swa_lr``; ``update_bn(loader, model)`` recomputes
BatchNorm statistics for averaged weights with one pass over the data.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

from .._errors import ArgumentError
from ..autodiff import no_grad
from ..nn import Module
from ..ops import zeros
from ._optimizer import Optimizer
from .lr_scheduler import LRScheduler, _per_group

AvgFn = Callable[[Any, Any, Any], Any]
MultiAvgFn = Callable[[list[Any], list[Any], Any], None]


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """In place, each average ``decay * average + (1 - decay) * current``."""

    def ema_update(ema_params: list[Any], current_params: list[Any], num_averaged: Any) -> None:
        del num_averaged
        for e, c in zip(ema_params, current_params, strict=True):
            e.copy_(e * decay + c * (1.0 - decay))

    return ema_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """``decay * average + (1 - decay) * current`` (returned, for one parameter)."""

    def ema_update(ema_param: Any, current_param: Any, num_averaged: Any) -> Any:
        del num_averaged
        return ema_param * decay + current_param * (1.0 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """In place, the running mean: ``average + (current - average) / (n + 1)``."""

    def swa_update(averaged: list[Any], current: list[Any], num_averaged: Any) -> None:
        n = float(num_averaged)
        for a, c in zip(averaged, current, strict=True):
            a.copy_(a + (c - a) / (n + 1.0))

    return swa_update


def get_swa_avg_fn() -> AvgFn:
    """The running mean for one parameter (returned)."""

    def swa_update(averaged: Any, current: Any, num_averaged: Any) -> Any:
        return averaged + (current - averaged) / (float(num_averaged) + 1.0)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` (``.module``) whose parameters average the model's over the
    ``update_parameters`` calls; calling it calls the copy. With ``use_buffers=True`` the
    buffers are averaged too; otherwise they are copied from the model at each update (run
    ``update_bn`` after training for BatchNorm statistics that match the averaged
    weights)."""

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: AvgFn | None = None,
        multi_avg_fn: MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ArgumentError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        module = copy.deepcopy(model)
        if device is not None:
            module = module.to(device)
        self.module = module
        first = next(iter(module.parameters()), None)
        backend = first.backend if first is not None else None
        self.register_buffer("n_averaged", zeros((), dtype="int64", backend=backend))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module) -> list[Any]:
        return list(model.parameters()) + (list(model.buffers()) if self.use_buffers else [])

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the averages."""
        own, theirs = self._tensors(self.module), self._tensors(model)
        if len(own) != len(theirs):
            raise ArgumentError(
                f"AveragedModel.update_parameters: {len(theirs)} tensors in the model, "
                f"{len(own)} in the average (not the same architecture)"
            )
        with no_grad():
            current = [t.detach().to(backend=a.backend, device=a.device) for a, t in
                       zip(own, theirs, strict=True)]  # fmt: skip
            n = int(self.n_averaged.item())
            if n == 0:
                for a, c in zip(own, current, strict=True):
                    a.copy_(c)
            elif self.avg_fn is not None:
                for a, c in zip(own, current, strict=True):
                    a.copy_(self.avg_fn(a.detach(), c, self.n_averaged))
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(own, current, self.n_averaged)
            if not self.use_buffers:  # the buffers follow the model
                for a, b in zip(self.module.buffers(), model.buffers(), strict=True):
                    a.copy_(b.detach().to(backend=a.backend, device=a.device))
            self.n_averaged += 1


class SWALR(LRScheduler):
    """Anneals each group's rate from where it is to ``swa_lr`` (a number, or one per
    group) over ``anneal_epochs`` steps, by cosine (``"cos"``) or linearly, then holds it."""

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: Any,
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(
                f"SWALR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ArgumentError(f"SWALR: anneal_epochs must be an int >= 0, got {anneal_epochs!r}")
        if isinstance(optimizer, Optimizer):
            for g, lr in zip(optimizer.param_groups,
                             _per_group("swa_lr", optimizer, swa_lr, owner="SWALR"), strict=True):  # fmt: skip
                g["swa_lr"] = lr
        self.anneal_epochs, self.anneal_strategy = anneal_epochs, anneal_strategy
        super().__init__(optimizer, last_epoch)

    def _alpha(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def step(self) -> None:
        self.last_epoch += 1
        step = max(1, self.last_epoch) if self.anneal_epochs == 0 else self.last_epoch
        prev_alpha = self._alpha(max(0.0, min(1.0, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self._alpha(max(0.0, min(1.0, step / max(1, self.anneal_epochs))))
        for g in self._groups():  # (a group added since is refused clearly)
            swa = g["swa_lr"]
            # the rate the annealing started from, recovered from the current one
            start = swa if prev_alpha == 1 else (g["lr"] - prev_alpha * swa) / (1 - prev_alpha)
            g["lr"] = swa * alpha + start * (1 - alpha)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of ``model``'s BatchNorm layers with one pass over
    ``loader`` (batches, or tuples whose first item is the input), as a cumulative average;
    the layers' momentum and the model's mode are restored after."""
    momenta = {}
    for m in model.modules():
        if getattr(m, "track_running_stats", False) and hasattr(m, "reset_running_stats"):
            m.reset_running_stats()
            momenta[m] = m.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for m in momenta:
        m.momentum = None
    try:
        with no_grad():
            for batch in loader:
                x = batch[0] if isinstance(batch, (list, tuple)) else batch
                if device is not None:
                    x = x.to(device)
                model(x)
    finally:
        for m, momentum in momenta.items():
            m.momentum = momentum
        model.train(was_training)


__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]
