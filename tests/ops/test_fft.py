"""xn.fft: values equal NumPy's on every backend, gradients equal jax.grad's (JAX's
complex convention) for every transform, norm and resizing n/s."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 8))
Z = X + 1j * RNG.standard_normal((3, 8))
NORMS = ("backward", "ortho", "forward")


def _cases(m):
    """name -> (loss over the transform, input): each loss is real so jax.grad applies."""
    return {
        "fft": (lambda a, norm: m.abs(m.fft.fft(a, norm=norm) * (1 + 0.5j)).sum(), Z),
        "fft n=12": (lambda a, norm: m.abs(m.fft.fft(a, n=12, norm=norm)).sum(), Z),
        "ifft n=5": (lambda a, norm: m.real(m.fft.ifft(a, n=5, norm=norm) * (2 - 1j)).sum(), Z),
        "rfft": (lambda a, norm: m.abs(m.fft.rfft(a, norm=norm)).sum(), X),
        "rfft n=11": (lambda a, norm: m.abs(m.fft.rfft(a, n=11, norm=norm)).sum(), X),
        "irfft": (lambda a, norm: (m.fft.irfft(a, norm=norm) ** 2).sum(), Z),
        "irfft n=9": (lambda a, norm: (m.fft.irfft(a, n=9, norm=norm) ** 2).sum(), Z),
        "fftn": (lambda a, norm: m.abs(m.fft.fftn(a, norm=norm)).sum(), Z),
        "ifftn s": (lambda a, norm: m.abs(m.fft.ifftn(a, s=(4, 6), norm=norm)).sum(), Z),
        "rfftn": (lambda a, norm: m.abs(m.fft.rfftn(a, norm=norm)).sum(), X),
        "irfftn s": (lambda a, norm: (m.fft.irfftn(a, s=(4, 9), norm=norm) ** 2).sum(), Z),
        "hfft": (lambda a, norm: (m.fft.hfft(a, n=9, norm=norm) ** 2).sum(), Z),
        "ihfft": (lambda a, norm: m.abs(m.fft.ihfft(a, norm=norm) * (1 - 1j)).sum(), X),
    }


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", list(_cases(xn)))
def test_gradients_equal_jax(name, norm):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    jax.config.update("jax_enable_x64", True)
    ours_fn, a = _cases(xn)[name]
    theirs_fn, _ = _cases(jnp)[name]
    ours = xn.grad(lambda t: ours_fn(t, norm))(xn.tensor(a))
    theirs = jax.grad(lambda t: theirs_fn(t, norm))(jnp.asarray(a))
    assert ours.dtype == xn.tensor(a).dtype
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-9, atol=1e-11)


def test_values_equal_numpy(backend):
    cdt = "complex128" if backend.float64 else "complex64"
    z = xn.tensor(Z, dtype=cdt, backend=backend, device=backend.device)
    x = xn.tensor(X, dtype="float64" if backend.float64 else "float32", backend=backend,
                  device=backend.device)  # fmt: skip
    tol = {"rtol": 1e-5, "atol": 1e-5}
    xn.testing.assert_close(xn.fft.fft(z, n=10), np.fft.fft(Z, n=10).astype(cdt), **tol)
    xn.testing.assert_close(xn.fft.ifftn(z), np.fft.ifftn(Z).astype(cdt), **tol)
    xn.testing.assert_close(
        xn.fft.rfft(x, norm="ortho"), np.fft.rfft(X, norm="ortho").astype(cdt), **tol
    )
    out = xn.fft.irfft(z, n=7)
    assert out.backend is backend and not backend.is_complex(out.dtype)
    xn.testing.assert_close(out, np.fft.irfft(Z, n=7).astype(out.numpy().dtype), **tol)
    xn.testing.assert_close(xn.fft.fftshift(x), np.fft.fftshift(X).astype(x.numpy().dtype))
    xn.testing.assert_close(xn.fft.ifftshift(xn.fft.fftshift(x)), x)
    np.testing.assert_allclose(xn.fft.fftfreq(5, d=0.1, backend=backend).numpy(), np.fft.fftfreq(5, 0.1),
                               rtol=1e-6)  # fmt: skip


def test_bad_arguments_say_what_was_wrong():
    x = xn.tensor(X)
    with pytest.raises(xn.ArgumentError, match="norm must be one of"):
        xn.fft.fft(x, norm="unitary")
    with pytest.raises(xn.ArgumentError, match="axis 2 is out of range"):
        xn.fft.fft(x, axis=2)
    with pytest.raises(xn.ArgumentError, match="rfft: x must be real"):
        xn.fft.rfft(xn.tensor(Z))
    with pytest.raises(xn.ArgumentError, match="repeated axes"):
        xn.fft.fftn(x, axes=(0, 0))
