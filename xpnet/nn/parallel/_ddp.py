"""DistributedDataParallel: replicas kept identical by averaging gradients in buckets.

At construction every rank checks that its parameters and buffers have the same
names, shapes and dtypes as rank 0's (naming the first that differs) and takes
rank 0's values. After each ``backward()`` through the wrapped model, the
gradients are laid end to end in buckets of at most ``bucket_cap_mb`` (in reverse
registration order, as the backward pass produces them; one dtype and device per
bucket) and each bucket is averaged with **one** all-reduce, then copied back.
A parameter that got no gradient on this rank counts as zeros, so every rank
takes part in every collective. Inside ``no_sync()`` gradients only accumulate
locally; the first backward after it averages the sum.

Buffers (BatchNorm's running statistics) stay per rank by default: each rank's
statistics follow its own batches, and a checkpoint from rank 0 holds rank 0's.
``broadcast_buffers=True`` copies rank 0's buffers to every rank before each
forward (PyTorch's default). Batch statistics in training are always the
rank's own batch (there is no SyncBatchNorm).

The all-reduces overlap the backward pass, as torch DDP's do: a bucket's starts
as soon as backward has accumulated the last of its gradients (a
post-accumulate-grad hook on each parameter), and the post-backward hook waits for
them all and writes the averages back. Buckets start in their fixed order on every
rank (a ready bucket waits for the ones before it), so the ranks' collectives
always match. On MPI the all-reduce is nonblocking (``Iallreduce``); on NCCL it runs
on a side stream after the gradients the compute stream has queued, and the wait
orders the compute stream after it (the host never blocks); other transports run
each one when its bucket starts.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any

from ... import distributed as dist
from ..._capture import recorder
from ..._errors import ArgumentError, NotSupportedError, ShapeError
from ...autodiff import (
    is_grad_enabled,
    register_post_accumulate_grad_hook,
    register_post_backward_hook,
)
from ...ops import asarray
from ...tensor import Tensor
from .._module import Module
from .._parameter import Parameter


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the current process group.

    ``model(x)`` calls ``module(x)``; ``state_dict`` keys get PyTorch's ``module.``
    prefix (save ``ddp.module.state_dict()`` for the plain names).
    """

    def __init__(
        self, module: Module, bucket_cap_mb: float = 25.0, broadcast_buffers: bool = False
    ) -> None:
        super().__init__()
        if not bucket_cap_mb > 0:
            raise ArgumentError(
                f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}"
            )
        self.module = module
        self.bucket_cap_mb, self.broadcast_buffers = bucket_cap_mb, broadcast_buffers
        comm = dist.group()
        object.__setattr__(self, "_comm", comm)
        object.__setattr__(self, "_sync", True)
        object.__setattr__(self, "_pending", False)
        object.__setattr__(self, "_buckets", None)
        object.__setattr__(self, "collectives", 0)  # all-reduces issued (tests, benchmarks)
        self._check_replicas()
        for t in [*module.parameters(), *module.buffers()]:
            dist.broadcast(t, src=0)
        ref = weakref.ref(self)

        def hook() -> None:
            ddp = ref()
            if ddp is not None:
                ddp._after_backward()

        removers = [register_post_backward_hook(hook)]

        def ready(p: Tensor) -> None:
            ddp = ref()
            if ddp is not None:
                ddp._grad_ready(p)

        object.__setattr__(self, "_bucket_of", {})  # id(parameter) -> bucket index
        object.__setattr__(self, "_inflight", {})  # bucket index -> its started all-reduce
        object.__setattr__(self, "_waiting", {})  # bucket index -> parameters not ready yet
        object.__setattr__(self, "_next", 0)  # the next bucket to start (the fixed order)
        for i, bucket in enumerate(self.buckets()):
            for p in bucket:
                self._bucket_of[id(p)] = i
                removers.append(register_post_accumulate_grad_hook(p, ready))
        object.__setattr__(self, "_remove_hook", lambda: [r() for r in removers] and None)
        weakref.finalize(self, self._remove_hook)

    def _check_replicas(self) -> None:
        mine = [
            (n, tuple(t.shape), t.backend.dtype_name(t.dtype))
            for n, t in [*self.module.named_parameters(), *self.module.named_buffers()]
        ]
        everyone = self._comm.all_gather_object(mine)
        ref = everyone[0]
        for rank, theirs in enumerate(everyone):
            if theirs == ref:
                continue
            for a, b in zip(ref, theirs, strict=False):
                if a != b:
                    raise ShapeError(
                        f"DistributedDataParallel: the replicas differ: rank 0 has {a[0]!r} of "
                        f"shape {a[1]} ({a[2]}) where rank {rank} has {b[0]!r} of shape {b[1]} "
                        f"({b[2]}); every rank must build the same model"
                    )
            raise ShapeError(
                f"DistributedDataParallel: rank 0 has {len(ref)} parameters and buffers, rank "
                f"{rank} has {len(theirs)}; every rank must build the same model"
            )

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self.broadcast_buffers and self._comm.size > 1:
            for b in self.module.buffers():
                dist.broadcast(b, src=0)
        if self._inflight or self._waiting:  # a backward that raised midway: settle it
            for pending in self._inflight.values():
                pending.wait()  # the other ranks started the same buckets, in the same order
            self._inflight.clear()
            self._waiting.clear()
            object.__setattr__(self, "_next", 0)
        if is_grad_enabled() and self.training:
            object.__setattr__(self, "_pending", True)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Accumulate gradients locally (no collective) for the backward passes inside."""
        object.__setattr__(self, "_sync", False)
        try:
            yield
        finally:
            object.__setattr__(self, "_sync", True)

    # -- the gradient averaging --------------------------------------------------
    def _grad_ready(self, p: Tensor) -> None:
        """A parameter's gradient is complete for this backward: start what is ready."""
        if not self._pending or not self._sync or self._comm.size == 1 or recorder() is not None:
            return
        i = self._bucket_of.get(id(p))
        if i is None or i < self._next:
            return
        waiting = self._waiting.get(i)
        if waiting is None:
            waiting = self._waiting[i] = {id(q) for q in self.buckets()[i]}
        waiting.discard(id(p))
        buckets = self.buckets()
        while self._next < len(buckets) and not self._waiting.get(self._next, True):
            self._start(self._next)
        for pending in self._inflight.values():
            pending.poll()

    def _start(self, i: int) -> None:
        bucket = self.buckets()[i]
        b = bucket[0].backend
        xp = b.xp
        parts = []
        for p in bucket:
            g = p.grad
            g_arr = xp.zeros(p.shape, dtype=p.dtype, device=b.device) if g is None else g._data
            parts.append(xp.reshape(g_arr, (-1,)))
        flat = xp.concat(parts) if len(parts) > 1 else xp.asarray(parts[0], copy=True)
        self._inflight[i] = self._comm.start_all_reduce(flat, b, "avg")
        object.__setattr__(self, "collectives", self.collectives + 1)
        object.__setattr__(self, "_next", i + 1)

    def _finish(self) -> None:
        """Start the buckets not started yet (in order), wait for all, write the averages."""
        try:
            while self._next < len(self.buckets()):
                self._start(self._next)
            for i, bucket in enumerate(self.buckets()):
                flat = self._inflight.pop(i).wait()
                offset = 0
                for p in bucket:
                    n = p.size
                    p.grad = _from(flat[offset : offset + n], p)
                    offset += n
        finally:
            self._inflight.clear()
            self._waiting.clear()
            object.__setattr__(self, "_next", 0)

    def _after_backward(self) -> None:
        if not self._pending or not self._sync:
            return
        object.__setattr__(self, "_pending", False)
        if self._comm.size == 1:
            return
        if recorder() is not None:
            raise NotSupportedError(
                "DistributedDataParallel inside xn.compile: the gradient all-reduce is not a "
                "recorded op; run the step eagerly (fit(compile=False))"
            )
        self._finish()

    def buckets(self) -> list[list[Parameter]]:
        """The parameters of each bucket (reverse registration order, one dtype/device each)."""
        if self._buckets is None:
            cap = self.bucket_cap_mb * 2**20
            out: list[list[Parameter]] = []
            size, key = 0.0, None
            for p in reversed([p for p in self.module.parameters() if p.requires_grad]):
                nbytes = p.nbytes
                k = (p.backend, p.dtype)
                if not out or k != key or (size + nbytes > cap and size > 0):
                    out.append([])
                    size, key = 0.0, k
                out[-1].append(p)
                size += nbytes
            object.__setattr__(self, "_buckets", out)
        return self._buckets

    def reduce_gradients(self) -> None:
        """Average every parameter's gradient over the ranks now, one all-reduce per bucket
        (what the post-backward hook does; for gradients set by hand)."""
        if self._comm.size > 1:
            self._finish()


def _from(arr: Any, like: Tensor) -> Tensor:

    return asarray(like.backend.xp.reshape(arr, like.shape), backend=like.backend)
