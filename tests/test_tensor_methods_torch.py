"""PyTorch's remaining Tensor methods: the in-place forms ``x.name_(...)``, the standard
operations under PyTorch's method names, dtype casts and layout queries, each against
PyTorch itself (values, dtypes, and in a graph the gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import _tensor_torch

torch = pytest.importorskip("torch")

R = np.random.default_rng(3)
UNIT = R.uniform(-0.9, 0.9, (3, 4))  # inside every domain below
POS = R.uniform(0.2, 2.0, (3, 4))
OTHER = R.uniform(0.3, 1.5, (3, 4)) * R.choice([-1.0, 1.0], (3, 4))
INTS = R.integers(1, 40, (3, 4))
INTS2 = R.integers(1, 40, (3, 4))
SQ = R.uniform(-1, 1, (4, 4))

# in-place name: (input, extra args); inputs are float64 unless integer
IN_PLACE = {
    "absolute": (OTHER, ()), "acos": (UNIT, ()), "acosh": (POS + 1, ()), "arccos": (UNIT, ()),
    "arccosh": (POS + 1, ()), "arcsin": (UNIT, ()), "arcsinh": (OTHER, ()), "arctan": (OTHER, ()),
    "arctanh": (UNIT, ()), "asin": (UNIT, ()), "asinh": (OTHER, ()), "atan": (OTHER, ()),
    "atanh": (UNIT, ()), "ceil": (OTHER * 3, ()), "cosh": (OTHER, ()), "deg2rad": (OTHER, ()),
    "digamma": (POS, ()), "erf": (OTHER, ()), "erfc": (OTHER, ()), "erfinv": (UNIT, ()),
    "exp2": (OTHER, ()), "expm1": (OTHER, ()), "fix": (OTHER * 3, ()), "frac": (OTHER * 3, ()),
    "lgamma": (POS, ()), "log10": (POS, ()), "log1p": (POS, ()), "log2": (POS, ()),
    "logit": (UNIT / 2 + 0.5, ()), "nan_to_num": (OTHER, ()), "negative": (OTHER, ()),
    "rad2deg": (OTHER, ()), "round": (OTHER * 3, ()), "rsqrt": (POS, ()), "sgn": (OTHER, ()),
    "sign": (OTHER, ()), "sinc": (OTHER, ()), "sinh": (OTHER, ()), "tan": (UNIT, ()),
    "trunc": (OTHER * 3, ()), "atan2": (OTHER, (POS,)), "arctan2": (OTHER, (POS,)),
    "copysign": (OTHER, (UNIT,)), "eq": (np.round(OTHER), (np.round(UNIT),)),
    "ne": (np.round(OTHER), (np.round(UNIT),)), "ge": (OTHER, (UNIT,)), "gt": (OTHER, (UNIT,)),
    "le": (OTHER, (UNIT,)), "lt": (OTHER, (UNIT,)), "greater": (OTHER, (UNIT,)),
    "greater_equal": (OTHER, (UNIT,)), "less": (OTHER, (UNIT,)), "less_equal": (OTHER, (UNIT,)),
    "not_equal": (OTHER, (UNIT,)), "float_power": (POS, (1.5,)), "floor_divide": (OTHER * 3, (POS,)),
    "hypot": (OTHER, (UNIT,)), "ldexp": (OTHER, (np.round(UNIT * 3),)),
    "logical_and": (np.round(OTHER), (np.round(UNIT),)), "logical_or": (np.round(OTHER), (np.round(UNIT),)),
    "logical_xor": (np.round(OTHER), (np.round(UNIT),)), "bitwise_and": (INTS, (INTS2,)),
    "bitwise_or": (INTS, (INTS2,)), "bitwise_xor": (INTS, (INTS2,)),
    "bitwise_left_shift": (INTS, (2,)), "bitwise_right_shift": (INTS, (2,)), "bitwise_not": (INTS, ()),
    "logical_not": (np.round(OTHER), ()), "multiply": (OTHER, (UNIT,)), "subtract": (OTHER, (UNIT,)),
    "divide": (OTHER, (POS,)), "true_divide": (OTHER, (POS,)), "xlogy": (POS, (POS,)),
    "heaviside": (np.round(OTHER), (UNIT,)), "nextafter": (OTHER, (UNIT,)), "clip": (OTHER, (-0.5, 0.5)),
    "cumsum": (OTHER, (1,)), "cumprod": (OTHER, (0,)), "tril": (OTHER, ()), "triu": (OTHER, (1,)),
    "addmv": (OTHER[0, :3], (SQ[:3], SQ[0])), "addr": (SQ, (UNIT[0], UNIT[1])),
    "baddbmm": (SQ[None], (SQ[None], SQ[None])), "addbmm": (SQ, (SQ[None], SQ[None])),
    "exp": (OTHER, ()), "log": (POS, ()), "sqrt": (POS, ()), "abs": (OTHER, ()), "neg": (OTHER, ()),
    "sigmoid": (OTHER, ()), "tanh": (OTHER, ()), "relu": (OTHER, ()), "floor": (OTHER * 3, ()),
    "pow": (POS, (2.5,)), "fmod": (OTHER * 3, (POS,)), "remainder": (OTHER * 3, (POS,)),
    "clamp_min": (OTHER, (0.1,)), "clamp_max": (OTHER, (-0.1,)), "square": (OTHER, ()),
    "sin": (OTHER, ()), "cos": (OTHER, ()), "reciprocal": (POS, ()),
}  # fmt: skip
DIFFERENTIABLE = {"acos", "erfinv", "atan2", "hypot", "multiply", "divide", "xlogy", "cumprod",
                  "logit", "clip", "addmv", "lgamma", "triu", "pow", "sigmoid"}  # fmt: skip


def _pair(a, grad=False):
    x = xn.tensor(a, requires_grad=grad)
    t = torch.tensor(a, requires_grad=grad)
    return x, t


def _arg(a, lib):
    return lib.tensor(a) if isinstance(a, np.ndarray) else a


def test_every_generated_form_has_a_row():
    assert set(_tensor_torch._IN_PLACE_FORMS) - {"polygamma"} == set(IN_PLACE)


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_forms_match_pytorch(name):
    data, extra = IN_PLACE[name]
    x, t = _pair(data)
    got = getattr(x, name + "_")(*[_arg(a, xn) for a in extra])
    want = getattr(t, name + "_")(*[_arg(a, torch) for a in extra])
    assert got is x and want is t
    assert x.backend.dtype_name(x.dtype) == str(t.dtype).rsplit(".", 1)[-1]
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_in_place_forms_in_a_graph_give_pytorchs_gradients(name):
    data, extra = IN_PLACE[name]
    (w, tw) = _pair(data, grad=True)
    y, ty = w * 1.0, tw * 1.0
    getattr(y, name + "_")(*[_arg(a, xn) for a in extra])
    getattr(ty, name + "_")(*[_arg(a, torch) for a in extra])
    cot = R.standard_normal(tuple(ty.shape))
    (y * xn.tensor(cot)).sum().backward()
    (ty * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_a_result_pytorch_would_not_write_in_place_is_refused():
    x = xn.tensor([1, 4, 9])
    with pytest.raises(xn.DTypeError, match=r"the result is float.*int64 tensor in place"):
        x.log2_()
    assert x.tolist() == [1, 4, 9]
    b = xn.tensor([1.0, 2.0])
    b.eq_(xn.tensor([1.0, 0.0]))  # a boolean result into a float tensor: 1.0 and 0.0
    assert b.tolist() == [1.0, 0.0]


def test_method_names_casts_and_layout_match_pytorch():
    x, t = _pair(OTHER)
    for name in (
        "greater",
        "less_equal",
        "not_equal",
        "multiply",
        "subtract",
        "hypot",
        "nextafter",
    ):
        np.testing.assert_array_equal(getattr(x, name)(xn.tensor(UNIT)).numpy(),
                                      getattr(t, name)(torch.tensor(UNIT)).numpy())  # fmt: skip
    for name in ("signbit", "positive", "erfc", "ravel", "msort", "fix", "angle", "conj"):
        np.testing.assert_allclose(
            getattr(x, name)().numpy(), getattr(t, name)().numpy(), rtol=1e-12
        )
    np.testing.assert_allclose(x.divide(2.0, rounding_mode="floor").numpy(),
                               t.divide(2.0, rounding_mode="floor").numpy())  # fmt: skip
    with pytest.raises(xn.DTypeError, match="unknown dtype 'bfloat16' for backend 'numpy'"):
        xn.tensor(INTS).bfloat16()  # NumPy has none (xpnet's torch and JAX backends do)
    for cast in ("byte", "char", "short", "cfloat", "cdouble"):
        got, want = getattr(xn.tensor(INTS), cast)(), getattr(torch.tensor(INTS), cast)()
        assert got.backend.dtype_name(got.dtype) == str(want.dtype).rsplit(".", 1)[-1]
        np.testing.assert_array_equal(
            got.to(xn.complex128).numpy(), want.to(torch.complex128).numpy()
        )
    assert xn.tensor(INTS).bitwise_not().tolist() == torch.tensor(INTS).bitwise_not().tolist()
    c = xn.tensor(np.array([1 + 2j, -3j]))
    tc = torch.tensor(np.array([1 + 2j, -3j]))
    assert c.real.tolist() == tc.real.tolist() and c.imag.tolist() == tc.imag.tolist()
    np.testing.assert_allclose(c.angle().numpy(), tc.angle().numpy(), rtol=1e-12)
    m = xn.zeros((2, 3, 4))
    assert m.stride() == torch.zeros(2, 3, 4).stride() and m.stride(1) == 4
    assert m.is_contiguous() and m.ndimension() == 3 and m.nelement() == 24
    assert m.itemsize == 4 and m.is_cpu and m.get_device() == -1
    assert m.is_signed() and not xn.tensor([1], dtype="uint8").is_signed()
    assert m.is_same_size(xn.ones((2, 3, 4))) and m.reshape_as(xn.ones((6, 4))).shape == (6, 4)


def test_a_comparison_in_place_in_a_graph_writes_its_result_as_the_tensors_dtype():
    w, tw = _pair(OTHER, grad=True)
    y, ty = w * 2.0, tw * 2.0
    y.gt_(0.5)
    ty.gt_(0.5)
    assert y.dtype == xn.float64 and y.tolist() == ty.tolist()


def test_shape_methods_match_pytorch():
    a = R.standard_normal((4, 6, 2))
    x, t = xn.tensor(a), torch.tensor(a)
    pairs = [
        (x.tile(2, 1), t.tile(2, 1)),
        (
            x.tile(
                2,
            ),
            t.tile(
                2,
            ),
        ),
        (x.take(xn.tensor([[0, 5], [47, 3]])), t.take(torch.tensor([[0, 5], [47, 3]]))),
        (x.dist(x * 0.5), t.dist(t * 0.5)),
        (x.dist(x * 0.5, 1), t.dist(t * 0.5, 1)),
        (x.mH, t.mH),
        (x[0].H, t[0].H),
        (x.adjoint(), t.adjoint()),
        (x.sum_to_size(6, 1), t.sum_to_size(6, 1)),
        (x.sum_to_size((1, 6, 2)), t.sum_to_size((1, 6, 2))),
    ]
    for split in ("hsplit", "vsplit", "dsplit"):
        for got, want in zip(getattr(x, split)(2), getattr(t, split)(2), strict=True):
            pairs.append((got, want))
    for got, want in zip(x.split_with_sizes([1, 3], 0), t.split_with_sizes([1, 3], 0), strict=True):
        pairs.append((got, want))
    for got, want in pairs:
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    with pytest.raises(xn.ShapeError, match="do not split into 4 equal parts"):
        x.hsplit(4)


@pytest.mark.parametrize(
    ("shape", "wrap"),
    [((3, 3), False), ((7, 3), False), ((7, 3), True), ((2, 5), False), ((3, 3, 3), False)],
)
def test_fill_diagonal_matches_pytorch(shape, wrap):
    x, t = xn.zeros(shape, dtype="float64"), torch.zeros(shape, dtype=torch.float64)
    x.fill_diagonal_(2.5, wrap=wrap)
    t.fill_diagonal_(2.5, wrap=wrap)
    np.testing.assert_array_equal(x.numpy(), t.numpy())


def test_fill_diagonal_and_detach_in_a_graph():
    w, tw = _pair(SQ, grad=True)
    y, ty = w * 3.0, tw * 3.0
    y.fill_diagonal_(0.0)
    ty.fill_diagonal_(0.0)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())
    z = w * 2.0
    assert z.detach_() is z and not z.requires_grad and z.grad_fn is None
    with pytest.raises(xn.GraphError, match=r"requires_grad_\(False\)"):
        w.detach_()


def test_random_fills_have_their_distributions():
    xn.manual_seed(0)
    n = 40000
    e = xn.empty(n, dtype="float64").exponential_(2.0)
    assert abs(e.mean().item() - 0.5) < 0.02 and e.min().item() >= 0
    c = xn.empty(n, dtype="float64").cauchy_(1.0, 0.5)
    q = np.quantile(c.numpy(), [0.25, 0.5, 0.75])
    np.testing.assert_allclose(q, [0.5, 1.0, 1.5], atol=0.03)  # Cauchy quartiles: median -+ sigma
    ln = xn.empty(n).log_normal_(0.5, 0.25)
    assert ln.dtype == xn.float32 and abs(float(xn.log(ln).mean()) - 0.5) < 0.01
    g = xn.empty(n).geometric_(0.25)
    assert abs(g.mean().item() - 4.0) < 0.1 and g.min().item() == 1.0
    assert (g.numpy() == np.round(g.numpy())).all()
    r = xn.empty(n, dtype="int64").random_(3, 7)
    assert set(np.unique(r.numpy())) == {3, 4, 5, 6} and r.dtype == xn.int64
    r = xn.empty(n).random_(5)
    assert set(np.unique(r.numpy())) == {0.0, 1.0, 2.0, 3.0, 4.0}
    assert xn.empty(100).random_().max().item() <= 2**24
    p = xn.full((n,), 0.3, dtype="float64")
    b = p.bernoulli()
    assert b.dtype == xn.float64 and abs(b.mean().item() - 0.3) < 0.01
    with pytest.raises(xn.ArgumentError, match="p must be in"):
        xn.empty(3).geometric_(1.5)


def test_index_put_and_put_match_pytorch_with_repeats_and_in_a_graph():
    a = np.arange(12.0).reshape(3, 4)
    for lib in (xn, torch):
        i0, i1 = lib.tensor([0, 2, 0]), lib.tensor([1, 3, 1])
        v = lib.tensor(np.array([10.0, 20.0, 30.0]))
        x = lib.tensor(a)
        y = lib.tensor(a)
        y.index_put_((i0,), lib.tensor(np.array([1.0, 2.0, 3.0, 4.0])), accumulate=True)
        z = lib.tensor(a)
        z.put_(lib.tensor([0, 11, 0]), lib.tensor(np.array([5.0, 6.0, 7.0])), accumulate=True)
        w = lib.tensor(a, requires_grad=True)
        q = w * 1.0
        q.index_put_((i0, i1), v * 0 + 1.5)
        (q * q).sum().backward()
        results = [x.index_put((i0, i1), v), x.index_put((i0, i1), v, accumulate=True), y, z,
                   x.put(lib.tensor([[1, 2]]), lib.tensor(np.array([[8.0, 9.0]]))), w.grad]  # fmt: skip
        if lib is xn:
            mine = [r.numpy() for r in results]
        else:
            for got, want in zip(mine, results, strict=True):
                np.testing.assert_array_equal(got, want.numpy())
