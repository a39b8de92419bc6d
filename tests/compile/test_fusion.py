"""xn.compile fuses a linear with the activation after it into one backend call (issue 24's
bias and activation as one kernel) where the backend registers the pair ("linear_relu")
and nothing else reads the linear's output; the replay's values are eager mode's."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

from .steps import train_mlp, train_step


def _run(compiled: bool, make_step=train_step, act=nn.ReLU):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 6)).astype(np.float32)  # 80x32 activations: past 2048
    batches = [(x, rng.integers(0, 3, 80))] * 5
    return train_mlp(compiled, batches, (6, 32, 3), make_step, act)


@pytest.mark.parametrize("act", [nn.ReLU, nn.Sigmoid, nn.Tanh], ids=["relu", "sigmoid", "tanh"])
def test_a_linear_and_its_activation_replay_as_one_call_with_eager_values(act):
    name = act.__name__.lower()
    if f"linear_{name}" not in xn.get_backend("numpy").kernels:
        pytest.skip(f"NumPy registers no linear_{name} here (SciPy missing)")
    eager_losses, eager_params, _ = _run(False, train_step, act)
    losses, params, f = _run(True, train_step, act)
    assert f.replays >= 2
    source = f.source()
    assert source.count(f"linear_{name}_fn") == 1  # the first layer and its activation
    assert sum(" = linear_fn" in line for line in source.splitlines()) == 1  # the second
    assert losses == eager_losses  # bit for bit: the same kernels, the activation in place
    for p, q in zip(params, eager_params, strict=True):
        np.testing.assert_array_equal(p, q)


def test_no_fusion_where_the_linear_output_is_read_again():
    """The pre-activation also feeds the loss: the pair stays two calls."""

    def step_reading_z(model, opt):
        lin1, relu, lin2 = model[0], model[1], model[2]

        def step(x, y):
            opt.zero_grad()
            z = lin1(x)
            loss = nn.functional.cross_entropy(lin2(relu(z)), y) + 1e-3 * (z * z).mean()
            loss.backward()
            opt.step()
            return loss.detach()

        return step

    eager_losses, _, _ = _run(False, step_reading_z)
    losses, _, f = _run(True, step_reading_z)
    assert "linear_relu_fn" not in f.source()
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-6)
