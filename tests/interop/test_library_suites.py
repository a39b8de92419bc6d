"""SciPy's and scikit-learn's own Array API test suites run on xpnet (``-m slow``).

Every test of SciPy's that takes its ``xp`` fixture (about 26,500) gets xpnet's namespace
through ``xpnet_array_backend.py``, on the NumPy backend and on the PyTorch backend, with
``scipy_xfails.txt`` (and ``scipy_torch_xfails.txt`` on PyTorch) listing each known failure
and its reason: a failure not listed fails the test, and so does a listed test that passes
or an entry that matches none (about 6 and 10 minutes on 2 cores). scikit-learn's tests that take
their (namespace, device, dtype) from ``yield_namespace_device_dtype_combinations`` (about
1,000) run on ``xpnet.array_api`` in float64 and float32, on both backends, and pass but
for the four of ``sklearn_torch_xfails.txt`` on PyTorch (about 2 minutes each)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _run(args, xfails=(), backend="numpy"):
    env = {**os.environ, "SCIPY_ARRAY_API": "1", "XPNET_SUITE_BACKEND": backend,
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    if xfails:
        env.update(XPNET_XFAILS=os.pathsep.join(str(HERE / f) for f in xfails),
                   XPNET_XFAILS_COMPLETE="1")  # fmt: skip
    cmd = [sys.executable, "-m", "pytest", "-p", "xpnet_array_backend", *args,
           "-o", "addopts=", "-o", "filterwarnings=", "-W", "ignore", "-p", "no:cacheprovider",
           "-q", "-rfE", "--tb=line", "-n", "2"]  # fmt: skip
    done = subprocess.run(cmd, cwd=HERE, env=env, capture_output=True, text=True, timeout=1800)
    tail = done.stdout[-6000:]
    assert done.returncode == 0, tail
    assert not re.search(r"\d+ (failed|error)", tail), tail
    print(tail.strip().splitlines()[-1])  # the suite's counts (shown by pytest -rP)
    return tail


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_scipy_array_api_suite(backend):
    scipy = pytest.importorskip("scipy")
    pytest.importorskip("hypothesis")
    xfails = ["scipy_xfails.txt"]
    if backend == "torch":
        pytest.importorskip("torch")
        xfails.append("scipy_torch_xfails.txt")
    site = Path(scipy.__file__).parent
    tail = _run(["--pyargs", "scipy", "-m", "array_api_backends",
                 f"--ignore={site / 'datasets'}"], xfails, backend)  # fmt: skip
    assert re.search(r"\d{5} passed", tail), tail  # datasets: needs pooch and a network


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_sklearn_array_api_suite(backend):
    pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    xfails = []
    if backend == "torch":
        pytest.importorskip("torch")
        xfails.append("sklearn_torch_xfails.txt")
    tail = _run(["--pyargs", "sklearn", "-k", "xpnet"], xfails, backend)
    assert re.search(r"\d{3,} passed", tail), tail
