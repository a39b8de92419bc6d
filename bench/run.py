"""The benchmark suite: ``python3 bench/run.py`` (``--quick`` for a short run).

For each thread count (1 and 2, set through OMP/OpenBLAS/MKL variables in a fresh
worker process) and each workload: every implementation starts from the same
weights and batches; first their loss trajectories over 100 steps must agree with
the hand-written NumPy reference to 1e-3 relative; then timing blocks run
interleaved (A B C A B C ...), and medians and min-max per step are reported as
ratios to the NumPy reference of the same run. Memory is the peak of NumPy
allocations (tracemalloc) during training steps, xpnet against the reference.
Results go to bench/results/results.json and results.md, and to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def _available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def implementations(workload: str, threads: int) -> dict:
    import numpy as np

    sys.path.insert(0, str(HERE))
    import workloads as W

    if _available("torch"):
        import torch

        torch.set_num_threads(threads)
    impls: dict = {}
    if workload == "W1":
        x, y = W.mnist_batches(256, image=False)
        params = W.init_mlp([784, 512, 256, 10])
        classes = {
            "numpy": W.MLPNumpy,
            "gemm floor": W.MLPGemm,
            "xpnet": W.MLPXpnet,
            "torch": W.MLPTorch,
            "jax jit": W.MLPJax,
        }
        make = lambda cls: cls(params, W.Batches(x, y, 256), 0.01)
    elif workload == "W2":
        params = W.init_mlp([2, 8, 1], seed=3)
        classes = {
            "numpy": W.XORNumpy,
            "xpnet": W.XORXpnet,
            "torch": W.XORTorch,
            "jax jit": W.XORJax,
        }
        make = lambda cls: cls(params, W.xor_data(), 0.5)
    else:
        x, y = W.mnist_batches(64, image=True)
        params = W.init_conv()
        classes = {"numpy": W.ConvNumpy, "xpnet": W.ConvXpnet, "torch": W.ConvTorch}
        make = lambda cls: cls(params, W.Batches(x, y, 64), 0.01)
    for name, cls in classes.items():
        if (name == "torch" and not _available("torch")) or (
            name == "jax jit" and not _available("jax")
        ):
            continue
        impls[name] = make(cls)
    del np
    return impls


def check(workload: str, threads: int, steps: int = 100) -> dict[str, float]:
    """Worst relative deviation of each implementation's loss trajectory from NumPy's."""
    impls = implementations(workload, threads)
    ref = [impls["numpy"].step() for _ in range(steps)]
    worst = {}
    for name, impl in impls.items():
        if name in ("numpy", "gemm floor"):
            continue
        got = [impl.step() for _ in range(steps)]
        worst[name] = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(got, ref, strict=True))
    return worst


def time_steps(
    workload: str, threads: int, blocks: int, per_block: float
) -> dict[str, list[float]]:
    impls = implementations(workload, threads)
    for impl in impls.values():  # warm up (JIT compilation, caches, allocator)
        for _ in range(5):
            impl.step()
    counts = {}
    for name, impl in impls.items():  # steps per block so each block lasts about per_block seconds
        t0 = time.perf_counter()
        n = 0
        while time.perf_counter() - t0 < per_block / 4:
            impl.step()
            n += 1
        counts[name] = max(3, int(n * 4))
    results: dict[str, list[float]] = {name: [] for name in impls}
    for _ in range(blocks):
        for name, impl in impls.items():  # interleaved: A B C A B C ...
            n = counts[name]
            t0 = time.perf_counter()
            for _ in range(n):
                impl.step()
            results[name].append((time.perf_counter() - t0) / n)
    return results


def per_op_overhead(blocks: int) -> dict[str, dict[str, float]]:
    """W3: microseconds of forward+backward per primitive on 4x4 arrays, and the same work in NumPy."""
    import numpy as np

    import xpnet as xn

    a_np = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    b_np = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    g_np = np.ones((4, 4), np.float32)
    x = xn.tensor(a_np, requires_grad=True)
    b = xn.tensor(b_np)
    cases = {
        "add": (lambda: x + b, lambda: (a_np + b_np, g_np)),
        "multiply": (lambda: x * b, lambda: (a_np * b_np, g_np * b_np)),
        "exp": (lambda: xn.exp(x), lambda: (lambda e: (e, g_np * e))(np.exp(a_np))),
        "tanh": (lambda: xn.tanh(x), lambda: (lambda t: (t, g_np * (1 - t * t)))(np.tanh(a_np))),
        "relu": (lambda: xn.relu(x), lambda: (np.maximum(a_np, 0), np.where(a_np > 0, g_np, 0))),
        "matmul": (lambda: x @ b, lambda: (a_np @ b_np, g_np @ b_np.T)),
        "sum(axis=0)": (
            lambda: x.sum(axis=0),
            lambda: (a_np.sum(axis=0), np.broadcast_to(g_np[0], (4, 4))),
        ),
        "reshape": (lambda: x.reshape(16), lambda: (a_np.reshape(16), g_np.reshape(4, 4))),
    }
    out = {}
    k = 200
    for name, (op, ref) in cases.items():
        seed = xn.ones(*op().shape)

        def xp_run(op=op, seed=seed):
            for _ in range(k):
                y = op()
                x.grad = None
                y.backward(seed)

        def np_run(ref=ref):
            for _ in range(k):
                ref()

        times = {"xpnet": [], "numpy": []}
        xp_run()
        for _ in range(blocks):
            for label, fn in (("xpnet", xp_run), ("numpy", np_run)):
                t0 = time.perf_counter()
                fn()
                times[label].append((time.perf_counter() - t0) / k * 1e6)
        xp_us, np_us = statistics.median(times["xpnet"]), statistics.median(times["numpy"])
        out[name] = {"xpnet_us": xp_us, "numpy_us": np_us, "overhead_us": xp_us - np_us}
    chain = chain_overhead(blocks)
    out["chain of 50 multiplies (per op)"] = chain
    return out


def chain_overhead(blocks: int) -> dict[str, float]:
    """Per-op cost inside a longer graph (one backward() for 50 ops), against NumPy's fwd+bwd."""
    import numpy as np

    import xpnet as xn

    a_np = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    c = np.float32(1.0001)
    x = xn.tensor(a_np, requires_grad=True)

    def xp_run():
        y = x
        for _ in range(50):
            y = y * 1.0001
        x.grad = None
        y.sum().backward()

    def np_run():
        y = a_np
        for _ in range(50):
            y = y * c
        g = np.ones_like(a_np)
        for _ in range(50):
            g = g * c
        return y.sum(), g

    times = {"xpnet": [], "numpy": []}
    for _ in range(blocks):
        for label, fn in (("xpnet", xp_run), ("numpy", np_run)):
            t0 = time.perf_counter()
            for _ in range(20):
                fn()
            times[label].append((time.perf_counter() - t0) / 20 / 50 * 1e6)
    xp_us, np_us = statistics.median(times["xpnet"]), statistics.median(times["numpy"])
    return {"xpnet_us": xp_us, "numpy_us": np_us, "overhead_us": xp_us - np_us}


