"""What a PyTorch user does on the second day, and what they should get."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


def test_binary_cross_entropy_refuses_values_outside_0_1(backend):
    t = xn.tensor([1.0, 0.0], backend=backend)
    with pytest.raises(xn.ArgumentError, match=r"outside \[0, 1\].*with_logits"):
        # checked on the device: raised by the next read at the latest
        float(nn.functional.binary_cross_entropy(xn.tensor([2.0, 0.5], backend=backend), t))
    ok = nn.functional.binary_cross_entropy(xn.tensor([1.0, 0.25], backend=backend), t)
    np.testing.assert_allclose(float(ok), -np.log(0.75) / 2, rtol=1e-6)


@pytest.mark.parametrize("opt_cls", [xn.optim.SGD, xn.optim.Adam, xn.optim.RMSprop])
def test_moving_a_model_after_a_step_moves_the_optimizer_state(opt_cls):
    pytest.importorskip("torch")
    xn.manual_seed(0)
    kw = {"momentum": 0.9} if opt_cls is not xn.optim.Adam else {}
    model = nn.Linear(3, 2)
    opt = opt_cls(model.parameters(), lr=0.1, **kw)
    x = xn.tensor([[1.0, 2.0, 3.0]])
    model(x).sum().backward()
    opt.step()
    model.to(backend="torch")
    opt.zero_grad()
    model(x.to(backend="torch")).sum().backward()
    opt.step()  # the state follows the parameters (it failed: tensors of different backends)
    for s in opt.state.values():
        for v in s.values():
            if isinstance(v, xn.Tensor):
                assert v.backend.name == "torch"
    model.double()
    opt.zero_grad()
    model(x.to(backend="torch", dtype="float64")).sum().backward()
    opt.step()
    assert all(
        v.dtype == model.weight.dtype
        for v in opt.state[model.weight].values()
        if isinstance(v, xn.Tensor) and v.shape == model.weight.shape
    )


def test_load_state_dict_of_a_module_says_pass_its_state_dict():
    torch = pytest.importorskip("torch")
    with pytest.raises(xn.ArgumentTypeError, match=r"pass its state_dict\(\)"):
        nn.Linear(3, 2).load_state_dict(torch.nn.Linear(3, 2))
    nn.Linear(3, 2).load_state_dict(torch.nn.Linear(3, 2).state_dict())  # this works


@pytest.mark.parametrize(
    ("params", "method"), [("float32", "x.float()"), ("float64", "x.double()")]
)
def test_layer_dtype_hint_names_the_right_method(params, method):
    layer = nn.Linear(3, 2).to(dtype=params)
    other = "float64" if params == "float32" else "float32"
    with pytest.raises(xn.DTypeError) as e:
        layer(xn.ones(1, 3, dtype=other))
    assert method in str(e.value) and f"x.astype('{params}')" in str(e.value)


def test_autocast_bfloat16_follows_the_tensors_backend():
    pytest.importorskip("torch")
    b = xn.get_backend("torch")
    assert xn.get_backend().name == "numpy"  # the global default
    model = nn.Linear(3, 2, backend=b)
    with xn.autocast("bfloat16"):
        y = model(xn.ones(4, 3, backend=b))
    assert b.dtype_name(y.dtype) == "bfloat16"
    with pytest.raises(xn.DTypeError, match="NumPy has no bfloat16"), xn.autocast("bfloat16"):
        nn.Linear(3, 2)(xn.ones(1, 3))
