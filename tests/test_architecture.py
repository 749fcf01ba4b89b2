"""Pure core, thin shell (style.md §3): core modules never import typer/rich, jieba lives only in
tokens.py, rapidfuzz's scorers only in align-side modules, and only the shell opens files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "quotetrace"
SHELL = {"cli.py", "render.py", "__main__.py"}
IO_ALLOWED = {
    "ingest.py",
    "store.py",
    "indexdb.py",
    "graph.py",
    "cli.py",
    "render.py",
    "semantic.py",
    "index.py",
    "tokens.py",
}


def _imports(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


MODULES = sorted(p for p in SRC.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_core_modules_stay_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports = _imports(tree)
    if path.name not in SHELL:
        assert not imports & {"typer", "rich"}, f"{path.name} imports a terminal library"
    if path.name != "tokens.py":
        assert "jieba" not in imports, f"{path.name} imports jieba (only tokens.py may)"
    if path.name not in {"graph.py"}:
        assert "networkx" not in imports, f"{path.name} imports networkx (only graph.py may)"
    if path.name not in IO_ALLOWED:
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        assert not [c for c in calls if c.func.id in ("open", "print")], f"{path.name} calls open()/print()"
