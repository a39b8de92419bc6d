"""``xn.lgamma``/``digamma``/``polygamma`` and ``xn.special`` against SciPy and PyTorch:
the standard-only generic kernels (array-api-strict) and the native ones (NumPy with
SciPy, PyTorch, JAX) on both sides of 0, the poles, dtypes, and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

sps = pytest.importorskip("scipy.special")

GRID = np.concatenate([np.linspace(-7.9, -0.05, 41), np.linspace(0.01, 40.0, 97), [1e3, 1e5]])
POLES = np.array([0.0, -1.0, -4.0])


def _rel(got, want):
    m = np.isfinite(want)
    return np.max(np.abs(got[m] - want[m]) / np.maximum(1.0, np.abs(want[m])))


@pytest.mark.parametrize(
    ("name", "fn", "ref"),
    [
        ("lgamma", xn.lgamma, sps.gammaln),
        ("digamma", xn.digamma, sps.digamma),
        ("trigamma", lambda x: xn.polygamma(1, x), lambda x: sps.polygamma(1, x)),
        ("polygamma-3", lambda x: xn.polygamma(3, x), lambda x: sps.polygamma(3, x)),
    ],
)
def test_the_gamma_family_matches_scipy_on_every_backend(name, fn, ref, backend):
    """xpnet's generic kernels (array-api-strict) and SciPy's (NumPy) to 1e-12 on both sides
    of 0 and at the poles; PyTorch's and JAX's native kernels have their own accuracy below
    0 (to 1e-5 there, and JAX's digamma is NaN at 0), so they are held to it for x > 0."""
    if not backend.float64:
        pytest.skip("the accuracy is checked in float64")
    ours = backend.name in ("numpy", "array_api_strict")
    grid = GRID if ours else GRID[GRID > 0]
    got = fn(xn.asarray(grid, dtype="float64", backend=backend))
    assert got.backend is backend and got.dtype == backend.dtype("float64")
    assert _rel(got.numpy(), ref(grid)) < (1e-12 if ours else 1e-9), name
    if not ours:
        return
    at_poles = fn(xn.asarray(POLES, dtype="float64", backend=backend)).numpy()
    want = ref(POLES)
    if name != "polygamma-3" or backend.name == "numpy":
        np.testing.assert_array_equal(at_poles, want)
    else:  # the generic polygamma(n >= 2): NaN at the negative poles, documented
        assert at_poles[0] == want[0] and np.isnan(at_poles[1:]).all()


def test_float32_stays_float32_and_gradients_are_the_next_function():
    for b in ("numpy", "array_api_strict"):
        x = xn.tensor([0.7, 2.5, -1.5], backend=b, requires_grad=True)
        y = xn.lgamma(x)
        assert y.dtype == x.dtype
        (g,) = xn.autograd.grad(y.sum(), [x], create_graph=True)
        np.testing.assert_allclose(g.numpy(), sps.digamma([0.7, 2.5, -1.5]), rtol=2e-5)
        (h,) = xn.autograd.grad(g.sum(), [x])
        np.testing.assert_allclose(h.numpy(), sps.polygamma(1, [0.7, 2.5, -1.5]), rtol=2e-5)
    with pytest.raises(xn.ArgumentError, match="n must be an int >= 0"):
        xn.polygamma(-1, xn.ones(2))


def test_torch_special_names_and_methods_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 0.3, 1.0, -0.5, 2.0, 7.5])
    y = np.array([-1.0, 0.5, -0.5, 3.0, 0.0, 2.0])
    cases = {
        "gammaln": (x[1:],), "digamma": (x[1:],), "psi": (x[1:],), "entr": (x,),
        "xlogy": (np.abs(x), np.abs(y) + 0.1), "xlog1py": (x[1:], y[1:]), "expit": (x,),
        "logit": (x[1:3] / 2,), "erf": (x,), "erfc": (x,), "erfinv": (x[:3] / 2,),
        "ndtr": (x,), "ndtri": (x[1:3],), "exp2": (x,), "sinc": (x,), "expm1": (x,),
        "log1p": (np.abs(x),),
    }  # fmt: skip
    for name, args in cases.items():
        xs = [xn.tensor(a, dtype="float64", requires_grad=True) for a in args]
        ts = [torch.tensor(a, requires_grad=True) for a in args]
        got, want = getattr(xn.special, name)(*xs), getattr(torch.special, name)(*ts)
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12,
                                   err_msg=name)  # fmt: skip
        if name == "entr":
            continue  # (PyTorch's entr has a NaN gradient at 0)
        got.sum().backward()
        want.sum().backward()
        for a, b in zip(xs, ts, strict=True):
            # (PyTorch's trigamma, digamma's gradient, is good to 5e-10: pi^2/6 at 1 shows it)
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=name)  # fmt: skip
    # at (0, -1) SciPy's xlog1py is 0 and PyTorch's NaN: xpnet's is SciPy's
    assert xn.special.xlog1py(xn.tensor(0.0), xn.tensor(-1.0)).item() == sps.xlog1py(0.0, -1.0)
    p = xn.tensor([2.5, 4.0], dtype="float64")
    t = torch.tensor([2.5, 4.0], dtype=torch.float64)
    np.testing.assert_allclose(p.polygamma(2).numpy(), t.polygamma(2).numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.lgamma().numpy(), t.lgamma().numpy(), rtol=1e-12)
    # (SciPy, not PyTorch, for trigamma: PyTorch's is good to 3e-10 at 2.5)
    np.testing.assert_allclose(xn.special.polygamma(1, p).numpy(), sps.polygamma(1, [2.5, 4.0]),
                               rtol=1e-14)  # fmt: skip
    z = np.array([[1.0, 2.0, 0.5]])
    np.testing.assert_allclose(xn.special.log_softmax(xn.tensor(z), 1).numpy(),
                               torch.special.log_softmax(torch.tensor(z), 1).numpy())  # fmt: skip


