"""Module registration, traversal, modes, state dicts and moves."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


class Block(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.fc = nn.Linear(3, 4, **kw)
        self.bn = nn.BatchNorm1d(4, **kw)
        self.scale = nn.Parameter(xn.ones(4, **kw))
        self.register_buffer("steps", xn.zeros((), dtype="int64", **kw))
        self.register_buffer("scratch", xn.zeros(2, **kw), persistent=False)

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


def test_registration_and_traversal():
    m = nn.Sequential(Block(), nn.ReLU(), nn.Linear(4, 2))
    names = [n for n, _ in m.named_parameters()]
    assert names == [
        "0.scale",
        "0.fc.weight",
        "0.fc.bias",
        "0.bn.weight",
        "0.bn.bias",
        "2.weight",
        "2.bias",
    ]
    assert [n for n, _ in m.named_buffers()] == [
        "0.steps",
        "0.scratch",
        "0.bn.running_mean",
        "0.bn.running_var",
        "0.bn.num_batches_tracked",
    ]
    assert len(list(m.children())) == 3 and len(list(m.modules())) == 6
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())
    assert "0.scratch" not in m.state_dict() and "0.steps" in m.state_dict()


def test_shared_parameter_counted_once():
    lin = nn.Linear(2, 2)
    m = nn.Sequential(lin, lin)
    assert len(list(m.parameters())) == 2


def test_reassigning_an_attribute_unregisters():
    m = Block()
    m.scale = None
    assert "scale" not in dict(m.named_parameters())
    m.fc = nn.Linear(3, 4)
    assert len(list(m.fc.parameters())) == 2


def test_super_init_is_required():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(xn.ones(1))

    with pytest.raises(xn.XpnetError, match="super"):
        Bad()


def test_train_eval_and_zero_grad():
    m = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    assert m.training and m[1].training
    m.eval()
    assert not m.training and not m[1].training
    x = xn.ones(2, 3)
    m(x).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum().item()) == 0.0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.train() is m and m.training


def test_state_dict_roundtrip_and_strictness():
    xn.manual_seed(0)
    a, b = Block(), Block()
    b.load_state_dict(a.state_dict())
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=k)
    sd = a.state_dict()
    assert sd["scale"].data is a.scale.data  # state_dict shares memory, as in PyTorch
    # ...but load_state_dict copies: changing the source later leaves b alone
    with xn.no_grad():
        a.scale += 1.0
    assert b.scale.tolist() == [1.0] * 4 and a.scale.tolist() == [2.0] * 4


def test_load_state_dict_errors_change_nothing():
    m = Block()
    before = {k: v.numpy() for k, v in m.state_dict().items()}
    sd = m.state_dict()
    extra = dict(sd, bogus=xn.zeros(1))
    with pytest.raises(KeyError, match=r"unexpected keys \['bogus'\]"):
        m.load_state_dict(extra)
    missing = {k: v for k, v in sd.items() if k != "fc.bias"}
    with pytest.raises(KeyError, match=r"missing keys \['fc.bias'\]"):
        m.load_state_dict(missing)
    wrong = dict(sd, **{"fc.weight": xn.zeros(5, 3), "scale": xn.zeros(4) + 7.0})
    with pytest.raises(xn.ShapeError, match=r"fc.weight: checkpoint \(5, 3\) vs model \(4, 3\)"):
        m.load_state_dict(wrong)
    after = {k: v.numpy() for k, v in m.state_dict().items()}
    assert all(np.array_equal(before[k], after[k]) for k in before)  # scale was not written either
    got = m.load_state_dict(missing, strict=False)
    assert got == (["fc.bias"], [])


def test_to_moves_everything_in_place():
    m = Block()
    params_before = list(m.parameters())
    opt = xn.optim.SGD(m.parameters(), lr=0.1)
    m(xn.randn(5, 3)).sum().backward()
    dev1 = xn.get_backend("array_api_strict", "device1")
    assert m.to(backend="array_api_strict", device="device1") is m
    assert list(m.parameters()) == params_before  # same objects: the optimizer still holds them
    assert all(t.backend is dev1 for t in [*m.parameters(), *m.buffers()])
    assert all(p.grad.backend is dev1 for p in m.parameters())
    opt.step()
    assert all(p.backend is dev1 for p in m.parameters())
    m.to(dtype="float64")
    assert m.fc.weight.dtype == dev1.dtype("float64")
    assert dev1.dtype_name(m.bn.num_batches_tracked.dtype) == "int64"  # integers are not cast


def test_forward_on_another_device_names_both():
    m = nn.Linear(3, 2, backend="array_api_strict")
    x = xn.ones(4, 3, backend="array_api_strict", device="device1")
    with pytest.raises(xn.DeviceError, match=r"Linear\(in_features=3.*CPU_DEVICE.*device1"):
        m(x)
    with pytest.raises(xn.BackendError, match=r"numpy:cpu"):
        m(xn.ones(4, 3, backend="numpy"))


def test_repr_lists_children():
    r = repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    assert "(0): Linear(in_features=2, out_features=3, bias=True)" in r and "(1): ReLU()" in r


def test_module_list_registers():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])
    ml.append(nn.Linear(1, 1))
    assert len(ml) == 3 and len(list(ml.parameters())) == 6 and isinstance(ml[2], nn.Linear)


def test_load_state_dict_never_aliases_the_callers_arrays():
    m = nn.Linear(2, 2)
    sd = {k: v.numpy() for k, v in m.state_dict().items()}
    kept = {k: v.copy() for k, v in sd.items()}
    m.load_state_dict(sd)
    opt = xn.optim.SGD(m.parameters(), lr=1.0)
    m(xn.ones(1, 2)).sum().backward()
    opt.step()
    for k in sd:
        assert np.array_equal(sd[k], kept[k]), f"{k} was written through"


@pytest.mark.parametrize(
    "value, error, pattern",
    [
        (np.array(["a", "b"]), xn.DTypeError, "key 'bias'.*numbers and booleans only"),
        (np.array([1 + 1j, 0j]), xn.DTypeError, "key 'bias'.*complex128 cannot be stored"),
    ],
)
def test_load_state_dict_checks_every_value_before_writing(value, error, pattern):
    m = nn.Linear(2, 2)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    with pytest.raises(error, match=pattern):
        m.load_state_dict({"weight": np.zeros((2, 2)), "bias": value})
    for k, v in m.state_dict().items():
        assert np.array_equal(v.numpy(), before[k]), f"{k} changed although the load failed"


def test_load_state_dict_casts_real_numbers_like_pytorch():
    m = nn.Linear(2, 2)
    m.load_state_dict({"weight": np.eye(2, dtype=np.int64), "bias": [True, False]})
    assert m.weight.dtype == m.bias.dtype and m.weight.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert m.bias.tolist() == [1.0, 0.0]
