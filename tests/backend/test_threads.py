"""``xn.set_num_threads``/``get_num_threads`` (the host's BLAS and OpenMP pools) and
``xn.initial_seed``/``xn.seed``, as PyTorch's."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

import xpnet as xn

pytest.importorskip("threadpoolctl")


def _run(code: str) -> str:
    """In a fresh process: the setting is process-wide, and the suite's own workers keep theirs."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_set_num_threads_sets_every_pool_and_initial_seed_repeats_a_run():
    """One fresh process (the setting is process-wide; starting one costs seconds): the BLAS
    pool takes the count, so does the pool of a backend loaded afterwards (PyTorch's
    OpenMP), and the seed a process started from repeats its numbers."""
    has_torch = importlib.util.find_spec("torch") is not None
    torch_line = (
        'xn.ones(2, backend="torch"); import torch; print(torch.get_num_threads())'
        if has_torch
        else ""
    )
    got = _run(
        f"""
        import threadpoolctl
        import xpnet as xn
        first = xn.initial_seed()  # a fresh process: a seed of its own entropy
        a = xn.rand(4).tolist()
        xn.manual_seed(first)
        print(0 <= first < 2**63, xn.rand(4).tolist() == a)
        xn.set_num_threads(1)
        blas = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        print(xn.get_num_threads(), sorted(set(blas)))
        {torch_line}
        """
    )
    assert got.splitlines() == ["True True", "1 [1]"] + (["1"] if has_torch else [])


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_a_bad_thread_count_is_refused(n):
    with pytest.raises(xn.ArgumentError, match="positive int"):
        xn.set_num_threads(n)


def test_seed_reseeds_with_fresh_entropy_and_reports_it():
    xn.manual_seed(7)
    assert xn.initial_seed() == 7
    s = xn.seed()
    assert xn.initial_seed() == s and s != 7
    b = xn.rand(3).tolist()
    xn.manual_seed(s)
    assert xn.rand(3).tolist() == b
