"""Forward and gradient (first and second order) checks for every spec on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.autodiff import PRIMITIVES

from .spec import KINKS, SPECS, make_inputs


def test_every_primitive_has_a_spec():
    covered = {s.prim for s in SPECS}
    missing = sorted(set(PRIMITIVES) - covered)
    assert not missing, f"primitives without a spec entry in tests/ops/spec.py: {missing}"


def _tensors(spec, backend, rng, dtype):
    host = make_inputs(spec, rng)
    ts = []
    for i, a in enumerate(host):
        if i in spec.ints:
            ts.append(xn.tensor(a, backend=backend, device=backend.device))
        else:
            ts.append(xn.tensor(a, dtype=dtype, backend=backend, device=backend.device))
    return host, ts


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_forward(spec, backend, rng):
    host, ts = _tensors(spec, backend, rng, "float32")
    out = spec.fn(*ts)
    # The reference sees the same float32-rounded values, computed in float64.
    ref_in = [
        a if i in spec.ints else a.astype(np.float32).astype(np.float64) for i, a in enumerate(host)
    ]
    expected = np.asarray(spec.ref(*ref_in))
    assert out.backend is backend, f"result on {out.backend}, inputs on {backend}"
    assert out.device == backend.device
    assert backend.dtype_name(out.dtype) == "float32"
    xn.testing.assert_close(out, expected.astype(np.float32), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_gradient(spec, backend, rng):
    _, ts = _tensors(spec, backend, rng, "float64" if backend.float64 else "float32")
    xn.check_grad(spec.fn, *ts, order=spec.order, **spec.grad_tol)


def _elementwise_primitives():
    from xpnet.ops import _elementwise, _special

    return {
        v.name
        for m in (_elementwise, _special)
        for v in vars(m).values()
        if isinstance(v, xn.Primitive) and v.name in PRIMITIVES
    }


def test_every_elementwise_primitive_has_a_kink_row():
    missing = sorted(_elementwise_primitives() - {k.prim for k in KINKS})
    assert not missing, (
        f"elementwise primitives without a KINKS row in tests/ops/spec.py: {missing}"
    )


def _derivatives(fn, x):
    g = xn.grad(lambda x: fn(x).sum())(x)
    gg = xn.grad(lambda x: xn.grad(lambda y: fn(y).sum())(x).sum())(x)
    return g, gg


@pytest.mark.parametrize("kink", KINKS, ids=[k.id for k in KINKS])
def test_gradient_at_kinks(kink, backend):
    dtype = "float64" if backend.float64 else "float32"
    x = xn.tensor(kink.points, dtype=dtype, backend=backend, device=backend.device)
    with np.errstate(divide="ignore"):  # sqrt at 0: NumPy warns where PyTorch gives inf quietly
        import warnings

        with warnings.catch_warnings():
            if kink.prim == "sqrt":
                warnings.simplefilter("ignore", RuntimeWarning)
            g, gg = _derivatives(kink.fn, x)
    assert g.backend is backend and backend.dtype_name(g.dtype) == dtype
    np.testing.assert_allclose(g.numpy(), kink.grad, rtol=1e-6, atol=1e-7)
    if kink.grad2 is not None:
        np.testing.assert_allclose(gg.numpy(), kink.grad2, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kink", KINKS, ids=[k.id for k in KINKS])
def test_kink_values_are_pytorchs(kink):
    torch = pytest.importorskip("torch")
    f = kink.torch_fn or getattr(torch, kink.prim, None) or getattr(torch.nn.functional, kink.prim)
    x = torch.tensor(kink.points, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), kink.grad, rtol=1e-12)
    if kink.grad2 is not None and g.requires_grad:
        (gg,) = torch.autograd.grad(g.sum(), x, allow_unused=True)
        gg_np = np.zeros(len(kink.points)) if gg is None else gg.numpy(force=True)
        np.testing.assert_allclose(gg_np, kink.grad2, rtol=1e-12, atol=1e-15)


def test_gradient_dtype_and_device(backend):
    x = xn.tensor(
        [[1.0, -2.0], [3.0, 0.5]], backend=backend, device=backend.device, requires_grad=True
    )
    y = xn.tensor([0.5, 2.0], backend=backend, device=backend.device, requires_grad=True)
    ((x * y).sum(axis=0) ** 2.0).sum().backward()
    for t in (x, y):
        assert t.grad is not None
        assert t.grad.backend is backend and t.grad.shape == t.shape
        assert backend.dtype_name(t.grad.dtype) == "float32"
