"""A replayed program enters its device's context once, not once per primitive call.

On CuPy each entry asks the driver which device is current; a host stand-in that
needs a context (as CuPy's backend does) counts the entries, so this runs without a GPU.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

import numpy as np

import xpnet as xn
from xpnet import nn
from xpnet.backend._numpy import NumpyBackend

from .steps import train_step


class ContextBackend(NumpyBackend):
    name = "numpy_context_test"
    needs_context = True
    entered: ClassVar[list[int]] = [0]
    __slots__ = ()

    def current(self) -> contextlib.AbstractContextManager[Any]:
        ContextBackend.entered[0] += 1
        return contextlib.nullcontext()


xn.backend.register_backend(ContextBackend)


def _train(b: Any, compiled: bool) -> tuple[list[float], list[int], Any]:
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16, backend=b), nn.ReLU(), nn.Linear(16, 3, backend=b))
    opt = xn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(1)
    x = xn.tensor(rng.standard_normal((8, 6)).astype(np.float32), backend=b)
    y = xn.tensor(rng.integers(0, 3, 8), backend=b)
    f = xn.compile(train_step(model, opt)) if compiled else train_step(model, opt)
    losses, entries = [], []
    for _ in range(6):
        before = ContextBackend.entered[0]
        loss = f(x, y)
        entries.append(ContextBackend.entered[0] - before)
        losses.append(loss.item())
    return losses, entries, f


def test_a_replay_enters_the_device_context_once():
    b = xn.get_backend("numpy_context_test")
    eager, eager_entries, _ = _train(b, False)
    replayed, entries, f = _train(b, True)
    assert f.replays >= 3
    np.testing.assert_allclose(replayed, eager, rtol=1e-6)
    assert eager_entries[-1] > 10  # eager: one per primitive call
    assert entries[-3:] == [1, 1, 1], entries  # a replay: one for the whole program
    assert f.source().count(".current():") == 1
