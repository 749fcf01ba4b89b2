"""`cues`: raw text + span → is it quoted, is it attributed (design.md §4 `quoted`, `attributed`).

Why: a span in quotation marks or under an attribution cue (习近平强调, ——在…上的讲话) is the
*reuser* side of a reuse, which orients alignments when dates are missing or equal, and the
report shows how much reuse is acknowledged. Pure functions over the raw text; they look
only at the paragraph around the span, so they work on any document, bundle or not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .model import Span

__all__ = ["is_attributed", "is_quoted", "mention_ranges", "paragraph_bounds"]

_OPEN_TO_CLOSE = {"“": "”", "「": "」", "『": "』", "‘": "’", "﹁": "﹂", "﹃": "﹄"}
_CLOSERS = frozenset(_OPEN_TO_CLOSE.values())
_QUOTE_MARKS = frozenset(_OPEN_TO_CLOSE) | _CLOSERS | {'"'}
# A line break after one of these ends a paragraph (hard-wrapped PDF text breaks mid-sentence).
_TERMINATORS = frozenset("。！？!?…；")
_MAX_SCAN = 4000  # never scan further than this from the span, whatever the paragraphs look like


def _is_block_line(line: str) -> bool:
    """Lines that are paragraphs of their own: headings, dash trailers, ※ notes, source lines."""
    s = line.strip()
    return s.startswith(("#", "——", "—", "※", "（来源", "(来源", "来源："))


def paragraph_bounds(raw: str, pos: int) -> tuple[int, int]:
    """[start, end) of the paragraph holding `pos`.

    A paragraph ends at a line break that follows a sentence terminator, at a blank line that
    follows one, and around heading / trailer lines; a line break after other characters is
    PDF wrapping and continues the paragraph.
    """
    pos = max(0, min(pos, len(raw)))
    lo = max(0, pos - _MAX_SCAN)
    hi = min(len(raw), pos + _MAX_SCAN)

    def breaks_after(line_end: int) -> bool:
        """Does the line ending at raw index `line_end` (the '\\n') end a paragraph?"""
        line_start = raw.rfind("\n", 0, line_end) + 1
        line = raw[line_start:line_end]
        if _is_block_line(line):
            return True
        nxt_end = raw.find("\n", line_end + 1)
        nxt = raw[line_end + 1 : nxt_end if nxt_end != -1 else len(raw)]
        if _is_block_line(nxt):
            return True
        s = line.rstrip()
        if not s:
            return False
        last = s[-1]
        if last in _TERMINATORS:
            return True
        # a closing quote or bracket right after a terminator ends the sentence too
        return last in _CLOSERS | {"）", ")"} and len(s) > 1 and s[-2] in _TERMINATORS | {"）", ")"}

    start = lo
    i = raw.rfind("\n", lo, pos)
    while i != -1:
        if breaks_after(i):
            start = i + 1
            break
        i = raw.rfind("\n", lo, i)
    end = hi
    j = raw.find("\n", pos, hi)
    while j != -1:
        if breaks_after(j):
            end = j
            break
        j = raw.find("\n", j + 1, hi)
    while start < pos and raw[start].isspace():
        start += 1
    return start, end


@lru_cache(maxsize=1024)
def _quote_depths(text: str) -> tuple[int, ...]:
    """Depth of quotation at each character of `text` (a paragraph).

    Marks themselves get depth -1 (ignored). A closing mark with no opener means the quote was
    opened before the scanned text (a paragraph boundary guessed too late), so everything
    before it back to the previous closer is marked as quoted.
    """
    depths = [0] * len(text)
    stack: list[str] = []
    last_reset = 0
    for i, ch in enumerate(text):
        if ch == "‘" and 0 < i < len(text) - 1 and text[i - 1].isascii() and text[i - 1].isalnum():
            depths[i] = len(stack)  # a mis-typed apostrophe inside a word
        elif ch in _OPEN_TO_CLOSE:
            stack.append(_OPEN_TO_CLOSE[ch])
            depths[i] = -1
        elif ch == "’" and "’" not in stack and i > 0 and text[i - 1].isascii() and text[i - 1].isalnum():
            depths[i] = len(stack)  # an apostrophe (China’s, leaders’), not a closing quote
        elif ch in _CLOSERS:
            depths[i] = -1
            if ch in stack:
                while stack and stack.pop() != ch:
                    pass
            else:  # unmatched closer: retroactively quoted
                for k in range(last_reset, i):
                    if depths[k] == 0:
                        depths[k] = 1
            last_reset = i + 1
        elif ch == '"':
            depths[i] = -1
            if stack and stack[-1] == '"':
                stack.pop()
            else:
                stack.append('"')
        else:
            depths[i] = len(stack)
    return tuple(depths)


def is_quoted(raw: str, span: Span, *, share: float = 0.8) -> bool:
    """True when at least `share` of the span's non-space characters lie inside quotation
    marks (“…” 「…」 ‘…’ "…"), judged from the enclosing paragraph."""
    if span.end <= span.start or span.end > len(raw):
        return False
    p0, _ = paragraph_bounds(raw, span.start)
    _, p1 = paragraph_bounds(raw, max(span.start, span.end - 1))
    p0 = min(p0, span.start)
    p1 = max(p1, span.end)
    depths = _quote_depths(raw[p0:p1])
    inside = total = 0
    for k in range(span.start - p0, span.end - p0):
        ch = raw[p0 + k]
        if ch.isspace() or ch in _QUOTE_MARKS:
            continue
        total += 1
        if depths[k] > 0:
            inside += 1
    return total > 0 and inside >= share * total


# --------------------------------------------------------------------------- attribution

_LEADER = r"(?:习近平|习主席|总书记|习总书记)"
_SAY = r"(?:深刻指出|明确指出|强调指出|郑重宣示|强调|指出|表示|要求|宣布|说|讲)"
_CN_BEFORE = [
    # 习近平强调 / 习近平总书记在…上的讲话中指出 / 正如习近平总书记所指出的 / 总书记…强调
    re.compile(_LEADER + r"[^。！？\n]{0,60}?" + r"(?:所)?" + _SAY),
]
# 他强调 counts only when the paragraph names the leader before it (keep it simple).
_HE_SAY = re.compile(r"他" + _SAY)
_EN_BEFORE = [
    re.compile(
        r"\b(?:Xi Jinping|Xi|General Secretary Xi|President Xi)\b[^.!?\n]{0,60}?"
        r"\b(?:emphasi[sz]ed|stressed|pointed out|noted|said|stated|declared|urged|called for|"
        r"underlined|underscored|remarked|added)\b",
    ),
]
_EN_HE = re.compile(r"\b(?:[Hh]e)\s+(?:also\s+)?(?:emphasi[sz]ed|stressed|pointed out|noted|said|stated)\b")
_EN_LEADER = re.compile(r"\bXi\b")
# Trailers after a quotation: ——在…上的讲话（日期） / ——摘自《…》 / （…讲话） / （摘自…）
_TRAILER_LINE = re.compile(r"^\s*(?:——|—|--)\s*(?:在|摘自|摘编自|选自|引自|出自|《|习近平|《习近平)")
_TRAILER_PAREN = re.compile(
    r"[（(][^（）()\n]{0,80}?(?:讲话|摘自|摘编自|选自|致信|贺信|指出|强调)[^（）()\n]{0,40}[）)]\s*$"
)
_HEAD_CHARS = 30  # a cue this close to the paragraph start governs the whole paragraph


def _cue_in(text: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.search(text) for p in patterns)


def _he_cue(text: str, paragraph_head: str, leader: re.Pattern[str], he: re.Pattern[str]) -> bool:
    """'他强调' / 'he pointed out' with the leader named earlier in the paragraph."""
    return any(leader.search(paragraph_head + text[: m.start()]) for m in he.finditer(text))


_CLOSED_QUOTE = re.compile(r"[”」』’\"][。！？!?]|[。！？!?][”」』’\"]")


@lru_cache(maxsize=16)
def _simplified(raw: str) -> str:
    """The text with Traditional characters folded to Simplified ones (index.fold_script)."""
    from .index import fold_script  # (index imports this module)

    return fold_script(raw)


def is_attributed(raw: str, span: Span, *, window: int = 80) -> bool:
    """True when an attribution cue governs the span.

    Looks for: a cue in the same paragraph up to `window` characters before the span or at the
    start of the span's own sentence (习近平强调, 总书记…指出, 正如习近平总书记所指出的,
    他强调 after the leader was named, 'Xi Jinping emphasized that', 'he pointed out'); a cue
    opening the paragraph; or a trailer after the span's paragraph (——在…上的讲话,
    ——摘自…, （…讲话）).
    """
    if span.end <= span.start or span.end > len(raw):
        return False
    raw = _simplified(raw)  # 習近平強調 is 习近平强调 (one character for one: offsets hold)
    p0, p1 = paragraph_bounds(raw, span.start)
    p0 = min(p0, span.start)
    ctx0 = max(p0, span.start - window)
    # a cue's quotation that closed with its sentence before the span does not govern it:
    # 习近平总书记指出：“…人才。”各地各部门要… — the span is the commentary's own words
    closed = 0
    if not is_quoted(raw, span):
        for q in _CLOSED_QUOTE.finditer(raw, p0, span.start):
            closed = q.end()
        ctx0 = max(ctx0, closed)
    # the cue may sit inside the span, at the start of its sentence ("习近平强调，要…")
    lead = raw[ctx0 : min(span.end, span.start + 40)]
    head = raw[p0 : min(p0 + _HEAD_CHARS + 10, span.start + 40)]
    leader_zone = raw[p0:ctx0]
    if _cue_in(lead, _CN_BEFORE) or _cue_in(lead, _EN_BEFORE):
        return True
    if _he_cue(lead, leader_zone, re.compile(_LEADER), _HE_SAY):
        return True
    if _he_cue(lead, leader_zone, _EN_LEADER, _EN_HE):
        return True
    if not closed and span.start - p0 > window and (_cue_in(head, _CN_BEFORE) or _cue_in(head, _EN_BEFORE)):
        m = next((p.search(head) for p in (*_CN_BEFORE, *_EN_BEFORE) if p.search(head)), None)
        if m is not None and m.start() <= _HEAD_CHARS:
            return True
    # trailers: the end of the span's own paragraph, then the next non-blank paragraph
    _, pe = paragraph_bounds(raw, max(span.start, span.end - 1))
    pe = max(pe, span.end)
    if _TRAILER_PAREN.search(raw[span.end : pe]) and len(raw[span.end : pe].strip()) <= 120:
        return True
    m = re.compile(r"\S").search(raw, pe)
    if m is not None:
        nxt_end = raw.find("\n", m.start())
        nxt = raw[m.start() : nxt_end if nxt_end != -1 else len(raw)]
        if _TRAILER_LINE.match(nxt) or (nxt.startswith(("（", "(")) and _TRAILER_PAREN.search(nxt)):
            return True
    # a trailer on the same line right after the span: "…。——在…上的讲话"
    rest = raw[span.end : pe]
    k = rest.find("——")
    return k != -1 and not rest[:k].strip(" \u3000”」』。") and bool(_TRAILER_LINE.match(rest[k:]))


# --------------------------------------------------------------------------- mentions
# Naming an event or a document is not reusing its text: 在加强基础研究座谈会上的重要讲话,
# 二十届中央政治局第三次集体学习, 国务院关于全面加强基础科学研究的若干意见 recur wherever the
# event or document is mentioned. These detectors work on compact keys (letters and digits
# only), so they serve the aligner without the raw text.

# (a lookahead, so that overlapping nouns are all seen: 重大会议 holds 大会, glued, and 会议)
_EVENT_NOUN = re.compile(
    r"(?=(座谈会|集体学习|全体会议|全会|代表大会|大会|会议|研讨会|论坛|峰会|开幕式|闭幕式|"
    r"工作会|推进会|表彰会|报告会|学习会|发布会|见面会|交流会))"
)
# An event noun inside another word is no event: 健全会计, 安全会同, 扩大会员国, 社会议题. The
# first character of 全会 / 大会 / 会议 then belongs to the word before it, or the last one (会)
# to the word after it.
_LEFT_GLUE = {
    "全": frozenset("健安完齐周保成"),
    "大": frozenset("扩重强伟广巨远盛庞最加放壮宏博高很较更极增长夸莫浩"),
    "会": frozenset("社机协学工议国体理误约聚都只不将才就也还必总分年省"),
}
_RIGHT_GLUE = frozenset("计同员商谈见签诊聚师合战展")


def _glued(key: str, start: int, noun: str) -> bool:
    end = start + len(noun)
    before = key[start - 1] if start > 0 else ""
    after = key[end] if end < len(key) else ""
    return before in _LEFT_GLUE.get(noun[0], ()) or (noun[-1] == "会" and after in _RIGHT_GLUE)


_SPEECH_NOUN = re.compile(r"(?:发表了?)?(?:重要)?(?:讲话|指示|批示|论述|贺信|回信|致辞|署名文章)(?:精神)?")
_DOCUMENT = re.compile(
    r"关于.{1,30}?的(?:若干|指导|实施)?(?:意见|决定|决议|通知|规定|办法|方案|规划|纲要|条例|报告|建议|指南|计划)"
)
# the news formula that introduces what the leader said: 习近平在主持学习时强调
_ATTRIBUTION = re.compile(r"习近平(?:总书记|同志)?.{0,12}?(?:深刻指出|明确指出|强调指出|强调|指出|表示|要求)")
# words that end a name when scanning back from its head noun: the verb or preposition that
# introduces an event (在…座谈会, 出席…大会) or issuer (…印发)
_STOP_2 = frozenset(
    {
        "出席",
        "主持",
        "参加",
        "召开",
        "举行",
        "进行",
        "发表",
        "视察",
        "考察",
        "印发",
        "出台",
        "强调",
        "指出",
        "贯彻",
        "落实",
        "传达",
        "学习",
        "领会",
        "宣讲",
        "精神",
    }
)
_STOP_1 = frozenset("在于的并和与及向对从是为将把")
_NAME_MAX = 16


def _name_start(key: str, head: int) -> int:
    """Where the name ending in the noun at `head` starts: scan back to a stop word."""
    i = head
    while i > 0 and head - i < _NAME_MAX:
        if key[i - 2 : i] in _STOP_2 or key[i - 1] in _STOP_1:
            break
        i -= 1
    return i


def mention_ranges(key: str) -> list[tuple[int, int]]:
    """[start, end) ranges of a compact key that name an event, a speech or a document, or
    introduce the leader's words (习近平…强调), rather than say something: a name of up to 16
    characters before an event noun such as 座谈会 / 集体学习 / 大会 (not one glued into another
    word), 重要讲话 and the like, and 关于…的意见-style document titles."""
    out = []
    for m in _EVENT_NOUN.finditer(key):
        noun = m.group(1)
        if not _glued(key, m.start(), noun):
            out.append((_name_start(key, m.start()), m.start() + len(noun)))
    for m in _SPEECH_NOUN.finditer(key):
        out.append((m.start(), m.end()))
    for m in _ATTRIBUTION.finditer(key):
        out.append((m.start(), m.end()))
    for m in _DOCUMENT.finditer(key):
        out.append((_name_start(key, m.start()), m.end()))
    return sorted(out)