def memory(workload: str, steps: int = 20) -> dict[str, float]:
    """Peak bytes of NumPy allocations during training steps (after warm-up), per implementation."""
    import tracemalloc

    out = {}
    for name in ("numpy", "xpnet"):
        impl = implementations(workload, 1)[name]
        impl.step()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(steps):
            impl.step()
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        out[name] = peak
    return out


def worker(threads: int, quick: bool) -> dict:
    blocks, per_block = (3, 0.3) if quick else (7, 1.0)
    result: dict = {"threads": threads, "workloads": {}}
    for w in ("W1", "W2", "W5"):
        result["workloads"][w] = {
            "check": check(w, threads, 30 if quick else 100),
            "times": time_steps(w, threads, blocks, per_block),
        }
    if threads == 1:
        result["W3"] = per_op_overhead(blocks)
        result["memory"] = {w: memory(w, 5 if quick else 20) for w in ("W1", "W5")}
    return result


TARGETS = {
    ("W1", 1): 0.95,
    ("W1", 2): 0.90,
    ("W2", 1): 2.0,
    ("W2", 2): 2.0,
    ("W5", 1): 0.5,
    ("W5", 2): 0.5,
}
NAMES = {
    "W1": "W1 MNIST-MLP step (784-512-256-10, batch 256)",
    "W2": "W2 tiny step (XOR 2-8-1, batch 4)",
    "W5": "W5 conv step (3x3 1->16, pool, linear; batch 64)",
}


def report(runs: list[dict], machine: str) -> str:
    lines = [
        f"Measured {date.today().isoformat()} on {machine}. Ratios are per-step time over the hand-written",
        "NumPy reference in the same run (lower is better); median and min-max over interleaved blocks.",
        "",
    ]
    lines += [
        "| workload | threads | implementation | ms/step (median) | ratio to NumPy | ratio min-max "
        "| max loss deviation | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        t = run["threads"]
        for w, data in run["workloads"].items():
            ref_blocks = data["times"]["numpy"]
            for name, blocks in data["times"].items():
                ratios = [b / r for b, r in zip(blocks, ref_blocks, strict=True)]
                med_ms = statistics.median(blocks) * 1e3
                dev = data["check"].get(name)
                target = TARGETS.get((w, t)) if name == "xpnet" else None
                lines.append(
                    f"| {NAMES[w]} | {t} | {name} | {med_ms:.3f} | {statistics.median(ratios):.2f} | "
                    f"{min(ratios):.2f}-{max(ratios):.2f} | {'' if dev is None else f'{dev:.1e}'} | "
                    f"{'' if target is None else f'<= {target}'} |"
                )
    one = next(r for r in runs if r["threads"] == 1)
    lines += [
        "",
        "W3: forward+backward of one primitive on 4x4 float32 arrays "
        "(microseconds, 1 thread; target: overhead <= 5 us)",
        "",
        "| primitive | xpnet us | NumPy us (same math by hand) | overhead us |",
        "| --- | --- | --- | --- |",
    ]
    for name, v in one["W3"].items():
        lines.append(
            f"| {name} | {v['xpnet_us']:.2f} | {v['numpy_us']:.2f} | {v['overhead_us']:.2f} |"
        )
    lines += [
        "",
        "Memory: peak NumPy allocations during training steps (tracemalloc; target: xpnet <= 1.2x)",
        "",
        "| workload | NumPy reference MB | xpnet MB | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for w, m in one["memory"].items():
        lines.append(
            f"| {NAMES[w]} | {m['numpy'] / 2**20:.1f} | {m['xpnet'] / 2**20:.1f} | {m['xpnet'] / m['numpy']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.quick)))
        return
    runs = []
    for t in (int(v) for v in args.threads.split(",")):
        env = dict(os.environ, **{v: str(t) for v in THREAD_VARS})
        env["XLA_FLAGS"] = (
            f"--xla_cpu_multi_thread_eigen={'false' if t == 1 else 'true'} intra_op_parallelism_threads={t}"
        )
        cmd = [sys.executable, str(HERE / "run.py"), "--worker", str(t)] + (
            ["--quick"] if args.quick else []
        )
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = report(runs, machine)
    outdir = HERE / "results"
    outdir.mkdir(exist_ok=True)
    (outdir / "results.json").write_text(
        json.dumps({"machine": machine, "date": date.today().isoformat(), "runs": runs}, indent=1)
    )
    (outdir / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
