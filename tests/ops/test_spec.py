"""Forward and gradient (first and second order) checks for every spec on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.autodiff import PRIMITIVES

from .spec import SPECS, make_inputs


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
