"""html_report: one self-contained page whose every <mark> is the raw slice it names."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from quotetrace import pipeline
from quotetrace.html_report import render_html, segments
from quotetrace.ingest import decode
from quotetrace.model import Alignment, Corpus, Document, DocumentMeta, Kind, Side, Span
from quotetrace.report import DocumentReport, ReusedSpan, report_json, summarise

from .helpers import article

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source", "track"}


@dataclass
class Mark:
    doc: str
    article: str
    start: int
    end: int
    cls: str
    title: str
    text: str = ""


class Page(HTMLParser):
    """A strict reading of the page: every end tag closes the element opened last, marks never
    nest, and each mark remembers its document, article, attributes and (unescaped) text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marks: list[Mark] = []
        self.problems: list[str] = []
        self.sections: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self.html_lang: str | None = None
        self.stack: list[str] = []
        self.doc = ""
        self.article = ""
        self.mark: Mark | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        self.urls += [v for k, v in a.items() if k in ("src", "href") and not v.startswith("#")]
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "section":
            self.sections.append(a)
            self.doc = a.get("data-doc", self.doc)
            self.article = a.get("data-article", self.article)
        if tag == "mark":
            if self.mark is not None:
                self.problems.append(f"nested mark at {self.getpos()}")
            self.mark = Mark(
                self.doc, self.article, int(a["data-start"]), int(a["data-end"]), a["class"], a["title"]
            )
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(
                f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}"
            )
            return
        self.stack.pop()
        if tag == "mark" and self.mark is not None:
            self.marks.append(self.mark)
            self.mark = None

    def handle_data(self, data: str) -> None:
        if self.mark is not None:
            self.mark.text += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert not page.problems, page.problems[:5]
    assert page.stack == [], f"unclosed: {page.stack}"
    return page


# --------------------------------------------------------------------------- the seed corpus


SeedPage = tuple[str, list[DocumentReport], Corpus]


@pytest.fixture(scope="module")
def seed_page(seed_corpus: Corpus) -> SeedPage:
    result = pipeline.trace(seed_corpus)
    reports = summarise(result.alignments, result.corpus)
    return render_html(reports, result.corpus), reports, result.corpus


def test_seed_page_is_well_formed_self_contained_utf8_zh(seed_page: SeedPage) -> None:
    html, reports, _ = seed_page
    page = parse(html)
    assert html.startswith("<!DOCTYPE html>") and page.html_lang == "zh"
    assert '<meta charset="utf-8">' in html
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert page.urls == []  # in-page anchors only: nothing fetched
    assert "url(" not in html and "@import" not in html
    assert {s["data-doc"] for s in page.sections if "data-doc" in s} == {r.doc_id for r in reports}
    html.encode("utf-8")  # no lone surrogates


def test_every_mark_is_the_raw_slice_it_names(seed_page: SeedPage, raw_dir: Path) -> None:
    html, _, corpus = seed_page
    raws = {d.id: decode((raw_dir / d.file).read_bytes(), file=d.file)[0] for d in corpus.documents}
    marks = parse(html).marks
    assert len(marks) > 50
    for m in marks:
        assert m.start < m.end
        assert raws[m.doc][m.start : m.end] == m.text, (m.doc, m.start, m.end)


def test_marks_cover_exactly_the_reused_spans_without_overlap(seed_page: SeedPage) -> None:
    html, reports, corpus = seed_page
    marks = parse(html).marks
    art_span = {pa.article.id: pa.article.span for pa in corpus.articles}
    overlapping = 0
    for r in reports:
        for a in r.articles:
            mine = sorted((m for m in marks if m.article == a.article_id), key=lambda m: m.start)
            for m1, m2 in zip(mine, mine[1:], strict=False):
                assert m1.end <= m2.start  # segments, never overlapping marks
            covered = {i for m in mine for i in range(m.start, m.end)}
            sp = art_span[a.article_id]
            expected = {i for s in a.spans for i in range(max(s.start, sp.start), min(s.end, sp.end))}
            assert covered == expected, a.article_id
            for m in mine:
                assert m.cls.split()[0] in {"verbatim", "near_verbatim", "paraphrase", "translation"}
                sources = [s for s in a.spans if s.start <= m.start and m.end <= s.end]
                assert m.title.count("\n") + 1 == len(sources)
                for s in sources:
                    assert f"{s.kind} from {s.source_article}" in m.title
                overlapping += len(sources) > 1
    assert overlapping > 0  # the seeds do have passages reused from several copies of a source


def test_page_shows_the_json_numbers(seed_page: SeedPage) -> None:
    html, reports, _ = seed_page
    page = parse(html)
    data = report_json(reports)
    by_article = {s["data-article"]: s for s in page.sections if "data-article" in s}
    for d in data["documents"]:
        for a in d["articles"]:
            s = by_article[a["article"]]
            assert int(s["data-reused-chars"]) == a["reused_chars"]
            assert int(s["data-original-chars"]) == a["original_chars"]
            assert float(s["data-reused-share"]) == a["reused_share"]
            assert f"{a['reused_share'] * 100:.2f}%" in html


