"""`split`: Document → tuple[Article, ...]. Why: bundles (study bulletins, compilations) hold
many articles, each with its own title, source and date, and reuse is traced per article.

Cues are general layout, never known titles:
- a **source line** (`（来源：新华社，2026年4月30日）`, `来源：《求是》`) marks an item;
- its **title** is the heading (`# …`) or the run of lines just above it, walking back over
  blank lines, page numbers and lines that do not end a sentence;
- an item runs from its title to the next item's title; text before the first item is front
  matter (a notice, a table of contents) and belongs to no article.
A document with fewer than two titled source lines is one article spanning the whole text
(a source line with no title above it, say under a table, stays inside its article).
Dates: the source line's, else a news lead's dateline, else a closing ※ note (dates.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from .dates import SourceLine, find_dates, lead_date, note_date, parse_source_line
from .model import Article, Document, Span

__all__ = ["clean_title", "head_title", "split_articles"]

_MAX_TITLE_LINES = 6
_MAX_TITLE_CHARS = 200
_HEAD_LINES = 12  # a single article's source line must be among its first lines to count
_LEAD_CHARS = 400

_LINE_RE = re.compile(r"[^\r\n]+")  # non-empty lines only
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s")
_PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-—–]\s*)?(?:第\s*)?[0-9０-９]{1,4}(?:\s*页)?(?:\s*[-—–])?\s*$")
_TOC_RE = re.compile(r"^\s*(?P<title>\S.*?)\s*(?:[.．·…]{3,}|[-_]{4,})\s*[0-9０-９]{1,4}\s*$")
_SENTENCE_END_RE = re.compile(r"[。！？!?；;…][”’」』\"'）)】》]*$|(?<![A-Z])\.[”’\"')]*$")
_MARKUP_RE = re.compile(r"^\s{0,3}#{1,6}\s+|\*\*|__|[★☆■□●◆◇▲△]")
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018-\u201f\u2014\u2026"
_NOTE_LINE_RE = re.compile(r"^[ \t\u3000>]*[※＊]", re.MULTILINE)
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}0-9])|(?<=[{_CJK}0-9])\s+(?=[{_CJK}])")


class _Line(NamedTuple):
    """One non-empty line. A named tuple: documents have many lines, and a tuple is several
    times cheaper to build than a frozen dataclass."""

    start: int
    end: int  # newline excluded
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()

    def content_span(self) -> Span:
        """The line without surrounding whitespace and a leading markdown `#` marker."""
        lead = len(self.text) - len(self.text.lstrip())
        m = re.match(r"#{1,6}\s+", self.text[lead:])
        if m:
            lead += m.end()
        end = self.start + len(self.text.rstrip())
        return Span(min(self.start + lead, end), end)  # a bare "# " line is an empty span


def _lines(raw: str) -> list[_Line]:
    return list(_iter_lines(raw))


def _iter_lines(raw: str, end: int | None = None) -> Iterator[_Line]:
    """Non-empty lines of raw[:end], lazily: a caller that needs the first few stops early."""
    for m in _LINE_RE.finditer(raw, 0, len(raw) if end is None else end):
        yield _Line(m.start(), m.end(), m.group())


def clean_title(text: str) -> str:
    """Markup (`#`, `**`, `★`) and the spaces PDFs and line wraps put inside CJK text removed."""
    parts = [_MARKUP_RE.sub("", p).strip() for p in text.splitlines()]
    joined = " ".join(p for p in parts if p)
    joined = re.sub(r"\s+", " ", joined).strip()
    return _CJK_GAP_RE.sub("", joined)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", _MARKUP_RE.sub("", text))


def _ends_sentence(clean: str) -> bool:
    return _SENTENCE_END_RE.search(clean) is not None


def _is_page_number(s: str) -> bool:
    return _PAGE_NUMBER_RE.match(s) is not None


def _toc_titles(lines: list[_Line]) -> dict[str, str]:
    """Table-of-contents entries (dot leaders and a page number): compact form → title.

    A document's own TOC spells its titles without the line-wrap spaces of the headings."""
    toc: dict[str, str] = {}
    for ln in lines:
        m = _TOC_RE.match(ln.text)
        if m:
            title = re.sub(r"\s+", " ", _MARKUP_RE.sub("", m["title"])).strip()
            toc.setdefault(_compact(title), title)
    return toc


