"""Hypothesis strategies for Chinese official prose and the damage PDF extraction does to it."""

from __future__ import annotations

from hypothesis import strategies as st

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
DIGIT = st.sampled_from("0123456789")
INNER_PUNCT = st.sampled_from(list("，；：、") + ["“", "”", "‘", "’", "《", "》", "（", "）"])


@st.composite
def clause(draw: st.DrawFn) -> str:
    """A run of Han characters, sometimes with digits or inner punctuation."""
    parts = [draw(st.text(HAN, min_size=4, max_size=16))]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 2))
        if kind == 0:
            parts.append(draw(st.text(DIGIT, min_size=1, max_size=4)))
        elif kind == 1:
            parts.append(draw(INNER_PUNCT))
        parts.append(draw(st.text(HAN, min_size=1, max_size=10)))
    return "".join(parts)


@st.composite
def sentence(draw: st.DrawFn) -> str:
    body = "，".join(draw(st.lists(clause(), min_size=1, max_size=3)))
    return body + draw(st.sampled_from("。。。！？；"))


@st.composite
def paragraph(draw: st.DrawFn, min_sentences: int = 1) -> str:
    return "".join(draw(st.lists(sentence(), min_size=min_sentences, max_size=min_sentences + 4)))


@st.composite
def clean_text(
    draw: st.DrawFn, min_paragraphs: int = 1, max_paragraphs: int = 5, min_sentences: int = 1
) -> str:
    """Clean Chinese text: one paragraph per line, every paragraph ends a sentence."""
    paras = st.lists(paragraph(min_sentences), min_size=min_paragraphs, max_size=max_paragraphs)
    return "\n".join(draw(paras))


def _w(ch: str) -> int:
    return 1 if ch.isascii() else 2


NO_LINE_START = set("，。、；：！？”’）》")  # kinsoku: typesetters never start a line with these


def wrap(paragraph_text: str, width: int) -> list[str]:
    """Break a paragraph into printed lines of at most `width` display units (CJK = 2)."""
    lines, cur, w = [], [], 0
    for ch in paragraph_text:
        if w + _w(ch) > width and cur and ch not in NO_LINE_START:
            lines.append("".join(cur))
            cur, w = [], 0
        cur.append(ch)
        w += _w(ch)
    if cur:
        lines.append("".join(cur))
    return lines


def pdf_damage(text: str, width: int, page_every: int, space_digits: bool) -> tuple[str, bool, float]:
    """What a PDF extractor does to clean text: hard line breaks at `width`, a blank line
    after every printed line, a page number line every `page_every` lines, spaces between
    CJK characters and digits. Returns (damaged text, whether every paragraph's last line
    is clearly short — when it is not, a paragraph end is ambiguous even for a human, and
    the share of printed lines that are full)."""
    out: list[str] = []
    unambiguous = True
    n = 0
    full = 0
    page = 1
    paras = [wrap(_space_digits(p) if space_digits else p, width) for p in text.split("\n")]
    widest = max(sum(_w(c) for c in ln) for lines in paras for ln in lines)
    tol = max(6, widest // 10)
    for lines in paras:
        # the extractor's spaces are visible gaps in the printed line, so they take width
        if sum(_w(c) for c in lines[-1]) > width - max(8, width // 10 + 2):
            unambiguous = False
        # a sentence ending a line, then a line a little short of the widest (2-wide characters
        # and spaced digits make wrapped lines uneven): an indented paragraph start to a reader
        for a, b in zip(lines, lines[1:-1], strict=False):
            wb = sum(_w(c) for c in b)
            if a.rstrip().endswith(("。", "！", "？")) and widest - tol <= wb <= widest - 3:
                unambiguous = False
        for line in lines:
            full += sum(_w(c) for c in line) >= width - 2
            out.append(line)
            out.append("")
            n += 1
            if page_every and n % page_every == 0:
                out.extend([str(page), ""])
                page += 1
    return "\n".join(out), unambiguous, full / max(n, 1)


def _space_digits(line: str) -> str:
    chars = []
    for i, ch in enumerate(line):
        if i and (ch.isdigit() != line[i - 1].isdigit()) and max(ch, line[i - 1]) >= "\u4e00":
            chars.append(" ")
        chars.append(ch)
    return "".join(chars)
