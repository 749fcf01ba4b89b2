"""`segment`: NormText of one article → Sentences (raw spans, roles, quoted regions).

Why: sentences are the unit that later stages index, align and report, so they must tile
the article exactly (no non-space character lost or counted twice), never cross a
paragraph, and carry raw spans (design.md §2). Splitting works on the normalised text,
whose paragraphs are already repaired, and maps back through `NormText.raw_span`.

Rules
- Chinese: a sentence ends at 。！？； or an ellipsis run (…… counts once), together with any
  closing quotes/brackets that follow (`…。”` and `…”。` both end one sentence once).
- Inside a quotation (“…”, 「…」, ‘…’, "…") no split, unless the quotation is long
  (>= LONG_QUOTE characters), is introduced as speech (after ：, or at a sentence start)
  and itself ends with sentence-final punctuation — i.e. it consists of full sentences.
  So `坚持“四个面向”，…` and a short quote containing 。 stay inside their sentence.
- English: . ! ? (plus closing quotes) followed by a space and a capital letter or an
  opening quote, except after abbreviations (Mr., No., e.g., i.e., etc., U.S., initials).
  Acronyms without periods (S&T, CCP) are ordinary words; "No. 3" never splits because a
  digit, not a capital, follows.
- Paragraph roles: source lines (（来源：…）, 来源：…, ※…, ——在…的讲话, the article's
  source_span) are SOURCE; Markdown headings, the article's title_span and short
  paragraphs without sentence punctuation (`一、总体要求`, `（一）…`) are HEADING; both are
  one segment each.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .model import NormText, Role, Sentence, Span

__all__ = ["LONG_QUOTE", "quote_regions", "segment", "split_points"]

LONG_QUOTE = 40  # a quotation at least this long that consists of full sentences is split

_ZH_END = "。！？；!?;…"
_CLOSE = "”’」』）)》〉】\"'"
# terminator run: (final punctuation + trailing closers)+ ; "……" and "！？" runs count once.
# Three cases — a Chinese/ASCII terminator, an ellipsis of 3+ dots, a '.' before closers and a
# space — written to open with one character class (the lookbehinds tell which case the first
# character was), so the regex engine skips ordinary text with a fast class scan instead of
# trying every alternative at every character.
_ZH_TERM = re.compile(
    r"[。！？；!?;….]"
    r"(?:(?<!\.)[。！？；!?;…”’」』）)》〉】\"']*"
    r"|(?<=\.)\.{2,}[。！？；!?;…”’」』）)》〉】\"']*"
    r"|(?<=\.)(?=[\"”’')\]]*\s)[\"”’')\]]*)"
)
_ASCII_TERM = re.compile(r"[.!?;]")  # terminators that need the English checks
_EN_TERM = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[A-Z\"“‘'(\[])")
_ABBREV = frozenset(
    """mr mrs ms dr prof sr jr st vol vols fig figs pp p cf e.g i.e etc vs al inc ltd co
    corp gen gov sen rep jan feb mar apr jun jul aug sep sept oct nov dec approx dept est
    u.s u.k u.n e.u p.r.c a.m p.m""".split()  # noqa: SIM905 - a word list reads better as one string
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.&]*)$")

_SOURCE_RE = re.compile(
    r"(?:[（(]\s*)?(?:来源|來源|来源于|來源於|稿源|出处|出處|作者|记者|記者|编辑|編輯|责任编辑|責任編輯|本报记者|本報記者|Source|Translated by|Translation)\s*[：:]"
    r"|※|——.{0,80}(?:讲话|发言|报告|指示|强调|致信|贺信|批示)",
    re.I,
)
_SOURCE_MAX_CHARS = 200  # a source or byline paragraph is short
_SOURCE_FIRST = frozenset("（(来來稿出作记記编編责責本SsTt※—")
_HAS_TERM = re.compile(r"[。！？；!?;]|\.(?:\s|$)")
_WORD = re.compile(r"[^\W_]")
_SPACE = re.compile(r"\s")  # the characters str.isspace() and str.strip() treat as space
_QUOTE_MARKS = re.compile(r"[“”「」『』‘’\"]")
_PAIRS = {"“": "”", "「": "」", "『": "』", "‘": "’"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def _is_letter(c: str) -> bool:
    return c.isalpha()


def quote_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Quotations in text[start:end] as (open_mark, close_mark) positions; nested allowed.
    An unclosed quotation runs to `end` (close = end). Apostrophes (’ between letters) and
    unmatched closers are ignored."""
    regions: list[tuple[int, int]] = []
    if not _QUOTE_MARKS.search(text, start, end):
        return regions  # most paragraphs quote nothing
    stack: list[tuple[str, int]] = []
    for m in _QUOTE_MARKS.finditer(text, start, end):
        ch, i = m.group(), m.start()
        prev = text[i - 1] if i > start else " "
        nxt = text[i + 1] if i + 1 < end else " "
        if ch == '"':
            if stack and stack[-1][0] == '"':
                regions.append((stack.pop()[1], i))
            elif not (prev.isascii() and prev.isalnum()):  # (12" is inches; 讲话中"…" a quotation)
                stack.append((ch, i))
            continue
        if ch in ("’", "‘") and prev.isascii() and _is_letter(prev) and nxt.isascii() and _is_letter(nxt):
            continue  # apostrophe (China’s)
        if ch in _PAIRS:
            stack.append((ch, i))
        else:
            opener = _CLOSERS[ch]
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == opener:
                    regions.append((stack[k][1], i))
                    del stack[k:]
                    break
    regions.extend((i, end) for _, i in stack)
    regions.sort()
    return regions


