"""xn.einsum (xpnet/ops/_einsum.py) against NumPy's and PyTorch's einsum: values, shapes,
gradients (PyTorch), second order, broadcasting, errors, every backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

from ..torch_oracle import matches_torch

CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iii->i", [(3, 3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("...ij,...jk->...ik", [(2, 5, 2, 3), (5, 3, 4)]),
    ("...i,...i->...", [(2, 3, 4), (4,)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("ij...,jk...->ik...", [(2, 3, 5), (3, 4, 5)]),
    ("a...,a...->...", [(2, 3), (2, 1)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ab,cd->abcd", [(2, 1), (3, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,kj->ik", [(0, 3), (4, 3)]),
    ("bi,bi->b", [(1, 3), (4, 3)]),
    ("ij,jk->", [(2, 3), (3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
]
IDS = [c[0].replace(" ", "_") for c in CASES]


@pytest.mark.parametrize(("eq", "shapes"), CASES, ids=IDS)
def test_einsum_matches_numpy(eq, shapes, rng):
    ops = [rng.standard_normal(s) for s in shapes]
    got = xn.einsum(eq, *[xn.tensor(o) for o in ops])
    want = np.einsum(eq.replace(" ", ""), *ops)
    assert got.shape == want.shape and got.dtype == xn.get_backend().dtype("float64")
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("eq", "shapes"), CASES, ids=IDS)
def test_einsum_gradients_match_pytorch(eq, shapes, rng):
    inputs = [rng.standard_normal(s) for s in shapes]
    matches_torch(lambda lib, *ts: lib.einsum(eq, *ts), inputs, rng, rtol=1e-12, grad_rtol=1e-10)


def test_einsum_broadcasts_and_sums_ellipsis_axes_as_pytorch(rng):
    torch = pytest.importorskip("torch")
    a, b = rng.standard_normal((2, 1)), rng.standard_normal((3, 4))
    for eq, ops in [("...->", [a]), ("i...->i", [b]), ("ij,jk", [a, b])]:  # j: 1 against 3
        got = xn.einsum(eq, *[xn.tensor(o) for o in ops])
        want = torch.einsum(eq, *[torch.tensor(o) for o in ops])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_einsum_second_order_is_pytorchs(rng):
    """A Hessian-vector product through einsum (grad of grad)."""
    torch = pytest.importorskip("torch")
    av, bv, vv = (
        rng.standard_normal((3, 4)),
        rng.standard_normal((4, 4)),
        rng.standard_normal((3, 4)),
    )

    def f(lib, a, b):
        return (lib.einsum("ij,jk,ik->i", a, b, a) ** 2).sum()

    a = xn.tensor(av, requires_grad=True)
    (g,) = xn.autograd.grad(f(xn, a, xn.tensor(bv)), a, create_graph=True)
    (hv,) = xn.autograd.grad((g * xn.tensor(vv)).sum(), a)
    ta = torch.tensor(av, requires_grad=True)
    (tg,) = torch.autograd.grad(f(torch, ta, torch.tensor(bv)), ta, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(vv)).sum(), ta)
    np.testing.assert_allclose(hv.numpy(), thv.numpy(), rtol=1e-9)


def test_einsum_on_every_backend(backend, rng):
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((2, 4, 5)).astype(np.float32)
    got = xn.einsum("bij,bjk->bik", [xn.tensor(a, backend=backend), xn.tensor(b, backend=backend)])
    assert got.backend is backend and got.dtype == backend.dtype("float32")
    np.testing.assert_allclose(got.numpy(), np.einsum("bij,bjk->bik", a, b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("eq", "shapes", "error", "match"),
    [
        ("ij,jk->ik", [(2, 3)], xn.ArgumentError, "2 operand.*1 tensor"),
        ("ij->ik", [(2, 3)], xn.ArgumentError, "every output label must appear"),
        ("ij->ii", [(2, 3)], xn.ArgumentError, "every output label must appear"),
        ("i1->i", [(2, 3)], xn.ArgumentError, "subscripts are letters"),
        ("ijk->i", [(2, 3)], xn.ShapeError, "labels 3 axes of a tensor with 2"),
        ("ij,jk->ik", [(2, 3), (4, 5)], xn.ShapeError, "label 'j' has sizes 3 and 4"),
        ("ii->i", [(2, 3)], xn.ShapeError, "repeated on axes of sizes 2 and 3"),
    ],
)
def test_einsum_errors_say_what_is_wrong(eq, shapes, error, match):
    with pytest.raises(error, match=match):
        xn.einsum(eq, *[xn.ones(s) for s in shapes])
