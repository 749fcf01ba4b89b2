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
