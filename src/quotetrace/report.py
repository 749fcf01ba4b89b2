"""`report`: alignments → reuse numbers per document and article (design.md §6).

Why: analysts ask "how much of this text is reprinted, and from where?". reused_chars
counts non-whitespace characters of an article's *normalised* text covered by at least
one alignment in which the article is the target, so PDF damage and markup never count;
every listed span is still a raw span.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import Alignment, Corpus, Document, ParsedArticle


@dataclass(frozen=True, slots=True)
class ReusedSpan:
    start: int
    end: int
    text: str
    source_doc: str
    source_article: str
    source_start: int
    source_end: int
    kind: str
    score: float
    quoted: bool
    attributed: bool


@dataclass(frozen=True, slots=True)
class ArticleReport:
    doc_id: str
    article_id: str
    title: str | None
    date: str | None
    characters: int
    reused_chars: int
    original_chars: int
    reused_share: float
    by_source: dict[str, int] = field(default_factory=dict)  # source doc → reused chars
    by_kind: dict[str, int] = field(default_factory=dict)
    spans: tuple[ReusedSpan, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc_id,
            "article": self.article_id,
            **_numbers(self),
            "spans": [_span_dict(s) for s in self.spans],
        }


@dataclass(frozen=True, slots=True)
class DocumentReport:
    doc_id: str
    file: str
    title: str | None
    date: str | None
    characters: int
    reused_chars: int
    original_chars: int
    reused_share: float
    by_source: dict[str, int]
    by_kind: dict[str, int]
    articles: tuple[ArticleReport, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc_id,
            "file": self.file,
            **_numbers(self),
            "articles": [a.to_dict() for a in self.articles],
        }


def _numbers(r: ArticleReport | DocumentReport) -> dict[str, Any]:
    """The design.md §6 numbers every report level shares, in one place."""
    return {
        "title": r.title,
        "date": r.date,
        "characters": r.characters,
        "reused_chars": r.reused_chars,
        "original_chars": r.original_chars,
        "reused_share": round(r.reused_share, 4),
        "by_source": {k: {"chars": v, "share": _share(v, r.characters)} for k, v in r.by_source.items()},
        "by_kind": {k: {"chars": v, "share": _share(v, r.characters)} for k, v in r.by_kind.items()},
    }


def _share(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def _span_dict(s: ReusedSpan) -> dict[str, Any]:
    return {f: getattr(s, f) for f in ReusedSpan.__slots__}


def _covered_mask(pa: ParsedArticle, spans: Iterable[tuple[int, int]]) -> list[bool]:
    """Which normalised characters of the article lie inside any of the raw spans."""
    mask = [False] * len(pa.norm.text)
    for start, end in spans:
        i = pa.norm.norm_index(start)
        j = pa.norm.norm_index(end)
        for t in range(i, min(j, len(mask))):
            mask[t] = True
    return mask


def _count(text: str, mask: Sequence[bool]) -> int:
    return sum(1 for ch, m in zip(text, mask, strict=False) if m and not ch.isspace())


def article_report(
    pa: ParsedArticle, alignments: Sequence[Alignment], raw: str, *, with_spans: bool = True
) -> ArticleReport:
    text = pa.norm.text
    total = sum(1 for ch in text if not ch.isspace())
    mine = [a for a in alignments if a.target.article_id == pa.article.id]
    all_mask = _covered_mask(pa, ((a.target.span.start, a.target.span.end) for a in mine))
    reused = _count(text, all_mask)
    by_source: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_kind: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for a in mine:
        src = a.origin.doc_id if a.origin else a.source.doc_id
        by_source[src].append((a.target.span.start, a.target.span.end))
        by_kind[str(a.kind)].append((a.target.span.start, a.target.span.end))
    spans: tuple[ReusedSpan, ...] = ()
    if with_spans:
        spans = tuple(
            ReusedSpan(
                a.target.span.start,
                a.target.span.end,
                a.target.span.of(raw),
                a.source.doc_id,
                a.source.article_id,
                a.source.span.start,
                a.source.span.end,
                str(a.kind),
                a.score,
                a.quoted,
                a.attributed,
            )
            for a in sorted(mine, key=lambda a: (a.target.span.start, a.source.doc_id))
        )
    return ArticleReport(
        doc_id=pa.article.doc_id,
        article_id=pa.article.id,
        title=pa.article.title,
        date=pa.article.date,
        characters=total,
        reused_chars=reused,
        original_chars=total - reused,
        reused_share=reused / total if total else 0.0,
        by_source={k: _count(text, _covered_mask(pa, v)) for k, v in sorted(by_source.items())},
        by_kind={k: _count(text, _covered_mask(pa, v)) for k, v in sorted(by_kind.items())},
        spans=spans,
    )


def summarise(
    alignments: Sequence[Alignment], corpus: Corpus, *, docs: Sequence[str] | None = None
) -> list[DocumentReport]:
    """One DocumentReport per document (or those named), each with its articles."""
    raws: Mapping[str, Document] = {d.id: d for d in corpus.documents}
    by_doc: dict[str, list[ParsedArticle]] = defaultdict(list)
    for pa in corpus.articles:
        by_doc[pa.article.doc_id].append(pa)
    out = []
    for d in corpus.documents:
        if docs is not None and d.id not in docs:
            continue
        arts = tuple(article_report(pa, alignments, raws[d.id].raw) for pa in by_doc[d.id])
        chars = sum(a.characters for a in arts)
        reused = sum(a.reused_chars for a in arts)
        by_source: dict[str, int] = defaultdict(int)
        by_kind: dict[str, int] = defaultdict(int)
        for a in arts:
            for k, v in a.by_source.items():
                by_source[k] += v
            for k, v in a.by_kind.items():
                by_kind[k] += v
        out.append(
            DocumentReport(
                doc_id=d.id,
                file=d.file,
                title=d.meta.title,
                date=d.meta.date,
                characters=chars,
                reused_chars=reused,
                original_chars=chars - reused,
                reused_share=reused / chars if chars else 0.0,
                by_source=dict(by_source),
                by_kind=dict(by_kind),
                articles=arts,
            )
        )
    return out


def report_json(reports: Sequence[DocumentReport]) -> dict[str, Any]:
    return {"documents": [r.to_dict() for r in reports]}


CSV_FIELDS = (
    "doc",
    "article",
    "title",
    "date",
    "characters",
    "reused_chars",
    "original_chars",
    "reused_share",
    "top_source",
    "top_source_chars",
)


def csv_rows(reports: Sequence[DocumentReport]) -> list[dict[str, Any]]:
    rows = []
    for r in reports:
        for a in r.articles:
            top = max(a.by_source.items(), key=lambda kv: kv[1], default=("", 0))
            rows.append(
                {
                    "doc": a.doc_id,
                    "article": a.article_id,
                    "title": a.title or "",
                    "date": a.date or "",
                    "characters": a.characters,
                    "reused_chars": a.reused_chars,
                    "original_chars": a.original_chars,
                    "reused_share": round(a.reused_share, 4),
                    "top_source": top[0],
                    "top_source_chars": top[1],
                }
            )
    return rows


def csv_text(reports: Sequence[DocumentReport]) -> str:
    import csv
    import io

    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(CSV_FIELDS), lineterminator="\n")
    w.writeheader()
    for row in csv_rows(reports):
        w.writerow(row)
    return buf.getvalue()
