"""The one-line op declarations (ops/_declare.py): each declared op is public, named and
typed as declared, and its autocast class does what it says."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import ops
from xpnet.ops import _declare, _elementwise, _rounding, _transcendental


def test_every_declared_op_is_public_named_and_documented():
    assert len(_declare.AUTOCAST) >= 40
    for name in _declare.AUTOCAST:
        fn = getattr(ops, name)
        module = {m.__name__: m for m in (_elementwise, _rounding, _transcendental)}[fn.__module__]
        assert name in module.__all__, f"{name} is declared in {module.__name__} but not listed"
        assert fn.__name__ == name and fn.__doc__, name
        assert getattr(module, f"{name}_p").name == name


def test_a_declared_op_is_its_primitive_on_a_tensor():
    x = xn.tensor([0.5, 1.0], requires_grad=True)
    y = ops.sin(x)
    assert y.grad_fn is not None and y.grad_fn.prim is _transcendental.sin_p
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.5, 1.0]), rtol=1e-6)
    assert ops.floor(x).grad_fn is None and not ops.floor(x).requires_grad


def test_high_autocast_class_computes_float16_in_float32():
    x = xn.tensor([0.5, 1.0], dtype="float16")
    assert _declare.AUTOCAST["sin"] == "high" and _declare.AUTOCAST["floor"] is None
    with xn.autocast("float16"):
        assert ops.sin(x).dtype == xn.get_backend().dtype("float32")
        assert ops.floor(x).dtype == x.dtype


def test_binary_declared_op_takes_python_scalars():
    x = xn.tensor([3.0, 4.0])
    out = ops.hypot(x, 4.0)
    np.testing.assert_allclose(out.numpy(), [5.0, np.hypot(4.0, 4.0)], rtol=1e-6)
    assert out.dtype == x.dtype


def test_arity_other_than_one_or_two_is_refused():
    with pytest.raises(xn.ArgumentError, match="1 or 2 arguments"):
        _declare.elementwise("nothing", arity=3)
