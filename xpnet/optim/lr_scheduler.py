"""Learning-rate schedules (``xn.optim.lr_scheduler``), with PyTorch's names and formulas.

Each epoch-based scheduler sets ``group["lr"]`` from the closed form of its
schedule at ``last_epoch``; ``step()`` advances it by one. Constructing one
records ``initial_lr`` in each group and applies epoch 0.

PyTorch's "chainable" schedules (``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``ConstantLR``, ``LinearLR``, ``PolynomialLR``, ``CosineAnnealingLR``) multiply the rate
they find, so two of them stepped back to back, a ``ReduceLROnPlateau`` beside one, or a
rate set by hand compose with the schedule. These keep that: a rate found changed since
the scheduler last set it scales the closed form from then on (``CosineAnnealingLR`` scales
its distance above ``eta_min``, as PyTorch's recursion does).
"""

from __future__ import annotations

import bisect
import math
from typing import Any

from .._errors import ArgumentError, ArgumentTypeError, NotSupportedError
from ._optimizer import Optimizer


class LRScheduler:
    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(
                f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for g in optimizer.param_groups:
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        # what this scheduler set last, and the factor of changes made by others since
        # (a fresh one starts from initial_lr, so one made after another composes)
        self._scales = [1.0] * len(self.base_lrs)
        self._set_lrs: list[float | None] = (
            list(self.base_lrs) if last_epoch == -1 else [None] * len(self.base_lrs)
        )
        self.step()

    #: whether the schedule composes with changes made to the rate by others (see above)
    chainable = False

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotSupportedError(f"{type(self).__name__} must define lr_at(base_lr, epoch)")

    def _floor(self) -> float:
        return 0.0

    def _chain(self, i: int, current: float, lr: float) -> float:
        """``lr`` (the closed form) scaled by what others did to the rate since this
        scheduler set ``self._set_lrs[i]``."""
        if not self.chainable:
            return lr
        low, last = self._floor(), self._set_lrs[i]
        if last is not None and last == low:
            self._scales[i] = 1.0  # at the floor: the schedule restarts from its base
        elif last is not None and current != last:
            self._scales[i] *= (current - low) / (last - low)
        lr = low + self._scales[i] * (lr - low)
        self._set_lrs[i] = lr
        return lr

    def _forget(self) -> None:
        """Take the closed form again from the next step (``SequentialLR`` starts one)."""
        self._scales = [1.0] * len(self.base_lrs)
        self._set_lrs = [None] * len(self.base_lrs)

    def __repr__(self) -> str:
        skip = ("optimizer", "base_lrs")
        shown = ", ".join(
            f"{k}={v!r}" for k, v in self.__dict__.items() if k not in skip and k[0] != "_"
        )
        return f"{type(self).__name__}({shown})"

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def _groups(self) -> list[dict[str, Any]]:
        """The optimizer's param groups, each with its base rate. A group added after the
        scheduler (``add_param_group``, to unfreeze layers) joins a chainable schedule
        where it stands, as PyTorch's multiplicative steps take it along; the others refuse
        it, as PyTorch's fail on it."""
        groups = self.optimizer.param_groups
        n = len(self.base_lrs)
        if len(groups) != n:
            if not self.chainable or len(groups) < n:
                raise ArgumentError(
                    f"{type(self).__name__}: the optimizer has {len(groups)} param groups, the "
                    f"scheduler was made for {n}; make the scheduler after add_param_group"
                )
            for g in groups[n:]:
                base = g.setdefault("initial_lr", g["lr"])
                self.base_lrs.append(base)
                self._scales.append(1.0)
                self._set_lrs.append(self.lr_at(base, self.last_epoch - 1))
        return groups

    def step(self) -> None:
        self.last_epoch += 1
        groups = self._groups()
        for i, (g, base) in enumerate(zip(groups, self.base_lrs, strict=True)):
            g["lr"] = self._chain(i, g["lr"], self.lr_at(base, self.last_epoch))

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        # the next step takes the saved schedule (its scale included) whether or not the
        # optimizer's own state, and so its rate, was loaded too
        self._set_lrs = [None] * len(self.base_lrs)


class StepLR(LRScheduler):
    """lr = base * gamma ** (epoch // step_size)."""

    chainable = True

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = base * gamma ** (number of milestones passed)."""

    chainable = True

    def __init__(
        self, optimizer: Optimizer, milestones: list[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """lr = base * gamma ** epoch."""

    chainable = True

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base - eta_min) (1 + cos(pi epoch / T_max)) / 2."""

    chainable = True

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def _floor(self) -> float:
        return self.eta_min

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return (
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        )


class LinearLR(LRScheduler):
    """A linear ramp of the factor from ``start_factor`` to ``end_factor`` over ``total_iters`` (warm-up)."""

    chainable = True

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ArgumentError("LinearLR: start_factor must be in (0, 1] and end_factor in [0, 1]")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        frac = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * frac)


