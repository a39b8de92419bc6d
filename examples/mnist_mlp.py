"""The main job: a 784-512-256-10 ReLU MLP on MNIST.

Trains on full MNIST when it is found (--data or $XPNET_DATA), otherwise on the
subset shipped with xpnet; holds out a validation set; prints progress, the
per-epoch validation accuracy and the final test accuracy; saves a checkpoint
(resumable with --resume) and a plot of the curves in --out.

    python examples/mnist_mlp.py                       # numpy, shipped subset unless MNIST is found
    XPNET_DATA=../shared/data/mnist python examples/mnist_mlp.py --epochs 15
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
        nn.Flatten(),
        nn.Linear(784, 512, **kw),
        nn.ReLU(),
        nn.Linear(512, 256, **kw),
        nn.ReLU(),
        nn.Linear(256, 10, **kw),
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parser(__doc__.splitlines()[0], epochs=15, lr=1e-3).parse_args(argv)
    train, val, test, source = load(args, (1, 28, 28))
    backend = train.backend
    print(f"data: {source}; backend: {backend}")
    xn.manual_seed(args.seed)
    model = build(backend=backend)
    opt = xn.optim.Adam(model.parameters(), lr=args.lr)
    sched = xn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    history = xn.train.fit(
        model, nn.functional.cross_entropy, opt, train, args.epochs, val_loader=val, scheduler=sched,
        checkpoint=out / "mnist_mlp.xpn", resume=args.resume, progress=not args.quiet,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    test_metrics = xn.train.evaluate(model, nn.functional.cross_entropy, test, ["accuracy"])
    plot = history.plot(out / "mnist_mlp.png")
    print(
        f"test accuracy {test_metrics['accuracy']:.4f} (loss {test_metrics['loss']:.4f}) after "
        f"{len(history)} epochs in {seconds:.1f} s; checkpoint {out / 'mnist_mlp.xpn'}, plot {plot}"
    )
    return {"test_accuracy": test_metrics["accuracy"], "seconds": seconds, "epochs": len(history)}


if __name__ == "__main__":
    main()
