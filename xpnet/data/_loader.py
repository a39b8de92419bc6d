"""DataLoader: shuffled minibatches as tensors on the target backend and device."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..backend import Backend, get_backend
from ..ops._creation import tensor
from ..ops._shape import take
from ._dataset import ArrayDataset, Dataset

# Datasets up to this size are copied to the device once; larger ones go per batch.
DEVICE_CACHE_BYTES = 1 << 30


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, yielding tuples of Tensors.

    The order of epoch ``e`` is a permutation drawn from ``seed`` and ``e`` alone,
    so a run restarted at epoch ``e`` (``loader.epoch = e``) sees the same batches.
    An ``ArrayDataset`` that fits (``DEVICE_CACHE_BYTES``) is moved to the device
    once; each batch is then one ``take`` on the device per array.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int = 0,
        *,
        backend: Any = None,
        device: Any = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last, self.seed = (
            dataset, batch_size, shuffle, drop_last, seed,
        )  # fmt: skip
        self.backend: Backend = get_backend(backend, device)
        self.epoch = 0
        self._on_device: tuple[Tensor, ...] | None = None
        if isinstance(dataset, ArrayDataset) and dataset.nbytes <= DEVICE_CACHE_BYTES:
            self._on_device = tuple(self._to_device(a) for a in dataset.arrays)

    def _to_device(self, a: Any) -> Tensor:
        if isinstance(a, Tensor):
            return a if a.backend is self.backend else a.to(backend=self.backend)
        return tensor(a, backend=self.backend)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch``."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, epoch]).permutation(n)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        order = self.order(self.epoch)
        self.epoch += 1
        n = len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        on_device = self._on_device
        # The epoch's order goes to the device once; each batch is a slice of it.
        device_order = tensor(order, backend=self.backend) if on_device and self.shuffle else None
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

    def _collate(self, samples: list[Any]) -> tuple[Tensor, ...]:
        columns = zip(*samples, strict=True)
        return tuple(self._to_device(np.stack([np.asarray(v) for v in col])) for col in columns)

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "seed": self.seed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.seed = int(state["epoch"]), int(state["seed"])
