"""Evaluation helpers: accuracy and the confusion matrix."""

from __future__ import annotations

import numpy as np

from .._errors import ShapeError
from .._tensor import Tensor
from ..ops._reduce import argmax


def predictions(output: Tensor) -> Tensor:
    """Class predictions from logits (N, C) or probabilities of one class (N,) / (N, 1)."""
    if output.ndim == 2 and output.shape[1] > 1:
        return argmax(output, axis=1)
    flat = output.reshape(-1)
    threshold = 0.0 if bool((flat.min() < 0).item()) or bool((flat.max() > 1).item()) else 0.5
    return (flat > threshold).astype("int64")


def accuracy(output: Tensor, target: Tensor) -> float:
    """The fraction of samples whose predicted class equals ``target``."""
    pred = predictions(output)
    t = target.reshape(-1)
    if pred.shape != t.shape:
        raise ShapeError(f"accuracy: {pred.shape[0]} predictions for {t.shape[0]} targets")
    return float((pred == t.astype(pred.dtype)).astype("float32").mean().item())


def confusion_matrix(output: Tensor, target: Tensor, num_classes: int | None = None) -> np.ndarray:
    """counts[i, j] = samples of true class i predicted as class j (a host NumPy array)."""
    pred = predictions(output).numpy().astype(np.int64)
    true = target.numpy().reshape(-1).astype(np.int64)
    k = num_classes or int(max(pred.max(initial=0), true.max(initial=0))) + 1
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (true, pred), 1)
    return counts
