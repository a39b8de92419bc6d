"""Module full backward hooks (and pre-hooks) against PyTorch's: what they see, what a
returned gradient replaces, modules whose input needs no gradient, removal, compile."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from tests.compile.steps import train_step
from xpnet import nn


def _run(lib, net, x0, scale_input_grad):
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append(([None if g is None else g.detach().numpy().copy() for g in grad_input],
                     [g.detach().numpy().copy() for g in grad_output]))  # fmt: skip
        if scale_input_grad and grad_input[0] is not None:
            return (grad_input[0] * 2.0,)
        return None

    def pre(module, grad_output):
        seen.append(("pre", [g.detach().numpy().copy() for g in grad_output]))

    net[0].register_full_backward_hook(hook)  # its input (the data) needs no gradient
    net[1].register_full_backward_hook(hook)
    net[2].register_full_backward_pre_hook(pre)
    net[2].register_full_backward_hook(hook)
    x = lib.tensor(x0)
    net(x).sum().backward()
    return seen, [p.grad.numpy().copy() for p in net.parameters()]


@pytest.mark.filterwarnings("ignore:Full backward hook is firing:UserWarning")  # PyTorch's note
@pytest.mark.parametrize("scale", [False, True])
def test_full_backward_hooks_match_pytorch(scale):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
    ).double()
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    net.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    x0 = np.random.default_rng(0).standard_normal((5, 3))
    got, got_grads = _run(xn, net, x0, scale)
    want, want_grads = _run(torch, tnet, x0, scale)
    assert len(got) == len(want) == 4
    for g, w in zip(got, want, strict=True):
        if g[0] == "pre":
            assert w[0] == "pre"
            for a, b in zip(g[1], w[1], strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-12)
            continue
        assert [a is None for a in g[0]] == [b is None for b in w[0]]
        for a, b in zip(g[0] + g[1], w[0] + w[1], strict=True):
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(got_grads, want_grads, strict=True):  # a doubled grad_input flows on
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_removed_hooks_stay_quiet_and_a_compiled_step_falls_back():
    calls = []
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    handle = model[0].register_full_backward_hook(lambda m, gi, go: calls.append(go[0].shape))
    x, y = xn.tensor(np.ones((4, 3), np.float32)), xn.tensor([0, 1, 0, 1])
    step = xn.compile(train_step(model, xn.optim.SGD(model.parameters(), lr=0.1)))
    with pytest.warns(xn.CompileWarning, match="gradient hook"):
        step(x, y)
    step(x, y)
    assert calls == [(4, 2), (4, 2)]
    handle.remove()
    nn.functional.cross_entropy(model(x), y).backward()
    assert len(calls) == 2