def _en_abbrev(text: str, dot: int, start: int) -> bool:
    """Is the '.' at `dot` the end of an abbreviation or initial rather than a sentence?"""
    m = _WORD_BEFORE.search(text, max(start, dot - 20), dot)
    if not m:
        return False
    w = m.group(1).lower()
    if w in _ABBREV or w.rstrip(".") in _ABBREV:
        return True
    if len(w) == 1 and w.isalpha() and text[m.start()].isupper():
        return True  # initial: "J. Smith"
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", w))  # U.S., p.r.c


def split_points(text: str, start: int, end: int, regions: list[tuple[int, int]] | None = None) -> list[int]:
    """Sentence ends (exclusive) inside text[start:end], following the module rules.
    `regions`: quote_regions(text, start, end) if already computed."""
    if _ASCII_TERM.search(text, start, end):
        cands = _checked_ends(text, start, end)
    else:  # Chinese punctuation only: every terminator run ends a sentence
        cands = [m.end() for m in _ZH_TERM.finditer(text, start, end)]
    if not cands:
        return []
    if regions is None:
        regions = quote_regions(text, start, end)
    if not regions:
        return cands
    out = []
    for e in cands:
        for a, b in regions:  # sorted by opening mark: the first hit is the outermost
            if a >= e:
                out.append(e)
                break
            if e <= b:
                if _splittable_quote(text, a, b, start, end):
                    out.append(e)
                break
        else:
            out.append(e)
    return out


def _checked_ends(text: str, start: int, end: int) -> list[int]:
    """Terminator ends in text[start:end] when ASCII terminators occur: those split only the
    English way (space + capital / quote, not after an abbreviation)."""
    cands: list[int] = []
    for m in _ZH_TERM.finditer(text, start, end):
        e = m.end()
        first = m.group()[0]
        if (
            first in ".!?;"
            and e < end
            and (
                not _EN_TERM.match(text, m.start(), end)
                or (first == "." and m.group()[:3] != "..." and _en_abbrev(text, m.start(), start))
            )
        ):
            continue
        cands.append(e)
    return cands


def _splittable_quote(text: str, a: int, b: int, start: int, end: int) -> bool:
    if b - a - 1 < LONG_QUOTE:
        return False
    last = text[b - 1] if b < end else text[end - 1]
    ends_full = last in _ZH_END or last == "." or (last in _CLOSE and b - 2 > a and text[b - 2] in _ZH_END)
    if not ends_full:
        return False
    before = text[a - 1] if a > start else ""
    return before in ("", "：", ":", "。", "！", "？", "；", "…", " ", "”")


def _is_heading_para(text: str, s: int, e: int, language: str) -> bool:
    if e - s > (120 if language == "en" else 40) or text[e - 1] in "：:，,、":
        return False
    return not _HAS_TERM.search(text, s, e)


