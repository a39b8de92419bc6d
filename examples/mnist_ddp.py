"""Data-parallel MNIST: the MLP of mnist_mlp.py trained on N processes.

    OMP_NUM_THREADS=1 mpiexec -n 2 python3 examples/mnist_ddp.py --data ../shared/data/mnist
    python3 examples/mnist_ddp.py --batch-size 256      # the same training on one process

(``OMP_NUM_THREADS=1``: one BLAS thread per rank, so ranks sharing a machine do not
oversubscribe its cores.)

Each rank reads its share of every epoch (``DistributedSampler``: the epoch's
permutation dealt out round robin) in batches of ``--batch-size``, and
``DistributedDataParallel`` averages the gradients after each backward. N ranks with
batch B therefore take the same steps as one process with batch N*B, up to the
order of floating-point sums. Only rank 0 prints, writes the checkpoint and the plot.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from mnist_common import load, parser
from mnist_mlp import build

import xpnet as xn
import xpnet.distributed as dist
from xpnet import nn


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parser(__doc__.splitlines()[0], epochs=5, lr=1e-3).parse_args(argv)
    if args.backend:
        xn.set_backend(args.backend, args.device)
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    say = print if rank == 0 else (lambda *a, **k: None)
    train, val, test, source = load(args, (1, 28, 28))
    sampler = xn.data.DistributedSampler(train.dataset, seed=args.seed)
    loader = xn.data.DataLoader(train.dataset, args.batch_size, sampler=sampler,
                                backend=train.backend)  # fmt: skip
    say(f"data: {source}; {world} rank(s) over {dist.get_backend_name()}, batch "
        f"{args.batch_size} per rank ({args.batch_size * world} per step)")  # fmt: skip
    xn.manual_seed(args.seed)
    model = nn.parallel.DistributedDataParallel(build(backend=train.backend))
    opt = xn.optim.Adam(model.parameters(), lr=args.lr)
    out = Path(args.out)
    t0 = time.perf_counter()
    history = xn.train.fit(
        model, nn.functional.cross_entropy, opt, loader, args.epochs, val_loader=val,
        checkpoint=out / "mnist_ddp.xpn", resume=args.resume, progress=not args.quiet,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    test_metrics = xn.train.evaluate(model, nn.functional.cross_entropy, test, ["accuracy"])
    history.plot(out / "mnist_ddp.png")  # rank 0 writes it
    say(f"test accuracy {test_metrics['accuracy']:.4f} after {len(history)} epochs in "
        f"{seconds:.1f} s on {world} rank(s)")  # fmt: skip
    dist.destroy_process_group()
    return {"test_accuracy": test_metrics["accuracy"], "seconds": seconds, "world": world,
            "val_accuracy": history["val_accuracy"][-1]}  # fmt: skip


if __name__ == "__main__":
    main()
