"""``fit``: the training loop, with validation, metrics, callbacks, schedules and exact resume."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .._checkpoint import load, save
from .._compile import compile as xn_compile
from .._errors import ArgumentError, ArgumentTypeError, NonFiniteError
from .._tensor import Tensor
from ..amp import GradScaler, autocast
from ..autodiff import no_grad
from ..backend import default_generator
from ..nn import Module
from ..optim import Optimizer
from ._callbacks import Callback
from ._history import History
from ._metrics import correct

Metric = Callable[[Tensor, Tensor], Any]


def _accuracy_sum(output: Tensor, target: Tensor) -> Tensor:
    return correct(output, target)


# Built-in metrics by name: each returns the metric *summed* over the batch (a
# device tensor), so fit adds them up on the device and divides once per epoch.
SUMMED: dict[str, Metric] = {"accuracy": _accuracy_sum}


def _metric_fns(metrics: Any, target: Any) -> dict[str, tuple[Metric, bool]]:
    """name -> (function, summed?). ``"auto"``: accuracy for integer class targets, else none."""
    if metrics == "auto":
        integral = (
            target is not None
            and isinstance(target, Tensor)
            and (target.backend.xp.isdtype(target.dtype, "integral"))
        )
        metrics = ("accuracy",) if integral else ()
    out: dict[str, tuple[Metric, bool]] = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in SUMMED:
                raise ArgumentError(
                    f"unknown metric {m!r}; known: {sorted(SUMMED)} (or pass a function)"
                )
            out[m] = (SUMMED[m], True)
        else:
            out[getattr(m, "__name__", "metric")] = (
                m,
                False,
            )  # a batch mean: weighted by the batch size
    return out


class _Totals:
    """Per-batch values summed on their device (read on demand), or on the host for floats."""

    def __init__(self, names: Sequence[str]) -> None:
        self.sums: dict[str, Any] = dict.fromkeys(names, 0.0)
        self.n = 0

    def add(self, name: str, value: Any) -> None:
        if isinstance(value, Tensor):
            value = value.detach()
        self.sums[name] = self.sums[name] + value

    def read(self) -> dict[str, float]:
        """Means over the samples so far: one host read per device value."""
        n = max(self.n, 1)
        return {
            k: float(v.item() if isinstance(v, Tensor) else v) / n for k, v in self.sums.items()
        }


def _batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ArgumentTypeError(
        f"fit: each batch must be an (input, target) pair, got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
    )


def evaluate(
    model: Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    loader: Iterable[Any],
    metrics: Any = (),
) -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader`` (eval mode, no graph), weighted by batch size.

    Sums stay on the device; the results are read to the host once, at the end.
    """
    was_training = model.training
    model.eval()
    fns: dict[str, tuple[Metric, bool]] | None = None
    totals = _Totals(["loss"])
    with no_grad():
        for batch in loader:
            x, y = _batch(batch)
            if fns is None:
                fns = _metric_fns(metrics, y)
                totals.sums.update(dict.fromkeys(fns, 0.0))
            out = model(x)
            b = x.shape[0]
            totals.add("loss", loss_fn(out, y) * float(b))
            for k, (f, summed) in fns.items():
                v = f(out, y)
                totals.add(k, v if summed else v * float(b))
            totals.n += b
    model.train(was_training)
    return totals.read()


class _Progress:
    """A tqdm bar when tqdm is installed and wanted; otherwise one line per epoch."""

    def __init__(self, enabled: bool, total: int | None, desc: str) -> None:
        self.bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(
                    total=total, desc=desc, leave=True, file=sys.stderr, dynamic_ncols=True
                )
            except ImportError:
                pass

    def update(self, steps: int, loss: float, rate: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}", samples_per_s=f"{rate:,.0f}", refresh=False)
            self.bar.update(steps)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _nonfinite(epoch: int, first: int, last: int, where: str) -> NonFiniteError:
    return NonFiniteError(
        f"fit: the training loss became NaN or infinite in epoch {epoch + 1}, between steps "
        f"{first} and {last} of the epoch ({where}); training stopped and no checkpoint was written "
        "after it. Find the operation with `with xn.detect_anomaly():`, lower the learning rate, or "
        "pass on_nonfinite='skip' to skip such steps"
    )


def _all_finite(tensors: Iterable[Tensor]) -> bool:
    from ..ops import all as all_
    from ..ops import isfinite, stack

    flags = [all_(isfinite(t)) for t in tensors if t.backend.is_float(t.dtype)]
    return not flags or bool(all_(stack(flags)).item())


