"""A pytest plugin that adds xpnet as an array backend of SciPy's and scikit-learn's
own test suites.

SciPy's tests that take its ``xp`` fixture run on each Array API library SciPy knows
(``SCIPY_ARRAY_API=1``); this plugin makes that fixture give xpnet's namespace instead
(``xpnet.array_api`` on the NumPy backend, float64 by default as SciPy sets PyTorch's),
as a backend SciPy has no special cases for: its ``skip_xp_backends`` markers that name
a library do not apply, ``np_only`` ones do; ``XPNET_SUITE_BACKEND=torch`` runs them on
xpnet's PyTorch backend instead. ``XPNET_XFAILS=<file>[:<file>...]`` lists the tests
expected to fail, one node id suffix (``*`` matches anything) per line, ``#``
comments giving the reasons; they are marked ``xfail(strict=True)``, so an entry that
starts to pass fails the run, and with ``XPNET_XFAILS_COMPLETE=1`` (a whole-suite run) so
does an entry that matches no test: the file stays true.

    SCIPY_ARRAY_API=1 XPNET_XFAILS=tests/interop/scipy_xfails.txt \\
      python -m pytest -p xpnet_array_backend --pyargs scipy -m array_api_backends

(with ``tests/interop`` on ``PYTHONPATH``; tests/interop/test_library_suites.py does this).
scikit-learn's tests that take (array_namespace, device, dtype_name) from
``yield_namespace_device_dtype_combinations`` run on ``xpnet.array_api`` in float64 and
float32 instead of the libraries scikit-learn knows (``--pyargs sklearn -k xpnet``).
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

import pytest

import xpnet as xn

xn.set_default_dtype("float64")
#: ``XPNET_SUITE_BACKEND`` picks the xpnet backend the suites run on (default: numpy)
BACKEND = os.environ.get("XPNET_SUITE_BACKEND", "numpy")
xn.set_backend(BACKEND)  # ``xpnet.array_api``, scikit-learn's namespace, is the default's
NAMESPACE = xn.tensor([1.0], backend=BACKEND).__array_namespace__()


def pytest_plugin_registered(plugin: Any, manager: Any) -> None:
    # SciPy's conftest keeps the backends its markers may name; xpnet becomes one of them
    if str(getattr(plugin, "__file__", "")).endswith(os.path.join("scipy", "conftest.py")):
        plugin.xp_known_backends.add("xpnet")


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: Any) -> None:
    definitions = metafunc._arg2fixturedefs.get("xp")
    if definitions:
        definitions[-1].params = [
            pytest.param(NAMESPACE, id="xpnet", marks=pytest.mark.array_api_backends)
        ]
        definitions[-1].ids = None


def pytest_configure(config: Any) -> None:
    # scikit-learn's Array API tests take (namespace, device, dtype) triples from these two
    # functions when their modules are imported: xpnet's namespace, in both float dtypes
    try:
        import sklearn.utils._array_api as sk
    except ImportError:
        return

    def namespaces(include_numpy_namespaces: bool = True) -> Any:
        yield "xpnet.array_api"

    def combinations(include_numpy_namespaces: bool = True) -> Any:
        yield "xpnet.array_api", None, "float64"
        yield "xpnet.array_api", None, "float32"

    sk.yield_namespaces = namespaces
    sk.yield_namespace_device_dtype_combinations = combinations


def _expected_failures() -> list[tuple[str, str]]:
    out = []
    for path in filter(None, os.environ.get("XPNET_XFAILS", "").split(os.pathsep)):
        reason = ""
        for line in Path(path).read_text().splitlines():
            line = line.strip()
            if line.startswith("#"):
                reason = line.lstrip("# ")
            elif line:
                out.append((line, reason))
    return out


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    expected = _expected_failures()
    used: set[str] = set()
    for item in items:
        for pattern, reason in expected:
            if _matches(item.nodeid, pattern):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
                used.add(pattern)
                break
    unused = [p for p, _ in expected if p not in used]
    if unused and items and os.environ.get("XPNET_XFAILS_COMPLETE") == "1":
        # a whole-suite run: an entry that names no collected test is stale
        items.append(_Stale.from_parent(items[0].parent, name="stale_xfail_entries", unused=unused))


def _matches(nodeid: str, pattern: str) -> bool:
    """``nodeid`` ends with ``pattern``, where ``*`` matches anything (and ``[``, as in test
    ids' parameters, is itself)."""
    if "*" not in pattern:
        return nodeid.endswith(pattern)
    return fnmatch.fnmatchcase(nodeid, "*" + pattern.replace("[", "[[]"))


class _Stale(pytest.Item):
    def __init__(self, *, unused: list[str], **kw: Any) -> None:
        super().__init__(**kw)
        self.unused = unused

    def runtest(self) -> None:
        raise AssertionError(f"XPNET_XFAILS entries that match no test: {self.unused}")

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, "stale_xfail_entries"
