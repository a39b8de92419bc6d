"""PyTorch's spellings at xn's top level (xpnet/_torch_functions.py): cat/concat/stack
with dim=, isclose/allclose (PyTorch as the oracle), the *_like draws, from_numpy and
inference_mode."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xpnet as xn


def test_cat_concat_stack_take_dim_or_axis(backend, rng):
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal((2, 3)).astype(np.float32)
    ta, tb = (xn.tensor(v, backend=backend, requires_grad=True) for v in (a, b))
    for got, want in [
        (xn.cat([ta, tb]), np.concatenate([a, b])),
        (xn.cat([ta, tb], 1), np.concatenate([a, b], 1)),
        (xn.cat([ta, tb], dim=1), np.concatenate([a, b], 1)),
        (xn.cat([ta, tb], axis=-1), np.concatenate([a, b], -1)),
        (xn.concat([ta, tb], dim=1), np.concatenate([a, b], 1)),
        (xn.concat([ta, tb], axis=None), np.concatenate([a.ravel(), b.ravel()])),
        (xn.concat((ta, tb)), np.concatenate([a, b])),
        (xn.stack([ta, tb], dim=2), np.stack([a, b], 2)),
        (xn.stack([ta, tb], 1), np.stack([a, b], 1)),
        (xn.stack([ta, tb]), np.stack([a, b])),
    ]:
        assert got.backend is backend and got.dtype == ta.dtype
        np.testing.assert_array_equal(got.detach().numpy(), want)
    (xn.cat([ta, tb], dim=1) * xn.tensor(2.0, backend=backend)).sum().backward()
    np.testing.assert_array_equal(ta.grad.numpy(), np.full((2, 3), 2, np.float32))
    for f in (xn.cat, xn.concat, xn.stack):
        with pytest.raises(xn.ArgumentError, match="axis=1 and dim=0 disagree"):
            f([ta, tb], dim=0, axis=1)


_VALUES = [0.0, 1.0, 1.0 + 1e-9, 1.0 + 1e-3, -1.0, math.inf, -math.inf, math.nan, 1e-10, 100.0]


@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("tol", [{}, {"rtol": 1e-2, "atol": 0.0}, {"rtol": 0.0, "atol": 1e-9}])
def test_isclose_and_allclose_match_pytorch(tol, equal_nan):
    torch = pytest.importorskip("torch")
    pairs = [(x, y) for x in _VALUES for y in _VALUES]
    a = np.array([p[0] for p in pairs], np.float64)
    b = np.array([p[1] for p in pairs], np.float64)
    got = xn.isclose(xn.tensor(a), xn.tensor(b), equal_nan=equal_nan, **tol)
    want = torch.isclose(torch.tensor(a), torch.tensor(b), equal_nan=equal_nan, **tol)
    assert xn.get_backend().dtype_name(got.dtype) == "bool"
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    for x, y in [(a[:5], b[:5]), (a, a), (a[:3] + 1e-12, a[:3])]:
        assert xn.allclose(xn.tensor(x), xn.tensor(y), equal_nan=equal_nan, **tol) == bool(
            torch.allclose(torch.tensor(x), torch.tensor(y), equal_nan=equal_nan, **tol)
        )


def test_isclose_of_integers_and_scalars(backend):
    i = xn.tensor([1, 2, 3], backend=backend)
    assert xn.isclose(i, xn.tensor([1, 2, 4], backend=backend)).tolist() == [True, True, False]
    assert xn.isclose(i, 2).tolist() == [False, True, False]
    assert xn.isclose(2.0, xn.tensor([2.0, 2.1], backend=backend), rtol=0.1).tolist() == [
        True,
        True,
    ]
    assert xn.allclose(xn.ones(3, backend=backend), 1.0)
    with pytest.raises(xn.ArgumentTypeError, match="at least one of a and b must be a Tensor"):
        xn.isclose(1.0, 1.0)
    with pytest.raises(xn.ArgumentError, match="rtol and atol must be >= 0"):
        xn.isclose(i, i, atol=-1.0)


def test_random_like_draws_take_the_tensors_shape_dtype_and_device(backend):
    x = xn.zeros((3, 4), backend=backend)
    for draw in (xn.rand_like, xn.randn_like):
        xn.manual_seed(3)
        y = draw(x)
        xn.manual_seed(3)
        assert y.shape == (3, 4) and y.dtype == x.dtype and y.backend is backend
        np.testing.assert_array_equal(draw(x).numpy(), y.numpy())  # the seeded generator
    r = xn.rand_like(x)
    assert float(r.numpy().min()) >= 0.0 and float(r.numpy().max()) < 1.0
    ints = xn.randint_like(x, 5)
    assert ints.dtype == x.dtype and set(np.unique(ints.numpy())) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    between = xn.randint_like(x, 2, 4, dtype="int64")
    assert backend.dtype_name(between.dtype) == "int64"
    assert set(np.unique(between.numpy())) <= {2, 3}
    assert xn.randn_like(x, requires_grad=True).requires_grad


def test_from_numpy_shares_memory_and_refuses_other_data():
    a = np.arange(3.0)
    t = xn.from_numpy(a)
    assert t.backend.name == "numpy" and t.dtype == a.dtype
    a[0] = 7.0
    assert t.tolist() == [7.0, 1.0, 2.0]
    with pytest.raises(xn.ArgumentTypeError, match="expects a NumPy array, got list"):
        xn.from_numpy([1.0, 2.0])


def test_inference_mode_records_nothing_as_a_block_and_as_a_decorator():
    x = xn.ones(2, requires_grad=True)
    with xn.inference_mode():
        assert not (x * 2).requires_grad
    with xn.inference_mode(False):
        assert (x * 2).requires_grad

    @xn.inference_mode()
    def predict(v):
        return v * 3

    assert not predict(x).requires_grad and xn.is_grad_enabled()


def test_pytorch_named_functions_and_methods_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    ba, bb = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 3, 4))
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    idx = np.array([2, 0, 2])
    cases = [
        (lambda L, x: L.clamp(x[0], -0.5, 0.5), [a]),
        (lambda L, x: L.mm(x[0], x[1]), [a, b]),
        (lambda L, x: L.bmm(x[0], x[1]), [ba, bb]),
        (lambda L, x: L.outer(x[0], x[1]), [u, v]),
        (lambda L, x: L.cumsum(x[0], 1), [a]),
        (lambda L, x: x[0].clamp_min(0.1) + x[0].clamp_max(-0.1), [a]),
        (lambda L, x: x[0].index_select(1, L.tensor(idx)), [a]),
    ]
    for f, inputs in cases:
        xs = [xn.tensor(i, requires_grad=True) for i in inputs]
        ts = [torch.tensor(i, requires_grad=True) for i in inputs]
        y, ty = f(xn, xs), f(torch, ts)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        for x, t in zip(xs, ts, strict=True):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert xn.numel(xn.ones((2, 3))) == 6
    with pytest.raises(xn.ArgumentError, match="mm: needs two 2-D tensors"):
        xn.mm(xn.ones(3), xn.ones((3, 2)))
    with pytest.raises(xn.ArgumentError, match="bmm: batch sizes 2 and 3 differ"):
        xn.bmm(xn.ones((2, 1, 1)), xn.ones((3, 1, 1)))
    with pytest.raises(xn.ArgumentTypeError, match="index must be a 1-D integer Tensor"):
        xn.ones((2, 3)).index_select(0, [0])


def test_dtype_aliases_shape_functions_and_bincount():
    torch = pytest.importorskip("torch")
    for alias, name in [("float", "float32"), ("double", "float64"), ("half", "float16"),
                        ("long", "int64"), ("int", "int32"), ("short", "int16"),
                        ("bool", "bool")]:  # fmt: skip
        assert getattr(xn, alias) == name
        assert str(getattr(torch, alias)) == f"torch.{name}"
        assert xn.tensor([1, 2], dtype=getattr(xn, alias)).dtype == xn.tensor([1], dtype=name).dtype
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(xn.transpose(xn.tensor(x), 0, 2).numpy(),
                                  torch.transpose(torch.tensor(x), 0, 2).numpy())  # fmt: skip
    np.testing.assert_array_equal(xn.permute(xn.tensor(x), (2, 0, 1)).numpy(),
                                  torch.permute(torch.tensor(x), (2, 0, 1)).numpy())  # fmt: skip
    assert xn.unsqueeze(xn.tensor(x), -1).shape == tuple(torch.unsqueeze(torch.tensor(x), -1).shape)
    v, w = np.array([1, 3, 1, 0, 3, 3]), np.array([0.5, 1.0, 2.0, 3.0, -1.0, 0.25])
    np.testing.assert_array_equal(
        xn.bincount(xn.tensor(v)).numpy(), torch.bincount(torch.tensor(v)).numpy()
    )
    wt = xn.tensor(w, requires_grad=True)
    got = xn.bincount(xn.tensor(v), wt, minlength=6)
    np.testing.assert_allclose(got.detach().numpy(),
                               torch.bincount(torch.tensor(v), torch.tensor(w), minlength=6).numpy())  # fmt: skip
    (got * xn.tensor(np.arange(6.0))).sum().backward()
    np.testing.assert_array_equal(wt.grad.numpy(), v.astype(float))  # d/dw_i = bin index of i
    with pytest.raises(xn.ArgumentError, match="non-negative"):
        xn.bincount(xn.tensor([1, -1]))


def test_device_objects_and_cuda_availability():
    """PyTorch's device idiom on a machine with or without a GPU (the move to CuPy itself
    is checked on a GPU runner: tests/backend/test_cupy.py)."""
    d = xn.device("cuda", 1)
    assert (d.type, d.index, str(d)) == ("cuda", 1, "cuda:1") and d == xn.device("cuda:1")
    assert repr(xn.device("cpu")) == "device(type='cpu')"
    with pytest.raises(xn.ArgumentError, match="cannot read"):
        xn.device("cuda:x")
    here = xn.device("cuda" if xn.cuda.is_available() else "cpu")
    model = xn.nn.Linear(2, 1).to(here)
    out = model(xn.ones((1, 2)).to(here))
    assert out.backend is model.weight.backend
    if not xn.cuda.is_available():
        assert xn.cuda.device_count() == 0
        with pytest.raises(xn.BackendUnavailableError, match="cupy"):
            xn.ones(2).cuda()
        w = xn.nn.Linear(2, 1)
        before = w.weight.numpy().copy()
        with pytest.raises(xn.BackendUnavailableError):
            w.cuda()
        assert w.weight.backend is xn.get_backend("numpy")  # nothing moved
        np.testing.assert_array_equal(w.weight.numpy(), before)
    t = xn.ones(2, backend="torch")  # a torch tensor keeps its library for "cpu"
    assert t.to(xn.device("cpu")).backend is t.backend and t.cpu().backend is xn.get_backend(
        "numpy"
    )


def test_top_level_max_and_min_take_pytorchs_forms():
    """``_, predicted = torch.max(outputs, 1)`` (the classification tutorials' idiom) gives
    the indices; ``torch.max(a, b)`` the elementwise maximum; ``axis=`` stays the standard's."""
    torch = pytest.importorskip("torch")
    x0 = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], np.float32)
    x, t = xn.tensor(x0), torch.tensor(x0)
    for args, kw in (((1,), {}), ((0, True), {}), ((), {"dim": 1})):
        for fn in ("max", "min"):
            got, want = getattr(xn, fn)(x, *args, **kw), getattr(torch, fn)(t, *args, **kw)
            np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
            np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    _, predicted = xn.max(x, 1)
    assert predicted.tolist() == [1, 0]
    y0 = np.full((2, 3), 2.5, np.float32)
    np.testing.assert_array_equal(xn.max(x, xn.tensor(y0)).numpy(), torch.max(t, torch.tensor(y0)))
    np.testing.assert_array_equal(xn.min(x, xn.tensor(y0)).numpy(), torch.min(t, torch.tensor(y0)))
    assert xn.max(x).item() == 7.0 and xn.max(x, axis=1).tolist() == [5.0, 7.0]
    assert x.__array_namespace__().max is xn.ops.max  # the namespace's is the standard's


