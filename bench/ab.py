"""Two checkouts of xpnet, side by side: ``python3 bench/ab.py --old DIR``.

Times the compiled training step of W1, W2 and W5 (``bench/workloads.py``) with the
xpnet of this checkout and with the one in DIR (for instance
``git worktree add /tmp/old HEAD~3``), each run in its own fresh process, the two
alternating ``--rounds`` times (a shared machine drifts: compare within a round).
Each process prints the median ms per step of 9 blocks of ``--steps`` steps after a
warm-up. One BLAS thread unless ``--threads`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def serve(workload: str, steps: int) -> None:
    sys.path.insert(0, str(HERE))
    import workloads as W

    if workload == "W1":
        x, y = W.mnist_batches(256, image=False)
        m: object = W.MLPXpnet(W.init_mlp([784, 512, 256, 10]), W.Batches(x, y, 256), 0.01,
                               compiled=True)  # fmt: skip
    elif workload == "W2":
        m = W.XORXpnet(W.init_mlp([2, 8, 1], seed=3), W.xor_data(), 0.5, compiled=True)
    else:
        x, y = W.mnist_batches(64, image=True)
        m = W.ConvXpnet(W.init_conv(), W.Batches(x, y, 64), 0.01, compiled=True)
    step = m.step  # type: ignore[attr-defined]
    for _ in range(steps):
        step()
    times = []
    for _ in range(9):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps * 1e3)
    print(f"{statistics.median(times):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the other checkout (its root folder)")
    parser.add_argument("--workloads", default="W1,W2,W5")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=0, help="steps a block (default by workload)")
    args = parser.parse_args()
    default_steps = {"W1": 20, "W2": 500, "W5": 20}
    if args.serve:
        serve(args.serve, args.steps or default_steps[args.serve])
        return
    threads = {k: str(args.threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                              "MKL_NUM_THREADS")}  # fmt: skip
    trees = {"old": str(Path(args.old).resolve()), "new": str(HERE.parent)}
    print("| round | workload | old ms/step | new ms/step | new/old |")
    print("| --- | --- | --- | --- | --- |")
    for r in range(args.rounds):
        for w in args.workloads.split(","):
            got = {}
            for name, root in trees.items():
                env = {**os.environ, **threads, "PYTHONPATH": root}
                cmd = [sys.executable, __file__, "--old", args.old, "--serve", w,
                       "--steps", str(args.steps)]  # fmt: skip
                out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                got[name] = float(out.stdout.split()[-1])
            print(f"| {r + 1} | {w} | {got['old']:.3f} | {got['new']:.3f} | "
                  f"{got['new'] / got['old']:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
