"""The MNIST MLP on a GPU with CuPy: epochs are timed, and after every epoch the script
checks that every parameter, gradient and optimizer state is still on the device.

    python examples/gpu_training.py                      # --backend cupy --device cuda:0
    python examples/gpu_training.py --backend array_api_strict --device device1   # the same checks, no GPU
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from mnist_common import load, parser
from mnist_mlp import build

import xpnet as xn
from xpnet import nn


def on_device(model: nn.Module, opt: xn.optim.Optimizer, backend: xn.Backend) -> bool:
    tensors = [*model.parameters(), *model.buffers()]
    tensors += [p.grad for p in model.parameters() if p.grad is not None]
    tensors += [v for s in opt.state.values() for v in s.values() if isinstance(v, xn.Tensor)]
    return all(t.backend is backend for t in tensors)


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = parser(__doc__.splitlines()[0], epochs=5, lr=1e-3)
    p.set_defaults(backend="cupy", device="cuda:0", batch_size=256)
    args = p.parse_args(argv)
    train, val, test, source = load(args, (1, 28, 28))
    backend = train.backend
    print(f"data: {source}; backend: {backend}")
    xn.manual_seed(args.seed)
    model = build(backend=backend)
    opt = xn.optim.Adam(model.parameters(), lr=args.lr)
    times = []
    for epoch in range(args.epochs):
        model.train()
        backend.synchronize()
        t0 = time.perf_counter()
        for x, y in train:
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        backend.synchronize()
        times.append(time.perf_counter() - t0)
        if not on_device(model, opt, backend):
            raise RuntimeError(f"epoch {epoch + 1}: model or optimizer state left {backend}")
        metrics = xn.train.evaluate(model, nn.functional.cross_entropy, val, ["accuracy"])
        print(
            f"epoch {epoch + 1}: {times[-1]:.2f} s ({len(train.dataset) / times[-1]:,.0f} samples/s), "
            f"loss {loss.item():.4f}, val accuracy {metrics['accuracy']:.4f}; everything on {backend.device_str}"
        )
    test_metrics = xn.train.evaluate(model, nn.functional.cross_entropy, test, ["accuracy"])
    print(
        f"test accuracy {test_metrics['accuracy']:.4f}; median epoch {sorted(times)[len(times) // 2]:.2f} s"
    )
    return {
        "test_accuracy": test_metrics["accuracy"],
        "median_epoch_s": sorted(times)[len(times) // 2],
    }


if __name__ == "__main__":
    main()
