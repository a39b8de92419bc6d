"""``xn.viz.graph``: the recorded computation graph as Graphviz DOT text, for seeing backprop.

Tensors are boxes (shape, dtype; leaves that require grad are highlighted),
operations are ellipses named after their primitive; edges follow the data
forward, so backpropagation runs against the arrows.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from ._errors import MissingDependencyError
from .autodiff import Node
from .tensor import Tensor


def _esc(text: str) -> str:
    """Text safe inside a DOT double-quoted label."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _label(name: str | None, dtype: str, shape: Any, leaf: bool) -> str:
    parts = [_esc(name)] if name else []
    parts.append(f"{dtype}{list(shape)}")
    if leaf:
        parts.append("requires_grad (leaf)")
    return "\\n".join(parts)


def graph(root: Tensor, names: dict[str, Tensor] | None = None) -> str:
    """DOT text of the graph that produced ``root``; ``names`` labels chosen tensors.

    A computed tensor is drawn once per recorded operation (its node); leaves and
    constants once per tensor.
    """
    by_id: dict[int, str] = {}
    for n, t in (names or {}).items():
        by_id[id(t)] = n
        if t._node is not None:
            by_id[id(t._node)] = n
    lines = ["digraph xpnet {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    seen: set[int] = set()
    stack: list[Any] = [root._node or root]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if not isinstance(v, Node):  # a leaf tensor
            b = v.backend
            label = _label(by_id.get(id(v)), b.dtype_name(v.dtype), v.shape, v.requires_grad)
            style = ', style=filled, fillcolor="#cde4ff"' if v.requires_grad else ""
            lines.append(f'  t{id(v)} [shape=box, label="{label}"{style}];')
            continue
        b = v.backend
        lines.append(
            f'  t{id(v)} [shape=box, label="{_label(by_id.get(id(v)), b.dtype_name(v.dtype), v.shape, False)}"];'
        )
        op = f"op{id(v)}"
        lines.append(f'  {op} [shape=ellipse, label="{_esc(v.prim.name)}"];')
        lines.append(f"  {op} -> t{id(v)};")
        inputs = v.inputs or (None,) * len(v.parents)
        for k, (a, p) in enumerate(zip(inputs, v.parents, strict=True)):
            if p is not None:
                lines.append(f'  t{id(p)} -> {op} [label="{k}"];')
                stack.append(p)
            elif hasattr(a, "shape"):  # a constant tensor (kept, or only its shape)
                if id(a) not in seen:
                    seen.add(id(a))
                    ab = a.backend
                    label = _label(by_id.get(id(a)), ab.dtype_name(a.dtype), a.shape, False)
                    lines.append(f'  t{id(a)} [shape=box, label="{label}"];')
                lines.append(f'  t{id(a)} -> {op} [label="{k}"];')
            else:
                const = f"c{id(v)}_{k}"
                lines.append(f'  {const} [shape=plaintext, label="{_esc(repr(a))}"];')
                lines.append(f'  {const} -> {op} [label="{k}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot: str, path: str | Path) -> Path:
    """Render DOT text to ``path`` (format from its suffix: .svg, .png, .pdf) with Graphviz's ``dot``."""
    exe = shutil.which("dot")
    if exe is None:
        raise MissingDependencyError(
            "rendering needs Graphviz's `dot` program (apt-get install graphviz); the DOT text is fine"
        )
    out = Path(path)
    fmt = out.suffix.lstrip(".") or "svg"
    subprocess.run([exe, f"-T{fmt}", "-o", str(out)], input=dot.encode(), check=True)
    return out