class ConstantLR(LRScheduler):
    """The learning rate times ``factor`` for the first ``total_iters`` epochs, then as given."""

    chainable = True

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:  # fmt: skip
        if not 0 <= factor <= 1:
            raise ArgumentError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.factor if epoch < self.total_iters else base_lr


class PolynomialLR(LRScheduler):
    """base * (1 - min(epoch, total_iters) / total_iters)^power: a polynomial decay to 0."""

    chainable = True

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        if not isinstance(total_iters, int) or total_iters < 1:
            raise ArgumentError(
                f"PolynomialLR: total_iters must be a positive int, got {total_iters!r}"
            )
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * (1.0 - min(epoch, self.total_iters) / self.total_iters) ** self.power


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every ``T_i`` epochs, ``T_0`` first, each period ``T_mult``
    times the previous (SGDR). ``step(epoch)`` takes a fractional epoch (a step per batch:
    ``step(epoch + i / batches)``), as PyTorch's."""

    def __init__(
        self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:  # fmt: skip
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ArgumentError(
                f"CosineAnnealingWarmRestarts: T_0 must be a positive int, got {T_0!r}"
            )
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ArgumentError(
                f"CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got {T_mult!r}"
            )
        self.T_0, self.T_mult, self.eta_min = T_0, T_mult, eta_min
        super().__init__(optimizer, last_epoch)

    def _period(self, epoch: float) -> tuple[float, float]:
        """(T_cur, T_i): the epochs into the current period and its length."""
        if epoch < self.T_0:
            return epoch, self.T_0
        if self.T_mult == 1:
            return epoch % self.T_0, self.T_0
        n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
        return epoch - self.T_0 * (self.T_mult**n - 1) / (
            self.T_mult - 1
        ), self.T_0 * self.T_mult**n

    def lr_at(self, base_lr: float, epoch: float) -> float:
        t_cur, t_i = self._period(epoch)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    def step(self, epoch: float | None = None) -> None:
        if epoch is None:
            super().step()
            return
        if epoch < 0:
            raise ArgumentError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got {epoch}")
        for g, base in zip(self._groups(), self.base_lrs, strict=True):
            g["lr"] = self.lr_at(base, epoch)
        self.last_epoch = math.floor(epoch)


class SequentialLR:
    """``schedulers`` one after another: the i-th from epoch ``milestones[i - 1]`` on, started
    at its own epoch 0 there (a warm-up, then a decay), as PyTorch's."""

    def __init__(
        self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int],
        last_epoch: int = -1,
    ) -> None:  # fmt: skip
        if not schedulers:
            raise ArgumentError("SequentialLR: needs at least one scheduler")
        for i, sch in enumerate(schedulers):
            if not isinstance(sch, LRScheduler) or sch.optimizer is not optimizer:
                raise ArgumentError(
                    f"SequentialLR: scheduler {i} ({type(sch).__name__}) must be an epoch "
                    "scheduler of the same optimizer"
                )
        if len(milestones) != len(schedulers) - 1 or list(milestones) != sorted(milestones):
            raise ArgumentError(
                f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} "
                f"increasing milestones, got {list(milestones)}"
            )
        self.optimizer = optimizer
        self._schedulers, self._milestones = list(schedulers), list(milestones)
        self.last_epoch = last_epoch + 1
        for g in optimizer.param_groups:  # back to the start, then the first one's epoch 0
            g["lr"] = g["initial_lr"]
        for sch in self._schedulers:
            sch.last_epoch -= 1
            sch._forget()
        self._schedulers[0].step()

    def step(self) -> None:
        self.last_epoch += 1
        i = bisect.bisect_right(self._milestones, self.last_epoch)
        sch = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            sch.last_epoch = -1  # this one starts: its epoch 0, from its closed form
            sch._forget()
        sch.step()

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {
            "last_epoch": self.last_epoch,
            "milestones": list(self._milestones),
            "schedulers": [s.state_dict() for s in self._schedulers],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.last_epoch = state_dict["last_epoch"]
        self._milestones = list(state_dict["milestones"])
        for sch, st in zip(self._schedulers, state_dict["schedulers"], strict=True):
            sch.load_state_dict(st)


class ChainedScheduler:
    """Several schedules at once, their factors multiplied: ``ChainedScheduler([ConstantLR(
    opt, 0.5, total_iters=4), ExponentialLR(opt, 0.9)])`` gives base * 0.5 * 0.9**e for
    the first 4 epochs, then base * 0.9**e, as PyTorch's. ``step()`` steps them all.

    The chain multiplies the schedules' closed-form factors. That is PyTorch's result for
    the chainable schedules whose factor does not depend on the rate they start from:
    ``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``ConstantLR``, ``LinearLR``,
    ``PolynomialLR`` and ``CosineAnnealingLR`` with ``eta_min=0``; other schedulers are
    refused (stepped one after another instead, each composes with what the others set)."""

    def __init__(self, schedulers: list[LRScheduler], optimizer: Optimizer | None = None) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ArgumentError("ChainedScheduler: needs at least one scheduler")
        opt = optimizer if optimizer is not None else schedulers[0].optimizer
        for i, sch in enumerate(schedulers):
            # the chain multiplies factors: an affine schedule (cosine above eta_min) is not one
            if not getattr(sch, "chainable", False) or sch._floor() != 0:
                raise NotSupportedError(
                    f"ChainedScheduler: scheduler {i} ({type(sch).__name__}) cannot be chained "
                    "here: its factor depends on the rate it starts from (chainable: StepLR, "
                    "MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR, "
                    "CosineAnnealingLR with eta_min=0)"
                )
            if sch.optimizer is not opt:
                raise ArgumentError(f"ChainedScheduler: scheduler {i} belongs to another optimizer")
        self.optimizer, self._schedulers = opt, schedulers
        self._apply()

    def _apply(self) -> None:
        for gi, g in enumerate(self.optimizer.param_groups):
            base = self._schedulers[0].base_lrs[gi]
            lr = base
            for sch in self._schedulers:
                lr = lr * sch.lr_at(base, sch.last_epoch) / base if base else 0.0
            g["lr"] = lr

    def step(self) -> None:
        for sch in self._schedulers:
            sch.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for sch, st in zip(self._schedulers, state_dict["schedulers"], strict=True):
            sch.load_state_dict(st)
        self._apply()


class LambdaLR(LRScheduler):
    """lr = base * lr_lambda(epoch); ``lr_lambda`` is one function or one per group.

    The state dict leaves the functions out (they are code, not state): a resumed
    scheduler keeps the ones it was made with, as PyTorch's does for plain functions.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(lambdas) != n:
            raise ArgumentError(
                f"LambdaLR: expected {n} lr_lambdas (one per group), got {len(lambdas)}"
            )
        for f in lambdas:
            if not callable(f):
                raise ArgumentTypeError(f"LambdaLR: lr_lambda must be callable, got {f!r}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def step(self) -> None:
        self.last_epoch += 1
        groups = self._groups()
        for g, base, f in zip(groups, self.base_lrs, self.lr_lambdas, strict=True):
            g["lr"] = base * f(self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


def _per_group(name: str, optimizer: Optimizer, value: Any, owner: str = "OneCycleLR") -> list[Any]:
    groups = optimizer.param_groups
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ArgumentError(
                f"{owner}: expected {len(groups)} values of {name}, got {len(value)}"
            )
        return list(value)
    return [value] * len(groups)


class OneCycleLR(LRScheduler):
    """Smith's 1cycle policy, stepped once per batch (PyTorch's formulas and defaults): the
    learning rate rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of ``total_steps`` and anneals to ``initial / final_div_factor`` (cosine
    or linear); with ``cycle_momentum`` the momentum (SGD) or beta1 (Adam) moves the other
    way, between ``max_momentum`` and ``base_momentum``. ``three_phase`` anneals back to
    the initial rate before the final decay. Stepping past ``total_steps`` raises."""

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(
                f"OneCycleLR needs an Optimizer, got {type(optimizer).__name__}"
            )
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ArgumentError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            if epochs <= 0 or steps_per_epoch <= 0:
                raise ArgumentError(
                    f"OneCycleLR: epochs and steps_per_epoch must be positive, got {epochs} and "
                    f"{steps_per_epoch}"
                )
            total_steps = epochs * steps_per_epoch
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ArgumentError(
                f"OneCycleLR: total_steps must be a positive int, got {total_steps!r}"
            )
        if not 0.0 <= pct_start <= 1.0:
            raise ArgumentError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(
                f"OneCycleLR: anneal_strategy is 'cos' or 'linear', got {anneal_strategy!r}"
            )
        groups = optimizer.param_groups
        self.cycle_momentum = cycle_momentum
        self.use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum and "momentum" not in optimizer.defaults and not self.use_beta1:
            raise ArgumentError(
                f"OneCycleLR: cycle_momentum needs an optimizer with momentum or betas; "
                f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)"
            )
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        maxes = _per_group("max_momentum", optimizer, max_momentum)
        bases = _per_group("base_momentum", optimizer, base_momentum)
        self.total_steps, self.anneal_strategy = total_steps, anneal_strategy
        first = float(pct_start * total_steps) - 1
        # (end step, start lr, end lr, start momentum, end momentum): group keys
        self.phases: list[tuple[float, str, str, str, str]] = (
            [(first, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
             (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
              "max_momentum"),
             (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
            if three_phase else
            [(first, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
             (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        )  # fmt: skip
        if last_epoch == -1:
            for g, top, hi, lo in zip(groups, max_lrs, maxes, bases, strict=True):
                g["initial_lr"] = top / div_factor
                g["max_lr"] = top
                g["min_lr"] = g["initial_lr"] / final_div_factor
                if cycle_momentum:
                    g["max_momentum"], g["base_momentum"] = hi, lo
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def step(self) -> None:
        step = self.last_epoch + 1
        if step > self.total_steps:
            raise ArgumentError(
                f"OneCycleLR: stepped {step} times, past total_steps={self.total_steps}"
            )
        self.last_epoch = step
        for g in self._groups():
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self.phases):
                if step <= end or i == len(self.phases) - 1:
                    pct = (step - start) / (end - start)
                    g["lr"] = self._anneal(g[lr0], g[lr1], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(g[m0], g[m1], pct)
                        if self.use_beta1:
                            g["betas"] = (momentum, *g["betas"][1:])
                        else:
                            g["momentum"] = momentum
                    break
                start = end


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _momentum_kind(optimizer: Optimizer, owner: str) -> bool:
    """Whether momentum cycling moves beta1 (Adam's) rather than ``momentum`` (SGD's)."""
    use_beta1 = "betas" in optimizer.defaults
    if "momentum" not in optimizer.defaults and not use_beta1:
        raise ArgumentError(
            f"{owner}: cycle_momentum needs an optimizer with momentum or betas; "
            f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)"
        )
    return use_beta1


class CyclicLR(LRScheduler):
    """Smith's cyclical learning rate, stepped once per batch (PyTorch's formulas): the rate
    goes from ``base_lr`` up to ``max_lr`` over ``step_size_up`` steps and back over
    ``step_size_down``; ``mode`` "triangular", "triangular2" (the amplitude halves every
    cycle), "exp_range" (scaled by gamma^step) or a ``scale_fn``. With ``cycle_momentum``
    the momentum (or Adam's beta1) moves the other way between ``max_momentum`` and
    ``base_momentum``. The groups' learning rates start at ``base_lr``."""

    def __init__(
        self, optimizer: Optimizer, base_lr: Any, max_lr: Any, step_size_up: int = 2000,
        step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
        scale_fn: Any = None, scale_mode: str = "cycle", cycle_momentum: bool = True,
        base_momentum: Any = 0.8, max_momentum: Any = 0.9, last_epoch: int = -1,
    ) -> None:  # fmt: skip
        owner = "CyclicLR"
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ArgumentError(
                f"{owner}: mode must be triangular, triangular2 or exp_range, got {mode!r}"
            )
        if step_size_up <= 0 or (step_size_down is not None and step_size_down < 0):
            raise ArgumentError(
                f"{owner}: step sizes must be positive, got {step_size_up}, {step_size_down}"
            )
        lows = _per_group("base_lr", optimizer, base_lr, owner)
        self.max_lrs = _per_group("max_lr", optimizer, max_lr, owner)
        if last_epoch == -1:
            for g, lr in zip(optimizer.param_groups, lows, strict=True):
                g["lr"] = g["initial_lr"] = lr
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size, self.step_ratio = up + down, up / (up + down)
        self.mode, self.gamma, self.custom_scale = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle"
        )  # fmt: skip
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_kind(optimizer, owner)
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum, owner)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum, owner)
            if last_epoch == -1:
                for g, m in zip(optimizer.param_groups, self.max_momentums, strict=True):
                    _set_momentum(g, m, self.use_beta1)
        super().__init__(optimizer, last_epoch)

    def _scale(self, x: float) -> float:
        if self.custom_scale is not None:
            return float(self.custom_scale(x))
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1.0 / (2.0 ** (x - 1))
        return self.gamma**x

    def step(self) -> None:
        self.last_epoch += 1
        e = self.last_epoch
        cycle = math.floor(1 + e / self.total_size)
        x = 1.0 + e / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self._scale(cycle if self.scale_mode == "cycle" else e)
        for i, (g, low) in enumerate(zip(self._groups(), self.base_lrs, strict=True)):
            g["lr"] = low + (self.max_lrs[i] - low) * factor * scale
            if self.cycle_momentum:
                hi, lo = self.max_momentums[i], self.base_momentums[i]
                _set_momentum(g, hi - (hi - lo) * factor * scale, self.use_beta1)


