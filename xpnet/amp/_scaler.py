"""``xn.amp.GradScaler``: loss scaling for float16 training, as PyTorch's ``torch.amp.GradScaler``.

float16 has a small range: gradients below about 6e-8 underflow to zero. The
scaler multiplies the loss by ``scale`` before ``backward()`` (so gradients are
``scale`` times larger), divides the gradients by it before the update, and skips
the update when a gradient overflowed to inf or NaN. ``update()`` halves the scale
after such a step and doubles it after ``growth_interval`` clean steps::

    scaler = xn.amp.GradScaler()
    with xn.autocast("float16"):
        loss = loss_fn(model(x), y)
    opt.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(opt)                       # optional: to clip true gradients
    xn.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)                           # skipped on inf/NaN
    scaler.update()

Deciding whether to skip reads one flag back from the device per step (PyTorch's
scaler does too with its non-fused optimizers). Under ``xn.compile`` that read
cannot be part of a recorded step: compile the forward and
``scaler.scale(loss).backward()`` in one function and call ``unscale_``, ``step``
and ``update`` after it (they note Python state that a replay would not);
``fit(compile=True, precision="16-mixed")`` compiles the unscaling and clipping
with the backward and the optimizer step on its own, reading one flag in between.
"""

from __future__ import annotations

import math
from typing import Any

from .._capture import ACTIVE, recorder
from .._errors import ArgumentError, NonFiniteError
from .._slots import Slots
from ..autodiff import no_grad
from ..ops import all as all_
from ..ops import isfinite, logical_not, stack
from ..tensor import Tensor

MIN_SCALE = 2.0**-24  # below this, an overflow cannot be the cause of a non-finite gradient


