"""The CLI as users drive it: exit codes, one-line errors, JSON outputs (docs/formats.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotetrace import semantic
from quotetrace.cli import app

runner = CliRunner()


def _json(res):  # type: ignore[no-untyped-def]
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_ingest_json_lists_documents_and_bulletin_articles(raw_dir: Path) -> None:
    data = _json(runner.invoke(app, ["ingest", str(raw_dir), "--json"]))
    docs = {d["id"]: d for d in data["documents"]}
    assert len(docs) == 5
    assert len(docs["bit-bulletin"]["articles"]) == 9
    assert all(a["sentences"] > 0 for d in docs.values() for a in d["articles"])


def test_missing_corpus_is_one_line_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["ingest", str(tmp_path / "nope")])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("quotetrace: error: ") and "nope" in lines[0]


def test_binary_file_fails_unless_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("基础研究是整个科学体系的源头。\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    res = runner.invoke(app, ["ingest", str(tmp_path)])
    assert res.exit_code == 2
    assert "bad.txt" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = runner.invoke(app, ["ingest", str(tmp_path), "--skip-bad", "--json"])
    assert res.exit_code == 0
    assert [d["file"] for d in json.loads(res.stdout)["documents"]] == ["good.txt"]


def test_trace_writes_all_outputs(tmp_path: Path, raw_dir: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["trace", str(raw_dir), "--out", str(out), "--json"])
    data = _json(res)
    for name in ("alignments.jsonl", "citations.graphml", "report.json", "report.html"):
        assert (out / name).stat().st_size > 0
    assert data["files"]["html"] == str(out / "report.html")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<mark " in html
    assert not list(out.glob(".*.tmp"))  # written through a temporary file, then renamed
    records = [json.loads(line) for line in (out / "alignments.jsonl").open(encoding="utf-8")]
    assert len(records) == data["passages"] > 0
    raws = {p.name: p.read_text(encoding="utf-8") for p in raw_dir.glob("*.txt")}
    for r in records[:50]:  # every printed text is the raw slice it names
        for side in ("source", "target"):
            s = r[side]
            assert raws[s["file"]][s["start"] : s["end"]] == s["text"]


@pytest.mark.parametrize(
    ("query", "expected_docs"),
    [
        # the 2023 speech, verbatim: the speech and both reprints
        (
            "基础研究处于从研究到应用、再到生产的科研链条起始端，地基打得牢，科技事业大厦才能建得高。",
            {"speech-2023", "bit-bulletin", "compilation-2024"},
        ),
        # the same sentence with a typo and a dropped clause
        (
            "基础研究处于科研链条起始端，地基打的牢，科技事业大厦才能建得高",
            {"speech-2023", "bit-bulletin", "compilation-2024"},
        ),
        # the 2026 symposium remarks
        ("基础研究是整个科学体系的源头，是所有技术问题的总机关", {"bit-bulletin"}),
    ],
)
def test_where_finds_the_sentence_in_the_expected_documents(
    query: str, expected_docs: set[str], raw_dir: Path
) -> None:
    data = _json(runner.invoke(app, ["where", query, "--corpus", str(raw_dir), "--json"]))
    hits = data["hits"]
    assert expected_docs <= {h["doc"] for h in hits}
    assert hits[0]["origin"] is True and sum(h["origin"] for h in hits) == 1
    raws = {p.name: p.read_text(encoding="utf-8") for p in raw_dir.glob("*.txt")}
    for h in hits:
        assert raws[h["file"]][h["start"] : h["end"]] == h["text"]


def test_where_says_plainly_when_nothing_matches(raw_dir: Path) -> None:
    res = runner.invoke(app, ["where", "今天天气很好我们一起去公园散步吧", "--corpus", str(raw_dir)])
    assert res.exit_code == 0 and "not found" in res.stdout
    data = _json(
        runner.invoke(app, ["where", "今天天气很好我们一起去公园散步吧", "--corpus", str(raw_dir), "--json"])
    )
    assert data["hits"] == []


def test_where_says_a_set_phrase_is_not_traced_rather_than_absent(raw_dir: Path) -> None:
    """加强基础研究 occurs dozens of times; saying it occurs nowhere would be false."""
    res = runner.invoke(app, ["where", "加强基础研究", "--corpus", str(raw_dir)])
    assert res.exit_code == 0
    assert "set phrases" in res.stdout and "occurs nowhere" not in res.stdout


def test_where_empty_query_is_exit_2(raw_dir: Path) -> None:
    res = runner.invoke(app, ["where", "   ", "--corpus", str(raw_dir)])
    assert res.exit_code == 2 and "empty query" in res.stderr


def test_report_unknown_document_suggests_close_ids(raw_dir: Path) -> None:
    res = runner.invoke(app, ["report", "bit-buletin", "--corpus", str(raw_dir)])
    assert res.exit_code == 2
    assert "bit-bulletin" in res.stderr


def test_report_json_shares_are_consistent(raw_dir: Path) -> None:
    data = _json(runner.invoke(app, ["report", "--corpus", str(raw_dir), "--format", "json"]))
    docs = {d["doc"]: d for d in data["documents"]}
    for d in docs.values():
        assert d["reused_chars"] + d["original_chars"] == d["characters"]
        assert d["reused_chars"] == sum(a["reused_chars"] for a in d["articles"])
        for a in d["articles"]:
            assert 0.0 <= a["reused_share"] <= 1.0
            assert all(v["chars"] <= a["reused_chars"] for v in a["by_source"].values())
    bulletin = {a["article"]: a for a in docs["bit-bulletin"]["articles"]}
    assert bulletin["bit-bulletin#2"]["reused_share"] > 0.9  # the Qiushi reprint
    assert bulletin["bit-bulletin#4"]["reused_share"] < 0.5  # Ding Xuexiang's readout: mostly original
    assert docs["speech-2023"]["reused_share"] < 0.1  # the origin reuses nothing


def test_report_html_to_stdout_or_file(tmp_path: Path, raw_dir: Path) -> None:
    from .test_html_report import parse

    res = runner.invoke(app, ["report", "bit-bulletin", "--corpus", str(raw_dir), "--format", "html"])
    assert res.exit_code == 0, res.output
    html = res.stdout
    page = parse(html)
    assert page.html_lang == "zh"
    assert {s["data-doc"] for s in page.sections if "data-doc" in s} == {"bit-bulletin"}
    assert len([s for s in page.sections if "data-article" in s]) == 9
    raw = (raw_dir / "bit-bulletin-2026-05-basic-research-symposium.txt").read_text(encoding="utf-8")
    assert page.marks and all(raw[m.start : m.end] == m.text for m in page.marks)
    out = tmp_path / "r.html"
    res = runner.invoke(
        app, ["report", "bit-bulletin", "--corpus", str(raw_dir), "--format", "html", "-o", str(out)]
    )
    assert res.exit_code == 0 and res.stdout == ""
    assert out.read_text(encoding="utf-8") == html


def test_report_unknown_format_is_exit_2(raw_dir: Path) -> None:
    res = runner.invoke(app, ["report", "--corpus", str(raw_dir), "--format", "pdf"])
    assert res.exit_code == 2
    assert res.stderr.strip() == "quotetrace: error: unknown format 'pdf': use table, json, csv or html"


def test_graph_writes_graphml(tmp_path: Path, raw_dir: Path) -> None:
    import networkx as nx

    out = tmp_path / "g.graphml"
    res = runner.invoke(app, ["graph", "--corpus", str(raw_dir), "-o", str(out), "--level", "document"])
    assert res.exit_code == 0, res.output
    g = nx.read_graphml(out)
    assert g.number_of_nodes() == 5 and g.number_of_edges() > 0


def test_real_subprocess_error_exit_code(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "quotetrace", "ingest", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "missing" in proc.stderr


def test_corrupt_index_is_reported_and_rebuilt_on_request(tmp_corpus: Path) -> None:
    res = runner.invoke(app, ["where", "基础研究是整个科学体系的源头", "--corpus", str(tmp_corpus), "--json"])
    assert res.exit_code == 0
    db = tmp_corpus / ".quotetrace" / "index.sqlite"
    assert db.exists()
    db.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (db.parent / (db.name + suffix)).unlink(missing_ok=True)
    res = runner.invoke(app, ["where", "基础研究是整个科学体系的源头", "--corpus", str(tmp_corpus)])
    assert res.exit_code == 2
    assert "corrupt index" in res.stderr and "--rebuild" in res.stderr
    res = runner.invoke(
        app, ["where", "基础研究是整个科学体系的源头", "--corpus", str(tmp_corpus), "--rebuild", "--json"]
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["hits"]


def test_trace_updates_incrementally_when_a_file_is_added(tmp_corpus: Path, tmp_path: Path) -> None:
    first = _json(runner.invoke(app, ["trace", str(tmp_corpus), "--out", str(tmp_path / "o1"), "--json"]))
    (tmp_corpus / "commentary.txt").write_text(
        "# 一篇新评论\n\n（来源：某报，2026年6月1日）\n\n正如总书记所说，“基础研究处于从研究到应用、再到生产的科研链条起始端，"
        "地基打得牢，科技事业大厦才能建得高。”我们要久久为功。\n",
        encoding="utf-8",
    )
    second = _json(runner.invoke(app, ["trace", str(tmp_corpus), "--out", str(tmp_path / "o2"), "--json"]))
    assert second["documents"] == first["documents"] + 1
    records = [json.loads(x) for x in (tmp_path / "o2" / "alignments.jsonl").open(encoding="utf-8")]
    new = [r for r in records if r["target"]["file"] == "commentary.txt"]
    assert new and all(r["source"]["doc"] != "commentary" for r in records)
    assert any(r["quoted"] and r["kind"] == "verbatim" for r in new)


def test_where_finds_a_phrase_shorter_than_a_shingle(raw_dir: Path) -> None:
    data = _json(runner.invoke(app, ["where", "两弹一星", "--corpus", str(raw_dir), "--json"]))
    assert {"speech-2023", "bit-bulletin", "compilation-2024"} <= {h["doc"] for h in data["hits"]}
    assert all(h["text"] == "两弹一星" for h in data["hits"])


def test_read_only_corpus_keeps_its_index_in_the_cache(tmp_corpus: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    from quotetrace import pipeline

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(os, "access", lambda p, mode: False)  # as if the folder were read-only
    path = pipeline._index_path(tmp_corpus)
    assert str(path).startswith(str(tmp_path / "cache")) and not (tmp_corpus / ".quotetrace").exists()


def test_align_writes_jsonl_that_reads_back(tmp_path: Path, raw_dir: Path) -> None:
    from quotetrace import store

    out = tmp_path / "a.jsonl"
    res = runner.invoke(app, ["align", str(raw_dir), "-o", str(out)])
    assert res.exit_code == 0, res.output
    records = store.read_alignments(out)
    assert records and {r["kind"] for r in records} <= {
        "verbatim",
        "near_verbatim",
        "paraphrase",
        "translation",
    }
    assert all(
        r["source"]["file"] != r["target"]["file"] or r["source"]["article"] != r["target"]["article"]
        for r in records
    )


def test_eval_json_against_the_dev_gold(tmp_path: Path, raw_dir: Path) -> None:
    from .conftest import GOLD_DEV

    if not (GOLD_DEV / "gold.jsonl").exists():
        pytest.skip("../shared/gold-dev not present")
    out = tmp_path / "a.jsonl"
    assert runner.invoke(app, ["align", str(raw_dir), "-o", str(out)]).exit_code == 0
    data = _json(
        runner.invoke(
            app, ["eval", "--gold", str(GOLD_DEV / "gold.jsonl"), "--alignments", str(out), "--json"]
        )
    )
    assert 0.0 <= data["overall"]["precision"] <= 1.0 and data["overall"]["recall"] > 0.5


def test_eval_bad_gold_file_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "gold.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    res = runner.invoke(app, ["eval", "--gold", str(bad), "--alignments", str(bad)])
    assert res.exit_code == 2 and "gold.jsonl" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_trace_error_in_a_real_process_is_exactly_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02 binary")
    proc = subprocess.run(
        [sys.executable, "-m", "quotetrace", "trace", str(tmp_path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("quotetrace: error:") and proc.stderr.count("\n") == 1
    assert "bad.txt" in proc.stderr and not (tmp_path / "out").exists()


def test_a_failed_first_trace_leaves_no_index_behind(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02 binary")
    res = runner.invoke(app, ["trace", str(corpus), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert sorted(p.name for p in corpus.iterdir()) == ["bad.txt"]


def test_a_folder_named_like_a_text_file_is_named_in_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "notes.txt").mkdir(parents=True)
    (corpus / "notes.txt" / "scan.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "a.txt").write_text(
        "基础研究是整个科学体系的源头，是所有技术问题的总机关。\n", encoding="utf-8"
    )
    for command in (["trace", str(corpus), "--out", str(tmp_path / "out")], ["ingest", str(corpus)]):
        res = runner.invoke(app, command)
        assert res.exit_code == 0
        assert "notes.txt: a folder, not a text file" in res.stderr


def test_an_empty_file_is_named_in_a_warning_and_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "基础研究是整个科学体系的源头，是所有技术问题的总机关。\n", encoding="utf-8"
    )
    (corpus / "empty.txt").write_bytes(b"")
    res = runner.invoke(app, ["trace", str(corpus), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0
    assert "empty.txt: empty file" in res.stderr
    data = _json(runner.invoke(app, ["ingest", str(corpus), "--json"]))
    assert [d["file"] for d in data["documents"]] == ["a.txt"]


def test_outputs_are_written_as_one_set(tmp_path: Path) -> None:
    """A folder in the way of report.json: exit 2 with one line, and no other output was
    replaced or left behind half-way (nothing written, no temporary files)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "基础研究是整个科学体系的源头，是所有技术问题的总机关。地基打得牢，科技事业大厦才能建得高。\n"
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    (corpus / "b.txt").write_text("评论：" + text, encoding="utf-8")
    out = tmp_path / "out"
    (out / "report.json").mkdir(parents=True)
    res = runner.invoke(app, ["trace", str(corpus), "--out", str(out)])
    assert res.exit_code == 2
    assert "report.json" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]


