"""Parametrizations (``xn.nn.utils.parametrize``), weight norm (both of PyTorch's APIs)
and spectral norm, with PyTorch as the oracle for state-dict names, values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

torch = pytest.importorskip("torch")
P, TP = nn.utils.parametrize, torch.nn.utils.parametrize


def _pair(xcls, tcls, *args):
    xm, tm = getattr(nn, xcls)(*args), getattr(torch.nn, tcls)(*args)
    xm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return xm, tm


def _load(xm, tm):
    xm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})


def _check_grads(xm, tm, x0):
    x, tx = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = xm(x), tm(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y**2).sum().backward()
    (ty**2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    tgrads = dict(tm.named_parameters())
    for name, p in xm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tgrads[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-6, err_msg=name)  # fmt: skip


@pytest.mark.parametrize("layer", [("Linear", (4, 3)), ("Conv1d", (2, 3, 3))])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrizations_weight_norm_matches_pytorch(layer, dim):
    name, args = layer
    xm, tm = _pair(name, name, *args)
    nn.utils.parametrizations.weight_norm(xm, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
    assert list(xm.state_dict()) == list(tm.state_dict())
    _load(xm, tm)
    np.testing.assert_allclose(xm.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-6)
    shape = (5, 4) if name == "Linear" else (2, 2, 7)
    _check_grads(xm, tm, np.random.default_rng(0).standard_normal(shape).astype(np.float32))
    assert P.is_parametrized(xm, "weight") and type(xm).__name__ == f"Parametrized{name}"


def test_old_weight_norm_api_matches_pytorch_and_can_be_removed():
    xm, tm = _pair("Conv1d", "Conv1d", 2, 3, 3)
    with pytest.warns(FutureWarning, match="deprecated"):
        nn.utils.weight_norm(xm)
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(tm)
    assert list(xm.state_dict()) == list(tm.state_dict()) == ["bias", "weight_g", "weight_v"]
    _load(xm, tm)
    _check_grads(xm, tm, np.random.default_rng(1).standard_normal((2, 2, 6)).astype(np.float32))
    before = xm(xn.ones((1, 2, 5))).numpy()
    nn.utils.remove_weight_norm(xm)
    assert list(xm.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(xm(xn.ones((1, 2, 5))).numpy(), before, rtol=1e-6)
    with pytest.raises(xn.ArgumentError, match="not found"):
        nn.utils.remove_weight_norm(xm)


def test_spectral_norm_matches_pytorch_with_its_power_iteration():
    torch.manual_seed(0)  # PyTorch's draws of u and v, copied below
    xm, tm = _pair("Linear", "Linear", 5, 4)
    torch.nn.utils.parametrizations.spectral_norm(tm)
    nn.utils.parametrizations.spectral_norm(xm)
    assert list(xm.state_dict()) == list(tm.state_dict())  # original, 0._u, 0._v
    _load(xm, tm)  # PyTorch's power-iteration vectors too
    x0 = np.random.default_rng(2).standard_normal((3, 5)).astype(np.float32)
    for _ in range(3):  # training: each call steps the power iteration, as PyTorch's
        xm.zero_grad()
        tm.zero_grad()
        _check_grads(xm, tm, x0)
    xm.eval(), tm.eval()
    _check_grads(xm, tm, x0)
    sigma = np.linalg.svd(xm.parametrizations.weight.original.detach().numpy())[1][0]
    # power iteration estimates sigma: the normalised weight's largest singular value is ~1
    np.testing.assert_allclose(np.linalg.svd(xm.weight.detach().numpy())[1][0], 1.0, rtol=2e-2)
    assert sigma != pytest.approx(1.0)


def test_register_parametrization_with_a_custom_module_and_removal():
    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

    class TSymmetric(torch.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

    xm, tm = _pair("Linear", "Linear", 3, 3)
    P.register_parametrization(xm, "weight", Symmetric())
    TP.register_parametrization(tm, "weight", TSymmetric())
    assert list(xm.state_dict()) == list(tm.state_dict())
    w = xm.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    _check_grads(xm, tm, np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32))
    with P.cached():
        assert xm.weight is xm.weight  # computed once inside the block
    assert xm.weight is not xm.weight
    opt = xn.optim.SGD(xm.parameters(), lr=0.1)
    opt.step()  # the original is the parameter trained
    np.testing.assert_allclose(xm.weight.detach().numpy(), xm.weight.detach().numpy().T)
    P.remove_parametrizations(xm, "weight")
    TP.remove_parametrizations(tm, "weight")
    assert type(xm) is nn.Linear and list(xm.state_dict()) == list(tm.state_dict())
    assert not P.is_parametrized(xm)
    with pytest.raises(xn.ArgumentError, match="has no parametrization"):
        P.remove_parametrizations(xm, "weight")
    with pytest.raises(xn.ArgumentError, match="has no tensor 'nope'"):
        P.register_parametrization(xm, "nope", Symmetric())
