"""The benchmark suite: ``python3 bench/run.py`` (``--quick`` for a short run).

For each thread count (1 and 2, set through OMP/OpenBLAS/MKL variables) and each
workload, every implementation runs in **its own fresh worker process**, pinned
to the same CPUs with the same thread settings (a shared process would share
allocator state: the first implementation's freed blocks make the next one look
faster, and hide the page faults a user pays). All start from the same weights
and batches; first each one's loss trajectory over 100 steps must agree with the
hand-written NumPy reference to 1e-3 relative; then the driver interleaves timing
blocks across the live workers (A B C A B C ..., one running at a time) and
reports medians and min-max per step as ratios to the NumPy reference of the same
run, with the minor page faults per step (``getrusage``) beside the time.
Implementations: hand NumPy (the reference), the GEMM floor (W1), xpnet eager,
xpnet through ``xn.compile``, xpnet eager on the torch backend, PyTorch eager and
JAX jit where installed. W3 is the per-primitive overhead (eager and compiled);
memory is the peak of NumPy allocations during steps (tracemalloc), each in its
own process. Results go to bench/results/results.json and results.md, and stdout.
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
IMPLS = [
    "numpy",
    "gemm floor",
    "xpnet",
    "xpnet compiled",
    "xpnet torch backend",
    "xpnet strict backend",
    "xpnet jax backend",
    "xpnet jax compiled",
    "torch",
    "jax jit",
]


def _available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def make(workload: str, name: str, threads: int) -> object:
    """One implementation of ``workload`` (or None where it does not apply here)."""
    sys.path.insert(0, str(HERE))
    import workloads as W

    if _available("torch"):
        import torch

        torch.set_num_threads(threads)
    if name in ("torch", "xpnet torch backend") and not _available("torch"):
        return None
    if name in ("jax jit", "xpnet jax backend", "xpnet jax compiled") and not _available("jax"):
        return None
    if name == "xpnet strict backend" and not _available("array_api_strict"):
        return None
    xp_kw: dict = {}
    if name == "xpnet compiled":
        xp_kw = {"compiled": True}
    elif name == "xpnet torch backend":
        xp_kw = {"backend": "torch"}
    elif name == "xpnet strict backend":
        xp_kw = {"backend": "array_api_strict"}
    elif name == "xpnet jax backend":
        xp_kw = {"backend": "jax"}
    elif name == "xpnet jax compiled":
        xp_kw = {"backend": "jax", "compiled": True}
    if workload == "W1":
        x, y = W.mnist_batches(256, image=False)
        params = W.init_mlp([784, 512, 256, 10])
        classes = {
            "numpy": W.MLPNumpy,
            "gemm floor": W.MLPGemm,
            "torch": W.MLPTorch,
            "jax jit": W.MLPJax,
        }
        data, lr, xp_cls = W.Batches(x, y, 256), 0.01, W.MLPXpnet
    elif workload == "W2":
        params = W.init_mlp([2, 8, 1], seed=3)
        classes = {"numpy": W.XORNumpy, "torch": W.XORTorch, "jax jit": W.XORJax}
        data, lr, xp_cls = W.xor_data(), 0.5, W.XORXpnet
    else:
        x, y = W.mnist_batches(64, image=True)
        params = W.init_conv()
        classes = {"numpy": W.ConvNumpy, "torch": W.ConvTorch}
        data, lr, xp_cls = W.Batches(x, y, 64), 0.01, W.ConvXpnet
    if name.startswith("xpnet"):
        return xp_cls(params, data, lr, **xp_kw)
    cls = classes.get(name)
    return None if cls is None else cls(params, data, lr)


def serve(workload: str, name: str, threads: int, quick: bool) -> None:
    """A worker: report the loss trajectory, then run timing blocks when asked (one per stdin line)."""
    import resource

    steps = 30 if quick else 100
    impl = make(workload, name, threads)
    if impl is None:
        print(json.dumps({"absent": True}), flush=True)
        return
    losses = [impl.step() for _ in range(steps)]
    impl = make(workload, name, threads)  # time a fresh instance, after warming it up
    for _ in range(10):
        impl.step()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < (0.1 if quick else 0.3):
        impl.step()
        n += 1
    per_block = 0.3 if quick else 1.0
    count = max(3, int(n * per_block / (time.perf_counter() - t0)))
    print(json.dumps({"losses": losses, "count": count}), flush=True)
    for line in sys.stdin:
        if line.strip() != "block":
            break
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        for _ in range(count):
            impl.step()
        dt = (time.perf_counter() - t0) / count
        faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / count
        print(json.dumps({"s": dt, "faults": faults}), flush=True)


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
    return out


def chain_overhead(blocks: int) -> dict[str, float]:
    """Per-op cost inside a longer graph (one backward() for 50 ops), eager and compiled,
    against NumPy's forward+backward of the same math."""
    import numpy as np

    import xpnet as xn

    a_np = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    c = np.float32(1.0001)
    x = xn.tensor(a_np, requires_grad=True)

    def chain(x: xn.Tensor) -> xn.Tensor:
        y = x
        for _ in range(50):
            y = y * 1.0001
        x.grad = None
        y.sum().backward()
        return x.grad

    compiled = xn.compile(chain)
    for _ in range(5):
        compiled(x)

    def np_run():
        y = a_np
        for _ in range(50):
            y = y * c
        g = np.ones_like(a_np)
        for _ in range(50):
            g = g * c
        return y.sum(), g

    runs = {"xpnet": lambda: chain(x), "compiled": lambda: compiled(x), "numpy": np_run}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(blocks):
        for label, fn in runs.items():
            t0 = time.perf_counter()
            for _ in range(20):
                fn()
            times[label].append((time.perf_counter() - t0) / 20 / 50 * 1e6)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "xpnet_us": med["xpnet"],
        "compiled_us": med["compiled"],
        "numpy_us": med["numpy"],
        "overhead_us": med["xpnet"] - med["numpy"],
        "compiled_overhead_us": med["compiled"] - med["numpy"],
    }


