"""An importable Array API namespace: ``import xpnet.array_api as xp``.

The namespace of the current default backend (``xn.set_backend``), resolved on each
attribute access, so tools that take a namespace *module* by name (the conformance
suite's ``ARRAY_API_TESTS_MODULE=xpnet.array_api``, scripts that ``import ... as xp``)
get the same functions as ``x.__array_namespace__()`` of a tensor of that backend.
"""

from __future__ import annotations

from typing import Any

from ._namespace import API_VERSION, namespace
from .backend import get_backend

__array_api_version__ = API_VERSION


def __getattr__(name: str) -> Any:
    return getattr(namespace(get_backend()), name)


def __dir__() -> list[str]:
    ns = namespace(get_backend())
    return sorted({*dir(type(ns)), *vars(ns)} - {"backend"})
