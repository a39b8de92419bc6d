"""One training step of ``fit``: forward, loss, backward, unscaling, clipping and the
optimizer step, with gradient accumulation, mixed precision and ``xn.compile``.

``TrainStep`` is the part of ``fit`` that runs per batch; the loop (epochs, logs,
validation, checkpoints) is in ``_fit.py`` and never touches a gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from .._compile import compile as xn_compile
from ..amp import GradScaler, autocast
from ..autodiff import no_grad
from ..nn import Module
from ..nn.utils import clip_grad_norm_
from ..ops import all as all_
from ..ops import isfinite, stack
from ..optim import Optimizer
from ..tensor import Tensor


def _all_finite(tensors: Iterable[Tensor]) -> bool:

    flags = [all_(isfinite(t)) for t in tensors if t.backend.is_float(t.dtype)]
    return not flags or bool(all_(stack(flags)).item())


class TrainStep:
    """``step(x, y) -> (output, loss)`` for one batch, both detached, or None when
    ``skip_nonfinite`` dropped it (a NaN/inf loss, or gradient, counted in ``skipped``).

    With ``accum`` > 1 a batch adds its gradients (its loss divided by ``accum``) and
    every ``accum``-th batch closes the group with one optimizer step; ``flush()``
    closes a shorter last group, rescaled to the mean of the batches it has. ``norm``
    is the gradient norm before clipping of the last optimizer step (with
    ``clip_grad_norm``); ``on_update`` runs after each optimizer step (a per-step
    scheduler).
    """

    def __init__(
        self,
        model: Module,
        loss_fn: Callable[[Tensor, Tensor], Tensor],
        optimizer: Optimizer,
        *,
        precision: str = "32",
        accum: int = 1,
        clip_grad_norm: float | None = None,
        compile: bool = False,
        skip_nonfinite: bool = False,
        on_update: Callable[[], None] | None = None,
    ) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.low = {"16-mixed": "float16", "bf16-mixed": "bfloat16"}.get(precision)
        self.scaler = GradScaler() if precision == "16-mixed" else None
        self.backend = next(iter(model.parameters())).backend
        self.params = list(model.parameters())
        self.accum = accum
        self.clip_grad_norm = clip_grad_norm
        self.skip_nonfinite = skip_nonfinite
        self.on_update = on_update
        self.norm: Tensor | None = None
        self.pending = 0  # batches added to the open accumulation group
        self.skipped = 0
        c = compile
        self._step = xn_compile(self._train_step) if c and accum == 1 else self._train_step
        self._micro = (
            xn_compile(self._forward_backward) if c and accum > 1 else self._forward_backward
        )
        self._apply = xn_compile(self._update_step) if c and accum > 1 else self._update_step
        self._opt_step = (
            xn_compile(optimizer.step) if c and self.scaler is not None else optimizer.step
        )

    # -- the pieces (tensor operations only, so xn.compile can record them) ------
    def _forward(self, x: Any, y: Any) -> tuple[Tensor, Tensor]:
        with autocast(self.low or "float16", enabled=self.low is not None, backend=self.backend):
            out = self.model(x)
            loss = self.loss_fn(out, y)
        return out, loss

    def _backward(self, loss: Tensor) -> None:
        scaled = loss if self.accum == 1 else loss * (1.0 / self.accum)
        (scaled if self.scaler is None else self.scaler.scale(scaled)).backward()

    def _forward_backward(self, x: Any, y: Any) -> tuple[Tensor, Tensor]:
        """One batch: forward, loss and backward, its gradients added to ``.grad``."""
        out, loss = self._forward(x, y)
        self._backward(loss)
        return out.detach(), loss.detach()

    def _prepare(self) -> tuple[Tensor | None, Tensor | None]:
        """Unscale (under "16-mixed") and clip (if asked): the norm before clipping and
        the device flag "a gradient overflowed" (None without a scaler)."""
        found = self.scaler._unscale_grads(self.optimizer) if self.scaler is not None else None
        clip = self.clip_grad_norm
        total = clip_grad_norm_(self.params, clip) if clip is not None else None
        return total, found

    def _train_step(self, x: Any, y: Any) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        self.optimizer.zero_grad()
        out, loss = self._forward_backward(x, y)
        total, found = self._prepare()
        if self.scaler is None:
            self.optimizer.step()
        return out, loss, total, found

    def _update_step(self) -> tuple[Tensor | None, Tensor | None]:
        total, found = self._prepare()
        if self.scaler is None:
            self.optimizer.step()
            self.optimizer.zero_grad()
        return total, found

    def _scaled_step(self, found: Tensor | None) -> None:
        """The GradScaler's half of a step: read the flag, step unless it is set, update
        the scale. Python state and one host read, so never inside a compiled function;
        the optimizer step itself is compiled on its own."""
        assert self.scaler is not None
        self.scaler._unscaled(self.optimizer, found)
        self.scaler._step(self.optimizer, self._opt_step)
        self.scaler.update()

    def _updated(self) -> None:
        if self.on_update is not None:
            self.on_update()

    # -- a batch -----------------------------------------------------------------
    def begin_epoch(self) -> None:
        self.pending = 0
        self.skipped = 0
        if self.accum > 1:
            self.optimizer.zero_grad()

    def __call__(self, x: Any, y: Any) -> tuple[Tensor, Tensor] | None:
        if self.skip_nonfinite:
            return self._checked(x, y)
        if self.accum == 1:
            out, loss, self.norm, found = self._step(x, y)
            if self.scaler is not None:
                self._scaled_step(found)
            self._updated()
            return out, loss
        out, loss = self._micro(x, y)
        self._added()
        return out, loss

    def _checked(self, x: Any, y: Any) -> tuple[Tensor, Tensor] | None:
        """The step with a host read of the loss, then of the gradients, before the update:
        a non-finite one drops the batch (and the group it would have joined)."""
        out, loss = self._forward(x, y)
        if not math.isfinite(float(loss.item())):
            self.skipped += 1
            return None
        if self.accum == 1:
            self.optimizer.zero_grad()
        self._backward(loss)
        if self.scaler is None and not _all_finite(
            [p.grad for p in self.params if p.grad is not None]
        ):
            # a finite loss with a NaN/inf gradient: drop this batch (and the group it
            # would have been added to: its gradients are mixed in). Under "16-mixed"
            # the GradScaler skips such steps itself.
            self.skipped += 1 + (self.pending if self.accum > 1 else 0)
            self.pending = 0
            self.optimizer.zero_grad()
            return None
        if self.accum == 1:
            total, found = self._prepare()
            if self.scaler is None:
                self.optimizer.step()
            else:
                self._scaled_step(found)
            self.norm = total
            self._updated()
        else:
            self._added()
        return out.detach(), loss.detach()

    def _added(self) -> None:
        self.pending += 1
        if self.pending == self.accum:
            self.flush()

    def flush(self) -> None:
        """The optimizer step closing the open group of accumulated batches (if any)."""
        pending = self.pending
        if not pending:
            return
        if pending < self.accum:  # a short last group: its mean gradient, not pending/accum of it
            with no_grad():
                for p in self.params:
                    if p.grad is not None:
                        p.grad = p.grad * (self.accum / pending)
        self.norm, found = self._apply()
        if self.scaler is not None:
            self._scaled_step(found)
            self.optimizer.zero_grad()
        self.pending = 0
        self._updated()
