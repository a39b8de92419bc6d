"""The Tensor API: creation and dtype policy, operators, indexing, conversion, DLPack, moves."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def _t(data, backend, **kw):
    return xn.tensor(data, backend=backend, device=backend.device, **kw)


def test_default_dtypes(backend):
    assert backend.dtype_name(_t([1.0, 2.0], backend).dtype) == "float32"
    assert backend.dtype_name(_t([1, 2], backend).dtype) == "int64"
    assert backend.dtype_name(_t([True], backend).dtype) == "bool"
    assert (
        backend.dtype_name(xn.zeros(2, backend=backend, device=backend.device).dtype) == "float32"
    )
    assert backend.dtype_name(xn.arange(3, backend=backend, device=backend.device).dtype) == "int64"
    assert backend.dtype_name(_t([1, 2], backend, dtype="float32").dtype) == "float32"


def test_python_scalars_never_upcast_float32(backend):
    x = _t([1.0, 2.0], backend)
    for y in (
        x * 2.0,
        2.0 * x,
        x + 1,
        x / 3.0,
        3.0 / x,
        x**2.0,
        2.0**x,
        x - 0.5,
        xn.maximum(x, 1.5),
        xn.where(x > 1.0, x, 0.0),
    ):
        assert backend.dtype_name(y.dtype) == "float32", y
        assert y.backend is backend


def test_numpy_scalar_on_the_left_defers_to_tensor():
    x = xn.tensor([1.0, 2.0])
    y = np.float32(2.0) * x
    assert isinstance(y, xn.Tensor) and y.dtype == np.float32


def test_int_tensor_with_float_scalar_becomes_float32(backend):
    y = _t([1, 2], backend) * 2.5
    assert backend.dtype_name(y.dtype) == "float32"
    np.testing.assert_allclose(y.numpy(), [2.5, 5.0])


def test_numpy_arrays_are_host_data_for_the_current_backend():
    t = xn.tensor(np.arange(3, dtype=np.float64))
    assert t.backend.name == "numpy" and t.dtype == np.float64
    with xn.use_backend("array_api_strict", "device1") as b:
        s = xn.tensor(np.arange(3, dtype=np.float32))
    assert s.backend is b and b.dtype_name(s.dtype) == "float32"


def test_native_arrays_keep_backend_and_device():
    import array_api_strict as xps

    a = xps.asarray([1.0, 2.0], device=xps.Device("device1"))
    t = xn.tensor(a)
    assert t.backend is xn.get_backend("array_api_strict", "device1")
    moved = xn.tensor(a, backend="numpy")
    assert moved.backend.name == "numpy" and moved.tolist() == [1.0, 2.0]


def test_tensor_of_tensor_copies_and_detaches(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    y = xn.tensor(x)
    assert not y.requires_grad and y.backend is backend
    with xn.no_grad():
        y[0] = 9.0
    assert x.tolist() == [1.0, 2.0]


def test_properties_and_conversions(backend):
    x = _t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.device == backend.device and x.backend is backend
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert isinstance(x.numpy(), np.ndarray) and x.numpy().dtype == np.float32
    assert x[1, 2].item() == 6.0 and float(x[0, 0]) == 1.0
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert [r.tolist() for r in x] == x.tolist()
    assert "backend=" in repr(x) and backend.device_str in repr(x)
    with pytest.raises(ValueError, match="one element"):
        x.item()


@pytest.mark.parametrize(
    "value, dtype, kind", [(2.5, "float32", float), (-3, "int64", int), (True, "bool", bool)]
)
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_item_gives_the_python_scalar_of_any_one_element_tensor(backend, value, dtype, kind, shape):
    x = xn.tensor(np.full(shape, value, dtype=dtype), backend=backend)
    got = x.item()
    assert type(got) is kind and got == value


def test_methods(backend):
    x = _t([[1.0, -2.0], [3.0, 4.0]], backend)
    assert x.sum().item() == 6.0 and x.mean().item() == 1.5
    assert x.max(axis=0).tolist() == [3.0, 4.0] and x.min().item() == -2.0
    assert x.argmax(axis=1).tolist() == [0, 1]
    assert (
        x.reshape(4).shape == (4,)
        and x.reshape((1, 4)).shape == (1, 4)
        and x.view(-1, 1).shape == (4, 1)
    )
    assert x.flatten().shape == (4,) and x.unsqueeze(0).shape == (1, 2, 2)
    assert x.unsqueeze(0).squeeze().shape == (2, 2)
    assert (
        x.permute(1, 0).tolist() == [[1.0, 3.0], [-2.0, 4.0]]
        and x.transpose(0, 1).tolist() == x.T.tolist()
    )
    assert x.clamp(min=0.0).tolist() == [[1.0, 0.0], [3.0, 4.0]]
    assert x.abs().sum().item() == 10.0
    assert x.expand(3, 2, 2).shape == (3, 2, 2)
    np.testing.assert_allclose(x.softmax().sum(axis=-1).numpy(), [1.0, 1.0], rtol=1e-6)


def test_comparisons_and_logic(backend):
    x = _t([1.0, 2.0, 3.0], backend)
    assert (x > 1.5).tolist() == [False, True, True]
    assert (x <= 2.0).tolist() == [True, True, False]
    assert (x == 2.0).tolist() == [False, True, False] and (x != 2.0).tolist() == [
        True,
        False,
        True,
    ]
    assert ((x > 1.0) & (x < 3.0)).tolist() == [False, True, False]
    assert (~(x > 1.0)).tolist() == [True, False, False]


def test_indexing(backend):
    x = _t(np.arange(12.0).reshape(3, 4), backend, dtype="float32")
    assert x[1].tolist() == [4.0, 5.0, 6.0, 7.0]
    assert x[:, 1:3].shape == (3, 2) and x[..., -1].tolist() == [3.0, 7.0, 11.0]
    assert x[None, 0].shape == (1, 4)
    i = _t([2, 0, 2], backend)
    assert x[i, i].tolist() == [10.0, 0.0, 10.0]
    assert xn.take(x, i, axis=1).shape == (3, 3)


def test_to_moves_between_backends_and_back_with_gradients(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    y = x.to(backend="numpy")
    assert y.backend is xn.get_backend("numpy")
    z = (y * 3.0).to(backend=backend)
    assert z.backend is backend
    z.sum().backward()
    xn.testing.assert_close(x.grad, _t([3.0, 3.0], backend))


def test_to_device_on_fake_devices():
    x = xn.tensor([1.0, 2.0], backend="array_api_strict", requires_grad=True)
    y = x.to(device="device1")
    assert y.backend is xn.get_backend("array_api_strict", "device1")
    (y * y).sum().backward()
    assert x.grad.backend is x.backend and x.grad.tolist() == [2.0, 4.0]
    assert x.to() is x


def test_to_dtype(backend):
    x = _t([1.5, 2.5], backend)
    assert backend.dtype_name(x.to(dtype="int64").dtype) == "int64"
    if backend.float64:
        assert backend.dtype_name(x.double().dtype) == "float64"


def _host(x):
    """NumPy imports DLPack only from CPU memory; a GPU tensor comes back with .numpy()."""
    return np.from_dlpack(x) if x.__dlpack_device__()[0] == 1 else x.numpy()


def test_dlpack_roundtrip(backend):
    x = _t([1.0, 2.0, 3.0], backend)
    host = _host(x)
    np.testing.assert_array_equal(host, [1.0, 2.0, 3.0])
    back = xn.from_dlpack(host, backend="numpy")
    assert back.backend.name == "numpy" and back.tolist() == [1.0, 2.0, 3.0]
    # DLPack carries the device type only: array-api-strict's fake devices import as its
    # default device unless asked, which is what from_dlpack's device= is for.
    same = xn.from_dlpack(x.native(), backend=backend.name, device=backend.device)
    assert same.backend is backend and same.tolist() == [1.0, 2.0, 3.0]


def test_creation_functions(backend):
    kw = {"backend": backend, "device": backend.device}
    assert xn.ones(2, 3, **kw).shape == (2, 3) and xn.zeros((4,), **kw).shape == (4,)
    assert xn.full((2,), 7.0, **kw).tolist() == [7.0, 7.0]
    assert xn.eye(3, **kw).sum().item() == 3.0
    assert xn.linspace(0.0, 1.0, 5, **kw).shape == (5,)
    assert xn.arange(1, 7, 2, **kw).tolist() == [1, 3, 5]
    x = xn.randn(3, 2, **kw)
    assert (
        xn.zeros_like(x).shape == (3, 2) and xn.ones_like(x, dtype="int64").tolist() == [[1, 1]] * 3
    )
    assert sorted(xn.randperm(5, **kw).tolist()) == [0, 1, 2, 3, 4]


def test_requires_grad_flag_and_leaves(backend):
    x = _t([1.0], backend).requires_grad_()
    y = x * 2.0
    assert x.is_leaf and not y.is_leaf and y.grad_fn.prim.name == "multiply"
    d = y.detach()
    assert d.is_leaf and not d.requires_grad


def test_zero_dim_results_export_dlpack(backend):
    x = _t(1.5, backend).exp()
    np.testing.assert_allclose(_host(x), np.exp(np.float32(1.5)), rtol=1e-6)


def test_tensor_copies_numpy_data_and_asarray_shares_it():
    a = np.ones(3, dtype=np.float32)
    t = xn.tensor(a, backend="numpy")
    t += 1.0
    assert a.tolist() == [1.0, 1.0, 1.0]  # the caller's array is untouched
    s = xn.asarray(a, backend="numpy")
    s += 1.0
    assert a.tolist() == [2.0, 2.0, 2.0]  # asarray shares, as documented


def test_tensor_copies_foreign_arrays_of_its_own_backend():
    torch = pytest.importorskip("torch")
    src = torch.ones(2)
    t = xn.tensor(src)
    t += 1.0
    assert src.tolist() == [1.0, 1.0] and t.backend.name == "torch"


def test_requires_grad_attribute_rejects_integer_tensors(backend):
    t = _t([1, 2], backend)
    with pytest.raises(
        xn.DTypeError, match="only floating-point and complex tensors can require grad"
    ):
        t.requires_grad = True
    assert t.requires_grad is False
    f = _t([1.0], backend)
    f.requires_grad = True
    assert f.requires_grad and f.is_leaf


def test_zero_fills_in_place(backend):
    t = _t([1.0, float("nan"), float("inf")], backend)
    before = t._version
    assert t.zero_() is t and t.tolist() == [0.0, 0.0, 0.0] and t._version > before


# -- PyTorch habits (compared with torch 2.13 where it applies) ------------------------


def test_size_numel_dim_like_pytorch(backend):
    torch = pytest.importorskip("torch")
    t = _t(np.zeros((2, 3, 4)), backend, dtype="float32")
    r = torch.zeros(2, 3, 4)
    assert t.size() == tuple(r.size()) and t.size(1) == r.size(1) and t.size(-1) == r.size(-1)
    assert t.numel() == r.numel() and t.dim() == r.dim()
    assert t.size == 24 and t.size + 1 == 25  # still the Array API's element count


def test_dim_keepdim_aliases_match_pytorch(backend):
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(3, 4)
    t, r = _t(a, backend, dtype="float32"), torch.tensor(a, dtype=torch.float32)
    for name in ("sum", "mean", "softmax", "log_softmax"):
        kw = {"dim": 1} if "softmax" in name else {"dim": 1, "keepdim": True}
        np.testing.assert_allclose(
            getattr(t, name)(**kw).numpy(), getattr(r, name)(**kw).numpy(), rtol=1e-6
        )
    np.testing.assert_allclose(t.var(dim=0, correction=1).numpy(), r.var(dim=0).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(t.argmax(dim=1).numpy(), r.argmax(dim=1).numpy())
    assert t.unsqueeze(dim=0).shape == tuple(r.unsqueeze(dim=0).shape)
    np.testing.assert_allclose(xn.nn.functional.softmax(t, dim=0).numpy(),
                               torch.nn.functional.softmax(r, dim=0).numpy(), rtol=1e-6)  # fmt: skip
    with pytest.raises(xn.ArgumentTypeError, match="both dim= and axis= given"):
        t.sum(dim=0, axis=1)
    with pytest.raises(xn.ArgumentTypeError, match="no unbiased= in xpnet: use correction=1"):
        t.std(unbiased=True)
    with pytest.raises(xn.ArgumentTypeError, match="no out= in xpnet"):
        t.sum(out=None)
    with pytest.raises(
        xn.ArgumentTypeError, match="unknown keyword dims=; it takes axis \\(or dim\\)"
    ):
        t.sum(dims=1)


def test_clone_cpu_casts_and_dtype_constants(backend):
    t = _t([1.5, -2.0], backend, dtype="float32", requires_grad=True)
    c = t.clone()
    assert c is not t and c.native() is not t.native() and c.requires_grad
    (c * 2.0).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [2.0, 2.0])  # clone is differentiable
    host = t.cpu()  # the host: the NumPy backend, whatever the tensor's backend
    assert host.backend.name == "numpy" and host.numpy().tolist() == [1.5, -2.0]
    assert backend.dtype_name(t.long().dtype) == "int64" or not backend.float64
    assert backend.dtype_name(t.float().dtype) == "float32"
    assert xn.float32 == "float32" and xn.int64 == "int64"
    assert backend.dtype_name(xn.zeros(2, dtype=xn.float32, backend=backend).dtype) == "float32"
    assert xn.cat([t.detach(), t.detach()]).shape == (4,)


def test_numpy_asarray_gives_the_values(backend):
    t = _t([[1.0, 2.0], [3.0, 4.0]], backend, dtype="float32")
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_assigning_data_is_checked_at_assignment():
    t = xn.zeros((2, 2))
    t.data = np.ones((2, 2), np.float32)
    assert t.numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(xn.ShapeError, match="an array of shape \\(3, 3\\)"):
        t.data = np.ones((3, 3), np.float32)
    with pytest.raises(
        xn.DTypeError, match="dtype float64 for a tensor of shape \\(2, 2\\) and dtype float32"
    ):
        t.data = np.ones((2, 2))
    torch = pytest.importorskip("torch")
    with pytest.raises(xn.BackendError, match="must belong to Backend\\('numpy'"):
        t.data = torch.ones(2, 2)
    assert t.numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]  # unchanged by the refused assignments


def test_nbytes_and_element_size_like_pytorch(backend):
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "int64", "bool", "float64"):
        if not backend.float64 and dtype == "float64":
            continue
        t = xn.zeros((3, 4), dtype=dtype, backend=backend, device=backend.device)
        r = torch.zeros(3, 4, dtype=getattr(torch, dtype))
        assert t.element_size() == r.element_size() and t.nbytes == r.nbytes
