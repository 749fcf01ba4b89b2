"""Regenerate docs/cli.md from the commands' --help (tests/test_docs.py fails when it is stale).

python tools/gen_cli_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from quotetrace.cli import app  # noqa: E402

COMMANDS = ("trace", "where", "report", "graph", "align", "ingest", "eval")


def render() -> str:
    runner = CliRunner()
    parts = [
        "# Command line\n",
        "Generated from `--help` by `python tools/gen_cli_docs.py`; `tests/test_docs.py` fails when it is stale.\n",
        "Errors: one line on stderr, `quotetrace: error: <file>: <problem>`, exit code 2 for bad input or",
        "usage, 1 for an internal failure (`QUOTETRACE_DEBUG=1` shows the traceback).\n",
    ]
    for cmd in COMMANDS:
        res = runner.invoke(
            app,
            [cmd, "--help"],
            prog_name="quotetrace",
            env={"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"},
        )
        text = "\n".join(line.rstrip() for line in res.output.splitlines())
        parts.append(f"## `quotetrace {cmd}`\n\n```\n{text.strip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    (ROOT / "docs" / "cli.md").write_text(render(), encoding="utf-8")
    print("wrote docs/cli.md")
