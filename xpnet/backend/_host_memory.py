"""Host memory for training loops: glibc's malloc told to keep freed arrays for reuse.

A training step frees and allocates the same large arrays every step (activations,
im2col columns, gradients). By default glibc serves a block above a moving threshold
(128 KiB in a fresh process, raised to the largest block freed so far, at most 32 MiB)
with a fresh ``mmap``, and hands freed heap memory above 128 KiB back to the kernel:
each step then page-faults its arrays in again and the kernel zeroes every page. How
often depends on what the process allocated before, so the same script ran at
different speeds in different processes (``bench/cnn_fresh.py``: the MNIST CNN's eager
step 103 ms with ~4,500 faults per step in a fresh process, 85 ms with these settings).

When a backend whose arrays NumPy allocates is first used (``numpy``,
``array_api_strict``), xpnet fixes glibc's thresholds for the process, once
(``mallopt``): blocks up to 32 MiB (glibc's limit) come from the heap, up to 1 GiB
of free memory at the top of the heap is kept, and the heap grows 64 MiB at a time.
Freed arrays are then reused without faults; the price is that the process keeps up
to 1 GiB it no longer uses (as PyTorch's CUDA caching allocator keeps GPU memory).

``XPNET_HOST_MALLOC=system`` in the environment leaves malloc as it is. Elsewhere
than glibc (macOS, Windows, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading

from .._errors import ArgumentError

MMAP_THRESHOLD = 32 << 20  # the largest value glibc accepts
TRIM_THRESHOLD = 1 << 30
TOP_PAD = 64 << 20
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc's malloc.h

_policy: list[str] = []  # set once: "keep", "system" or "unsupported"
_lock = threading.Lock()


def keep_host_memory() -> str:
    """Apply the settings above once per process; returns the policy in effect:
    ``"keep"``, ``"system"`` (``XPNET_HOST_MALLOC=system``) or ``"unsupported"``
    (not glibc)."""
    if _policy:
        return _policy[0]
    with _lock:
        if not _policy:
            _policy.append(_apply())
    return _policy[0]


def host_memory_policy() -> str | None:
    """The policy ``keep_host_memory`` applied, or None before a host backend was used."""
    return _policy[0] if _policy else None


def _apply() -> str:
    choice = os.environ.get("XPNET_HOST_MALLOC", "keep").strip().lower()
    if choice == "system":
        return "system"
    if choice != "keep":
        raise ArgumentError(f"XPNET_HOST_MALLOC must be 'keep' or 'system', got {choice!r}")
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return "unsupported"
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return "unsupported"
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    ok = all(
        mallopt(option, value) == 1
        for option, value in (
            (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (_M_TOP_PAD, TOP_PAD),
        )
    )
    return "keep" if ok else "unsupported"
