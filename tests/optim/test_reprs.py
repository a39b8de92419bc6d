"""Optimizers, schedulers and loaders print what they are (PyTorch's layout)."""

from __future__ import annotations

import numpy as np

import xpnet as xn
from xpnet.data import ArrayDataset, DataLoader


def test_reprs():
    m = xn.nn.Linear(3, 2)
    opt = xn.optim.Adam(m.parameters(), lr=0.01)
    assert repr(opt).splitlines() == [
        "Adam (", "Parameter Group 0", "    amsgrad: False", "    betas: (0.9, 0.999)",
        "    eps: 1e-08", "    lr: 0.01", "    maximize: False", "    weight_decay: 0.0", ")",
    ]  # fmt: skip
    assert repr(xn.optim.lr_scheduler.StepLR(opt, 2)) == (
        "StepLR(step_size=2, gamma=0.1, last_epoch=0)"
    )
    assert repr(xn.optim.lr_scheduler.ReduceLROnPlateau(opt)).startswith(
        "ReduceLROnPlateau(mode='min', factor=0.1"
    )
    dl = DataLoader(ArrayDataset(np.ones((4, 2), np.float32)), 2, shuffle=True, seed=1)
    assert repr(dl) == (
        "DataLoader(ArrayDataset of 4, batch_size=2, shuffle, drop_last=False, seed=1, "
        "epoch=0, backend=numpy:cpu)"
    )
