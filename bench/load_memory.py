"""Peak memory of loading weights: ``xn.load`` and ``xn.load_safetensors`` of a ~96 MiB file,
against the file's size (target: the peak rise at most 1.5x the file) and against NumPy's
``np.load`` of the same bytes as one .npy (the floor: one copy).

Each load runs in its own fresh process; the peak is the rise of VmHWM (reset through
/proc/self/clear_refs just before the load) over the resident size before it. Linux only.

    python3 bench/load_memory.py [--mib 96] [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import sys, numpy as np
kind, path = sys.argv[1], sys.argv[2]
import xpnet as xn
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak (VmHWM) to the current resident size
before = status("VmRSS:")
if kind == "xn.load":
    obj = xn.load(path)
elif kind == "load_safetensors":
    obj = xn.load_safetensors(path)
else:
    obj = np.load(path)
print(status("VmHWM:") - before)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import numpy as np

    import xpnet as xn

    with tempfile.TemporaryDirectory() as d:
        n = args.mib * 2**20 // 4
        rng = np.random.default_rng(0)
        # a model-like state: a few large matrices and many small tensors
        big = [rng.standard_normal(n // 4).astype(np.float32) for _ in range(4)]
        state = {f"layer{i}.weight": xn.tensor(a.reshape(-1, 256)) for i, a in enumerate(big)}
        state.update({f"layer{i}.bias": xn.zeros(256) for i in range(4)})
        paths = {
            "xn.load": Path(d) / "m.xn",
            "load_safetensors": Path(d) / "m.safetensors",
            "np.load": Path(d) / "m.npy",
        }
        xn.save(state, paths["xn.load"])
        xn.save_safetensors(state, paths["load_safetensors"])
        np.save(paths["np.load"], np.concatenate(big))
        del big, state
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as info:
                for line in info:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        print(
            f"CPU: {cpu}; Python {platform.python_version()}; {args.repeats} fresh processes each"
        )
        print("| load | file MiB | peak rise MiB (median) | ratio to file | target |")
        print("|---|---|---|---|---|")
        for kind, path in paths.items():
            rises = []
            for _ in range(args.repeats):
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, kind, str(path)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                rises.append(int(out.stdout.strip().splitlines()[-1]))
            size = path.stat().st_size
            rise = statistics.median(rises)
            target = "floor (one copy)" if kind == "np.load" else "<= 1.5"
            print(
                f"| {kind} | {size / 2**20:.1f} | {rise / 2**20:.1f} | {rise / size:.2f} | {target} |"
            )


if __name__ == "__main__":
    main()