# --------------------------------------------------------------------------- hand-made texts

SRC1 = "基础研究是整个科学体系的源头。要以更大力度加强基础研究。"
SRC2 = "我们要以更大力度加强基础研究，久久为功。"


def _reused(start: int, end: int, kind: str, source: str) -> ReusedSpan:
    return ReusedSpan(start, end, "", source, source, 0, 1, kind, 1.0, False, False)


def test_segments_cut_overlaps_and_list_every_source() -> None:
    a = _reused(0, 10, "paraphrase", "s1")
    b = _reused(5, 15, "verbatim", "s2")
    c = _reused(5, 10, "near_verbatim", "s3")
    segs = segments([a, b, c])
    assert [(s.start, s.end) for s in segs] == [(0, 5), (5, 10), (10, 15)]
    assert [x.source_doc for x in segs[1].spans] == ["s2", "s3", "s1"]  # strongest kind first
    assert segs[0].spans == (a,) and segs[2].spans == (b,)
    assert [(s.start, s.end) for s in segments([a, b], start=3, end=12)] == [(3, 5), (5, 10), (10, 12)]
    assert segments([_reused(20, 30, "verbatim", "s")], start=0, end=10) == []


def _corpus_with(target: str, spans: list[tuple[str, int, int, Kind]]) -> tuple[Corpus, list[Alignment]]:
    pa_1, raw_1 = article("s1", SRC1)
    pa_2, raw_2 = article("s2", SRC2)
    pa_t, raw_t = article("t", target)
    docs = (
        Document("s1", "s1.txt", raw_1, "utf-8", "", DocumentMeta(title="源头", date="2023-02-21")),
        Document("s2", "s2.txt", raw_2, "utf-8", "", DocumentMeta(date="2024-06-24")),
        Document(
            "t", "t.txt", raw_t, "utf-8", "", DocumentMeta(title="<b>评论 & 转载</b>", date="2026-05-02")
        ),
    )
    als = [
        Alignment(Side(src, src, Span(0, 5)), Side("t", "t", Span(s, e)), kind, 0.9)
        for src, s, e, kind in spans
    ]
    return Corpus("<mem & co>", docs, (pa_1, pa_2, pa_t)), als


def test_overlapping_passages_give_flat_marks_naming_all_sources() -> None:
    target = "评论指出，要以更大力度加强基础研究。我们要久久为功。"
    s = target.index("要以")
    m = target.index("基础研究")
    e = target.index("。", s) + 1
    corpus, als = _corpus_with(target, [("s1", s, e, Kind.VERBATIM), ("s2", m, len(target), Kind.PARAPHRASE)])
    page = parse(render_html(summarise(als, corpus), corpus))
    marks = [mk for mk in page.marks if mk.doc == "t"]
    assert [(mk.start, mk.end) for mk in marks] == [(s, m), (m, e), (e, len(target))]
    assert [mk.cls for mk in marks] == ["verbatim", "verbatim multi", "paraphrase"]
    assert "verbatim from s1 源头 (2023-02-21)" in marks[1].title and "paraphrase from s2" in marks[1].title
    for mk in marks:
        assert target[mk.start : mk.end] == mk.text


def test_markup_and_ampersands_in_texts_are_escaped() -> None:
    target = '前言<script>alert("x")</script> & <b>要以更大力度加强基础研究。</b>'
    s = target.index("<script>")
    e = target.index("</b>") + 4
    corpus, als = _corpus_with(target, [("s1", s, e, Kind.VERBATIM)])
    html = render_html(summarise(als, corpus), corpus)
    assert "<script" not in html.lower() and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "&lt;b&gt;评论 &amp; 转载&lt;/b&gt;" in html and "&lt;mem &amp; co&gt;" in html
    page = parse(html)
    (mk,) = [mk for mk in page.marks if mk.doc == "t"]
    assert mk.text == target[s:e] and "<script>" in mk.text  # unescaped, it is the raw text again


def test_no_reuse_still_gives_a_page() -> None:
    corpus, _ = _corpus_with("完全原创的一句话。", [])
    page = parse(render_html(summarise([], corpus), corpus))
    assert page.marks == []
    assert all(float(s["data-reused-share"]) == 0.0 for s in page.sections if "data-article" in s)


def test_trace_leaves_the_html_page_out_for_a_corpus_too_big_to_read_in_a_browser(
    tmp_path, seed_corpus
) -> None:
    from quotetrace import pipeline

    result = pipeline.TraceResult(seed_corpus, [], {})
    files = pipeline.write_outputs(result, tmp_path / "small")
    assert files["html"].exists()
    files = pipeline.write_outputs(result, tmp_path / "big", html_max_chars=1000)
    assert "html" not in files and not (tmp_path / "big" / "report.html").exists()
    assert files["report"].exists()
