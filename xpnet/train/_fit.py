"""``fit``: the training loop, with validation, metrics, callbacks, schedules and exact resume."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._checkpoint import load, save
from .._tensor import Tensor
from ..autodiff import no_grad
from ..backend import default_generator
from ..data import DataLoader
from ..nn import Module
from ..optim import Optimizer
from ._callbacks import Callback
from ._history import History
from ._metrics import accuracy

Metric = Callable[[Tensor, Tensor], float]
METRICS: dict[str, Metric] = {"accuracy": accuracy}


def _metric_fns(metrics: Sequence[str | Metric]) -> dict[str, Metric]:
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(
                    f"unknown metric {m!r}; known: {sorted(METRICS)} (or pass a function)"
                )
            out[m] = METRICS[m]
        else:
            out[getattr(m, "__name__", "metric")] = m
    return out


def evaluate(
    model: Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    loader: DataLoader,
    metrics: Sequence[Any] = (),
) -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader`` (eval mode, no graph), weighted by batch size."""
    fns = _metric_fns(metrics)
    was_training = model.training
    model.eval()
    totals = {"loss": 0.0, **{k: 0.0 for k in fns}}
    n = 0
    with no_grad():
        for x, y in loader:
            out = model(x)
            b = x.shape[0]
            totals["loss"] += float(loss_fn(out, y).item()) * b
            for k, f in fns.items():
                totals[k] += f(out, y) * b
            n += b
    model.train(was_training)
    return {k: v / max(n, 1) for k, v in totals.items()}


class _Progress:
    """A tqdm bar when tqdm is installed and wanted; otherwise one line per epoch."""

    def __init__(self, enabled: bool, total: int, desc: str) -> None:
        self.bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(
                    total=total, desc=desc, leave=True, file=sys.stderr, dynamic_ncols=True
                )
            except ImportError:
                pass

    def update(self, loss: float, rate: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}", samples_per_s=f"{rate:,.0f}", refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def fit(
    model: Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Optimizer,
    train_loader: DataLoader,
    epochs: int,
    val_loader: DataLoader | None = None,
    metrics: Sequence[str | Metric] = ("accuracy",),
    callbacks: Sequence[Callback] = (),
    scheduler: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = print,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the per-epoch History.

    Each epoch: a pass over ``train_loader`` (mean loss and metrics of the
    training batches), then ``evaluate`` on ``val_loader`` (``val_*`` keys), the
    scheduler step (``ReduceLROnPlateau`` gets ``val_loss``, or ``loss``), then the
    callbacks (any returning True stops the run). With ``checkpoint``, every
    ``checkpoint_every`` epochs the model, optimizer, scheduler, callbacks,
    loader position, RNG state and history are saved atomically; with
    ``resume=True`` a run restarts from that file and continues exactly as if
    it had never stopped (bit-identical on NumPy).
    """
    fns = _metric_fns(metrics)
    history = History()
    start_epoch = 0
    backend = next(iter(model.parameters())).backend
    if resume and checkpoint is not None and Path(checkpoint).exists():
        state = load(checkpoint, backend=backend)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and "scheduler" in state:
            scheduler.load_state_dict(state["scheduler"])
        for cb, cb_state in zip(callbacks, state.get("callbacks", []), strict=False):
            cb.load_state_dict(cb_state)
        train_loader.load_state_dict(state["loader"])
        default_generator(backend).set_state(state["rng"])
        history = History(state["history"])
        start_epoch = state["epoch"] + 1
        if log:
            log(f"resumed from {checkpoint} after epoch {state['epoch'] + 1}")
    for epoch in range(start_epoch, epochs):
        model.train()
        train_loader.epoch = epoch
        bar = _Progress(progress, len(train_loader), f"epoch {epoch + 1}/{epochs}")
        totals = {"loss": 0.0, **{k: 0.0 for k in fns}}
        n = 0
        t0 = time.perf_counter()
        for x, y in train_loader:
            out = model(x)
            loss = loss_fn(out, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            b = x.shape[0]
            value = float(loss.item())
            totals["loss"] += value * b
            for k, f in fns.items():
                totals[k] += f(out.detach(), y) * b
            n += b
            bar.update(value, n / max(time.perf_counter() - t0, 1e-9))
        bar.close()
        seconds = time.perf_counter() - t0
        logs: dict[str, Any] = {"epoch": epoch + 1, **{k: v / max(n, 1) for k, v in totals.items()}}
        if val_loader is not None:
            logs.update(
                {
                    f"val_{k}": v
                    for k, v in evaluate(model, loss_fn, val_loader, list(fns.values())).items()
                }
            )
        logs["lr"] = optimizer.param_groups[0]["lr"]
        logs["seconds"] = seconds
        logs["samples_per_s"] = n / max(seconds, 1e-9)
        history.append(logs)
        if log:
            shown = "  ".join(f"{k} {v:.4g}" for k, v in logs.items() if k not in ("epoch", "lr"))
            log(f"epoch {epoch + 1}/{epochs}  {shown}")
        if scheduler is not None:
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(logs.get("val_loss", logs["loss"]))
            else:
                scheduler.step()
        stop = any([cb.on_epoch_end(epoch, logs) for cb in callbacks])
        if checkpoint is not None and (
            (epoch + 1) % checkpoint_every == 0 or stop or epoch + 1 == epochs
        ):
            state = {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "loader": {"epoch": epoch + 1, "seed": train_loader.seed},
                "rng": default_generator(backend).get_state(),
                "history": history.state_dict(),
                "callbacks": [cb.state_dict() for cb in callbacks],
                "epoch": epoch,
            }
            if scheduler is not None:
                state["scheduler"] = scheduler.state_dict()
            save(state, checkpoint)
        if stop:
            if log:
                log(f"stopped early after epoch {epoch + 1}")
            break
    return history
