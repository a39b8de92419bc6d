"""Scatter-add: native fast paths and the standard-only fallback agree, duplicates included."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.backend import IDX, Backend

DUP = np.array([1, 3, 3, 0, 3])


def _cases(b):
    idx = b.asarray(DUP)
    along = b.asarray(np.array([[0, 0, 2], [1, 1, 1]]))
    # (shape, how, index arrays, values shape, reference)
    return [
        ((5, 2), ("take", 0), (idx,), (5, 2), lambda v: _ref_take(v, (5, 2), 0)),
        ((2, 4), ("take", 1), (idx,), (2, 5), lambda v: _ref_take(v, (2, 4), 1)),
        ((2, 3), ("take_along_axis", 1), (along,), (2, 3), lambda v: _ref_along(v)),
        ((4,), ("getitem", (IDX,)), (idx,), (5,), lambda v: _ref_take(v, (4,), 0)),
        ((4, 3), ("getitem", (slice(1, 3), 2)), (), (2,), lambda v: _ref_basic(v)),
    ]


def _ref_take(v, shape, axis):
    out = np.zeros(shape)
    np.add.at(out, (slice(None),) * axis + (DUP,), v)
    return out


def _ref_along(v):
    out = np.zeros((2, 3))
    idx = np.array([[0, 0, 2], [1, 1, 1]])
    for i in range(2):
        for j in range(3):
            out[i, idx[i, j]] += v[i, j]
    return out


def _ref_basic(v):
    out = np.zeros((4, 3))
    out[1:3, 2] = v
    return out


@pytest.mark.parametrize("path", ["native", "standard"])
def test_scatter_add_matches_numpy(backend, path, rng):
    for shape, how, indices, vshape, ref in _cases(backend):
        v = rng.standard_normal(vshape).astype(np.float32)
        values = backend.asarray(v)
        if path == "native":
            got = backend.scatter_add(shape, how, values, *indices)
        elif not indices:
            got = Backend.scatter_add(backend, shape, how, values)
        else:
            got = Backend._scatter_add_advanced(backend, shape, how, values, indices)
        np.testing.assert_allclose(backend.to_numpy(got), ref(v), rtol=1e-6, atol=1e-6)
        assert backend.dtype_name(got.dtype) == "float32"


def test_standard_fallback_chunks_large_inputs():
    b = xn.get_backend("array_api_strict")
    n = 3000
    pos = np.arange(n) % 1500  # every position twice; the one-hot needs several chunks
    values = np.ones(n, dtype=np.float32)
    got = Backend._scatter_add_flat(b, 1500, b.asarray(pos), b.asarray(values))
    np.testing.assert_array_equal(b.to_numpy(got), np.full(1500, 2.0, dtype=np.float32))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_numpy_row_scatter_equals_add_at_bit_for_bit(dtype):
    """The NumPy backend adds rows (take along axis 0: embedding and sparse-product
    backwards) as a SciPy 0/1 sparse matrix product: the same sums as np.add.at, bit for bit,
    for repeated, n-D and (through add.at) negative indices."""
    b = xn.get_backend("numpy")
    rng = np.random.default_rng(0)
    for shape, index in [
        ((50, 7), rng.integers(0, 50, 3000)),  # many repeats per row
        ((10, 3, 4), rng.integers(0, 10, (6, 5))),  # an n-D index, rows of 3 x 4
        ((9, 2), rng.integers(-9, 9, 40)),  # negative indices: add.at's path
    ]:
        values = (rng.standard_normal(index.shape + shape[1:]) * 100).astype(dtype)
        want = np.zeros(shape, dtype)
        np.add.at(want, index, values)
        got = b._scatter_add_advanced(shape, ("take", 0), values, (index,))
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
