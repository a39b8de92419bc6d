"""Sparse COO tensors against PyTorch's: construction, coalescing, products with dense and
sparse operands (values and gradients, also with respect to the stored values), sums and
the dense + sparse promotions a graph network's preprocessing does."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn

torch = pytest.importorskip("torch")

# PyTorch's own notes on its sparse support (beta CSR kernels behind sparse @ sparse)
pytestmark = pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta:UserWarning")

INDICES = np.array([[0, 1, 1, 3, 1], [2, 0, 2, 1, 2]])  # (1, 2) twice: uncoalesced
VALUES = np.array([3.0, 4.0, 5.0, -1.0, 0.5])


def _torch_sparse(values=VALUES, dtype=torch.float32, requires_grad=False):
    with warnings.catch_warnings():  # PyTorch's note on its disabled invariant checks
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_coo_tensor(torch.tensor(INDICES), torch.tensor(values, dtype=dtype),
                                       (4, 3), requires_grad=requires_grad)  # fmt: skip


def _check(got, want, rtol=1e-6):
    want = want.to_dense() if getattr(want, "is_sparse", False) else want
    got = got.to_dense() if getattr(got, "is_sparse", False) else got
    assert got.backend.dtype_name(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=rtol, atol=1e-6)


def test_construction_coalescing_and_conversions(backend):
    s = xn.sparse_coo_tensor(INDICES, VALUES.astype(np.float32), (4, 3), backend=backend)
    t = _torch_sparse()
    assert s.is_sparse and s.shape == (4, 3) and s._nnz() == 5 and not s.is_coalesced()
    _check(s.to_dense(), t.to_dense())
    c, tc = s.coalesce(), t.coalesce()
    assert c.is_coalesced() and c._nnz() == tc._nnz() == 4
    np.testing.assert_array_equal(c.indices().numpy(), tc.indices().numpy())
    _check(c.values(), tc.values())
    with pytest.raises(xn.ArgumentError, match=r"indices\(\) of an uncoalesced sparse tensor"):
        s.indices()
    # size inferred from the largest index along each dim
    assert xn.sparse_coo_tensor(INDICES, VALUES).shape == tuple(torch.sparse_coo_tensor(
        torch.tensor(INDICES), torch.tensor(VALUES)).shape)  # fmt: skip
    d = np.diag([1.0, 0.0, 2.0]).astype(np.float32)
    ds, tds = xn.tensor(d, backend=backend).to_sparse(), torch.tensor(d).to_sparse()
    assert ds.is_coalesced() and ds._nnz() == tds._nnz() == 2
    np.testing.assert_array_equal(ds.indices().numpy(), tds.indices().numpy())
    _check(ds, tds)
    if backend.float64:
        assert s.double().dtype == s.to(xn.float64).dtype == backend.dtype("float64")
    assert s.t().shape == (3, 4)
    _check(s.t(), t.t())
    _check(s * 2.0, t * 2.0)
    _check(-s, -t)
    _check(s + s, t + t)


def test_products_match_pytorch_with_gradients(backend, rng):
    x = rng.standard_normal((3, 2)).astype(np.float32)
    y = rng.standard_normal((5, 4)).astype(np.float32)
    v = rng.standard_normal(3).astype(np.float32)
    s = xn.sparse_coo_tensor(INDICES, VALUES.astype(np.float32), (4, 3), backend=backend,
                             requires_grad=True)  # fmt: skip
    t = _torch_sparse(requires_grad=True)
    a, ta = xn.tensor(x, backend=backend, requires_grad=True), torch.tensor(x, requires_grad=True)
    b, tb = xn.tensor(y, backend=backend, requires_grad=True), torch.tensor(y, requires_grad=True)
    out = (
        xn.sparse.mm(s, a).sum()
        + (b @ s).square().sum()
        + (s @ xn.tensor(v, backend=backend)).sum()
    )
    tout = (torch.sparse.mm(t, ta).sum() + (tb @ t).square().sum()
            + (torch.sparse.mm(t, torch.tensor(v)[:, None])).sum())  # fmt: skip
    _check(out, tout, rtol=1e-5)
    out.backward()
    tout.backward()
    _check(a.grad, ta.grad, rtol=1e-5)
    _check(b.grad, tb.grad, rtol=1e-5)
    # the stored values' gradient, with the sparse tensor's own indices: torch.sparse.mm's
    # (PyTorch's ``@`` of a sparse operand gives a dense gradient over every position)
    s2 = s.detach().requires_grad_()
    t2 = t.detach().requires_grad_()
    w = rng.standard_normal((4, 2)).astype(np.float32)
    (xn.sparse.mm(s2, a.detach()) * xn.tensor(w, backend=backend)).sum().backward()
    (torch.sparse.mm(t2, ta.detach()) * torch.tensor(w)).sum().backward()
    g = s2.grad
    assert g.is_sparse and g.shape == (4, 3) and t2.grad.is_sparse
    _check(g.coalesce(), t2.grad.coalesce(), rtol=1e-5)
    # xn.mm, xn.spmm, sparse @ sparse (sparse)
    _check(xn.mm(s.detach(), a.detach()), torch.mm(t.detach(), ta.detach()))
    _check(xn.spmm(s.detach(), a.detach()), torch.spmm(t.detach(), ta.detach()))
    ss, tss = s.detach() @ s.detach().t(), t.detach() @ t.detach().t()
    assert ss.is_sparse and tss.is_sparse
    _check(ss, tss, rtol=1e-5)


def test_sums_and_dense_plus_sparse_promote_as_pytorch(backend):
    s = xn.sparse_coo_tensor(INDICES, VALUES.astype(np.float32), (4, 3), backend=backend)
    t = _torch_sparse()
    _check(s.sum(), t.sum())
    for dim in (0, 1, (0, 1)):
        got, want = xn.sparse.sum(s, dim=dim), torch.sparse.sum(t, dim=dim)
        _check(got, want)
    # an int64 adjacency plus a float32 identity is float32 (the GCN example's self-loops)
    adj = xn.sparse_coo_tensor(INDICES, np.ones(5), (4, 3), dtype="int64", backend=backend)
    tadj = _torch_sparse(np.ones(5), dtype=torch.int64)
    _check(xn.eye(4, 3, backend=backend) + adj, torch.eye(4, 3) + tadj)


def test_a_graph_convolution_trains_as_with_a_dense_adjacency():
    """Two GCN layers on a random graph: the sparse adjacency gives the dense one's losses."""
    rng = np.random.default_rng(0)
    n, f = 30, 8
    adj = (rng.random((n, n)) < 0.1).astype(np.float32) + np.eye(n, dtype=np.float32)
    deg = adj.sum(1) ** -0.5
    norm = (deg[:, None] * adj * deg[None, :]).astype(np.float32)
    x = rng.standard_normal((n, f)).astype(np.float32)
    y = rng.integers(0, 3, n)
    losses = []
    for a in (xn.tensor(norm), xn.tensor(norm).to_sparse()):
        xn.manual_seed(0)
        w1, w2 = xn.nn.Linear(f, 16, bias=False), xn.nn.Linear(16, 3, bias=False)
        opt = xn.optim.Adam([*w1.parameters(), *w2.parameters()], lr=0.05)
        run = []
        for _ in range(20):
            h = xn.relu(a @ w1(xn.tensor(x)))
            loss = xn.nn.functional.cross_entropy(a @ w2(h), xn.tensor(y))
            opt.zero_grad()
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert losses[1][-1] < 0.7 * losses[1][0]


