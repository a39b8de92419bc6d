"""Activations, pooling, padding modes, channel dropout, instance norm, pixel shuffle,
embedding padding and distances against PyTorch: values and the gradients of a random
cotangent in float64 (tests/torch_oracle.py), module reprs, errors, and every backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from tests.torch_oracle import matches_torch
from xpnet import nn


def _F(lib):
    return lib.nn.functional


CASES = {
    "softmin": (lambda lib, x: _F(lib).softmin(x, dim=1), [(3, 4)]),
    "glu": (lambda lib, x: _F(lib).glu(x, dim=-1), [(3, 6)]),
    "threshold": (lambda lib, x: _F(lib).threshold(x, 0.1, -2.0), [(3, 4)]),
    "tanhshrink": (lambda lib, x: _F(lib).tanhshrink(x), [(3, 4)]),
    "softshrink": (lambda lib, x: _F(lib).softshrink(x, 0.3), [(3, 4)]),
    "hardshrink": (lambda lib, x: _F(lib).hardshrink(x, 0.3), [(3, 4)]),
    "logsigmoid": (lambda lib, x: _F(lib).logsigmoid(x), [(3, 4)]),
    "prelu-one": (lambda lib, x, w: _F(lib).prelu(x, w), [(2, 3, 4), (1,)]),
    "prelu-channels": (lambda lib, x, w: _F(lib).prelu(x, w), [(2, 3, 4, 2), (3,)]),
    "max_pool1d": (lambda lib, x: _F(lib).max_pool1d(x, 3, 2, 1), [(2, 3, 9)]),
    "avg_pool1d": (lambda lib, x: _F(lib).avg_pool1d(x, 2), [(2, 3, 9)]),
    "adaptive_avg_pool1d": (lambda lib, x: _F(lib).adaptive_avg_pool1d(x, 4), [(2, 3, 9)]),
    "adaptive_max_pool1d": (lambda lib, x: _F(lib).adaptive_max_pool1d(x, 4), [(2, 3, 9)]),
    "adaptive_max_pool2d": (lambda lib, x: _F(lib).adaptive_max_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    "pad-reflect": (lambda lib, x: _F(lib).pad(x, (2, 1, 1, 2), mode="reflect"), [(2, 3, 4, 5)]),
    "pad-replicate": (
        lambda lib, x: _F(lib).pad(x, (3, 0, 2, 1), mode="replicate"),
        [(1, 2, 3, 4)],
    ),
    "pad-circular": (lambda lib, x: _F(lib).pad(x, (2, 3), mode="circular"), [(2, 3, 4)]),
    "instance_norm": (
        lambda lib, x, w, b: _F(lib).instance_norm(x, weight=w, bias=b),
        [(2, 3, 4, 5), (3,), (3,)],
    ),
    "pixel_shuffle": (lambda lib, x: _F(lib).pixel_shuffle(x, 2), [(2, 8, 3, 4)]),
    "pixel_unshuffle": (lambda lib, x: _F(lib).pixel_unshuffle(x, 2), [(2, 3, 4, 6)]),
    "pairwise_distance": (lambda lib, a, b: _F(lib).pairwise_distance(a, b), [(4, 5), (4, 5)]),
    "pairwise_distance-p1": (
        lambda lib, a, b: _F(lib).pairwise_distance(a, b, p=1.0, keepdim=True),
        [(4, 5), (4, 5)],
    ),
    "cdist": (lambda lib, a, b: lib.cdist(a, b), [(2, 4, 3), (2, 5, 3)]),
    "cdist-p1": (lambda lib, a, b: lib.cdist(a, b, p=1.0), [(4, 3), (5, 3)]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_functions_match_pytorch(case, rng):
    f, shapes = CASES[case]
    inputs = [rng.standard_normal(s) for s in shapes]
    if case.startswith("max") or "max_pool" in case:
        inputs[0] = rng.permutation(inputs[0].size).reshape(shapes[0]) * 0.1  # no ties
    matches_torch(f, inputs, rng)


def test_modules_match_pytorch_reprs_and_values(rng):
    torch = pytest.importorskip("torch")
    for name, args in [("Softmin", (1,)), ("GLU", ()), ("Threshold", (0.1, 20.0)), ("LogSigmoid", ()),
                       ("MaxPool2d", (2,)), ("AvgPool2d", (3, 2, 1)),
                       ("Tanhshrink", ()), ("Softshrink", (0.4,)), ("Hardshrink", ()), ("PReLU", (3,)),
                       ("MaxPool1d", (2,)), ("AvgPool1d", (3, 1, 1)), ("AdaptiveAvgPool1d", (2,)),
                       ("AdaptiveMaxPool1d", (2,)), ("AdaptiveMaxPool2d", ((2, 1),)),
                       ("PixelShuffle", (2,)), ("PixelUnshuffle", (2,)),
                       ("InstanceNorm1d", (3,)), ("InstanceNorm2d", (4,)),
                       ("Dropout1d", (0.3,)), ("Dropout2d", ()),
                       ("Embedding", (10, 3, 0))]:  # fmt: skip
        m, tm = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(m) == repr(tm), name
        if list(tm.state_dict()):
            m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
        shape = {"PReLU": (2, 3, 5), "MaxPool2d": (1, 2, 4, 4), "AvgPool2d": (1, 2, 5, 5),
                 "MaxPool1d": (2, 3, 8), "AvgPool1d": (2, 3, 8),
                 "AdaptiveAvgPool1d": (2, 3, 8), "AdaptiveMaxPool1d": (2, 3, 8),
                 "AdaptiveMaxPool2d": (2, 3, 4, 5), "PixelShuffle": (1, 8, 2, 3),
                 "PixelUnshuffle": (1, 2, 4, 6), "InstanceNorm1d": (2, 3, 6),
                 "InstanceNorm2d": (4, 5, 6), "Dropout1d": (2, 3, 4), "Dropout2d": (2, 3, 4, 4),
                 "GLU": (2, 4)}.get(name, (3, 4))  # fmt: skip
        x = rng.standard_normal(shape).astype(np.float32)
        m.eval(), tm.eval()
        if name == "Embedding":
            idx = np.array([[0, 3, 9], [0, 0, 1]])
            np.testing.assert_allclose(
                m(xn.tensor(idx)).numpy(), tm(torch.tensor(idx)).detach().numpy()
            )
            continue
        np.testing.assert_allclose(
            m(xn.tensor(x)).detach().numpy(),
            tm(torch.tensor(x)).detach().numpy(),
            rtol=1e-5,
            atol=1e-6,
        )


def test_channel_dropout_zeroes_whole_channels_and_scales():
    xn.manual_seed(0)
    x = xn.ones((4, 16, 5, 5))
    y = nn.Dropout2d(0.5)(x).numpy()
    per_channel = y.reshape(4, 16, -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # a channel is all or nothing
    assert 0.2 < (per_channel[:, :, 0] == 0).mean() < 0.8
    unbatched = nn.Dropout1d(0.5)(xn.ones((16, 7))).numpy()
    assert (unbatched.min(axis=1) == unbatched.max(axis=1)).all()


def test_dropout2d_of_a_2d_input_is_elementwise_with_a_warning_like_pytorch():
    """PyTorch's examples (mnist_rnn) put Dropout2d after an LSTM's (N, features) output:
    PyTorch warns and drops elements, as F.dropout does."""
    torch = pytest.importorskip("torch")
    xn.manual_seed(0)
    with pytest.warns(UserWarning, match=r"2-D input .* Use dropout"):
        y = nn.Dropout2d(0.5)(xn.ones((64, 64))).numpy()
    with pytest.warns(UserWarning, match="2-D input to dropout2d"):
        t = torch.nn.Dropout2d(0.5)(torch.ones(64, 64)).numpy()
    for a in (y, t):  # elementwise: rows and columns are mixed, the kept ones scaled by 2
        assert set(np.unique(a)) == {0.0, 2.0}
        assert (a.min(axis=1) != a.max(axis=1)).all() and 0.4 < (a == 0).mean() < 0.6


def test_embedding_padding_row_gets_no_gradient_and_from_pretrained():
    torch = pytest.importorskip("torch")
    m, tm = nn.Embedding(5, 3, padding_idx=1), torch.nn.Embedding(5, 3, padding_idx=1)
    assert not m.weight.numpy()[1].any()
    m.load_state_dict({"weight": tm.weight.detach().numpy() + 1.0})
    with torch.no_grad():
        tm.weight += 1.0  # a nonzero padding row: looked up as it is, never updated
    idx = np.array([[1, 2, 1], [4, 1, 0]])
    y, ty = m(xn.tensor(idx)), tm(torch.tensor(idx))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-6)
    assert not m.weight.grad.numpy()[1].any()
    w = xn.tensor(np.arange(6.0).reshape(3, 2))
    frozen = nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad and frozen.weight.shape == (3, 2)
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    np.testing.assert_array_equal(frozen(xn.tensor([2])).numpy(), [[4.0, 5.0]])


def test_pad_sequence_matches_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pad_sequence as tpad

    from xpnet.nn.utils.rnn import pad_sequence

    seqs = [np.arange(6.0).reshape(3, 2), np.ones((1, 2)), np.zeros((4, 2))]
    for kw in ({}, {"batch_first": True, "padding_value": -1.0}, {"padding_side": "left"}):
        got = pad_sequence([xn.tensor(s) for s in seqs], **kw)
        want = tpad([torch.tensor(s) for s in seqs], **kw)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_bad_arguments_are_refused():
    x = xn.ones((1, 2, 3, 3))
    with pytest.raises(xn.ShapeError, match="reflect padding"):
        nn.functional.pad(x, (3, 3), mode="reflect")
    with pytest.raises(xn.NotSupportedError, match="mode must be one of"):
        nn.functional.pad(x, (1, 1), mode="wrap")
    with pytest.raises(xn.ArgumentError, match=r"glu: dim -1 of shape .* odd size 3"):
        nn.functional.glu(x)
    with pytest.raises(xn.ShapeError, match="divisible by 4"):
        nn.functional.pixel_shuffle(x, 2)
    with pytest.raises(xn.NotSupportedError, match="track_running_stats"):
        nn.InstanceNorm2d(2, track_running_stats=True)
    with pytest.raises(xn.ArgumentError, match="padding_idx 7"):
        nn.Embedding(5, 2, padding_idx=7)
    with pytest.raises(xn.NotSupportedError, match="scale_grad_by_freq"):
        nn.Embedding(5, 2, scale_grad_by_freq=True)


@pytest.mark.parametrize(
    "name", ["pad-reflect", "adaptive_max_pool2d", "pixel_shuffle", "instance_norm"]
)
def test_every_backend_keeps_device_and_dtype(name, backend, rng):
    f, shapes = CASES[name]
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    want = f(xn, *(xn.tensor(a) for a in arrays)).numpy()
    ts = [xn.tensor(a, backend=backend, device=backend.device, requires_grad=True) for a in arrays]
    got = f(xn, *ts)
    assert got.backend is backend and backend.dtype_name(got.dtype) == "float32"
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    got.sum().backward()
    assert all(t.grad is not None and t.grad.backend is backend for t in ts)


def test_activation_constructors_take_pytorchs_inplace_and_print_its_repr():
    torch = pytest.importorskip("torch")
    names = ["ReLU", "LeakyReLU", "ELU", "SELU", "CELU", "Hardtanh", "ReLU6", "SiLU", "Hardswish",
             "Hardsigmoid", "Mish", "Threshold", "Softsign", "Sigmoid", "Tanh", "LogSigmoid",
             "Tanhshrink", "GELU", "Softplus", "Dropout"]  # fmt: skip
    x = np.linspace(-3, 3, 13).astype(np.float32)
    for name in names:
        args = (0.1, 0.0) if name == "Threshold" else ()
        for kw in ({}, {"inplace": True}):
            try:
                tm = getattr(torch.nn, name)(*args, **kw)
            except TypeError:
                continue  # PyTorch's layer has no inplace either
            m = getattr(nn, name)(*args, **kw)
            assert repr(m) == repr(tm), (name, kw)
            m.eval(), tm.eval()
            y = m(xn.tensor(x)).numpy()  # a new tensor even with inplace=True
            np.testing.assert_allclose(y, tm(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(xn.ArgumentError, match="inplace must be a bool"):
        nn.ReLU(0.5)


def test_loss_modules_match_pytorchs_and_refuse_bad_inputs(rng):
    torch = pytest.importorskip("torch")
    a, b, c = (rng.standard_normal((5, 3)) for _ in range(3))
    y = np.array([1, -1, 1, -1, 1])
    pairs = [
        ("MarginRankingLoss", dict(margin=0.2), (a[:, 0], b[:, 0], y)),
        ("HingeEmbeddingLoss", dict(margin=2.0), (a, np.sign(b))),
        ("SoftMarginLoss", {}, (a, np.sign(b))),
        ("CosineEmbeddingLoss", dict(margin=-0.2, reduction="sum"), (a, b, y)),
        ("TripletMarginLoss", dict(p=1.0), (a, b, c)),
        ("MultiLabelSoftMarginLoss", dict(reduction="none"), (a, (b > 0).astype(float))),
        ("GaussianNLLLoss", dict(eps=0.5), (a, b, c[:, 0] ** 2)),  # var below eps: clamped
        ("PoissonNLLLoss", dict(log_input=False), (a**2 + 0.1, np.abs(b))),
    ]
    for name, kw, args in pairs:
        m, tm = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
        # PyTorch differentiates the margin losses in their inputs, not in their labels
        labels = {"MarginRankingLoss": 2, "HingeEmbeddingLoss": 1, "SoftMarginLoss": 1,
                  "CosineEmbeddingLoss": 2, "MultiLabelSoftMarginLoss": 1}.get(name)  # fmt: skip
        grad = [i != labels and v.dtype.kind == "f" for i, v in enumerate(args)]
        xs = [xn.tensor(v, requires_grad=g) for v, g in zip(args, grad, strict=True)]
        ts = [torch.tensor(v, requires_grad=g) for v, g in zip(args, grad, strict=True)]
        got, want = m(*xs), tm(*ts)
        np.testing.assert_allclose(
            got.detach().numpy(), want.detach().numpy(), rtol=1e-10, err_msg=name
        )
        got.sum().backward()
        want.sum().backward()
        for x, t in zip(xs, ts, strict=True):
            if t.grad is not None:
                np.testing.assert_allclose(
                    x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
                )
    with pytest.raises(xn.ArgumentError, match="var has negative entries"):
        nn.functional.gaussian_nll_loss(xn.ones(3), xn.ones(3), -xn.ones(3))
    with pytest.raises(xn.ShapeError, match=r"var .* does not fit"):
        nn.functional.gaussian_nll_loss(xn.ones((3, 2)), xn.ones((3, 2)), xn.ones(2))
    with pytest.raises(xn.ShapeError, match="cosine_embedding_loss"):
        nn.functional.cosine_embedding_loss(xn.ones((3, 2)), xn.ones((3, 2)), xn.ones((3, 2)))
    with pytest.raises(xn.ShapeError, match="one shape"):
        nn.functional.triplet_margin_loss(xn.ones((3, 2)), xn.ones((3, 2)), xn.ones((2, 2)))


def test_batchnorm3d_and_batchnorm_reprs_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"):
        for kw in ({}, {"affine": False}, {"track_running_stats": False, "momentum": None}):
            assert repr(getattr(nn, name)(4, **kw)) == repr(getattr(torch.nn, name)(4, **kw))
    m, tm = nn.BatchNorm3d(3, dtype="float64"), torch.nn.BatchNorm3d(3).double()
    x = rng.standard_normal((2, 3, 4, 5, 2))
    for _ in range(2):  # training: batch statistics, running ones updated
        np.testing.assert_allclose(
            m(xn.tensor(x)).numpy(), tm(torch.tensor(x)).detach().numpy(), atol=1e-12
        )
    np.testing.assert_allclose(m.running_var.numpy(), tm.running_var.numpy(), rtol=1e-12)
    m.eval(), tm.eval()
    np.testing.assert_allclose(
        m(xn.tensor(x)).numpy(), tm(torch.tensor(x)).detach().numpy(), atol=1e-12
    )
    with pytest.raises(xn.ShapeError, match="expected a 5-D input"):
        m(xn.tensor(x[0]))


def test_second_day_module_and_loader_arguments():
    """PyTorch spellings that failed: model.to(dtype), Sequential(OrderedDict), F.relu(...,
    inplace=), F.softmax(dtype=), DataLoader(num_workers=, pin_memory=), Adam(foreach=,
    fused=, capturable=), Conv padding="same"/padding_mode, pooling ceil_mode."""
    torch = pytest.importorskip("torch")
    from collections import OrderedDict

    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert m.to(xn.float64)[0].weight.dtype == xn.tensor([1.0], dtype="float64").dtype
    assert m.to("cpu", "float32")[0].weight.dtype == xn.tensor([1.0], dtype="float32").dtype
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.ReLU(), out=nn.Linear(3, 1)))
    tnamed = torch.nn.Sequential(OrderedDict(fc=torch.nn.Linear(2, 3), act=torch.nn.ReLU(),
                                             out=torch.nn.Linear(3, 1)))  # fmt: skip
    assert repr(named) == repr(tnamed) and list(named.state_dict()) == list(tnamed.state_dict())
    assert named.fc is named[0] and list(named[1:].state_dict()) == ["out.weight", "out.bias"]
    x = xn.tensor([-1.0, 2.0])
    np.testing.assert_array_equal(nn.functional.relu(x, inplace=True).numpy(), [0.0, 2.0])
    assert x.numpy()[0] == -1.0  # a new tensor: the input keeps its values
    sm = nn.functional.softmax(xn.tensor([1.0, 2.0]), dim=0, dtype=xn.float64)
    assert sm.dtype == xn.tensor([1.0], dtype="float64").dtype
    loader = xn.data.DataLoader(xn.data.TensorDataset(np.ones((4, 2))), batch_size=2,
                                num_workers=4, pin_memory=True, persistent_workers=True)  # fmt: skip
    assert len(list(loader)) == 2
    with pytest.raises(xn.ArgumentError, match="num_workers"):
        xn.data.DataLoader(xn.data.TensorDataset(np.ones((4, 2))), num_workers=-1)
    xn.optim.Adam(m.parameters(), foreach=True, fused=False, capturable=True)
    xn.optim.SGD(m.parameters(), lr=0.1, foreach=False)
    with pytest.raises(xn.NotSupportedError, match="differentiable"):
        xn.optim.AdamW(m.parameters(), differentiable=True)


@pytest.mark.parametrize(
    ("cls", "args", "kw", "shape"),
    [
        ("Conv2d", (3, 2, 4), dict(padding="same"), (2, 3, 6, 5)),
        ("Conv2d", (3, 2, 3), dict(padding="valid", stride=2), (2, 3, 6, 5)),
        ("Conv2d", (3, 2, 3), dict(padding=(1, 2), padding_mode="reflect"), (2, 3, 6, 5)),
        ("Conv2d", (3, 2, 4), dict(padding="same", padding_mode="circular", dilation=2), (1, 3, 7, 7)),
        ("Conv1d", (3, 2, 3), dict(padding=2, padding_mode="replicate"), (2, 3, 7)),
        ("Conv1d", (3, 2, 4), dict(padding="same"), (2, 3, 7)),
        ("MaxPool2d", (3, 2), dict(ceil_mode=True), (1, 2, 6, 7)),
        ("AvgPool2d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False), (1, 2, 6, 7)),
        ("AvgPool1d", (3, 2, 1), dict(count_include_pad=False), (2, 2, 8)),
        ("MaxPool1d", (2,), dict(ceil_mode=True), (2, 2, 7)),
    ],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_padding_modes_and_pooling_options_match_pytorch(cls, args, kw, shape, rng):
    torch = pytest.importorskip("torch")
    tm = getattr(torch.nn, cls)(*args, **kw).double()
    m = getattr(nn, cls)(*args, **kw, **({"dtype": "float64"} if "Conv" in cls else {}))
    assert repr(m) == repr(tm)
    if list(tm.state_dict()):
        m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = rng.permutation(np.prod(shape)).reshape(shape) * 0.1  # no ties for the max
    xs, ts = xn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(xs), tm(ts)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    (y * xn.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), ts.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("args", "kw", "shape"), [((2,), {}, (2, 3, 6, 6)), ((3, 2, 1), {}, (2, 2, 7, 6)),
                                                   ((3, 2), {"ceil_mode": True}, (1, 2, 7, 8))])  # fmt: skip
def test_max_pool_indices_and_unpool_match_pytorch(args, kw, shape, rng):
    torch = pytest.importorskip("torch")
    x0 = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.5  # no ties
    x, tx = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    (o, i), (to, ti) = (
        nn.MaxPool2d(*args, return_indices=True, **kw)(x),
        torch.nn.MaxPool2d(*args, return_indices=True, **kw)(tx),
    )
    np.testing.assert_array_equal(o.detach().numpy(), to.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert i.dtype == xn.tensor([1]).dtype  # int64
    u = nn.MaxUnpool2d(*args[:3])(o, i, output_size=shape[-2:])
    tu = torch.nn.MaxUnpool2d(*args[:3])(to, ti, output_size=shape[-2:])
    np.testing.assert_array_equal(u.detach().numpy(), tu.detach().numpy())
    g = rng.standard_normal(shape)
    (u * xn.tensor(g)).sum().backward()
    (tu * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    with pytest.raises(xn.OutOfRangeError, match="max_unpool2d"):
        nn.functional.max_unpool2d(o.detach(), i * 0 + 10_000, *args[:3])


def test_bilinear_matches_pytorch_with_its_state_dict_and_initialisation(rng):
    torch = pytest.importorskip("torch")
    m, tm = nn.Bilinear(3, 2, 4), torch.nn.Bilinear(3, 2, 4)
    assert repr(m) == repr(tm)
    assert [k for k, _ in m.named_parameters()] == [k for k, _ in tm.named_parameters()]
    bound = 1 / np.sqrt(3)
    assert float(m.weight.abs().max()) <= bound and float(m.bias.abs().max()) <= bound
    m, tm = m.double(), tm.double()
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    a, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 2))
    xa, xb = xn.tensor(a, requires_grad=True), xn.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, ty = m(xa, xb), tm(ta, tb)
    assert y.shape == (2, 5, 4) and y.dtype == xn.float64
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    (y**2).sum().backward()
    (ty**2).sum().backward()
    for x, t in ((xa, ta), (xb, tb), (m.weight, tm.weight), (m.bias, tm.bias)):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(xn.ShapeError, match="bilinear: inputs"):
        m(xa, xa)
    assert nn.Bilinear(3, 2, 4, bias=False).bias is None


def test_rmsnorm_cosine_similarity_and_pairwise_distance_modules_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((2, 3, 8)).astype(np.float32)
    b = np.random.default_rng(4).standard_normal((2, 3, 8)).astype(np.float32)
    tm = torch.nn.RMSNorm(8)
    with torch.no_grad():
        tm.weight.copy_(torch.linspace(0.5, 1.5, 8))
    m = xn.nn.RMSNorm(8)
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)
    x = xn.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    m(x).pow(2).sum().backward()
    tm(tx).pow(2).sum().backward()
    np.testing.assert_allclose(m(x).detach().numpy(), tm(tx).detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-4)
    assert xn.nn.RMSNorm((3, 8), elementwise_affine=False).weight is None
    for ours, theirs in [(xn.nn.CosineSimilarity(dim=2), torch.nn.CosineSimilarity(dim=2)),
                         (xn.nn.PairwiseDistance(p=1.0, keepdim=True),
                          torch.nn.PairwiseDistance(p=1.0, keepdim=True))]:  # fmt: skip
        got = ours(xn.tensor(a), xn.tensor(b))
        want = theirs(torch.tensor(a), torch.tensor(b))
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)
