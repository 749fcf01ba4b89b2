"""`html_report`: document reports + raw texts → one self-contained HTML page (pure).

Why: a journalist wants to *see* which words of an article were reprinted and from where, not read
offsets. The page shows the numbers of report.json (design.md §6) and each article's raw text with
its reused spans marked. Every `<mark>` carries `data-start`/`data-end`, raw offsets into its
document (design.md §2), so `raw[start:end]` is exactly the marked text. Overlapping reuses are cut
into non-overlapping segments, each naming all its sources, so marks never nest.

Inline CSS only: no script, no external asset, nothing fetched when the file is opened. No I/O here:
`pipeline.write_outputs` and the CLI write the string with `store.atomic_write`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from .model import Article, Corpus, Document
from .report import ArticleReport, DocumentReport, ReusedSpan

__all__ = ["KINDS", "Segment", "render_html", "segments"]

# strongest first: a segment reused in several ways is coloured by the strongest kind
KINDS = ("verbatim", "near_verbatim", "paraphrase", "translation")
_RANK = {k: i for i, k in enumerate(KINDS)}
_LEGEND = {
    "verbatim": "verbatim — the same words (after normalisation)",
    "near_verbatim": "near verbatim — the same sentence with small edits",
    "paraphrase": "paraphrase — the same point reworded",
    "translation": "translation — the same text in another language",
}

_CSS = """
:root { --verbatim: #f7a8a8; --near_verbatim: #fbd38d; --paraphrase: #c6e5a1; --translation: #a9d4f5; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 1rem 1.25rem 3rem; color: #1f2328; background: #fff;
  font: 15px/1.6 system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC",
  "Source Han Sans SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
h2 { font-size: 1.25rem; margin: 2.5rem 0 .25rem; padding-top: .75rem; border-top: 3px solid #1f2328; }
h3 { font-size: 1.05rem; margin: 1.75rem 0 .25rem; }
a { color: #0a58ca; }
.meta { color: #57606a; margin: 0 0 .4rem; }
.meta span + span::before { content: " · "; }
.numbers { margin: .25rem 0; }
.bar { display: flex; height: .6rem; width: 100%; max-width: 24rem; background: #eaeef2; border-radius: 3px;
  overflow: hidden; margin: .25rem 0 .5rem; }
.bar > span { display: block; height: 100%; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.group th { background: #eef2f6; font-weight: 600; }
.excerpt { color: #3d444d; }
details { margin: .5rem 0 1rem; }
summary { cursor: pointer; color: #57606a; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; border-left: 3px solid #d0d7de; padding: .5rem .9rem;
  background: #fcfcfd; font-size: 1rem; line-height: 1.9; }
mark { border-radius: 2px; padding: 0 1px; color: inherit; }
mark.verbatim, .swatch.verbatim, .fill.verbatim { background: var(--verbatim); }
mark.near_verbatim, .swatch.near_verbatim, .fill.near_verbatim { background: var(--near_verbatim); }
mark.paraphrase, .swatch.paraphrase, .fill.paraphrase { background: var(--paraphrase); }
mark.translation, .swatch.translation, .fill.translation { background: var(--translation); }
mark.multi, .swatch.multi { box-shadow: inset 0 -2px 0 #1f2328; }
.swatch { display: inline-block; width: 2.2em; height: 1.1em; vertical-align: middle; border-radius: 2px;
  margin-right: .4em; background: #eaeef2; }
.legend { list-style: none; padding: 0; margin: .5rem 0; }
.legend li { margin: .15rem 0; }
.totals { font-size: 1.05rem; }
footer { margin-top: 3rem; color: #57606a; font-size: .85rem; }
@media print { details { display: block; } summary { display: none; } h2 { break-before: page; } }
"""


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of raw text [start, end) covered by the same reused spans (all of them listed)."""

    start: int
    end: int
    spans: tuple[ReusedSpan, ...]


def segments(spans: Iterable[ReusedSpan], *, start: int = 0, end: int | None = None) -> list[Segment]:
    """Cut possibly overlapping spans, clipped to [start, end), into ordered non-overlapping
    segments; each lists every span covering it, strongest kind first. Uncovered text is left out."""
    clipped = sorted(
        (max(s.start, start), s.end if end is None else min(s.end, end), i, s) for i, s in enumerate(spans)
    )
    clipped = [c for c in clipped if c[0] < c[1]]
    bounds = sorted({p for c in clipped for p in (c[0], c[1])})
    out: list[Segment] = []
    active: list[tuple[int, int, int, ReusedSpan]] = []
    j = 0
    for b0, b1 in zip(bounds, bounds[1:], strict=False):
        while j < len(clipped) and clipped[j][0] <= b0:
            active.append(clipped[j])
            j += 1
        active = [c for c in active if c[1] > b0]
        if active:
            covering = sorted(active, key=lambda c: (_RANK.get(c[3].kind, len(KINDS)), c[3].source_doc, c[2]))
            out.append(Segment(b0, b1, tuple(c[3] for c in covering)))
    return out


# --------------------------------------------------------------------------- small pieces

_CJK_GAP = re.compile(r"(?<=[\u2e80-\uffef])\s+(?=[\u2e80-\uffef])")


def _one_line(text: str, limit: int = 60) -> str:
    """Raw text as one short line: PDF line breaks between Chinese characters vanish, other runs of
    whitespace become one space."""
    flat = " ".join(_CJK_GAP.sub("", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _pct(share: float) -> str:
    """The share as report.json rounds it (4 decimals), shown as a percentage."""
    return f"{round(share, 4) * 100:.2f}%"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _numbers_attrs(r: ArticleReport | DocumentReport) -> str:
    return (
        f' data-characters="{r.characters}" data-reused-chars="{r.reused_chars}"'
        f' data-original-chars="{r.original_chars}" data-reused-share="{round(r.reused_share, 4)}"'
    )


def _bar(r: ArticleReport | DocumentReport) -> str:
    """Reused share as a bar, split by kind (by_kind may overlap: scaled to the reused share)."""
    if not r.characters or not r.reused_chars:
        return ""
    total = sum(r.by_kind.values()) or 1
    parts = []
    for kind in KINDS:
        n = r.by_kind.get(kind, 0)
        if n:
            w = 100 * r.reused_share * n / total
            parts.append(f'<span class="fill {kind}" style="width:{w:.2f}%" title="{kind}: {n}"></span>')
    return f'<div class="bar" aria-hidden="true">{"".join(parts)}</div>'


def _numbers(r: ArticleReport | DocumentReport) -> str:
    line = (
        f'<p class="numbers"><strong>{_pct(r.reused_share)}</strong> reused: '
        f"{r.reused_chars} of {r.characters} characters, {r.original_chars} original"
    )
    if r.by_kind:
        line += " (" + ", ".join(f"{k} {v}" for k, v in r.by_kind.items()) + ")"
    return line + "</p>\n" + _bar(r)


def _meta(*items: tuple[str, str | None]) -> str:
    spans = [f"<span>{escape(label)}{escape(value)}</span>" for label, value in items if value]
    return f'<p class="meta">{"".join(spans)}</p>' if spans else ""


@dataclass(frozen=True, slots=True)
class _Names:
    """Titles, dates and page anchors of the documents and articles spans point to."""

    docs: Mapping[str, Document]
    articles: Mapping[str, Article]
    anchors: Mapping[str, str]  # article or document id → id of its section on this page

    def article_label(self, article_id: str, doc_id: str) -> str:
        art = self.articles.get(article_id)
        doc = self.docs.get(doc_id)
        title = (art.title if art else None) or (doc.meta.title if doc else None)
        date = (art.date if art else None) or (doc.meta.date if doc else None)
        label = article_id
        if title:
            label += f" {title}"
        if date:
            label += f" ({date})"
        return label

    def link(self, target_id: str, text: str) -> str:
        anchor = self.anchors.get(target_id)
        if anchor is None:
            return escape(text)
        return f'<a href="#{_attr(anchor)}">{escape(text)}</a>'


def _mark_title(seg: Segment, names: _Names) -> str:
    lines = []
    for s in seg.spans:
        flags = "".join(f", {f}" for f, on in (("quoted", s.quoted), ("attributed", s.attributed)) if on)
        lines.append(
            f"{s.kind} from {names.article_label(s.source_article, s.source_doc)}"
            f" [{s.source_start}:{s.source_end}], score {s.score:.2f}{flags}"
        )
    return "\n".join(lines)


def _marked_text(raw: str, start: int, end: int, spans: Sequence[ReusedSpan], names: _Names) -> str:
    """raw[start:end], escaped, with each segment of reuse in one <mark> (never nested)."""
    parts = []
    pos = start
    for seg in segments(spans, start=start, end=end):
        parts.append(escape(raw[pos : seg.start]))
        kinds = " ".join(dict.fromkeys(s.kind for s in seg.spans))
        cls = seg.spans[0].kind + (" multi" if len(seg.spans) > 1 else "")
        parts.append(
            f'<mark class="{_attr(cls)}" data-start="{seg.start}" data-end="{seg.end}"'
            f' data-kinds="{_attr(kinds)}" title="{_attr(_mark_title(seg, names))}">'
            f"{escape(raw[seg.start : seg.end])}</mark>"
        )
        pos = seg.end
    parts.append(escape(raw[pos:end]))
    return "".join(parts)


def _spans_table(spans: Sequence[ReusedSpan], names: _Names) -> str:
    if not spans:
        return '<p class="meta">No reused passages found.</p>'
    by_source: dict[str, list[ReusedSpan]] = defaultdict(list)
    for s in spans:
        by_source[s.source_doc].append(s)
    rows = [
        '<table class="spans"><thead><tr>'
        '<th class="num">here [raw]</th><th>source article [raw]</th><th>kind</th>'
        '<th class="num">score</th><th>quoted</th><th>attributed</th><th>text</th>'
        "</tr></thead><tbody>"
    ]
    for doc_id in sorted(by_source):
        group = sorted(by_source[doc_id], key=lambda s: (s.start, s.end, s.source_start))
        doc = names.docs.get(doc_id)
        label = doc_id + (f" {doc.meta.title}" if doc and doc.meta.title else "")
        if doc and doc.meta.date:
            label += f" ({doc.meta.date})"
        n = len(group)
        rows.append(
            f'<tr class="group"><th colspan="7">from {names.link(doc_id, label)}'
            f" — {n} passage{'s' if n != 1 else ''}</th></tr>"
        )
        for s in group:
            rows.append(
                f'<tr><td class="num">{s.start}–{s.end}</td>'
                f"<td>{names.link(s.source_article, s.source_article)} {s.source_start}–{s.source_end}</td>"
                f'<td><span class="swatch {_attr(s.kind)}"></span>{escape(s.kind)}</td>'
                f'<td class="num">{s.score:.2f}</td>'
                f"<td>{'yes' if s.quoted else ''}</td><td>{'yes' if s.attributed else ''}</td>"
                f'<td class="excerpt">{escape(_one_line(s.text))}</td></tr>'
            )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _by_source(r: ArticleReport | DocumentReport, names: _Names) -> str:
    if not r.by_source:
        return ""
    items = sorted(r.by_source.items(), key=lambda kv: (-kv[1], kv[0]))
    cells = ", ".join(
        f"{names.link(k, k)} {v} ({_pct(v / r.characters if r.characters else 0.0)})" for k, v in items
    )
    return f'<p class="meta">By origin document: {cells}</p>'


# --------------------------------------------------------------------------- the page


def render_html(reports: Sequence[DocumentReport], corpus: Corpus, *, title: str | None = None) -> str:
    """The whole report as one self-contained UTF-8 HTML page (`<html lang="zh">`).

    `reports` come from `report.summarise(alignments, corpus)`; `corpus` supplies the raw texts
    (and the titles, dates and sources of documents and articles the spans point to).
    """
    docs = {d.id: d for d in corpus.documents}
    articles = {pa.article.id: pa.article for pa in corpus.articles}
    anchors: dict[str, str] = {}  # link targets; a one-article document's article is the document
    for i, r in enumerate(reports, 1):
        for j, a in enumerate(r.articles, 1):
            anchors[a.article_id] = f"d{i}-a{j}"
    for i, r in enumerate(reports, 1):
        anchors[r.doc_id] = f"d{i}"
    names = _Names(docs, articles, anchors)

    heading = title or f"quotetrace report: {corpus.folder}"
    n_articles = sum(len(r.articles) for r in reports)
    chars = sum(r.characters for r in reports)
    reused = sum(r.reused_chars for r in reports)
    kinds = Counter(s.kind for r in reports for a in r.articles for s in a.spans)
    passages = sum(kinds.values())

    out = [
        "<!DOCTYPE html>",
        '<html lang="zh">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="quotetrace">',
        f"<title>{escape(heading)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(heading)}</h1>",
        f'<p class="totals">{len(reports)} documents, {n_articles} articles, {chars} characters: '
        f"<strong>{_pct(reused / chars if chars else 0.0)}</strong> reused ({reused} characters "
        f"reprinted, paraphrased or translated; {chars - reused} original) in {passages} passages"
        + (" (" + ", ".join(f"{k} {kinds[k]}" for k in KINDS if kinds[k]) + ")" if passages else "")
        + ".</p>",
        '<ul class="legend">',
        *(f'<li><span class="swatch {k}"></span>{escape(_LEGEND[k])}</li>' for k in KINDS),
        '<li><span class="swatch multi"></span>underlined: covered by more than one reused passage</li>',
        "</ul>",
        '<p class="meta">Highlighted text is reused from an earlier text; point at a highlight to see its '
        "source. Characters are counted without whitespace; positions are raw character offsets into "
        "the file.</p>",
        _contents(reports),
        "</header>",
        "<main>",
    ]
    for i, r in enumerate(reports, 1):
        out.append(_document(r, docs.get(r.doc_id), names, anchor=f"d{i}"))
    out += [
        "</main>",
        '<footer>Generated by quotetrace. "Reused" counts the characters of a text covered by a '
        "passage found earlier in another text of the corpus; the source is the earlier text (by date, "
        "then by evidence such as quotation marks and attribution).</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)


def _contents(reports: Sequence[DocumentReport]) -> str:
    rows = [
        '<nav><table class="contents"><thead><tr><th>document</th><th>date</th>'
        '<th class="num">articles</th><th class="num">characters</th><th class="num">reused</th>'
        "</tr></thead><tbody>"
    ]
    for i, r in enumerate(reports, 1):
        rows.append(
            f'<tr><td><a href="#d{i}">{escape(r.title or r.doc_id)}</a></td><td>{escape(r.date or "?")}</td>'
            f'<td class="num">{len(r.articles)}</td><td class="num">{r.characters}</td>'
            f'<td class="num">{_pct(r.reused_share)}</td></tr>'
        )
    rows.append("</tbody></table></nav>")
    return "\n".join(rows)


def _document(r: DocumentReport, doc: Document | None, names: _Names, *, anchor: str) -> str:
    lang = doc.meta.language if doc and doc.meta.language else "zh"
    # a plain document is one article with the document's id: show its numbers once
    single = len(r.articles) == 1 and r.articles[0].article_id == r.doc_id
    art = names.articles.get(r.articles[0].article_id) if single else None
    source = (doc.meta.publisher if doc else None) or (art.source if art else None)
    out = [
        f'<section class="document" id="{_attr(anchor)}" lang="{_attr(lang)}"'
        f' data-doc="{_attr(r.doc_id)}" data-file="{_attr(r.file)}"{_numbers_attrs(r)}>',
        f"<h2>{escape(r.title or r.doc_id)}</h2>",
        _meta(
            ("", r.doc_id),
            ("", r.file),
            ("date ", r.date or "unknown"),
            ("source ", source),
        ),
        _numbers(r),
        _by_source(r, names),
    ]
    for j, a in enumerate(r.articles, 1):
        out.append(_article(a, doc, names, anchor=f"{anchor}-a{j}", compact=single))
    out.append("</section>")
    return "\n".join(p for p in out if p)


def _article(
    a: ArticleReport, doc: Document | None, names: _Names, *, anchor: str, compact: bool = False
) -> str:
    """One article: its header and numbers (unless `compact`: the document's already say it),
    its reused passages by source, and its raw text with them highlighted."""
    art = names.articles.get(a.article_id)
    source = (art.source if art else None) or (doc.meta.publisher if doc else None)
    out = [
        f'<section class="article" id="{_attr(anchor)}"'
        f' data-article="{_attr(a.article_id)}"{_numbers_attrs(a)}>',
    ]
    if not compact:
        out += [
            f"<h3>{escape(a.title or a.article_id)}</h3>",
            _meta(("", a.article_id), ("date ", a.date or "unknown"), ("source ", source)),
            _numbers(a),
            _by_source(a, names),
        ]
    out.append(_spans_table(a.spans, names))
    if doc is not None and art is not None:
        start, end = art.span.start, art.span.end
        is_open = " open" if a.spans else ""
        out.append(
            f"<details{is_open}><summary>text ({a.characters} characters, raw {start}–{end})</summary>"
            f'<div class="text" data-start="{start}" data-end="{end}">'
            f"{_marked_text(doc.raw, start, end, a.spans, names)}</div></details>"
        )
    out.append("</section>")
    return "\n".join(p for p in out if p)
