"""Evaluation helpers: accuracy and the confusion matrix.

``correct`` counts on the tensors' device (no host read), so ``fit`` can sum it
over a whole epoch and read it once; ``accuracy`` is the host-value convenience.
"""

from __future__ import annotations

import numpy as np

from .._errors import DTypeError, ShapeError
from ..ops import any as any_
from ..ops import argmax, astype, logical_and, logical_or, sum, where
from ..tensor import Tensor


def predictions(output: Tensor) -> Tensor:
    """Class predictions from logits (N, C) or one score per sample (N,) / (N, 1).

    One score per sample is a probability (threshold 0.5) when every score lies in
    [0, 1], else a logit (threshold 0): decided on the device, without a host read.
    """
    if output.ndim == 2 and output.shape[1] > 1:
        return argmax(output, axis=1)
    flat = output.reshape(-1)
    logits = logical_or(any_(flat < 0), any_(flat > 1))
    return astype(flat > where(logits, 0.0, 0.5), "int64")


def correct(output: Tensor, target: Tensor) -> Tensor:
    """How many samples are classified right: a 0-d float tensor on the output's device.

    ``target`` holds class indices (integers or booleans), or binary labels as
    floats 0.0/1.0; other float values (a regression's targets) are an error,
    checked without waiting for a device (``Backend.check``).
    """
    b = target.backend
    t = target.reshape(-1)
    if not b.xp.isdtype(target.dtype, ("integral", "bool")):
        if not b.is_float(target.dtype):
            raise DTypeError(
                f"accuracy: targets of dtype {b.dtype_name(target.dtype)} are no class labels"
            )
        b.check(
            any_(logical_and(t != 0.0, t != 1.0))._data,
            lambda: DTypeError(
                f"accuracy needs class labels, but its {b.dtype_name(target.dtype)} targets hold values "
                "other than 0 and 1 (a regression or an autoencoder?); use metrics=() or your own metric"
            ),
        )
    pred = predictions(output)
    if pred.shape != t.shape:
        raise ShapeError(
            f"accuracy: {pred.shape[0]} predictions for {t.shape[0]} targets (output {output.shape}, "
            f"target {target.shape})"
        )
    return sum(astype(pred == astype(t, pred.dtype), "float32"))


def accuracy(output: Tensor, target: Tensor) -> float:
    """The fraction of samples whose predicted class equals ``target``."""
    n = target.size
    return float(correct(output, target).item()) / max(n, 1)


def confusion_matrix(output: Tensor, target: Tensor, num_classes: int | None = None) -> np.ndarray:
    """counts[i, j] = samples of true class i predicted as class j (a host NumPy array)."""
    pred = predictions(output).numpy().astype(np.int64)
    true = target.numpy().reshape(-1).astype(np.int64)
    k = num_classes or int(max(pred.max(initial=0), true.max(initial=0))) + 1
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (true, pred), 1)
    return counts
