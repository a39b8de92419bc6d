"""ArrayDataset, DataLoader and random_split."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.data import ArrayDataset, DataLoader, random_split


def _ds(n=10):
    return ArrayDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


def test_batches_on_the_target_backend(backend):
    loader = DataLoader(_ds(), batch_size=4, backend=backend, device=backend.device)
    batches = list(loader)
    assert [b[0].shape[0] for b in batches] == [4, 4, 2] and len(loader) == 3
    x, y = batches[0]
    assert x.backend is backend and y.backend is backend
    assert backend.dtype_name(x.dtype) == "float32" and backend.dtype_name(y.dtype) == "int64"
    assert y.tolist() == [0, 1, 2, 3]


def test_dataset_is_moved_to_the_device_once(backend):
    loader = DataLoader(_ds(), batch_size=4, shuffle=True, backend=backend, device=backend.device)
    cached = loader._on_device
    assert cached is not None and all(t.backend is backend for t in cached)
    list(loader)
    list(loader)
    assert loader._on_device is cached


def test_shuffle_is_reproducible_and_per_epoch():
    a = DataLoader(_ds(), batch_size=10, shuffle=True, seed=5)
    b = DataLoader(_ds(), batch_size=10, shuffle=True, seed=5)
    e0a, e1a = next(iter(a))[1].tolist(), next(iter(a))[1].tolist()
    assert next(iter(b))[1].tolist() == e0a and e0a != e1a and sorted(e0a) == list(range(10))
    c = DataLoader(_ds(), batch_size=10, shuffle=True, seed=5)
    c.load_state_dict({"epoch": 1, "seed": 5})
    assert next(iter(c))[1].tolist() == e1a  # resuming at epoch 1 gives epoch 1's order


def test_drop_last():
    loader = DataLoader(_ds(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [b[0].shape[0] for b in loader] == [4, 4]


def test_large_datasets_go_per_batch(monkeypatch):
    from xpnet.data import _loader

    monkeypatch.setattr(_loader, "DEVICE_CACHE_BYTES", 8)
    loader = DataLoader(_ds(), batch_size=3, shuffle=True, seed=1)
    assert loader._on_device is None
    ys = [y for _, y in loader]
    assert sorted(np.concatenate([y.numpy() for y in ys]).tolist()) == list(range(10))


def test_random_split_is_disjoint_and_reproducible():
    parts = random_split(_ds(10), [7, 3], seed=3)
    again = random_split(_ds(10), [7, 3], seed=3)
    a, b = (p.arrays[1].tolist() for p in parts)
    assert len(a) == 7 and len(b) == 3 and not set(a) & set(b)
    assert again[0].arrays[1].tolist() == a
    fractions = random_split(_ds(10), [0.5, 0.5])
    assert [len(p) for p in fractions] == [5, 5]
    with pytest.raises(ValueError, match="do not add up"):
        random_split(_ds(10), [3, 3])


def test_unequal_arrays_rejected():
    with pytest.raises(xn.ShapeError, match="different lengths"):
        ArrayDataset(np.zeros(3), np.zeros(4))


def _first_batch(loader):
    return next(iter(loader))[1].tolist()


def test_default_shuffle_seed_follows_manual_seed():
    xn.manual_seed(1)
    a = _first_batch(DataLoader(_ds(), batch_size=10, shuffle=True))
    xn.manual_seed(1)
    b = _first_batch(DataLoader(_ds(), batch_size=10, shuffle=True))
    xn.manual_seed(2)
    c = _first_batch(DataLoader(_ds(), batch_size=10, shuffle=True))
    assert a == b and a != c
    g = xn.Generator(5, host=True)
    d = _first_batch(DataLoader(_ds(), batch_size=10, shuffle=True, generator=g))
    assert d == _first_batch(
        DataLoader(_ds(), batch_size=10, shuffle=True, generator=xn.Generator(5, host=True))
    )


def test_sampler_and_collate_fn():
    class Evens:
        def __init__(self):
            self.epochs = []

        def set_epoch(self, e):
            self.epochs.append(e)

        def __iter__(self):
            return iter(range(0, 20, 2))

        def __len__(self):
            return 10

    s = Evens()
    loader = DataLoader(_ds(20), batch_size=4, sampler=s)
    assert len(loader) == 3
    got = [y for _, ys in loader for y in ys.tolist()]
    # set_epoch(0) before the epoch, then set_epoch(1): the loader leaves the sampler at the
    # next epoch, so that a set_epoch(e) by the user is seen (see test_loader_set_epoch.py)
    assert got == list(range(0, 20, 2)) and s.epochs == [0, 1]
    pairs = DataLoader(_ds(), batch_size=3, collate_fn=lambda samples: len(samples))
    assert list(pairs)[:2] == [3, 3]
    with pytest.raises(xn.ArgumentError, match="exclude each other"):
        DataLoader(_ds(), batch_size=4, sampler=s, shuffle=True)
    with pytest.raises(TypeError):
        DataLoader(_ds(), 4, True)  # options after batch_size are keyword-only


def test_default_collation_follows_pytorchs_for_dicts_strings_and_single_arrays():
    import numpy as np

    import xpnet as xn

    samples = [{"x": np.full(2, i, np.float32), "name": f"s{i}", "y": i} for i in range(3)]
    (batch,) = list(xn.data.DataLoader(samples, batch_size=3))
    assert set(batch) == {"x", "name", "y"} and batch["name"] == ["s0", "s1", "s2"]
    assert batch["x"].shape == (3, 2) and batch["y"].tolist() == [0, 1, 2]
    (arrays,) = list(xn.data.DataLoader([np.ones(2), np.zeros(2)], batch_size=2))
    assert isinstance(arrays, xn.Tensor) and arrays.shape == (2, 2)
    (pair,) = list(xn.data.DataLoader([[np.ones(1), 1], [np.zeros(1), 0]], batch_size=2))
    assert isinstance(pair, list) and pair[1].tolist() == [1, 0]
