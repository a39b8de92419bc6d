"""How tensors print: summarised above a threshold, reading back only the shown entries."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


@pytest.fixture
def default_options():
    saved = xn.get_printoptions()
    yield
    xn.set_printoptions(**saved)


def test_a_large_tensor_prints_a_summary_like_numpy_and_pytorch(backend, default_options):
    t = xn.randn(1000, 1000, backend=backend, device=backend.device)
    text = repr(t)
    assert len(text) < 1000 and "..." in text
    assert f"backend={backend.name}" in text and "dtype=float32" in text
    host = t.numpy()
    first = np.array2string(host[0, :3], precision=4, separator=", ")[1:-1]
    assert first.split(",")[0].strip() in text


def test_a_summary_reads_back_only_the_shown_entries(monkeypatch, default_options):
    b = xn.get_backend("numpy")
    t = xn.zeros((500, 500), backend=b)
    read = []
    original = type(b).to_numpy

    def spy(self, arr):
        read.append(tuple(arr.shape))
        return original(self, arr)

    monkeypatch.setattr(type(b), "to_numpy", spy)
    repr(t)
    assert read == [(7, 7)]  # 3 edge items each side plus the middle placeholder, per axis


def test_print_options_precision_threshold_edgeitems(default_options):
    torch = pytest.importorskip("torch")
    x = np.linspace(0, 1, 20, dtype=np.float32)
    xn.set_printoptions(precision=2, threshold=10, edgeitems=2)
    torch.set_printoptions(precision=2, threshold=10, edgeitems=2)
    try:
        text = repr(xn.tensor(x))
        expected = repr(torch.tensor(x))  # tensor([0.00, 0.05,  ..., 0.95, 1.00])
    finally:
        torch.set_printoptions(profile="default")
    assert xn.get_printoptions()["precision"] == 2
    assert "0.05" in text and "0.95" in text and "..." in text and "0.11" not in text
    assert "0.05" in expected and "0.95" in expected
    xn.set_printoptions(threshold=1000)
    assert "..." not in repr(xn.tensor(x))
