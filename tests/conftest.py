"""The ``backend`` fixture: every test that takes it runs on every available backend.

XPNET_TEST_BACKENDS (comma-separated ids, e.g. ``numpy,strict-device1``; a bare
name such as ``strict`` selects all of its variants) picks a subset.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import xpnet as xn

try:
    import array_api_strict

    array_api_strict.set_array_api_strict_flags(api_version="2024.12")
except ImportError:  # pragma: no cover - array-api-strict is a test dependency
    pass

try:
    import jax

    jax.config.update("jax_enable_x64", True)
except ImportError:
    pass

# (id, backend name, device)
BACKENDS = [
    ("numpy", "numpy", None),
    ("strict", "array_api_strict", None),
    ("strict-device1", "array_api_strict", "device1"),
    ("strict-no_float64", "array_api_strict", "no_float64"),
    ("torch", "torch", None),
    ("jax", "jax", None),
    ("cupy", "cupy", None),
]


def _selected() -> list[tuple[str, str, object]]:
    spec = os.environ.get("XPNET_TEST_BACKENDS", "").strip()
    if not spec:
        return BACKENDS
    wanted = [w.strip() for w in spec.split(",") if w.strip()]
    return [b for b in BACKENDS if any(b[0] == w or b[0].split("-")[0] == w for w in wanted)]


SELECTED = _selected()


@pytest.fixture(params=[b[1:] for b in SELECTED], ids=[b[0] for b in SELECTED])
def backend(request: pytest.FixtureRequest) -> xn.Backend:
    name, device = request.param
    try:
        return xn.get_backend(name, device)
    except xn.BackendUnavailableError as e:
        pytest.skip(f"{name} unavailable: {e}")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _reset_backend():
    """Tests that change the global backend must not leak it into other tests."""
    from xpnet.backend import _registry

    saved = _registry._global
    yield
    _registry._global = saved


# Finite-difference gradient checks on eager JAX took 150 of the default run's 650
# worker-seconds and check again rules written once for every backend: they run with
# ``-m slow``, except the indexing rows, whose backward goes through JAX's own scatter-add.
_JAX_GRADIENT_CHECKS = (
    "tests/nn/test_spec.py::test_gradient[jax-",
    "tests/ops/test_spec.py::test_gradient[jax-",
)
_JAX_OWN_PATH = re.compile(r"take|gather|scatter|getitem|setitem|embedding")
# Training LeNet on eager JAX took 6-27 s a row (the default run is near 10 minutes on a
# slow 2-core VM); each optimizer's update is checked on JAX step by step in tests/optim and
# a CNN with BatchNorm, dropout and pooling trains on JAX in tests/compile/test_compile.py,
# so every LeNet row on JAX runs with ``-m slow``. So do the JAX rows of the property tests
# of gradients (50 worker-seconds: hypothesis's finite-difference checks of rules written
# once for every backend, which the NumPy, array-api-strict and PyTorch rows check by
# default); the JAX rows of the dtype properties stay. Likewise fit's training loop on JAX
# (26 s; JAX's compiled training runs in tests/compile) and the PyTorch-oracle tables of
# scatter and scatter-reduce on JAX (31 s; JAX's own scatters are checked by the spec rows
# that run by default). The default run reached 620-640 s (2026-12-07): the PyTorch-oracle
# tables of sparse tensors on JAX (17 s), the JAX rows of the float32 end-to-end and unary
# property tests (18 s), of jacfwd (8 s) and of standard code differentiated unchanged
# (about 40 s; the same functions' gradients are checked on NumPy, array-api-strict and
# PyTorch by default) moved there too, and the scatter-reduce rows with one parameter
# (``[jax]``), which the pattern had missed.
_JAX_SLOW = re.compile(
    r"test_models\.py::test_train_with_every_optimizer\[jax-\w+-lenet\]"
    r"|tests/train/test_fit\.py::test_fit_records_history_and_learns\[jax\]"
    r"|tests/test_tensor_torch\.py::test_scatter_and_scatter_add_as_pytorch\[jax\]"
    r"|tests/test_scatter_reduce\.py::\w+\[jax[-\]]"
    r"|tests/test_sparse\.py::\w+\[jax[-\]]"
    r"|tests/test_properties\.py::test_(float32_stays_float32_end_to_end|unary_dtype_and_gradient)\[jax"
    r"|tests/autodiff/test_forward\.py::test_jacfwd_equals_jacobian\[jax\]"
    r"|tests/test_namespace\.py::test_standard_code_is_differentiable_unchanged\[jax-"
    r"|tests/test_properties\.py::test_(binary_broadcasting|reduction|shape_op)_gradients\[jax"
    r"|tests/test_properties\.py::test_random_programs\[jax"
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        nodeid = item.nodeid
        gradient_check = nodeid.startswith(_JAX_GRADIENT_CHECKS) and not _JAX_OWN_PATH.search(
            nodeid
        )
        if gradient_check or _JAX_SLOW.search(nodeid):
            item.add_marker(pytest.mark.slow)
