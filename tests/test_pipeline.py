"""The persistent-index paths give the same answers as a trace from scratch."""

from __future__ import annotations

from pathlib import Path

from quotetrace import pipeline
from quotetrace.config import Config


def _key(result):  # type: ignore[no-untyped-def]
    return sorted(
        (
            a.source.doc_id,
            a.source.span.start,
            a.source.span.end,
            a.target.doc_id,
            a.target.span.start,
            a.target.span.end,
            str(a.kind),
        )
        for a in result.alignments
    )


def test_where_between_edit_and_trace_loses_nothing(tmp_corpus: Path, tmp_path: Path) -> None:
    cfg = Config(semantic=False)
    pipeline.trace_indexed(tmp_corpus, config=cfg)
    target = tmp_corpus / "beijing-universities-basic-research-opinions.txt"
    target.write_text(
        target.read_text(encoding="utf-8")
        + "\n基础研究处于从研究到应用、再到生产的科研链条起始端，地基打得牢，科技事业大厦才能建得高。\n",
        encoding="utf-8",
    )
    pipeline.where_indexed("基础研究是整个科学体系的源头", tmp_corpus)  # syncs the index first
    incremental = pipeline.trace_indexed(tmp_corpus, config=cfg)
    fresh = pipeline.trace_indexed(tmp_corpus, config=cfg, index=tmp_path / "fresh.sqlite", rebuild=True)
    assert _key(incremental) == _key(fresh)
    appended = [a for a in incremental.alignments if a.target.doc_id == "beijing-policy"]
    raw = target.read_text(encoding="utf-8")
    assert any("地基打得牢" in a.target.span.of(raw) for a in appended)


def test_trace_matches_the_in_memory_pipeline(raw_dir: Path, tmp_path: Path, seed_corpus) -> None:  # type: ignore[no-untyped-def]
    cfg = Config(semantic=False)
    indexed = pipeline.trace_indexed(raw_dir, config=cfg, index=tmp_path / "i.sqlite")
    memory = pipeline.trace(seed_corpus, config=cfg)
    assert _key(indexed) == _key(memory)
