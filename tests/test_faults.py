"""Faults: a save killed (SIGKILL) at any point leaves the previous checkpoint loadable and intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import xpnet as xn

CHILD = """
import sys
import numpy as np
import xpnet as xn
n = int(sys.argv[2])
xn.save({"w": xn.tensor(np.full(n, 7.0, dtype=np.float32)), "version": 2}, sys.argv[1])
"""
N = 50_000_000  # 200 MB of float32: writing takes long enough to be interrupted mid-way


def _temp_files(path: Path) -> list[Path]:
    return list(path.parent.glob(f".{path.name}.*.tmp"))


def _kill_when(path: Path, fraction: float | None, timeout: float = 60.0) -> str:
    """Start a save of version 2 and SIGKILL it once its temporary file reaches ``fraction`` of its size."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(N)])
    target = int(N * 4 * fraction) if fraction is not None else None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return "finished"
            if target is None:
                os.kill(
                    proc.pid, signal.SIGKILL
                )  # right away: before or while the state is gathered
                proc.wait()
                return "killed"
            for tmp in _temp_files(path):
                try:
                    size = tmp.stat().st_size
                except FileNotFoundError:
                    continue
                if size >= target:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return f"killed at {size} bytes"
            time.sleep(0.0005)
        raise TimeoutError("the save neither finished nor reached the kill point")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("fraction", [None, 0.0, 0.1, 0.5, 0.9])
def test_killed_save_keeps_the_previous_checkpoint(tmp_path, fraction):
    path = tmp_path / "model.xpn"
    original = {"w": xn.arange(0, 1000, dtype="float32"), "version": 1}
    xn.save(original, path)
    outcome = _kill_when(path, fraction)
    assert outcome.startswith("killed"), f"the child {outcome} before the kill point; enlarge N"
    loaded = xn.load(path)
    assert loaded["version"] == 1
    np.testing.assert_array_equal(loaded["w"].numpy(), original["w"].numpy())
    for tmp in _temp_files(
        path
    ):  # what a killed save leaves behind is only a hidden temporary file
        tmp.unlink()


def test_completed_save_replaces_the_file(tmp_path):
    path = tmp_path / "model.xpn"
    xn.save({"version": 1}, path)
    subprocess.run([sys.executable, "-c", CHILD, str(path), "1000"], check=True)
    assert xn.load(path)["version"] == 2 and not _temp_files(path)
