"""Gradient checkpointing (``xn.utils.checkpoint``): the same values and gradients as the
plain call (first and second order, parameters and inputs, dropout with the same masks,
several outputs), with PyTorch's ``torch.utils.checkpoint`` as the oracle on one model,
less memory held between forward and backward, and clear refusals."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import xpnet as xn
from xpnet.utils.checkpoint import checkpoint, checkpoint_sequential


def _net(backend, width=16, dropout=0.0):
    xn.manual_seed(0)
    return xn.nn.Sequential(
        xn.nn.Linear(8, width), xn.nn.Tanh(), xn.nn.Dropout(dropout),
        xn.nn.Linear(width, width), xn.nn.GELU(), xn.nn.Linear(width, 4),
    ).to(backend=backend)  # fmt: skip


def _grads(net, x, run):
    net.zero_grad()
    x.grad = None
    loss = (run(x) ** 2).sum()
    loss.backward()
    return [loss.numpy()] + [p.grad.numpy() for p in net.parameters()] + [x.grad.numpy()]


@pytest.mark.parametrize("how", ["checkpoint", "sequential", "nested"])
def test_gradients_equal_the_plain_call(backend, how):
    net = _net(backend)
    x = xn.randn(5, 8, backend=backend.name, device=backend.device, requires_grad=True)
    runs = {
        "checkpoint": lambda x: checkpoint(net, x, use_reentrant=False),
        "sequential": lambda x: checkpoint_sequential(net, 3, x),
        "nested": lambda x: checkpoint(lambda y: checkpoint(net[:3], y) * 1.0, x),
    }
    if how == "nested":
        want = _grads(net, x, lambda x: net[3:](net[:3](x) * 1.0))
        got = _grads(net, x, lambda x: net[3:](runs[how](x)))
    else:
        want, got = _grads(net, x, net), _grads(net, x, runs[how])
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert all(p.grad.backend is backend for p in net.parameters())


def test_second_order_and_autograd_grad(backend):
    net = _net(backend)
    x = xn.randn(3, 8, backend=backend.name, device=backend.device, requires_grad=True)
    got = xn.autograd.grad(checkpoint(net, x).sum(), x, create_graph=True)[0]
    want = xn.autograd.grad(net(x).sum(), x, create_graph=True)[0]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    g2 = xn.autograd.grad((got**2).sum(), [x, net[0].weight])
    w2 = xn.autograd.grad((want**2).sum(), [x, net[0].weight])
    for a, b in zip(g2, w2, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)


def test_dropout_draws_the_same_masks_in_the_recomputation():
    net = _net("numpy", width=64, dropout=0.5)
    x = xn.randn(6, 8, requires_grad=True)
    xn.manual_seed(7)
    got = _grads(net, x, lambda x: checkpoint(net, x))
    after = xn.rand(3).numpy()  # the streams continue where the first run left them
    xn.manual_seed(7)
    want = _grads(net, x, net)
    np.testing.assert_array_equal(after, xn.rand(3).numpy())
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_several_outputs_and_arguments_and_non_tensor_values():
    xn.manual_seed(1)
    lin = xn.nn.Linear(4, 4)
    x = xn.randn(3, 4, requires_grad=True)
    mask = xn.ones((3, 4))  # needs no gradient

    def f(a, b, m, scale):
        h = lin(a) * m
        return h * scale, (h + b).sum(1), "note"

    def loss(outs):
        return (outs[0] ** 2).sum() + outs[1].sum() * 3.0

    y = (x * 2.0).sum(0)  # computed outside, passed as an argument: fine
    outs = checkpoint(f, x, y, mask, 0.5)
    assert isinstance(outs, tuple) and outs[2] == "note"
    got = xn.autograd.grad(loss(outs), [x, lin.weight, lin.bias])
    y = (x * 2.0).sum(0)
    want = xn.autograd.grad(loss(f(x, y, mask, 0.5)), [x, lin.weight, lin.bias])
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    # the same tensor passed twice: its gradient is the sum of both uses
    got = xn.autograd.grad(checkpoint(lambda a, b: (a * b).sum(), x, x), x)[0]
    np.testing.assert_allclose(got.numpy(), 2 * x.detach().numpy(), rtol=1e-6)


def test_matches_torch_checkpoint():
    torch = pytest.importorskip("torch")
    from torch.utils.checkpoint import checkpoint as tcheckpoint

    net = _net("numpy")
    tnet = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Dropout(0.0),
        torch.nn.Linear(16, 16), torch.nn.GELU(), torch.nn.Linear(16, 4),
    )  # fmt: skip
    tnet.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in net.state_dict().items()})
    x0 = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    x, tx = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    (checkpoint(net, x) ** 2).sum().backward()
    (tcheckpoint(tnet, tx, use_reentrant=False) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (name, p), tp in zip(net.named_parameters(), tnet.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)  # fmt: skip


def _held_between_forward_and_backward(run):
    """Bytes allocated (NumPy arrays included) and still held after the forward pass."""
    xn.manual_seed(0)
    blocks = [
        xn.nn.Sequential(xn.nn.Linear(256, 256), xn.nn.GELU(), xn.nn.Linear(256, 256), xn.nn.Tanh())
        for _ in range(8)
    ]
    x = xn.randn(512, 256, requires_grad=True)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    loss = run(blocks, x).sum()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    loss.backward()
    return held, [b[0].weight.grad.numpy() for b in blocks]


def test_checkpointed_blocks_hold_less_memory_until_backward():
    def plain(blocks, h):
        for b in blocks:
            h = b(h)
        return h

    def checkpointed(blocks, h):
        for b in blocks:
            h = checkpoint(b, h)
        return h

    held_plain, g_plain = _held_between_forward_and_backward(plain)
    held_ckpt, g_ckpt = _held_between_forward_and_backward(checkpointed)
    # plain: each block keeps the GELU's input and output and the tanh's output (3 x 512
    # KiB); checkpointed: the block's output only, the rest is recomputed in backward
    assert held_ckpt < 0.5 * held_plain, (held_ckpt, held_plain)
    for a, b in zip(g_ckpt, g_plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_refusals_and_no_grad():
    lin = xn.nn.Linear(2, 2)
    x = xn.randn(3, 2, requires_grad=True)
    outside = x * 2.0
    with pytest.raises(
        xn.NotSupportedError, match=r"computed outside it .* pass it as an argument"
    ):
        checkpoint(lambda a: lin(a + outside), x)
    with pytest.raises(xn.NotSupportedError, match="context_fn"):
        checkpoint(lin, x, context_fn=lambda: None)
    with pytest.raises(xn.ArgumentTypeError, match="callable"):
        checkpoint(3, x)
    with xn.no_grad():
        assert not checkpoint(lin, x).requires_grad
    y = checkpoint(lin, x)
    with xn.no_grad():
        x.mul_(2.0)  # the argument changed before backward: the recomputation would differ
    with pytest.raises(xn.GraphError, match=r"argument 0 .* changed in place"):
        y.sum().backward()


def test_compiled_step_with_checkpoint_runs_eagerly_with_a_warning():
    net = _net("numpy")
    opt = xn.optim.SGD(net.parameters(), lr=0.1)
    x = xn.randn(4, 8)

    def step(x):
        opt.zero_grad()
        loss = (checkpoint(net, x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    f = xn.compile(step)
    with pytest.warns(xn.CompileWarning, match="checkpoint"):
        first = f(x).item()
    assert f(x).item() < first