def fit(
    model: Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Optimizer,
    train_loader: Iterable[Any],
    epochs: int,
    val_loader: Iterable[Any] | None = None,
    metrics: Any = "auto",
    callbacks: Sequence[Callback] = (),
    scheduler: Any = None,
    scheduler_interval: str = "epoch",
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = print,
    log_every: int = 50,
    on_nonfinite: str = "raise",
    compile: bool = False,
    precision: str = "32",
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the per-epoch History.

    Each epoch: a pass over ``train_loader`` (any iterable of (input, target)
    batches; mean loss and metrics of the training batches), then ``evaluate`` on
    ``val_loader`` (``val_*`` keys), the scheduler step (``ReduceLROnPlateau`` gets
    ``val_loss``, or ``loss``; ``scheduler_interval="step"`` steps it after every
    optimizer step instead), then the callbacks (any returning True stops the run).

    ``metrics="auto"`` computes accuracy when the targets are integer class labels
    and nothing else otherwise; pass names (``"accuracy"``) or functions
    ``f(output, target) -> float`` (a batch mean).

    Nothing is read back from the device during a step: the loss and metrics are
    summed on the device and read every ``log_every`` steps (for the progress bar)
    and at the end of the epoch. A NaN or infinite loss found then raises
    ``NonFiniteError`` (``on_nonfinite="raise"``); ``on_nonfinite="skip"`` instead
    checks every step's loss before its update and skips the non-finite ones,
    counted in ``skipped_steps`` (one host read per step).

    ``precision``: ``"32"`` (float32), ``"16-mixed"`` (forward and loss under
    ``xn.autocast("float16")`` with a ``GradScaler``; its state is saved in
    checkpoints) or ``"bf16-mixed"`` (``xn.autocast("bfloat16")``, no scaling).

    ``compile=True`` runs each training step through ``xn.compile`` (forward, loss,
    backward and the optimizer step captured once, then replayed); it cannot be
    combined with ``on_nonfinite="skip"``, which reads the loss inside the step.

    With ``checkpoint``, every ``checkpoint_every`` epochs the model, optimizer,
    scheduler, callbacks, loader position, RNG state and history are saved
    atomically, and only when the parameters are all finite, so a diverged run
    never replaces a good checkpoint; with ``resume=True`` a run restarts from that
    file and continues exactly as if it had never stopped (bit-identical on NumPy).
    """
    if on_nonfinite not in ("raise", "skip"):
        raise ArgumentError(f"fit: on_nonfinite must be 'raise' or 'skip', got {on_nonfinite!r}")
    if scheduler_interval not in ("epoch", "step"):
        raise ArgumentError(
            f"fit: scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}"
        )
    if log_every < 1:
        raise ArgumentError(f"fit: log_every must be positive, got {log_every}")
    if compile and on_nonfinite == "skip":
        raise ArgumentError(
            "fit: compile=True cannot skip non-finite steps (that reads the loss inside the step); "
            "use on_nonfinite='raise'"
        )
    if precision not in ("32", "16-mixed", "bf16-mixed"):
        raise ArgumentError(
            f"fit: precision must be '32', '16-mixed' or 'bf16-mixed', got {precision!r}"
        )
    low = {"16-mixed": "float16", "bf16-mixed": "bfloat16"}.get(precision)
    scaler = GradScaler() if precision == "16-mixed" else None
    plateau = scheduler is not None and hasattr(scheduler, "num_bad_epochs")
    if plateau and scheduler_interval == "step":
        raise ArgumentError(
            "fit: ReduceLROnPlateau steps once per epoch (scheduler_interval='epoch')"
        )
    history = History()
    start_epoch = 0
    backend = next(iter(model.parameters())).backend
    if resume and checkpoint is not None and Path(checkpoint).exists():
        state = load(checkpoint, backend=backend)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and "scheduler" in state:
            scheduler.load_state_dict(state["scheduler"])
        if scaler is not None and "scaler" in state:
            scaler.load_state_dict(state["scaler"])
        for cb, cb_state in zip(callbacks, state.get("callbacks", []), strict=False):
            cb.load_state_dict(cb_state)
        if hasattr(train_loader, "load_state_dict"):
            train_loader.load_state_dict(state["loader"])
        default_generator(backend).set_state(state["rng"])
        history = History(state["history"])
        start_epoch = state["epoch"] + 1
        if log:
            log(f"resumed from {checkpoint} after epoch {state['epoch'] + 1}")
    fns: dict[str, tuple[Metric, bool]] | None = None

    def train_step(x: Any, y: Any) -> tuple[Tensor, Tensor]:
        with autocast(low or "float16", enabled=low is not None):
            out = model(x)
            loss = loss_fn(out, y)
        optimizer.zero_grad()
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        return out.detach(), loss.detach()

    step = xn_compile(train_step) if compile else train_step
    for epoch in range(start_epoch, epochs):
        model.train()
        if hasattr(train_loader, "epoch"):
            train_loader.epoch = epoch
        total = len(train_loader) if hasattr(train_loader, "__len__") else None  # type: ignore[arg-type]
        bar = _Progress(progress, total, f"epoch {epoch + 1}/{epochs}")
        totals: _Totals | None = None
        skipped = 0
        steps = shown = 0
        t0 = time.perf_counter()
        for batch in train_loader:
            x, y = _batch(batch)
            if fns is None:
                fns = _metric_fns(metrics, y)
            if totals is None:
                totals = _Totals(["loss", *fns])
            if on_nonfinite == "skip":
                with autocast(low or "float16", enabled=low is not None):
                    out = model(x)
                    loss = loss_fn(out, y)
                optimizer.zero_grad()
                if not math.isfinite(float(loss.item())):
                    skipped += 1
                    continue
                if scaler is None:
                    loss.backward()
                    optimizer.step()
                else:
                    scaler.scale(loss).backward()
                    scaler.step(optimizer)
                    scaler.update()
            else:
                out, loss = step(x, y)
            if scheduler is not None and scheduler_interval == "step":
                scheduler.step()
            b = x.shape[0]
            totals.add("loss", loss * float(b))
            detached = out.detach()
            for k, (f, summed) in fns.items():
                v = f(detached, y)
                totals.add(k, v if summed else v * float(b))
            totals.n += b
            steps += 1
            if steps % log_every == 0:
                running = totals.read()["loss"]
                if on_nonfinite == "raise" and not math.isfinite(running):
                    bar.close()
                    raise _nonfinite(epoch, max(shown, 1), steps, "seen at a progress refresh")
                bar.update(steps - shown, running, totals.n / max(time.perf_counter() - t0, 1e-9))
                shown = steps
        seconds = time.perf_counter() - t0
        means = totals.read() if totals is not None else {"loss": math.nan}
        if on_nonfinite == "raise" and not math.isfinite(means["loss"]):
            bar.close()
            raise _nonfinite(epoch, max(shown, 1), steps, "seen at the end of the epoch")
        bar.update(steps - shown, means["loss"], (totals.n if totals else 0) / max(seconds, 1e-9))
        bar.close()
        n = totals.n if totals is not None else 0
        logs: dict[str, Any] = {"epoch": epoch + 1, **means}
        if on_nonfinite == "skip":
            logs["skipped_steps"] = skipped
        if val_loader is not None:
            same = [k if summed else f for k, (f, summed) in (fns or {}).items()]
            logs.update(
                {f"val_{k}": v for k, v in evaluate(model, loss_fn, val_loader, same).items()}
            )
        logs["lr"] = optimizer.param_groups[0]["lr"]
        logs["seconds"] = seconds
        logs["samples_per_s"] = n / max(seconds, 1e-9)
        history.append(logs)
        if log:
            shown_logs = "  ".join(
                f"{k} {v:.4g}" for k, v in logs.items() if k not in ("epoch", "lr")
            )
            log(f"epoch {epoch + 1}/{epochs}  {shown_logs}")
        if scheduler is not None and scheduler_interval == "epoch":
            if plateau:
                scheduler.step(logs.get("val_loss", logs["loss"]))
            else:
                scheduler.step()
        stop = any([cb.on_epoch_end(epoch, logs) for cb in callbacks])
        if checkpoint is not None and (
            (epoch + 1) % checkpoint_every == 0 or stop or epoch + 1 == epochs
        ):
            if not _all_finite([*model.parameters(), *model.buffers()]):
                raise NonFiniteError(
                    f"fit: after epoch {epoch + 1} some parameters or buffers are NaN or infinite; "
                    f"{checkpoint} was left as it was"
                )
            state = {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "loader": train_loader.state_dict() if hasattr(train_loader, "state_dict") else {},
                "rng": default_generator(backend).get_state(),
                "history": history.state_dict(),
                "callbacks": [cb.state_dict() for cb in callbacks],
                "epoch": epoch,
            }
            if scheduler is not None:
                state["scheduler"] = scheduler.state_dict()
            if scaler is not None:
                state["scaler"] = scaler.state_dict()
            save(state, checkpoint)
        if stop:
            if log:
                log(f"stopped early after epoch {epoch + 1}")
            break
    return history
