"""The computation graph as DOT text."""

from __future__ import annotations

import re
import shutil

import pytest

import xpnet as xn


def test_dot_structure():
    w = xn.tensor([1.0, 2.0], requires_grad=True)
    x = xn.tensor([3.0, 4.0])
    loss = xn.sigmoid(w * x + 1.0).sum()
    dot = xn.viz.graph(loss, {"w": w, "x": x, "loss": loss})
    assert dot.startswith("digraph xpnet {") and dot.rstrip().endswith("}")
    ops = re.findall(r'op\d+ \[shape=ellipse, label="(\w+)"\]', dot)
    assert sorted(ops) == ["add", "multiply", "sigmoid", "sum"]
    tensors = re.findall(r"t\d+ \[shape=box", dot)
    assert len(tensors) == 6  # w, x, w*x, +1, sigmoid, sum
    assert 'label="w\\nfloat32[2]\\nrequires_grad (leaf)", style=filled' in dot
    assert 'label="loss\\nfloat32[]"' in dot
    assert len(re.findall(r"-> op\d+", dot)) == 6  # w, x; w*x and the constant 1.0; sigmoid; sum
    assert len(re.findall(r"op\d+ -> t\d+", dot)) == 4  # one output per op


def test_shared_subgraphs_appear_once():
    a = xn.tensor([1.0], requires_grad=True)
    b = a * 2.0
    dot = xn.viz.graph(b * b)
    assert dot.count('label="multiply"') == 2


def test_render_needs_dot(tmp_path):
    dot = xn.viz.graph(xn.tensor([1.0], requires_grad=True).exp())
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="Graphviz"):
            xn.viz.render(dot, tmp_path / "g.svg")
    else:
        assert xn.viz.render(dot, tmp_path / "g.svg").read_text().lstrip().startswith("<")


def test_user_names_and_constants_are_escaped_in_labels():
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    dot = xn.viz.graph((x * 2.5).sum(), {'my "x"\\ \n<b>': x})
    assert 'label="my \\"x\\"\\\\ \\n<b>\\nfloat32[2]' in dot
    # every label is one well-formed quoted string: unescaped quotes would end it early
    import re

    for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot):
        assert "\n" not in label
    assert dot.count('label="') == len(re.findall(r'label="((?:[^"\\]|\\.)*)"', dot))
