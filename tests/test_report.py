"""report: design.md §6 numbers from alignments, on hand-made articles."""

from __future__ import annotations

from quotetrace.model import Alignment, Corpus, Document, DocumentMeta, Kind, Side, Span
from quotetrace.report import csv_rows, report_json, summarise

from .helpers import article

SRC = "基础研究是整个科学体系的源头。要以更大力度加强基础研究。"
TGT = "评论指出，基础研究是整个科学体系的源头。我们要久久为功。"


def _corpus() -> tuple[Corpus, list[Alignment]]:
    pa_s, raw_s = article("s", SRC)
    pa_t, raw_t = article("t", TGT)
    docs = (
        Document("s", "s.txt", raw_s, "utf-8", "", DocumentMeta(date="2023-02-21")),
        Document("t", "t.txt", raw_t, "utf-8", "", DocumentMeta(date="2026-05-02")),
    )
    start = TGT.index("基础研究")
    end = TGT.index("。", start) + 1
    a = Alignment(
        Side("s", "s", Span(0, SRC.index("。") + 1)), Side("t", "t", Span(start, end)), Kind.VERBATIM, 1.0
    )
    return Corpus("mem", docs, (pa_s, pa_t)), [a]


def test_reused_and_original_characters_follow_the_target_spans() -> None:
    corpus, als = _corpus()
    reports = {r.doc_id: r for r in summarise(als, corpus)}
    t = reports["t"]
    reused = len("基础研究是整个科学体系的源头。")
    assert t.characters == len(TGT)
    assert t.reused_chars == reused
    assert t.original_chars == len(TGT) - reused
    assert abs(t.reused_share - reused / len(TGT)) < 1e-9
    assert t.by_source == {"s": reused} and t.by_kind == {"verbatim": reused}
    assert reports["s"].reused_chars == 0  # the source reuses nothing


def test_listed_spans_are_raw_text_and_json_csv_agree() -> None:
    corpus, als = _corpus()
    data = report_json(summarise(als, corpus))
    (t,) = [d for d in data["documents"] if d["doc"] == "t"]
    (span,) = t["articles"][0]["spans"]
    assert TGT[span["start"] : span["end"]] == span["text"] == "基础研究是整个科学体系的源头。"
    rows = {r["doc"]: r for r in csv_rows(summarise(als, corpus))}
    assert rows["t"]["reused_chars"] == t["reused_chars"] and rows["t"]["top_source"] == "s"


def test_named_documents_only() -> None:
    corpus, als = _corpus()
    assert [r.doc_id for r in summarise(als, corpus, docs=["t"])] == ["t"]
