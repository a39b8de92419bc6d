"""The hook through which xpnet reports what a step does while ``xn.compile`` records it.

Recorders are per thread: ``recorder()`` is the recorder of the call this thread
is capturing (None otherwise), so two threads that compile steps at the same time
never see each other's operations. ``ACTIVE[0]`` is None while no thread records:
the cost for everyone else is one ``is None`` test, written at each report site as
``rec = ACTIVE[0] and recorder()``. Primitive calls, ``.grad`` assignments, random
draws, value checks, module and optimizer calls and host reads report to it;
``xpnet.compile`` turns the reports into a replayable program. This module imports
nothing of xpnet, so every layer may use it.
"""

from __future__ import annotations

import threading
from typing import Any

_BY_THREAD: dict[int, Any] = {}  # thread ident -> its active recorder
_LOCK = threading.Lock()
ACTIVE: list[Any] = [None]  # _BY_THREAD while any thread records, else None
# Moved forward by every change that a recorded program's assumptions may depend on
# (a module attribute, requires_grad, an optimizer's groups or state, ``.data =``): a
# compiled function re-checks its slower assumptions only when it moved.
EPOCH: list[int] = [0]


def changed() -> None:
    """Note a change of state that recorded programs may depend on."""
    EPOCH[0] += 1


def recorder() -> Any:
    """This thread's active recorder, or None."""
    return _BY_THREAD.get(threading.get_ident()) if ACTIVE[0] is not None else None


def start(rec: Any) -> None:
    """Make ``rec`` this thread's recorder."""
    with _LOCK:
        _BY_THREAD[threading.get_ident()] = rec
        ACTIVE[0] = _BY_THREAD


def stop() -> None:
    """End this thread's recording."""
    with _LOCK:
        _BY_THREAD.pop(threading.get_ident(), None)
        ACTIVE[0] = _BY_THREAD if _BY_THREAD else None
