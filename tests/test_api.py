"""The Python API in quotetrace/__init__.py: what the README and the module docstring promise."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import quotetrace
from quotetrace import pipeline

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves() -> None:
    for name in quotetrace.__all__:
        assert getattr(quotetrace, name) is not None


def test_the_api_is_the_pipeline() -> None:
    assert quotetrace.trace is pipeline.trace
    assert quotetrace.align_corpus is pipeline.align_corpus


def test_trace_from_python(raw_dir: Path, tmp_path: Path) -> None:
    result = quotetrace.trace(raw_dir, config=quotetrace.Config(semantic=False))
    assert result.alignments and all(isinstance(a, quotetrace.Alignment) for a in result.alignments)
    raws = {d.id: d.raw for d in result.documents}
    a = result.alignments[0]
    assert a.target.span.of(raws[a.target.doc_id])  # raw spans, as everywhere
    files = quotetrace.write_outputs(result, tmp_path)
    assert files["alignments"].exists()


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError):
        quotetrace.no_such_thing  # noqa: B018


def test_version_matches_the_package_metadata() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert quotetrace.__version__ == meta["project"]["version"]


def test_no_public_name_shadows_a_submodule() -> None:
    modules = {p.stem for p in (ROOT / "src" / "quotetrace").glob("*.py")}
    assert not set(quotetrace.__all__) & modules


def test_every_command_runs_in_a_fresh_process(raw_dir: Path, tmp_path: Path) -> None:
    """Import order inside one test process can hide a package attribute shadowing a module."""
    import subprocess
    import sys

    for args in (
        ["report", "--corpus", str(raw_dir), "--format", "json"],
        ["report", "--corpus", str(raw_dir), "--format", "csv"],
        ["graph", "--corpus", str(raw_dir), "-o", str(tmp_path / "g.graphml")],
        ["where", "基础研究是整个科学体系的源头", "--corpus", str(raw_dir), "--json"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "quotetrace", *args], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, (args, proc.stderr)
