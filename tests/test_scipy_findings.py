"""What SciPy's own Array API test suite found when run on xpnet (tests/interop/
test_library_suites.py runs it), each checked here on its own, on every backend, against
NumPy's or PyTorch's behaviour: 0-d results that took no in-place write, ``full``'s dtype
from its fill, NumPy scalars in lists keeping their dtype, iteration over a 0-d tensor
refused at ``iter()``, a Python complex beside a 0-d float64 result, ``moveaxis`` with no
axes, broadcast errors that name the clashing axis, real matrices' eigenvalues in exact
conjugate pairs, and PyTorch's ``view(dtype)``."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def _t(data, backend, **kw):
    return xn.tensor(data, backend=backend, device=backend.device, **kw)


def test_in_place_writes_into_a_0d_result_and_a_tile(backend):
    x = _t(2.0, backend) + 1.0  # NumPy gives a 0-d result as a scalar
    x[...] = float("nan")
    assert np.isnan(x.item())
    if backend.device_str in ("cpu", "CPU_DEVICE"):  # array-api-strict's other devices
        x = _t(2.0, backend) + 1.0  # refuse boolean-mask writes themselves
        x[x > 0] = -1.0
        assert x.item() == -1.0
    x.fill_(4.0)
    assert x.item() == 4.0
    s = _t([1.0, 2.0], backend).sum()
    s[...] = 7.0
    assert s.item() == 7.0 and backend.dtype_name(s.dtype) == "float32"
    # a tile of a matrix is a new array (a broadcast view inside): writes into it stay in it
    eye = xn.eye(3, backend=backend, device=backend.device)
    tiled = xn.tile(eye, (2, 1, 1))
    tiled[..., :2, 2] = _t([5.0, 6.0], backend)
    expected = np.tile(np.eye(3, dtype=np.float32), (2, 1, 1))
    expected[..., :2, 2] = [5.0, 6.0]
    np.testing.assert_array_equal(tiled.numpy(), expected)
    np.testing.assert_array_equal(eye.numpy(), np.eye(3))


def test_full_takes_its_dtype_from_the_fill_as_pytorch():
    torch = pytest.importorskip("torch")
    for fill in (1, True, 2.5, 1j):
        assert xn.full((2,), fill).dtype == str(torch.full((2,), fill).dtype).split(".")[1]
    xp = xn.tensor([1.0]).__array_namespace__()
    assert xp.full(2, 3).dtype == "int64" and xp.full(2, 1j).dtype == "complex64"
    assert xp.__array_namespace_info__().default_dtypes()["complex floating"] == "complex64"


def test_a_complex_fill_follows_the_float64_default():
    xn.set_default_dtype("float64")
    try:
        xp = xn.tensor([1.0]).__array_namespace__()
        assert xn.full((2,), 1.3j).dtype == "complex128"
        assert xp.full(2, 1.3j).dtype == "complex128"
        assert xp.__array_namespace_info__().default_dtypes()["complex floating"] == "complex128"
        np.testing.assert_array_equal(xp.full(2, 1.3j).numpy(), np.full(2, 1.3j))
    finally:
        xn.set_default_dtype("float32")


@pytest.mark.parametrize(
    "data",
    [[np.int32(1), np.int32(2)], [np.float64(1.5)], [np.float64(1.0), 2.0], [[np.float32(1.0)]],
     [np.uint8(3)], [np.complex128(1j)], [np.array([1.0, 2.0])], [1.0, 2.0], [1, 2], [1j],
     [np.int32(1), 2]],
)  # fmt: skip
def test_numpy_scalars_in_lists_keep_their_dtype_as_in_pytorch(data):
    torch = pytest.importorskip("torch")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch: a list of arrays is slow
        expected = str(torch.tensor(data).dtype).split(".")[1]
    assert xn.tensor(data).dtype == expected


def test_iterating_a_0d_tensor_is_refused_when_iter_is_called(backend):
    x = _t(3.0, backend)
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(x)
    assert not np.iterable(x) and np.iterable(_t([3.0], backend))
    assert [v.item() for v in _t([1.0, 2.0], backend)] == [1.0, 2.0]


def test_python_complex_beside_0d_float64_results(backend):
    if not backend.float64:
        pytest.skip(f"{backend.name} on {backend.device_str} has no float64")
    x = _t(0.5, backend, dtype="float64") * 1.0  # a 0-d result (a NumPy scalar on NumPy)
    for got, want in (
        ((0.5j) * x, 0.25j),
        ((1 + 1j) - x, 0.5 + 1j),
        (2j / x, 4j),
        (x + 1j, 0.5 + 1j),
    ):
        assert backend.dtype_name(got.dtype) == "complex128", got
        assert got.item() == want
    # the standard's promotion: the complex of a float tensor's precision
    f32 = _t([1.0, 2.0], backend)
    assert backend.dtype_name((1j * f32).dtype) == "complex64"


def test_python_complex_beside_integer_tensors_is_the_default_complex_as_pytorch():
    torch = pytest.importorskip("torch")
    i = xn.tensor([1, 2])
    ti = torch.tensor([1, 2])
    for got, want in (
        (1j - i, 1j - ti),
        (i + 1j, ti + 1j),
        (xn.tensor([True]) * 1j, torch.tensor([True]) * 1j),
    ):
        assert got.dtype == str(want.dtype).split(".")[1]
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_moveaxis_with_no_axes_and_repeated_axes(backend):
    x = _t(np.arange(24.0, dtype=np.float32).reshape(2, 3, 4), backend)
    assert xn.moveaxis(x, (), ()).shape == (2, 3, 4)
    assert xn.moveaxis(_t(1.0, backend), (), ()).shape == ()
    assert (
        xn.moveaxis(x, (0, 1), (2, 0)).shape
        == np.moveaxis(np.ones((2, 3, 4)), (0, 1), (2, 0)).shape
    )
    with pytest.raises(xn.ShapeError, match="repeated axis"):
        xn.moveaxis(x, (0, 0), (1, 2))
    with pytest.raises(xn.ShapeError, match="differ in length"):
        xn.moveaxis(x, (0, 1), (1,))


def test_broadcast_errors_name_the_clashing_shapes_and_axis():
    with pytest.raises(
        xn.ShapeError,
        match=r"\(2,\) and \(3,\) cannot be broadcast together \(axis -1: lengths 2 and 3",
    ):
        xn.broadcast_shapes((2,), (2,), (3,))
    with pytest.raises(xn.ShapeError, match=r"axis -3: lengths 4 and 5"):
        xn.broadcast_arrays(xn.ones((4, 1, 3)), xn.ones((5, 2, 1)))


def test_eigenvalues_of_a_real_matrix_come_in_exact_conjugate_pairs(backend):
    if not backend.float64:
        pytest.skip(f"{backend.name} on {backend.device_str} has no float64")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 12, 12))
    lam = xn.linalg.eigvals(_t(a, backend, dtype="float64")).numpy()
    for row, ref in zip(lam, np.linalg.eigvals(a), strict=True):
        np.testing.assert_array_equal(np.sort_complex(row), np.sort_complex(np.conj(row)))
        np.testing.assert_allclose(np.sort_complex(row), np.sort_complex(ref), rtol=1e-10)
    values, vectors = xn.linalg.eig(_t(a[0], backend, dtype="float64"))
    assert backend.dtype_name(vectors.dtype) == "complex128"
    np.testing.assert_allclose(
        a[0] @ vectors.numpy(), vectors.numpy() * values.numpy()[None, :], atol=1e-10
    )


@pytest.mark.parametrize(
    ("src", "dst"),
    [("float32", "int32"), ("float32", "float16"), ("float32", "uint8"), ("float64", "float32"),
     ("float16", "float32"), ("int64", "float64"), ("complex64", "float32"),
     ("float32", "complex64")],
)  # fmt: skip
def test_view_as_dtype_is_pytorchs(backend, src, dst):
    torch = pytest.importorskip("torch")
    if any(d not in backend.dtypes for d in (src, dst)) or (
        "float64" in (src, dst) and not backend.float64
    ):
        pytest.skip(f"{backend.name} on {backend.device_str} has no {src} or {dst}")
    host = (np.arange(8, dtype=np.float64) * 0.75 - 2).astype(src).reshape(2, 4)
    x = _t(host, backend, dtype=src)
    got = x.view(getattr(xn, dst))
    want = torch.from_numpy(host.copy()).view(getattr(torch, dst))
    assert got.backend is backend and got.dtype == x.backend.dtype(dst)
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_view_as_dtype_edges():
    torch = pytest.importorskip("torch")
    x = xn.tensor([1.0, 2.0], dtype="float64")
    assert x.view(float).dtype == "float64"  # Python's float: 8 bytes, as in PyTorch
    assert x.view(np.int64(2)).shape == (2,) and x.view(2, 1).shape == (2, 1)
    y = xn.tensor([1.0, 2.0], requires_grad=True).view(xn.int32)
    assert (
        not y.requires_grad
        and not torch.ones(2, requires_grad=True).view(torch.int32).requires_grad
    )
    with pytest.raises(xn.ShapeError, match="0-d tensor keeps its item size"):
        xn.tensor(1.0).view(xn.float16)
    with pytest.raises(xn.ShapeError, match=r"last axis \(3 x 4 bytes\) is not a multiple of 8"):
        xn.tensor([1.0, 2.0, 3.0]).view(xn.complex64)
    shared = xn.tensor([1.0, 2.0])
    shared.view(xn.int32)[0] = 0  # NumPy's backend: the same memory, as PyTorch's view
    assert shared.tolist() == [0.0, 2.0]


def test_view_as_dtype_in_a_compiled_step():
    f = xn.compile(lambda x: (x * 2).view(xn.int32) + 0)
    for v in (1.0, 2.0, 3.0):
        x = xn.tensor([v, -v])
        np.testing.assert_array_equal(
            f(x).numpy(), (np.array([v, -v], np.float32) * 2).view(np.int32)
        )