class GradScaler:
    # what changes every step: a compiled step takes the scale as an input (see ``_live``)
    _live_attributes = ("_scale", "_growth_tracker", "_per_optimizer")

    def __init__(
        self,
        init_scale: Any = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
        *,
        device: str | None = None,
    ) -> None:
        if isinstance(init_scale, str):  # PyTorch's GradScaler("cuda", ...): the device first
            if device is not None:
                raise ArgumentError(f"GradScaler: device given twice ({init_scale!r}, {device!r})")
            if (growth_factor, backoff_factor, growth_interval) != (2.0, 0.5, 2000):
                raise ArgumentError(
                    "GradScaler: after the device, give the other settings by keyword "
                    "(GradScaler('cuda', init_scale=..., growth_factor=...))"
                )
            device, init_scale = init_scale, 2.0**16
        self.device = device  # PyTorch's; the scale is applied on each gradient's own backend
        if init_scale <= 0 or growth_factor <= 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ArgumentError(
                f"GradScaler: need init_scale > 0, growth_factor > 1 and 0 < backoff_factor < 1, "
                f"got {init_scale}, {growth_factor}, {backoff_factor}"
            )
        if growth_interval < 1:
            raise ArgumentError(
                f"GradScaler: growth_interval must be positive, got {growth_interval}"
            )
        self.enabled = enabled
        self._scale = float(init_scale)
        self.growth_factor, self.backoff_factor = growth_factor, backoff_factor
        self.growth_interval = growth_interval
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}  # this iteration: unscaled? found inf?
        self._slots: dict[Any, Slots] = {}  # (backend, dtype) -> [scale, 1/scale] (xn.compile)

    def _live(self, like: Tensor) -> tuple[Any, Any]:
        """``(scale, 1/scale)``: Python floats, or while xn.compile records a step, 0-d slots
        refilled before each replay (the scale changes between steps: never a constant)."""
        values = (self._scale, 1.0 / self._scale)
        rec = ACTIVE[0] and recorder()
        if rec is None:
            return values
        rec.watch(self)
        key = (id(like.backend), str(like.dtype))
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = Slots(like.backend, like.dtype, 2)
        slots.fill(values)
        rec.before_replay(lambda: slots.fill((self._scale, 1.0 / self._scale)), once_for=slots)
        return slots.tensors[0], slots.tensors[1]

    def get_scale(self) -> float:
        return self._scale if self.enabled else 1.0

    def scale(self, loss: Tensor) -> Tensor:
        """``loss * scale`` (the loss itself when disabled)."""
        return loss * self._live(loss)[0] if self.enabled else loss

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note any inf/NaN."""
        if not self.enabled:
            return
        state = self._per_optimizer.setdefault(id(optimizer), {})
        if state.get("unscaled"):
            raise ArgumentError(
                "GradScaler.unscale_ was already called for this optimizer since the last update()"
            )
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.unsupported(
                "GradScaler.unscale_ notes on the scaler that the gradients are unscaled, which a "
                "replay would not; call unscale_, step and update after the compiled function"
            )
        self._unscaled(optimizer, self._unscale_grads(optimizer))

    def _unscale_grads(self, optimizer: Any) -> Tensor | None:
        """Divide the gradients by the scale in place; the device flag "one was inf/NaN"
        (None without gradients). Only tensor operations: a compiled step may include it."""
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        flags = []
        with no_grad():
            for grad in grads:
                grad *= self._live(grad)[1]
                flags.append(all_(isfinite(grad)))
        return logical_not(all_(stack(flags))) if flags else None

    def _unscaled(self, optimizer: Any, found_inf: Tensor | None) -> None:
        """Note that ``optimizer``'s gradients are unscaled, with their overflow flag."""
        state = self._per_optimizer.setdefault(id(optimizer), {})
        state["unscaled"] = True
        state["found_inf"] = found_inf

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale if needed, then ``optimizer.step()`` unless a gradient was inf or NaN."""
        return self._step(optimizer, lambda: optimizer.step(*args, **kwargs))

    def _step(self, optimizer: Any, run: Any) -> Any:
        """``step``, calling ``run()`` (``optimizer.step`` or a compiled version of it)."""
        if not self.enabled:
            return run()
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.unsupported(
                "GradScaler.step reads back whether a gradient overflowed, to decide whether to "
                "skip the update; call scaler.step() and scaler.update() after the compiled "
                "function, not inside it"
            )
        state = self._per_optimizer.setdefault(id(optimizer), {})
        if not state.get("unscaled"):
            self.unscale_(optimizer)
        found = state.get("found_inf")
        skip = found is not None and bool(found.item())  # one read back per step
        state["skipped"] = skip
        if skip:
            return None
        return run()

    def update(self, new_scale: float | None = None) -> None:
        """Back off after a skipped step, grow after ``growth_interval`` clean ones."""
        if not self.enabled:
            return
        if new_scale is not None:
            if not float(new_scale) > 0 or not math.isfinite(float(new_scale)):
                raise ArgumentError(
                    f"GradScaler.update: new_scale must be positive, got {new_scale}"
                )
            self._scale = float(new_scale)
        elif not any("skipped" in s for s in self._per_optimizer.values()):
            raise ArgumentError(
                "GradScaler.update() without scaler.step(optimizer) since the last update: no "
                "overflow check was made, so there is nothing to update the scale from"
            )
        elif any(s.get("skipped") for s in self._per_optimizer.values()):
            if self._scale * self.backoff_factor < MIN_SCALE:
                raise NonFiniteError(
                    f"GradScaler: gradients were NaN or infinite at every scale down to "
                    f"{self._scale:g}; that is no float16 overflow but NaN/inf in the loss or its "
                    "gradients (check the data and the model; xn.detect_anomaly() finds the op)"
                )
            self._scale *= self.backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self.growth_interval:
                self._scale *= self.growth_factor
                self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self) -> dict[str, Any]:
        return {
            "scale": self._scale,
            "growth_factor": self.growth_factor,
            "backoff_factor": self.backoff_factor,
            "growth_interval": self.growth_interval,
            "growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._scale = float(state["scale"])
        self.growth_factor = float(state["growth_factor"])
        self.backoff_factor = float(state["backoff_factor"])
        self.growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["growth_tracker"])
