"""Mixing devices or backends, and shape mistakes, give errors that say what and where."""

from __future__ import annotations

import pytest

import xpnet as xn


def test_mixing_devices_names_both():
    a = xn.tensor([1.0, 2.0], backend="array_api_strict")
    b = xn.tensor([1.0, 2.0], backend="array_api_strict", device="device1")
    with pytest.raises(
        xn.DeviceError, match=r"add: tensors on different devices.*CPU_DEVICE.*device1"
    ):
        a + b
    with pytest.raises(xn.DeviceError, match="matmul"):
        xn.matmul(a, b)


def test_mixing_backends_names_both():
    a = xn.tensor([1.0, 2.0], backend="numpy")
    b = xn.tensor([1.0, 2.0], backend="array_api_strict")
    with pytest.raises(
        xn.BackendError, match=r"multiply: tensors of different backends.*numpy.*array_api_strict"
    ):
        a * b


def test_index_on_another_device():
    x = xn.tensor([1.0, 2.0], backend="array_api_strict")
    i = xn.tensor([0], backend="array_api_strict", device="device1")
    with pytest.raises(xn.DeviceError, match="index"):
        xn.take(x, i)


def test_matmul_shape_mismatch_message(backend):
    a = xn.zeros(3, 4, backend=backend, device=backend.device)
    b = xn.zeros(5, 2, backend=backend, device=backend.device)
    with pytest.raises(xn.ShapeError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not align"):
        a @ b


def test_broadcast_failure_names_op_shapes_and_backend(backend):
    a = xn.zeros(3, backend=backend, device=backend.device)
    b = xn.zeros(4, backend=backend, device=backend.device)
    with pytest.raises(xn.ShapeError, match=rf"add\(float32\[3\] on {backend.name}.*float32\[4\]"):
        a + b


def test_reshape_and_axis_errors(backend):
    x = xn.zeros(2, 3, backend=backend, device=backend.device)
    with pytest.raises(xn.ShapeError, match=r"cannot reshape a tensor of shape \(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(xn.ShapeError, match="axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(xn.ShapeError, match="has length 3, not 1"):
        xn.squeeze(x, 1)
    with pytest.raises(xn.ShapeError, match="cannot broadcast"):
        xn.broadcast_to(x, (3, 3))


def test_xpnet_raises_only_its_own_errors():
    """Every ``raise`` in the package raises an XpnetError subclass (re-raises aside)."""
    import ast
    import builtins
    from pathlib import Path

    builtin_errors = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
                      and issubclass(getattr(builtins, n), BaseException)} - {"AssertionError"}  # fmt: skip
    bad = []
    for f in (Path(xn.__file__).parent).rglob("*.py"):
        if f.name == "testing.py":  # assertion helpers raise AssertionError on purpose
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(exc, ast.Name) and exc.id in builtin_errors:
                    bad.append(f"{f.name}:{node.lineno} raises {exc.id}")
    assert not bad, "raise an xpnet error (xpnet/_errors.py) instead:\n" + "\n".join(bad)