def test_bad_sparse_input_is_refused():
    with pytest.raises(xn.OutOfRangeError, match=r"sparse_coo_tensor: index along dim 0 4 is"):
        xn.sparse_coo_tensor(INDICES + 1, VALUES, (4, 3))
    with pytest.raises(xn.OutOfRangeError, match=r"sparse_coo_tensor: index along dim 1 -1 is"):
        xn.sparse_coo_tensor([[0, 1], [0, -1]], [1.0, 2.0], (4, 3))
    with pytest.raises(xn.ShapeError, match=r"must be \(ndim, nnz\)"):
        xn.sparse_coo_tensor(INDICES, VALUES[:3], (4, 3))
    with pytest.raises(xn.ArgumentTypeError, match=r"indices must be integers"):
        xn.sparse_coo_tensor(xn.tensor(INDICES * 1.0), VALUES, (4, 3))
    s = xn.sparse_coo_tensor(INDICES, VALUES.astype(np.float32), (4, 3))
    with pytest.raises(xn.ShapeError, match=r"mm: sparse \(4, 3\) and .* do not align"):
        s @ xn.ones((4, 2))
    with pytest.raises(xn.ArgumentTypeError, match=r"values are float32, the dense operand"):
        s @ xn.ones((3, 2), dtype="float64")
    with pytest.raises(xn.NotSupportedError, match=r"sparse \* Tensor: only a number"):
        s * xn.ones((4, 3))


def test_a_sparse_tensor_saves_and_loads(tmp_path):
    """Kept whole (an object of xpnet.sparse), so loading it takes weights_only=False."""
    s = xn.sparse_coo_tensor(INDICES, VALUES.astype(np.float32), (4, 3))
    path = tmp_path / "adj.pt"
    xn.save({"adj": s}, path)
    with pytest.raises(
        xn.CheckpointError, match=r"xpnet\.sparse\.SparseTensor.*weights_only=False"
    ):
        xn.load(path)
    back = xn.load(path, weights_only=False)["adj"]
    assert back.is_sparse and back.shape == (4, 3) and not back.is_coalesced()
    np.testing.assert_array_equal(back.to_dense().numpy(), s.to_dense().numpy())
