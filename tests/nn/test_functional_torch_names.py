"""F.one_hot, F.normalize and F.cosine_similarity: PyTorch's functions, PyTorch as the
oracle for values and gradients."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

from ..torch_oracle import matches_torch

F = nn.functional


def test_one_hot(backend):
    y = xn.tensor(np.array([[0, 2], [1, 0]]), backend=backend)
    hot = F.one_hot(y, num_classes=4)
    assert hot.shape == (2, 2, 4) and backend.dtype_name(hot.dtype) == "int64"
    assert hot.backend is backend
    np.testing.assert_array_equal(hot.numpy(), np.eye(4, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(y).shape == (2, 2, 3)  # num_classes=-1: the largest label + 1
    with pytest.raises(xn.DTypeError, match="labels must be integers"):
        F.one_hot(xn.tensor([0.0, 1.0], backend=backend), 2)
    with pytest.raises(xn.ArgumentError, match="num_classes must be a positive int"):
        F.one_hot(y, num_classes=0)
    with pytest.raises(xn.OutOfRangeError, match=r"one_hot: .*out of range for 2 classes"):
        F.one_hot(y, num_classes=2).numpy()  # (on a device: raised at the read)


@pytest.mark.parametrize("p", [2.0, 1.0])
def test_normalize_matches_pytorch_values_and_gradients(p, rng):
    xv = rng.standard_normal((3, 4))
    xv[1] = 0.0  # a zero row: stays zero, zero gradient
    matches_torch(lambda lib, x: lib.nn.functional.normalize(x, p=p, dim=1), [xv], rng,
                  rtol=1e-12, grad_rtol=1e-10)  # fmt: skip


def test_cosine_similarity_matches_pytorch_values_and_gradients(rng):
    av, bv = rng.standard_normal((5, 3)), rng.standard_normal((1, 3))
    av[2] = 0.0  # a zero vector: held at eps
    matches_torch(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), [av, bv], rng,
                  rtol=1e-12, grad_rtol=1e-10)  # fmt: skip
    assert F.cosine_similarity(xn.ones((5, 3)), xn.ones((1, 3))).shape == (5,)
    same = F.cosine_similarity(xn.tensor(av), xn.tensor(av), dim=1)
    np.testing.assert_allclose(same.numpy(), [1, 1, 0, 1, 1], rtol=1e-12)


def test_parameter_list_and_dict_register_their_parameters():
    xn.manual_seed(0)

    class Mix(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([xn.ones(2), nn.Parameter(xn.zeros(2))])
            self.named = nn.ParameterDict({"a": xn.ones(3)})

        def forward(self, x):
            return (self.ws[0] * x).sum() + self.ws[-1].sum() + self.named["a"].sum()

    m = Mix()
    assert [n for n, _ in m.named_parameters()] == ["ws.0", "ws.1", "named.a"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())
    m(xn.tensor([1.0, 2.0])).backward()
    assert m.ws[0].grad.tolist() == [1.0, 2.0] and m.named["a"].grad.tolist() == [1.0] * 3
    m.ws.append(xn.full((1,), 5.0))
    m.named["b"] = xn.zeros(1)
    assert len(m.ws) == 3 and list(m.named) == ["a", "b"] and "b" in m.named
    assert set(m.state_dict()) == {"ws.0", "ws.1", "ws.2", "named.a", "named.b"}
    assert m.named.pop("b").tolist() == [0.0] and "b" not in m.named
    m.ws[1] = xn.full((2,), 3.0)
    assert m.ws[1].tolist() == [3.0, 3.0] and isinstance(m.ws[1], nn.Parameter)
    with pytest.raises(xn.OutOfRangeError, match="index 3 is out of range"):
        m.ws[3]
    with pytest.raises(xn.ArgumentTypeError, match="must be a Parameter or a Tensor"):
        m.ws.append([1.0])
    with pytest.raises(xn.KeyMismatchError, match="no parameter 'zz'"):
        m.named["zz"]


def test_parameters_to_vector_and_back():
    torch = pytest.importorskip("torch")
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(model.parameters())
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    tmodel.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    tvec = torch.nn.utils.parameters_to_vector(tmodel.parameters())
    np.testing.assert_array_equal(vec.detach().numpy(), tvec.detach().numpy())
    (vec**2).sum().backward()  # differentiable: each parameter gets 2 p
    assert all(np.allclose(p.grad.numpy(), 2 * p.detach().numpy()) for p in model.parameters())
    nn.utils.vector_to_parameters(xn.arange(11.0), model.parameters())
    assert model[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert model[1].bias.tolist() == [10.0]
    before = [p.numpy() for p in model.parameters()]
    with pytest.raises(xn.ArgumentError, match=r"shape \(10,\) for parameters of 11 elements"):
        nn.utils.vector_to_parameters(xn.zeros(10), model.parameters())
    assert all(
        np.array_equal(a, p.numpy()) for a, p in zip(before, model.parameters(), strict=True)
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_smooth_l1_loss_matches_pytorch(beta, reduction, rng):
    torch = pytest.importorskip("torch")
    av, bv = rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3))
    a, ta = xn.tensor(av, requires_grad=True), torch.tensor(av, requires_grad=True)
    got = nn.SmoothL1Loss(reduction=reduction, beta=beta)(a, xn.tensor(bv))
    want = torch.nn.SmoothL1Loss(reduction=reduction, beta=beta)(ta, torch.tensor(bv))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "mean", "sum", "none"])
def test_kl_div_matches_pytorch(reduction, log_target, rng):
    torch = pytest.importorskip("torch")
    logits, tl = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    target = np.exp(tl) / np.exp(tl).sum(1, keepdims=True)
    target[0, 1] = 0.0  # 0 log 0 = 0
    tv = np.log(target + 1e-30) if log_target else target
    x = F.log_softmax(xn.tensor(logits, requires_grad=True), dim=1)
    tx = torch.log_softmax(torch.tensor(logits, requires_grad=True), dim=1)
    got = nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, xn.tensor(tv))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch's note on "mean"
        want = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)(tx, torch.tensor(tv))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-14)
    gx = xn.autograd.grad(got.sum(), x)[0]
    tgx = torch.autograd.grad(want.sum(), tx)[0]
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-10, atol=1e-14)


def test_tensor_all_and_any_take_dim_and_keepdim(backend):
    x = xn.tensor([[1.0, -1.0], [2.0, 3.0]], backend=backend) > 0
    assert not bool(x.all()) and bool(x.any())
    assert x.all(dim=1).tolist() == [False, True] and x.any(axis=0).tolist() == [True, True]
    assert x.all(dim=0, keepdim=True).shape == (1, 2)


def test_get_submodule_walks_a_dotted_path():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    assert model.get_submodule("1.1") is model[1][1] and model.get_submodule("") is model
    with pytest.raises(xn.ArgumentError, match=r"get_submodule\('1.5'\): 1 has no submodule '5'"):
        model.get_submodule("1.5")


ACTIVATIONS = [
    ("ELU", {}), ("ELU", {"alpha": 0.5}), ("CELU", {"alpha": 2.0}), ("SELU", {}), ("Mish", {}),
    ("Softsign", {}), ("Hardtanh", {}), ("Hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    ("ReLU6", {}), ("Hardsigmoid", {}), ("Hardswish", {}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kw"), ACTIVATIONS, ids=[f"{n}{kw}" for n, kw in ACTIVATIONS])
def test_activations_match_pytorch_values_and_gradients_at_their_kinks(name, kw, rng):
    torch = pytest.importorskip("torch")
    xv = np.concatenate(
        [rng.standard_normal(20) * 4, [-3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0, 40.0, -40.0]]
    )
    x, tx = xn.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    y, ty = getattr(nn, name)(**kw)(x), getattr(torch.nn, name)(**kw)(tx)
    # (PyTorch's hard* kernels round their constants to float32 even in float64: 1e-7)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-7, atol=1e-15)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-7, atol=1e-15)
    f32 = getattr(nn, name)(**kw)(xn.tensor(xv.astype(np.float32)))
    assert f32.dtype == xn.get_backend().dtype("float32")  # a Python scalar never upcasts


@pytest.mark.parametrize(
    ("groups", "shape"), [(2, (3, 4, 5, 5)), (1, (2, 6, 7)), (6, (2, 6)), (3, (2, 6, 2, 3, 2))]
)
def test_group_norm_matches_pytorch_values_and_gradients(groups, shape, rng):
    torch = pytest.importorskip("torch")
    c = shape[1]
    xv, wv, bv = rng.standard_normal(shape) * 3 + 1, rng.standard_normal(c), rng.standard_normal(c)
    layer = nn.GroupNorm(groups, c, backend="numpy", dtype="float64")
    tlayer = torch.nn.GroupNorm(groups, c).double()
    layer.load_state_dict({"weight": wv, "bias": bv})
    tlayer.load_state_dict({"weight": torch.tensor(wv), "bias": torch.tensor(bv)})
    x, tx = xn.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    w = rng.standard_normal(shape)
    y, ty = layer(x), tlayer(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (y * xn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(
        layer.weight.grad.numpy(), tlayer.weight.grad.numpy(), rtol=1e-9, atol=1e-11
    )
    np.testing.assert_allclose(
        layer.bias.grad.numpy(), tlayer.bias.grad.numpy(), rtol=1e-9, atol=1e-11
    )


def test_group_norm_refuses_channels_that_do_not_split():
    with pytest.raises(xn.ArgumentError, match="6 channels do not split into 4 groups"):
        nn.GroupNorm(4, 6)
    with pytest.raises(xn.ShapeError, match="needs 6 channels on axis 1"):
        nn.GroupNorm(2, 6)(xn.ones((2, 4, 3)))


def _sdpa_cases(rng):
    q, k, v = (
        rng.standard_normal((2, 3, 4, 8)),
        rng.standard_normal((2, 3, 6, 8)),
        rng.standard_normal((2, 3, 6, 5)),
    )
    bool_mask = rng.random((4, 6)) > 0.3
    bool_mask[2] = False  # a query that may attend to nothing: 0, as PyTorch
    return [
        ((q, k, v), {}),
        ((q, k, v), {"scale": 0.3}),
        ((q, k, v), {"attn_mask": bool_mask}),
        ((q, k, v), {"attn_mask": rng.standard_normal((3, 4, 6))}),
        ((q, k, v), {"is_causal": True}),
        ((q[..., :6, :], k, v), {"is_causal": True}),
    ]


def test_scaled_dot_product_attention_matches_pytorch_values_and_gradients(rng):
    def sdpa(lib, *qkv, **kw):
        return lib.nn.functional.scaled_dot_product_attention(*qkv, **kw)

    for inputs, kw in _sdpa_cases(rng):
        matches_torch(sdpa, list(inputs), rng, torch_kwargs=kw)


def test_scaled_dot_product_attention_refuses_what_does_not_fit():
    q = xn.ones((2, 4, 8))
    with pytest.raises(xn.ShapeError, match="do not fit"):
        F.scaled_dot_product_attention(q, xn.ones((2, 5, 7)), xn.ones((2, 5, 3)))
    with pytest.raises(xn.ArgumentError, match="attn_mask or is_causal, not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=xn.ones((4, 4)) > 0, is_causal=True)
    with pytest.raises(xn.DTypeError, match="bool or floating"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=xn.ones((4, 4), dtype="int64"))


def test_tensor_t_view_as_gather_and_split_functions():
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(3, 4)
    x, t = xn.tensor(a), torch.tensor(a)
    idx = np.array([[0, 3], [1, 1], [2, 0]])
    np.testing.assert_array_equal(x.t().numpy(), t.t().numpy())
    np.testing.assert_array_equal(
        x.gather(1, xn.tensor(idx)).numpy(), t.gather(1, torch.tensor(idx)).numpy()
    )
    assert x.view_as(xn.zeros((4, 3))).shape == (4, 3) and xn.is_tensor(x) and not xn.is_tensor(a)
    assert [p.shape for p in xn.split(x, [1, 3], dim=1)] == [(3, 1), (3, 3)]
    assert [p.shape for p in xn.chunk(x, 2)] == [(2, 4), (1, 4)]
    with pytest.raises(xn.ShapeError, match="at most 2 dims"):
        xn.ones((2, 2, 2)).t()
