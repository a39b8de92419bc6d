"""``xn.viz.graph``: the recorded computation graph as Graphviz DOT text, for seeing backprop.

Tensors are boxes (shape, dtype; leaves that require grad are highlighted),
operations are ellipses named after their primitive; edges follow the data
forward, so backpropagation runs against the arrows.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ._tensor import Tensor


def _label(t: Tensor, name: str | None) -> str:
    b = t.backend
    parts = [name] if name else []
    parts.append(f"{b.dtype_name(t.dtype)}{list(t.shape)}")
    if t.requires_grad and t.is_leaf:
        parts.append("requires_grad (leaf)")
    return "\\n".join(parts)


def graph(root: Tensor, names: dict[str, Tensor] | None = None) -> str:
    """DOT text of the graph that produced ``root``; ``names`` labels chosen tensors."""
    by_id = {id(t): n for n, t in (names or {}).items()}
    lines = ["digraph xpnet {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    seen: set[int] = set()
    stack = [root]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        style = ', style=filled, fillcolor="#cde4ff"' if (t.requires_grad and t.is_leaf) else ""
        lines.append(f'  t{id(t)} [shape=box, label="{_label(t, by_id.get(id(t)))}"{style}];')
        node = t._node
        if node is None:
            continue
        op = f"op{id(node)}"
        lines.append(f'  {op} [shape=ellipse, label="{node.prim.name}"];')
        lines.append(f"  {op} -> t{id(t)};")
        for k, a in enumerate(node.inputs or ()):
            if isinstance(a, Tensor):
                lines.append(f'  t{id(a)} -> {op} [label="{k}"];')
                stack.append(a)
            else:
                const = f"c{id(node)}_{k}"
                lines.append(f'  {const} [shape=plaintext, label="{a!r}"];')
                lines.append(f'  {const} -> {op} [label="{k}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot: str, path: str | Path) -> Path:
    """Render DOT text to ``path`` (format from its suffix: .svg, .png, .pdf) with Graphviz's ``dot``."""
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(
            "rendering needs Graphviz's `dot` program (apt-get install graphviz); the DOT text is fine"
        )
    out = Path(path)
    fmt = out.suffix.lstrip(".") or "svg"
    subprocess.run([exe, f"-T{fmt}", "-o", str(out)], input=dot.encode(), check=True)
    return out
