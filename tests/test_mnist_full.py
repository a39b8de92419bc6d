"""The full-MNIST accuracy targets (minutes of training): run with ``pytest -m slow``."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_examples import _load

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (SHARED / "train-images-idx3-ubyte.gz").exists(), reason="no ../shared/data/mnist"
    ),
]


def test_mlp_reaches_98_percent(tmp_path):
    r = _load("mnist_mlp").main(["--data", str(SHARED), "--quiet", "--out", str(tmp_path)])
    assert r["test_accuracy"] >= 0.98


def test_cnn_reaches_99_percent(tmp_path):
    r = _load("mnist_cnn").main(["--data", str(SHARED), "--quiet", "--out", str(tmp_path)])
    assert r["test_accuracy"] >= 0.99
