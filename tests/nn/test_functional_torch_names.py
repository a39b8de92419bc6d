"""F.one_hot, F.normalize and F.cosine_similarity: PyTorch's functions, PyTorch as the
oracle for values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

F = nn.functional


def test_one_hot(backend):
    y = xn.tensor(np.array([[0, 2], [1, 0]]), backend=backend)
    hot = F.one_hot(y, num_classes=4)
    assert hot.shape == (2, 2, 4) and backend.dtype_name(hot.dtype) == "int64"
    assert hot.backend is backend
    np.testing.assert_array_equal(hot.numpy(), np.eye(4, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(y).shape == (2, 2, 3)  # num_classes=-1: the largest label + 1
    with pytest.raises(xn.DTypeError, match="labels must be integers"):
        F.one_hot(xn.tensor([0.0, 1.0], backend=backend), 2)
    with pytest.raises(xn.ArgumentError, match="num_classes must be a positive int"):
        F.one_hot(y, num_classes=0)
    with pytest.raises(xn.OutOfRangeError, match=r"one_hot: .*out of range for 2 classes"):
        F.one_hot(y, num_classes=2).numpy()  # (on a device: raised at the read)


@pytest.mark.parametrize("p", [2.0, 1.0])
def test_normalize_matches_pytorch_values_and_gradients(p, rng):
    torch = pytest.importorskip("torch")
    xv = rng.standard_normal((3, 4))
    xv[1] = 0.0  # a zero row: stays zero, zero gradient
    x, tx = xn.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    w = rng.standard_normal((3, 4))
    y, ty = F.normalize(x, p=p, dim=1), torch.nn.functional.normalize(tx, p=p, dim=1)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    (y * xn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cosine_similarity_matches_pytorch_values_and_gradients(rng):
    torch = pytest.importorskip("torch")
    av, bv = rng.standard_normal((5, 3)), rng.standard_normal((1, 3))
    av[2] = 0.0
    a, b = xn.tensor(av, requires_grad=True), xn.tensor(bv, requires_grad=True)
    ta, tb = torch.tensor(av, requires_grad=True), torch.tensor(bv, requires_grad=True)
    c, tc = F.cosine_similarity(a, b), torch.nn.functional.cosine_similarity(ta, tb)
    assert c.shape == tuple(tc.shape) == (5,)
    np.testing.assert_allclose(c.detach().numpy(), tc.detach().numpy(), rtol=1e-12)
    (c * xn.tensor(np.arange(5.0))).sum().backward()
    (tc * torch.arange(5.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)
    same = F.cosine_similarity(xn.tensor(av), xn.tensor(av), dim=1)
    np.testing.assert_allclose(same.numpy(), [1, 1, 0, 1, 1], rtol=1e-12)
