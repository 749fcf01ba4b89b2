"""Docs stay true: every command has help text and docs/cli.md matches --help (sqlite-utils style)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotetrace.cli import app

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "tools" / "gen_cli_docs.py")
assert _spec and _spec.loader
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


@pytest.mark.parametrize("cmd", gen.COMMANDS)
def test_every_command_has_help_with_an_example(cmd: str) -> None:
    res = CliRunner().invoke(app, [cmd, "--help"])
    assert res.exit_code == 0
    assert "Example: quotetrace" in res.output


def test_cli_docs_are_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == gen.render(), (
        "docs/cli.md is stale: run python tools/gen_cli_docs.py"
    )


def test_readme_opens_with_the_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```")[1]
    assert "make trace" in first_block and "make test" in first_block