def segment(
    raw: str,
    norm: NormText,
    *,
    doc_id: str,
    article_id: str,
    language: str = "zh",
    title_span: Span | None = None,
    source_span: Span | None = None,
) -> tuple[Sentence, ...]:
    """Split an article's normalised text into sentences with raw spans (module rules).

    Why this shape: it runs once per paragraph and once per sentence of the whole corpus,
    so paragraphs come from one `str.split`, edges are trimmed with `str.strip` (same
    whitespace as `str.isspace`), and a paragraph without cuts is one sentence at once."""
    text, to_raw = norm.text, norm.to_raw
    out: list[Sentence] = []
    para = 0
    pos = 0
    for line in text.split("\n"):
        ps = pos
        pos += len(line) + 1
        body = line.strip()
        if not body:
            continue
        s = ps + len(line) - len(line.lstrip())
        e = s + len(body)
        role = _role(raw, text, s, e, to_raw, language, title_span, source_span)
        regions = quote_regions(text, s, e)
        cuts = split_points(text, s, e, regions) if role is Role.BODY else []
        pieces = _pieces(text, s, e, cuts) if cuts else ((s, e),)
        out.extend(_sentence(to_raw, doc_id, article_id, a, b, para, role, regions) for a, b in pieces)
        para += 1
    return tuple(out)


def _role(
    raw: str,
    text: str,
    s: int,
    e: int,
    to_raw: tuple[int, ...],
    language: str,
    title_span: Span | None,
    source_span: Span | None,
) -> Role:
    """Role of the paragraph text[s:e] (module rules): the article's own source line and
    title first, then source-line and heading cues."""
    rs, re_ = to_raw[s], to_raw[e - 1] + 1
    if source_span is not None and rs < source_span.end and source_span.start < re_:
        return Role.SOURCE
    if title_span is not None and rs < title_span.end and title_span.start < re_:
        return Role.HEADING
    if text[s] in _SOURCE_FIRST and e - s <= _SOURCE_MAX_CHARS and _SOURCE_RE.match(text, s, e):
        return Role.SOURCE  # (a long paragraph that opens with 来源：… is the text, pasted on one line)
    ls = raw.rfind("\n", 0, rs) + 1
    if raw[ls:rs].lstrip().startswith("#") or _is_heading_para(text, s, e, language):
        return Role.HEADING
    return Role.BODY


def _pieces(text: str, s: int, e: int, cuts: list[int]) -> list[tuple[int, int]]:
    """Sentences of the paragraph text[s:e] (stripped) between cuts: a piece that is only
    closers or punctuation stays with the sentence before it (or, first, the one after);
    pieces are trimmed of whitespace."""
    pieces: list[tuple[int, int]] = []
    a = s
    for b in (*cuts, e):
        if b <= a:
            continue
        if pieces and not _WORD.search(text, a, b):
            pieces[-1] = (pieces[-1][0], b)  # only closers/punctuation: stays with its sentence
        else:
            pieces.append((a, b))
        a = b
    if len(pieces) > 1 and not _WORD.search(text, *pieces[0]):
        pieces[1] = (pieces[0][0], pieces[1][1])
        del pieces[0]
    if not _SPACE.search(text, s, e):
        return pieces  # nothing to trim (most Chinese paragraphs)
    out: list[tuple[int, int]] = []
    for a, b in pieces:
        piece = text[a:b]
        a, b = a + len(piece) - len(piece.lstrip()), a + len(piece.rstrip())
        if a < b:
            out.append((a, b))
    return out


def _sentence(
    to_raw: tuple[int, ...],
    doc_id: str,
    article_id: str,
    a: int,
    b: int,
    para: int,
    role: Role,
    regions: list[tuple[int, int]],
) -> Sentence:
    quoted: tuple[Span, ...] = ()
    if regions:
        found: list[Span] = []
        for qa, qb in regions[: bisect_left(regions, (b,))]:
            x, y = max(qa + 1, a), min(qb, b)
            if x < y:
                found.append(Span(to_raw[x], to_raw[y - 1] + 1))
        quoted = tuple(sorted(found))
    return Sentence(doc_id, article_id, Span(to_raw[a], to_raw[b - 1] + 1), Span(a, b), para, role, quoted)