def test_small_pytorch_spellings():
    torch = pytest.importorskip("torch")
    a = np.arange(3)
    assert xn.as_tensor(a).tolist() == [0, 1, 2] and xn.as_tensor(xn.ones(2)).shape == (2,)
    assert xn.ones((2, 3)).shape == xn.Size([2, 3]) == torch.Size([2, 3])
    assert xn.Size([2, 3]).numel() == torch.Size([2, 3]).numel() == 6
    xn.manual_seed(0)
    for args, kw, shape in (((5, (2, 2)), {}, (2, 2)), ((5,), {"size": (3,)}, (3,)),
                            ((2, 5), {"size": (4,)}, (4,)), ((2, 5, (1, 3)), {}, (1, 3))):  # fmt: skip
        got, want = xn.randint(*args, **kw), torch.randint(*args, **kw)
        assert got.shape == tuple(want.shape) == shape and xn.int64 == got.backend.dtype_name(
            got.dtype
        )
    assert set(xn.randint(2, 5, (200,)).tolist()) == {2, 3, 4}
    with pytest.raises(xn.ArgumentError, match="missing the shape"):
        xn.randint(3, 9)
    xn.cuda.manual_seed(0)  # without a GPU: nothing, as PyTorch
    xn.cuda.manual_seed_all(0)
    lin = xn.nn.Linear(3, 2, True, None, xn.float64)  # PyTorch's positional device, dtype
    assert lin.weight.dtype == xn.ones(1, dtype=xn.float64).dtype
    with pytest.warns(FutureWarning, match=r"nn\.init\.xavier_uniform` is now deprecated"):
        xn.nn.init.xavier_uniform(lin.weight)
    with pytest.warns(FutureWarning):
        torch.nn.init.xavier_uniform(torch.empty(2, 3))


