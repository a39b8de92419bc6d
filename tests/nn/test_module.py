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
    assert sd["scale"].native() is a.scale.native()  # state_dict shares memory, as in PyTorch
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
    assert got.missing_keys == ["fc.bias"] and got.unexpected_keys == []  # PyTorch's names


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


# -- PyTorch habits (compared with torch where it applies) -------------------------


def test_slicing_a_sequential_gives_a_sequential_sharing_the_layers():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    tail = model[1:]
    assert type(tail) is nn.Sequential and len(tail) == 2 and tail[1] is model[2]
    assert model[-1] is model[2] and list(model[::2]) == [model[0], model[2]]
    x = xn.ones((5, 4))
    np.testing.assert_array_equal(tail(x).numpy(), model[2](model[1](x)).numpy())
    assert type(nn.ModuleList([nn.ReLU(), nn.Tanh()])[:1]) is nn.ModuleList
    with pytest.raises(xn.OutOfRangeError, match="index 3 is out of range"):
        model[3]
    with pytest.raises(xn.ArgumentTypeError, match="ints or slices"):
        model["0"]


def test_parameters_without_recursion_are_the_modules_own():
    b = Block()
    assert [n for n, _ in b.named_parameters(recurse=False)] == ["scale"]
    assert list(b.parameters(recurse=False)) == [b.scale]
    assert [n for n, _ in b.named_buffers(recurse=False)] == ["steps", "scratch"]
    assert len(list(b.parameters())) == 5


def test_module_dict_registers_by_name():
    d = nn.ModuleDict({"enc": nn.Linear(3, 2), "act": nn.ReLU()})
    d["dec"] = nn.Linear(2, 3)
    assert list(d) == ["enc", "act", "dec"] and "dec" in d and len(d) == 3
    assert [n for n, _ in d.named_parameters()] == [
        "enc.weight",
        "enc.bias",
        "dec.weight",
        "dec.bias",
    ]
    assert sorted(d.state_dict()) == ["dec.bias", "dec.weight", "enc.bias", "enc.weight"]
    popped = d.pop("act")
    assert isinstance(popped, nn.ReLU) and list(d.keys()) == ["enc", "dec"]
    with pytest.raises(xn.KeyMismatchError, match="no module 'nope'; it has \\['enc', 'dec'\\]"):
        d["nope"]
    with pytest.raises(xn.ArgumentTypeError, match="must be a Module, got int"):
        d["x"] = 3


def test_forward_hooks_see_and_replace_inputs_and_outputs():
    lin = nn.Linear(2, 2)
    seen = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2.0,))
    post = lin.register_forward_hook(lambda m, args, out: seen.append((args[0], out)) or out + 1.0)
    x = xn.ones((1, 2))
    y = lin(x)
    expected = nn.functional.linear(x * 2.0, lin.weight, lin.bias) + 1.0
    np.testing.assert_allclose(y.numpy(), expected.numpy())
    assert seen and seen[0][0].numpy().tolist() == [[2.0, 2.0]]
    pre.remove()
    post.remove()
    np.testing.assert_allclose(
        lin(x).numpy(), nn.functional.linear(x, lin.weight, lin.bias).numpy()
    )
    y.sum().backward()  # hooks are ordinary recorded ops: gradients flow through them
    np.testing.assert_allclose(lin.weight.grad.numpy(), [[2.0, 2.0], [2.0, 2.0]])
    with lin.register_forward_pre_hook(lambda m, args: xn.zeros((1, 2))):
        np.testing.assert_allclose(lin(x).numpy(), lin.bias.numpy()[None])


def test_float_double_half_cast_parameters_and_buffers_in_place():
    b = Block(backend="numpy")
    weight = b.fc.weight
    assert b.double() is b and b.fc.weight is weight
    assert weight.dtype == np.float64 and b.bn.running_mean.dtype == np.float64
    assert b.steps.dtype == np.int64  # integers are not cast
    b.half()
    assert weight.dtype == np.float16
    b.float()
    assert weight.dtype == np.float32 and b.bn.running_var.dtype == np.float32


