"""GradScaler refuses what PyTorch's refuses, and gives up with a reason instead of
halving its scale to zero."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


def test_update_without_a_step_is_refused():
    scaler = xn.amp.GradScaler(init_scale=8.0)
    with pytest.raises(xn.ArgumentError, match=r"without scaler\.step"):
        scaler.update()
    assert scaler.get_scale() == 8.0  # did not grow
    scaler.update(new_scale=4.0)  # an explicit scale is fine
    assert scaler.get_scale() == 4.0


def test_nan_at_every_scale_raises_instead_of_reaching_zero():
    m = nn.Linear(2, 1)
    opt = xn.optim.SGD(m.parameters(), lr=0.1)
    scaler = xn.amp.GradScaler(init_scale=1.0)
    x = xn.tensor([[1.0, 2.0]])
    with np.errstate(all="ignore"), pytest.raises(xn.NonFiniteError, match="every scale"):
        for _ in range(200):
            opt.zero_grad()
            loss = (m(x) * float("nan")).sum()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
    assert scaler.get_scale() > 0
