"""``xn.compile(model)``: PyTorch's ``torch.compile(model)`` idiom (nanoGPT's train.py)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.drop, self.fc2 = nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2)
        self.config = {"width": 8}

    def forward(self, x):
        return self.fc2(self.drop(xn.nn.functional.relu(self.fc1(x))))

    def describe(self):
        return f"width {self.config['width']}"


def test_compiled_module_is_a_module_around_the_model():
    xn.manual_seed(0)
    raw = Net()
    model = xn.compile(raw)
    assert isinstance(model, nn.Module) and model._orig_mod is raw
    assert model.describe() == "width 8" and model.config is raw.config  # the model's own
    assert next(n for n, _ in model.named_parameters()) == "_orig_mod.fc1.weight"
    state = model.state_dict()
    assert all(k.startswith("_orig_mod.") for k in state)  # as PyTorch's, which scripts strip
    fresh = Net()
    fresh.load_state_dict({k[len("_orig_mod.") :]: v for k, v in state.items()})
    assert fresh.fc2.weight.tolist() == raw.fc2.weight.tolist()
    model.eval()
    assert not raw.training and not raw.drop.training
    x = xn.randn(3, 4)
    with xn.no_grad():
        outs = [model(x) for _ in range(3)]
        want = raw(x)
    assert model._compiled.replays >= 1  # evaluation replays
    for out in outs:
        np.testing.assert_array_equal(out.numpy(), want.numpy())
    model.train()
    assert raw.training and raw.drop.training
    with xn.no_grad():
        a, b = model(xn.ones((64, 4))), model(xn.ones((64, 4)))
    assert not np.array_equal(a.numpy(), b.numpy())  # dropout is on again, each call its own


def test_training_through_a_compiled_module_runs_eagerly_with_a_warning():
    """The forward's result feeds a backward() outside the capture, which a replay cannot
    give: the call runs eagerly (warned once) and the gradients are the eager ones."""
    xn.manual_seed(0)
    raw = Net()
    raw.drop.p = 0.0
    model = xn.compile(raw)
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    x, y = xn.randn(8, 4), xn.randn(8, 2)
    twin = Net()
    twin.load_state_dict(raw.state_dict())
    twin.drop.p = 0.0
    twin_opt = xn.optim.SGD(twin.parameters(), lr=0.1)
    with pytest.warns(xn.CompileWarning, match="runs eagerly"):
        for _ in range(3):
            for m, o in ((model, opt), (twin, twin_opt)):
                o.zero_grad()
                ((m(x) - y) ** 2).mean().backward()
                o.step()
    np.testing.assert_array_equal(raw.fc1.weight.numpy(), twin.fc1.weight.numpy())
