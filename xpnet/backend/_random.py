"""Seeded random numbers: one ``Generator`` type, accepted everywhere xpnet draws.

A generator draws with its library's own RNG where it has one (NumPy, PyTorch,
CuPy's Philox) and with NumPy's PCG64 on the host otherwise. With ``host=True`` it
always draws on the host (PCG64) and transfers: the same seed then gives
bit-identical numbers on every backend. Parameter initialisation (``nn.init``),
shuffling seeds (``DataLoader``, ``random_split``) draw from the *host generator*,
a host-mode Generator that ``xn.manual_seed`` reseeds; each backend's default
generator (dropout, ``xn.rand``) is reseeded with it.
"""

from __future__ import annotations

import os
from typing import Any

from .._capture import ACTIVE, recorder
from ._base import Array, Backend
from ._registry import _cache, get_backend


def _fresh_seed() -> int:
    return int.from_bytes(os.urandom(8), "little") >> 1  # 63 bits, as PyTorch's seeds


# The seed of the default generators: fresh entropy per process until manual_seed sets it
# (then initial_seed() can say which seed a run used, to repeat it).
_global_seed: int = _fresh_seed()


class Generator:
    """A seeded random-number generator producing arrays of one backend."""

    __slots__ = ("_state", "backend", "host")

    def __init__(
        self,
        seed: int | None = None,
        *,
        backend: str | Backend | None = None,
        device: Any = None,
        host: bool = False,
    ) -> None:
        self.backend = get_backend(backend, device)
        self.host = host or not self.backend.native_rng
        self.manual_seed(seed)

    def manual_seed(self, seed: int | None) -> Generator:
        """Restart the stream from ``seed`` (None: fresh entropy)."""
        if self.host:
            self._state = Backend._rng_new(self.backend, seed)
        else:
            self._state = self.backend._rng_new(seed)
        return self

    def get_state(self) -> Any:
        """The stream position, as plain data a checkpoint can hold."""
        if self.host:
            return Backend._rng_get_state(self.backend, self._state)
        return self.backend._rng_get_state(self._state)

    def set_state(self, state: Any) -> None:
        """Continue the stream from a ``get_state()`` result."""
        if state is None:
            return
        if self.host:
            Backend._rng_set_state(self.backend, self._state, state)
        else:
            self.backend._rng_set_state(self._state, state)

    def _impl(self) -> Any:
        # Host draws use the standard-only (NumPy on the host) methods of Backend.
        return Backend if self.host else type(self.backend)

    def _uniform(
        self, shape: tuple[int, ...], low: float = 0.0, high: float = 1.0, dtype: Any = None
    ) -> Array:
        dt = self.backend.dtype(dtype) if dtype is not None else self.backend.default_float
        u = self._impl()._rng_uniform(self.backend, self._state, tuple(shape), dt)
        if low != 0.0 or high != 1.0:
            u = u * (high - low) + low
        return u

    def _normal(
        self, shape: tuple[int, ...], mean: float = 0.0, std: float = 1.0, dtype: Any = None
    ) -> Array:
        dt = self.backend.dtype(dtype) if dtype is not None else self.backend.default_float
        z = self._impl()._rng_normal(self.backend, self._state, tuple(shape), dt)
        if mean != 0.0 or std != 1.0:
            z = z * std + mean
        return z

    def _integers(self, low: int, high: int, shape: tuple[int, ...], dtype: Any = "int64") -> Array:
        dt = self.backend.dtype(dtype)
        return self._impl()._rng_integers(self.backend, self._state, low, high, tuple(shape), dt)

    def _permutation(self, n: int, dtype: Any = "int64") -> Array:
        return self._impl()._rng_permutation(
            self.backend, self._state, n, self.backend.dtype(dtype)
        )

    def _bernoulli(self, p: float, shape: tuple[int, ...]) -> Array:
        """A boolean array, True with probability ``p``."""
        return self._uniform(shape) < p

    # The public draws: each reports itself to an active xn.compile recorder, which
    # replays the same call (so the stream advances exactly as in eager mode).
    def _report(self, name: str, args: tuple[Any, ...], out: Array) -> Array:
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.rng(self, name, args, out)
        return out

    def uniform(
        self, shape: tuple[int, ...], low: float = 0.0, high: float = 1.0, dtype: Any = None
    ) -> Array:
        """Uniform draws in [low, high)."""
        args = (tuple(shape), low, high, dtype)
        return self._report("_uniform", args, self._uniform(*args))

    def normal(
        self, shape: tuple[int, ...], mean: float = 0.0, std: float = 1.0, dtype: Any = None
    ) -> Array:
        """Normal draws N(mean, std^2)."""
        args = (tuple(shape), mean, std, dtype)
        return self._report("_normal", args, self._normal(*args))

    def integers(self, low: int, high: int, shape: tuple[int, ...], dtype: Any = "int64") -> Array:
        """Integers drawn uniformly from [low, high)."""
        args = (low, high, tuple(shape), dtype)
        return self._report("_integers", args, self._integers(*args))

    def permutation(self, n: int, dtype: Any = "int64") -> Array:
        """A random permutation of 0..n-1."""
        return self._report("_permutation", (n, dtype), self._permutation(n, dtype))

    def bernoulli(self, p: float, shape: tuple[int, ...]) -> Array:
        """A boolean array, True with probability ``p``."""
        args = (p, tuple(shape))
        return self._report("_bernoulli", args, self._bernoulli(*args))


