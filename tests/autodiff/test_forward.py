"""Forward mode (jvp, jacfwd) against reverse mode and PyTorch; vmap for per-sample gradients."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

FUNCS = {
    "elementwise": (lambda x, y: xn.sin(x) * y + xn.tanh(x * y), [(3,), (3,)]),
    "matrix": (lambda a, b: xn.linalg.inv(a) @ b, [(3, 3), (3, 2)]),
    "reduce": (lambda x, y: xn.logsumexp(x, axis=1) * xn.sum(y), [(2, 4), (2,)]),
    "scan-sort": (lambda x, y: xn.cumulative_sum(xn.sort(x), axis=0) + y, [(5,), (5,)]),
}


def _inputs(shapes, backend, rng):
    out = []
    for s in shapes:
        a = rng.standard_normal(s)
        if len(s) == 2 and s[0] == s[1]:
            a = a + 3.0 * np.eye(s[0])
        out.append(xn.tensor(a, dtype="float32", backend=backend, device=backend.device))
    return out


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_jvp_is_the_jacobian_times_the_tangent(name, backend, rng):
    f, shapes = FUNCS[name]
    xs = _inputs(shapes, backend, rng)
    ts = _inputs(shapes, backend, rng)
    out, tangent = xn.jvp(f, xs, ts)
    assert tangent.shape == out.shape and tangent.backend is backend
    assert backend.dtype_name(tangent.dtype) == "float32"
    jacs = xn.jacobian(f, argnums=tuple(range(len(xs))))(*xs)
    expected = sum(
        np.tensordot(j.numpy(), t.numpy(), axes=t.ndim) for j, t in zip(jacs, ts, strict=True)
    )
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out.numpy(), f(*xs).numpy(), rtol=1e-6)


def test_jvp_matches_torch_func():
    torch = pytest.importorskip("torch")
    x = np.array([0.3, -1.2, 2.0])
    t = np.array([1.0, 0.5, -2.0])
    _, got = xn.jvp(lambda x: xn.atan2(xn.sin(x), xn.cosh(x)) * xn.expm1(x), (xn.tensor(x, dtype="float64"),),
                    (xn.tensor(t, dtype="float64"),))  # fmt: skip
    _, want = torch.autograd.functional.jvp(lambda x: torch.atan2(torch.sin(x), torch.cosh(x)) * torch.expm1(x),
                             (torch.tensor(x),), (torch.tensor(t),))  # fmt: skip
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_jacfwd_equals_jacobian(backend, rng):
    f = lambda a: xn.linalg.solve(a, xn.ones((3,), backend=a.backend)) * xn.linalg.det(a)
    (a,) = _inputs([(3, 3)], backend, rng)
    fwd = xn.jacfwd(f)(a)
    rev = xn.jacobian(f)(a)
    assert fwd.shape == (3, 3, 3) and fwd.backend is backend
    np.testing.assert_allclose(fwd.numpy(), rev.numpy(), rtol=1e-4, atol=1e-5)


def test_forward_over_reverse_gives_hessian_vector_products():
    x = xn.tensor([0.5, -1.0, 2.0], dtype="float64")
    v = xn.tensor([1.0, 2.0, -1.0], dtype="float64")
    f = lambda x: xn.sum(xn.sin(x) * x**2.0) + xn.prod(x)
    _, hvp = xn.jvp(xn.grad(f), (x,), (v,))
    np.testing.assert_allclose(hvp.numpy(), xn.hessian(f)(x).numpy() @ v.numpy(), rtol=1e-10)
    rev = xn.grad(lambda x: xn.jvp(f, (x,), (v,))[1])(x)  # reverse over forward: the same
    np.testing.assert_allclose(rev.numpy(), hvp.numpy(), rtol=1e-10)


def test_jvp_of_a_constant_function_and_errors():
    _, t = xn.jvp(lambda x: xn.ones(2), (xn.ones(3),), (xn.ones(3),))
    assert t.tolist() == [0.0, 0.0]
    with pytest.raises(
        xn.ShapeError, match=r"tangent 0 has shape \(2,\) for a primal of shape \(3,\)"
    ):
        xn.jvp(xn.sin, (xn.ones(3),), (xn.ones(2),))
    with pytest.raises(xn.ArgumentError, match="1 primals but 2 tangents"):
        xn.jvp(xn.sin, (xn.ones(3),), (xn.ones(3), xn.ones(3)))


def test_vmap_gives_per_sample_gradients(backend, rng):
    w = xn.tensor(rng.standard_normal(3), dtype="float32", backend=backend, device=backend.device)
    xs = xn.tensor(
        rng.standard_normal((5, 3)), dtype="float32", backend=backend, device=backend.device
    )
    ys = xn.tensor(rng.standard_normal(5), dtype="float32", backend=backend, device=backend.device)

    def loss(w, x, y):
        return (xn.sum(w * x) - y) ** 2.0

    per = xn.vmap(xn.grad(loss), in_axes=(None, 0, 0))(w, xs, ys)
    assert per.shape == (5, 3) and per.backend is backend
    err = xs.numpy() @ w.numpy() - ys.numpy()
    np.testing.assert_allclose(per.numpy(), 2.0 * err[:, None] * xs.numpy(), rtol=1e-5, atol=1e-6)
    both = xn.vmap(lambda x: (x * 2.0, xn.sum(x)))(xs)
    assert both[0].shape == (5, 3) and both[1].shape == (5,)
    assert xn.vmap(lambda x: x * 2.0, out_axes=1)(xs).shape == (3, 5)
    with pytest.raises(xn.ShapeError, match="mapped axes must have one size"):
        xn.vmap(loss, in_axes=(0, 0, 0))(w, xs, ys)
