"""The host-memory policy (backend/_host_memory.py), each case in a fresh process as a
user's script is: freed arrays are reused without page faults, where glibc's default
hands them back to the kernel and faults them in again every step."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

# six 8 MiB arrays allocated and freed per "step": more than glibc's default trim
# threshold keeps (twice the largest block freed), so by default each step faults
# them in again
SCRIPT = """
import resource
import numpy as np
import xpnet as xn

xn.tensor([1.0])  # the first use of the numpy backend applies the policy
print(xn.backend.host_memory_policy())


def step():
    arrays = [np.ones(2 << 20, np.float32) for _ in range(6)]
    del arrays


step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _run(value: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("XPNET_HOST_MALLOC", None)
    if value is not None:
        env["XPNET_HOST_MALLOC"] = value
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _policy_and_faults(value: str | None) -> tuple[str, int]:
    out = _run(value)
    assert out.returncode == 0, out.stderr
    policy, faults = out.stdout.split()
    return policy, int(faults)


@pytest.mark.skipif(not GLIBC, reason="the policy tunes glibc's malloc; elsewhere it is off")
def test_freed_arrays_are_reused_without_page_faults():
    policy, kept = _policy_and_faults(None)
    assert policy == "keep"
    assert kept < 50  # four steps of 48 MiB: ~12,000 faults with malloc's defaults
    policy, system = _policy_and_faults("system")
    assert policy == "system"
    assert system > 10 * (kept + 1)


@pytest.mark.skipif(GLIBC, reason="on glibc the policy applies")
def test_other_platforms_are_left_alone():
    assert _policy_and_faults(None)[0] == "unsupported"


def test_a_wrong_setting_is_a_clear_error():
    out = _run("fast")
    assert out.returncode != 0
    assert "XPNET_HOST_MALLOC must be 'keep' or 'system', got 'fast'" in out.stderr


def test_importing_xpnet_changes_nothing():
    code = "import xpnet as xn; print(xn.backend.host_memory_policy())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None"]
