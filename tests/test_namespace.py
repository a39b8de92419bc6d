"""xpnet as an Array API namespace: code written only against the standard, given xpnet
tensors, runs on xpnet's ops and is differentiable unchanged, on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xpnet as xn

array_namespace = pytest.importorskip("array_api_compat").array_namespace


# -- functions written the way scipy and array-api-extra write them: xp from the input --
def logsumexp(a, axis=-1):
    xp = array_namespace(a)
    m = xp.max(a, axis=axis, keepdims=True)
    return xp.squeeze(m, axis=axis) + xp.log(xp.sum(xp.exp(a - m), axis=axis))


def rosenbrock(x):
    xp = array_namespace(x)
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def cumulative_trapezoid(y, dx=0.5):
    xp = array_namespace(y)
    return xp.cumulative_sum((y[1:] + y[:-1]) * (dx / 2.0), axis=0)


def gaussian_nll(x, a):
    """-log N(x; 0, S) with S = A A^T + 2 I, through solve and slogdet."""
    xp = array_namespace(x, a)
    s = a @ xp.matrix_transpose(a) + 2.0 * xp.eye(a.shape[0], dtype=a.dtype)
    _, logdet = xp.linalg.slogdet(s)
    return 0.5 * (xp.vecdot(x, xp.linalg.solve(s, x)) + logdet + x.shape[0] * math.log(2.0 * xp.pi))


def sorted_weights(x):
    xp = array_namespace(x)
    s = xp.sort(x, descending=True)
    w = xp.cos(xp.arange(s.shape[0], dtype=s.dtype) * 0.3)
    return xp.sum(s * w) + xp.prod(xp.tanh(x)) + xp.sum(xp.hypot(x, xp.flip(x)))


def polar(z):
    xp = array_namespace(z)
    r = xp.sqrt(xp.sum(z * z, axis=-1))
    theta = xp.atan2(z[..., 1], z[..., 0])
    return xp.stack([r * xp.cos(2.0 * theta), xp.expm1(r) / (1.0 + xp.abs(theta))], axis=-1)


CASES = {
    "logsumexp": (logsumexp, [(3, 4)]),
    "rosenbrock": (rosenbrock, [(5,)]),
    "cumulative_trapezoid": (cumulative_trapezoid, [(6, 2)]),
    "gaussian_nll": (gaussian_nll, [(3,), (3, 3)]),
    "sorted_weights": (sorted_weights, [(6,)]),
    "polar": (polar, [(4, 2)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_standard_code_is_differentiable_unchanged(name, backend, rng):
    fn, shapes = CASES[name]
    host = [rng.standard_normal(s) for s in shapes]
    xs = [xn.tensor(a, dtype="float32", backend=backend, device=backend.device) for a in host]
    out = fn(*xs)
    assert isinstance(out, xn.Tensor) and out.backend is backend
    assert backend.dtype_name(out.dtype) == "float32"
    # the same function on NumPy arrays (its own namespace) gives the same values
    expected = fn(*[np.asarray(a, dtype=np.float32) for a in host])
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-4, atol=2e-5)
    xn.check_grad(fn, *xs)


def test_the_namespace_is_the_backends(backend):
    x = xn.ones((2, 3), backend=backend, device=backend.device)
    xp = x.__array_namespace__()
    assert xp is array_namespace(x) and xp.__array_api_version__ == "2024.12"
    assert x.dtype == xp.float32 and xp.isdtype(x.dtype, "real floating")
    made = [
        xp.zeros((2,)),
        xp.asarray([1.0, 2.0]),
        xp.arange(3),
        xp.full((2,), 7.0),
        xp.eye(3, k=1),
    ]
    assert all(m.backend is backend for m in made)
    assert xp.eye(3, k=1).tolist() == np.eye(3, k=1).tolist()
    assert xp.finfo(xp.float32).eps == np.finfo(np.float32).eps
    spectrum = xp.fft.fft(xp.asarray([1.0, 0.0, 0.0, 0.0]))  # the fft extension, on this backend
    assert spectrum.backend is backend and xp.isdtype(spectrum.dtype, "complex floating")
    assert spectrum.tolist() == [1, 1, 1, 1]
    with pytest.raises(xn.NotSupportedError, match=r"2024\.12"):
        x.__array_namespace__(api_version="2021.12")


def test_non_differentiable_functions_return_tensors_without_grad(backend):
    x = xn.tensor([2.5, -1.5, 2.5, 0.0], backend=backend, device=backend.device, requires_grad=True)
    xp = array_namespace(x)
    for out in (xp.floor(x), xp.ceil(x), xp.round(x), xp.trunc(x), xp.argsort(x), xp.signbit(x),
                xp.isinf(x), xp.count_nonzero(x), xp.floor_divide(x, 2.0)):  # fmt: skip
        assert not out.requires_grad
    assert xp.round(x).tolist() == [2.0, -2.0, 2.0, 0.0]  # half to even
    assert xp.unique_values(x).tolist() == [-1.5, 0.0, 2.5]
    counts = xp.unique_counts(x)
    assert counts.values.tolist() == [-1.5, 0.0, 2.5] and counts.counts.tolist() == [1, 1, 2]
    assert [t.tolist() for t in xp.nonzero(x)] == [[0, 1, 2]]
    assert xp.isin(x, xp.asarray([2.5])).tolist() == [True, False, True, False]
    assert xp.searchsorted(xp.asarray([0.0, 1.0, 2.0]), xp.asarray([0.5, 2.0])).tolist() == [1, 2]


def test_manipulation_functions_match_numpy(backend):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = xn.tensor(a, dtype="float32", backend=backend, device=backend.device)
    xp = array_namespace(x)
    checks = [
        (xp.flip(x, axis=1), np.flip(a, axis=1)),
        (xp.roll(x, 2, axis=2), np.roll(a, 2, axis=2)),
        (xp.roll(x, -1), np.roll(a, -1)),
        (xp.tile(x, (2, 1, 1)), np.tile(a, (2, 1, 1))),
        (xp.repeat(x, 2, axis=1), np.repeat(a, 2, axis=1)),
        (xp.repeat(x, xp.asarray([1, 0, 2]), axis=1), np.repeat(a, [1, 0, 2], axis=1)),
        (xp.moveaxis(x, 0, -1), np.moveaxis(a, 0, -1)),
        (xp.unstack(x, axis=1)[2], a[:, 2]),
        (xp.tril(x[0], k=1), np.tril(a[0], k=1)),
        (xp.triu(x[0]), np.triu(a[0])),
        (xp.diff(x, axis=2, n=2), np.diff(a, axis=2, n=2)),
        (xp.cumulative_prod(x[0], axis=1), np.cumprod(a[0], axis=1)),
        (xp.tensordot(x, x, axes=([1, 2], [1, 2])), np.tensordot(a, a, axes=([1, 2], [1, 2]))),
        (xp.meshgrid(x[0, 0, :2], x[0, :, 0])[0], np.meshgrid(a[0, 0, :2], a[0, :, 0])[0]),
        (xp.linalg.trace(x[0, :, :3]), np.trace(a[0, :, :3])),
        (xp.linalg.diagonal(x[0], offset=1), np.diagonal(a[0], offset=1)),
        (xp.linalg.vector_norm(x, axis=-1), np.linalg.norm(a, axis=-1)),
        (xp.linalg.matrix_norm(x), np.linalg.norm(a, axis=(-2, -1))),
        (xp.linalg.cross(x[0, :, :3], x[1, :, :3]), np.cross(a[0, :, :3], a[1, :, :3])),
    ]
    for got, want in checks:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_prod_gradient_at_zeros_matches_pytorch():
    torch = pytest.importorskip("torch")
    for values in (
        [2.0, 0.0, 3.0, 4.0],
        [0.0, 2.0, 0.0, 5.0],
        [0.0, 0.0, 0.0, 2.0],
        [1.5, -2.0, 0.5, 3.0],
    ):
        x = xn.tensor(values, dtype="float64")
        g = xn.grad(lambda x: xn.prod(x))(x)
        t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        torch.prod(t).backward()
        np.testing.assert_allclose(g.numpy(), t.grad.numpy())
        h = xn.hessian(lambda x: xn.prod(x))(x)
        th = torch.autograd.functional.hessian(
            torch.prod, torch.tensor(values, dtype=torch.float64)
        )
        np.testing.assert_allclose(h.numpy(), th.numpy())
    # cumulative_prod is exact at zeros too
    x = xn.tensor([2.0, 0.0, 3.0], dtype="float64")
    t = torch.tensor([2.0, 0.0, 3.0], dtype=torch.float64, requires_grad=True)
    torch.cumprod(t, 0).sum().backward()
    np.testing.assert_allclose(
        xn.grad(lambda x: xn.sum(xn.cumulative_prod(x)))(x).numpy(), t.grad.numpy()
    )


def test_matrix_power_zero_is_the_identity_with_zero_gradient_even_at_inf():
    torch = pytest.importorskip("torch")
    values = [[[1.0, float("inf")], [2.0, 3.0]], [[0.5, 1.0], [float("nan"), 2.0]]]
    x = xn.tensor(values, dtype="float64", requires_grad=True)
    y = xn.linalg.matrix_power(x, 0)
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(np.eye(2), (2, 2, 2)))
    y.sum().backward()
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    torch.linalg.matrix_power(t, 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize(
    "matrix",
    [
        [[1.0, 2.0], [2.0, 4.0]],
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        [[0.0, 0.0], [0.0, 0.0]],
    ],
)
def test_det_gradient_at_a_singular_matrix_is_the_adjugate(matrix):
    """JAX and finite differences agree (PyTorch 2.x returns zeros here)."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    a = np.array(matrix)
    g = xn.grad(lambda x: xn.linalg.det(x))(xn.tensor(a, dtype="float64"))
    expected = np.asarray(jax.grad(lambda x: jax.numpy.linalg.det(x))(jax.numpy.asarray(a)))
    np.testing.assert_allclose(g.numpy(), expected, atol=1e-12)
    fd = np.zeros_like(a)
    for i, j in np.ndindex(*a.shape):
        d = np.zeros_like(a)
        d[i, j] = 1e-6
        fd[i, j] = (np.linalg.det(a + d) - np.linalg.det(a - d)) / 2e-6
    np.testing.assert_allclose(g.numpy(), fd, atol=1e-6)


