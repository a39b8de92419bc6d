"""Datasets: indexable collections of samples, and reproducible splits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._errors import ArgumentError, NotSupportedError, OutOfRangeError, ShapeError
from ..backend import Generator, draw_seed
from ..ops import take, tensor
from ..tensor import Tensor


class Dataset:
    """Anything with ``__len__`` and ``__getitem__(i)`` returning a tuple of arrays/values."""

    def __len__(self) -> int:
        raise NotSupportedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, i: int) -> Any:
        raise NotSupportedError(f"{type(self).__name__} must define __getitem__")


class IterableDataset:
    """A stream of samples: subclasses define ``__iter__`` (PyTorch's ``IterableDataset``).
    A DataLoader batches the samples in the order the stream gives them (no shuffle, no
    sampler) and makes them itself (no workers to split the stream between)."""

    def __iter__(self) -> Any:
        raise NotSupportedError(f"{type(self).__name__} must define __iter__")


class ArrayDataset(Dataset):
    """Samples are rows of equally long arrays (NumPy arrays or Tensors), e.g. images and labels.

    The DataLoader gathers whole batches from these arrays with one indexing
    operation each, and moves them to the device once.
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ArgumentError("ArrayDataset needs at least one array")
        self.arrays = tuple(a if isinstance(a, Tensor) else np.asarray(a) for a in arrays)
        n = len(self.arrays[0])
        for a in self.arrays[1:]:
            if len(a) != n:
                lengths = [len(x) for x in self.arrays]
                raise ShapeError(f"ArrayDataset: arrays of different lengths {lengths}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        return tuple(a[i] for a in self.arrays)

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self.arrays)


TensorDataset = ArrayDataset  # PyTorch's name (it takes Tensors; this takes arrays too)


class ConcatDataset(Dataset):
    """The samples of ``datasets`` one after another (PyTorch's ``ConcatDataset``)."""

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ArgumentError("ConcatDataset: needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, i: int) -> Any:
        n = len(self)
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise OutOfRangeError(f"ConcatDataset: index {i} is out of range for {n} samples")
        k = int(np.searchsorted(self.cumulative_sizes, j, side="right"))
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][j - start]


class Subset(Dataset):
    """The samples ``indices`` of ``dataset`` (PyTorch's ``Subset``: ``.dataset`` and
    ``.indices``). Of an ArrayDataset it is one too, its arrays indexed once, so the
    DataLoader still gathers whole batches; of any other dataset, ``subset[i]`` is
    ``dataset[indices[i]]``."""

    def __new__(cls, dataset: Any, indices: Sequence[int] | np.ndarray) -> Subset:
        if cls is Subset and isinstance(dataset, ArrayDataset):
            return super().__new__(_ArraySubset)
        return super().__new__(cls)

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> Any:
        return self.dataset[int(self.indices[i])]


class _ArraySubset(Subset, ArrayDataset):
    def __init__(self, dataset: ArrayDataset, indices: Sequence[int] | np.ndarray) -> None:
        Subset.__init__(self, dataset, indices)
        idx = self.indices
        parts: list[Any] = []
        for a in dataset.arrays:
            if isinstance(a, Tensor):
                parts.append(take(a, tensor(idx, backend=a.backend, device=a.device), axis=0))
            else:
                parts.append(a[idx])
        ArrayDataset.__init__(self, *parts)

    __len__ = ArrayDataset.__len__
    __getitem__ = ArrayDataset.__getitem__


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    seed: int | None = None,
    generator: Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into disjoint random subsets of the given lengths (or fractions).

    The same seed always gives the same split, on any machine; without one, the
    seed is drawn from ``generator`` (default: the host generator, ``xn.manual_seed``).
    """
    if seed is None:
        seed = draw_seed(generator)
    n = len(dataset)
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1.0) < 1e-6:
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ArgumentError(
            f"random_split: lengths {list(lengths)} do not add up to the dataset size {n}"
        )
    perm = np.random.default_rng(seed).permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start : start + c]))
        start += c
    return out
