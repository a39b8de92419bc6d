"""PyTorch's Tensor habits (max(dim) -> values and indices, sort, topk, repeat, split,
chunk, norm, masked_fill, in-place add_/mul_..., new_*, to(dtype), f-string formatting),
with PyTorch itself as the oracle for values, indices and gradients."""

from __future__ import annotations

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
}


@pytest.mark.parametrize("case", list(SHAPES), ids=list(SHAPES))
def test_shape_and_math_methods_as_pytorch(backend, case):
    a, t = _pair(backend)
    got, want = SHAPES[case](a), SHAPES[case](t)
    _check(got, want)
    (got * got).sum().backward()
    (want * want).sum().backward()
    _check(a.grad, t.grad)


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
