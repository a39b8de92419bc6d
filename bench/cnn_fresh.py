"""A newcomer's MNIST CNN in a user's fresh process: ``python3 bench/cnn_fresh.py``.

The model of examples/mnist_cnn.py (conv 5x5 1->16, ReLU, pool 2, conv 5x5 16->32, ReLU,
pool 2, dropout, linear; Adam, batch 128) trained on the MNIST subset shipped in the
package, each implementation in its own fresh process (as a user runs it, no earlier
allocations to reuse): xpnet eager, xpnet compiled, PyTorch eager. Prints the median
ms per step of 3 passes over 30 batches, after 5 warm-up steps, and the minor page
faults per step (getrusage) in that process. ``--threads N`` sets the BLAS/OpenMP
threads (default 1).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

IMPLS = ("xpnet", "xpnet compiled", "torch")


def _layers(nn, n_out=10):
    return [nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, n_out)]  # fmt: skip


def serve(which: str) -> None:
    import numpy as np

    import xpnet as xn

    (xs, ys), _ = xn.datasets.load_mnist_subset()
    xs = xs.reshape(-1, 1, 28, 28).astype(np.float32)[: 128 * 30]
    ys = ys[: 128 * 30]
    if which == "torch":
        import torch
        from torch import nn

        torch.manual_seed(0)
        model = nn.Sequential(*_layers(nn))
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        batches = [(torch.from_numpy(xs[i : i + 128]), torch.from_numpy(ys[i : i + 128]).long())
                   for i in range(0, len(xs), 128)]  # fmt: skip
    else:
        from xpnet import nn

        xn.manual_seed(0)
        model = nn.Sequential(*_layers(nn))
        opt = xn.optim.Adam(model.parameters(), lr=1e-3)
        batches = [(xn.tensor(xs[i : i + 128]), xn.tensor(ys[i : i + 128]))
                   for i in range(0, len(xs), 128)]  # fmt: skip

    def step(x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if which == "xpnet compiled":
        step = xn.compile(step)
    for x, y in batches[:5]:
        float(step(x, y).item())
    times, faults = [], []
    for _ in range(3):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        for x, y in batches:
            float(step(x, y).item())
        times.append((time.perf_counter() - t0) / len(batches) * 1e3)
        faults.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / len(batches))
    print(f"{statistics.median(times):.2f} {statistics.median(faults):.0f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--serve", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve)
        return
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[v] = str(args.threads)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{args.threads} thread(s)")  # fmt: skip
    rows = {}
    for which in IMPLS:
        try:
            import importlib

            importlib.import_module("torch" if which == "torch" else "xpnet")
        except ImportError:
            continue
        out = subprocess.run([sys.executable, __file__, "--serve", which], env=env,
                             capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
        rows[which] = (float(out[0]), float(out[1]))
    ref = rows.get("torch", (None,))[0]
    print("| implementation | ms/step (median) | ratio to PyTorch eager | faults/step |")
    print("| --- | --- | --- | --- |")
    for which, (ms, faults) in rows.items():
        ratio = f"{ms / ref:.2f}" if ref else ""
        print(f"| {which} | {ms:.1f} | {ratio} | {faults:.0f} |")


if __name__ == "__main__":
    main()
