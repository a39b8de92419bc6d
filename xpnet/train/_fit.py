"""``fit``: the training loop, with validation, metrics, callbacks, schedules and exact resume.

The loop only: a batch's step is ``TrainStep`` (``_step.py``), the checkpoint's
contents ``RunState`` (``_state.py``), the metrics and ``evaluate`` ``_evaluate.py``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import distributed as dist
from .._errors import ArgumentError, DistributedError, NonFiniteError
from ..nn import Module
from ..nn import summary as summarise
from ..optim import Optimizer
from ..tensor import Tensor
from ._callbacks import Callback
from ._evaluate import Metric, Totals, batch_pair, evaluate, metric_fns
from ._history import History
from ._state import RunState
from ._step import TrainStep, _all_finite


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


def _same_batch_counts(total: int | None, epoch: int) -> None:
    """Every rank must run as many steps as the others (each step all-reduces the
    gradients): compare the counts once an epoch and fail on every rank at once,
    naming them, instead of hanging in the first unmatched collective."""
    counts: list[Any] = []
    dist.all_gather_object(counts, total)
    if len(set(counts)) > 1:
        listed = ", ".join(
            f"rank {r}: {c if c is not None else 'unknown'}" for r, c in enumerate(counts)
        )
        raise DistributedError(
            f"fit: epoch {epoch + 1} has different numbers of batches on the ranks ({listed}); "
            "each step all-reduces the gradients, so every rank must take the same number of "
            "steps: use a DistributedSampler (it pads every rank's share to the same length), "
            "or drop_last"
        )


def _check_options(
    on_nonfinite: str,
    scheduler: Any,
    scheduler_interval: str,
    grad_accumulation_steps: Any,
    clip_grad_norm: float | None,
    log_every: int,
    compile: bool,
    precision: str,
) -> None:
    """Every argument error before anything runs."""
    if on_nonfinite not in ("raise", "skip"):
        raise ArgumentError(f"fit: on_nonfinite must be 'raise' or 'skip', got {on_nonfinite!r}")
    if scheduler_interval not in ("epoch", "step"):
        raise ArgumentError(
            f"fit: scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}"
        )
    if (
        not isinstance(grad_accumulation_steps, int)
        or isinstance(grad_accumulation_steps, bool)
        or grad_accumulation_steps < 1
    ):
        raise ArgumentError(
            f"fit: grad_accumulation_steps must be a positive int, got {grad_accumulation_steps!r}"
        )
    if clip_grad_norm is not None and not clip_grad_norm > 0:
        raise ArgumentError(f"fit: clip_grad_norm must be positive, got {clip_grad_norm!r}")
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
    if (
        scheduler is not None
        and hasattr(scheduler, "num_bad_epochs")
        and scheduler_interval == "step"
    ):
        raise ArgumentError(
            "fit: ReduceLROnPlateau steps once per epoch (scheduler_interval='epoch')"
        )


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
    grad_accumulation_steps: int = 1,
    clip_grad_norm: float | None = None,
    summary: bool = False,
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
    ``NonFiniteError`` (``on_nonfinite="raise"``); so does a NaN or infinite
    parameter or buffer at the end of an epoch (a NaN gradient with a finite loss),
    checked with one read per epoch. ``on_nonfinite="skip"`` instead checks every
    step's loss and then its gradients before the update and skips the non-finite
    ones (with gradient accumulation, the whole group a bad gradient was added to),
    counted in ``skipped_steps`` (two host reads per step); an epoch whose steps were
    all skipped reports a NaN loss.

    ``precision``: ``"32"`` (float32), ``"16-mixed"`` (forward and loss under
    ``xn.autocast("float16")`` with a ``GradScaler``; its state is saved in
    checkpoints) or ``"bf16-mixed"`` (``xn.autocast("bfloat16")``, no scaling).

    ``grad_accumulation_steps=k`` adds up the gradients of ``k`` batches (each loss
    divided by ``k``) before one optimizer step, so a step sees the mean gradient of
    ``k`` batches; a shorter group at the end of an epoch is stepped too, its gradient
    rescaled to the mean of the batches it has. ``clip_grad_norm`` clips the total
    gradient norm (``xn.nn.utils.clip_grad_norm_``, after unscaling under
    ``"16-mixed"``) before every optimizer step; the norm before clipping of the
    epoch's last step is logged as ``grad_norm``. Schedulers with
    ``scheduler_interval="step"`` step once per optimizer step.

    ``summary=True`` logs ``xn.nn.summary`` of the model (layers, output shapes,
    parameter counts and bytes) for the first training batch before training.

    ``compile=True`` runs each training step through ``xn.compile`` (forward, loss,
    backward, clipping and the optimizer step captured once, then replayed, and
    recorded again when the model or optimizer changes; see ``docs/compile.md``).
    Under ``"16-mixed"`` a step is two programs: forward, backward, unscaling and
    clipping, then the optimizer step, run only when no gradient overflowed (one
    flag read per step, as PyTorch's GradScaler). It cannot be combined with
    ``on_nonfinite="skip"``, which reads the loss inside the step.

    With ``checkpoint``, every ``checkpoint_every`` epochs the model, optimizer,
    scheduler, callbacks, loader position, RNG state and history are saved
    atomically, and only when the parameters are all finite, so a diverged run
    never replaces a good checkpoint; with ``resume=True`` a run restarts from that
    file and continues exactly as if it had never stopped (bit-identical on NumPy).

    In a process group (``xn.distributed``, with the model wrapped in
    ``DistributedDataParallel`` and a ``DistributedSampler``), the logged loss and
    metrics are means over every rank's samples, validation included; only rank 0
    shows progress, logs and writes checkpoints (the others wait for the file), and
    every rank resumes from it, also with another number of ranks.
    """
    _check_options(on_nonfinite, scheduler, scheduler_interval, grad_accumulation_steps,
                   clip_grad_norm, log_every, compile, precision)  # fmt: skip
    per_step = scheduler if scheduler is not None and scheduler_interval == "step" else None
    step = TrainStep(
        model, loss_fn, optimizer, precision=precision, accum=grad_accumulation_steps,
        clip_grad_norm=clip_grad_norm, compile=compile, skip_nonfinite=on_nonfinite == "skip",
        on_update=per_step.step if per_step is not None else None,
    )  # fmt: skip
    run = RunState(model, optimizer, scheduler, step.scaler, callbacks, train_loader, step.backend)
    if dist.is_initialized() and dist.get_rank() != 0:  # one voice: rank 0's bar, log, files
        progress, log = False, None
    history, start_epoch = History(), 0
    if resume and checkpoint is not None and Path(checkpoint).exists():
        history, start_epoch = run.resume(checkpoint)
        if log:
            log(f"resumed from {checkpoint} after epoch {start_epoch}")
    fns: dict[str, tuple[Metric, bool]] | None = None
    for cb in callbacks:
        cb.on_train_begin(model)
    for epoch in range(start_epoch, epochs):
        model.train()
        if hasattr(train_loader, "epoch"):
            train_loader.epoch = epoch
        total = len(train_loader) if hasattr(train_loader, "__len__") else None  # type: ignore[arg-type]
        if dist.is_initialized() and dist.get_world_size() > 1:
            _same_batch_counts(total, epoch)
        bar = _Progress(progress, total, f"epoch {epoch + 1}/{epochs}")
        totals: Totals | None = None
        steps = shown = 0
        step.begin_epoch()
        t0 = time.perf_counter()
        for batch in train_loader:
            x, y = batch_pair(batch)
            if fns is None:
                fns = metric_fns(metrics, y)
                if summary and log:
                    log(str(summarise(model, x)))
            if totals is None:
                totals = Totals(["loss", *fns])
            done = step(x, y)
            if done is None:  # skipped (on_nonfinite="skip")
                continue
            out, loss = done
            b = x.shape[0]
            totals.add("loss", loss * float(b))
            for k, (f, summed) in fns.items():
                v = f(out, y)
                totals.add(k, v if summed else v * float(b))
            totals.n += b
            steps += 1
            if steps % log_every == 0:
                running = totals.read()["loss"]
                if on_nonfinite == "raise" and not math.isfinite(running):
                    bar.close()
                    raise _nonfinite(epoch, max(shown, 1), steps, "seen at a progress refresh")
                bar.update(
                    steps - shown, running, totals.global_n / max(time.perf_counter() - t0, 1e-9)
                )
                shown = steps
        step.flush()
        seconds = time.perf_counter() - t0
        means = totals.read() if totals is not None else {"loss": math.nan}
        if on_nonfinite == "raise" and not math.isfinite(means["loss"]):
            bar.close()
            raise _nonfinite(epoch, max(shown, 1), steps, "seen at the end of the epoch")
        if not _all_finite([*model.parameters(), *model.buffers()]):  # one read an epoch
            bar.close()
            raise NonFiniteError(
                f"fit: after epoch {epoch + 1} some parameters or buffers are NaN or infinite "
                "although the loss was finite (a gradient was NaN or infinite: an undefined "
                "derivative such as sqrt at 0, or an overflow); no checkpoint was written for it"
            )
        n = totals.global_n if totals is not None else 0  # every rank's samples
        bar.update(steps - shown, means["loss"], n / max(seconds, 1e-9))
        bar.close()
        logs: dict[str, Any] = {"epoch": epoch + 1, **means}
        if on_nonfinite == "skip":
            logs["skipped_steps"] = step.skipped
        if val_loader is not None:
            same = [k if summed else f for k, (f, summed) in (fns or {}).items()]
            logs.update(
                {f"val_{k}": v for k, v in evaluate(model, loss_fn, val_loader, same).items()}
            )
        if step.norm is not None:
            logs["grad_norm"] = float(step.norm.item())
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
            if hasattr(scheduler, "num_bad_epochs"):  # ReduceLROnPlateau
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
            run.save(checkpoint, epoch, history)
        if stop:
            if log:
                log(f"stopped early after epoch {epoch + 1}")
            break
    for cb in callbacks:
        cb.on_train_end(model)
    return history
