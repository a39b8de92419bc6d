"""grad/value_and_grad with has_aux, and hessian over several arguments (JAX's blocks),
with PyTorch's hessian as the oracle."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def test_grad_with_aux():
    x = xn.tensor([1.0, 2.0])
    g, aux = xn.grad(lambda x: ((x * x).sum(), {"doubled": x * 2, "n": 2}), has_aux=True)(x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    assert aux["n"] == 2 and not aux["doubled"].requires_grad
    (v, aux), g = xn.value_and_grad(lambda x: ((x * x).sum(), [x.sum()]), has_aux=True)(x)
    assert float(v) == 5.0 and float(aux[0]) == 3.0
    with pytest.raises(xn.ArgumentTypeError, match="pair"):
        xn.grad(lambda x: (x * x).sum(), has_aux=True)(x)


def test_hessian_blocks_match_pytorch():
    torch = pytest.importorskip("torch")

    def f(a, b):
        return (a * a).sum() * b.sum() + (a.sum() * b * b).sum()

    a, b = np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0, 5.0], np.float32)
    h = (
        xn.hessian(f, argnums=(0, 1))(xn.tensor(a), xn.tensor(b))
        if hasattr(xn, "hessian")
        else (xn.autodiff.hessian(f, argnums=(0, 1))(xn.tensor(a), xn.tensor(b)))
    )
    ht = torch.autograd.functional.hessian(f, (torch.tensor(a), torch.tensor(b)))
    for i in range(2):
        for j in range(2):
            assert h[i][j].shape == tuple(ht[i][j].shape)
            np.testing.assert_allclose(h[i][j].numpy(), ht[i][j].numpy(), rtol=1e-6)
    single = xn.autodiff.hessian(f, argnums=1)(xn.tensor(a), xn.tensor(b))
    np.testing.assert_allclose(single.numpy(), ht[1][1].numpy(), rtol=1e-6)
