"""DataLoader: shuffled minibatches as tensors on the target backend and device."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .._errors import ArgumentError, ArgumentTypeError
from ..backend import Backend, Generator, draw_seed, get_backend
from ..ops import take, tensor
from ..tensor import Tensor
from ._collate import collate
from ._dataset import ArrayDataset, Dataset, IterableDataset

# Datasets up to this size are copied to the device once; larger ones go per batch.
DEVICE_CACHE_BYTES = 1 << 30


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, yielding tuples of Tensors.

    The order of epoch ``e`` is a permutation drawn from ``seed`` and ``e`` alone,
    so a run restarted at epoch ``e`` (``loader.epoch = e``) sees the same batches.
    Without ``seed``, one is drawn from ``generator`` (default: the host generator
    that ``xn.manual_seed`` seeds) when the loader is made. A ``sampler`` (an
    iterable of indices, re-iterated every epoch, with ``set_epoch(e)`` called
    when it has one, e.g. ``DistributedSampler``) replaces the shuffle; an epoch
    the user set on the sampler (``sampler.set_epoch(e)``, PyTorch's habit) is
    kept, and the loader continues from it.
    An ``ArrayDataset`` that fits (``DEVICE_CACHE_BYTES``) is moved to the device
    once and each batch is one ``take`` on the device per array, with the epoch's
    order sent to the device once; other datasets are collated on the host
    (``collate_fn``, default: stack each field) and moved per batch.

    PyTorch's worker arguments (``num_workers``, ``pin_memory``, ``persistent_workers``,
    ``prefetch_factor``, ``timeout``, ``worker_init_fn``) are accepted so its loaders build
    unchanged; batches are always made in the calling process (an array dataset's batches
    are one gather on the device each: there is no per-batch loading for workers to hide).
    """

    def __repr__(self) -> str:
        n = len(self.dataset) if hasattr(self.dataset, "__len__") else "?"
        order = (
            "sampler" if self.sampler is not None else ("shuffle" if self.shuffle else "in order")
        )
        return (
            f"DataLoader({type(self.dataset).__name__} of {n}, batch_size={self.batch_size}, "
            f"{order}, drop_last={self.drop_last}, seed={self.seed}, epoch={self.epoch}, "
            f"backend={self.backend.name}:{self.backend.device_str})"
        )

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        *,
        shuffle: bool = False,
        sampler: Iterable[int] | None = None,
        drop_last: bool = False,
        seed: int | None = None,
        generator: Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        batch_sampler: Iterable[list[int]] | None = None,
        backend: Any = None,
        device: Any = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        prefetch_factor: int | None = None,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
    ) -> None:
        if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
            raise ArgumentError(f"DataLoader: num_workers must be an int >= 0, got {num_workers!r}")
        self.num_workers, self.pin_memory = num_workers, pin_memory
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ArgumentError(
                f"DataLoader: batch_size must be a positive int, got {batch_size!r}"
            )
        if sampler is not None and shuffle:
            raise ArgumentError("DataLoader: shuffle=True and a sampler exclude each other")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ArgumentError(
                "DataLoader: batch_sampler gives the batches: no batch_size, shuffle, sampler or "
                "drop_last with it"
            )
        self.batch_sampler = batch_sampler
        if isinstance(dataset, IterableDataset) and (shuffle or sampler is not None):
            raise ArgumentError(
                "DataLoader: an IterableDataset gives its own order (no shuffle or sampler); "
                "shuffle inside its __iter__"
            )
        self.dataset, self.batch_size, self.shuffle, self.drop_last = (
            dataset, batch_size, shuffle, drop_last,
        )  # fmt: skip
        self.sampler, self.collate_fn = sampler, collate_fn
        self.seed = seed if seed is not None else draw_seed(generator)
        self.backend: Backend = get_backend(backend, device)
        self.epoch = 0
        # the sampler's epoch as this loader last left it: a different value later means
        # the user set it
        self._sampler_epoch = getattr(sampler, "epoch", None)
        self._on_device: tuple[Tensor, ...] | None = None
        if (
            collate_fn is None
            and isinstance(dataset, ArrayDataset)
            and dataset.nbytes <= DEVICE_CACHE_BYTES
        ):
            self._on_device = tuple(self._to_device(a) for a in dataset.arrays)

    def _to_device(self, a: Any) -> Tensor:
        if isinstance(a, Tensor):
            return a if a.backend is self.backend else a.to(backend=self.backend)
        return tensor(a, backend=self.backend)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset) and not hasattr(self.dataset, "__len__"):
            raise ArgumentTypeError(
                f"DataLoader: {type(self.dataset).__name__} is a stream without a length"
            )
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch``."""
        if self.sampler is not None:
            set_epoch = getattr(self.sampler, "set_epoch", None)
            if set_epoch is not None:
                current = getattr(self.sampler, "epoch", None)
                if current is not None and current != self._sampler_epoch:
                    # the user called sampler.set_epoch(e) (PyTorch's habit): theirs wins
                    self.epoch = epoch = int(current)
                else:
                    set_epoch(epoch)
                order = np.fromiter(iter(self.sampler), dtype=np.int64)
                # leave the sampler at the next epoch: a user's set_epoch(e) then differs
                # unless it asks for that same next epoch (which is what would run anyway)
                set_epoch(epoch + 1)
                self._sampler_epoch = getattr(self.sampler, "epoch", None)
                return order
            return np.fromiter(iter(self.sampler), dtype=np.int64)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, epoch]).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream()
            return
        if self.batch_sampler is not None:
            self.epoch += 1
            for indices in self.batch_sampler:
                if self._on_device is not None:
                    i = tensor(np.asarray(indices, dtype=np.int64), backend=self.backend)
                    yield tuple(take(a, i, axis=0) for a in self._on_device)
                else:
                    yield self._collate([self.dataset[int(k)] for k in indices])
            return
        order = self.order(self.epoch)  # may adopt the epoch set on the sampler
        self.epoch += 1
        n = len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        on_device = self._on_device
        contiguous = self.sampler is None and not self.shuffle
        # The epoch's order goes to the device once; each batch is a slice of it.
        device_order = tensor(order, backend=self.backend) if on_device and not contiguous else None
        for start in range(0, stop, self.batch_size):
            end = min(start + self.batch_size, n)
            if on_device is not None:
                if device_order is None:
                    yield tuple(a[start:end] for a in on_device)
                else:
                    i = device_order[start:end]
                    yield tuple(take(a, i, axis=0) for a in on_device)
            else:
                yield self._collate([self.dataset[int(k)] for k in order[start:end]])

    def _stream(self) -> Iterator[Any]:
        """Batches of an IterableDataset in its own order (the last one short unless
        ``drop_last``)."""
        self.epoch += 1
        batch: list[Any] = []
        for sample in self.dataset:  # type: ignore[attr-defined]
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self._collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield self._collate(batch)

    def _collate(self, samples: list[Any]) -> Any:
        if self.collate_fn is not None:
            return self.collate_fn(samples)
        return collate(samples, self.backend)

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "seed": self.seed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.seed = int(state["epoch"]), int(state["seed"])


def get_worker_info() -> None:
    """PyTorch's question from inside a dataset: which loader worker is this? None: xpnet's
    DataLoader makes its batches in the calling process (there are no workers)."""
    return None
