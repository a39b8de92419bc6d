"""The README's code blocks run as written (in one namespace, in order)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 3
    namespace: dict = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    assert namespace["loss"].item() < 0.5  # the first example trains
    for block in blocks[1:]:
        exec(compile(block, str(README), "exec"), namespace)


def test_readme_commands_match_ci():
    text = README.read_text()
    run = (README.parent / ".ci" / "run").read_text()
    assert "    bash ci/cpu.sh\n" in text
    assert "exec bash ci/cpu.sh" in run
