"""PyTorch's ``out=`` on xn's top-level functions, and the top-level forms of its Tensor
methods (xpnet/_torch_out.py), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import _torch_out

torch = pytest.importorskip("torch")


def test_the_tensors_tutorial():
    """PyTorch's "Tensors" tutorial: out= and the NumPy bridge."""
    t = xn.ones((4, 4))
    t[:, 1] = 0
    y1 = t @ t.T
    y3 = xn.rand_like(t)
    alias = y3.detach()
    assert xn.matmul(t, t.T, out=y3) is y3
    assert xn.equal(y3, y1).all() and alias.tolist() == y1.tolist()  # written in place
    z3 = xn.rand_like(t)
    xn.mul(t, t, out=z3)
    assert z3.tolist() == (t * t).tolist()
    t = xn.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0] * 5  # numpy() shares the NumPy backend's memory
    n = np.ones(5)
    t = xn.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.tolist() == [2.0] * 5


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("add", ([1.0, 2.0], [3.0, 4.0]), {"alpha": 2}),
        ("sub", ([1.0, 2.0], [3.0, 4.0]), {"alpha": 0.5}),
        ("mul", ([1.0, 2.0], [3.0, 4.0]), {}),
        ("div", ([1.0, -7.0], [3.0, 2.0]), {"rounding_mode": "floor"}),
        ("exp", ([0.5, 1.0],), {}),
        ("matmul", ([[1.0, 2.0]], [[3.0], [4.0]]), {}),
        ("sum", ([[1.0, 2.0], [3.0, 4.0]],), {"dim": 1}),
        ("mean", ([[1.0, 2.0], [3.0, 4.0]], 0), {}),
        ("cat", (([1.0], [2.0, 3.0]),), {}),
        ("stack", (([1.0, 4.0], [2.0, 3.0]),), {"dim": 1}),
        ("clamp", ([-1.0, 0.5, 3.0],), {"min": 0.0, "max": 1.0}),
        ("addcmul", ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]), {"value": 0.5}),
        ("lerp", ([1.0, 2.0], [3.0, 4.0], 0.25), {}),
        ("cumprod", ([1.0, 2.0, 3.0], 0), {}),
        ("neg", ([1.0, -2.0],), {}),
        ("rsqrt", ([4.0, 16.0],), {}),
        ("where", ([True, False], [1.0, 2.0], [3.0, 4.0]), {}),
    ],
)
def test_out_matches_torch(name, args, kwargs):
    def make(lib, a):
        if isinstance(a, tuple):
            return tuple(make(lib, v) for v in a)
        return (xn.tensor if lib is xn else torch.tensor)(a) if isinstance(a, list) else a

    want = getattr(torch, name)(*make(torch, args), **kwargs)
    out, tout = xn.zeros(tuple(want.shape)), torch.zeros(tuple(want.shape))
    got = getattr(xn, name)(*make(xn, args), out=out, **kwargs)
    getattr(torch, name)(*make(torch, args), out=tout, **kwargs)
    assert got is out
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-6)
    np.testing.assert_allclose(getattr(xn, name)(*make(xn, args), **kwargs).numpy(), want.numpy(),
                               rtol=1e-6)  # fmt: skip


def test_out_casts_resizes_and_refuses_as_torch():
    a = xn.tensor([1.5, 2.5])
    out64 = xn.zeros(2, dtype="float64")
    xn.add(a, a, out=out64)
    assert out64.dtype == xn.tensor(0.0, dtype="float64").dtype and out64.tolist() == [3.0, 5.0]
    i = xn.zeros(2, dtype="int64")
    xn.add(xn.tensor([1, 2]), 1, out=i)
    assert i.tolist() == [2, 3]
    with pytest.raises(xn.DTypeError, match="add: the result's dtype float32 cannot be cast"):
        xn.add(a, a, out=i)
    assert i.tolist() == [2, 3]  # nothing written
    with pytest.raises(xn.DTypeError, match="cannot be cast to out's bool"):
        xn.add(i, i, out=xn.zeros(2, dtype="bool"))
    empty = xn.zeros(0)
    xn.exp(a, out=empty)  # an empty out is resized silently, as PyTorch
    assert empty.shape == (2,)
    wrong = xn.zeros(3)
    with pytest.warns(UserWarning, match=r"exp: out= of shape \(3,\) was resized to \(2,\)"):
        xn.exp(a, out=wrong)
    np.testing.assert_allclose(wrong.numpy(), np.exp([1.5, 2.5]), rtol=1e-6)
    w = xn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(xn.GraphError, match="out= records no gradient, but an argument requires"):
        xn.mul(w, 2, out=xn.zeros(2))
    with xn.no_grad():
        o = xn.zeros(2)
        xn.mul(w, 2, out=o)
    assert o.tolist() == [2.0, 4.0]
    with pytest.raises(xn.ArgumentTypeError, match="out= must be a Tensor"):
        xn.exp(a, out=np.zeros(2))
    strict = pytest.importorskip("array_api_strict")
    del strict
    other = xn.zeros(2, backend="array_api_strict")
    with pytest.raises(xn.BackendError, match=r"exp\(out=...\): tensors of different backends"):
        xn.exp(a, out=other)


