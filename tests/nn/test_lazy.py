"""LazyLinear as PyTorch's: in_features from the first input, the weight given its shape in
place (an optimizer made before keeps it), the module becoming a Linear; a state dict
materialises it too; under xn.compile the first call materialises and later calls replay."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


def test_lazy_linear_materialises_on_the_first_call_as_pytorchs():
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2, bias=False))
    tmodel = torch.nn.Sequential(torch.nn.LazyLinear(4), torch.nn.ReLU(),
                                 torch.nn.LazyLinear(2, bias=False))  # fmt: skip
    assert "in_features=<lazy>" in repr(model)
    weight = model[0].weight
    opt = xn.optim.SGD(model.parameters(), lr=0.1)  # before the shapes are known
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    y, ty = model(xn.tensor(x)), tmodel(torch.tensor(x))
    assert tuple(y.shape) == tuple(ty.shape)
    for m, tm in zip(model, tmodel, strict=True):
        assert type(m).__name__ == type(tm).__name__  # LazyLinear became Linear in both
        if isinstance(m, nn.Linear):
            assert m.weight.shape == tuple(tm.weight.shape) and m.in_features == tm.in_features
    assert model[0].weight is weight and model[2].bias is None
    # initialised as Linear: within PyTorch's bound 1/sqrt(in_features)
    assert np.abs(weight.numpy()).max() <= 1 / np.sqrt(5) and np.abs(weight.numpy()).max() > 0
    before = weight.numpy().copy()
    y.sum().backward()
    opt.step()
    assert not np.array_equal(weight.numpy(), before)  # the optimizer updated it
    # the same model from a state dict: the lazy weight takes the checkpoint's columns
    other = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2, bias=False))
    other.load_state_dict(model.state_dict())
    assert type(other[0]) is nn.Linear and other[0].weight.shape == (4, 5)
    np.testing.assert_array_equal(other(xn.tensor(x)).numpy(), model(xn.tensor(x)).numpy())
    lazy = nn.LazyLinear(2)
    with pytest.raises(xn.DTypeError, match="LazyLinear: the input is int64"):
        lazy(xn.ones((2, 3), dtype="int64"))
    assert type(lazy) is nn.LazyLinear and lazy.weight.shape == (2, 0)  # nothing changed
    with pytest.raises(xn.ShapeError, match=r"weight: checkpoint \(2, 4\) vs model \(3, 0\)"):
        nn.LazyLinear(3).load_state_dict({"weight": xn.ones((2, 4)), "bias": xn.ones(3)})


def test_lazy_linear_under_compile():
    """The first compiled call materialises the layers (eagerly, while recording); the
    replays then give the losses of the same model trained eagerly."""
    model = nn.Sequential(nn.LazyLinear(8), nn.Tanh(), nn.LazyLinear(1))
    ref = nn.Sequential(nn.LazyLinear(8), nn.Tanh(), nn.LazyLinear(1))
    x = xn.randn(16, 3)

    def step(m, opt):
        loss = (m(x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    opt, ref_opt = (xn.optim.Adam(m.parameters(), lr=0.01) for m in (model, ref))
    compiled = xn.compile(lambda: step(model, opt))
    losses = []
    for i in range(5):
        if i == 0:
            xn.manual_seed(1)  # the same initialisation for both at materialisation
        got = compiled().item()
        if i == 0:
            xn.manual_seed(1)
        losses.append((got, step(ref, ref_opt).item()))
    assert type(model[0]) is nn.Linear and model[0].weight.shape == (8, 3)
    np.testing.assert_allclose(*zip(*losses, strict=True), rtol=1e-6)
    assert compiled.replays >= 1
