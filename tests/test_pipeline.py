"""The persistent-index paths give the same answers as a trace from scratch."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotetrace import pipeline, semantic
from quotetrace.config import Config
from quotetrace.model import Kind


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


def _chinese_only(folder: Path) -> Path:
    """The seed corpus without its English translation (one language: no forced full realign)."""
    (folder / "csis-translation-2023-study-session-readout.txt").unlink()
    manifest = folder / "manifest.toml"
    blocks = manifest.read_text(encoding="utf-8").split("[[document]]")
    manifest.write_text(
        "[[document]]".join(b for b in blocks if "csis-translation" not in b), encoding="utf-8"
    )
    return folder


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_incremental_update_keeps_the_semantic_paraphrases_of_the_changed_file(
    tmp_corpus: Path, tmp_path: Path
) -> None:
    """Editing a file re-aligns it with every channel, not only the lexical one: its semantic
    paraphrases (the Beijing policy rewording the speech) survive an incremental trace."""
    folder = _chinese_only(tmp_corpus)
    cfg = Config(semantic=True)
    pipeline.trace_indexed(folder, config=cfg)
    target = folder / "beijing-universities-basic-research-opinions.txt"
    target.write_text(
        target.read_text(encoding="utf-8") + "\n附：本意见自印发之日起施行。\n", encoding="utf-8"
    )
    incremental = pipeline.trace_indexed(folder, config=cfg)
    fresh = pipeline.trace_indexed(folder, config=cfg, index=tmp_path / "fresh.sqlite", rebuild=True)
    assert _key(incremental) == _key(fresh)
    assert any(
        a.kind == Kind.PARAPHRASE and "beijing-policy" in (a.source.doc_id, a.target.doc_id)
        for a in incremental.alignments
    )


def test_trace_matches_the_in_memory_pipeline(raw_dir: Path, tmp_path: Path, seed_corpus) -> None:  # type: ignore[no-untyped-def]
    cfg = Config(semantic=False)
    indexed = pipeline.trace_indexed(raw_dir, config=cfg, index=tmp_path / "i.sqlite")
    memory = pipeline.trace(seed_corpus, config=cfg)
    assert _key(indexed) == _key(memory)


def test_a_corpus_nobody_tuned_to_commentary_traditional_reprint_and_gbk_policy(tmp_path: Path) -> None:
    """Three texts written for this test around the real 2023 speech: a commentary quoting it,
    a Hong Kong reprint in Traditional script, and a GB18030 provincial plan copying it silently."""
    raw = Path(__file__).resolve().parents[1] / "data" / "raw" / "speech-2023-02-21-basic-research-qiushi.txt"
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "2023-02-21_speech.txt").write_bytes(raw.read_bytes())
    (folder / "2023-03-01_commentary.txt").write_text(
        "评论员文章\n（来源：《人民日报》2023年3月1日）\n\n习近平总书记强调：“加强基础研究，是实现高水平科技"
        "自立自强的迫切要求，是建设世界科技强国的必由之路。”这一重要论述指明了方向。\n\n"
        "今年春天，多地召开科技工作会议，部署全年任务。\n",
        encoding="utf-8",
    )
    (folder / "2023-08-05_hk-reprint.txt").write_text(
        "香港報章轉載\n（來源：文匯報 2023年8月5日）\n\n加強基礎研究，是實現高水平科技自立自強的迫切要求，"
        "是建設世界科技強國的必由之路。\n",
        encoding="utf-8",
    )
    (folder / "2024-01-10_plan.txt").write_bytes(
        "某省实施方案\n（2024年1月10日）\n\n二、重点任务。要协同构建中国特色国家实验室体系，"
        "布局建设基础学科研究中心，加快建设基础研究特区。\n三、保障措施。各市要加大财政投入。\n".encode(
            "gb18030"
        )
    )
    result = pipeline.trace(folder, config=Config(semantic=False))
    edges = {(a.source.doc_id, a.target.doc_id, str(a.kind), a.quoted) for a in result.alignments}
    assert ("2023-02-21_speech", "2023-03-01_commentary", "verbatim", True) in edges
    assert ("2023-02-21_speech", "2023-08-05_hk-reprint", "verbatim", False) in edges
    assert ("2023-02-21_speech", "2024-01-10_plan", "verbatim", False) in edges
    # the speech is the origin of all of it, and the unrelated sentences are nobody's reuse
    assert all(a.source.doc_id == "2023-02-21_speech" for a in result.alignments)
    docs = {d.id: d for d in result.documents}
    for a in result.alignments:
        shown = a.target.span.of(docs[a.target.doc_id].raw)
        assert "会议" not in shown and "财政" not in shown


def test_a_failed_rebuild_leaves_the_previous_index_as_it_was(tmp_corpus: Path) -> None:
    """--rebuild builds beside the old index: a broken manifest must not cost the user it."""
    from quotetrace import indexdb
    from quotetrace.errors import ManifestError

    cfg = Config(semantic=False)
    before = pipeline.trace_indexed(tmp_corpus, config=cfg)
    path = indexdb.default_index_path(tmp_corpus)
    db = indexdb.open_index(path)
    stored = len(indexdb.read_alignments(db))
    db.close()
    manifest = tmp_corpus / "manifest.toml"
    good = manifest.read_text(encoding="utf-8")
    manifest.write_text(good + "\n[[document]\nbroken", encoding="utf-8")
    with pytest.raises(ManifestError):
        pipeline.trace_indexed(tmp_corpus, config=cfg, rebuild=True)
    assert path.exists() and not path.with_name(path.name + ".rebuild").exists()
    db = indexdb.open_index(path)
    try:
        assert len(indexdb.load_documents(db)) == len(before.documents)
        assert len(indexdb.read_alignments(db)) == stored > 0
    finally:
        db.close()
    manifest.write_text(good, encoding="utf-8")
    rebuilt = pipeline.trace_indexed(tmp_corpus, config=cfg, rebuild=True)
    assert _key(rebuilt) == _key(before)


def test_trace_names_a_manifest_date_the_text_contradicts(tmp_path: Path) -> None:
    (tmp_path / "notice.txt").write_text(
        "某县科协关于开展宣讲活动的通知\n\n各乡镇：现将有关事项通知如下。\n\n某县科协　2023年4月3日\n",
        encoding="utf-8",
    )
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nid = "notice"\nfile = "notice.txt"\ndate = "2022-12-01"\n', encoding="utf-8"
    )
    for _ in range(2):  # the first trace builds the index, the second reads it unchanged
        result = pipeline.trace_indexed(tmp_path, config=Config(semantic=False), index=tmp_path / "i.sqlite")
        assert any("notice.txt" in i and "2023-04-03" in i for i in result.corpus.issues)


def test_a_short_edited_clause_counts_only_beside_other_reuse_of_the_same_articles(tmp_path: Path) -> None:
    speech = (
        "讲话\n\n2024年6月24日\n\n要坚持以科技创新需求为牵引，优化高等学校学科设置，创新人才培养模式，"
        "切实提高人才自主培养水平和质量。要把加快建设国家战略人才力量作为重中之重。\n"
    )
    (tmp_path / "2024-06-24_speech.txt").write_text(speech, encoding="utf-8")
    report = "通报\n\n2024年7月1日\n\n会议要求，根据发展新趋势，优化高等学校学科设置、人才培养模式，培养急需人才。\n"
    (tmp_path / "2024-07-01_report.txt").write_text(report, encoding="utf-8")
    cfg = Config(semantic=False)
    assert pipeline.trace(tmp_path, config=cfg).alignments == []
    # the same clause beside a sentence taken word for word: part of one reuse, reported
    (tmp_path / "2024-07-01_report.txt").write_text(
        report.rstrip("\n") + "要把加快建设国家战略人才力量作为重中之重。\n", encoding="utf-8"
    )
    res = pipeline.trace(tmp_path, config=cfg)
    raw = (tmp_path / "2024-07-01_report.txt").read_text(encoding="utf-8")
    covered = "".join(a.target.span.of(raw) for a in res.alignments)
    assert "优化高等学校学科设置、人才培养模式" in covered and "作为重中之重" in covered
