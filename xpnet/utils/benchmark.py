"""PyTorch's ``torch.utils.benchmark.Timer`` for scripts that time a statement with it.

``Timer(stmt, setup, globals=...).timeit(n)`` runs ``setup`` once and ``stmt`` ``n``
times and gives a ``Measurement`` (mean, median, IQR over blocks, printed as PyTorch
prints one). ``blocked_autorange`` times blocks of a size that takes about 0.2 s each
until ``min_run_time`` has passed. Work queued on a GPU is waited for at the end of each
block (``xn.accelerator.synchronize``), so a block's time includes it.
"""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Callable
from typing import Any

from .. import accelerator

__all__ = ["Measurement", "Timer"]


class Measurement:
    """The times of one statement: ``times`` holds the seconds per run of each block."""

    def __init__(self, number_per_run: int, raw_times: list[float], stmt: str,
                 label: str | None = None, num_threads: int = 1) -> None:  # fmt: skip
        self.number_per_run = number_per_run
        self.raw_times = raw_times
        self.times = [t / number_per_run for t in raw_times]
        self.stmt = stmt
        self.label = label
        self.num_threads = num_threads

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def iqr(self) -> float:
        if len(self.times) < 2:
            return 0.0
        q = statistics.quantiles(self.times, n=4, method="inclusive")
        return q[2] - q[0]

    def __repr__(self) -> str:
        value = self.median
        unit, scale = next((u, s) for u, s in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9))
                           if value >= s or u == "ns")  # fmt: skip
        runs = len(self.times) * self.number_per_run
        head = f"{self.label}\n" if self.label else ""
        spread = f"\n  IQR: {self.iqr / scale:.2f} {unit}" if len(self.times) > 1 else ""
        return (
            f"<xpnet.utils.benchmark.Measurement>\n{head}{self.stmt}\n"
            f"  {value / scale:.2f} {unit}{spread}\n"
            f"  {len(self.times)} measurement{'s' if len(self.times) != 1 else ''}, {runs} runs , "
            f"{self.num_threads} thread{'s' if self.num_threads != 1 else ''}"
        )

    __str__ = __repr__


class Timer:
    """Time ``stmt`` (a string of Python, or a callable) after ``setup``, in ``globals``."""

    def __init__(self, stmt: str | Callable[[], Any] = "pass", setup: str = "pass",
                 global_setup: str = "", timer: Callable[[], float] = time.perf_counter,
                 globals: dict[str, Any] | None = None, label: str | None = None,
                 sub_label: str | None = None, description: str | None = None,
                 env: str | None = None, num_threads: int = 1) -> None:  # fmt: skip
        del sub_label, description, env
        namespace = dict(globals or {})
        if global_setup:
            exec(global_setup, namespace)
        self._timer = timeit.Timer(stmt, setup, timer=timer, globals=namespace)
        self._stmt = stmt if isinstance(stmt, str) else getattr(stmt, "__name__", "stmt")
        self._label = label
        self._num_threads = num_threads
        self._gpu = accelerator.is_available()

    def _block(self, number: int) -> float:
        t = self._timer.timeit(number)
        if not self._gpu:
            return t
        start = time.perf_counter()
        accelerator.synchronize()  # queued GPU work belongs to the block
        return t + time.perf_counter() - start

    def timeit(self, number: int = 1000000) -> Measurement:
        """``stmt`` run ``number`` times (after one warm-up run): one measurement."""
        self._timer.timeit(1)
        return Measurement(number, [self._block(number)], self._stmt, self._label,
                           self._num_threads)  # fmt: skip

    def blocked_autorange(self, callback: Any = None, min_run_time: float = 0.2) -> Measurement:
        """Blocks of a size near 0.2 s each (at least one run) until ``min_run_time`` passed."""
        number = 1
        while True:  # find the block size
            t = self._block(number)
            if t >= 0.02 or number >= 10**8:
                break
            number *= 10
        number = max(1, int(number * 0.2 / max(t, 1e-9)))
        times: list[float] = []
        start = time.perf_counter()
        while not times or time.perf_counter() - start < min_run_time:
            times.append(self._block(number))
            if callback is not None:
                callback(number, times[-1])
        return Measurement(number, times, self._stmt, self._label, self._num_threads)

    adaptive_autorange = blocked_autorange
