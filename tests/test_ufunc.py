"""NumPy ufuncs on tensors (xpnet/_ufunc.py): NumPy's operators and the standard's
elementwise functions stay in the graph and on the tensor's backend; anything else runs
on the host values (refused for a tensor that requires grad), as NumPy runs PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def _t(data, backend, **kw):
    return xn.tensor(data, backend=backend, device=backend.device, **kw)


def test_numpy_operators_reach_the_tensors_own(backend):
    a = np.array([3.0, 4.0], dtype=np.float32)
    t = _t([1.0, 2.0], backend, requires_grad=True)
    for got, want in ((a * t, [3.0, 8.0]), (a - t, [2.0, 2.0]), (a / t, [3.0, 2.0]),
                      (np.float32(2) * t, [2.0, 4.0]), (a ** t, [3.0, 16.0])):  # fmt: skip
        assert isinstance(got, xn.Tensor) and got.backend is backend and got.requires_grad
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    assert (a < t).tolist() == [False, False] and (a > t).tolist() == [True, True]
    assert np.less(t, a).tolist() == [True, True]


def test_standard_elementwise_ufuncs_stay_in_the_graph(backend):
    t = _t([0.5, 2.0], backend, requires_grad=True)
    a = np.array([1.0, 3.0], dtype=np.float32)
    loss = (np.exp(t) * a + np.arctan2(t, a) + np.absolute(-t)).sum()
    assert isinstance(loss, xn.Tensor) and loss.backend is backend
    loss.backward()
    tv = np.array([0.5, 2.0])
    av = np.array([1.0, 3.0])
    want = np.exp(tv) * av + av / (av**2 + tv**2) + 1.0
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-5)


def test_other_ufunc_uses_run_on_host_values(backend):
    t = _t([1.0, 2.0, 3.0], backend)
    total = np.add.reduce(t)
    assert isinstance(total, xn.Tensor) and total.backend is backend and total.item() == 6.0
    mantissa, exponent = np.frexp(t)
    assert mantissa.tolist() == [0.5, 0.5, 0.75] and exponent.tolist() == [1, 2, 2]
    out = np.zeros(3)
    out += t  # out= writes the NumPy array, as for PyTorch tensors
    assert out.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(xn.GraphError, match="requires grad"):
        np.add.reduce(_t([1.0], backend, requires_grad=True))
