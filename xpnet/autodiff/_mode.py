"""Grad mode: whether ops record the graph. A context variable, so threads and
async tasks each have their own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_enabled: ContextVar[bool] = ContextVar("xpnet_grad_enabled", default=True)
is_grad_enabled = _enabled.get


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Record the graph inside the block when ``mode`` is true, and not otherwise."""
    token = _enabled.set(bool(mode))
    try:
        yield
    finally:
        _enabled.reset(token)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Record nothing inside the block (also usable as a decorator: ``@xn.no_grad()``)."""
    return set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record the graph inside the block, even within ``no_grad``."""
    return set_grad_enabled(True)
