"""``xpnet.array_api``: the namespace as an importable module, following the default backend."""

from __future__ import annotations

import xpnet as xn
import xpnet.array_api as xp


def test_the_module_is_the_default_backends_namespace():
    x = xp.asarray([1.0, 2.0, 3.0])
    assert x.backend is xn.get_backend() and xp.__array_api_version__ == "2024.12"
    assert float(xp.sum(x)) == 6.0 and x.dtype == xp.float32
    assert "linalg" in dir(xp) and "sum" in dir(xp)
    with xn.use_backend("array_api_strict"):
        y = xp.ones(3)
        assert y.backend.name == "array_api_strict"
    assert xp.ones(3).backend is xn.get_backend()
