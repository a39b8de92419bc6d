"""DistributedSampler: each rank's share of a dataset, reshuffled every epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from .. import distributed as dist
from .._errors import ArgumentError


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