def test_a_float64_input_to_a_float32_layer_is_a_dtype_error():
    torch = pytest.importorskip("torch")
    lin, conv = nn.Linear(3, 2), nn.Conv2d(1, 1, 2)
    with pytest.raises(
        xn.DTypeError, match="linear: the input is float64 but the parameters are float32"
    ):
        lin(xn.tensor(np.ones((4, 3)), dtype="float64"))
    with pytest.raises(xn.DTypeError, match="conv2d: the input is float64"):
        conv(xn.tensor(np.ones((1, 1, 3, 3)), dtype="float64"))
    with pytest.raises(RuntimeError):  # PyTorch refuses it too
        torch.nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.float64))
    with xn.autocast("float16"):  # autocast casts both sides first: no error
        lin(xn.tensor(np.ones((4, 3)), dtype="float64"))


def test_foreign_arrays_are_refused_by_layers_with_a_backend_error():
    torch = pytest.importorskip("torch")
    lin = nn.Linear(3, 2)
    with pytest.raises(xn.BackendError, match=r"linear: got a torch\.Tensor beside"):
        lin(torch.ones(4, 3))
    with pytest.raises(xn.BackendError, match=r"got a numpy\.ndarray"):
        lin(np.ones((4, 3), np.float32))


def test_summary_tabulates_layers_and_changes_nothing():
    xn.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 14 * 14, 10),
    )  # fmt: skip
    model[0].bias.requires_grad_(False)
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    rng = xn.backend.default_generator(model.backend).get_state()
    s = nn.summary(model, (2, 1, 28, 28))
    rows = {r.name: r for r in s.rows}
    assert rows["0"].output_shape == (2, 4, 28, 28) and rows["3"].output_shape == (2, 4, 14, 14)
    assert rows["6"].output_shape == (2, 10) and rows[""].output_shape == (2, 10)
    assert rows["0"].params == 40 and rows["1"].params == 8 and rows["6"].params == 7850
    assert rows["1"].bytes == 8 * 4 + 2 * 4 * 4 + 8  # weight, bias, running stats, int64 counter
    assert s.total_params == 7898 and s.trainable_params == 7894
    assert s.param_bytes == 7898 * 4 and s.buffer_bytes == 40
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                             torch.nn.Linear(784, 10))  # fmt: skip
    assert s.total_params == sum(p.numel() for p in tm.parameters())
    text = str(s)
    assert "0 (Conv2d)" in text and "[2, 4, 28, 28]" in text and "Total params: 7,898" in text
    assert "Non-trainable params: 4" in text
    assert model.training  # the mode is restored; nothing else moved
    assert all(np.array_equal(v.numpy(), state[k]) for k, v in model.state_dict().items())
    assert xn.backend.default_generator(model.backend).get_state() == rng
    with pytest.raises(xn.ArgumentTypeError, match="input must be a Tensor or a shape"):
        nn.summary(model, "28x28")


def test_fit_logs_the_summary_when_asked():
    lines = []
    x, y = xn.randn(8, 3), xn.randn(8, 2)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    xn.train.fit(model, nn.functional.mse_loss, opt, [(x, y)], 1, summary=True, progress=False,
                 log=lines.append)  # fmt: skip
    assert "Total params: 26" in lines[0] and "[8, 2]" in lines[0]


def test_replacing_a_parameter_or_submodule_keeps_its_place_as_pytorch():
    """``m.weight = Parameter(...)`` left the name at the end of parameters() and the state
    dict (an optimizer made afterwards saw another order than PyTorch's)."""
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    before = [n for n, _ in m.named_parameters()]
    m[0].weight = nn.Parameter(xn.zeros((3, 2)))
    setattr(m, "0", nn.Linear(2, 3))
    assert [n for n, _ in m.named_parameters()] == before == list(m.state_dict())
    assert before == ["0.weight", "0.bias", "1.weight", "1.bias"]
    m[1].bias = None  # a parameter slot emptied, then a plain attribute
    assert "1.bias" not in dict(m.named_parameters())
