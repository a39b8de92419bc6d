"""Losses: numerical stability at extreme logits, reductions and label errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn
import xpnet.nn.functional as F
from xpnet import nn


def _finite(t):
    return bool(np.isfinite(t.numpy()).all())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logit_losses_are_finite_at_1e4(backend, dtype):
    if dtype == "float64" and not backend.float64:
        pytest.skip("no float64 on this device")
    kw = {"backend": backend, "device": backend.device, "dtype": dtype}
    logits = xn.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], requires_grad=True, **kw)
    labels = xn.tensor([1, 0], backend=backend, device=backend.device)
    targets = xn.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], **kw)
    for loss in (
        F.cross_entropy(logits, labels),
        F.cross_entropy(logits, labels, label_smoothing=0.1),
        F.nll_loss(F.log_softmax(logits, axis=1), labels),
        F.binary_cross_entropy_with_logits(logits, targets),
        F.binary_cross_entropy(F.sigmoid(logits), targets),
        F.log_sigmoid(logits).sum(),
        F.softplus(logits).sum(),
        xn.logsumexp(logits, axis=1).sum(),
    ):
        logits.grad = None
        loss.backward()
        assert _finite(loss) and _finite(logits.grad), loss
        assert backend.dtype_name(logits.grad.dtype) == dtype


def test_cross_entropy_of_confident_wrong_answer_is_large_not_inf():
    loss = F.cross_entropy(xn.tensor([[1e4, -1e4]]), xn.tensor([1]))
    assert loss.item() == pytest.approx(2e4, rel=1e-6)


def test_reductions():
    a, b = xn.tensor([[1.0, 2.0], [3.0, 5.0]]), xn.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert F.mse_loss(a, b, "sum").item() == 29.0
    assert F.mse_loss(a, b).item() == 29.0 / 4
    assert F.l1_loss(a, b, "none").tolist() == [[0.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(a, b, "avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_label_errors():
    logits = xn.zeros(3, 4)
    with pytest.raises(xn.DTypeError, match="class-index targets must be integers"):
        F.cross_entropy(logits, xn.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(IndexError, match="class index 4 is out of range for 4 classes"):
        F.cross_entropy(logits, xn.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="class index -1"):
        F.nll_loss(logits, xn.tensor([0, -1, 1]))
    with pytest.raises(xn.ShapeError, match="target of shape"):
        F.cross_entropy(logits, xn.tensor([0, 1]))
    with pytest.raises(xn.ShapeError, match="same shape"):
        F.mse_loss(logits, xn.zeros(3))


def test_ignore_index_is_excluded_from_the_mean():
    logits = xn.tensor([[2.0, 0.0], [0.0, 2.0], [5.0, -5.0]])
    full = F.cross_entropy(logits[:2], xn.tensor([0, 1]))
    ignored = F.cross_entropy(logits, xn.tensor([0, 1, -100]))
    assert ignored.item() == pytest.approx(full.item())


def test_loss_modules_match_functions():
    x, t = xn.randn(4, 3), xn.randn(4, 3)
    assert nn.HuberLoss(delta=0.5)(x, t).item() == F.huber_loss(x, t, delta=0.5).item()
    y = xn.tensor([0, 2, 1, 1])
    assert (
        nn.CrossEntropyLoss(label_smoothing=0.1)(x, y).item()
        == F.cross_entropy(x, y, label_smoothing=0.1).item()
    )
    assert nn.NLLLoss(reduction="sum")(x, y).item() == F.nll_loss(x, y, reduction="sum").item()


def test_cross_entropy_label_errors_on_a_device_are_deferred_not_synchronised():
    b = xn.get_backend("array_api_strict", "device1")
    logits = xn.zeros(3, 4, backend=b, requires_grad=True)
    reads = xn.backend.HOST_READS[0]
    loss = F.cross_entropy(logits, xn.tensor([0, 9, -100], backend=b))
    loss.backward()
    assert xn.backend.HOST_READS[0] == reads  # validating the labels read nothing back
    with pytest.raises(
        xn.OutOfRangeError, match="cross_entropy: a class index was out of range for 4 classes"
    ):
        loss.item()
    assert np.isnan(loss.item())


def test_cross_entropy_over_nothing_is_nan_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(F.cross_entropy(xn.zeros(0, 3), xn.zeros(0, dtype="int64")).item())
        assert np.isnan(F.cross_entropy(xn.zeros(2, 3), xn.full((2,), -100, dtype="int64")).item())
        assert np.isnan(F.nll_loss(xn.zeros(2, 3), xn.full((2,), -100, dtype="int64")).item())


@pytest.mark.parametrize(
    "values, want",
    [([0.0, 0.5, 1.0], False), ([0.5, -1e-7], True), ([1.0 + 1e-3, 0.2], True),
     ([float("nan"), 0.3], True), ([float("inf")], True), ([-float("inf")], True), ([], False)],
)  # fmt: skip
def test_the_probability_check_is_one_primitive(backend, values, want):
    """outside: any element not in [lo, hi] (NaN is not, as PyTorch's check); the bounds are."""
    from xpnet.ops.internal import outside_p

    x = xn.tensor(np.array(values, dtype=np.float32), backend=backend)
    flag = outside_p(x, lo=0.0, hi=1.0)
    assert flag.shape == () and backend.dtype_name(flag.dtype) == "bool"
    assert flag.device == x.device and bool(flag.numpy()) is want


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64"])
@pytest.mark.parametrize("ignore", [None, -100, 3, 300])
def test_the_index_check_is_one_primitive_for_every_integer_dtype(backend, dtype, ignore):
    """out_of_range: indices outside [0, n) other than ``ignore``, as a mask or one flag,
    with comparisons the dtype cannot hold left out (uint8 is never -100 or 300)."""
    from xpnet.ops._shape import out_of_range_p

    values = {"int8": [0, 3, -1, 4, 2, 127], "uint8": [0, 3, 4, 255, 2, 1]}.get(
        dtype, [0, 3, -1, 4, 300, -100]
    )
    idx = xn.tensor(np.array(values).astype(dtype), backend=backend)
    host = np.array(values).astype(dtype).astype(np.int64)
    want = (host < 0) | (host >= 4)
    if ignore is not None:
        want &= host != ignore
    mask = out_of_range_p(idx, n=4, ignore=ignore, reduce=False)
    flag = out_of_range_p(idx, n=4, ignore=ignore, reduce=True)
    np.testing.assert_array_equal(mask.numpy(), want)
    assert bool(flag.numpy()) == bool(want.any()) and flag.shape == ()
    assert mask.device == idx.device and backend.dtype_name(mask.dtype) == "bool"
    in_range = xn.tensor(np.array([0, 1, 3]).astype(dtype), backend=backend)
    assert not bool(out_of_range_p(in_range, n=4, ignore=ignore, reduce=True).numpy())


def test_binary_cross_entropy_hessian_matches_pytorch_and_keeps_its_digits_near_0_and_1():
    """The fused mean's second derivative: PyTorch's values (float64) inside (0, 1) and its
    convention at p = 0 or 1; near the ends in float32 it keeps its digits where PyTorch's
    float32 Hessian is 0 (p = 1 - 1e-7, t = 1: the exact value is 1/n)."""
    torch = pytest.importorskip("torch")
    p = np.array([0.3, 0.5, 0.9, 0.0, 1.0, 0.0], dtype=np.float64)
    t = np.array([0.2, 0.5, 1.0, 0.0, 1.0, 1.0], dtype=np.float64)
    want = np.diag(torch.autograd.functional.hessian(
        lambda q: torch.nn.functional.binary_cross_entropy(q, torch.tensor(t)), torch.tensor(p)
    ).numpy())  # fmt: skip
    h = xn.autodiff.hessian(lambda q: F.binary_cross_entropy(q, xn.tensor(t, dtype="float64")))(
        xn.tensor(p, dtype="float64")
    )
    np.testing.assert_allclose(np.diag(h.numpy()), want, rtol=1e-10)
    near = np.array([1 - 1e-7, 1e-7], dtype=np.float32)
    h32 = xn.autodiff.hessian(lambda q: F.binary_cross_entropy(q, xn.tensor([1.0, 0.0])))(
        xn.tensor(near)
    )
    p32 = near.astype(np.float64)  # the float32 values, exactly
    exact = np.array([(p32[0] - 1.0) ** 2, p32[1] ** 2]) / (p32 * (1 - p32)) ** 2 / 2
    np.testing.assert_allclose(np.diag(h32.numpy()), exact, rtol=1e-5)


@pytest.mark.parametrize(
    ("legacy", "reduction"),
    [({"size_average": False}, "sum"), ({"reduce": False}, "none"),
     ({"size_average": True, "reduce": True}, "mean"), ({"size_average": False, "reduce": False}, "none")],
)  # fmt: skip
def test_pytorchs_deprecated_size_average_and_reduce_as_pytorch(legacy, reduction):
    """Old scripts' ``nn.MSELoss(size_average=False)`` and ``F.nll_loss(..., reduce=False)``:
    the reduction PyTorch maps them to, with its warning, modules and functions alike."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    logp, labels = np.log(np.full((4, 3), 1 / 3)), np.array([0, 2, 1, 1])
    cases = [
        (lambda m: m.nn.MSELoss(**legacy), (x, y)),
        (lambda m: m.nn.L1Loss(**legacy), (x, y)),
        (lambda m: m.nn.NLLLoss(**legacy), (logp, labels)),
        (lambda m: m.nn.CrossEntropyLoss(weight=None, **legacy), (x, labels)),
        (lambda m: lambda a, b: m.nn.functional.mse_loss(a, b, **legacy), (x, y)),
        (lambda m: lambda a, b: m.nn.functional.nll_loss(a, b, **legacy), (logp, labels)),
    ]
    for make, (a, b) in cases:
        with pytest.warns(UserWarning, match=f"please use reduction='{reduction}' instead"):
            loss = make(xn)
            got = loss(xn.tensor(a), xn.tensor(b))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            want = make(torch)(torch.tensor(a), torch.tensor(b))
        if hasattr(loss, "reduction"):
            assert loss.reduction == reduction
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
