"""Backends by name and device, the current-backend scopes, and the error messages."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings

import pytest

import xpnet as xn
from xpnet.backend import _registry


def test_backends_are_cached_per_library_and_device():
    assert xn.get_backend("numpy") is xn.get_backend("numpy", "cpu")
    assert xn.get_backend("strict") is xn.get_backend("array_api_strict")
    d1 = xn.get_backend("array_api_strict", "device1")
    assert d1 is not xn.get_backend("array_api_strict")
    import array_api_strict

    assert d1 is xn.get_backend("array_api_strict", array_api_strict.Device("device1"))
    assert d1.device == array_api_strict.Device("device1")
    assert repr(d1) == "Backend('array_api_strict', device='device1')"


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(xn.BackendError, match=r"unknown backend 'tensorflow'.*numpy.*cupy"):
        xn.get_backend("tensorflow")


def test_unknown_device_is_a_device_error():
    with pytest.raises(xn.DeviceError, match="only the 'cpu' device"):
        xn.get_backend("numpy", "cuda:0")
    with pytest.raises(xn.DeviceError, match="unknown device 'device9'"):
        xn.get_backend("array_api_strict", "device9")


def test_errors_subclass_builtin_exceptions():
    assert issubclass(xn.BackendError, ValueError)
    assert issubclass(xn.DeviceError, ValueError)
    assert issubclass(xn.ShapeError, ValueError)
    assert issubclass(xn.DTypeError, TypeError)
    assert issubclass(xn.GraphError, RuntimeError)
    assert all(
        issubclass(e, xn.XpnetError) for e in (xn.BackendError, xn.GraphError, xn.ShapeError)
    )


def test_cupy_without_a_gpu_says_why():
    try:
        import cupy

        if cupy.cuda.is_available():
            pytest.skip("this machine has a usable GPU")
    except ImportError:
        pass
    with pytest.raises(xn.BackendUnavailableError, match="cupy") as info:
        xn.get_backend("cupy")
    assert "xpnet[cuda12]" in str(info.value) or "no usable CUDA GPU" in str(info.value)
    assert "cupy" not in xn.available_backends()


def test_torch_cuda_on_a_cpu_build_is_unavailable():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a usable GPU")
    with pytest.raises(xn.BackendUnavailableError, match="cuda"):
        xn.get_backend("torch", "cuda:0")


def test_available_backends_lists_at_least_numpy_and_strict():
    names = xn.available_backends()
    assert names[:2] == ["numpy", "array_api_strict"]


def test_set_backend_and_default():
    xn.set_backend("array_api_strict", "device1")
    t = xn.zeros(2)
    assert t.backend is xn.get_backend("array_api_strict", "device1")
    xn.set_backend("numpy")
    assert xn.zeros(2).backend.name == "numpy"


def test_use_backend_is_scoped_and_nests():
    outer = xn.get_backend()
    with xn.use_backend("array_api_strict") as b:
        assert xn.get_backend() is b and xn.ones(1).backend is b
        with xn.use_backend("array_api_strict", "device2") as b2:
            assert xn.ones(1).device == b2.device
        assert xn.get_backend() is b
    assert xn.get_backend() is outer


def test_use_backend_does_not_leak_into_other_threads():
    seen = {}

    def worker():
        seen["name"] = xn.get_backend().name

    xn.set_backend("numpy")
    with xn.use_backend("array_api_strict"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["name"] == "numpy"


def test_environment_variable_picks_the_default():
    code = "import xpnet as xn; b = xn.get_backend(); print(b.name, b.device_str)"
    env = dict(os.environ, XPNET_BACKEND="array_api_strict:device1")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["array_api_strict", "device1"]


def test_environment_variable_with_an_unknown_name_fails_clearly(monkeypatch):
    monkeypatch.setenv("XPNET_BACKEND", "nope")
    monkeypatch.setattr(_registry, "_global", None)
    with pytest.raises(xn.BackendError, match="unknown backend 'nope'"):
        xn.get_backend()


def test_dtype_spellings(backend):
    assert backend.dtype("float32") == backend.xp.float32
    assert backend.dtype(backend.xp.int64) == backend.xp.int64
    assert backend.dtype(float) == backend.xp.float32
    with pytest.raises(xn.DTypeError, match="unknown dtype 'float33'"):
        backend.dtype("float33")


def test_jax_without_x64_maps_64_bit_dtypes_quietly():
    # JAX (x64 off) warns when asked for int64; xpnet must not cause that warning itself.
    jax = pytest.importorskip("jax")
    if jax.config.jax_enable_x64:
        pytest.skip("jax runs with x64 enabled here")
    b = xn.get_backend("jax")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = xn.arange(5, backend=b)
        assert b.dtype_name(xn.zeros(3, dtype="int64", backend=b).dtype) == "int32"
        assert x[xn.tensor([0, 2], backend=b)].tolist() == [0, 2]
        loss = xn.nn.functional.cross_entropy(
            xn.randn(3, 4, backend=b, requires_grad=True), xn.tensor([0, 1, 2], backend=b)
        )
        loss.backward()
        assert b.dtype_name(x.long().dtype) == "int32"
