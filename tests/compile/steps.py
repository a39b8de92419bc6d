"""The training step the compile tests record and replay, written as a user would."""

from __future__ import annotations

from typing import Any

import xpnet as xn
from xpnet import nn


def train_step(model: Any, opt: Any, loss_fn: Any = nn.functional.cross_entropy) -> Any:
    """zero_grad, ``loss_fn(model(x), y)`` (cross-entropy), backward, ``opt.step()``;
    returns the loss, detached."""

    def step(x: Any, y: Any) -> Any:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step


def train_mlp(compiled: bool, batches: list[Any], sizes: tuple[int, int, int],
              make_step: Any = train_step, act: Any = nn.ReLU,
              ) -> tuple[list[float], list[Any], Any]:  # fmt: skip
    """A two-layer MLP (``act`` between the layers) on NumPy trained with SGD on
    ``batches`` (NumPy (x, y) pairs), eagerly or compiled: the losses, the final
    parameters and the step function."""
    b = xn.get_backend("numpy")
    xn.manual_seed(0)
    n_in, hidden, n_out = sizes
    model = nn.Sequential(nn.Linear(n_in, hidden, backend=b), act(),
                          nn.Linear(hidden, n_out, backend=b))  # fmt: skip
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    step = make_step(model, opt)
    f = xn.compile(step) if compiled else step
    losses = [f(xn.tensor(x, backend=b), xn.tensor(y, backend=b)).item() for x, y in batches]
    return losses, [p.numpy() for p in model.parameters()], f