@pytest.mark.parametrize(
    ("shape", "mode"),
    [((3, 5), "reduced"), ((2, 3, 6), "complete"), ((4, 4), "complete"), ((5, 3), "reduced")],
)
def test_qr_gradients_equal_pytorch_for_wide_and_tall_matrices(shape, mode):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    k = shape[-2] if mode == "complete" or shape[-2] < shape[-1] else shape[-1]
    wq = rng.standard_normal((*shape[:-2], shape[-2], k))
    wr = rng.standard_normal((*shape[:-2], k, shape[-1]))
    x = xn.tensor(a, requires_grad=True)
    q, r = xn.linalg.qr(x, mode=mode)
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    ((q * xn.tensor(wq)).sum() + (r * xn.tensor(wr)).sum()).backward()
    t = torch.tensor(a, requires_grad=True)
    tq, tr = torch.linalg.qr(t, mode=mode)
    ((tq * torch.tensor(wq)).sum() + (tr * torch.tensor(wr)).sum()).backward()
    np.testing.assert_allclose(q.detach().numpy(), tq.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10)


def test_qr_complete_of_a_tall_matrix_has_no_gradient():
    x = xn.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    with pytest.raises(xn.NotSupportedError, match="extra columns of Q"):
        xn.linalg.qr(x, mode="complete")
    with xn.no_grad():
        q, r = xn.linalg.qr(x, mode="complete")
    assert q.shape == (5, 5) and r.shape == (5, 3)


def test_meshgrid_and_broadcast_arrays_return_tuples():
    """As the 2025.12 standard (and PyTorch's meshgrid) return them."""
    xp = xn.tensor([1.0, 2.0]).__array_namespace__()
    a, b = xp.asarray([1.0, 2.0, 3.0]), xp.asarray([4.0, 5.0])
    grids = xp.meshgrid(a, b)
    assert isinstance(grids, tuple) and [g.shape for g in grids] == [(2, 3), (2, 3)]
    out = xp.broadcast_arrays(xp.asarray([[1.0], [2.0]]), a)
    assert isinstance(out, tuple) and [o.shape for o in out] == [(2, 3), (2, 3)]
