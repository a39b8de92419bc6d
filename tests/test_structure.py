"""The architecture's rules, checked on the source (issue: one primitive declaration, a declared
backend contract): who may import whom."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "xpnet"


@functools.cache
def _modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        parts = f.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


def _imports(name: str, path: Path) -> list[str]:
    """Every module ``name`` imports at run time (top level and inside functions), absolute.

    ``from pkg import sub`` of a submodule counts as importing ``pkg.sub`` only. Imports
    under ``if TYPE_CHECKING:`` are left out: they are annotations, never executed.
    """
    mods = _modules()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    tree = ast.parse(path.read_text())
    typing_only = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for stmt in node.body
        for sub in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("xpnet"):
                subs = [f"{target}.{a.name}" for a in node.names]
                if not all(sub in mods for sub in subs):
                    found.append(target)
                found += subs
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("xpnet")]
    return found


def _unit(module: str) -> str:
    """The top-level part of xpnet a module belongs to: ``xpnet.nn``, or a root module."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_autodiff_imports_no_op():
    mods = _modules()
    bad = [
        (n, t)
        for n, p in mods.items()
        if n.startswith("xpnet.autodiff")
        for t in _imports(n, p)
        if t.startswith("xpnet.ops")
    ]
    assert not bad, f"autodiff must get ops through install_ops, not imports: {bad}"


def test_no_private_module_of_another_package_is_imported():
    mods = _modules()
    bad = []
    for n, p in mods.items():
        for t in _imports(n, p):
            if t not in mods:
                continue  # a name, not a module
            owner = _unit(t)
            private = any(part.startswith("_") for part in t.split(".")[2:])
            if private and _unit(n) != owner:
                bad.append(f"{n} imports {t}")
    assert not bad, "import the package (or its declared internal module) instead:\n" + "\n".join(
        bad
    )


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node (Tarjan's, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    comps: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.add(x)
                        if x == v:
                            break
                    comps.append(comp)
            elif w not in index:
                index[w] = low[w] = counter
                counter += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(graph.get(w, ())))))
            elif w in on:
                low[v] = min(low[v], index[w])
    return [c for c in comps if len(c) > 1]


def test_no_import_cycle_between_parts_of_the_package():
    mods = _modules()
    units = {_unit(m) for m in mods}
    graph: dict[str, set[str]] = {}
    for n, p in mods.items():
        u = _unit(n)
        graph.setdefault(u, set()).update(
            _unit(t) for t in _imports(n, p) if _unit(t) != u and _unit(t) in units
        )
    assert not _cycles(graph), f"import cycles between parts of xpnet: {_cycles(graph)}"


def test_no_import_cycle_between_modules():
    """Not even inside a package: every module can be read after the ones it imports
    (the ops' dtype cast, views and sum are their own modules for this)."""
    mods = _modules()
    graph = {n: {t for t in _imports(n, p) if t in mods and t != n} for n, p in mods.items()}
    assert not _cycles(graph), f"import cycles between modules: {_cycles(graph)}"


def test_no_function_level_import_of_xpnet_modules():
    """Imports at the top of each module: what a module needs is in its first lines."""
    bad = []
    for n, p in _modules().items():
        for fn in ast.walk(ast.parse(p.read_text())):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bad += [
                    f"{n}:{node.lineno} imports {'.' * node.level}{node.module or ''}"
                    for node in ast.walk(fn)
                    if isinstance(node, ast.ImportFrom)
                    and (node.level or (node.module or "").startswith("xpnet"))
                ]
    assert not bad, "\n".join(bad)