ERFC_X = np.concatenate([np.linspace(-6.0, 26.0, 321), [2.0, 6.0, 6.5, 10.0]])
ERFINV_Y = np.concatenate([np.linspace(-0.999999, 0.999999, 201),
                           [0.5, -0.5, 1 - 1e-12, -(1 - 1e-15), 1e-300, 1.0, -1.0, 1.5]])  # fmt: skip


def test_erfc_and_erfinv_keep_their_tails_on_every_backend(backend):
    """erfc(26) is 5.7e-296 (1 - erf rounds it to 0); erfinv near 1 is right to 1e-9 with
    1 - y near the spacing of doubles. xpnet's generic kernels (array-api-strict) and SciPy's
    (NumPy) within 1e-11; PyTorch's and JAX's own kernels within their accuracy."""
    if not backend.float64:
        pytest.skip("the accuracy is checked in float64")
    ours = backend.name in ("numpy", "array_api_strict")
    got = xn.erfc(xn.asarray(ERFC_X, dtype="float64", backend=backend)).numpy()
    want = sps.erfc(ERFC_X)
    m = want > 1e-280 if ours else want > 1e-300
    assert np.max(np.abs(got[m] - want[m]) / want[m]) < (1e-11 if ours else 1e-6)
    got = xn.erfinv(xn.asarray(ERFINV_Y, dtype="float64", backend=backend)).numpy()
    want = sps.erfinv(ERFINV_Y)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    rel = np.abs(got[finite] - want[finite]) / np.maximum(np.abs(want[finite]), 1e-300)
    assert rel.max() < (1e-9 if ours else 1e-5)


def test_ndtr_and_ndtri_far_into_the_tails():
    x = np.array([-40.0, -10.0, -3.0, 0.0, 2.0, 8.0])
    got = xn.special.ndtr(xn.tensor(x, dtype="float64")).numpy()
    np.testing.assert_allclose(got, sps.ndtr(x), rtol=1e-13)  # (PyTorch's gives 0 at -10)
    p = np.array([1e-300, 1e-100, 1e-20, 1e-10, 0.01, 0.3, 0.5, 0.9, 1 - 1e-10])
    for b in ("numpy", "array_api_strict"):
        got = xn.special.ndtri(xn.tensor(p, dtype="float64", backend=b)).numpy()
        np.testing.assert_allclose(got, sps.ndtri(p), rtol=1e-14, atol=1e-15)
    edges = xn.special.ndtri(xn.tensor([0.0, 1.0], dtype="float64")).tolist()
    assert edges == [-np.inf, np.inf]
    x = xn.tensor(p, dtype="float64", requires_grad=True)
    xn.special.ndtri(x).sum().backward()  # d ndtri/dp = 1 / pdf(ndtri(p))
    q = sps.ndtri(p)
    np.testing.assert_allclose(x.grad.numpy(), np.sqrt(2 * np.pi) * np.exp(q * q / 2), rtol=1e-12)
