"""SciPy and scikit-learn functions written against the Array API run on xpnet tensors:
values equal to NumPy's, gradients equal to finite differences (``_differentiate.py``,
run once in a process with ``SCIPY_ARRAY_API=1``, which SciPy reads at import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("scipy")
pytest.importorskip("sklearn")

SCRIPT = Path(__file__).with_name("_differentiate.py")


@pytest.fixture(scope="module")
def results():
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _names():
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    code = "import json, _differentiate as d; print(json.dumps(list(d.cases())))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=SCRIPT.parent, timeout=120)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", _names())
def test_values_and_gradients(results, name):
    r = results[name]
    assert "error" not in r, r.get("error")
    assert r["values"], f"{name}: values differ from NumPy's"
    assert r["grad"] is True, f"{name}: the gradient differs from finite differences ({r['grad']})"
