"""Metrics summed on the device, and ``evaluate``: a model's mean loss and metrics over a loader."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .. import distributed as dist
from .._errors import ArgumentError, ArgumentTypeError
from ..autodiff import no_grad
from ..nn import Module
from ..tensor import Tensor
from ._metrics import correct

Metric = Callable[[Tensor, Tensor], Any]


def _accuracy_sum(output: Tensor, target: Tensor) -> Tensor:
    return correct(output, target)


# Built-in metrics by name: each returns the metric *summed* over the batch (a
# device tensor), so fit adds them up on the device and divides once per epoch.
SUMMED: dict[str, Metric] = {"accuracy": _accuracy_sum}


def metric_fns(metrics: Any, target: Any) -> dict[str, tuple[Metric, bool]]:
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


class Totals:
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


def batch_pair(batch: Any) -> tuple[Any, Any]:
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
    totals = Totals(["loss"])
    with no_grad():
        for batch in loader:
            x, y = batch_pair(batch)
            if fns is None:
                fns = metric_fns(metrics, y)
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
