"""Run by ``mpiexec -n 2`` from test_mpi.py: each scenario writes this rank's results as JSON.

Usage: python3 worker.py SCENARIO OUTDIR [array backend]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

import xpnet as xn
import xpnet.distributed as dist
from xpnet import nn


def _data(n, seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5))
    y = np.tanh(x @ rng.standard_normal((5, 2)))
    return x.astype(dtype), y.astype(dtype)


def _mlp(dtype, seed=0):
    xn.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8, dtype=dtype), nn.Tanh(), nn.Linear(8, 2, dtype=dtype))


def _train(model, opt, batches):
    for x, y in batches:
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def equivalence(rank, size):
    """20 steps on 2 ranks with batch B each == 20 steps on 1 process with batch 2B."""
    out = {}
    b = 4
    for dtype in ("float64", "float32"):
        for name in ("SGD", "Adam"):
            make = (lambda p: xn.optim.SGD(p, lr=0.1, momentum=0.9)) if name == "SGD" else (
                lambda p: xn.optim.Adam(p, lr=0.01))  # fmt: skip
            x, y = _data(20 * b * size, dtype=dtype)
            steps = [(x[i * b * size : (i + 1) * b * size], y[i * b * size : (i + 1) * b * size])
                     for i in range(20)]  # fmt: skip
            ref = _mlp(dtype)
            _train(ref, make(ref.parameters()),
                   [(xn.tensor(a, dtype=dtype), xn.tensor(c, dtype=dtype)) for a, c in steps])  # fmt: skip
            ddp = nn.parallel.DistributedDataParallel(_mlp(dtype, seed=rank))
            mine = [
                (xn.tensor(a[rank * b : (rank + 1) * b], dtype=dtype),
                 xn.tensor(c[rank * b : (rank + 1) * b], dtype=dtype))
                for a, c in steps
            ]  # fmt: skip
            _train(ddp, make(ddp.parameters()), mine)
            diff = max(
                float(np.max(np.abs(p.numpy() - q.numpy())))
                for p, q in zip(ddp.module.parameters(), ref.parameters(), strict=True)
            )
            out[f"{name}-{dtype}"] = diff
            out[f"{name}-{dtype}-collectives"] = ddp.collectives
    return out


def replicas(rank, size):
    """Differently seeded replicas are identical after wrapping; buckets; no_sync."""
    ddp = nn.parallel.DistributedDataParallel(_mlp("float32", seed=100 + rank), bucket_cap_mb=1e-4)
    gathered = []
    dist.all_gather_object(gathered, [p.numpy().tolist() for p in ddp.parameters()])
    x, y = _data(8, seed=rank)
    with ddp.no_sync():
        nn.functional.mse_loss(ddp(xn.tensor(x[:4])), xn.tensor(y[:4])).backward()
    local = [p.grad.numpy().copy() for p in ddp.parameters()]
    after_no_sync = ddp.collectives
    # when do the bucket all-reduces start? (the first layer's gradients come last)
    events = []
    comm, start = ddp._comm, ddp._comm.start_all_reduce
    comm.start_all_reduce = lambda *a: (events.append("start"), start(*a))[1]
    ddp.module[0].weight.register_post_accumulate_grad_hook(lambda p: events.append("first"))
    nn.functional.mse_loss(ddp(xn.tensor(x[4:])), xn.tensor(y[4:])).backward()
    del comm.start_all_reduce
    grads = []
    dist.all_gather_object(grads, [p.grad.numpy().tolist() for p in ddp.parameters()])
    # the expected average of the two ranks' accumulated gradients, computed on one process
    ref = _mlp("float32", seed=100)
    total = None
    for r in range(size):
        xr, yr = _data(8, seed=r)
        ref.zero_grad()
        nn.functional.mse_loss(ref(xn.tensor(xr[:4])), xn.tensor(yr[:4])).backward()
        nn.functional.mse_loss(ref(xn.tensor(xr[4:])), xn.tensor(yr[4:])).backward()
        g = [p.grad.numpy() for p in ref.parameters()]
        total = g if total is None else [a + c for a, c in zip(total, g, strict=True)]
    expected = [t / size for t in total]
    return {
        "params_equal": gathered[0] == gathered[1],
        "no_sync_collectives": after_no_sync,
        "local_differs": bool(np.any(local[0] != np.asarray(grads[0][0]))) or size == 1,
        "grads_equal": grads[0] == grads[1],
        "grad_error": max(
            float(np.max(np.abs(np.asarray(g) - e)))
            for g, e in zip(grads[rank], expected, strict=True)
        ),
        "buckets": len(ddp.buckets()),
        "collectives": ddp.collectives,
        "params": len(list(ddp.parameters())),
        "events": events,
    }


def collectives(rank, size):
    t = xn.tensor([1.0 + rank, 10.0 * rank])
    s = dist.all_reduce(xn.tensor([1.0 + rank, 10.0 * rank]), "sum").tolist()
    a = dist.all_reduce(xn.tensor([1.0 + rank, 10.0 * rank]), "avg").tolist()
    m = dist.all_reduce(t, "max").tolist()
    i = dist.all_reduce(xn.tensor([3 + rank], dtype="int64"), "sum")
    b = dist.broadcast(xn.tensor([float(rank), 7.0]), src=1).tolist()
    lst = [xn.zeros(2) for _ in range(size)]
    g = [v.tolist() for v in dist.all_gather(lst, xn.tensor([float(rank), -1.0]))]
    strict = dist.all_reduce(xn.tensor([1.0 + rank], backend="array_api_strict"), "sum")
    base = xn.tensor([[1.0 + rank, 2.0], [3.0, 4.0 + rank]])
    dist.all_reduce(base[:, 0], "sum")  # a strided view: its base must see the sum
    dist.broadcast(base[1, :], src=1)  # a row: rank 1's values in every rank's base
    transposed = xn.permute_dims(xn.reshape(xn.arange(6.0) + 10.0 * rank, (2, 3)), (1, 0))
    gathered_t = [xn.zeros(3, 2) for _ in range(size)]
    dist.all_gather(gathered_t, transposed)
    errors = {}
    try:
        dist.all_gather([xn.zeros(3) for _ in range(size)], xn.zeros(2))
    except xn.BackendError as e:
        errors["gather_shape"] = str(e)
    try:
        nn.parallel.DistributedDataParallel(nn.Linear(3, 2 + rank))
    except xn.ShapeError as e:
        errors["mismatch"] = str(e)
    return {
        "sum": s, "avg": a, "max": m, "int": i.tolist(), "int_dtype": str(i.dtype),
        "bcast": b, "gather": g, "strict": strict.tolist(), "strict_backend": strict.backend.name,
        "errors": errors, "transport": dist.get_backend_name(), "size": size,
        "view_base": base.tolist(), "gather_t": [v.tolist() for v in gathered_t],
        "local_rank": dist._group._STATE["comm"].local_rank(),
    }  # fmt: skip


def torch_collectives(rank, size):
    """The torch transport (gloo on the CPU): collectives and a DDP step on torch tensors."""
    s = dist.all_reduce(xn.tensor([1.0 + rank, 10.0 * rank]), "avg").tolist()
    b = dist.broadcast(xn.tensor([float(rank), 7.0]), src=1).tolist()
    err = ""
    try:
        dist.all_reduce(xn.ones(2, backend="numpy"))
    except xn.BackendError as e:
        err = str(e)
    return {"avg": s, "bcast": b, "transport": dist.get_backend_name(), "numpy_error": err}


def sampler(rank, size):
    ds = xn.data.ArrayDataset(np.arange(10.0)[:, None], np.arange(10))
    s = xn.data.DistributedSampler(ds, seed=3)
    loader = xn.data.DataLoader(ds, 2, sampler=s)
    epochs = []
    for e in range(2):
        loader.epoch = e
        epochs.append([int(v) for _, yb in loader for v in yb.tolist()])
    odd = xn.data.DistributedSampler(list(range(7)), shuffle=False)
    odd_drop = xn.data.DistributedSampler(list(range(7)), shuffle=False, drop_last=True)
    return {"epochs": epochs, "odd": list(odd), "odd_drop": list(odd_drop), "len": len(loader)}


def fit(rank, size, path):
    """fit on every rank: rank 0 alone writes the checkpoint; metrics are global means."""
    import xpnet.train._state as F

    saves = []
    original = F.save

    def spy(obj, p):
        saves.append(str(p))
        return original(obj, p)

    F.save = spy
    x, y = xn.datasets.spirals(240, classes=3, seed=0)
    ds = xn.data.ArrayDataset(x, y)
    loader = xn.data.DataLoader(ds, 30, sampler=xn.data.DistributedSampler(ds, seed=1))
    xn.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(
        nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    )
    opt = xn.optim.Adam(model.parameters(), lr=0.02)
    logs = []
    h = xn.train.fit(model, nn.functional.cross_entropy, opt, loader, 4,
                     val_loader=xn.data.DataLoader(ds, 60), checkpoint=path, progress=False,
                     log=logs.append)  # fmt: skip
    return {"saves": saves, "logs": len(logs), "loss": h["loss"], "val_loss": h["val_loss"],
            "params": [p.numpy().tolist() for p in model.parameters()]}  # fmt: skip


def fail(rank, size):
    if rank == 1:
        raise RuntimeError("rank 1 failed on purpose")
    dist.barrier()  # rank 0 would wait here forever without the abort
    return {}


def uneven(rank, size):
    """fit where rank 1 has fewer batches than rank 0: an error on both, not a hang."""
    x, y = xn.datasets.spirals(60, classes=3, seed=0)
    n = 40 if rank == 0 else 30
    loader = xn.data.DataLoader(xn.data.ArrayDataset(x[:n], y[:n]), 10)
    xn.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 3)))
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    xn.train.fit(model, nn.functional.cross_entropy, opt, loader, 1, progress=False, log=None)
    return {}


def _ddp_steps(steps, leave_after=None, rank=0):
    xn.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    for i in range(steps):
        if leave_after is not None and i == leave_after:
            sys.exit(0)  # a script that stops on one rank (a bug, a finished condition...)
        opt.zero_grad()
        model(xn.ones(4, 2)).sum().backward()
        opt.step()


def leaves(rank, size):
    """rank 1 calls sys.exit(0) after 2 steps; rank 0 keeps stepping: an error naming rank 1."""
    _ddp_steps(10, leave_after=2 if rank == 1 else None, rank=rank)
    return {}


def timeout(rank, size):
    """rank 1 stalls (no exit) while rank 0 waits in a barrier: the timeout fires."""
    if rank == 1:
        time.sleep(30)
    dist.barrier()
    return {}


def no_destroy(rank, size):
    """Both ranks finish without destroy_process_group, rank 0 a second later: a clean exit."""
    _ddp_steps(3)
    if rank == 0:
        time.sleep(1.0)
    (OUT[0] / f"no_destroy.{rank}.json").write_text("{}")
    sys.exit(0)


OUT: list[Path] = []


def main():
    scenario, outdir = sys.argv[1], Path(sys.argv[2])
    OUT.append(outdir)
    if len(sys.argv) > 3:
        xn.set_backend(sys.argv[3])
    dist.init_process_group(timeout=2.0 if scenario == "timeout" else None)
    rank, size = dist.get_rank(), dist.get_world_size()
    if scenario == "fit":
        result = fit(rank, size, str(outdir / "ckpt.xpn"))
    else:
        result = {}
        for name in scenario.split(","):
            result[name] = globals()[name](rank, size)
    (outdir / f"{scenario}.{rank}.json").write_text(json.dumps(result))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
