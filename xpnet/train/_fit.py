"""``fit``: the training loop, with validation, metrics, callbacks, schedules and exact resume."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import distributed as dist
from .._checkpoint import load, save
from .._compile import compile as xn_compile
from .._errors import (
    ArgumentError,
    ArgumentTypeError,
    CheckpointError,
    DistributedError,
    NonFiniteError,
)
from ..amp import GradScaler, autocast
from ..autodiff import no_grad
from ..backend import default_generator
from ..nn import Module
from ..nn import summary as summarise
from ..nn.utils import clip_grad_norm_
from ..ops import all as all_
from ..ops import isfinite, stack
from ..optim import Optimizer
from ..tensor import Tensor
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
        self.n = 0  # this rank's samples
        self.global_n = 0.0  # every rank's, as of the last read()

    def add(self, name: str, value: Any) -> None:
        if isinstance(value, Tensor):
            value = value.detach()
        self.sums[name] = self.sums[name] + value

    def read(self) -> dict[str, float]:
        """Means over the samples so far (over every rank in a process group): one host read
        per device value, and one exchange between ranks."""
        keys = list(self.sums)
        values = [float(v.item() if isinstance(v, Tensor) else v) for v in self.sums.values()]
        *sums, self.global_n = dist.all_reduce_host([*values, float(self.n)])
        if not self.global_n:  # no samples (every step skipped): no mean, not 0
            return dict.fromkeys(keys, math.nan)
        return {k: v / self.global_n for k, v in zip(keys, sums, strict=True)}


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


def _all_finite(tensors: Iterable[Tensor]) -> bool:

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
    low = {"16-mixed": "float16", "bf16-mixed": "bfloat16"}.get(precision)
    scaler = GradScaler() if precision == "16-mixed" else None
    plateau = scheduler is not None and hasattr(scheduler, "num_bad_epochs")
    if plateau and scheduler_interval == "step":
        raise ArgumentError(
            "fit: ReduceLROnPlateau steps once per epoch (scheduler_interval='epoch')"
        )
    rank = dist.get_rank() if dist.is_initialized() else 0
    if rank != 0:  # one voice: the progress bar, the log and the checkpoints are rank 0's
        progress, log = False, None
    history = History()
    start_epoch = 0
    backend = next(iter(model.parameters())).backend
    if resume and checkpoint is not None and Path(checkpoint).exists():
        state = load(checkpoint, backend=backend)
        needed = ("model", "optimizer", "epoch", "history", "rng")
        if not isinstance(state, dict) or any(k not in state for k in needed):
            keys = sorted(state)[:6] if isinstance(state, dict) else type(state).__name__
            raise CheckpointError(
                f"fit(resume=True): {checkpoint} is not a checkpoint written by fit (it has "
                f"{keys}, fit's have {list(needed)}...); a model's state_dict loads with "
                "model.load_state_dict(xn.load(path)) before fit, without resume"
            )
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

    accum = grad_accumulation_steps
    params = list(model.parameters())
    norm: list[Tensor | None] = [None]

    def forward_backward(x: Any, y: Any) -> tuple[Tensor, Tensor]:
        """One batch: forward, loss and backward, its gradients added to ``.grad``."""
        with autocast(low or "float16", enabled=low is not None, backend=backend):
            out = model(x)
            loss = loss_fn(out, y)
        scaled = loss if accum == 1 else loss * (1.0 / accum)
        (scaled if scaler is None else scaler.scale(scaled)).backward()
        return out.detach(), loss.detach()

    def prepare() -> tuple[Tensor | None, Tensor | None]:
        """Unscale (under "16-mixed") and clip (if asked): the norm before clipping and
        the device flag "a gradient overflowed" (None without a scaler). Tensor
        operations only, so a compiled step includes them."""
        found = scaler._unscale_grads(optimizer) if scaler is not None else None
        total = clip_grad_norm_(params, clip_grad_norm) if clip_grad_norm is not None else None
        return total, found

    def scaled_step(found: Tensor | None) -> None:
        """The GradScaler's half of a step: read the flag, step unless it is set, update
        the scale. Python state and one host read, so never inside a compiled function;
        the optimizer step itself is compiled on its own (``opt_step``)."""
        assert scaler is not None
        scaler._unscaled(optimizer, found)
        scaler._step(optimizer, opt_step)
        scaler.update()

    def update() -> Tensor | None:
        """Clip (if asked), then one optimizer step; returns the norm before clipping."""
        total, found = prepare()
        if scaler is None:
            optimizer.step()
        else:
            scaled_step(found)
        return total

    def train_step(x: Any, y: Any) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        optimizer.zero_grad()
        out, loss = forward_backward(x, y)
        total, found = prepare()
        if scaler is None:
            optimizer.step()
        return out, loss, total, found

    def update_step() -> tuple[Tensor | None, Tensor | None]:
        total, found = prepare()
        if scaler is None:
            optimizer.step()
            optimizer.zero_grad()
        return total, found

    step = xn_compile(train_step) if compile and accum == 1 else train_step
    micro = xn_compile(forward_backward) if compile and accum > 1 else forward_backward
    apply = xn_compile(update_step) if compile and accum > 1 else update_step
    opt_step = xn_compile(optimizer.step) if compile and scaler is not None else optimizer.step

    def finish_group(pending: int) -> None:
        """The optimizer step closing a group of ``pending`` accumulated batches."""
        if pending < accum:  # a short last group: its mean gradient, not pending/accum of it
            with no_grad():
                for p in params:
                    if p.grad is not None:
                        p.grad = p.grad * (accum / pending)
        norm[0], found = apply()
        if scaler is not None:
            scaled_step(found)
            optimizer.zero_grad()
        if scheduler is not None and scheduler_interval == "step":
            scheduler.step()

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
        totals: _Totals | None = None
        skipped = pending = 0
        steps = shown = 0
        if accum > 1:
            optimizer.zero_grad()
        t0 = time.perf_counter()
        for batch in train_loader:
            x, y = _batch(batch)
            if fns is None:
                fns = _metric_fns(metrics, y)
                if summary and log:
                    log(str(summarise(model, x)))
            if totals is None:
                totals = _Totals(["loss", *fns])
            if on_nonfinite == "skip":
                with autocast(low or "float16", enabled=low is not None, backend=backend):
                    out = model(x)
                    loss = loss_fn(out, y)
                if not math.isfinite(float(loss.item())):
                    skipped += 1
                    continue
                if accum == 1:
                    optimizer.zero_grad()
                scaled = loss if accum == 1 else loss * (1.0 / accum)
                (scaled if scaler is None else scaler.scale(scaled)).backward()
                if scaler is None and not _all_finite(
                    [p.grad for p in params if p.grad is not None]
                ):
                    # a finite loss with a NaN/inf gradient: drop this batch (and the group it
                    # would have been added to: its gradients are mixed in). Under
                    # "16-mixed" the GradScaler skips such steps itself.
                    skipped += 1 + (pending if accum > 1 else 0)
                    pending = 0
                    optimizer.zero_grad()
                    continue
                out, loss = out.detach(), loss.detach()
                if accum == 1:
                    norm[0] = update()
            elif accum == 1:
                out, loss, norm[0], found = step(x, y)
                if scaler is not None:
                    scaled_step(found)
            else:
                out, loss = micro(x, y)
            if accum == 1:
                if scheduler is not None and scheduler_interval == "step":
                    scheduler.step()
            else:
                pending += 1
                if pending == accum:
                    finish_group(pending)
                    pending = 0
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
                bar.update(
                    steps - shown, running, totals.global_n / max(time.perf_counter() - t0, 1e-9)
                )
                shown = steps
        if pending:
            finish_group(pending)
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
            logs["skipped_steps"] = skipped
        if val_loader is not None:
            same = [k if summed else f for k, (f, summed) in (fns or {}).items()]
            logs.update(
                {f"val_{k}": v for k, v in evaluate(model, loss_fn, val_loader, same).items()}
            )
        if norm[0] is not None:
            logs["grad_norm"] = float(norm[0].item())
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
            if rank == 0:
                save(state, checkpoint)
            if dist.is_initialized():
                dist.barrier()  # the file is complete before any rank goes on
        if stop:
            if log:
                log(f"stopped early after epoch {epoch + 1}")
            break
    for cb in callbacks:
        cb.on_train_end(model)
    return history
