"""``xn.func``: PyTorch's ``torch.func`` names (its per-sample-gradients tutorial), and
gradients with respect to dicts and lists of tensors."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.nn import functional as F


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(5, 4), nn.Linear(4, 3)
        self.register_buffer("shift", xn.zeros(3))

    def forward(self, x):
        return F.log_softmax(self.fc2(xn.tanh(self.fc1(x))) + self.shift, dim=1)


def test_per_sample_gradients_with_functional_call_grad_and_vmap():
    xn.manual_seed(0)
    model = Small()
    data, targets = xn.randn(6, 5), xn.tensor([0, 2, 1, 1, 0, 2])

    def loss_of(params, buffers, x, y):
        out = xn.func.functional_call(model, (params, buffers), (x[None],))
        return F.nll_loss(out, y[None])

    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}
    per_sample = xn.func.vmap(xn.func.grad(loss_of), in_dims=(None, None, 0, 0))(
        params, buffers, data, targets
    )
    assert list(per_sample) == list(params)  # a dict by name, each stacked on axis 0
    for i in range(6):
        model.zero_grad()
        F.nll_loss(model(data[i : i + 1]), targets[i : i + 1]).backward()
        for name, p in model.named_parameters():
            np.testing.assert_allclose(
                per_sample[name][i].numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-7
            )
    # the module is as it was: its own parameters, not the dict's tensors
    own = dict(model.named_parameters())
    assert all(own[k] is not v for k, v in params.items())
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())


def test_grad_of_trees_and_grad_and_value_order_as_torch_func():
    torch = pytest.importorskip("torch")
    w = {"a": np.array([1.0, 2.0]), "b": [np.array(3.0), np.array([0.5, -1.0])]}

    def f(m, p):
        return (p["a"] * p["b"][1]).sum() * p["b"][0] + (p["a"] ** 2).sum()

    ours = xn.func.grad_and_value(lambda p: f(xn, p))(
        {"a": xn.tensor(w["a"]), "b": [xn.tensor(w["b"][0]), xn.tensor(w["b"][1])]}
    )
    theirs = torch.func.grad_and_value(lambda p: f(torch, p))(
        {"a": torch.tensor(w["a"]), "b": [torch.tensor(w["b"][0]), torch.tensor(w["b"][1])]}
    )
    (g, v), (tg, tv) = ours, theirs
    assert v.item() == pytest.approx(tv.item())
    np.testing.assert_allclose(g["a"].numpy(), tg["a"].numpy())
    assert isinstance(g["b"], list) and len(g["b"]) == 2
    np.testing.assert_allclose(g["b"][1].numpy(), tg["b"][1].numpy())
    assert g["b"][0].item() == pytest.approx(tg["b"][0].item())
    assert xn.grad(lambda x: (x * x).sum())([1.0, 2.0]).tolist() == [
        2.0,
        4.0,
    ]  # numbers: one tensor


def test_functional_call_checks_names_and_restores_on_error():
    model = Small()
    before = model.fc1.weight
    with pytest.raises(xn.ArgumentError, match=r"Small has no submodule 'fc9' \('fc9.weight'\)"):
        xn.func.functional_call(model, {"fc9.weight": xn.zeros((4, 5))}, (xn.ones((1, 5)),))
    with pytest.raises(xn.ArgumentError, match=r"'fc1\.scale' is not a parameter or buffer"):
        xn.func.functional_call(model, {"fc1.scale": xn.zeros(4)}, (xn.ones((1, 5)),))
    with pytest.raises(xn.ArgumentError, match="strict=True\\): missing"):
        xn.func.functional_call(
            model, {"fc1.weight": xn.zeros((4, 5))}, xn.ones((1, 5)), strict=True
        )
    with pytest.raises(xn.ShapeError):  # a wrong shape fails inside the call: restored after
        xn.func.functional_call(model, {"fc1.weight": xn.zeros((2, 2))}, (xn.ones((1, 5)),))
    assert model.fc1.weight is before and model._modules["fc1"]._parameters["weight"] is before
    zeros = {k: xn.zeros_like(v) for k, v in model.state_dict().items()}
    out = xn.func.functional_call(model, zeros, xn.ones((2, 5)))
    np.testing.assert_allclose(out.numpy(), np.log(np.full((2, 3), 1 / 3)), rtol=1e-6)


def test_vjp_and_jacobian_keep_a_dicts_structure_and_forward_mode_refuses_one():
    """Every transform that takes a dict answers per key: jacobian of a dict argument used
    to return the first key's Jacobian alone."""
    d = {"a": xn.tensor([1.0, 2.0]), "b": xn.tensor(3.0)}

    def f(p):
        return (p["a"] ** 2).sum() * p["b"]

    _, vjp_fn = xn.vjp(f, d)
    (g,) = vjp_fn(xn.tensor(1.0))
    assert g["a"].tolist() == [6.0, 12.0] and g["b"].item() == 5.0
    jac = xn.jacobian(f)(d)
    assert set(jac) == {"a", "b"} and jac["a"].tolist() == [6.0, 12.0] and jac["b"].item() == 5.0
    for call in (lambda: xn.jvp(f, (d,), (d,)), lambda: xn.jacfwd(f)(d)):
        with pytest.raises(xn.ArgumentTypeError, match="primals must be tensors, not dicts"):
            call()


