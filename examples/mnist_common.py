"""Shared by the MNIST examples: data loading (full MNIST when found, else the shipped
subset), the validation split, and the command-line options."""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

import xpnet as xn

MEAN, STD = 0.1307, 0.3081  # training-set pixel statistics


def parser(description: str, epochs: int, lr: float) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--backend", default=None, help="numpy (default), torch, cupy, jax, array_api_strict"
    )
    p.add_argument("--device", default=None)
    p.add_argument(
        "--data", default=None, help="folder with the MNIST IDX files (default: $XPNET_DATA)"
    )
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument(
        "--limit", type=int, default=None, help="use only this many training images (quick runs)"
    )
    p.add_argument("--out", default="runs", help="folder for the checkpoint and the plot")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def load(args: Any, image_shape: tuple[int, ...]) -> tuple[Any, Any, Any, str]:
    """Train/validation/test DataLoaders on the chosen backend, and a description of the data."""
    if args.data:
        (xt, yt), (xs, ys) = xn.datasets.load_mnist(args.data)
        source = f"full MNIST from {args.data}"
    else:
        ((xt, yt), (xs, ys)), source = xn.datasets.load_mnist_or_subset(
            os.environ.get("XPNET_DATA")
        )
    if args.limit:
        xt, yt = xt[: args.limit], yt[: args.limit]
        xs, ys = xs[: max(args.limit // 4, 100)], ys[: max(args.limit // 4, 100)]

    def prep(x: np.ndarray) -> np.ndarray:
        return ((x.astype(np.float32) / 255.0 - MEAN) / STD).reshape(len(x), *image_shape)

    full = xn.data.ArrayDataset(prep(xt), yt.astype(np.int64))
    n_val = max(
        len(full) // 12, 1
    )  # 5,000 of 60,000 held out to choose and monitor, never to report
    train, val = xn.data.random_split(full, [len(full) - n_val, n_val], seed=args.seed)
    kw = {"backend": args.backend, "device": args.device}
    loaders = (
        xn.data.DataLoader(train, args.batch_size, shuffle=True, seed=args.seed, **kw),
        xn.data.DataLoader(val, 1000, **kw),
        xn.data.DataLoader(xn.data.ArrayDataset(prep(xs), ys.astype(np.int64)), 1000, **kw),
    )
    return (*loaders, f"{source}: {len(train)} train / {len(val)} validation / {len(xs)} test")


def train_and_report(
    args: Any, name: str, model: Any, opt: Any, sched: Any, loaders: tuple[Any, Any, Any]
) -> dict:
    """fit() with validation, checkpoint and resume in --out; then the test accuracy and a plot."""
    import time
    from pathlib import Path

    train, val, test = loaders
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    loss_fn = xn.nn.functional.cross_entropy
    t0 = time.perf_counter()
    history = xn.train.fit(
        model, loss_fn, opt, train, args.epochs, val_loader=val, scheduler=sched,
        checkpoint=out / f"{name}.xpn", resume=args.resume, progress=not args.quiet,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    test_metrics = xn.train.evaluate(model, loss_fn, test, ["accuracy"])
    plot = history.plot(out / f"{name}.png")
    print(
        f"test accuracy {test_metrics['accuracy']:.4f} (loss {test_metrics['loss']:.4f}) after {len(history)} "
        f"epochs in {seconds:.1f} s; checkpoint {out / f'{name}.xpn'}, plot {plot}"
    )
    return {"test_accuracy": test_metrics["accuracy"], "seconds": seconds, "epochs": len(history)}
