"""The training step the compile tests record and replay, written as a user would."""

from __future__ import annotations

from typing import Any

from xpnet import nn


def train_step(model: Any, opt: Any) -> Any:
    """zero_grad, cross-entropy of ``model(x)``, backward, ``opt.step()``; returns the loss."""

    def step(x: Any, y: Any) -> Any:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step
