"""Seeded generators: reproducible within a backend, bit-identical across backends on the host."""

from __future__ import annotations

import numpy as np

import xpnet as xn


def test_same_seed_same_numbers(backend):
    a = xn.Generator(7, backend=backend)
    b = xn.Generator(7, backend=backend)
    for draw in ("uniform", "normal"):
        x, y = getattr(a, draw)((3, 4)), getattr(b, draw)((3, 4))
        np.testing.assert_array_equal(backend.to_numpy(x), backend.to_numpy(y))
    np.testing.assert_array_equal(
        backend.to_numpy(a.integers(0, 10, (5,))), backend.to_numpy(b.integers(0, 10, (5,)))
    )
    perm = backend.to_numpy(a.permutation(10))
    assert sorted(perm.tolist()) == list(range(10))


def test_draws_have_dtype_and_device(backend):
    g = xn.Generator(0, backend=backend)
    u = xn.rand(2, 3, generator=g)
    assert u.backend is backend and backend.dtype_name(u.dtype) == "float32"
    assert u.shape == (2, 3)
    host = u.numpy()
    assert ((host >= 0) & (host < 1)).all()
    assert backend.dtype_name(xn.randint(0, 5, (4,), generator=g).dtype) == "int64"


def test_host_draws_are_bit_identical_across_backends(backend):
    ref = xn.Generator(3, backend="numpy", host=True).normal((4, 5))
    got = xn.Generator(3, backend=backend, host=True).normal((4, 5))
    np.testing.assert_array_equal(backend.to_numpy(got), ref)


def test_manual_seed_restarts_default_generators(backend):
    xn.manual_seed(11)
    a = xn.randn(5, backend=backend, device=backend.device).numpy()
    xn.manual_seed(11)
    b = xn.randn(5, backend=backend, device=backend.device).numpy()
    np.testing.assert_array_equal(a, b)


def test_normal_moments(backend):
    z = xn.Generator(1, backend=backend).normal((20000,), mean=2.0, std=3.0)
    host = backend.to_numpy(z)
    assert abs(host.mean() - 2.0) < 0.1 and abs(host.std() - 3.0) < 0.1
