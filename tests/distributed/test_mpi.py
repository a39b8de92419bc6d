"""Data-parallel training on 2 ranks, launched with ``mpiexec -n 2`` (marker ``mpi``).

Each launch runs several scenarios of worker.py and leaves every rank's results
as JSON; the tests read them. A launch that hangs fails at its timeout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

pytestmark = pytest.mark.mpi
WORKER = Path(__file__).with_name("worker.py")
TIMEOUT = 90


def _mpiexec() -> str:
    pytest.importorskip("mpi4py", reason="the mpi extra is not installed")
    beside = Path(sys.executable).parent / "mpiexec"  # where the mpich wheel puts it
    exe = shutil.which("mpiexec") or (str(beside) if beside.exists() else None)
    if exe is None:
        pytest.skip("no mpiexec on PATH (pip install 'xpnet[mpi]' provides one)")
    return exe


def launch(tmp: Path, scenario: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [_mpiexec(), "-n", "2", sys.executable, str(WORKER), scenario, str(tmp), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=_no_data())


def results(tmp: Path, scenario: str) -> list[dict]:
    return [json.loads((tmp / f"{scenario}.{r}.json").read_text()) for r in range(2)]


@pytest.fixture(scope="module")
def numpy_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mpi")
    scenario = "equivalence,replicas,collectives,sampler"
    done = launch(tmp, scenario)
    assert done.returncode == 0, done.stderr[-3000:]
    return results(tmp, scenario)


def test_two_ranks_with_batch_b_equal_one_process_with_batch_2b(numpy_run):
    for rank in numpy_run:
        eq = rank["equivalence"]
        for opt in ("SGD", "Adam"):
            assert eq[f"{opt}-float64"] < 1e-6 and eq[f"{opt}-float32"] < 1e-5, eq
            assert eq[f"{opt}-float64-collectives"] == 20  # one bucket: one all-reduce a step


def test_differently_seeded_replicas_start_identical_and_buckets_bound_collectives(numpy_run):
    r0, r1 = (r["replicas"] for r in numpy_run)
    assert r0["params_equal"] and r1["params_equal"]
    assert r0["grads_equal"] and r0["grad_error"] < 1e-6 and r1["grad_error"] < 1e-6
    assert r0["no_sync_collectives"] == 0 and r0["local_differs"]
    # a tiny bucket cap: more than one bucket, still fewer collectives than parameters
    assert 1 < r0["buckets"] < r0["params"] and r0["collectives"] == r0["buckets"]
    # the all-reduces overlap the backward pass: buckets start before the last gradient
    # (the first layer's) is in, as torch DDP's do; one start per bucket
    for r in (r0, r1):
        ev = r["events"]
        assert ev.count("start") == r0["buckets"] and ev.index("start") < ev.index("first"), ev


def test_collectives_on_two_ranks(numpy_run):
    for c in (r["collectives"] for r in numpy_run):
        assert c["transport"] == "mpi" and c["size"] == 2
        assert c["sum"] == [3.0, 10.0] and c["avg"] == [1.5, 5.0] and c["max"] == [2.0, 10.0]
        assert c["int"] == [7] and c["int_dtype"] == "int64"
        assert c["bcast"] == [1.0, 7.0] and c["gather"] == [[0.0, -1.0], [1.0, -1.0]]
        assert c["strict"] == [3.0] and c["strict_backend"] == "array_api_strict"
        assert "tensor_list[0] is float32[3]" in c["errors"]["gather_shape"]
        assert "rank 0 has 'weight' of shape (2, 3)" in c["errors"]["mismatch"]
        assert "rank 1 has 'weight' of shape (3, 3)" in c["errors"]["mismatch"]
        # in-place collectives on views reach their base; a transposed tensor gathers right
        assert c["view_base"] == [[3.0, 2.0], [6.0, 5.0]]
        t = np.arange(6.0).reshape(2, 3).T
        assert c["gather_t"] == [t.tolist(), (t + 10).tolist()]
    assert sorted(c["local_rank"] for c in (r["collectives"] for r in numpy_run)) == [0, 1]


def test_sampler_gives_every_index_once_per_epoch_and_reshuffles(numpy_run):
    s0, s1 = (r["sampler"] for r in numpy_run)
    for e in range(2):
        assert sorted(s0["epochs"][e] + s1["epochs"][e]) == list(range(10))
    assert s0["epochs"][0] != s0["epochs"][1]  # set_epoch reshuffles
    assert s0["len"] == 3  # 5 samples a rank in batches of 2
    assert s0["odd"] + s1["odd"] == [0, 2, 4, 6, 1, 3, 5, 0]  # padded with the first index
    assert s0["odd_drop"] + s1["odd_drop"] == [0, 2, 4, 1, 3, 5]


def test_only_rank_0_writes_the_checkpoint_and_it_resumes_on_one_rank(tmp_path):
    done = launch(tmp_path, "fit")
    assert done.returncode == 0, done.stderr[-3000:]
    r0, r1 = results(tmp_path, "fit")
    assert len(r0["saves"]) == 4 and r1["saves"] == []
    assert r0["logs"] == 4 and r1["logs"] == 0
    assert r0["loss"] == r1["loss"] and r0["params"] == r1["params"]  # global means, one model
    assert r0["loss"][-1] < r0["loss"][0]
    # resume on one rank (no process group) from the 2-rank checkpoint
    x, y = xn.datasets.spirals(240, classes=3, seed=0)
    ds = xn.data.ArrayDataset(x, y)

    def resume(epochs):
        plain = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
        lines = []
        h = xn.train.fit(
            _Prefixed(plain), nn.functional.cross_entropy,
            xn.optim.Adam(plain.parameters(), lr=0.02), xn.data.DataLoader(ds, 60, seed=0),
            epochs, checkpoint=tmp_path / "ckpt.xpn", resume=True, progress=False,
            log=lines.append,
        )  # fmt: skip
        return plain, h, lines

    plain, h, lines = resume(4)  # nothing left to train: exactly the 2-rank run's model
    assert "after epoch 4" in lines[0] and h["loss"] == r0["loss"]
    for p, saved in zip(plain.parameters(), r0["params"], strict=True):
        np.testing.assert_array_equal(p.numpy(), np.asarray(saved, np.float32))
    plain, h, _ = resume(6)  # and it trains on, with another world size
    assert len(h) == 6 and h["loss"][:4] == r0["loss"] and h["loss"][-1] < r0["loss"][-1]


class _Prefixed(nn.Module):
    """The plain model under the name ``module`` (the keys DistributedDataParallel saves)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x)


