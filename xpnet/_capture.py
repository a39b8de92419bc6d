"""The hook through which xpnet reports what a step does while ``xn.compile`` records it.

``ACTIVE[0]`` is the recorder of the call being captured (None otherwise: the
cost for everyone else is one ``is None`` test). Primitive calls, ``.grad``
assignments, random draws, value checks, module calls and host reads report to
it; ``xpnet.compile`` turns the reports into a replayable program. This module
imports nothing of xpnet, so every layer may use it.
"""

from __future__ import annotations

from typing import Any

ACTIVE: list[Any] = [None]


def recorder() -> Any:
    """The active recorder, or None."""
    return ACTIVE[0]
