"""Complex tensors: creation, elementwise ops and matmul, with gradients in JAX's
convention (JAX is the oracle: jax.vjp of the same function, at the same point)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(0)
Z = RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))
W = RNG.standard_normal((4, 2)) + 1j * RNG.standard_normal((4, 2))


def test_creation_from_python_complex():
    t = xn.tensor([1 + 2j, 3j])
    assert t.backend.dtype_name(t.dtype) == "complex64"
    assert xn.tensor(1j).backend.dtype_name(xn.tensor(1j).dtype) == "complex64"
    assert xn.tensor(Z).dtype == xn.tensor(Z).backend.dtype(
        "complex128"
    )  # NumPy data keeps its dtype
    x = xn.tensor([1.0, 2.0])
    y = x * 1j
    assert y.backend.dtype_name(y.dtype) == "complex64"
    np.testing.assert_allclose(y.numpy(), [1j, 2j])
    assert xn.tensor([1.0 + 1j], requires_grad=True).requires_grad
    with pytest.raises(xn.DTypeError, match="floating-point and complex"):
        xn.tensor([1, 2], requires_grad=True)


# real-valued losses of complex inputs: JAX's gradient is dL/dx - i dL/dy
REAL_LOSSES = {
    "abs2": (lambda m, z: (m.abs(z) ** 2).sum(), 1),
    "real of square": (lambda m, z: m.real(z * z).sum(), 1),
    "imag of exp": (lambda m, z: m.imag(m.exp(z)).sum(), 1),
    "abs of log": (lambda m, z: m.abs(m.log(z)).sum(), 1),
    "conj product": (lambda m, z: m.real(m.conj(z) * m.sin(z)).sum(), 1),
    "sqrt, tanh, divide": (lambda m, z: m.abs(m.sqrt(z) / (m.tanh(z) + 2.0)).sum(), 1),
    "matmul": (lambda m, z, w: m.abs(z @ w).sum(), 2),
    "cast from real": (lambda m, x: m.abs(m.exp(x.astype(m.complex128) * 1j + x)).sum(), 0),
}


class _J:
    """The functions above on jax.numpy."""

    abs, real, imag, exp, log, conj, sin, sqrt, tanh = (
        jnp.abs, jnp.real, jnp.imag, jnp.exp, jnp.log, jnp.conj, jnp.sin, jnp.sqrt, jnp.tanh
    )  # fmt: skip
    complex128 = jnp.complex128


class _X:
    abs, real, imag, exp, log, conj, sin, sqrt, tanh = (
        xn.abs, xn.real, xn.imag, xn.exp, xn.log, xn.conj, xn.sin, xn.sqrt, xn.tanh
    )  # fmt: skip
    complex128 = "complex128"


@pytest.mark.parametrize("name", REAL_LOSSES)
def test_gradients_equal_jax(name):
    fn, kind = REAL_LOSSES[name]
    inputs = {0: [Z.real], 1: [Z], 2: [Z, W]}[kind]
    ours = xn.grad(lambda *a: fn(_X, *a), argnums=tuple(range(len(inputs))))(
        *(xn.tensor(a) for a in inputs)
    )
    theirs = jax.grad(lambda *a: fn(_J, *a), argnums=tuple(range(len(inputs))))(
        *(jnp.asarray(a) for a in inputs)
    )
    for o, t, a in zip(ours, theirs, inputs, strict=True):
        assert o.dtype == xn.tensor(a).dtype
        np.testing.assert_allclose(o.numpy(), np.asarray(t), rtol=1e-10, atol=1e-12)


def test_holomorphic_output_gives_the_derivative():
    """A complex output seeded with 1 gives f'(z) (JAX's grad(holomorphic=True))."""
    z = xn.tensor(Z[0])
    ours = xn.grad(lambda z: (z * z * (2 - 1j)).sum())(z)
    theirs = jax.grad(lambda z: (z * z * (2 - 1j)).sum(), holomorphic=True)(jnp.asarray(Z[0]))
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-12)


def test_gradient_descent_on_a_complex_parameter():
    """Minimise |z - target|^2 with the conjugate of JAX's gradient (the steepest descent)."""
    target = xn.tensor([1.0 - 2.0j, 0.5j], dtype="complex128")
    z = xn.zeros(2, dtype="complex128", requires_grad=True)
    for _ in range(50):
        loss = (xn.abs(z - target) ** 2).sum()
        loss.backward()
        with xn.no_grad():
            z -= 0.1 * xn.conj(z.grad)
            z.grad = None
    np.testing.assert_allclose(z.numpy(), target.numpy(), atol=1e-4)


def test_eigvals_gradient_equals_jax_for_real_and_complex_matrices():
    a = RNG.standard_normal((4, 4))
    for m in (a, a + 1j * RNG.standard_normal((4, 4))):
        ours = xn.grad(lambda x: xn.abs(xn.linalg.eigvals(x) ** 2 * (1 + 0.3j)).sum())(xn.tensor(m))
        theirs = jax.grad(lambda x: jnp.abs(jnp.linalg.eigvals(x) ** 2 * (1 + 0.3j)).sum())(
            jnp.asarray(m)
        )
        assert ours.dtype == xn.tensor(m).dtype
        np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-8, atol=1e-10)


def test_eigenvector_gradient_equals_pytorch_conjugated_and_finite_differences():
    torch = pytest.importorskip("torch")
    w = RNG.standard_normal((4, 4))
    a = RNG.standard_normal((4, 4))
    z = a + 1j * RNG.standard_normal((4, 4))

    def ours(m):  # a loss that does not depend on each eigenvector's phase
        return xn.grad(lambda x: (xn.abs(xn.linalg.eig(x).eigenvectors) ** 2 * xn.tensor(w)).sum())(
            xn.tensor(m)
        ).numpy()

    t = torch.tensor(z, requires_grad=True)
    ((torch.linalg.eig(t)[1].abs() ** 2) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours(z), np.conj(t.grad.numpy()), atol=1e-8)

    def f(m):  # the same loss on NumPy, for finite differences on the real matrix
        return float(((np.abs(np.linalg.eig(m.astype(complex))[1]) ** 2) * w).sum())

    fd = np.zeros_like(a)
    for i, j in np.ndindex(*a.shape):
        d = np.zeros_like(a)
        d[i, j] = 1e-6
        fd[i, j] = (f(a + d) - f(a - d)) / 2e-6
    np.testing.assert_allclose(ours(a), fd, atol=1e-6)


def test_eig_second_derivative_through_eigenvectors_raises():
    a = xn.tensor(RNG.standard_normal((3, 3)))
    with pytest.raises(xn.NotSupportedError, match="second derivatives through the eigenvectors"):
        xn.hessian(lambda x: xn.abs(xn.linalg.eig(x).eigenvectors).sum())(a)
    # eigenvalues alone differentiate twice (spec row, order 2)
    h = xn.hessian(lambda x: xn.real(xn.linalg.eigvals(x)).sum() ** 2)(a)
    assert h.shape == (3, 3, 3, 3)
