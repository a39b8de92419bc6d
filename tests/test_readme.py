"""The README's code blocks run as written (in one namespace, in order)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert namespace["loss"].item() < 0.5


def test_readme_commands_match_ci():
    text = README.read_text()
    run = (README.parent / ".ci" / "run").read_text()
    assert "    bash ci/cpu.sh\n" in text
    assert "exec bash ci/cpu.sh" in run
