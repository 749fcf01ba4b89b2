"""`normalise`: raw article text → NormText (comparison text + map back to raw offsets).

Why: copies of one text differ in layout, not wording. A PDF extraction breaks every
printed line and puts a blank line after it, adds page numbers and spaces around digits
(`2024 年 06 月`); a web copy wraps a paragraph per line and adds Markdown (`#`, `**`, `★`).
Matching must see through that, but every result must still point at exact raw offsets
(design.md §2). So each repair is a small function that *returns edits* (textacy's
one-fixer-per-damage layout, without its `str → str` loss of offsets), and `normalise`
applies them to the text and to the offset map with slices, never with a per-character loop.

Contract of the result (`NormText`):
- `text`: paragraphs separated by exactly one "\\n"; no other whitespace inside CJK text;
  a single space between Latin words; markup, page numbers, running headers and
  table-of-contents leader lines removed; width-folded (see `fold_width`).
- `to_raw[i]` is the absolute raw offset of normalised character i; every kept character
  comes from `raw[to_raw[i]]` (identical up to `fold_width`); a "\\n" or " " that replaces
  a whitespace run maps to the run's first raw character. The map is strictly increasing
  over characters, and `to_raw[len(text)] == span.end` (the raw end of the span given).

Width rule (`fold_width`, length-preserving): fullwidth ASCII letters, digits and symbols
(U+FF01–FF5E) become ASCII, except the seven that Chinese uses as its own punctuation —
！（），：；？ — which stay fullwidth; conversely ASCII `, ; : ! ? ( )` touching a CJK
character become those fullwidth forms. So both spellings of one sentence compare equal.
U+3000 and other spaces become " "; halfwidth ｡､｢｣ become 。、「」; CJK compatibility
ideographs become their unified forms (NFKC). Chinese quotation marks “”‘’ are kept.

Line regime: the text's own statistics decide whether single line breaks are wrapping
(PDF / hard-wrapped text: most lines are about as wide as the widest lines and end
mid-sentence) or paragraph breaks (clean text: one paragraph per line). See `_profile`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from .model import NormText, Span

__all__ = [
    "Edit",
    "LayoutProfile",
    "compact",
    "fold_width",
    "inline_edits",
    "layout_profile",
    "line_edits",
    "normalise",
]

Edit = tuple[int, int, str]  # replace text[start:end] by str ("" = delete); sorted, disjoint

# --- character classes -------------------------------------------------------------------
CJK = (
    "\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_RE = re.compile(f"[{CJK}]")


def _is_cjk(c: str) -> bool:
    """Fast single-character version of the CJK class above (Han, kana, CJK punctuation,
    fullwidth forms)."""
    return "\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\uffef"


FINAL = "。！？；：…!?;:."  # a line ending in one of these may end a paragraph
CLOSERS = "”’」』）)》〉】\"'"
_ENUM_START = re.compile(
    r"(?:第[一二三四五六七八九十百]+[，,、是]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、．](?!\d))"
)

# --- width folding (length-preserving) ----------------------------------------------------
_KEEP_FULLWIDTH = set("！（），：；？")


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xFF01, 0xFF5F):
        if chr(cp) not in _KEEP_FULLWIDTH:
            table[cp] = chr(cp - 0xFEE0)
    for cp in (0x3000, 0x00A0, 0x1680, 0x202F, 0x205F, *range(0x2000, 0x200B)):
        table[cp] = " "
    table.update({0xFF61: "。", 0xFF64: "、", 0xFF62: "「", 0xFF63: "」", 0xFE50: "，", 0xFE52: "."})
    for cp in range(0xF900, 0xFB00):
        n = unicodedata.normalize("NFKC", chr(cp))
        if len(n) == 1 and n != chr(cp):
            table[cp] = n
    return table


_FOLD = _build_fold_table()
_HALF2FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_ASCII_PUNCT_IN_CJK = re.compile(f"[,;:!?()](?:(?=[{CJK}])|(?<=[{CJK}][,;:!?()]))")
_FOLD_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FOLD)) + "]+")


def fold_width(text: str) -> str:
    """Unify full-/half-width forms (rule in the module docstring). Same length as input,
    so the offset map is untouched."""
    text = _FOLD_RE.sub(lambda m: m.group().translate(_FOLD), text)
    return _ASCII_PUNCT_IN_CJK.sub(lambda m: _HALF2FULL[m.group()], text)


# --- applying edits -------------------------------------------------------------------------
_INT_TABLE_MAX = 1 << 22  # offsets up to here come from one shared tuple of ints
_int_table: tuple[int, ...] = ()


def _offsets(size: int) -> tuple[int, ...] | range:
    """A sequence whose item i is i, for i < size: slices of it are runs of offsets.

    Why: `to_raw` holds one Python int per character, and ints above 256 are separate
    objects. Slicing one shared tuple reuses the same int objects, which is several times
    faster than creating them and saves ~32 bytes per character of the corpus. Beyond
    `_INT_TABLE_MAX` a `range` (whose slices are ranges) does the same job, slower."""
    global _int_table
    if size > _INT_TABLE_MAX:
        return range(size)
    if size > len(_int_table):
        _int_table = tuple(range(min(_INT_TABLE_MAX, max(size, 2 * len(_int_table), 1 << 16))))
    return _int_table


def apply_edits(text: str, offset: int, edits: list[Edit]) -> tuple[str, tuple[int, ...]]:
    """Apply sorted, disjoint edits (each replaces a non-empty range by at most one
    character) to `text`, whose character i sits at raw offset `offset + i`. Returns the
    new text and its `to_raw` map (len + 1 entries, last = offset + len(text)).

    Cost is per edit, not per character: the text is joined from slices between edits and
    the map from slices of runs of offsets (a replacement keeps its range's first offset)."""
    n = len(text)
    ints = _offsets(offset + n + 1)
    parts: list[str] = []
    runs: list[Sequence[int]] = []
    prev = 0
    for s, e, r in edits:
        parts.append(text[prev:s])
        parts.append(r)
        runs.append(ints[offset + prev : offset + s + (r != "")])
        prev = e
    parts.append(text[prev:])
    runs.append(ints[offset + prev : offset + n + 1])
    return "".join(parts), tuple(chain.from_iterable(runs))


# --- line classification ----------------------------------------------------------------------
_CONTENT_LINE = re.compile(r"^[^\S\n]*(\S(?:[^\n]*\S)?)[^\S\n]*$", re.M)
_HR = re.compile(r"(?:-{3,}|\*{3,}|_{3,}|={3,}|(?:- ){2,}-|(?:\* ){2,}\*)")
_PAGE_NO = re.compile(
    r"(?:[-–—－]\s*)?\d{1,4}(?:\s*[-–—－])?"
    r"|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?i:page|p\.)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?"
)
_TOC = re.compile(r"(?:\.{4,}|…{2,}|·{4,}|(?:\. ){3,}|\.{3,}\s)\s*\d{1,4}$")
_MARKUP_ONLY = re.compile(r"[\s*_#★☆●■◆▲>\-=]+")
_BLANK_GAP = re.compile(r"\n[^\S\n]*\n")
_MARKUP_FIRST = frozenset("-*_=#★☆●■◆▲>")
_TRAIL_MARKUP = "*_★☆●■◆▲ \t"
_LEAD_FIRST = frozenset("#>-*+•▪●■◆▲★☆_")
_SOURCE_FIRST = frozenset("（(来出※Ss")
_LEAD_MARKUP = re.compile(r"(?:#{1,6}[^\S\n]*|>[^\S\n]?|[-*+•▪][^\S\n]+|[●■◆▲★☆][^\S\n]*|\*\*|__)+")
_SOURCE_LIKE = re.compile(r"^[（(]?\s*(?:来源|来源于|出处|Source)\s*[：:]|^※")


def _width(s: str) -> int:
    """Display width: 2 for CJK/other wide characters, 1 for ASCII (PDF fonts set digits
    and Latin about half as wide as Han characters; spaces count, they are visible gaps)."""
    return 2 * len(s) - len(s.encode("ascii", "ignore"))


def _ends_final(s: str) -> bool:
    """Does a line end where a paragraph may end (sentence-final punctuation, maybe followed
    by a closing quote), or is it a source line / a wholly bracketed note?"""
    c = s[-1]
    if c in FINAL or c in CLOSERS and len(s) > 1 and s[-2] in FINAL:
        return True
    if c in "）)" and s[0] in "（(":
        return True
    # _SOURCE_LIKE is anchored (match == search) and starts with one of these or a space
    return (s[0] in _SOURCE_FIRST or s[0].isspace()) and _SOURCE_LIKE.match(s) is not None


@dataclass(frozen=True, slots=True)
class LayoutProfile:
    """What a document's layout looks like, estimated from the text itself."""

    wrapped: bool  # single line breaks are wrapping (PDF / hard-wrapped), not paragraphs
    width: int  # typical full line width (display units): the commonest width of the wider half
    tol: int  # a line narrower than width - tol is "clearly short"
    trailing_marks_paragraph: bool  # trailing whitespace marks paragraph ends (some PDF tools)
    headers: frozenset[str]  # running headers/footers: short lines repeated >= 3 times
    blank_after_every_line: bool = False  # PDF style: blank lines carry no meaning; otherwise
    # (hard-wrapped plain text) a blank line is a paragraph break


def _may_drop(c: str, headers: frozenset[str]) -> bool:
    """Cheap necessary condition for `_drop_kind(c, headers) != 0`: most lines end in text
    and start without markup, so the regexes run only on the few that might be dropped."""
    return c[-1] in _DROP_LAST or c[-1].isdigit() or c[0] in _MARKUP_FIRST or c in headers


_DROP_LAST = frozenset("页-–—－")


def _drop_kind(c: str, headers: frozenset[str]) -> int:
    """0 keep, 1 drop silently (page number, header), 2 drop and keep a boundary (TOC, rule)."""
    last = c[-1]
    if last.isdigit() or last in "页-–—－":  # cheap pre-filter: most lines end otherwise
        if _PAGE_NO.fullmatch(c):
            return 1
        if _TOC.search(c):
            return 2
    if c[0] in _MARKUP_FIRST and (_HR.fullmatch(c) or _MARKUP_ONLY.fullmatch(c)):
        return 2
    if c in headers:
        return 1
    return 0


_LINE_PARTS = re.compile(r"^[^\S\n]*(\S(?:[^\n]*\S)?)([^\S\n]*)$", re.M)  # content, trailing


@lru_cache(maxsize=8)
def layout_profile(raw: str, language: str = "zh") -> LayoutProfile:
    """Estimate the layout regime of a whole document (cached per raw string).

    Lines come from one `findall` (content and trailing whitespace), and widths are
    computed once per distinct line: this runs over every line of the corpus."""
    found = _LINE_PARTS.findall(raw)
    counts = Counter(c for c, _ in found)
    wid = {c: 2 * len(c) - len(c.encode("ascii", "ignore")) for c in counts}  # _width
    all_w = sorted(wid.values())
    # well below typical body lines: a wrapped body line that happens to recur is not a header
    short = min(40, (4 * all_w[(3 * len(all_w)) // 4]) // 5) if all_w else 0
    headers = frozenset(
        c
        for c, k in counts.items()
        if k >= 3
        and wid[c] <= short
        and not re.search(r"[。！？，、：；,.;:!?]", c)
        and not c.startswith("#")
        and not _SOURCE_LIKE.search(c)
        and not _drop_kind(c, frozenset())
    )
    body = [  # width, ends final, trailing whitespace (other than \r)
        (wid[c], _ends_final(c), bool(t) and bool(t.strip("\r")))
        for c, t in found
        if c[0] != "#" and not (_may_drop(c, headers) and _drop_kind(c, headers))
    ]
    n = len(body)
    if n == 0:
        return LayoutProfile(False, 0, 0, False, headers)
    widths = sorted(w for w, _, _ in body)
    upper = Counter(widths[n // 2 :])
    width = max(upper, key=lambda w: (upper[w], w))  # the commonest wide line = a full line
    tol = max(6, width // (4 if language == "en" else 10))
    full = [b for b in body if b[0] >= width - tol]
    broken = sum(1 for b in full if not b[1])
    wrapped = n >= 4 and broken >= 2 and broken >= 0.3 * n
    trailing = [b for b in body if b[2]]
    marks = (
        wrapped
        and 0 < len(trailing) <= 0.6 * n
        and sum(1 for b in trailing if b[1] or b[0] < width - tol) >= 0.8 * len(trailing)
    )
    blank_every = len(_BLANK_GAP.findall(raw)) >= 0.5 * n
    return LayoutProfile(wrapped, width, tol, marks, headers, blank_every)


def _indent(raw_line_start: str) -> int:
    return sum(2 if ch in "\u3000\t" else 1 for ch in raw_line_start)


def _join_sep(a: str, b: str, language: str) -> str:
    """What replaces a wrapped line break between line texts a and b."""
    x, y = a[-1], b[0]
    if _is_cjk(x) or _is_cjk(y):
        return ""
    if language == "en":
        if x == "-" and y.islower():
            return ""
        return " "
    return " " if (x.isascii() and x.isalpha() and y.isascii() and y.isalpha()) else ""


def line_edits(
    text: str, profile: LayoutProfile, *, language: str = "zh", raw_text: str | None = None
) -> list[Edit]:
    """Line-level repairs: drop page-number/header/TOC/rule lines, strip leading markup
    (`#`, `>`, list bullets), trim line edges, and replace every line gap by "\\n"
    (paragraph break), "" or " " (wrapped line joined). `raw_text` (same length as `text`,
    before width folding) is used to measure indentation.

    Wrapped (PDF) text — a line break is a paragraph break when the line before is clearly
    shorter than a full line, or when it is full, ends a sentence and one more cue agrees:
    the extractor marks paragraph ends with trailing spaces (learnt per document), the next
    line is indented, starts an enumeration (第三，/ 一、/ （一）), or is a lost first-line
    indent (about two characters narrower than a full line while not ending a sentence).
    Otherwise the lines are joined. A blank line is a paragraph break unless the document
    puts one after every printed line.
    Clean text — every line is a paragraph, except a long prose line that stops mid-sentence
    (page break in a web copy), which is joined to a following prose line."""
    raw_text = raw_text if raw_text is not None else text
    edits: list[Edit] = []
    prev_end = 0  # end of previous kept content (or 0)
    prev: str | None = None
    prev_heading = False
    prev_trailing = False
    boundary = False
    wrapped, width, tol, headers = profile.wrapped, profile.width, profile.tol, profile.headers
    blank_gaps = not profile.blank_after_every_line
    for m in _CONTENT_LINE.finditer(text):
        c = m.group(1)
        if _may_drop(c, headers) and (kind := _drop_kind(c, headers)):
            boundary = boundary or kind == 2
            continue
        cs, ce = m.span(1)
        heading = c[0] == "#"
        lead = _LEAD_MARKUP.match(c) if c[0] in _LEAD_FIRST else None
        if lead:
            cs += lead.end()
            if cs >= ce:  # nothing but markup
                boundary = True
                continue
            c = text[cs:ce]
        if c[-1] in _TRAIL_MARKUP:  # judge the line by its words, not its closing `**`
            c = c.rstrip(_TRAIL_MARKUP) or c
        if prev is None:
            sep = ""
        elif boundary or heading or prev_heading or (c[0] in _SOURCE_FIRST and _SOURCE_LIKE.search(c)):
            sep = "\n"
        elif wrapped:
            if (blank_gaps and _BLANK_GAP.search(text, prev_end, cs)) or (
                _width(prev) < width - tol
                or _ends_final(prev)
                and (
                    (prev_trailing and profile.trailing_marks_paragraph)
                    or _indent(raw_text[m.start() : m.start(1)]) >= 2
                    or _ENUM_START.match(c)
                    or (width - tol <= _width(c) <= width - 3 and not _ends_final(c))
                )
            ):
                sep = "\n"
            else:
                sep = _join_sep(prev, c, language)
        else:
            sep = "\n"
            if not _ends_final(prev) and not _ENUM_START.match(c):
                if language == "en":
                    if c[0].islower():
                        sep = _join_sep(prev, c, language)
                elif (
                    _width(prev) >= 40
                    and re.search("[，、。；]", prev)
                    and (_ends_final(c) or _width(c) >= 80)
                ):
                    sep = _join_sep(prev, c, language)
        if cs > prev_end or sep:
            edits.append((prev_end, cs, sep))
        prev_end = ce
        prev, prev_heading, boundary = c, heading, False
        me = m.end()
        prev_trailing = me > ce and (me - ce > 1 or text[ce] != "\r")
    if prev_end < len(text):
        edits.append((prev_end, len(text), ""))
    return edits


# --- in-line repairs --------------------------------------------------------------------------
_SYM = "★☆●■◆▲\u200b\u200c\u200d\u2060\ufeff\u00ad"  # decorative symbols, zero-width chars
_WSC = " \t\r\f\v\x1c-\x1f\x85\u2028\u2029"  # whitespace left after fold_width
_J = f"(?:[{_WSC}{_SYM}]|\\*\\*|__)"
# runs that need an edit; a lone space between two non-CJK characters is left alone, so
# English text costs no Python work per word. The cases — a run of two or more tokens, one
# token other than a lone space, a space before a CJK character, a space after one — are
# written to open with one character class (lookbehinds tell which token began), so the regex
# engine skips ordinary text with a fast class scan rather than trying each case per character.
_MARKS = _SYM + "*_"
_JUNK = re.compile(
    f"[{_WSC}{_MARKS}]"
    f"(?:(?<=[{_WSC}{_SYM}])(?:{_J}+|(?<=[{_WSC[1:]}{_SYM}])|(?<= )(?=[{CJK}])|(?<=[{CJK}] ))"
    f"|(?<=\\*)\\*(?:{_J}+)?|(?<=_)_(?:{_J}+)?)"
)


def inline_edits(text: str) -> list[Edit]:
    """In-line repairs, fused into one scan for speed: delete emphasis markers and
    decorative symbols (`**`, `__`, ★☆●■◆▲) and zero-width characters; whitespace goes
    when it touches a CJK character or a line edge (`2024 年` → `2024年`, `打 牢` → `打牢`),
    otherwise becomes one space (between Latin words)."""
    edits: list[Edit] = []
    n = len(text)
    for m in _JUNK.finditer(text):
        s, e = m.span()
        g = m.group()
        if not g.strip(_MARKS):  # markup only
            edits.append((s, e, ""))
            continue
        x = text[s - 1] if s else "\n"
        y = text[e] if e < n else "\n"
        if x == "\n" or y == "\n" or _is_cjk(x) or _is_cjk(y):
            edits.append((s, e, ""))
        elif g != " ":
            edits.append((s, e, " "))
    return edits


def _merge(line: list[Edit], inline: list[Edit]) -> list[Edit]:
    """Line edits win: keep only the parts of in-line edits that fall inside kept lines."""
    out: list[Edit] = []
    j = 0
    nl = len(line)
    for s, e, r in inline:
        while j < nl and line[j][1] <= s:
            out.append(line[j])
            j += 1
        if j < nl and line[j][0] < e:  # overlaps a line edit: keep the part before it
            if s < line[j][0]:
                out.append((s, line[j][0], ""))
            continue
        out.append((s, e, r))
    out.extend(line[j:])
    return out


# --- the stage ---------------------------------------------------------------------------------
def normalise(raw: str, span: Span, *, language: str = "zh") -> NormText:
    """Normalise raw[span] for comparison; `to_raw` maps back to absolute raw offsets."""
    src = raw[span.start : span.end]
    text = fold_width(src)
    edits = line_edits(text, layout_profile(raw, language), language=language, raw_text=src)
    text, to_raw = apply_edits(text, span.start, _merge(edits, inline_edits(text)))
    return NormText(text, to_raw)


# --- matching helper --------------------------------------------------------------------------
_NOT_COMPACT = re.compile(
    r"[\s\u2000-\u206f\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    r"\u00a1-\u00bf\u00d7\u00f7\u2190-\u27bf!-/:-@\[-`{-~]+"
)


def compact(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` without whitespace and punctuation, with offsets of each kept character in
    `text` (plus len(text) at the end). For shingling and verbatim matching."""
    keep_spans: list[tuple[int, int]] = []
    pos = 0
    for mm in _NOT_COMPACT.finditer(text):
        if mm.start() > pos:
            keep_spans.append((pos, mm.start()))
        pos = mm.end()
    if pos < len(text):
        keep_spans.append((pos, len(text)))
    out = "".join(text[s:e] for s, e in keep_spans)
    offs = list(chain.from_iterable(range(s, e) for s, e in keep_spans))
    offs.append(len(text))
    return out, tuple(offs)