def test_a_rank_that_raises_fails_the_job_instead_of_hanging(tmp_path):
    done = launch(tmp_path, "fail")
    assert done.returncode != 0
    assert "rank 1 failed on purpose" in done.stderr and "aborting the job" in done.stderr


def test_torch_transport_on_two_ranks(tmp_path):
    pytest.importorskip("torch")
    scenario = "equivalence,torch_collectives"
    done = launch(tmp_path, scenario, "torch")
    assert done.returncode == 0, done.stderr[-3000:]
    for r in results(tmp_path, scenario):
        assert r["torch_collectives"]["transport"] == "torch"
        assert r["torch_collectives"]["avg"] == [1.5, 5.0]
        assert r["torch_collectives"]["bcast"] == [1.0, 7.0]
        assert "in a 'torch' process group" in r["torch_collectives"]["numpy_error"]
        assert r["equivalence"]["Adam-float32"] < 1e-5 and r["equivalence"]["SGD-float64"] < 1e-6


def test_the_ddp_example_on_two_ranks_matches_one_process(tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "mnist_ddp.py"
    common = ["--limit", "1500", "--epochs", "1", "--quiet"]
    two = subprocess.run(
        [_mpiexec(), "-n", "2", sys.executable, str(example), *common, "--batch-size", "32",
         "--out", str(tmp_path / "two")],
        capture_output=True, text=True, timeout=TIMEOUT, env=_no_data(),
    )  # fmt: skip
    assert two.returncode == 0, two.stderr[-3000:]
    one = subprocess.run(
        [sys.executable, str(example), *common, "--batch-size", "64", "--out", str(tmp_path / "one")],
        capture_output=True, text=True, timeout=TIMEOUT, env=_no_data(),
    )  # fmt: skip
    assert one.returncode == 0, one.stderr[-3000:]
    acc = [line for line in two.stdout.splitlines() if line.startswith("test accuracy")]
    assert len(acc) == 1 and "on 2 rank(s)" in acc[0]  # rank 0 alone speaks
    same = [line for line in one.stdout.splitlines() if line.startswith("test accuracy")]
    assert acc[0].split(" after")[0] == same[0].split(" after")[0]  # the same accuracy
    assert (tmp_path / "two" / "mnist_ddp.xpn").exists() and (
        tmp_path / "two" / "mnist_ddp.png"
    ).exists()


def _no_data():
    import os

    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")  # a core per rank
    env.pop("XPNET_DATA", None)  # the shipped subset: quick and always present
    return env


def test_uneven_batch_counts_fail_on_every_rank_naming_the_counts(tmp_path):
    done = launch(tmp_path, "uneven")
    assert done.returncode != 0
    assert "different numbers of batches on the ranks (rank 0: 4, rank 1: 3)" in done.stderr


def test_a_rank_that_exits_mid_training_fails_the_job_naming_it(tmp_path):
    done = launch(tmp_path, "leaves")
    assert done.returncode != 0, done.stderr[-2000:]
    assert "rank 1 left the job" in done.stderr and "aborting the job" in done.stderr


def test_a_collective_timeout(tmp_path):
    import time

    t0 = time.monotonic()
    done = launch(tmp_path, "timeout")
    assert done.returncode != 0
    assert "did not join within 2 s" in done.stderr
    assert time.monotonic() - t0 < 25  # not the 30 s rank 1 sleeps


def test_ranks_that_end_without_destroy_process_group_exit_cleanly(tmp_path):
    done = launch(tmp_path, "no_destroy")
    assert done.returncode == 0, done.stderr[-2000:]
    assert {p.name for p in tmp_path.iterdir()} == {"no_destroy.0.json", "no_destroy.1.json"}
