"""Anomaly mode: find the first operation whose forward or backward made NaN or Inf.

Inside ``with xn.detect_anomaly():`` every primitive's output is checked, and
each recorded node keeps the user's source line that created it; a backward
pass checks every cotangent too. The error names the operation, the shapes and
the line. Checking costs a device-to-host sync per op, so it is off by default.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from contextvars import ContextVar, Token
from typing import Any

from .._errors import XpnetError

_enabled: ContextVar[bool] = ContextVar("xpnet_anomaly", default=False)
is_anomaly_enabled = _enabled.get
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class AnomalyError(XpnetError, FloatingPointError):
    """An operation produced NaN or Inf while anomaly detection was on."""


def set_anomaly(mode: bool) -> Token[bool]:
    """Turn the checks on or off from now on; ``reset_anomaly(token)`` restores the previous setting."""
    return _enabled.set(bool(mode))


def reset_anomaly(token: Token[bool]) -> None:
    _enabled.reset(token)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every op's output (and every gradient in backward) for NaN and Inf."""
    token = _enabled.set(True)
    try:
        yield
    finally:
        _enabled.reset(token)


def user_stack(limit: int = 4) -> str:
    """The innermost frames outside xpnet, formatted (where the user called the op)."""
    frames = [
        f
        for f in traceback.extract_stack()[:-1]
        if not os.path.abspath(f.filename).startswith(_PACKAGE)
    ]
    return "".join(traceback.format_list(frames[-limit:])).rstrip()


def all_finite(backend: Any, arr: Any) -> bool:
    xp = backend.xp
    if not backend.is_inexact(arr.dtype):
        return True
    return bool(xp.all(xp.isfinite(arr)))


def check_forward(name: str, out: Any, backend: Any, inputs: str) -> str:
    """Raise if ``out`` holds NaN/Inf; return the creation stack to keep on the node."""
    stack = user_stack()
    if not all_finite(backend, out):
        raise AnomalyError(
            f"{name}({inputs}) produced NaN or Inf in the forward pass, called from:\n{stack}"
        )
    return stack


def check_backward(name: str, argnum: int, grad: Any, stack: str | None) -> None:
    if not all_finite(grad.backend, grad._data):
        where = f", created at:\n{stack}" if stack else ""
        raise AnomalyError(
            f"the backward of {name} produced NaN or Inf in the gradient of its argument {argnum}{where}"
        )