def test_model_ensembling_with_stack_module_state_and_vmap_as_pytorch():
    """PyTorch's model-ensembling tutorial: the models' states stacked by name, one model
    called through functional_call under vmap over dicts of tensors (each model its own
    minibatch, then one minibatch for all), equal to running each model; the stacked
    parameters are leaves whose gradients are the models' own."""
    torch = pytest.importorskip("torch")
    xn.manual_seed(0)
    models = [Small() for _ in range(4)]
    for i, m in enumerate(models):
        m.shift.fill_(0.1 * i)
    data = xn.randn(4, 6, 5)
    params, buffers = xn.func.stack_module_state(models)
    assert {k: tuple(v.shape) for k, v in params.items()} == {
        k: (4, *p.shape) for k, p in models[0].named_parameters()
    }
    assert all(p.requires_grad and p.is_leaf for p in params.values())
    assert not buffers["shift"].requires_grad
    base = models[0]

    def fmodel(p, b, x):
        return xn.func.functional_call(base, (p, b), (x,))

    each = xn.vmap(fmodel)(params, buffers, data)  # torch.vmap's name and defaults
    np.testing.assert_allclose(
        each.detach().numpy(), xn.stack([m(x) for m, x in zip(models, data, strict=True)]).detach().numpy(),
        rtol=1e-6,
    )  # fmt: skip
    same = xn.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, data[0])
    np.testing.assert_allclose(
        same.detach().numpy(), xn.stack([m(data[0]) for m in models]).detach().numpy(), rtol=1e-6
    )
    same.sum().backward()
    for i, m in enumerate(models):
        m(data[0]).sum().backward()
        np.testing.assert_allclose(params["fc1.weight"].grad.numpy()[i], m.fc1.weight.grad.numpy(),
                                   rtol=1e-6)  # fmt: skip
    # PyTorch's stack_module_state gives the same stacked values
    tmodels = [torch.nn.Linear(5, 4) for _ in range(3)]
    tparams, _ = torch.func.stack_module_state(tmodels)
    xmodels = [nn.Linear(5, 4) for _ in range(3)]
    for xm, tm in zip(xmodels, tmodels, strict=True):
        xm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    xparams, _ = xn.func.stack_module_state(xmodels)
    for k in tparams:
        np.testing.assert_array_equal(xparams[k].detach().numpy(), tparams[k].detach().numpy())
    with pytest.raises(xn.ArgumentError, match=r"stack_module_state: 'weight' of model 1 is"):
        xn.func.stack_module_state([nn.Linear(5, 4), nn.Linear(5, 3)])
    with pytest.raises(xn.NotSupportedError, match=r"to\('meta'\): xpnet has no meta device"):
        base.to("meta")


def test_benchmark_timer_measures_as_pytorchs():
    x = xn.ones((8, 8))
    m = xn.utils.benchmark.Timer("x @ x", globals={"x": x}, label="matmul").timeit(50)
    assert m.number_per_run == 50 and len(m.times) == 1 and 0 < m.median == m.mean < 1
    text = repr(m)
    assert "matmul" in text and "x @ x" in text and "1 measurement, 50 runs , 1 thread" in text
    auto = xn.utils.benchmark.Timer("x + 1", globals={"x": x}).blocked_autorange(min_run_time=0.05)
    assert len(auto.times) >= 1 and auto.number_per_run >= 1 and auto.iqr >= 0
