"""Scalar slots (xpnet/_slots.py): the 0-d inputs a compiled step refreshes before each
replay. On a mutable library they are views of one buffer written with one copy when a
value changed; on JAX each changed slot is a new array."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet._slots import Slots

from .compile.steps import train_step


def _count_writes(monkeypatch, backend):
    """The values each ``write_host`` call of ``backend``'s class writes from now on."""
    seen: list[tuple[float, ...]] = []
    cls = type(backend)
    original = cls.write_host

    def counting(self, arr, values):
        seen.append(tuple(values))
        return original(self, arr, values)

    monkeypatch.setattr(cls, "write_host", counting)
    return seen


@pytest.fixture
def writes(backend, monkeypatch):
    return _count_writes(monkeypatch, backend)


def _read(t):
    return t.numpy().item()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_fill_writes_changed_values_once_and_rounds_them_to_the_dtype(backend, writes, dtype):
    try:
        backend.dtype(dtype)
    except xn.DTypeError:
        pytest.skip(f"{backend} has no {dtype}")
    like = xn.zeros((2,), dtype=dtype, backend=backend)
    s = Slots(backend, like.dtype, 3)
    writes.clear()  # (creation checks once that the views see the buffer)
    assert all(t.shape == () and t.dtype == like.dtype for t in s.tensors)
    assert all(t.backend is backend and t.device == like.device for t in s.tensors)
    s.fill((0.1, 2.0, -3.5))
    want = np.array([0.1, 2.0, -3.5], dtype=dtype)
    assert [_read(t) for t in s.tensors] == want.tolist()
    s.fill((0.1, 2.0, -3.5))  # unchanged: nothing written
    s.fill((0.1, 7.0, -3.5))
    assert [_read(t) for t in s.tensors] == np.array([0.1, 7.0, -3.5], dtype=dtype).tolist()
    if backend.mutable:  # one copy per fill that changed something: the slots are its views
        assert writes == [(0.1, 2.0, -3.5), (0.1, 7.0, -3.5)]
        assert backend.to_numpy(s.buffer).tolist() == [_read(t) for t in s.tensors]
    else:
        assert writes == [] and s.buffer is None


def test_fill_of_the_wrong_number_of_values_raises_and_changes_nothing():
    s = Slots(xn.get_backend("numpy"), "float32", 2)
    s.fill((1.0, 2.0))
    with pytest.raises(xn.ArgumentError, match="1 values for 2 slots"):
        s.fill((3.0,))
    assert [_read(t) for t in s.tensors] == [1.0, 2.0]


def _mlp_step(backend, opt_factory):
    xn.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(3, 4, backend=backend), nn.Tanh(), nn.Linear(4, 2, backend=backend)
    )
    opt = opt_factory(model.parameters())
    step = train_step(model, opt, nn.functional.mse_loss)
    rng = np.random.default_rng(0)
    x = xn.tensor(rng.standard_normal((5, 3)).astype(np.float32), backend=backend)
    y = xn.tensor(rng.standard_normal((5, 2)).astype(np.float32), backend=backend)
    return xn.compile(step), opt, x, y


@pytest.mark.parametrize("name", ["numpy", "array_api_strict"])
def test_a_compiled_step_refreshes_its_scalars_with_at_most_one_copy_per_replay(name, monkeypatch):
    """Adam's bias corrections move every step: one write of the group's nine scalars per
    replay; SGD's do not: no write until the learning rate changes, then one."""
    pytest.importorskip(name)
    backend = xn.get_backend(name)
    seen = _count_writes(monkeypatch, backend)

    f, opt, x, y = _mlp_step(backend, lambda ps: xn.optim.Adam(ps, lr=1e-2))
    for _ in range(3):
        f(x, y)  # records, then replays
    seen.clear()
    for _ in range(4):
        f(x, y)
    assert f.replays >= 4 and len(seen) == 4 and all(len(v) == 9 for v in seen)
    assert seen[-1][0] == pytest.approx(1e-2 / (1 - 0.9**7))  # the step size at step 7

    f, opt, x, y = _mlp_step(backend, lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9))
    for _ in range(3):
        f(x, y)
    seen.clear()
    for _ in range(3):
        f(x, y)
    assert seen == []
    opt.param_groups[0]["lr"] = 0.05
    f(x, y)
    f(x, y)
    assert seen == [(0.05, 0.9, 1.0, 0.0)]


def test_a_library_whose_indexing_copies_gets_one_array_per_slot(monkeypatch):
    """Where ``buffer[i, ...]`` is a copy (the standard allows it), writing the buffer
    would not reach the slots: Slots notices at creation and keeps separate arrays."""
    backend = xn.get_backend("numpy")
    real = np.ndarray.__getitem__

    class Copying(np.ndarray):
        def __getitem__(self, key):
            return np.array(real(self, key))  # a copy, not a view

    full = type(backend).full
    monkeypatch.setattr(
        type(backend),
        "full",
        lambda self, shape, value, dtype: (
            full(self, shape, value, dtype).view(Copying)
            if shape
            else full(self, shape, value, dtype)
        ),
    )
    s = Slots(backend, "float32", 3)
    assert s.buffer is None
    s.fill((0.5, 1.5, 2.5))
    s.fill((0.5, 4.0, 2.5))
    assert [_read(t) for t in s.tensors] == [0.5, 4.0, 2.5]


def test_a_deep_copy_of_slots_is_a_fresh_set_whose_views_follow_its_buffer(backend):
    """(Copying the arrays would part the views from their buffer: stale slots.)"""
    import copy

    s = Slots(backend, "float32", 2)
    s.fill((1.0, 2.0))
    c = copy.deepcopy(s)
    assert c is not s
    c.fill((3.0, 4.0))
    assert [_read(t) for t in c.tensors] == [3.0, 4.0]
    assert [_read(t) for t in s.tensors] == [1.0, 2.0]  # the original is untouched
