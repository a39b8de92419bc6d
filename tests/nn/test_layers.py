"""Shape inference and device placement for every layer, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

# (layer factory taking backend kwargs, input shape, output shape, integer input?)
CASES = [
    (lambda kw: nn.Linear(6, 4, **kw), (3, 6), (3, 4), False),
    (lambda kw: nn.Linear(6, 4, bias=False, **kw), (2, 5, 6), (2, 5, 4), False),
    (lambda kw: nn.Conv2d(2, 5, 3, **kw), (2, 2, 8, 7), (2, 5, 6, 5), False),
    (
        lambda kw: nn.Conv2d(2, 5, (3, 1), stride=2, padding=1, dilation=(1, 2), **kw),
        (1, 2, 8, 8),
        (1, 5, 4, 5),
        False,
    ),
    (lambda kw: nn.MaxPool2d(2), (2, 3, 8, 6), (2, 3, 4, 3), False),
    (lambda kw: nn.MaxPool2d(3, stride=2, padding=1), (1, 1, 7, 7), (1, 1, 4, 4), False),
    (lambda kw: nn.AvgPool2d(2, stride=1), (1, 2, 4, 4), (1, 2, 3, 3), False),
    (lambda kw: nn.Flatten(), (2, 3, 4, 5), (2, 60), False),
    (lambda kw: nn.Dropout(0.5), (4, 5), (4, 5), False),
    (lambda kw: nn.BatchNorm1d(3, **kw), (4, 3), (4, 3), False),
    (lambda kw: nn.BatchNorm1d(3, **kw), (4, 3, 7), (4, 3, 7), False),
    (lambda kw: nn.BatchNorm2d(3, **kw), (2, 3, 4, 4), (2, 3, 4, 4), False),
    (lambda kw: nn.LayerNorm((4, 5), **kw), (2, 3, 4, 5), (2, 3, 4, 5), False),
    (lambda kw: nn.Embedding(10, 3, **kw), (2, 4), (2, 4, 3), True),
    (lambda kw: nn.ReLU(), (2, 3), (2, 3), False),
    (lambda kw: nn.LeakyReLU(0.1), (2, 3), (2, 3), False),
    (lambda kw: nn.Sigmoid(), (2, 3), (2, 3), False),
    (lambda kw: nn.Tanh(), (2, 3), (2, 3), False),
    (lambda kw: nn.GELU(), (2, 3), (2, 3), False),
    (lambda kw: nn.Softmax(dim=1), (2, 3), (2, 3), False),
    (lambda kw: nn.LogSoftmax(), (2, 3), (2, 3), False),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_shapes_and_placement(case, backend):
    make, in_shape, out_shape, integer = CASES[case]
    kw = {"backend": backend, "device": backend.device}
    layer = make(kw)
    if integer:
        x = xn.randint(0, 10, in_shape, **kw)
    else:
        x = xn.randn(*in_shape, **kw)
    y = layer(x)
    assert y.shape == out_shape
    assert y.backend is backend and backend.dtype_name(y.dtype) == "float32"
    for t in [*layer.parameters(), *layer.buffers()]:
        assert t.backend is backend, f"{type(layer).__name__} state on {t.backend}"
    if any(True for _ in layer.parameters()):
        y.sum().backward()
        assert all(p.grad is not None and p.grad.backend is backend for p in layer.parameters())


def test_layer_dtype_keyword(backend):
    if not backend.float64:
        pytest.skip("no float64 on this device")
    lin = nn.Linear(3, 2, backend=backend, device=backend.device, dtype="float64")
    assert backend.dtype_name(lin.weight.dtype) == "float64"
    assert (
        backend.dtype_name(
            lin(xn.randn(4, 3, dtype="float64", backend=backend, device=backend.device)).dtype
        )
        == "float64"
    )


def test_layers_default_to_the_current_backend():
    with xn.use_backend("array_api_strict", "device2") as b:
        lin = nn.Linear(2, 2)
        bn = nn.BatchNorm2d(2)
    assert lin.weight.backend is b and bn.running_var.backend is b


def test_dropout_train_and_eval():
    d = nn.Dropout(0.5, generator=xn.Generator(0))
    x = xn.ones(1000)
    y = d(x).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 400 < (y == 0).sum() < 600
    d.eval()
    assert d(x) is x


@pytest.mark.parametrize("momentum", [0.2, None], ids=["exponential", "cumulative"])
def test_batchnorm_running_statistics_match_pytorch(momentum):
    torch = pytest.importorskip("torch")
    xn.manual_seed(0)
    bn = nn.BatchNorm2d(3, momentum=momentum)
    tbn = torch.nn.BatchNorm2d(3, momentum=momentum)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 2, 2)).astype(np.float32) * 2 + 1
        y = bn(xn.tensor(x))
        ty = tbn(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        bn.running_mean.numpy(), tbn.running_mean.numpy(), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        bn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-5, atol=1e-6
    )
    assert bn.num_batches_tracked.item() == 3
    bn.eval()
    tbn.eval()
    x = rng.standard_normal((2, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(
        bn(xn.tensor(x)).numpy(), tbn(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )


def test_shape_errors_name_the_layer():
    with pytest.raises(
        xn.ShapeError, match=r"linear: input of shape \(2, 5\) has 5 features.*expects 3"
    ):
        nn.Linear(3, 4)(xn.ones(2, 5))
    with pytest.raises(xn.ShapeError, match=r"conv2d: input has 2 channels"):
        nn.Conv2d(3, 4, 3)(xn.ones(1, 2, 5, 5))
    with pytest.raises(xn.ShapeError, match="smaller than"):
        nn.Conv2d(1, 1, 5)(xn.ones(1, 1, 3, 3))
    with pytest.raises(xn.ShapeError, match=r"BatchNorm2d\(3\): expected a 4-D input"):
        nn.BatchNorm2d(3)(xn.ones(2, 3))


@pytest.mark.parametrize("index", [-1, 10])
def test_embedding_rejects_out_of_range_indices(index):
    emb = nn.Embedding(10, 3)
    with pytest.raises(
        xn.OutOfRangeError, match=rf"embedding: index {index} is out of range for 10 rows"
    ):
        emb(xn.tensor([0, index]))
    with pytest.raises(IndexError):  # also an IndexError, as in PyTorch
        emb(xn.tensor([index]))


def test_embedding_out_of_range_on_a_device_is_nan_then_an_error_at_the_next_read():
    b = xn.get_backend("array_api_strict", "device1")
    emb = nn.Embedding(4, 2, backend=b)
    out = emb(xn.tensor([[1, 7]], backend=b))  # no host read: the step goes on
    with pytest.raises(xn.OutOfRangeError, match="embedding: an index was out of range for 4 rows"):
        out.numpy()
    got = out.numpy()  # the error was raised once; the value shows NaN where the index was bad
    assert np.isnan(got[0, 1]).all() and np.isfinite(got[0, 0]).all()
    assert emb(xn.tensor([0, 3], backend=b)).numpy().shape == (2, 2)


def test_batchnorm_cumulative_average_reads_nothing_back_on_a_device():
    b = xn.get_backend("array_api_strict", "device1")
    bn = nn.BatchNorm1d(2, momentum=None, backend=b)
    before = xn.backend.HOST_READS[0]
    for k in range(3):
        bn(xn.tensor([[1.0 + k, 2.0], [3.0, 4.0 * k]], backend=b))
    assert xn.backend.HOST_READS[0] == before


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda: nn.Conv2d(1, 1, 0), "kernel_size must be .* positive"),
        (lambda: nn.Conv2d(1, 1, 3, stride=0), "stride must be .* positive"),
        (lambda: nn.Conv2d(1, 1, 3, dilation=0), "dilation must be .* positive"),
        (lambda: nn.Conv2d(1, 1, 3, padding=-1), "padding must be .* non-negative"),
        (lambda: nn.MaxPool2d(0)(xn.ones(1, 1, 4, 4)), "kernel_size must be .* positive"),
        (lambda: nn.MaxPool2d(2, stride=0)(xn.ones(1, 1, 4, 4)), "stride must be .* positive"),
        (lambda: nn.MaxPool2d(2, padding=2)(xn.ones(1, 1, 4, 4)), "more than half the kernel"),
        (lambda: nn.AvgPool2d(3, padding=2)(xn.ones(1, 1, 4, 4)), "more than half the kernel"),
    ],
)
def test_convolution_and_pooling_geometry_is_checked(make, pattern):
    with pytest.raises(xn.ArgumentError, match=pattern):
        make()


@pytest.mark.parametrize(
    "geometry",
    [dict(kernel=(3, 3)), dict(kernel=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1))],
)
def test_unfold_and_fold_match_pytorch(geometry):
    """PyTorch's F.unfold/F.fold as the oracle: layout (N, C*kh*kw, L), values and gradients."""
    torch = pytest.importorskip("torch")
    k = geometry["kernel"]
    opts = {
        key: geometry.get(key, d) for key, d in (("stride", 1), ("padding", 0), ("dilation", 1))
    }
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 7)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    tcols = torch.nn.functional.unfold(tx, k, **opts)
    xx = xn.tensor(x, requires_grad=True)
    cols = xn.nn.functional.unfold(xx, **geometry)
    np.testing.assert_array_equal(cols.numpy(), tcols.detach().numpy())
    w = np.random.default_rng(1).standard_normal(tuple(cols.shape)).astype(np.float32)
    (tcols * torch.tensor(w)).sum().backward()
    (cols * xn.tensor(w)).sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
    folded = xn.nn.functional.fold(xn.tensor(w), (2, 3, 6, 7), **geometry)
    tfolded = torch.nn.functional.fold(torch.tensor(w), (6, 7), k, **opts)
    np.testing.assert_allclose(folded.numpy(), tfolded.numpy(), rtol=1e-6, atol=1e-6)
    assert folded.shape == (2, 3, 6, 7) and folded.dtype == xn.float32
    # PyTorch's positional order (kernel_size, dilation, padding, stride) and the modules
    pos = (k, opts["dilation"], opts["padding"], opts["stride"])
    np.testing.assert_array_equal(xn.nn.functional.unfold(xx, *pos).numpy(), tcols.detach().numpy())
    again = xn.nn.functional.fold(xn.tensor(w), (6, 7), *pos)
    np.testing.assert_allclose(again.numpy(), tfolded.numpy(), rtol=1e-6, atol=1e-6)
    m, tm = xn.nn.Unfold(*pos), torch.nn.Unfold(*pos)
    assert repr(m) == repr(tm)
    np.testing.assert_array_equal(m(xx).numpy(), tm(tx).detach().numpy())
    f, tf = xn.nn.Fold((6, 7), *pos), torch.nn.Fold((6, 7), *pos)
    assert repr(f) == repr(tf)
    np.testing.assert_allclose(f(xn.tensor(w)).numpy(), tf(torch.tensor(w)).numpy(), rtol=1e-6)
