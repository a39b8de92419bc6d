"""``set_num_threads``/``get_num_threads``: the host's compute threads, as PyTorch's.

The host backends compute through native thread pools: NumPy's BLAS (OpenBLAS, MKL...),
and OpenMP where a library uses it (PyTorch's CPU kernels). ``threadpoolctl`` finds the
pools loaded in this process and sets them, as ``torch.set_num_threads`` sets PyTorch's
for the whole process; pools loaded later (a backend first used afterwards) are set when
the backend is made.
"""

from __future__ import annotations

import os
from typing import Any

from .._errors import ArgumentError, MissingDependencyError

_limit: list[int | None] = [None]  # the last set_num_threads, for pools loaded later


def _threadpoolctl() -> Any:
    try:
        import threadpoolctl
    except ImportError as e:
        raise MissingDependencyError(
            "set_num_threads needs threadpoolctl to reach the BLAS and OpenMP pools: pip "
            f"install threadpoolctl (or xpnet[interop]) ({e})"
        ) from e
    return threadpoolctl


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in every compute pool of the host (BLAS, OpenMP), from now on."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ArgumentError(f"set_num_threads: n must be a positive int, got {n!r}")
    _threadpoolctl().threadpool_limits(limits=n)
    _limit[0] = n


def reapply_num_threads() -> None:
    """Set a pool loaded since the last ``set_num_threads`` (a backend made afterwards)."""
    if _limit[0] is not None:
        _threadpoolctl().threadpool_limits(limits=_limit[0])


def get_num_threads() -> int:
    """The threads the host's BLAS computes with (the CPU count where none reports)."""
    counts = [
        int(info["num_threads"])
        for info in _threadpoolctl().threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return max(counts) if counts else (os.cpu_count() or 1)
