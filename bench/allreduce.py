"""All-reduce cost and the data-parallel W1 step: ``python3 bench/allreduce.py`` (``--quick``).

1. All-reduce (sum, float32, in place) of 1 KB to 64 MB on 2 local ranks over MPI
   (``mpiexec -n 2``), through ``xn.distributed.all_reduce``: median time, and the
   bus bandwidth 2(n-1)/n * bytes / time (NCCL's convention, comparable across n).
2. The W1 step (MNIST MLP 784-512-256-10, SGD, global batch 256) on 2 ranks of
   batch 128 under DistributedDataParallel, against one process of batch 256 with 1
   and with 2 threads (the 2 ranks use one thread each: the same 2 cores), and the
   share of the 2-rank step spent in the gradient all-reduce.

Each configuration runs in its own fresh processes; results go to
bench/results/allreduce.json and allreduce.md, and stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
SIZES = [2**k for k in range(10, 27, 2)]  # 1 KB .. 64 MB


def _env(threads: int) -> dict[str, str]:
    return dict(os.environ, **{v: str(threads) for v in THREAD_VARS})


def _mpiexec() -> str:
    beside = Path(sys.executable).parent / "mpiexec"
    exe = shutil.which("mpiexec") or (str(beside) if beside.exists() else None)
    if exe is None:
        raise SystemExit("no mpiexec: pip install 'xpnet[mpi]'")
    return exe


def sizes_worker(quick: bool) -> dict:
    import numpy as np

    import xpnet as xn
    import xpnet.distributed as dist

    dist.init_process_group()
    out = {}
    for nbytes in SIZES:
        t = xn.tensor(np.ones(nbytes // 4, np.float32))
        reps = max(3, min(200, (2**22 // nbytes) * (2 if quick else 8)))
        for _ in range(2):
            dist.all_reduce(t)
        times = []
        for _ in range(5 if quick else 15):
            dist.barrier()
            t0 = time.perf_counter()
            for _ in range(reps):
                dist.all_reduce(t)
            times.append((time.perf_counter() - t0) / reps)
        out[str(nbytes)] = statistics.median(times)
    rank = dist.get_rank()
    dist.destroy_process_group()
    return out if rank == 0 else {}


def w1_worker(quick: bool) -> dict:
    sys.path.insert(0, str(HERE))
    import workloads as W

    import xpnet as xn
    import xpnet.distributed as dist
    from xpnet import nn

    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    x, y = W.mnist_batches(256, image=False)
    params = W.init_mlp([784, 512, 256, 10])
    layers: list = []
    for i in range(3):
        lin = nn.Linear(params[2 * i].shape[1], params[2 * i].shape[0])
        lin.load_state_dict({"weight": params[2 * i], "bias": params[2 * i + 1]})
        layers += [lin, nn.ReLU()]
    model = nn.parallel.DistributedDataParallel(nn.Sequential(*layers[:-1]))
    opt = xn.optim.SGD(model.parameters(), lr=0.01)
    comm = [0.0]
    reduce = model.reduce_gradients

    def timed() -> None:
        t0 = time.perf_counter()
        reduce()
        comm[0] += time.perf_counter() - t0

    model.reduce_gradients = timed  # type: ignore[method-assign]
    per = 256 // world
    batches = W.Batches(x, y, 256)

    def step() -> float:
        xb, yb = batches.next()
        xb, yb = xb[rank * per : (rank + 1) * per], yb[rank * per : (rank + 1) * per]
        loss = nn.functional.cross_entropy(model(xn.tensor(xb)), xn.tensor(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.item())

    losses = [step() for _ in range(20)]
    n = 20 if quick else 60
    blocks = []
    shares = []
    for _ in range(3 if quick else 7):
        dist.barrier()
        comm[0] = 0.0
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        dt = time.perf_counter() - t0
        blocks.append(dt / n)
        shares.append(comm[0] / dt)
    dist.destroy_process_group()
    if rank != 0:
        return {}
    return {
        "step_s": statistics.median(blocks),
        "comm_share": statistics.median(shares),
        "grad_bytes": sum(p.size * 4 for p in model.parameters()),
        "last_loss": losses[-1],
    }


def _run(cmd: list[str], threads: int) -> dict:
    out = subprocess.run(cmd, env=_env(threads), capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return next(r for r in lines if r)


def cpu_model() -> str:
    sys.path.insert(0, str(HERE))
    from run import cpu_model as model

    return model()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", choices=["sizes", "w1"], default=None)
    args = parser.parse_args()
    if args.worker:
        fn = sizes_worker if args.worker == "sizes" else w1_worker
        result = fn(args.quick)
        if result:  # rank 0's; the other ranks stay silent
            print(json.dumps(result), flush=True)
        return
    me = [sys.executable, str(Path(__file__).resolve())] + (["--quick"] if args.quick else [])
    mpi = [_mpiexec(), "-n", "2"]
    sizes = _run([*mpi, *me, "--worker", "sizes"], 1)
    two = _run([*mpi, *me, "--worker", "w1"], 1)
    one_1 = _run([*me, "--worker", "w1"], 1)
    one_2 = _run([*me, "--worker", "w1"], 2)
    machine = f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        f"Measured {date.today().isoformat()} on {machine}; MPI: mpich (PyPI wheel), 2 ranks on "
        "one machine (shared memory).",
        "",
        "| message | all-reduce median (us) | bus bandwidth (GB/s) |",
        "| --- | --- | --- |",
    ]
    for k, v in sizes.items():
        n = int(k)
        label = f"{n // 2**20} MB" if n >= 2**20 else f"{n // 2**10} KB"
        lines.append(f"| {label} | {v * 1e6:.1f} | {n / v / 1e9:.2f} |")
    lines += [
        "",
        "W1 step (global batch 256), median ms per step:",
        "",
        "| configuration | ms/step | ratio to 1 process, 2 threads | all-reduce share |",
        "| --- | --- | --- | --- |",
        f"| 1 process, 1 thread, batch 256 | {one_1['step_s'] * 1e3:.2f} | "
        f"{one_1['step_s'] / one_2['step_s']:.2f} | - |",
        f"| 1 process, 2 threads, batch 256 | {one_2['step_s'] * 1e3:.2f} | 1.00 | - |",
        f"| 2 ranks x 1 thread, batch 128 each | {two['step_s'] * 1e3:.2f} | "
        f"{two['step_s'] / one_2['step_s']:.2f} | {two['comm_share'] * 100:.1f}% |",
        "",
        f"Gradient: {two['grad_bytes'] / 2**20:.2f} MB a step in one bucket (bucket_cap_mb=25); "
        f"last losses {one_2['last_loss']:.5f} (1 process) and {two['last_loss']:.5f} (2 ranks).",
    ]
    text = "\n".join(lines) + "\n"
    outdir = HERE / "results"
    outdir.mkdir(exist_ok=True)
    (outdir / "allreduce.json").write_text(
        json.dumps(
            {"machine": machine, "sizes": sizes, "two_ranks": two, "one_1": one_1, "one_2": one_2},
            indent=1,
        )
    )
    (outdir / "allreduce.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
