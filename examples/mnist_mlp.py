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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from mnist_common import load, parser, train_and_report

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
    return train_and_report(args, "mnist_mlp", model, opt, sched, (train, val, test))


if __name__ == "__main__":
    main()