class MultiplicativeLR(LRScheduler):
    """Each step multiplies the learning rate by ``lr_lambda(epoch)`` (one function, or one
    per group), as PyTorch's."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else None
        self.lr_lambdas = lambdas or [lr_lambda] * len(optimizer.param_groups)
        if len(self.lr_lambdas) != len(optimizer.param_groups) or not all(
            callable(f) for f in self.lr_lambdas
        ):
            raise ArgumentError(
                f"MultiplicativeLR: lr_lambda must be a function or one per group "
                f"({len(optimizer.param_groups)}), got {lr_lambda!r}"
            )
        super().__init__(optimizer, last_epoch)

    def step(self) -> None:
        self.last_epoch += 1
        if self.last_epoch > 0:
            for g, f in zip(self._groups(), self.lr_lambdas, strict=True):
                g["lr"] = g["lr"] * f(self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}


class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` when a metric stops improving for ``patience`` epochs."""

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ArgumentError("ReduceLROnPlateau: factor must be < 1")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ArgumentError(
                "ReduceLROnPlateau: mode is 'min' or 'max', threshold_mode 'rel' or 'abs'"
            )
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown = threshold, threshold_mode, cooldown
        self.min_lr, self.eps = min_lr, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k != "optimizer")
        return f"ReduceLROnPlateau({shown})"

    def _better(self, a: float) -> bool:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < (self.best * (1 - self.threshold) if rel else self.best - self.threshold)
        return a > (self.best * (1 + self.threshold) if rel else self.best + self.threshold)

    def step(self, metric: Any) -> None:
        value = float(metric.item() if hasattr(metric, "item") else metric)
        self.last_epoch += 1
        if self._better(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g in self.optimizer.param_groups:
                new = max(g["lr"] * self.factor, self.min_lr)
                if g["lr"] - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "LambdaLR",
    "OneCycleLR",
    "CosineAnnealingWarmRestarts",
    "SequentialLR",
    "ReduceLROnPlateau",
]