def _title_above(lines: list[_Line], i: int, floor: int) -> list[int]:
    """Indices of the title lines above line i (exclusive), never at or below `floor`."""
    picked: list[int] = []
    chars = 0
    j = i - 1
    while j > floor:
        s = lines[j].stripped
        if not s or _is_page_number(s):
            j -= 1
            continue
        if _TOC_RE.match(s) or _NOTE_LINE_RE.match(s) or parse_source_line(s) is not None:
            break  # a TOC entry, a closing ※ note or the previous source line ends the walk
        if _HEADING_RE.match(lines[j].text):
            picked.append(j)
            break
        clean = clean_title(s)
        if _ends_sentence(clean) or len(picked) >= _MAX_TITLE_LINES or chars + len(clean) > _MAX_TITLE_CHARS:
            break
        picked.append(j)
        chars += len(clean)
        j -= 1
    return sorted(picked)


def _title_of(lines: list[_Line], idx: list[int], toc: dict[str, str]) -> tuple[str | None, Span | None]:
    if not idx:
        return None, None
    text = "\n".join(lines[k].text for k in idx)
    title = clean_title(text)
    title = toc.get(_compact(title), title)
    span = Span(lines[idx[0]].content_span().start, lines[idx[-1]].content_span().end)
    return (title or None), span


_HEAD_CHARS = 4000  # a title is in the first lines
# a cheap over-approximation of a source line (parse_source_line decides): the keyword at a
# line's start after brackets/markup
_SOURCE_HINT = re.compile(
    r"(?im)^[\s>*#（(【\[〔]*(?:\*\*)?\s*(?:来源|來源|稿源|出处|出處|转自|轉自|转载自|轉載自|原载|原載|刊载于|刊載於|source)"
)


