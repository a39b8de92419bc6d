"""The README's and the documentation's code blocks run as written (in one namespace, in the
site's order), and the README's links and commands are true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _nav_pages() -> list[Path]:
    """The site's pages in mkdocs.yml's order."""
    return [
        DOCS / m
        for m in re.findall(r":\s*([\w/-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M)
    ]


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks
    namespace: dict = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    assert namespace["loss"].item() < 0.5  # the first example trains
    for block in blocks[1:]:
        exec(compile(block, str(README), "exec"), namespace)


def test_guide_examples_run(tmp_path, monkeypatch):
    """Every ```python block of the guides, in the site's order, in one namespace (a
    guide may use what an earlier one defined, as the README's sections did)."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    ran = 0
    for page in _nav_pages():
        for block in re.findall(r"```python\n(.*?)```", page.read_text(), re.S):
            exec(compile(block, str(page), "exec"), namespace)
            ran += 1
    assert ran >= 10


def test_tutorials_run_and_check_themselves():
    """The tutorials' blocks (executed by the site build too) run, each page in its own
    namespace; their asserts compare autodiff with the hand-derived formulas."""
    pages = sorted((DOCS / "tutorials").glob("*.md"))
    assert len(pages) >= 3
    for page in pages:
        namespace: dict = {}
        blocks = re.findall(r'```python exec="on"[^\n]*\n(.*?)```', page.read_text(), re.S)
        assert blocks, page
        for block in blocks:
            exec(compile(block, str(page), "exec"), namespace)


def test_readme_links_exist():
    links = re.findall(r"\]\(([^)#:]+)\)", README.read_text())
    assert links
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, missing


def test_every_page_is_in_the_site():
    pages = {p.relative_to(DOCS) for p in DOCS.rglob("*.md")}
    assert pages == {p.relative_to(DOCS) for p in _nav_pages()}, "add new pages to mkdocs.yml's nav"


def test_readme_commands_match_ci():
    text = README.read_text()
    run = (ROOT / ".ci" / "run").read_text()
    assert "    bash ci/cpu.sh\n" in text
    assert "exec bash ci/cpu.sh" in run
