"""PyTorch's ``use_deterministic_algorithms`` switch, read where a backend's kernel is not
deterministic.

On the host every xpnet kernel gives the same bits on every run. On a GPU, adding values
at repeated positions (the backward of indexing with arrays, ``take``, ``Embedding``;
``index_add``, ``scatter_add``) uses atomic adds, whose float sums can change in the last
bits from run to run. With the switch on, such a call raises (or warns, with
``warn_only``), as PyTorch's ops without a deterministic implementation do.
"""

from __future__ import annotations

import warnings
from typing import Any

from .._errors import NotSupportedError

_state = {"on": False, "warn_only": False}


def set_deterministic(mode: bool, warn_only: bool = False) -> None:
    _state["on"], _state["warn_only"] = bool(mode), bool(warn_only)


def deterministic() -> bool:
    return _state["on"]


def deterministic_warn_only() -> bool:
    return _state["warn_only"]


def check_deterministic(op: str, backend: Any) -> None:
    """Refuse (or warn about) the nondeterministic kernel ``op`` of ``backend`` while the
    switch is on."""
    if not _state["on"]:
        return
    message = (
        f"{op} on {backend!r} adds at repeated positions with atomic adds, whose float sums "
        "can differ between runs, but xn.use_deterministic_algorithms(True) is set; run it "
        "on the host, or pass warn_only=True to be told instead"
    )
    if _state["warn_only"]:
        warnings.warn(message, UserWarning, stacklevel=3)
    else:
        raise NotSupportedError(message)
