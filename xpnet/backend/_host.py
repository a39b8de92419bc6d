"""The host generator: NumPy's PCG64, shared by every backend for initialisation.

Drawing initial weights on the host and transferring them makes a seeded model
bit-identical on every backend and device. ``xn.manual_seed`` reseeds it.
"""

from __future__ import annotations

import numpy as np

_state: dict[str, np.random.Generator] = {}


def host_rng() -> np.random.Generator:
    if "rng" not in _state:
        from ._random import _global_seed

        _state["rng"] = np.random.default_rng(_global_seed)
    return _state["rng"]


def reseed(seed: int | None) -> None:
    _state["rng"] = np.random.default_rng(seed)