def test_where_lists_no_short_fragments_of_a_long_query(raw_dir: Path) -> None:
    """实现高水平科技自立自强 appears in many sentences; it is not where the whole sentence went."""
    query = "加强基础研究，是实现高水平科技自立自强的迫切要求，是建设世界科技强国的必由之路。"
    data = _json(runner.invoke(app, ["where", query, "--corpus", str(raw_dir), "--json"]))
    assert data["hits"] and all(h["coverage"] >= 0.4 for h in data["hits"])
    assert sum(h["coverage"] == 1.0 for h in data["hits"]) >= 3  # the speech and its reprints


def test_align_without_the_semantic_channel_gives_the_lexical_channels_alone(
    raw_dir: Path, tmp_path: Path
) -> None:
    lexical, default = tmp_path / "lexical.jsonl", tmp_path / "default.jsonl"
    assert runner.invoke(app, ["align", str(raw_dir), "-o", str(lexical), "--no-semantic"]).exit_code == 0
    kinds = {json.loads(line)["kind"] for line in lexical.read_text(encoding="utf-8").splitlines()}
    assert "translation" not in kinds and {"verbatim", "near_verbatim"} <= kinds
    if semantic.available():  # the default: on when the extra is installed
        assert runner.invoke(app, ["align", str(raw_dir), "-o", str(default)]).exit_code == 0
        assert '"kind": "translation"' in default.read_text(encoding="utf-8")
