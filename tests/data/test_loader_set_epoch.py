"""A sampler epoch set by the user (PyTorch's ``sampler.set_epoch(e)``) is kept."""

from __future__ import annotations

import numpy as np

from xpnet.data import ArrayDataset, DataLoader, DistributedSampler


def test_an_explicit_set_epoch_wins():
    ds = ArrayDataset(np.arange(16.0, dtype=np.float32).reshape(16, 1))
    sampler = DistributedSampler(ds, num_replicas=1, rank=0, seed=3)
    loader = DataLoader(ds, 16, sampler=sampler)

    def order():
        return next(iter(loader))[0].numpy().ravel().astype(int).tolist()

    def reference(epoch):
        s = DistributedSampler(ds, num_replicas=1, rank=0, seed=3)
        s.set_epoch(epoch)
        return list(s)

    assert order() == reference(0) and order() == reference(1)  # the loader counts on its own
    for e in (7, 7, 2):
        sampler.set_epoch(e)
        assert order() == reference(e)
    assert order() == reference(3)  # and continues from the user's epoch
