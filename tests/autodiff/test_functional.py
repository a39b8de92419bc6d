"""grad, value_and_grad, vjp, jacobian, hessian, custom primitives and check_grad."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def _t(data, backend, **kw):
    return xn.tensor(data, backend=backend, device=backend.device, **kw)


def test_grad_and_value_and_grad(backend):
    x = _t([1.0, 2.0, 3.0], backend)
    f = lambda x: (x * x).sum()
    xn.testing.assert_close(xn.grad(f)(x), _t([2.0, 4.0, 6.0], backend))
    v, g = xn.value_and_grad(f)(x)
    assert v.item() == 14.0 and not v.requires_grad
    xn.testing.assert_close(g, _t([2.0, 4.0, 6.0], backend))
    assert not x.requires_grad and x.grad is None  # inputs untouched


def test_grad_argnums_tuple(backend):
    x, y = _t([1.0, 2.0], backend), _t([3.0, 5.0], backend)
    gx, gy = xn.grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(x, y)
    xn.testing.assert_close(gx, y)
    xn.testing.assert_close(gy, x)


def test_grad_of_unused_argument_is_zero(backend):
    x, y = _t([1.0, 2.0], backend), _t([3.0], backend)
    _, gy = xn.grad(lambda x, y: x.sum(), argnums=(0, 1))(x, y)
    xn.testing.assert_close(gy, _t([0.0], backend))


def test_grad_requires_scalar_output(backend):
    with pytest.raises(xn.ShapeError, match="one-element"):
        xn.grad(lambda x: x * 2.0)(_t([1.0, 2.0], backend))


def test_nested_grad(backend):
    f = lambda x: (x**4.0).sum()
    x = _t([1.0, 2.0], backend)
    g2 = xn.grad(lambda x: xn.grad(f)(x).sum())(x)  # d/dx sum(4x^3) = 12 x^2
    xn.testing.assert_close(g2, _t([12.0, 48.0], backend))
    g3 = xn.grad(lambda x: xn.grad(lambda x: xn.grad(f)(x).sum())(x).sum())(x)  # 24 x
    xn.testing.assert_close(g3, _t([24.0, 48.0], backend))


def test_vjp(backend):
    x = _t([[1.0, 2.0], [3.0, 4.0]], backend)
    out, fn = xn.vjp(lambda x: x * x, x)
    (gx,) = fn(_t([[1.0, 0.0], [0.0, 2.0]], backend))
    xn.testing.assert_close(out, _t([[1.0, 4.0], [9.0, 16.0]], backend))
    xn.testing.assert_close(gx, _t([[2.0, 0.0], [0.0, 16.0]], backend))


def test_jacobian_and_hessian(backend):
    a = _t([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], backend)
    x = _t([0.5, -1.0], backend)
    xn.testing.assert_close(xn.jacobian(lambda x: a @ x)(x), a)
    h = xn.hessian(lambda x: (x**3.0).sum() + x[0] * x[1])(x)
    xn.testing.assert_close(h, _t([[3.0, 1.0], [1.0, -6.0]], backend))


def test_custom_primitive_with_defvjp(backend):
    cube = xn.Primitive("test_cube", lambda b, x: x * x * x)
    cube.defvjp(lambda g, ans, x: g * 3.0 * x * x)
    x = _t([2.0, -1.0], backend)
    xn.testing.assert_close(xn.grad(lambda x: cube(x).sum())(x), _t([12.0, 3.0], backend))
    xn.check_grad(cube, x)  # second order goes through the rule's own ops


def test_check_grad_catches_a_wrong_rule(backend):
    bad = xn.Primitive("test_bad_sin", lambda b, x: b.xp.sin(x))
    bad.defvjp(lambda g, ans, x: g * x)  # should be cos(x)
    with pytest.raises(AssertionError, match="order-1 gradient check failed"):
        xn.check_grad(bad, _t([0.3, 1.2], backend))


def test_check_grad_catches_a_wrong_second_order(backend):
    # Right first derivative, but the rule detaches its input: second order is wrong.
    sq = xn.Primitive("test_sq", lambda b, x: x * x)
    sq.defvjp(lambda g, ans, x: g * 2.0 * x.detach())
    x = _t(np.linspace(-2.0, 2.0, 64), backend, dtype="float32")
    xn.check_grad(sq, x, order=1)
    with pytest.raises(AssertionError, match="order-2"):
        xn.check_grad(sq, x, order=2)


def test_user_primitives_never_collide_with_xpnet_or_each_other():
    # Only xpnet's own primitives are registered (the spec table covers each);
    # a user's primitive is a plain object, whatever its name, however often defined.
    registry = dict(xn.autodiff.PRIMITIVES)
    for _ in range(2):
        mine = xn.Primitive("add", lambda b, x: x * 2.0)
        mine.defvjp(lambda g, ans, x: g * 2.0)
        assert mine(xn.tensor([1.5])).tolist() == [3.0]
    assert registry == xn.autodiff.PRIMITIVES
    assert xn.autodiff.PRIMITIVES["add"] is xn.ops._elementwise.add_p
    assert {"add", "matmul", "gather", "scatter_add", "slice"} <= set(registry)


def test_jacobian_of_vector_function_on_host_values():
    f = lambda x: xn.stack([x[0] * x[1], x[1].exp()])
    j = xn.jacobian(f)(xn.tensor([2.0, 0.0]))
    np.testing.assert_allclose(j.numpy(), [[0.0, 2.0], [0.0, 1.0]])


def test_zero_dim_reductions_accept_axis_0_and_minus_1(backend):
    x = _t(2.5, backend)
    for f in (xn.sum, xn.mean, xn.max, xn.min):
        for axis in (0, -1, (0,)):
            xn.testing.assert_close(f(x, axis=axis), _t(2.5, backend))
    with pytest.raises(xn.ShapeError, match="axis 1 is out of range for a 0-d tensor"):
        xn.sum(x, axis=1)


def test_degenerate_reductions_are_nan_like_pytorch(backend):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(xn.mean(xn.zeros(0, backend=backend, device=backend.device)).item())
        assert np.isnan(_t([1.0], backend).var(correction=1).item())
        assert np.isnan(_t([[1.0, 2.0]], backend).std(axis=0, correction=1).numpy()).all()


def test_std_of_a_constant_has_zero_gradient(backend):
    dtype = "float64" if backend.float64 else "float32"
    for correction in (0.0, 1.0):
        x = xn.full((3,), 2.0, dtype=dtype, backend=backend, device=backend.device)
        g = xn.grad(lambda x, c=correction: x.std(correction=c))(x)
        assert g.tolist() == [0.0, 0.0, 0.0]
    y = _t([1.0, 2.0, 4.0], backend, dtype=dtype)
    xn.check_grad(lambda y: y.std(), y)  # and the usual gradient elsewhere
