"""The standard's dtypes and signatures where xpnet differed (found by the conformance suite,
SciPy and scikit-learn): full's dtype from its fill, vecdot's dtype, finfo as Python numbers,
the default dtypes xpnet really uses, linspace(endpoint=), concat(axis=None), tensordot of
empty operands."""

from __future__ import annotations

import numpy as np

import xpnet as xn


def _xp(backend):
    return xn.zeros(1, backend=backend).__array_namespace__()


def test_dtypes_and_signatures(backend):
    xp = _xp(backend)
    name = backend.dtype_name
    assert name(xp.full((2,), 3).dtype) == "int64" and name(xp.full((2,), True).dtype) == "bool"
    assert name(xp.full((2,), 1.5).dtype) == "float32"
    u = xp.asarray([200, 100], dtype=xp.uint8)
    assert name(xp.vecdot(u, xp.asarray([1, 1], dtype=xp.uint8)).dtype) == "uint8"
    fi = xp.finfo(xp.float32)
    assert all(type(v) is float for v in (fi.eps, fi.max, fi.min, fi.smallest_normal))
    assert type(fi.bits) is int and fi.bits == 32
    defaults = xp.__array_namespace_info__().default_dtypes()
    assert defaults["real floating"] == xp.ones(1).dtype  # what creation really makes
    np.testing.assert_allclose(xp.linspace(0, 1, 4, endpoint=False).numpy(), [0, 0.25, 0.5, 0.75])
    assert xp.concat([xp.ones((2, 2)), xp.ones((1, 2))], axis=None).shape == (6,)
    assert xp.tensordot(xp.ones((2, 0)), xp.ones((0, 3)), axes=1).tolist() == [[0.0] * 3] * 2