def memory(workload: str, name: str, steps: int) -> float:
    """Peak bytes of NumPy allocations during training steps (after warm-up), in this process."""
    import tracemalloc

    impl = make(workload, name, 1)
    for _ in range(5):  # compiled: past the recordings
        impl.step()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    for _ in range(steps):
        impl.step()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ, **{v: str(threads) for v in THREAD_VARS})
    env["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'false' if threads == 1 else 'true'} "
        f"intra_op_parallelism_threads={threads}"
    )
    return env


def _pinned(threads: int) -> list[str]:
    """A command prefix that pins a worker to the first ``threads`` CPUs (the same for all)."""
    cpus = sorted(os.sched_getaffinity(0))[:threads] if hasattr(os, "sched_getaffinity") else []
    if cpus and _which("taskset"):
        return ["taskset", "-c", ",".join(map(str, cpus))]
    return []


def _which(exe: str) -> bool:
    import shutil

    return shutil.which(exe) is not None


def measure(workload: str, threads: int, quick: bool, only: list[str] | None = None) -> dict:
    """Start one worker per implementation, check trajectories, interleave timing blocks."""
    blocks = 3 if quick else 7
    procs = {}
    for name in IMPLS if only is None else ["numpy", *only]:
        cmd = [
            *_pinned(threads),
            sys.executable,
            str(HERE / "run.py"),
            "--serve",
            workload,
            name,
            str(threads),
        ]
        cmd += ["--quick"] if quick else []
        procs[name] = subprocess.Popen(
            cmd, env=_env(threads), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
    first = {name: json.loads(p.stdout.readline()) for name, p in procs.items()}  # type: ignore[union-attr]
    live = {n: p for n, p in procs.items() if not first[n].get("absent")}
    ref = first["numpy"]["losses"]
    check = {
        n: max(
            abs(a - b) / max(abs(b), 1e-12) for a, b in zip(first[n]["losses"], ref, strict=True)
        )
        for n in live
        if n not in ("numpy", "gemm floor")
    }
    times: dict[str, list[float]] = {n: [] for n in live}
    faults: dict[str, list[float]] = {n: [] for n in live}
    for _ in range(blocks):
        for n, p in live.items():
            p.stdin.write("block\n")  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
            got = json.loads(p.stdout.readline())  # type: ignore[union-attr]
            times[n].append(got["s"])
            faults[n].append(got["faults"])
    for p in procs.values():
        p.stdin.close()  # type: ignore[union-attr]
        p.wait(timeout=60)
    return {"check": check, "times": times, "faults": faults}


def _in_process(kind: str, args: list[str], threads: int) -> object:
    cmd = [*_pinned(threads), sys.executable, str(HERE / "run.py"), f"--{kind}", *args]
    out = subprocess.run(cmd, env=_env(threads), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


TARGETS = {
    # (workload, threads, implementation): ratio to hand NumPy, lower is better
    ("W1", 1, "xpnet"): 1.05,
    ("W1", 2, "xpnet"): 1.05,
    ("W5", 1, "xpnet"): 0.9,
    ("W5", 2, "xpnet"): 0.8,
    ("W1", 1, "xpnet compiled"): 0.95,
    ("W1", 2, "xpnet compiled"): 0.88,
    ("W2", 1, "xpnet compiled"): 1.5,
    ("W2", 2, "xpnet compiled"): 1.5,
    ("W5", 1, "xpnet compiled"): 0.5,
    ("W5", 2, "xpnet compiled"): 0.4,
}
NAMES = {
    "W1": "W1 MNIST-MLP step (784-512-256-10, batch 256)",
    "W2": "W2 tiny step (XOR 2-8-1, batch 4)",
    "W5": "W5 conv step (3x3 1->16, pool, linear; batch 64)",
}


def report(runs: list[dict], machine: str) -> str:
    lines = [
        f"Measured {date.today().isoformat()} on {machine}. Each implementation in its own process;",
        "ratios are per-step time over the hand-written NumPy reference in the same run (lower is",
        "better), median and min-max over interleaved blocks; faults are minor page faults per step.",
        "",
        "| workload | threads | implementation | ms/step (median) | ratio to NumPy | ratio min-max "
        "| faults/step | max loss deviation | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        t = run["threads"]
        for w, data in run["workloads"].items():
            ref_blocks = data["times"]["numpy"]
            for name, blocks in data["times"].items():
                ratios = [b / r for b, r in zip(blocks, ref_blocks, strict=True)]
                dev = data["check"].get(name)
                target = TARGETS.get((w, t, name))
                lines.append(
                    f"| {NAMES[w]} | {t} | {name} | {statistics.median(blocks) * 1e3:.3f} | "
                    f"{statistics.median(ratios):.2f} | {min(ratios):.2f}-{max(ratios):.2f} | "
                    f"{statistics.median(data['faults'][name]):.0f} | {'' if dev is None else f'{dev:.1e}'} | "
                    f"{'' if target is None else f'<= {target}'} |"
                )
    one = next((r for r in runs if r["threads"] == 1 and "W3" in r), None)
    if one is not None:
        lines += [
            "",
            "W3: forward+backward of one primitive on 4x4 float32 arrays (microseconds, 1 thread)",
            "",
            "| primitive | xpnet us | NumPy us (same math by hand) | overhead us |",
            "| --- | --- | --- | --- |",
        ]
        for name, v in one["W3"].items():
            lines.append(
                f"| {name} | {v['xpnet_us']:.2f} | {v['numpy_us']:.2f} | {v['overhead_us']:.2f} |"
            )
        c = one["chain"]
        lines += [
            "",
            f"In a chain of 50 multiplies (one backward): eager {c['xpnet_us']:.2f} us per primitive "
            f"(overhead {c['overhead_us']:.2f}; target <= 8), compiled {c['compiled_us']:.2f} us "
            f"(overhead {c['compiled_overhead_us']:.2f}; target <= 2), NumPy {c['numpy_us']:.2f} us.",
            "",
            "Memory: peak NumPy allocations during training steps (tracemalloc; target: <= 1.2x the reference)",
            "",
            "| workload | NumPy reference MB | xpnet MB | ratio | xpnet compiled MB | ratio |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for w, m in one["memory"].items():
            ref = m["numpy"]
            lines.append(
                f"| {NAMES[w]} | {ref / 2**20:.1f} | {m['xpnet'] / 2**20:.1f} | {m['xpnet'] / ref:.2f} | "
                f"{m['xpnet compiled'] / 2**20:.1f} | {m['xpnet compiled'] / ref:.2f} |"
            )
    return "\n".join(lines) + "\n"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument(
        "--only", default=None, help="comma-separated implementations to run beside numpy"
    )
    parser.add_argument("--workloads", default="W1,W2,W5")
    parser.add_argument("--serve", nargs=3, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--overhead", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    blocks = 3 if args.quick else 7
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]), args.quick)
        return
    if args.overhead:
        print(json.dumps({"W3": per_op_overhead(blocks), "chain": chain_overhead(blocks)}))
        return
    if args.memory:
        print(json.dumps(memory(args.memory[0], args.memory[1], 5 if args.quick else 20)))
        return
    runs = []
    for t in (int(v) for v in args.threads.split(",")):
        run: dict = {"threads": t, "workloads": {}}
        only = None if args.only is None else [v for v in args.only.split(",") if v != "numpy"]
        for w in args.workloads.split(","):
            run["workloads"][w] = measure(w, t, args.quick, only)
            print(f"{w} at {t} thread(s) measured", file=sys.stderr, flush=True)
        if t == 1 and only is None and args.workloads == "W1,W2,W5":
            run.update(_in_process("overhead", [] + (["--quick"] if args.quick else []), 1))  # type: ignore[arg-type]
            run["memory"] = {
                w: {
                    n: _in_process("memory", [w, n] + (["--quick"] if args.quick else []), 1)
                    for n in ("numpy", "xpnet", "xpnet compiled")
                }
                for w in ("W1", "W5")
            }
        runs.append(run)
    machine = f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = report(runs, machine)
    outdir = HERE / "results"
    outdir.mkdir(exist_ok=True)
    full = args.only is None and args.workloads == "W1,W2,W5"
    stem = "results" if full else "subset"  # a partial run never replaces the full record
    (outdir / f"{stem}.json").write_text(
        json.dumps({"machine": machine, "date": date.today().isoformat(), "runs": runs}, indent=1)
    )
    (outdir / f"{stem}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
