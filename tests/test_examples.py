"""Every example runs briefly from its main(argv) and reaches what it claims."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    return module


@pytest.fixture(autouse=True)
def _no_full_mnist(monkeypatch):
    monkeypatch.delenv(
        "XPNET_DATA", raising=False
    )  # use the shipped subset: quick and always present


def test_perceptron():
    r = _load("perceptron").main(["--epochs", "30"])
    assert r["perceptron_separable"] == 1.0 and r["delta_separable"] == 1.0
    assert r["perceptron_XOR"] <= 0.75 and r["delta_XOR"] <= 0.75


@pytest.mark.parametrize(
    "where", [["--backend", "numpy"], ["--backend", "array_api_strict", "--device", "device1"]]
)
def test_xor_reaches_full_accuracy_with_matching_gradients(where):
    r = _load("xor").main([*where])
    assert r["accuracy"] == 1.0 and r["max_gradient_gap"] < 1e-5


def test_two_layer_sigmoid():
    r = _load("two_layer_sigmoid").main(["--steps", "600"])
    assert r["max_gradient_gap"] < 1e-5 and r["accuracy"] > 0.85


def test_regression_two_outputs():
    r = _load("regression_two_outputs").main(["--steps", "600"])
    assert r["max_gradient_gap"] < 1e-5 and r["loss"] < 0.2 * r["baseline"]


def test_mnist_mlp_main_job_writes_checkpoint_and_plot(tmp_path):
    mod = _load("mnist_mlp")
    r = mod.main(["--epochs", "1", "--limit", "1500", "--quiet", "--out", str(tmp_path)])
    assert r["test_accuracy"] > 0.6
    assert (tmp_path / "mnist_mlp.xpn").stat().st_size > 1e6 and (
        tmp_path / "mnist_mlp.png"
    ).exists()
    again = mod.main(
        ["--epochs", "2", "--limit", "1500", "--quiet", "--out", str(tmp_path), "--resume"]
    )
    assert again["epochs"] == 2


def test_mnist_cnn(tmp_path):
    r = _load("mnist_cnn").main(
        ["--epochs", "1", "--limit", "600", "--batch-size", "64", "--quiet", "--out", str(tmp_path)]
    )
    assert r["test_accuracy"] > 0.3


def test_gpu_training_checks_device_residency_on_a_fake_device(tmp_path):
    r = _load("gpu_training").main(
        [
            "--backend",
            "array_api_strict",
            "--device",
            "device1",
            "--epochs",
            "1",
            "--limit",
            "600",
            "--out",
            str(tmp_path),
        ]
    )
    assert r["test_accuracy"] > 0.3


def test_mnist_ddp_runs_as_a_world_of_one(tmp_path):
    pytest.importorskip("mpi4py", reason="the mpi extra is not installed")
    r = _load("mnist_ddp").main(
        ["--epochs", "1", "--limit", "1500", "--quiet", "--out", str(tmp_path)]
    )
    assert r["world"] == 1 and r["test_accuracy"] > 0.6
    assert (tmp_path / "mnist_ddp.xpn").exists()
