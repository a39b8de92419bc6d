"""The classic single-unit learning rules, written out as their textbooks state them.

- ``Perceptron``: Rosenblatt's rule. Predict 1 when w.x + b > 0. Only on a
  mistake: w += x for a missed positive, w -= x for a missed negative.
- ``DeltaRule``: a sigmoid unit trained by w -= alpha (y_hat - y) x, the gradient
  of binary cross-entropy (for a linear unit with squared error the same line is
  the Widrow-Hoff rule).

Both converge on linearly separable data and cannot fit XOR, the example that
motivates hidden layers and backpropagation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._errors import NotSupportedError
from .autodiff import no_grad
from .ops import tensor, zeros
from .tensor import Tensor


class _Unit:
    def __init__(
        self, n_features: int, *, backend: Any = None, device: Any = None, dtype: Any = None
    ) -> None:
        self.w = zeros(n_features, dtype=dtype, backend=backend, device=device)
        self.b = zeros((), dtype=dtype, backend=backend, device=device)

    def _data(self, x: Any, y: Any) -> tuple[Tensor, Tensor]:
        b = self.w.backend
        xt = x if isinstance(x, Tensor) else tensor(np.asarray(x, dtype=np.float32), backend=b)
        yt = y if isinstance(y, Tensor) else tensor(np.asarray(y, dtype=np.float32), backend=b)
        return xt, yt

    def accuracy(self, x: Any, y: Any) -> float:
        xt, yt = self._data(x, y)
        return float((self.predict(xt) == (yt > 0.5)).astype("float32").mean().item())

    def predict(self, x: Tensor) -> Tensor:
        raise NotSupportedError(f"{type(self).__name__} must define predict(x)")


class Perceptron(_Unit):
    """Rosenblatt's perceptron: a threshold unit updated only on its mistakes."""

    def predict(self, x: Tensor) -> Tensor:
        return (x @ self.w + self.b) > 0

    def fit(self, x: Any, y: Any, epochs: int = 100) -> list[int]:
        """Online passes over the data until an epoch has no mistake; returns mistakes per epoch."""
        xt, yt = self._data(x, y)
        labels = yt.numpy() > 0.5
        history = []
        with no_grad():
            for _ in range(epochs):
                mistakes = 0
                for i in range(xt.shape[0]):
                    xi = xt[i]
                    fired = bool(((xi @ self.w + self.b) > 0).item())
                    if fired != labels[i]:
                        mistakes += 1
                        if labels[i]:  # missed positive
                            self.w += xi
                            self.b += 1.0
                        else:  # missed negative
                            self.w -= xi
                            self.b -= 1.0
                history.append(mistakes)
                if mistakes == 0:
                    break
        return history


class DeltaRule(_Unit):
    """A sigmoid unit trained online by the delta rule w -= alpha (y_hat - y) x."""

    def __init__(self, n_features: int, lr: float = 0.5, **kw: Any) -> None:
        super().__init__(n_features, **kw)
        self.lr = lr

    def probability(self, x: Tensor) -> Tensor:
        return ops.sigmoid(x @ self.w + self.b)

    def predict(self, x: Tensor) -> Tensor:
        return self.probability(x) > 0.5

    def fit(self, x: Any, y: Any, epochs: int = 100) -> list[float]:
        """Online passes; returns the mean binary cross-entropy after each epoch."""
        xt, yt = self._data(x, y)
        history = []
        with no_grad():
            for _ in range(epochs):
                for i in range(xt.shape[0]):
                    delta = self.probability(xt[i]) - yt[i]  # y_hat - y
                    self.w -= xt[i] * delta * self.lr
                    self.b -= delta * self.lr
                p = ops.clip(self.probability(xt), 1e-7, 1 - 1e-7)
                bce = -(yt * ops.log(p) + (1.0 - yt) * ops.log(1.0 - p)).mean()
                history.append(float(bce.item()))
        return history
