"""ConcatDataset, WeightedRandomSampler, RandomSampler and SequentialSampler, alone and
driving a DataLoader: PyTorch's semantics, seeded reproducibility, errors."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.data import (
    ArrayDataset,
    ConcatDataset,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    WeightedRandomSampler,
)


def test_concat_dataset_indexes_across_its_parts_as_pytorch():
    torch = pytest.importorskip("torch")
    parts = [np.arange(3.0), np.arange(10.0, 14.0), np.arange(20.0, 21.0)]
    ds = ConcatDataset([ArrayDataset(p) for p in parts])
    tds = torch.utils.data.ConcatDataset(
        [torch.utils.data.TensorDataset(torch.tensor(p)) for p in parts]
    )
    assert len(ds) == len(tds) == 8 and ds.cumulative_sizes == tds.cumulative_sizes
    for i in range(-8, 8):
        assert float(ds[i][0]) == float(tds[i][0])
    with pytest.raises(xn.OutOfRangeError, match="index 8 is out of range for 8"):
        ds[8]
    batches = [b[0].numpy().tolist() for b in DataLoader(ds, batch_size=3)]
    assert batches == [[0.0, 1.0, 2.0], [10.0, 11.0, 12.0], [13.0, 20.0]]


def test_weighted_sampler_follows_the_weights_and_repeats_with_a_seed():
    xn.manual_seed(0)
    drawn = list(WeightedRandomSampler([1.0, 0.0, 3.0, 4.0], 8000))
    np.testing.assert_allclose(
        np.bincount(drawn, minlength=4) / 8000, [0.125, 0, 0.375, 0.5], atol=0.02
    )
    no_repeat = list(WeightedRandomSampler(xn.tensor([1.0, 0.0, 3.0, 4.0]), 3, replacement=False))
    assert sorted(no_repeat) == [0, 2, 3]
    g = xn.Generator(5)
    first = list(WeightedRandomSampler([1.0, 2.0], 50, generator=g))
    assert first == list(WeightedRandomSampler([1.0, 2.0], 50, generator=xn.Generator(5)))
    with pytest.raises(xn.ArgumentError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 3)
    with pytest.raises(xn.ArgumentError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


def test_random_and_sequential_samplers_drive_a_loader():
    ds = ArrayDataset(np.arange(10.0))
    assert list(SequentialSampler(ds)) == list(range(10)) and len(SequentialSampler(ds)) == 10
    xn.manual_seed(1)
    order = list(RandomSampler(ds))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    assert len(list(RandomSampler(ds, num_samples=25))) == 25
    assert set(RandomSampler(ds, replacement=True, num_samples=40)) <= set(range(10))
    xn.manual_seed(2)
    seen = np.concatenate(
        [b[0].numpy() for b in DataLoader(ds, batch_size=4, sampler=RandomSampler(ds))]
    )
    assert sorted(seen.tolist()) == list(np.arange(10.0))
    xn.manual_seed(2)
    again = np.concatenate(
        [b[0].numpy() for b in DataLoader(ds, batch_size=4, sampler=RandomSampler(ds))]
    )
    np.testing.assert_array_equal(seen, again)


def test_iterable_datasets_stream_in_batches_as_pytorch():
    torch = pytest.importorskip("torch")

    def make(base):
        class Squares(base):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                for i in range(self.n):
                    yield np.array([i, i * i], dtype=np.float64), i % 3

        return Squares

    for drop_last in (False, True):
        got = [(x.numpy(), y.numpy()) for x, y in
               DataLoader(make(xn.data.IterableDataset)(7), batch_size=3, drop_last=drop_last)]  # fmt: skip
        want = [(x.numpy(), y.numpy()) for x, y in
                torch.utils.data.DataLoader(make(torch.utils.data.IterableDataset)(7), batch_size=3,
                                            drop_last=drop_last)]  # fmt: skip
        assert len(got) == len(want)
        for (a, b), (c, d) in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    stream = make(xn.data.IterableDataset)(4)
    with pytest.raises(xn.ArgumentError, match="IterableDataset gives its own order"):
        DataLoader(stream, batch_size=2, shuffle=True)
    with pytest.raises(xn.ArgumentTypeError, match="stream without a length"):
        len(DataLoader(stream, batch_size=2))


def test_subset_random_sampler_batch_sampler_and_batch_sampler_loaders_match_pytorch():
    torch = pytest.importorskip("torch")
    D, TD = xn.utils.data, torch.utils.data
    ds = D.TensorDataset(xn.arange(10).float(), xn.arange(10))
    sub = D.SubsetRandomSampler([0, 3, 5, 7])
    seen = [sorted(sub) for _ in range(3)]
    assert all(s == [0, 3, 5, 7] for s in seen) and len(sub) == 4
    for n, drop in ((3, False), (3, True), (5, False)):
        got = list(D.BatchSampler(D.SequentialSampler(ds), n, drop))
        want = list(TD.BatchSampler(TD.SequentialSampler(range(10)), n, drop))
        assert got == want and len(D.BatchSampler(range(10), n, drop)) == len(want)
    loader = D.DataLoader(ds, batch_sampler=D.BatchSampler(D.SequentialSampler(ds), 4, False))
    assert len(loader) == 3 and [b[1].tolist() for b in loader] == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
    ]
    objects = [(float(i), i) for i in range(5)]  # not an array dataset: collated per batch
    loader = D.DataLoader(objects, batch_sampler=[[4, 0], [2]])
    assert [b[1].tolist() for b in loader] == [[4, 0], [2]]
    with pytest.raises(xn.ArgumentError, match="batch_sampler gives the batches"):
        D.DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    assert D.get_worker_info() is None and TD.get_worker_info() is None  # main process
    xn.manual_seed(0)
    batches = [
        b[1].tolist()
        for b in D.DataLoader(ds, batch_size=2, sampler=D.SubsetRandomSampler([1, 2, 8]))
    ]
    assert sorted(i for b in batches for i in b) == [1, 2, 8]
