"""``xn.linalg.norm``: PyTorch's and NumPy's norm, composed of the standard's vector_norm
and matrix_norm (so its gradients are theirs)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

CASES = [
    {},
    {"dim": 1},
    {"dim": (0, 2)},
    {"dim": (2, 0), "ord": 1},
    {"dim": (2, 0), "ord": "nuc"},
    {"dim": -1, "ord": 1, "keepdim": True},
    {"dim": (1, 2), "ord": float("inf"), "keepdim": True},
    {"dim": (0, 1), "ord": -2},
    {"dim": [2], "ord": 3},
]


@pytest.mark.parametrize("kw", CASES, ids=[str(c) for c in CASES])
def test_norm_matches_pytorch(kw, backend):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    got = xn.linalg.norm(xn.asarray(a, backend=backend), **kw)
    want = torch.linalg.norm(torch.tensor(a), **kw)
    assert got.backend is backend and got.dtype == backend.dtype("float32")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)


def test_norm_without_dim_of_a_matrix_or_vector_and_its_errors():
    torch = pytest.importorskip("torch")
    m = np.random.default_rng(1).standard_normal((4, 3))
    for ord in (None, "fro", "nuc", 1, -1, 2, float("inf")):
        np.testing.assert_allclose(
            xn.linalg.norm(xn.tensor(m), ord).numpy(),
            torch.linalg.norm(torch.tensor(m), ord).numpy(),
            rtol=1e-12,
        )
    assert xn.linalg.norm(xn.tensor([3.0, -4.0]), 1).item() == 7.0
    with pytest.raises(xn.ShapeError, match="without dim needs a 1-D or 2-D tensor"):
        xn.linalg.norm(xn.ones((2, 2, 2)), 2)
    with pytest.raises(xn.ArgumentError, match="names one axis twice"):
        xn.linalg.norm(xn.ones((2, 2)), dim=(0, -2))
    xn.check_grad(lambda x: xn.linalg.norm(x, dim=(1, 0), ord="fro"), xn.tensor(m))
    xn.check_grad(lambda x: xn.linalg.norm(x, dim=1, ord=3), xn.tensor(m))


def test_the_frobenius_norm_of_a_complex_matrix_is_real(backend):
    """sqrt(sum |z|^2), in the real dtype of the input (the conformance suite found
    matrix_norm returning sqrt(sum z^2), complex)."""
    a = np.array([[1 + 2j, 0.5j], [3, -1]], dtype=np.complex64)
    x = xn.asarray(a, backend=backend)
    for f in (lambda t: xn.linalg.matrix_norm(t), lambda t: xn.linalg.norm(t, "fro")):
        got = f(x)
        assert got.dtype == backend.dtype("float32")
        np.testing.assert_allclose(float(got), np.linalg.norm(a, "fro"), rtol=1e-6)
