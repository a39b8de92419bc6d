"""PyTorch's Tensor habits (max(dim) -> values and indices, sort, topk, repeat, split,
chunk, norm, masked_fill, in-place add_/mul_..., new_*, to(dtype), f-string formatting),
with PyTorch itself as the oracle for values, indices and gradients."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn

torch = pytest.importorskip("torch")

X = np.array([[3.0, 1.0, 2.0, 2.0], [0.0, 5.0, -4.0, 5.0], [1.5, 1.5, 0.5, -1.0]], np.float32)


XU = X + np.arange(12, dtype=np.float32).reshape(3, 4) * 0.01  # no ties: one right order


def _pair(backend, x=X):
    return xn.tensor(x, backend=backend, requires_grad=True), torch.tensor(x, requires_grad=True)


def _check(a, t):
    assert a.backend.dtype_name(a.dtype) == str(t.dtype).rsplit(".", 1)[-1]
    np.testing.assert_allclose(a.numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)


CASES = {
    "max(dim=1)": lambda t: t.max(dim=1),
    "max(0, True)": lambda t: t.max(0, True),
    "min(dim=-1, keepdim=True)": lambda t: t.min(dim=-1, keepdim=True),
    "sort(dim=1)": lambda t: t.sort(dim=1),
    "sort(0, descending=True)": lambda t: t.sort(0, descending=True),
    "topk(2)": lambda t: t.topk(2),
    "topk(2, dim=0, largest=False)": lambda t: t.topk(2, dim=0, largest=False),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_values_and_indices_as_pytorch(backend, case):
    a, t = _pair(backend, X if case.startswith(("max", "min")) else XU)
    got, want = CASES[case](a), CASES[case](t)
    v, i = got  # unpacks into values and indices, not rows
    assert v is got.values and i is got.indices
    _check(v, want.values)
    if not case.startswith(("max", "min")):  # max/min ties: any of the equal elements
        _check(i, want.indices)
    (v * v).sum().backward()
    (want.values * want.values).sum().backward()
    if not case.startswith(("max", "min")):  # with ties the gradient goes to the chosen one
        _check(a.grad, t.grad)


def test_max_indices_point_at_the_values(backend):
    a = xn.tensor(X, backend=backend)
    v, i = a.max(dim=1)
    np.testing.assert_array_equal(np.take_along_axis(X, i.numpy()[:, None], 1)[:, 0], v.numpy())
    assert a.max(axis=1).shape == (3,)  # the Array API spelling: values only
    assert float(a.max()) == 5.0
    with pytest.raises(xn.ArgumentTypeError, match=r"xn\.maximum"):
        a.max(a)


SHAPES = {
    "repeat(2, 3)": lambda t: t.repeat(2, 3),
    "repeat(2, 1, 2)": lambda t: t.repeat(2, 1, 2),
    "repeat_interleave(2, dim=1)": lambda t: t.repeat_interleave(2, dim=1),
    "norm()": lambda t: t.norm(),
    "norm(p=1, dim=1)": lambda t: t.norm(p=1, dim=1),
    "norm(dim=0, keepdim=True)": lambda t: t.norm(dim=0, keepdim=True),
    "pow(3)": lambda t: t.pow(3),
    "masked_fill": lambda t: t.masked_fill(t > 1.0, -1.0),
    "where": lambda t: t.where(t > 1.0, t * 2.0),
    "floor+ceil+trunc+frac": lambda t: t.floor() + t.ceil() * 2 + t.trunc() * 3 + t.frac() * t,
    "round": lambda t: (t * 1.37).round() + (t * 1.37).round(decimals=1) + t,
    "sign*x": lambda t: t.sign() * t,
    "square, neg, lerp": lambda t: t.square().neg().lerp(t * 2.0, 0.3),
    "log1p, expm1, log2, log10": lambda t: (
        t.abs().log1p() + t.expm1() + (t.abs() + 1).log2() + (t.abs() + 1).log10()
    ),
    "sin, cos, reciprocal, rsqrt": lambda t: (
        t.sin() * t.cos() + (t + 10).reciprocal() + (t.abs() + 1).rsqrt()
    ),
    "nan_to_num": lambda t: (t / 2).nan_to_num(),
    "prod(dim=1)": lambda t: t.prod(dim=1),
    "prod()": lambda t: (t + 5).prod(),
    "amax(dim=1) (ties share)": lambda t: t.amax(dim=1),
    "amin(dim=(0, 1), keepdim)": lambda t: t.amin(dim=(0, 1), keepdim=True),
    "logsumexp(1)": lambda t: t.logsumexp(1),
    "cumsum(1), cumprod(0)": lambda t: t.cumsum(1) + t.cumprod(0),
    "diff(dim=0)": lambda t: t.diff(dim=0),
    "flip(0), flip((0, 1))": lambda t: t.flip(0) * t.flip((0, 1)),
    "roll(1, 1)": lambda t: t.roll(1, 1),
    "tril(), triu(1)": lambda t: t.tril() + t.triu(1) * 3,
    "movedim(0, 1)": lambda t: t.movedim(0, 1),
    "unflatten(1, (2, 2))": lambda t: t.unflatten(1, (2, 2)),
    "narrow(1, 1, 2)": lambda t: t.narrow(1, 1, 2),
    "contiguous": lambda t: t.contiguous() * 1.0,
}


@pytest.mark.parametrize("case", list(SHAPES), ids=list(SHAPES))
def test_shape_and_math_methods_as_pytorch(backend, case):
    a, t = _pair(backend)
    got, want = SHAPES[case](a), SHAPES[case](t)
    _check(got, want)
    (got * got).sum().backward()
    (want * want).sum().backward()
    _check(a.grad, t.grad)


BOOLS_AND_INDICES = {
    "isnan, isinf, isfinite": lambda t: t.isnan() | t.isinf() & t.isfinite(),
    "logical_not": lambda t: (t > 1).logical_not(),
    "argsort(dim=0, descending=True)": lambda t: t.argsort(dim=0, descending=True),
    "nonzero()": lambda t: (t > 1).nonzero(),
    "where(as_tuple)": lambda t: (t > 1).nonzero(as_tuple=True)[1],
}


@pytest.mark.parametrize("case", list(BOOLS_AND_INDICES), ids=list(BOOLS_AND_INDICES))
def test_predicates_and_indices_as_pytorch(backend, case):
    x = XU.copy()
    x[0, :2], x[1, 1] = (np.nan, np.inf), -np.inf
    a, t = xn.tensor(x, backend=backend), torch.tensor(x)
    _check(BOOLS_AND_INDICES[case](a), BOOLS_AND_INDICES[case](t))


def test_scatter_and_scatter_add_as_pytorch(backend, rng):
    """Values and the gradients of self and src; index smaller than src and self."""
    x, src = rng.standard_normal((3, 5)), rng.standard_normal((4, 5))
    # (4, 3); its first 3 rows are a permutation in each column (scatter writes once)
    index = np.array([[0, 2, 1], [1, 0, 2], [2, 1, 0], [0, 1, 2]])
    add_index = np.array([[0, 1, 0], [2, 0, 0]])  # (2, 3) along dim 1: repeats add up
    cases = [
        # src sliced to index's shape: PyTorch cannot differentiate a larger src (its
        # backward returns a gradient of index's shape); the larger one is checked below
        lambda lib, s, v, i, j: s.scatter(0, i[:3], v[:3, :3]),  # one write per position
        lambda lib, s, v, i, j: s.scatter_add(1, j, v[:2, :3]),
        lambda lib, s, v, i, j: s.scatter_add(0, i, v[:, :3]),
        lambda lib, s, v, i, j: s.scatter(1, j[:, :1], 2.5) * s,
    ]
    for f in cases:
        a = [xn.tensor(v, dtype="float32", backend=backend, requires_grad=True) for v in (x, src)]
        t = [torch.tensor(v, dtype=torch.float32, requires_grad=True) for v in (x, src)]
        ia, ja = (xn.tensor(v, backend=backend) for v in (index, add_index))
        it, jt = torch.tensor(index), torch.tensor(add_index)
        got, want = f(xn, *a, ia, ja), f(torch, *t, it, jt)
        _check(got, want)
        w = rng.standard_normal(tuple(want.shape)).astype(np.float32)
        (got * xn.tensor(w, backend=backend)).sum().backward()
        (want * torch.tensor(w)).sum().backward()
        for g, tg in zip(a, t, strict=True):
            if tg.grad is None:
                assert g.grad is None or not g.grad.numpy().any()
            else:
                _check(g.grad, tg.grad)
    s, v = (xn.tensor(a, dtype="float32", backend=backend) for a in (x, src))
    _check(
        s.scatter_add(1, ja, v),
        torch.scatter_add(
            torch.tensor(x, dtype=torch.float32), 1, jt, torch.tensor(src, dtype=torch.float32)
        ),
    )


def test_scatter_one_hot_in_place_and_errors(backend):
    labels = xn.tensor([2, 0, 1], backend=backend)
    onehot = xn.zeros((3, 4), backend=backend).scatter_(1, labels[:, None], 1.0)
    np.testing.assert_array_equal(onehot.numpy(), np.eye(4)[[2, 0, 1]])
    counts = xn.zeros(3, backend=backend).scatter_add_(0, labels, xn.ones(3, backend=backend))
    np.testing.assert_array_equal(counts.numpy(), [1, 1, 1])
    x = xn.zeros((2, 3), backend=backend)
    x.masked_fill_(x == 0, 7.0)
    assert (x.numpy() == 7).all()
    h = xn.ones(3, backend=backend, requires_grad=True) * 2.0  # in a graph: recorded
    h.masked_fill_(xn.tensor([True, False, False], backend=backend), 0.0)
    h.sum().backward()
    with pytest.raises(
        xn.OutOfRangeError, match=r"scatter_add: an index was out of range|scatter_add: index 3"
    ):
        xn.zeros(3).scatter_add(0, xn.tensor([3]), xn.ones(1))
    with pytest.raises(xn.ArgumentError, match="more than once"):
        xn.zeros(3).scatter(0, xn.tensor([1, 1]), xn.ones(2))
    with pytest.raises(xn.DTypeError, match="self's dtype"):
        xn.zeros(3).scatter_add(0, xn.tensor([1]), xn.ones(1, dtype="float64"))
    with pytest.raises(xn.ArgumentTypeError, match="integer Tensor"):
        xn.zeros(3).scatter_add(0, xn.tensor([1.0]), xn.ones(1))
    with pytest.raises(xn.GraphError, match="leaf"):
        xn.zeros(3, requires_grad=True).scatter_(0, xn.tensor([1]), 1.0)


def test_top_level_topk_diag_and_type_as():
    x = torch.tensor(XU)
    a = xn.tensor(XU)
    v, i = xn.topk(a, 2, dim=0)
    _check(v, torch.topk(x, 2, dim=0).values)
    _check(i, torch.topk(x, 2, dim=0).indices)
    for k in (0, 2, -1):
        _check(xn.diag(a[0], k), torch.diag(x[0], k))
        _check(xn.diag(a, k), torch.diag(x, k))
    _check(xn.masked_fill(a, a > 1, 0.0), torch.masked_fill(x, x > 1, 0.0))
    _check(a.type_as(xn.tensor([1], dtype="int64")), x.type_as(torch.tensor([1])))


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("how", [2, 3, [1, 3]])
def test_split_and_chunk_as_pytorch(backend, how, dim):
    a, t = _pair(backend)
    if isinstance(how, list) and dim == 0:
        how = [1, 2]
    got, want = a.split(how, dim), t.split(how, dim)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        _check(g, w)
    if isinstance(how, int):
        got, want = a.chunk(how, dim), t.chunk(how, dim)
        assert [g.shape for g in got] == [tuple(w.shape) for w in want]
    with pytest.raises(xn.ShapeError, match="add up to"):
        a.split([1, 1], 0)


def test_in_place_updates_as_pytorch(backend):
    a = xn.tensor(X, backend=backend)
    t = torch.tensor(X)
    for x in (a, t):
        x.add_(1.0, alpha=2.0).mul_(0.5).sub_(x * 0.25).div_(2.0).clamp_(max=1.0)
    _check(a, t)
    a.fill_(3.0)
    assert (a.numpy() == 3.0).all() and a.backend.dtype_name(a.dtype) == "float32"
    w = xn.tensor(X, backend=backend, requires_grad=True)
    with pytest.raises(xn.GraphError, match="no_grad"):
        w.add_(1.0)


def test_new_tensors_take_backend_device_and_dtype(backend):
    a = xn.tensor(X, backend=backend)
    for t, shape in (
        (a.new_zeros(2, 3), (2, 3)),
        (a.new_ones((4,)), (4,)),
        (a.new_full((1, 2), 7.0), (1, 2)),
    ):
        assert t.shape == shape and t.backend is a.backend and t.dtype == a.dtype
    n = a.new_tensor([1, 2])
    assert n.dtype == a.dtype and n.backend is a.backend
    assert (
        a.new_zeros(2, dtype="int32").backend.dtype_name(a.new_zeros(2, dtype="int32").dtype)
        == "int32"
    )
    assert (
        a.type() == "float32"
        and a.type("int32").backend.dtype_name(a.type("int32").dtype) == "int32"
    )


def test_to_takes_a_dtype_a_device_or_a_tensor():
    a = xn.tensor(X)
    assert a.to(xn.float64).dtype == np.float64
    assert a.to(np.float16).dtype == np.float16
    assert a.to("cpu", "float16").dtype == np.float16
    assert a.to(xn.tensor([1], dtype="int32")).dtype == np.int32
    with pytest.raises(xn.ArgumentTypeError, match="two devices"):
        a.to("cpu", "cpu")


def test_format_spec_formats_the_value():
    loss = xn.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{xn.tensor([2.5]):>6.1f}" == "   2.5"
    assert f"{loss}" == str(loss)
    with pytest.raises(xn.ArgumentTypeError, match="one-element"):
        f"{xn.tensor([1.0, 2.0]):.2f}"


ARITH = {
    "add(alpha), sub(alpha), mul, div": lambda t: (
        t.add(t * t, alpha=2).sub(t, alpha=0.5).mul(3).div(t.abs() + 1)
    ),
    "expand_as": lambda t: t[:1].expand_as(t) * t,
    "masked_select": lambda t: t.masked_select(t > 1.0),
    "index_add(alpha)": lambda t: t.index_add(1, _index(t, [0, 2, 0]), t[:, :3] * 2, alpha=0.5),
    "mm, dot": lambda t: t.mm(t.T) + t[0].dot(t[1]),
    "bmm": lambda t: t[None].bmm(t.T[None]),
    "exp_ (in a graph)": lambda t: (t * 0.5).exp_(),
    "pow_, sigmoid_, abs_": lambda t: (t * 1.0).pow_(2).sigmoid_() + (t * 1.0).abs_(),
}


def _index(t, values):
    if isinstance(t, xn.Tensor):
        return xn.tensor(values, backend=t.backend)
    return torch.tensor(values)


@pytest.mark.parametrize("case", list(ARITH), ids=list(ARITH))
def test_arithmetic_spellings_as_pytorch(backend, case):
    a, t = _pair(backend, XU)
    got, want = ARITH[case](a), ARITH[case](t)
    _check(got, want)
    (got * got).sum().backward()
    (want * want).sum().backward()
    _check(a.grad, t.grad)


def test_comparisons_rounding_division_and_order_statistics(backend):
    a, t = xn.tensor(X, backend=backend), torch.tensor(X)
    for name in ("eq", "ne", "gt", "ge", "lt", "le"):
        _check(getattr(a, name)(1.5), getattr(t, name)(1.5))
        _check(getattr(a, name)(a.T.T), getattr(t, name)(t))
    for mode in ("floor", "trunc"):
        _check(a.div(0.7, rounding_mode=mode), t.div(0.7, rounding_mode=mode))
    u, tu = xn.tensor(XU, backend=backend), torch.tensor(XU)
    _check(u.median(), tu.median())
    for got, want in ((u.median(dim=1), tu.median(dim=1)),
                      (u.kthvalue(2, dim=0, keepdim=True), tu.kthvalue(2, dim=0, keepdim=True))):  # fmt: skip
        _check(got.values, want.values)
        _check(got.indices, want.indices)
    ints = xn.tensor([3, 1, 3, 2, 1, 3], backend=backend)
    tints = torch.tensor([3, 1, 3, 2, 1, 3])
    _check(ints.unique(), tints.unique())
    for got, want in zip(ints.unique(return_inverse=True, return_counts=True),
                         tints.unique(return_inverse=True, return_counts=True), strict=True):  # fmt: skip
        _check(got, want)
    _check(xn.unique(ints), torch.unique(tints))
    assert not a.is_cuda


def test_in_place_math_outside_a_graph_and_refused_on_a_leaf(backend):
    a = xn.tensor(XU, backend=backend)
    t = torch.tensor(XU)
    a.abs_().sqrt_().log_().neg_().tanh_().relu_().floor_()
    t.abs_().sqrt_().log_().neg_().tanh_().relu_().floor_()
    _check(a, t)
    z = xn.zeros(4, backend=backend)
    z.index_add_(0, xn.tensor([1, 1, 3], backend=backend), xn.ones(3, backend=backend))
    np.testing.assert_array_equal(z.numpy(), [0, 2, 0, 1])
    with pytest.raises(xn.GraphError, match="leaf"):
        xn.ones(3, backend=backend, requires_grad=True).exp_()


def test_random_fills_and_draws(backend):
    xn.manual_seed(0)
    x = xn.empty((4000,), backend=backend).uniform_(2.0, 3.0)
    v = x.numpy()
    assert v.min() >= 2.0 and v.max() <= 3.0 and abs(v.mean() - 2.5) < 0.02
    v = xn.empty((4000,), backend=backend).normal_(1.0, 2.0).numpy()
    assert abs(v.mean() - 1.0) < 0.15 and abs(v.std() - 2.0) < 0.15
    v = xn.empty((4000,), backend=backend).bernoulli_(0.3).numpy()
    assert set(np.unique(v)) == {0.0, 1.0} and abs(v.mean() - 0.3) < 0.03
    assert abs(xn.bernoulli(xn.full((4000,), 0.8, backend=backend)).numpy().mean() - 0.8) < 0.03
    xn.manual_seed(1)
    again = xn.empty((5,), backend=backend).uniform_().numpy()
    xn.manual_seed(1)
    np.testing.assert_array_equal(xn.empty((5,), backend=backend).uniform_().numpy(), again)
    with pytest.raises(xn.GraphError, match="no_grad"):
        xn.ones(3, backend=backend, requires_grad=True).normal_()


def test_multinomial_frequencies_and_without_replacement(backend):
    xn.manual_seed(0)
    probs = xn.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 0.0, 2.0]], backend=backend)
    draws = xn.multinomial(probs, 3000, replacement=True).numpy()
    assert draws.shape == (2, 3000) and draws.dtype == np.int64
    for row, p in zip(draws, ([0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.0, 0.5]), strict=True):
        np.testing.assert_allclose(np.bincount(row, minlength=4) / 3000, p, atol=0.03)
    picks = xn.multinomial(probs, 3).numpy()  # without replacement: the 3 nonzero categories
    assert [sorted(r) for r in picks.tolist()] == [[0, 2, 3], [0, 1, 3]]
    firsts = np.array([xn.multinomial(probs[0], 1).item() for _ in range(600)])
    np.testing.assert_allclose(
        np.bincount(firsts, minlength=4) / 600, [0.1, 0, 0.6, 0.3], atol=0.06
    )
    with pytest.raises(xn.ArgumentError, match="without replacement"):
        xn.multinomial(probs, 5)
    with pytest.raises(xn.ArgumentError, match="non-negative"):
        xn.multinomial(xn.tensor([0.5, -0.1], backend=backend), 1)


# -- .data: PyTorch's tensor outside the graph, sharing memory -----------------------


def test_data_is_a_detached_tensor_sharing_memory_like_pytorch():
    """The idioms of older PyTorch code (DCGAN's init, WGAN's clipping, a target network's
    soft update, a hand-written SGD step) through ``.data``, against PyTorch's results."""
    rng = np.random.default_rng(0)
    w0, v0, g0 = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(3))
    a, ta = xn.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    b, tb = xn.tensor(v0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    d, td = a.data, ta.data
    assert not d.requires_grad and d.grad_fn is None and not td.requires_grad
    assert isinstance(d, xn.Tensor) and d.shape == a.shape and d.dtype == a.dtype
    a.data.mul_(0.5).add_(xn.tensor(g0), alpha=-0.1)  # written through to a
    ta.data.mul_(0.5).add_(torch.tensor(g0), alpha=-0.1)
    b.data.copy_(0.9 * b.data + 0.1 * a.data)  # a soft update
    tb.data.copy_(0.9 * tb.data + 0.1 * ta.data)
    a.data.clamp_(-0.3, 0.3)
    ta.data.clamp_(-0.3, 0.3)
    for x, t in ((a, ta), (b, tb)):
        np.testing.assert_allclose(x.detach().numpy(), t.detach().numpy(), rtol=1e-6)
        assert x.requires_grad and x.is_leaf
    a.data = xn.tensor(v0)  # assigning a tensor replaces the values
    np.testing.assert_array_equal(a.detach().numpy(), v0)


def test_changes_through_data_are_not_seen_by_autograd_like_pytorch():
    """Changing a kept input through ``.data`` between forward and backward is allowed (its
    version counter is its own): the gradient uses the new values, as PyTorch's does."""
    w0 = np.array([1.0, 2.0, 3.0], np.float32)
    a, ta = xn.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    y, ty = (a * a).sum(), (ta * ta).sum()
    a.data.mul_(10.0)
    ta.data.mul_(10.0)
    y.backward()
    ty.backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    with pytest.raises(xn.GraphError, match="in place"):  # detach() shares the counter
        y2 = (a * a).sum()
        a.detach().mul_(2.0)
        y2.backward()


def test_data_of_a_gradient_and_of_a_module_weight():
    m = xn.nn.Linear(4, 3)
    m.weight.data.normal_(0.0, 0.02)  # DCGAN's weights_init
    m.bias.data.fill_(0)
    assert abs(float(m.weight.std())) < 0.05 and float(m.bias.abs().sum()) == 0.0
    m(xn.ones((2, 4))).sum().backward()
    m.weight.grad.data.zero_()
    assert float(m.weight.grad.abs().sum()) == 0.0
    assert m.weight.native() is m.weight.data.native()  # the same native array


def test_assigning_data_refuses_a_tensor_of_another_backend():
    t = xn.zeros((2, 2))
    other = xn.ones((2, 2), backend="array_api_strict")
    with pytest.raises(xn.BackendError, match=r"tensor\.data = \.\.\.: the tensor must be on"):
        t.data = other
    assert t.numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_data_and_detach_write_through_where_the_backend_arrays_are_mutable(backend):
    p = xn.zeros((3,), backend=backend.name, device=backend.device, requires_grad=True)
    view = p.detach()
    p.data.add_(1.0)
    p.data.copy_(p.data * 3.0)
    want = [3.0, 3.0, 3.0] if backend.mutable else [0.0, 0.0, 0.0]  # JAX: immutable arrays
    assert p.tolist() == want and view.tolist() == want
    assert p.requires_grad and p.data.backend is backend and not p.data.requires_grad


def test_to_and_contiguous_take_pytorchs_transfer_and_layout_arguments():
    x = xn.ones((2, 3))
    assert x.to("cpu", non_blocking=True) is x and x.contiguous(memory_format=xn.channels_last) is x
    y = x.to(copy=True)
    assert y is not x and y.native() is not x.native() and y.tolist() == x.tolist()
    m = xn.nn.Conv2d(1, 2, 3).to(memory_format=xn.channels_last, non_blocking=True)
    assert isinstance(m, xn.nn.Conv2d)
    with pytest.raises(xn.ArgumentError, match="memory_format must be one of"):
        x.to(memory_format="strided")


def test_module_bfloat16_on_a_backend_with_bfloat16():
    torch = pytest.importorskip("torch")
    m = xn.nn.Linear(3, 2).to(backend="torch").bfloat16()
    assert m.weight.backend.dtype_name(m.weight.dtype) == "bfloat16"
    t = torch.nn.Linear(3, 2).bfloat16()
    assert str(t.weight.dtype) == "torch.bfloat16"


def test_autocast_and_grad_scaler_take_pytorchs_device_spellings():
    with xn.autocast("cuda"):  # torch.autocast("cuda"): float16
        assert xn.amp.is_autocast_enabled()
        assert (xn.ones((2, 2)) @ xn.ones((2, 2))).dtype == xn.ones(1, dtype=xn.float16).dtype
    with xn.autocast(device_type="cuda", dtype=xn.float16, enabled=False):
        assert not xn.amp.is_autocast_enabled()
    with (
        pytest.raises(xn.DTypeError, match="device_type must be one of"),
        xn.autocast(device_type="tpu"),
    ):
        pass
    s = xn.amp.GradScaler("cuda")
    assert s.device == "cuda" and s.get_scale() == 2.0**16
    assert xn.amp.GradScaler("cuda", enabled=False).enabled is False
    with pytest.raises(xn.ArgumentError, match="by keyword"):
        xn.amp.GradScaler("cuda", 4.0)
    from xpnet.cuda.amp import GradScaler, autocast

    with autocast():
        assert xn.amp.is_autocast_enabled()
    assert GradScaler(init_scale=8.0).get_scale() == 8.0


def test_old_variable_and_nn_parameter_module():
    from xpnet.autograd import Variable
    from xpnet.nn.parameter import Parameter

    x = xn.ones(2)
    assert Variable(x) is x
    v = Variable(x, requires_grad=True)
    assert v.requires_grad and v.is_leaf and v is not x
    assert Parameter is xn.nn.Parameter


def test_a_float_tensor_with_an_integer_tensor_keeps_its_float_dtype_on_every_backend(backend):
    """PyTorch's and JAX's rule, not NumPy's: float32 * int64 is float32 (the Legendre
    tutorial's x.unsqueeze(-1).pow(torch.tensor([1, 2, 3])) then feeds a float32 Linear)."""
    torch = pytest.importorskip("torch")
    kw = dict(backend=backend.name, device=backend.device)
    x, i = xn.ones(3, **kw), xn.tensor([1, 2, 3], **kw)
    tx, ti = torch.ones(3), torch.tensor([1, 2, 3])
    for got, want in ((x * i, tx * ti), (i + x, ti + tx), (x**i, tx**ti), (x / i, tx / ti),
                      (x * (i > 1), tx * (ti > 1))):  # fmt: skip
        assert backend.dtype_name(got.dtype) == str(want.dtype).rsplit(".", 1)[-1] == "float32"
        np.testing.assert_allclose(got.numpy(), want.numpy())
    assert backend.dtype_name((i * i).dtype) == "int64" and (x > i).dtype == (x > x).dtype
    c = xn.tensor([True, False, True], **kw)
    for got in (xn.where(c, x, i), xn.where(c, i, x)):  # torch.where: float32 too
        assert backend.dtype_name(got.dtype) == "float32"
    tc = torch.tensor([True, False, True])
    want = torch.where(tc, tx, ti)
    assert str(want.dtype) == "torch.float32"
    np.testing.assert_array_equal(xn.where(c, x, i).numpy(), want.numpy())
    g = xn.ones(3, requires_grad=True, **kw)
    (g * i).sum().backward()
    assert g.grad.tolist() == [1.0, 2.0, 3.0] and backend.dtype_name(g.grad.dtype) == "float32"


def test_the_tensor_class_is_pytorchs_legacy_constructor():
    """torch.Tensor(data) and torch.Tensor(2, 3), as PyTorch's NLP tutorial uses them."""
    torch = pytest.importorskip("torch")
    for args in ([[1.0, 2.0, 3.0], [4.0, 5.0, 6]], [1, 2], [True, False], (2, 3)):
        got, want = xn.Tensor(args), torch.Tensor(args)
        assert got.dtype == xn.tensor(0.0).dtype and got.tolist() == want.tolist()
    for sizes in ((2, 3), (4,)):
        t = xn.Tensor(*sizes)
        assert t.shape == tuple(torch.Tensor(*sizes).shape) and t.dtype == xn.tensor(0.0).dtype
    assert xn.Tensor(xn.Size([2, 1])).shape == tuple(torch.Tensor(torch.Size([2, 1])).shape)
    assert xn.Tensor([1, 2], dtype="int64").tolist() == [1, 2]
    assert xn.Tensor([1.5], requires_grad=True).is_leaf
    with pytest.raises(xn.ArgumentTypeError, match="takes sizes"):
        xn.Tensor()


def test_pytorchs_deprecated_number_first_overloads(backend):
    """Older scripts (PyTorch's word language model: ``p.data.add_(-lr, p.grad.data)``, old
    optimizers: ``v.addcmul_(1 - beta, g, g)``) call the Number-first forms PyTorch still
    takes with a warning: the same values, and a FutureWarning."""
    g = np.array([0.0, 1.0, 2.0], np.float32)
    mine = {k: xn.ones(3, backend=backend) for k in ("add_", "sub_", "addcmul_", "addcdiv_")}
    ref = {k: torch.ones(3) for k in mine}
    gm, gt = xn.tensor(g, backend=backend), torch.tensor(g)
    with pytest.warns(FutureWarning, match=r"add_\(Number, Tensor\) is deprecated"):
        mine["add_"].add_(-0.5, gm)
    with pytest.warns(FutureWarning):
        mine["sub_"].sub_(2, gm)
        plus = mine["sub_"].add(3, gm)
        mine["addcmul_"].addcmul_(0.1, gm, gm)
        mine["addcdiv_"].addcdiv_(2, gm, gm + 1)
    with warnings.catch_warnings():  # PyTorch's own warning, given once per process
        warnings.simplefilter("ignore", UserWarning)
        ref["add_"].add_(-0.5, gt)
        ref["sub_"].sub_(2, gt)
        ref_plus = ref["sub_"].add(3, gt)
        ref["addcmul_"].addcmul_(0.1, gt, gt)
        ref["addcdiv_"].addcdiv_(2, gt, gt + 1)
    for k in mine:
        _check(mine[k], ref[k])
    _check(plus, ref_plus)
    with pytest.raises(xn.ArgumentError, match="addcmul_ takes"):
        mine["add_"].addcmul_(gm, gm, gm, gm)