def head_title(raw: str) -> tuple[str, Span] | None:
    """The title a text opens with: its first heading, or its first lines up to one that ends a
    sentence (at most a few, in one script). None when the text opens with a sentence."""
    found = (ln for ln in _iter_lines(raw, _HEAD_CHARS) if ln.stripped and not _is_page_number(ln.stripped))
    lines = list(islice(found, _MAX_TITLE_LINES // 2))  # only the first few can be the title
    if not lines:
        return None
    picked: list[_Line] = []
    script = _is_cjk_line(lines[0].stripped)
    blanks_mean_nothing: bool | None = None  # PDF layout with a blank line after every line
    for ln in lines:
        s = ln.stripped
        clean = clean_title(s)
        if (
            parse_source_line(s) is not None
            or _ends_sentence(clean)
            or clean.endswith(("：", ":"))  # a salutation (各有关单位：) opens the body
            or clean.endswith(("，", "、", "；", ",", ";"))  # a sentence runs on: body text
            or _is_cjk_line(s) != script
        ):
            break
        if picked:
            if "，" in clean:  # a title's second line is no clause of a sentence
                break
            if raw.count("\n", picked[-1].end, ln.start) >= 2:  # a blank line after the title
                if blanks_mean_nothing is None:
                    from .normalise import layout_profile

                    profile = layout_profile(raw)  # (a PDF's wrapped lines, each followed by a blank)
                    blanks_mean_nothing = profile.blank_after_every_line and profile.wrapped
                if not blanks_mean_nothing:
                    break
        if picked and any(len(d) == 10 for _, d in find_dates(s)):
            break  # a dateline or byline under the title ("Published …, May 1, 2026", （2024年6月24日）)
        picked.append(ln)
        if _HEADING_RE.match(ln.text) or sum(len(clean_title(p.text)) for p in picked) > _MAX_TITLE_CHARS:
            break
    if not picked:
        return None
    title = clean_title("\n".join(p.text for p in picked))
    if not title:
        return None
    return title, Span(picked[0].content_span().start, picked[-1].content_span().end)


def _is_cjk_line(s: str) -> bool:
    cjk = sum(1 for c in s if "\u4e00" <= c <= "\u9fff")
    latin = sum(1 for c in s if c.isascii() and c.isalpha())
    return cjk >= latin


@dataclass(frozen=True, slots=True)
class _Item:
    start: int
    title: str | None
    title_span: Span | None
    source_span: Span
    src: SourceLine


def split_articles(doc: Document) -> tuple[Article, ...]:
    """Articles of `doc` in text order: `DOCID#1…` for a bundle, else one article `DOCID`."""
    raw = doc.raw
    if len(list(islice(_SOURCE_HINT.finditer(raw), 2))) < 2:
        # at most one source line in the whole text: one article, and only its head matters
        return (_single(doc, _lines(raw[:_HEAD_CHARS])),)
    lines = _lines(raw)
    sources = [(k, src) for k, ln in enumerate(lines) if (src := parse_source_line(ln.text)) is not None]
    if len(sources) < 2:
        return (_single(doc, lines),)

    toc = _toc_titles(lines)
    items: list[_Item] = []
    floor = -1
    for k, src in sources:
        idx = _title_above(lines, k, floor)
        floor = k
        if not idx and items:
            continue  # a source line with no title above it (a table's or a quote's) stays in its article
        title, title_span = _title_of(lines, idx, toc)
        start = lines[idx[0]].start if idx else lines[k].start
        items.append(_Item(start, title, title_span, lines[k].content_span(), src))
    if len(items) < 2:
        return (_single(doc, lines),)

    ends = [it.start for it in items[1:]] + [len(raw)]
    dates = _article_dates(raw, items, ends, doc.meta.date)
    return tuple(
        Article(
            id=f"{doc.id}#{n}",
            doc_id=doc.id,
            span=Span(it.start, end),
            title=it.title,
            source=it.src.publisher,
            date=date,
            title_span=it.title_span,
            source_span=it.source_span,
            issue=it.src.issue,
        )
        for n, (it, end, date) in enumerate(zip(items, ends, dates, strict=True), start=1)
    )


def _article_dates(raw: str, items: list[_Item], ends: list[int], doc_date: str | None) -> list[str | None]:
    """Source-line date, else the lead's dateline (year/month from the nearest dated article or
    the document), else a closing ※ note."""
    dates: list[str | None] = [it.src.date for it in items]
    later = [next((d for d in dates[i + 1 :] if d), None) for i in range(len(items))]
    previous: str | None = None
    for i, it in enumerate(items):
        if dates[i] is None:
            context = previous or doc_date or later[i]
            body = raw[it.source_span.end : ends[i]]
            dates[i] = lead_date(body[:_LEAD_CHARS], context=context) or _note_in(body)
        if dates[i]:
            previous = dates[i]
    return dates


def _note_in(body: str) -> str | None:
    for m in _NOTE_LINE_RE.finditer(body):
        d = note_date(body[m.start() : m.start() + 300].lstrip())
        if d:
            return d
    return None


def _single(doc: Document, lines: list[_Line]) -> Article:
    """A document that is one article: title from the manifest or its first lines, source and
    date from a source line among its first `_HEAD_LINES` non-blank lines, else the
    document's date."""
    raw = doc.raw
    head = head_title(raw)
    title: str | None
    title_span: Span | None = None
    if doc.meta.title:
        title = doc.meta.title
        if head:  # the text's own heading, even when the manifest words the title differently
            title_span = head[1]
    elif head:
        title, title_span = head
    else:
        first = next((ln for ln in lines if ln.stripped), None)
        title = clean_title(first.text)[:100] if first else None
        title_span = first.content_span() if first else None

    head_ks = islice((k for k, ln in enumerate(lines) if ln.stripped), _HEAD_LINES)
    src = next(((k, s) for k in head_ks if (s := parse_source_line(lines[k].text)) is not None), None)
    date = src[1].date if src and src[1].date else doc.meta.date
    return Article(
        id=doc.id,
        doc_id=doc.id,
        span=Span(0, len(raw)),
        title=title or None,
        source=src[1].publisher if src else doc.meta.publisher,
        date=date,
        title_span=title_span,
        source_span=lines[src[0]].content_span() if src else None,
        issue=src[1].issue if src else None,
    )
