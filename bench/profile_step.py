"""Profile a replayed ``xn.compile`` training step: ``python3 bench/profile_step.py W1|W2``.

Runs the benchmark's xpnet workload (compiled) for a few hundred steps under cProfile
and prints the functions with the most time of their own. Run it with one thread
(``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``) to match the benchmark's 1-thread rows.
Profiling inflates every Python call: read the shares, not the absolute times.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads as W


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "W1"
    if which == "W2":
        impl = W.XORXpnet(W.init_mlp([2, 8, 1], seed=3), W.xor_data(), 0.5, compiled=True)
        n = 3000
    else:
        x, y = W.mnist_batches(256, image=False)
        impl = W.MLPXpnet(
            W.init_mlp([784, 512, 256, 10]), W.Batches(x, y, 256), 0.01, compiled=True
        )
        n = 200
    for _ in range(20):
        impl.step()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        impl.step()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(14)
    print(f"{n} steps of {which}, compiled")
    print(out.getvalue())


if __name__ == "__main__":
    main()
