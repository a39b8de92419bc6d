"""The backends' native kernels (``Backend.native_kernels``: NumPy's, and CuPy's where a
GPU is there) against the generic, standard-only implementations of the same
primitives: every spec whose primitive has a kernel runs twice, with the kernels and
without, and the values, dtypes, shapes and gradients must agree."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.backend._base import METHOD_KERNELS
from xpnet.backend._cupy_kernels import KERNELS as CUDA_KERNELS
from xpnet.ops import _reduce

from ..ops.spec import SPECS, make_inputs

NUMPY = xn.get_backend("numpy")
# CuPy's kernel names, known without importing CuPy
CUPY_KERNELS = {"erf", "matmul", *METHOD_KERNELS, *CUDA_KERNELS}
CASES = [s for s in SPECS if s.prim in set(NUMPY.kernels) | CUPY_KERNELS]


@pytest.fixture(params=["numpy", "cupy"])
def kernel_backend(request):
    try:
        b = xn.get_backend(request.param)
    except xn.BackendUnavailableError as e:
        pytest.skip(f"{request.param} unavailable: {e}")
    if b.name == "cupy":  # the names above are the ones CuPy registers
        assert set(b.kernels) >= CUPY_KERNELS
    return b


def _run(spec, host, b):
    ts = [
        xn.tensor(a, backend=b)
        if i in spec.ints
        else xn.tensor(a, dtype="float32", backend=b, requires_grad=True)
        for i, a in enumerate(host)
    ]
    out = spec.fn(*ts)
    floats = [t for i, t in enumerate(ts) if i not in spec.ints]
    grads = []
    if out.requires_grad and floats:
        (out * out).sum().backward()
        grads = [None if t.grad is None else t.grad.numpy() for t in floats]
    return out.numpy(), grads


REDUCTIONS = ("any", "all")  # not differentiable: no spec entry; compared below


def test_every_kernel_is_compared():
    missing = set(NUMPY.kernels) - {s.prim for s in CASES} - set(REDUCTIONS)
    assert not missing, f"NumPy kernels compared with nothing: {sorted(missing)}"


@pytest.mark.parametrize("spec", CASES, ids=[s.id for s in CASES])
def test_kernel_matches_the_generic_implementation(spec, kernel_backend, rng):
    b = kernel_backend
    if spec.prim not in b.kernels:
        pytest.skip(f"{b.name} has no kernel for {spec.prim}")
    host = make_inputs(spec, rng)
    fast, fast_grads = _run(spec, host, b)
    saved = dict(b.kernels)
    b.kernels.clear()
    try:
        slow, slow_grads = _run(spec, host, b)
    finally:
        b.kernels.update(saved)
    assert fast.dtype == slow.dtype and fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=1e-7)
    assert len(fast_grads) == len(slow_grads)
    for f, s in zip(fast_grads, slow_grads, strict=True):
        assert (f is None) == (s is None)
        if f is not None:
            assert f.dtype == s.dtype and f.shape == s.shape
            np.testing.assert_allclose(f, s, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, (0,), (1, 2), (0, 1, 2), ()])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", ["bool", "float32", "int64"])
def test_reduction_kernel_matches_the_generic_implementation(name, axis, keepdims, dtype, rng):
    x = np.asarray(rng.integers(0, 3, (3, 4, 5)) * (rng.random((3, 4, 5)) < 0.9), dtype=dtype)
    x[0] = 1  # every element of some slices true, of others not
    prim = getattr(_reduce, f"{name}_op")
    fast = NUMPY.kernels[name](NUMPY, x, axis=axis, keepdims=keepdims)
    slow = prim.impl(NUMPY, x, axis=axis, keepdims=keepdims)
    assert isinstance(fast, np.ndarray) and fast.dtype == slow.dtype == np.bool_
    assert fast.shape == slow.shape
    np.testing.assert_array_equal(fast, slow)
