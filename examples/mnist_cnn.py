"""A small CNN on MNIST: two 5x5 convolutions with ReLU and max pooling, dropout, then a linear layer.

XPNET_DATA=../shared/data/mnist python examples/mnist_cnn.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from mnist_common import load, parser

import xpnet as xn
from xpnet import nn


def build(**kw) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, 10, **kw),
    )  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parser(__doc__.splitlines()[0], epochs=5, lr=2e-3).parse_args(argv)
    train, val, test, source = load(args, (1, 28, 28))
    backend = train.backend
    print(f"data: {source}; backend: {backend}")
    xn.manual_seed(args.seed)
    model = build(backend=backend)
    opt = xn.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = xn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    history = xn.train.fit(
        model, nn.functional.cross_entropy, opt, train, args.epochs, val_loader=val, scheduler=sched,
        checkpoint=out / "mnist_cnn.xpn", resume=args.resume, progress=not args.quiet,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    test_metrics = xn.train.evaluate(model, nn.functional.cross_entropy, test, ["accuracy"])
    history.plot(out / "mnist_cnn.png")
    print(
        f"test accuracy {test_metrics['accuracy']:.4f} after {len(history)} epochs in {seconds:.1f} s"
    )
    return {"test_accuracy": test_metrics["accuracy"], "seconds": seconds, "epochs": len(history)}


if __name__ == "__main__":
    main()
