"""`dates`: text → ISO dates, as Chinese official texts (and English ones) state them.

Why: article and document dates orient every reuse (earlier → later), and most texts give
their dates only in prose: source lines (`（来源：新华社，2026年4月30日）`), datelines
(`新华社北京 1月 19 日电`), closing notes (`※这是…2023年2月21日…的讲话`) or a signature line.
PDF extraction adds spaces (`2024 年 06 月 25 日`); digits may be full-width or Chinese
numerals. Results are ISO strings: `YYYY-MM-DD`, or the prefixes `YYYY-MM` / `YYYY`.

Pure functions, no I/O.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from .model import Span

__all__ = [
    "SourceLine",
    "document_date",
    "find_dates",
    "is_iso_date",
    "is_source_line",
    "lead_date",
    "note_date",
    "parse_date",
    "parse_source_line",
    "to_iso",
]

# --------------------------------------------------------------------------- numbers

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "Ｏ": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_YEAR = "〇○零Ｏ一二三四五六七八九"
_CN_SMALL = "一二三四五六七八九十"


def _year(s: str) -> int:
    """'2023', '２０２３' or '二〇二三' → 2023."""
    s = s.strip()
    if s.isdecimal():
        return int(s)
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def _small(s: str) -> int:
    """Month or day: '06', '６', '十一', '二十一', '三十' → int."""
    s = s.strip()
    if s.isdecimal():
        return int(s)
    if "十" not in s:
        return _CN_DIGITS[s] if len(s) == 1 else -1
    tens, _, units = s.partition("十")
    t = _CN_DIGITS.get(tens, -100) if tens else 1
    u = _CN_DIGITS.get(units, -100) if units else 0
    return t * 10 + u


def to_iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """Valid calendar date (or prefix) → ISO string; None when it is no date."""
    if not 1000 <= year <= 2999:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


_ISO_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def is_iso_date(s: str) -> bool:
    """True for a valid `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (what the manifest accepts)."""
    m = _ISO_RE.fullmatch(s) if s.isascii() else None
    if not m:
        return False
    y, mo, d = m.groups()
    return to_iso(int(y), int(mo) if mo else None, int(d) if d else None) == s


# --------------------------------------------------------------------------- patterns

_S = r"[ \t\u3000\u00a0]*"  # spaces PDF extraction puts inside dates (never line breaks)
_NUM = r"[0-9０-９]"
_YEAR = rf"(?:{_NUM}{{4}}|[{_CN_YEAR}]{{4}})"
_MD = rf"(?:{_NUM}{{1,2}}|[{_CN_SMALL}]{{1,3}})"

_CN_FULL = re.compile(
    rf"(?P<y>{_YEAR}){_S}年{_S}(?P<m>{_MD}){_S}月(?:{_S}(?P<d>{_MD}){_S}[日号])?",
)
_CN_MONTH_DAY = re.compile(rf"(?<![0-9０-９年{_CN_YEAR}]){_S}(?P<m>{_MD}){_S}月{_S}(?P<d>{_MD}){_S}[日号]")
_CN_DAY_ONLY = re.compile(
    rf"(?<![0-9０-９月{_CN_SMALL}])(?P<d>{_NUM}{{1,2}}){_S}日{_S}(?=上午|下午|晚上|晚|早上|凌晨|中午|电)"
)
_NUM_DATE = re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d.])")

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9}
_ABBR |= {"oct": 10, "nov": 11, "dec": 12}
_EN_MONTH = r"(?:" + "|".join(sorted([*_MONTHS, *_ABBR], key=len, reverse=True)) + r")"
_ORD = r"(?:st|nd|rd|th)?"
_EN_MDY = re.compile(
    rf"\b(?P<mon>{_EN_MONTH})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})\b", re.IGNORECASE
)
_EN_DMY = re.compile(
    rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?P<mon>{_EN_MONTH})\.?,?\s+(?P<y>\d{{4}})\b", re.IGNORECASE
)
# Month-year only with a capitalised full month name ("May 2026"), so that "may" the verb is safe.
_EN_MY = re.compile(r"\b(?P<mon>" + "|".join(m.capitalize() for m in _MONTHS) + r")\s+(?P<y>\d{4})\b")


def _month(name: str) -> int:
    n = name.lower().rstrip(".")
    return _MONTHS.get(n) or _ABBR[n]


# every pattern below with a year holds four digits (`\d`, as in the patterns) or 年
_MAY_HAVE_YEAR = re.compile(r"\d{4}|年")


def _scan(text: str) -> list[tuple[int, int, str]]:
    """Every date with a year in `text`, as (start, end, iso), earliest first, no overlaps.
    Most lines hold no date: one cheap search spares them the five date patterns."""
    found: list[tuple[int, int, str]] = []
    if not _MAY_HAVE_YEAR.search(text):
        return found
    for m in _CN_FULL.finditer(text):
        iso = to_iso(_year(m["y"]), _small(m["m"]), _small(m["d"]) if m["d"] else None)
        if iso:
            found.append((m.start(), m.end(), iso))
    for rx in (_EN_MDY, _EN_DMY):
        for m in rx.finditer(text):
            iso = to_iso(int(m["y"]), _month(m["mon"]), int(m["d"]))
            if iso:
                found.append((m.start(), m.end(), iso))
    for m in _EN_MY.finditer(text):
        iso = to_iso(int(m["y"]), _month(m["mon"]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _NUM_DATE.finditer(text):
        iso = to_iso(int(m["y"]), int(m["m"]), int(m["d"]))
        if iso:
            found.append((m.start(), m.end(), iso))
    return _no_overlaps(found)


def _no_overlaps(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the longest match where matches overlap (e.g. 'May 1, 2026' over 'May 2026')."""
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[tuple[int, int, str]] = []
    for f in found:
        if out and f[0] < out[-1][1]:
            continue
        out.append(f)
    return out


def _context(context: str | None) -> tuple[int | None, int | None]:
    if not context:
        return None, None
    m = _ISO_RE.match(context)
    if not m:
        return None, None
    return int(m[1]), int(m[2]) if m[2] else None


def find_dates(text: str, *, context: str | None = None) -> list[tuple[Span, str]]:
    """All dates in `text` as (span into text, iso), in order.

    Dates need a year unless `context` (an ISO date or prefix) supplies one: then month–day
    expressions (`1月 19 日`) take the context's year. Bare years (`2035年`) are not dates.
    """
    found = _scan(text)
    year, _ = _context(context)
    if year is not None:
        taken = [(s, e) for s, e, _ in found]
        for m in _CN_MONTH_DAY.finditer(text):
            s, e = m.start("m"), m.end()
            if any(s < te and ts < e for ts, te in taken):
                continue
            iso = to_iso(year, _small(m["m"]), _small(m["d"]))
            if iso:
                found.append((s, e, iso))
        found = _no_overlaps(found)
    return [(Span(s, e), iso) for s, e, iso in found]


def parse_date(text: str, *, context: str | None = None) -> str | None:
    """The first date in `text` (see `find_dates`), or None."""
    found = find_dates(text, context=context)
    return found[0][1] if found else None


# --------------------------------------------------------------------------- source lines

_SOURCE_RE = re.compile(
    r"^[\s>*#]*[（(【\[〔]?\s*(?:\*\*)?\s*(?:来源|來源|稿源|出处|出處|转自|轉自|转载自|轉載自|原载|原載|刊载于|刊載於|source)\s*(?:\*\*)?\s*[：:]\s*(?P<body>.*)$",
    re.IGNORECASE,
)
_SOURCE_MAX_CHARS = 120
_ISSUE_RE = re.compile(
    rf"(?:(?P<y>{_YEAR}){_S}年{_S})?第{_S}(?P<n>{_NUM}{{1,3}}|[{_CN_SMALL}百]{{1,4}}){_S}期"
)
_PUB_END = re.compile(rf"[，,;；（(【\[｜|]|{_YEAR}{_S}年|\d{{4}}[-./]|\s{{2,}}")


@dataclass(frozen=True, slots=True)
class SourceLine:
    """What a source line says: who published the text, when, and in which issue."""

    publisher: str | None
    date: str | None
    issue: str | None = None


def is_source_line(line: str) -> bool:
    """A short line that opens with 来源：/ 稿源：/ Source: (optionally in brackets)."""
    s = line.strip()
    if not s or len(s) > _SOURCE_MAX_CHARS:
        return False
    return _SOURCE_RE.match(s) is not None


def parse_source_line(line: str, *, context: str | None = None) -> SourceLine | None:
    """`（来源：新华社，2026年4月30日）` → SourceLine('新华社', '2026-04-30'); None if no source line.

    A journal issue (`2023 年第 15 期`) gives the year as the date and `第15期` as the issue.
    """
    s = line.strip()
    if not is_source_line(s):
        return None
    m = _SOURCE_RE.match(s)
    assert m is not None
    body = m["body"].strip()
    body = re.sub(r"[）)】\]〕]\s*$", "", body).strip()  # the bracket that closes the whole line
    if body.count("（") + body.count("(") > body.count("）") + body.count(")"):
        body += "）"  # keep an inner bracket balanced after removing the outer one
    cut = _PUB_END.search(body)
    publisher = (body[: cut.start()] if cut else body).strip(" \t\u3000*,，:：") or None
    rest = body[cut.start() :] if cut else ""
    issue = None
    date = None
    im = _ISSUE_RE.search(rest)
    if im:
        n = im["n"]
        issue = f"第{int(n) if n.isdecimal() else n}期"
        if im["y"]:
            date = to_iso(_year(im["y"]))
    found = find_dates(rest, context=context)
    if found:
        date = found[0][1]
    return SourceLine(publisher=publisher, date=date, issue=issue)


# --------------------------------------------------------------------------- notes, datelines

_NOTE_RE = re.compile(r"^[\s>]*[※＊]")
_LEAD_LIMIT = 200


def note_date(text: str) -> str | None:
    """Date of a closing note such as `※这是习近平总书记2023年2月21日在…的讲话`.

    `text` starts at the note (it may run over PDF line breaks); the first full date up to
    the note's first full stop is the date the note gives (a speech's delivery date).
    """
    if not _NOTE_RE.match(text):
        return None
    end = text.find("。")
    head = text[: end if end >= 0 else _LEAD_LIMIT]
    return parse_date(head)


def lead_date(text: str, *, context: str | None = None) -> str | None:
    """Date stated in a news lead: `新华社北京 1月 19 日电`, `…1月 31 日下午就…`, `…24 日上午在…`.

    `text` is the start of an article's body; only its first sentence is read. A month–day
    takes the year of `context`; a bare day (`24 日上午`) takes its year and month.
    """
    end = text.find("。")
    head = text[: end if 0 <= end < _LEAD_LIMIT else _LEAD_LIMIT]
    found = find_dates(head, context=context)
    if found:
        return found[0][1]
    year, month = _context(context)
    if year is not None and month is not None:
        for m in _CN_DAY_ONLY.finditer(head):
            before = head[: m.start()].rstrip(" \t\u3000\u00a0")
            if before.endswith("月"):
                continue  # a month–day the context year could not place; not a bare day
            return to_iso(year, month, int(m["d"]))
    return None


# --------------------------------------------------------------------------- documents

_LINE_RE = re.compile(r"[^\r\n]+")  # non-empty lines only
# a web page's date label: 发布时间：2024年3月18日 / 日期: / 成文日期：
_DATE_LABEL = re.compile(r"(?:发布|印发|成文|发文|公布|更新)?(?:时间|日期)\s*[：:]$")
_DATE_LINE_CHARS = 24  # a line that is only a date (a signature) is at most this long
_BODY_FALLBACK_CHARS = 1500
_HEAD_SCAN = 6000
_TAIL_SCAN = 3000


def document_date(text: str, *, lead: bool = True) -> str | None:
    """The date a text gives for itself, when no manifest does.

    The first of: a source line's date, a closing ※ note, a line that is only a date (the
    signature of a notice), a dated heading, a full-year dateline. Failing those (and with
    `lead`), a full date (Chinese or English) that opens a paragraph or a sentence in the
    opening part of the text, as a news lead's does (2024年3月5日，…); a date inside a
    sentence is what the text talks about (早在2016年5月30日召开的…, 截止时间为…), not when it
    was written. None when there is none.
    """
    # a text states its own date near its head (source line, dateline, signature) or in a
    # closing ※ note: scan those regions only, not the whole body of a long document
    regions = [(0, min(len(text), _HEAD_SCAN))]
    if len(text) > _HEAD_SCAN:
        regions.append((max(_HEAD_SCAN, len(text) - _TAIL_SCAN), len(text)))
    lines = (  # lazily: most texts state their date in the first lines
        (m.start(), m.group()) for lo, hi in regions for m in _LINE_RE.finditer(text, lo, hi)
    )
    for start, line in lines:
        s = line.strip()
        if not s:
            continue
        iso: str | None = None
        if is_source_line(s):
            src = parse_source_line(s)
            iso = src.date if src else None
        elif _NOTE_RE.match(s):
            iso = note_date(text[start : start + _LEAD_LIMIT])
        elif len(s) <= _DATE_LINE_CHARS or s.lstrip().startswith("#"):
            found = find_dates(s)
            if found and (s.startswith("#") or _only_date(s, found[0][0])):
                iso = found[0][1]
            elif (
                found and len(found[-1][1]) == 10 and _signature(s, found[-1][0]) and _at_an_end(text, start)
            ):
                iso = found[-1][1]
        elif "电" in s:  # a dateline: a date followed by 电
            for span, d in find_dates(s):
                if s[span.end : span.end + 2].lstrip().startswith("电"):
                    iso = d
                    break
        elif len(s) <= _SIGNATURE_CHARS:
            found = find_dates(s)
            if found and len(found[-1][1]) == 10 and _signature(s, found[-1][0]) and _at_an_end(text, start):
                iso = found[-1][1]
        if iso:
            return iso
    if not lead:
        return None
    head = text[:_BODY_FALLBACK_CHARS]
    # an English report names its date in its first paragraph (The session was held on …);
    # a Chinese one opens a paragraph or sentence with it
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in head)
    english = sum(ch.isascii() and ch.isalpha() for ch in head) > 4 * han
    paragraphs = [p for p in re.split(r"\n\s*\n", head) if p.strip()]
    lead_end = head.find(paragraphs[1]) + len(paragraphs[1]) if len(paragraphs) > 1 else len(head)
    for span, d in find_dates(head):
        before = head[: span.start].rstrip(" \t\u3000")
        line_before = head[head.rfind("\n", 0, span.start) + 1 : span.start]
        if len(d) == 10 and (
            not before
            or before[-1] in "\n。！？!?"
            or _DATE_LABEL.search(before) is not None
            or _LEAD_WORD.fullmatch(line_before) is not None
            or (english and span.start < lead_end)
        ):
            return d
    return None


# a signature on one line: the issuer, a space, the full date (某市教育局　2023年3月15日)
_SIGNATURE_CHARS = 48
_SIGNATURE_ISSUER = re.compile(r"[^\s，。；：,;:！？!?“”\"]{2,40}[ \t\u3000]+")


def _signature(line: str, span: Span) -> bool:
    """The line is an issuer's name, whitespace, then a full date that ends the line."""
    if line[span.end :].strip(" \t\u3000（）()") != "" or not _CN_FULL.fullmatch(
        line[span.start : span.end].strip()
    ):
        return False
    issuer = _SIGNATURE_ISSUER.fullmatch(line[: span.start])
    # (…须于 2023年9月1日 is a wrapped sentence, not a signature)
    return issuer is not None and not issuer.group().rstrip().endswith(
        ("于", "在", "至", "到", "为", "自", "从")
    )


def _at_an_end(text: str, start: int, lines: int = 3) -> bool:
    """The line at `start` is among the first or the last `lines` non-empty lines of text."""
    if start < 2000 and sum(1 for _ in _LINE_RE.finditer(text, 0, start)) < lines:
        return True
    after = _LINE_RE.finditer(text, start, min(len(text), start + 2000))
    return start + 2000 >= len(text) and sum(1 for m in after if m.group().strip()) <= lines


# a news lead's dateline word before the date: 本报讯　2023年3月15日，… / 【新华网讯】2023年…
_LEAD_WORD = re.compile(r"[ \t\u3000【\[（(]*[^\s，。：:；;]{0,10}讯[】\]）)]?[ \t\u3000]*$")


def _only_date(line: str, span: Span) -> bool:
    rest = (line[: span.start] + line[span.end :]).strip(" \t\u3000（）()[]【】,，.。")
    return rest == ""
