"""Callbacks for ``fit``: early stopping (and the base class for your own)."""

from __future__ import annotations

import math
from typing import Any

from .._errors import ArgumentError, KeyMismatchError


class Callback:
    """``on_epoch_end(epoch, logs)`` runs after each epoch; returning True stops training."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
        return False

    def state_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 3,
        mode: str = "min",
        min_delta: float = 0.0,
    ):
        if mode not in ("min", "max"):
            raise ArgumentError("EarlyStopping: mode is 'min' or 'max'")
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.wait = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
        if self.monitor not in logs:
            raise KeyMismatchError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch logged only {sorted(logs)}"
            )
        value = float(logs[self.monitor])
        better = (
            value < self.best - self.min_delta
            if self.mode == "min"
            else value > self.best + self.min_delta
        )
        if better:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return False
        self.wait += 1
        return self.wait >= self.patience