def default_generator(backend: Backend) -> Generator:
    """The backend's own generator, created on first use from the global seed."""
    g = backend._generator
    if g is None:
        g = backend._generator = Generator(_global_seed, backend=backend)
    return g


_host: Generator | None = None


def host_generator() -> Generator:
    """The host-mode generator behind initialisation and shuffling seeds (``xn.manual_seed`` reseeds it)."""
    global _host
    if _host is None:
        _host = Generator(_global_seed, backend="numpy", host=True)
    return _host


def draw_seed(generator: Generator | None = None) -> int:
    """A fresh 63-bit seed from ``generator`` (default: the host generator), drawn on the host."""
    g = generator if generator is not None else host_generator()
    if g.host:
        return int(g._state.integers(0, 2**63 - 1))
    return int(g.integers(0, 2**62, ()).reshape(()).item())


def manual_seed(seed: int) -> None:
    """Seed every default generator: each backend's (those made later too) and the host one."""
    global _global_seed
    _global_seed = seed
    host_generator().manual_seed(seed)
    for b in list(_cache.values()):
        if b._generator is not None:
            b._generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed the default generators started from: the last ``manual_seed``'s, or the
    random one this process drew (PyTorch's ``initial_seed``; a DataLoader worker's
    ``worker_init_fn`` derives its seeds from it)."""
    return _global_seed


def seed() -> int:
    """Seed every default generator with fresh entropy and return that seed."""
    s = _fresh_seed()
    manual_seed(s)
    return s


def rng_states() -> dict[str, Any]:
    """Every default stream's position by label ("host", or the backend and its device),
    as plain data (``xn.get_rng_state``; gradient checkpointing replays from it). The
    current backend's stream is made if it was not yet (from the global seed, as its
    first use would)."""
    default_generator(get_backend())
    states = {"host": host_generator().get_state()}
    for b in list(_cache.values()):
        if b._generator is not None:
            states[f"{b.name}:{b.device_str}"] = b._generator.get_state()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    """Put the streams of ``rng_states()`` back; a backend not made yet gets its generator
    now (from the global seed) and then the saved position."""
    for label, state in states.items():
        if label == "host":
            host_generator().set_state(state)
            continue
        name, _, device = label.partition(":")
        default_generator(get_backend(name, device or None)).set_state(state)
