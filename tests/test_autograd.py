"""``xn.autograd`` (xpnet/autograd.py): PyTorch's ``torch.autograd`` spellings, with
PyTorch as the oracle for values."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def _f(lib, x, w):
    return (lib.tanh(x @ w) ** 2).sum()


def test_grad_matches_pytorch_and_leaves_dot_grad_alone(rng):
    torch = pytest.importorskip("torch")
    xv, wv = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x, w = xn.tensor(xv, requires_grad=True), xn.tensor(wv, requires_grad=True)
    tx, tw = torch.tensor(xv, requires_grad=True), torch.tensor(wv, requires_grad=True)
    gx, gw = xn.autograd.grad(_f(xn, x, w), [x, w])
    want = torch.autograd.grad(_f(torch, tx, tw), [tx, tw])
    np.testing.assert_allclose(gx.numpy(), want[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), want[1].numpy(), rtol=1e-12)
    assert x.grad is None and w.grad is None
    (only,) = xn.autograd.grad(_f(xn, x, w), w)  # one input: a tuple of one
    np.testing.assert_allclose(only.numpy(), gw.numpy())


def test_create_graph_gives_a_differentiable_gradient_as_pytorch(rng):
    """A Hessian-vector product and a gradient penalty, through grad(create_graph=True)."""
    torch = pytest.importorskip("torch")
    xv, wv, vv = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((4, 2)),
        rng.standard_normal((4, 2)),
    )
    x, w = xn.tensor(xv), xn.tensor(wv, requires_grad=True)
    tx, tw = torch.tensor(xv), torch.tensor(wv, requires_grad=True)
    (g,) = xn.autograd.grad(_f(xn, x, w), w, create_graph=True)
    (tg,) = torch.autograd.grad(_f(torch, tx, tw), tw, create_graph=True)
    (hv,) = xn.autograd.grad((g * xn.tensor(vv)).sum(), w, retain_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(vv)).sum(), tw, retain_graph=True)
    np.testing.assert_allclose(hv.numpy(), thv.numpy(), rtol=1e-10)
    penalty = (g**2).sum()
    penalty.backward()
    tpenalty = (tg**2).sum()
    tpenalty.backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)


def test_grad_outputs_weigh_a_non_scalar_output():
    x = xn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with pytest.raises(xn.GraphError, match="non-scalar"):
        xn.autograd.grad(y, x, retain_graph=True)
    (g,) = xn.autograd.grad(y, x, grad_outputs=xn.tensor([1.0, 0.5, 0.0]))
    assert g.tolist() == [2.0, 2.0, 0.0]
    with pytest.raises(xn.ArgumentTypeError, match="2 grad_outputs for 1 outputs"):
        xn.autograd.grad(x * x, x, grad_outputs=[xn.ones(3), xn.ones(3)])


def test_unused_inputs_raise_unless_allowed_or_materialized():
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    z = xn.tensor([5.0], requires_grad=True)
    with pytest.raises(xn.GraphError, match=r"input 1 .* was not used.*allow_unused=True"):
        xn.autograd.grad((x * x).sum(), [x, z])
    gx, gz = xn.autograd.grad((x * x).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 4.0] and gz is None
    _, gz = xn.autograd.grad((x * x).sum(), [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0] and gz.dtype == z.dtype
    with pytest.raises(xn.GraphError, match=r"input 0 .* does not require grad"):
        xn.autograd.grad((x * 2).sum(), [xn.ones(2)])
    with pytest.raises(xn.ArgumentTypeError, match="inputs must be a Tensor"):
        xn.autograd.grad((x * 2).sum(), [np.ones(2)])


def test_backward_of_several_roots_accumulates_as_pytorch(rng):
    torch = pytest.importorskip("torch")
    xv = rng.standard_normal(4)
    x, tx = xn.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    xn.autograd.backward([(x * x).sum(), xn.sin(x)], [None, xn.tensor(np.arange(4.0))])
    torch.autograd.backward(
        [(tx * tx).sum(), torch.sin(tx)], [None, torch.arange(4.0, dtype=torch.float64)]
    )
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_set_detect_anomaly_works_as_a_call_and_as_a_block():
    x = xn.tensor([np.inf], requires_grad=True)
    assert not xn.autograd.is_anomaly_enabled()
    with xn.autograd.set_detect_anomaly(True):
        assert xn.autograd.is_anomaly_enabled()
        with pytest.raises(xn.AnomalyError, match="multiply"):
            x * 2.0  # inf out: the op is named
    assert not xn.autograd.is_anomaly_enabled()
    with xn.autograd.detect_anomaly():
        assert xn.autograd.is_anomaly_enabled()
        with xn.autograd.detect_anomaly(check_nan=False):
            assert not xn.autograd.is_anomaly_enabled()
    mode = xn.autograd.set_detect_anomaly(True)  # a call: on from here...
    try:
        assert xn.autograd.is_anomaly_enabled()
    finally:
        mode.__exit__(None, None, None)  # (...until restored; tests must not leak it)
    assert not xn.autograd.is_anomaly_enabled()
    assert xn.autograd.no_grad is xn.no_grad and xn.autograd.inference_mode is xn.inference_mode


def _bad_square(lib):
    class BadSquare(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # the factor 2 forgotten: the classic backward bug

    return BadSquare.apply


def test_gradcheck_and_gradgradcheck_give_pytorchs_verdicts():
    torch = pytest.importorskip("torch")
    xv = np.array([[0.3, -1.2], [0.7, 2.0]])
    wv = np.array([0.5, -0.25])
    cases = {
        "tanh-matmul and a sum": lambda m, x, w: (m.tanh(x @ w), (x * x).sum()),
        "sigmoid": lambda m, x, w: m.sigmoid(x @ w),
        "softmax": lambda m, x, w: m.softmax(x * w, dim=1),
    }
    for name, f in cases.items():
        for check in ("gradcheck", "gradgradcheck"):
            x = xn.tensor(xv, dtype="float64", requires_grad=True)
            w = xn.tensor(wv, dtype="float64", requires_grad=True)
            tx, tw = (torch.tensor(v, requires_grad=True) for v in (xv, wv))
            got = getattr(xn.autograd, check)(lambda x, w, f=f: f(xn, x, w), (x, w))
            want = getattr(torch.autograd, check)(lambda x, w, f=f: f(torch, x, w), (tx, tw))
            assert got is want is True, (name, check)
    x = xn.tensor(xv, dtype="float64", requires_grad=True)
    tx = torch.tensor(xv, requires_grad=True)
    assert xn.autograd.gradcheck(_bad_square(xn), (x,), raise_exception=False) is False
    assert torch.autograd.gradcheck(_bad_square(torch), (tx,), raise_exception=False) is False
    with pytest.raises(xn.GradcheckError, match=r"mismatch for output 0 with respect to input 0"):
        xn.autograd.gradcheck(_bad_square(xn), (x,))


def test_gradcheck_says_what_is_wrong_with_its_input():
    x32 = xn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="input 0 is float32, not float64"):
        xn.autograd.gradcheck(xn.exp, (x32,), atol=1e-2, rtol=1e-2, eps=1e-3)
    with pytest.raises(xn.ArgumentError, match="no input requires grad"):
        xn.autograd.gradcheck(xn.exp, (xn.tensor([1.0], dtype="float64"),))
    x = xn.tensor([1.0], dtype="float64", requires_grad=True)
    assert xn.autograd.gradcheck(xn.exp, x, fast_mode=True, check_batched_grad=False)
    with pytest.raises(xn.ArgumentTypeError, match="unexpected keyword arguments \\['colour'\\]"):
        xn.autograd.gradcheck(xn.exp, x, colour=1)
