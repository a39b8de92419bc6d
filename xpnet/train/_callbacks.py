"""Callbacks for ``fit``: early stopping, best-model checkpoints (and the base class for your own)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from .. import distributed as dist
from .._checkpoint import save
from .._errors import ArgumentError, KeyMismatchError


class Callback:
    """Hooks that ``fit`` calls: ``on_train_begin(model)`` before the first epoch,
    ``on_epoch_end(epoch, logs)`` after each (returning True stops training), and
    ``on_train_end(model)`` after the last (also after an early stop).

    ``state_dict`` (saved in ``fit``'s checkpoints) holds the public attributes;
    keep references such as the model in ``_private`` ones.
    """

    def on_train_begin(self, model: Any) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
        return False

    def on_train_end(self, model: Any) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class _Monitor(Callback):
    """Follows the best value of one logged quantity (and holds the model being trained)."""

    def __init__(self, who: str, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("min", "max"):
            raise ArgumentError(f"{who}: mode is 'min' or 'max', got {mode!r}")
        self._who = who
        self.monitor, self.mode, self.min_delta = monitor, mode, min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self._model: Any = None

    def on_train_begin(self, model: Any) -> None:
        self._model = model

    def _improved(self, epoch: int, logs: dict[str, Any]) -> bool:
        if self.monitor not in logs:
            raise KeyMismatchError(
                f"{self._who} monitors {self.monitor!r}, but the epoch logged only {sorted(logs)}"
            )
        value = float(logs[self.monitor])
        better = (
            value < self.best - self.min_delta
            if self.mode == "min"
            else value > self.best + self.min_delta
        )
        if better:
            self.best, self.best_epoch = value, epoch
        return better


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``restore_best_weights=True`` keeps a device copy of the parameters and buffers of
    the best epoch and loads it back into the model when training ends (as Keras does),
    so the model returned is the best one seen, not the last.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 3,
        mode: str = "min",
        min_delta: float = 0.0,
        restore_best_weights: bool = False,
    ):
        super().__init__("EarlyStopping", monitor, mode, min_delta)
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.wait = 0
        self.best_weights: dict[str, Any] | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
        if self._improved(epoch, logs):
            self.wait = 0
            if self.restore_best_weights and self._model is not None:
                # copies on the device (state_dict gives detached views of the live tensors)
                self.best_weights = {k: v.clone() for k, v in self._model.state_dict().items()}
            return False
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, model: Any) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            model.load_state_dict(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model's ``state_dict`` to ``path`` (``xn.save``: atomic, checksummed)
    after every epoch where ``monitor`` improved, so ``path`` always holds the best
    model so far; ``save_best_only=False`` saves after every epoch. In a process group
    only rank 0 writes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str = "val_loss",
        mode: str = "min",
        min_delta: float = 0.0,
        save_best_only: bool = True,
    ):
        super().__init__("ModelCheckpoint", monitor, mode, min_delta)
        self.path = str(path)
        self.save_best_only = save_best_only
        if not Path(self.path).parent.is_dir():
            raise ArgumentError(f"ModelCheckpoint: the folder of {self.path} does not exist")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
        due = (self._improved(epoch, logs) or not self.save_best_only) and self._model is not None
        if due and (not dist.is_initialized() or dist.get_rank() == 0):
            save(self._model.state_dict(), self.path)
        return False
