"""How many primitive calls a compiled W1 step replays (the MNIST MLP 784-512-256-10 with
Adam and cross-entropy), counted on array-api-strict's device1: on a GPU each is at least
one kernel launch, so this count bounds what a replay can save. Issue 24's target is 25
device calls: the fused cross-entropy mean brought it from 63 to 36, ReLU's backward as
one primitive to 32, the index check as one primitive and one multi-tensor Adam update
for all six parameters to 22 (three of them are permute_dims, views without a launch)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

from .steps import train_step


def _replayed_calls():
    strict = pytest.importorskip("array_api_strict")
    b = xn.get_backend("array_api_strict", strict.Device("device1"))
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512, backend=b), nn.ReLU(), nn.Linear(512, 256, backend=b),
                          nn.ReLU(), nn.Linear(256, 10, backend=b))  # fmt: skip
    opt = xn.optim.Adam(model.parameters(), lr=1e-3)

    step = train_step(model, opt)

    f = xn.compile(step)
    rng = np.random.default_rng(0)
    x = xn.tensor(rng.standard_normal((64, 784)).astype(np.float32), backend=b)
    y = xn.tensor(rng.integers(0, 10, 64), backend=b)
    return _calls(f, x, y)


def _calls(f, x, y):
    """The primitive calls of ``f``'s replayed program, by primitive name."""
    for _ in range(4):
        f(x, y)
    assert f.replays >= 1
    calls = [
        line.split("=", 1)[1].split("_fn")[0].strip()
        for line in f.source().splitlines()
        if "_fn" in line
    ]
    return collections.Counter(calls)


def test_compiled_w1_step_replays_at_most_25_primitive_calls():
    calls = _replayed_calls()
    assert sum(calls.values()) <= 25, calls
    # the loss is one call forward and one backward
    assert (
        calls["softmax_cross_entropy_mean"] == 1 and calls["softmax_cross_entropy_mean_grad"] == 1
    )
    assert calls["adam_update_foreach"] == 1 and calls["adam_update"] == 0  # one for all six
    assert calls["out_of_range"] == 1  # the labels' check
    assert calls["relu_grad"] == 2 and calls["greater"] == 0  # ReLU's backward: one call each


def test_compiled_w2_step_replays_its_loss_and_activations_as_single_calls():
    """W2 (XOR 2-8-1, sigmoid layers, binary cross-entropy, SGD): 37 calls before the
    fused mean, the sigmoid's one-call backward and the one-call input check, 17 after."""
    strict = pytest.importorskip("array_api_strict")
    b = xn.get_backend("array_api_strict", strict.Device("device1"))
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8, backend=b), nn.Sigmoid(), nn.Linear(8, 1, backend=b),
                          nn.Sigmoid())  # fmt: skip
    opt = xn.optim.SGD(model.parameters(), lr=0.5)
    step = train_step(model, opt, nn.functional.binary_cross_entropy)
    x = xn.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], backend=b)
    y = xn.tensor([[0.0], [1.0], [1.0], [0.0]], backend=b)
    calls = _calls(xn.compile(step), x, y)
    assert sum(calls.values()) <= 17, calls
    assert calls["outside"] == 1 and calls["logical_or"] == 0  # the input check
    assert calls["binary_cross_entropy_mean"] == 1
    assert calls["binary_cross_entropy_mean_grad"] == 1
    assert calls["sigmoid_grad"] == 2 and calls["subtract"] == 0  # one call per layer
    assert calls["sgd_update_foreach"] == 1  # all four parameters
