"""TrainStep (the per-batch part of fit) on its own: one optimizer step per group of
accumulated batches, a short last group rescaled to its mean, skipped batches counted."""

from __future__ import annotations

import numpy as np

import xpnet as xn
from xpnet import nn
from xpnet.train._step import TrainStep


def _model():
    xn.manual_seed(0)
    return nn.Linear(3, 2)


def _data(n):
    rng = np.random.default_rng(0)
    return [
        (
            xn.tensor(rng.standard_normal((4, 3)).astype(np.float32)),
            xn.tensor(rng.integers(0, 2, 4)),
        )
        for _ in range(n)
    ]


def test_accumulation_steps_once_per_group_and_flushes_a_short_group():
    model = _model()
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    updates = []
    step = TrainStep(
        model, nn.functional.cross_entropy, opt, accum=2, on_update=lambda: updates.append(1)
    )
    step.begin_epoch()
    for x, y in _data(5):
        step(x, y)
    assert len(updates) == 2 and step.pending == 1
    step.flush()
    assert len(updates) == 3 and step.pending == 0


def test_a_group_equals_one_step_on_the_concatenated_batch():
    (x1, y1), (x2, y2) = _data(2)
    a, b = _model(), _model()
    sa = TrainStep(a, nn.functional.cross_entropy, xn.optim.SGD(a.parameters(), lr=0.1), accum=2)
    sa.begin_epoch()
    sa(x1, y1)
    sa(x2, y2)
    sb = TrainStep(b, nn.functional.cross_entropy, xn.optim.SGD(b.parameters(), lr=0.1))
    sb(xn.concat([x1, x2]), xn.concat([y1, y2]))
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-5, atol=1e-6)


def test_a_nonfinite_loss_is_skipped_and_counted():
    model = _model()
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    step = TrainStep(model, lambda out, y: out.sum() * float("nan"), opt, skip_nonfinite=True)
    step.begin_epoch()
    before = [p.numpy().copy() for p in model.parameters()]
    x, y = _data(1)[0]
    assert step(x, y) is None and step.skipped == 1
    for p, q in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.numpy(), q)
