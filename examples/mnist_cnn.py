"""A small CNN on MNIST: two 5x5 convolutions with ReLU and max pooling, dropout, then a linear layer.

XPNET_DATA=../shared/data/mnist python examples/mnist_cnn.py
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
    return train_and_report(args, "mnist_cnn", model, opt, sched, (train, val, test))


if __name__ == "__main__":
    main()
