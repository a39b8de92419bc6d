"""The autocast state read by the ops: the low-precision dtype name, or None.

A context variable (per thread and task), set by ``xn.autocast``. Kept apart from
``xpnet.amp`` so the op layer reads it without importing that package.
"""

from __future__ import annotations

from contextvars import ContextVar

LOW: ContextVar[str | None] = ContextVar("xpnet_autocast", default=None)
