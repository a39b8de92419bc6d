"""Samplers: the order a DataLoader visits a dataset in (its ``sampler=``):
DistributedSampler (each rank's share, reshuffled every epoch), WeightedRandomSampler,
RandomSampler and SequentialSampler, as PyTorch's. The random ones draw a new order on
each pass from a seed taken from ``generator`` (default: the host generator that
``xn.manual_seed`` seeds), so a seeded run repeats."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence, Sized
from typing import Any

import numpy as np

from .. import distributed as dist
from .._errors import ArgumentError
from ..backend import Generator, draw_seed


class DistributedSampler:
    """The indices of rank ``rank`` out of ``num_replicas`` (PyTorch's semantics).

    Every epoch the indices are permuted with ``seed`` and the epoch (``set_epoch``;
    ``DataLoader`` calls it), then dealt out round robin: rank r takes positions
    r, r + num_replicas, ... Unless ``drop_last``, the order is padded with its own
    first indices to a multiple of ``num_replicas`` so every rank has the same
    number of batches (a few samples then count twice); with ``drop_last`` the tail
    is dropped instead. ``num_replicas`` and ``rank`` default to the process group's.
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None:
            num_replicas = dist.get_world_size()
        if rank is None:
            rank = dist.get_rank()
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ArgumentError(
                f"DistributedSampler: rank {rank} is not in [0, {num_replicas}) replicas"
            )
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        order = (
            np.random.default_rng([self.seed, self.epoch]).permutation(n)
            if self.shuffle
            else np.arange(n)
        )
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n:
            order = np.concatenate([order, np.resize(order, self.total_size - n)])
        return iter(order[self.rank : self.total_size : self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples


class WeightedRandomSampler:
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with
    replacement by default): rebalancing classes by sampling."""

    def __init__(
        self, weights: Sequence[float] | Any, num_samples: int, replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:  # fmt: skip
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if w.ndim != 1 or not len(w) or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ArgumentError(
                "WeightedRandomSampler: weights must be a 1-D sequence of non-negative finite "
                "numbers with a positive sum"
            )
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ArgumentError(
                f"WeightedRandomSampler: num_samples must be a positive int, got {num_samples!r}"
            )
        if not replacement and num_samples > int((w > 0).sum()):
            raise ArgumentError(
                f"WeightedRandomSampler: {num_samples} samples without replacement from "
                f"{int((w > 0).sum())} indices of nonzero weight"
            )
        self.weights, self.num_samples, self.replacement = w, num_samples, replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(draw_seed(self.generator))
        p = self.weights / self.weights.sum()
        drawn = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class RandomSampler:
    """Every index once in a random order (or ``num_samples`` drawn with ``replacement``)."""

    def __init__(
        self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:  # fmt: skip
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        if not isinstance(self.num_samples, int) or self.num_samples < 1:
            raise ArgumentError(
                f"RandomSampler: num_samples must be a positive int, got {num_samples!r}"
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(draw_seed(self.generator))
        n = len(self.data_source)
        if self.replacement:
            return iter(rng.integers(0, n, self.num_samples).tolist())
        order = np.concatenate([rng.permutation(n) for _ in range(-(-self.num_samples // n))])
        return iter(order[: self.num_samples].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SequentialSampler:
    """The indices 0, 1, ..., len - 1 in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class SubsetRandomSampler:
    """The given ``indices`` in a new random order on each pass (a validation split's
    sampler, as PyTorch's)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices, self.generator = list(indices), generator

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(draw_seed(self.generator))
        return iter([self.indices[i] for i in rng.permutation(len(self.indices))])

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler:
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter unless
    ``drop_last``), what a DataLoader's ``batch_sampler=`` takes."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ArgumentError(
                f"BatchSampler: batch_size must be a positive int, got {batch_size!r}"
            )
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for i in self.sampler:
            batch.append(int(i))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