def test_top_level_functions_of_tensor_methods_match_torch():
    torch = pytest.importorskip("torch")
    x0 = np.array([[1.0, np.nan, 2.0], [np.inf, -np.inf, 3.0]], np.float32)
    x, t = xn.tensor(x0), torch.tensor(x0)
    idx = np.array([[0, 2], [1, 0]])
    pairs = [
        (xn.gather(x, 1, xn.tensor(idx)), torch.gather(t, 1, torch.tensor(idx))),
        (xn.index_select(x, 1, xn.tensor([2, 0])), torch.index_select(t, 1, torch.tensor([2, 0]))),
        (xn.masked_select(x, x > 1.5), torch.masked_select(t, t > 1.5)),
        (xn.nan_to_num(x), torch.nan_to_num(t)),
        (xn.nan_to_num(x, 0.5, 9.0, -9.0), torch.nan_to_num(t, 0.5, 9.0, -9.0)),
        (xn.clone(x), torch.clone(t)),
        (xn.detach(x), torch.detach(t)),
        (xn.ones((2, 1)).expand(-1, 3), torch.ones(2, 1).expand(-1, 3)),
        (xn.ones((2, 1)).expand(4, -1, 3), torch.ones(2, 1).expand(4, -1, 3)),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    for dt, tdt in (
        (xn.float32, torch.float32),
        (xn.float64, torch.float64),
        (xn.float16, torch.float16),
    ):
        f, tf = xn.finfo(dt), torch.finfo(tdt)
        assert (f.eps, f.max, f.min, f.tiny, f.bits) == (tf.eps, tf.max, tf.min, tf.tiny, tf.bits)
    assert xn.finfo(torch.float32).eps == torch.finfo(torch.float32).eps  # a dtype object too
    b, tb = xn.finfo("bfloat16"), torch.finfo(torch.bfloat16)
    assert (b.eps, b.max, b.tiny) == (tb.eps, tb.max, tb.tiny)
    assert xn.iinfo(xn.int32).max == torch.iinfo(torch.int32).max
    xn.manual_seed(0)
    s = xn.normal(2.0, 3.0, size=(20000,))
    assert (
        s.shape == (20000,) and abs(float(s.mean()) - 2.0) < 0.1 and abs(float(s.std()) - 3.0) < 0.1
    )
    m = xn.normal(xn.zeros((3, 1)), xn.full((1, 4), 0.5))
    assert m.shape == tuple(torch.normal(torch.zeros(3, 1), torch.full((1, 4), 0.5)).shape)


def test_tensor_unfold_matches_torch_values_and_gradients():
    """PyTorch's sliding windows (the ViT example's patches)."""
    torch = pytest.importorskip("torch")
    x0 = np.random.default_rng(0).standard_normal((2, 3, 8, 8))
    x, t = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    got = x.unfold(2, 4, 4).unfold(3, 4, 4).permute(0, 2, 3, 1, 4, 5).reshape(2, 4, -1)
    want = t.unfold(2, 4, 4).unfold(3, 4, 4).permute(0, 2, 3, 1, 4, 5).reshape(2, 4, -1)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    for args in ((3, 3, 2), (1, 2, 1), (-1, 8, 1)):
        a, b = x.unfold(*args), t.unfold(*args)
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        (a**2).sum().backward()
        (b**2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    with pytest.raises(xn.ShapeError, match="windows of size 9"):
        x.unfold(2, 9, 1)


REDUCTIONS = [
    ("sum", dict(dim=1)), ("sum", dict(dim=(0, 1), keepdim=True)), ("mean", dict(dim=0, keepdim=True)),
    ("prod", dict(dim=1)), ("argmax", dict(dim=1)), ("argmin", dict(dim=0, keepdim=True)),
    ("logsumexp", dict(dim=1)), ("softmax", dict(dim=1)), ("log_softmax", dict(dim=0)),
    ("amax", dict(dim=1)), ("amin", dict(dim=(0, 1))), ("std", dict(dim=1, correction=1)),
    ("var", dict(dim=0, correction=1)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kw"), REDUCTIONS, ids=[f"{n}{sorted(k)}" for n, k in REDUCTIONS])
def test_top_level_reductions_take_dim_and_keepdim(name, kw):
    torch = pytest.importorskip("torch")
    x0 = np.arange(12.0).reshape(3, 4) / 7.0
    got = getattr(xn, name)(xn.tensor(x0), **kw)
    want = getattr(torch, name)(torch.tensor(x0), **kw)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_top_level_reductions_keep_the_standards_forms_and_refuse_unbiased():
    x = xn.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert xn.sum(x, axis=1, keepdims=True).shape == (2, 1) and xn.sum(x, 1).tolist() == [3.0, 8.0]
    assert xn.any(x > 4.0, dim=1).tolist() == [False, True]
    with pytest.raises(xn.ArgumentTypeError, match="no unbiased= in xpnet: use correction=1"):
        xn.std(x, dim=1, unbiased=True)
    with pytest.raises(xn.ArgumentTypeError, match="both dim= and axis="):
        xn.sum(x, dim=0, axis=0)


def test_legacy_typed_constructors_match_torch():
    torch = pytest.importorskip("torch")
    for name in (
        "FloatTensor",
        "DoubleTensor",
        "HalfTensor",
        "LongTensor",
        "IntTensor",
        "ByteTensor",
        "BoolTensor",
    ):
        got, want = getattr(xn, name)([1, 0, 2]), getattr(torch, name)([1, 0, 2])
        assert got.backend.dtype_name(got.dtype) == str(want.dtype).rsplit(".", 1)[-1], name
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert getattr(xn, name)(2, 3).shape == tuple(getattr(torch, name)(2, 3).shape)
    assert xn.LongTensor(np.array([3, 4])).tolist() == [3, 4]
    with pytest.raises(xn.ArgumentTypeError, match="give sizes"):
        xn.FloatTensor(2, "a")


def test_rng_state_round_trips_through_a_checkpoint(tmp_path):
    """torch.get_rng_state()/set_rng_state() over all of xpnet's default streams: after a
    restore (from a file) initialisation, dropout and draws on every backend repeat."""
    xn.rand(1, backend="array_api_strict")  # a second backend's stream exists
    state = xn.get_rng_state()
    assert "host" in state and any(k.startswith("array_api_strict:") for k in state)

    def draws():
        lin = xn.nn.Linear(3, 2)
        drop = xn.nn.functional.dropout(xn.ones(8), 0.5)
        return lin.weight.tolist(), drop.tolist(), xn.rand(2, backend="array_api_strict").tolist()

    first = draws()
    xn.save(state, tmp_path / "rng.xpn")
    xn.set_rng_state(xn.load(tmp_path / "rng.xpn"))
    assert draws() == first
    with pytest.raises(xn.ArgumentTypeError, match="get_rng_state"):
        xn.set_rng_state([1, 2])


def test_creation_functions_take_requires_grad_like_torch():
    torch = pytest.importorskip("torch")
    x = xn.ones((2, 2))
    made = [xn.full((), 0.3, requires_grad=True), xn.arange(0.0, 3.0, requires_grad=True),
            xn.linspace(0, 1, 5, requires_grad=True), xn.eye(2, requires_grad=True),
            xn.empty((2,), requires_grad=True), xn.zeros_like(x, requires_grad=True),
            xn.ones_like(x, requires_grad=True), xn.full_like(x, 2.0, requires_grad=True),
            xn.empty_like(x, requires_grad=True)]  # fmt: skip
    assert all(t.requires_grad and t.is_leaf for t in made)
    assert torch.full((), 0.3, requires_grad=True).requires_grad
    assert not xn.full((2,), 1.0).requires_grad


def test_set_default_device_moves_where_new_tensors_go():
    """PyTorch's ``torch.set_default_device(device)`` (its char-RNN tutorial starts so)."""
    xn.set_backend("numpy")
    xn.set_default_device(xn.device("cpu"))
    assert xn.get_backend() is xn.get_backend("numpy")
    assert xn.get_default_device() == xn.device("cpu") and xn.zeros(2).backend.name == "numpy"
    strict = pytest.importorskip("array_api_strict")
    xn.set_backend("array_api_strict")
    xn.set_default_device(strict.Device("device1"))
    t = xn.zeros(2)
    assert t.backend.name == "array_api_strict" and t.device == strict.Device("device1")
    assert xn.get_default_device() == strict.Device("device1")
    xn.set_default_device(None)  # the library's default device
    assert xn.zeros(2).device == xn.get_backend("array_api_strict").device
    if not xn.cuda.is_available():
        xn.set_backend("numpy")
        with pytest.raises(xn.BackendUnavailableError, match="cupy"):
            xn.set_default_device("cuda")
        assert xn.get_backend() is xn.get_backend("numpy")  # unchanged


def test_accelerator_picks_the_device_as_pytorchs_tutorials_do():
    acc = xn.accelerator
    device = acc.current_accelerator().type if acc.is_available() else "cpu"
    assert acc.is_available() == xn.cuda.is_available()
    assert acc.device_count() == xn.cuda.device_count()
    if not acc.is_available():
        assert device == "cpu" and acc.current_accelerator() is None
    else:  # pragma: no cover - a GPU runner
        assert device == "cuda" and xn.ones(2).to(device).backend.name == "cupy"


def test_use_deterministic_algorithms_refuses_atomic_adds(monkeypatch):
    """On the host nothing changes; a backend whose scatter-add uses atomics (a GPU; here
    array-api-strict made to say so) raises or warns, as PyTorch's ops without a
    deterministic implementation do."""
    strict = pytest.importorskip("array_api_strict")
    del strict
    emb = xn.nn.Embedding(5, 3, backend="array_api_strict")
    idx = xn.tensor([1, 1, 2], backend="array_api_strict")
    try:
        xn.use_deterministic_algorithms(True)
        assert xn.are_deterministic_algorithms_enabled()
        assert not xn.is_deterministic_algorithms_warn_only_enabled()
        emb(idx).sum().backward()  # the host: deterministic already
        assert emb.weight.grad.tolist()[1] == [2.0, 2.0, 2.0]
        monkeypatch.setattr(type(emb.weight.backend), "atomic_scatter", property(lambda s: True))
        emb.weight.grad = None
        with pytest.raises(xn.NotSupportedError, match=r"scatter_add on .*atomic adds"):
            emb(idx).sum().backward()
        xn.use_deterministic_algorithms(True, warn_only=True)
        emb.weight.grad = None
        with pytest.warns(UserWarning, match="atomic adds"):
            emb(idx).sum().backward()
        assert emb.weight.grad.tolist()[1] == [2.0, 2.0, 2.0]
        xn.use_deterministic_algorithms(False)
        emb.weight.grad = None
        emb(idx).sum().backward()  # off: no warning (warnings are errors in the tests)
    finally:
        xn.use_deterministic_algorithms(False)
    assert not xn.are_deterministic_algorithms_enabled()


def test_set_default_dtype_float64_as_pytorch():
    torch = pytest.importorskip("torch")
    try:
        xn.set_default_dtype(xn.float64)
        torch.set_default_dtype(torch.float64)
        assert xn.get_default_dtype() == "float64"
        for b in ("numpy", "array_api_strict"):
            assert xn.tensor([1.5], backend=b).dtype == xn.get_backend(b).dtype("float64")
            assert xn.zeros(2, backend=b).dtype == xn.get_backend(b).dtype("float64")
        assert xn.nn.Linear(2, 3).weight.dtype == "float64" and xn.randn(2).dtype == "float64"
        assert (xn.arange(3) * 1.5).dtype == "float64"
        assert (torch.arange(3) * 1.5).dtype == torch.float64
        assert xn.tensor(1j).dtype == "complex128" and xn.Tensor(2, 3).dtype == "float64"
        assert (xn.ones(2, dtype="float32") * 2.0).dtype == "float32"  # a scalar never upcasts
        with pytest.raises(xn.DTypeError, match="no float64"):
            xn.zeros(2, backend="array_api_strict", device="no_float64")
        with pytest.raises(xn.DTypeError, match="float32 or float64"):
            xn.set_default_dtype("int64")
    finally:
        xn.set_default_dtype(xn.float32)
        torch.set_default_dtype(torch.float32)
    assert xn.zeros(2).dtype == "float32" and xn.get_default_dtype() == "float32"