def test_out_for_pairs():
    x = xn.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    vals, idx = xn.zeros(2), xn.zeros(2, dtype="int64")
    got = xn.max(x, 1, out=(vals, idx))
    assert got.values is vals and got.indices is idx
    assert vals.tolist() == [5.0, 6.0] and idx.tolist() == [1, 2]
    with pytest.raises(xn.ArgumentTypeError, match="a tuple of 2 tensors"):
        xn.kthvalue(x, 1, out=vals)
    vals, idx = xn.zeros((2, 3)), xn.zeros((2, 3), dtype="int64")
    got = x.sort(1, descending=True)
    assert got.values.tolist() == [[5.0, 3.0, 1.0], [6.0, 4.0, 2.0]]
    assert got.indices.tolist() == [[1, 2, 0], [2, 0, 1]]


def test_the_standards_functions_keep_its_results_and_take_torchs_keywords():
    """Where PyTorch's top-level function has the standard's name but another result or
    keyword, ``xn`` keeps the standard's (its Array API code runs unchanged) and takes
    PyTorch's keyword spelling too."""
    x = xn.tensor([[1.0, 5.0, 0.0], [4.0, 2.0, 6.0]])
    t = torch.tensor(x.numpy())
    assert xn.sort(x, axis=1).tolist() == xn.sort(x, dim=1).tolist() == [[0, 1, 5], [2, 4, 6]]
    assert xn.sort(x, 1, True).tolist() == torch.sort(t, 1, True).values.tolist()
    assert xn.argsort(x, dim=0).tolist() == torch.argsort(t, dim=0).tolist()
    assert xn.count_nonzero(x, dim=1).tolist() == torch.count_nonzero(t, dim=1).tolist()
    assert xn.flip(x, dims=[0, 1]).tolist() == torch.flip(t, dims=[0, 1]).tolist()
    assert xn.roll(x, shifts=1, dims=1).tolist() == torch.roll(t, shifts=1, dims=1).tolist()
    assert xn.squeeze(x[None], dim=0).shape == (2, 3)
    assert xn.tril(x, 1).tolist() == torch.tril(t, 1).tolist() == xn.tril(x, k=1).tolist()
    assert xn.triu(x, diagonal=-1).tolist() == torch.triu(t, diagonal=-1).tolist()
    o = xn.zeros((2, 3))
    assert xn.sort(x, dim=1, out=o) is o and o.tolist() == [[0, 1, 5], [2, 4, 6]]
    with pytest.raises(xn.ArgumentTypeError, match="sort: give axis= or dim=, not both"):
        xn.sort(x, axis=0, dim=1)


def test_method_forms_are_the_methods():
    x = xn.tensor([[1.0, -2.0], [3.0, 4.0]])
    t = torch.tensor(x.numpy())
    for name, args in [("narrow", (1, 1, 1)), ("t", ()), ("eq", (x,)), ("gt", (0.0,)),
                       ("movedim", (0, 1)), ("swapdims", (0, 1)), ("clamp_min", (0.0,)),
                       ("true_divide", (2.0,)), ("absolute", ()), ("trace", ()),
                       ("det", ()), ("inverse", ()), ("count_nonzero", ()), ("frac", ())]:  # fmt: skip
        targs = tuple(t if a is x else a for a in args)
        got, want = getattr(xn, name)(x, *args), getattr(torch, name)(t, *targs)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, err_msg=name)
    with pytest.raises(xn.ArgumentTypeError, match="narrow: input must be a Tensor"):
        xn.narrow([1.0, 2.0], 0, 0, 1)


def test_like_functions_take_torchs_keywords():
    p = xn.ones((2, 3), dtype="float64")
    for f in (xn.zeros_like, xn.ones_like, xn.empty_like):
        z = f(p, memory_format=xn.preserve_format)
        assert z.shape == p.shape and z.dtype == p.dtype
    f = xn.full_like(p, 7.0, requires_grad=True, device="cpu")
    assert f.requires_grad and f.is_leaf and f.tolist() == [[7.0] * 3] * 2
    assert xn.clone(p, memory_format=xn.contiguous_format).tolist() == p.tolist()
    with pytest.raises(xn.ArgumentError, match="memory_format must be one of"):
        xn.zeros_like(p, memory_format="sideways")


def test_every_export_is_callable():
    for name in _torch_out.__all__:
        assert callable(getattr(xn, name)), name
        assert getattr(xn, name) is getattr(_torch_out, name), name
