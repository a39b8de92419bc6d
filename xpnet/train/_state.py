"""What ``fit`` saves after an epoch and restores on ``resume=True``: model, optimizer,
scheduler, GradScaler, callbacks, loader position, RNG state and history."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from .. import distributed as dist
from .._checkpoint import load, save
from .._errors import CheckpointError
from ..backend import Backend, default_generator
from ..nn import Module
from ..optim import Optimizer
from ._callbacks import Callback
from ._history import History

NEEDED = ("model", "optimizer", "epoch", "history", "rng")


class RunState:
    """The objects of one run whose state a checkpoint holds."""

    def __init__(
        self,
        model: Module,
        optimizer: Optimizer,
        scheduler: Any,
        scaler: Any,
        callbacks: Sequence[Callback],
        loader: Iterable[Any],
        backend: Backend,
    ) -> None:
        self.model, self.optimizer, self.scheduler, self.scaler = (
            model,
            optimizer,
            scheduler,
            scaler,
        )
        self.callbacks, self.loader, self.backend = callbacks, loader, backend

    def resume(self, path: str | os.PathLike[str]) -> tuple[History, int]:
        """Load ``path`` into every object; the history so far and the epoch to start at."""
        state = load(path, backend=self.backend)
        if not isinstance(state, dict) or any(k not in state for k in NEEDED):
            keys = sorted(state)[:6] if isinstance(state, dict) else type(state).__name__
            raise CheckpointError(
                f"fit(resume=True): {path} is not a checkpoint written by fit (it has "
                f"{keys}, fit's have {list(NEEDED)}...); a model's state_dict loads with "
                "model.load_state_dict(xn.load(path)) before fit, without resume"
            )
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and "scheduler" in state:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and "scaler" in state:
            self.scaler.load_state_dict(state["scaler"])
        for cb, cb_state in zip(self.callbacks, state.get("callbacks", []), strict=False):
            cb.load_state_dict(cb_state)
        if hasattr(self.loader, "load_state_dict"):
            self.loader.load_state_dict(state["loader"])
        default_generator(self.backend).set_state(state["rng"])
        return History(state["history"]), state["epoch"] + 1

    def save(self, path: str | os.PathLike[str], epoch: int, history: History) -> None:
        """Write the state after ``epoch`` atomically (rank 0; the others wait for the file)."""
        state: dict[str, Any] = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "loader": self.loader.state_dict() if hasattr(self.loader, "state_dict") else {},
            "rng": default_generator(self.backend).get_state(),
            "history": history.state_dict(),
            "callbacks": [cb.state_dict() for cb in self.callbacks],
            "epoch": epoch,
        }
        if self.scheduler is not None:
            state["scheduler"] = self.scheduler.state_dict()
        if self.scaler is not None:
            state["scaler"] = self.scaler.state_dict()
        if not dist.is_initialized() or dist.get_rank() == 0:
            save(state, path)
        if dist.is_initialized():
            dist.barrier()  # the file is complete before any rank goes on
