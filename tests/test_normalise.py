"""normalise: repairs (table tests on real snippets), the three copies of the 2023 speech,
to_raw invariants on every seed, and PDF-damage invariance (hypothesis)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from quotetrace.model import NormText, Span
from quotetrace.normalise import compact, fold_width, layout_profile, normalise
from tests.strategies import clean_text, pdf_damage, wrap

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEEDS = sorted(RAW.glob("*.txt"))


def read(p: Path) -> str:
    with open(p, encoding="utf-8", newline="") as f:
        return f.read()


def lang_of(p: Path) -> str:
    return "en" if read(p)[:2000].count(" ") > 200 else "zh"


def norm(text: str, language: str = "zh") -> str:
    return normalise(text, Span(0, len(text)), language=language).text


# --- one table per kind of damage, snippets from the seeds -------------------------------------
PDF_SPEECH = (
    " 今天，中央政治局进行第三次集体学习，内容是加强基础研究。\n\n"
    "安排这次集体学习，目的是分析我国基础研究现状和挑战，了解国外\n\n"
    "加强基础研究的主要做法，探讨加快推进我国基础研究发展的措施。\n\n"
    "加强基础研究，是实现高水平科技自立自强的迫切要求，是建设\n\n"
    "世界科技强国的必由之路。党和国家历来重视基础研究工作。新中国\n\n"
    "成立后，党中央发出“向科学进军”号召，广大科技工作者自力更生、\n\n"
    "艰苦奋斗，取得“两弹一星”关键科学问题、人工合成牛胰岛素、多复\n\n"
    "变函数论突破、哥德巴赫猜想证明等重大基础研究成果。改革开放后，\n\n"
    "成果持续涌现。\n\n"
)


def test_a_wrapped_body_line_that_recurs_is_not_a_running_header() -> None:
    # hard-wrapped at 30 columns, the same printed line recurs in three paragraphs: it is as
    # wide as the body, so it is text (found by hypothesis: it used to be dropped)
    line = "一一一一一一一一一 0 一一一一"
    raw = "\n\n".join(f"一一一一一一，一，一一一一一一\n\n{line}\n\n一。" for _ in range(3))
    assert norm(raw).count("一一一一一一一一一0一一一一") == 3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # PDF hard breaks joined, paragraph kept where the next line is a lost first-line indent
        (
            PDF_SPEECH,
            "今天，中央政治局进行第三次集体学习，内容是加强基础研究。安排这次集体学习，目的是分析我国基础研究现状和挑战，"
            "了解国外加强基础研究的主要做法，探讨加快推进我国基础研究发展的措施。\n"
            "加强基础研究，是实现高水平科技自立自强的迫切要求，是建设世界科技强国的必由之路。党和国家历来重视基础研究工作。"
            "新中国成立后，党中央发出“向科学进军”号召，广大科技工作者自力更生、艰苦奋斗，取得“两弹一星”关键科学问题、"
            "人工合成牛胰岛素、多复变函数论突破、哥德巴赫猜想证明等重大基础研究成果。改革开放后，成果持续涌现。",
        ),
        # clean text: one paragraph per line
        (
            "一、总体要求\n以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。\n二、基本原则",
            "一、总体要求\n以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。\n二、基本原则",
        ),
        # clean text with a page break inside a sentence (bulletin)
        (
            "应对国际科技竞争、实现高水平科技自立自强，推动构建新发展格局、实现高质量发展，迫切需要我们加强基础研究，"
            "从源头和底层解决关键技术问题。正因为如此，党的二十\n\n大报告突出强调要加强基础研究、突出原创。\n\n"
            "**第一，强化基础研究前瞻性、战略性、系统性布局。**基础研究处于起始端。",
            "应对国际科技竞争、实现高水平科技自立自强，推动构建新发展格局、实现高质量发展，迫切需要我们加强基础研究，"
            "从源头和底层解决关键技术问题。正因为如此，党的二十大报告突出强调要加强基础研究、突出原创。\n"
            "第一，强化基础研究前瞻性、战略性、系统性布局。基础研究处于起始端。",
        ),
    ],
    ids=["pdf-joins", "clean-lines", "clean-page-break"],
)
def test_line_breaks(raw: str, expected: str) -> None:
    assert norm(raw) == expected


@pytest.mark.parametrize(
    "page_line",
    ["3 ", "18", "- 12 -", "第 3 页", "第3页 共31页", " 7 / 31 "],
    ids=["number", "two-digits", "dashed", "di-ye", "di-ye-gong", "slash"],
)
def test_page_number_lines_dropped(page_line: str) -> None:
    lines = PDF_SPEECH.split("\n\n")
    damaged = "\n\n".join([*lines[:2], page_line, *lines[2:]])
    assert norm(damaged) == norm(PDF_SPEECH)
    assert "\n" in norm(damaged)  # the paragraph break is still there


def test_toc_leader_lines_dropped() -> None:
    raw = (
        "# 目录\n\n习近平：加强基础研究 实现高水平科技自立自强 .....\t4\n"
        "习近平总书记关于基础研究部分重要论述汇编 .....\t10\n走好建设科技强国的必由之路 ……… 12\n\n# 正文"
    )
    assert norm(raw) == "目录\n正文"


def test_running_header_dropped() -> None:
    para = "各级党委和政府要把加强基础研究纳入科技工作重要日程，加强统筹协调，加大政策支持力度。"
    raw = "\n".join(f"学习专刊\n{para}" for _ in range(3))
    assert norm(raw) == "\n".join([para] * 3)
    # a repeated source line is content, not a running header
    src = "\n".join(f"来源：新华社\n{para}" for _ in range(3))
    assert norm(src).count("来源：新华社") == 3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("# 习近平：加强基础研究 实现高水平科技自立自强", "习近平：加强基础研究实现高水平科技自立自强"),
        ("### **★地基打得牢，科技事业大厦才能建得高**", "地基打得牢，科技事业大厦才能建得高"),
        (
            "**第一，强化基础研究前瞻性、战略性、系统性布局。**基础研究处于",
            "第一，强化基础研究前瞻性、战略性、系统性布局。基础研究处于",
        ),
        ("> 基础研究是整个科学体系的源头。", "基础研究是整个科学体系的源头。"),
        (
            "- 加强基础学科建设。\n* 完善评价体系。\n● 营造创新生态。",
            "加强基础学科建设。\n完善评价体系。\n营造创新生态。",
        ),
        (
            "持续加大投入力度，全面构筑发展新优势\n\n---\n\n加快形成多元化投入格局。",
            "持续加大投入力度，全面构筑发展新优势\n加快形成多元化投入格局。",
        ),
    ],
    ids=["heading", "bold-star-heading", "bold-inline", "blockquote", "bullets", "rule"],
)
def test_markup(raw: str, expected: str) -> None:
    assert norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("来源：《人民日报》（2024 年 06 月 25 日 02 版）", "来源：《人民日报》（2024年06月25日02版）"),
        ("进一步打 牢科技强国建设根基", "进一步打牢科技强国建设根基"),
        ("先后实施“863 计划”、“攀登计划”", "先后实施“863计划”、“攀登计划”"),
        ("深入实施 “中学生英才计划”", "深入实施“中学生英才计划”"),
        ("成功发射第一颗 6G 卫星", "成功发射第一颗6G卫星"),
        ("Xi Jinping  emphasized that  S&T work", "Xi Jinping emphasized that S&T work"),
    ],
    ids=["date", "han-han", "digits-in-quotes", "before-quote", "latin-in-cjk", "latin-words"],
)
def test_spaces(raw: str, expected: str) -> None:
    assert norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("２０２３年第１５期", "2023年第15期"),
        ("ＣＣＰ　Ｃｅｎｔｒａｌ", "CCP Central"),
        ("(来源：中国教育报，2026年5月8日)", "（来源：中国教育报，2026年5月8日）"),
        ("加强基础研究,实现高水平科技自立自强!", "加强基础研究，实现高水平科技自立自强！"),
        ("坚持“四个面向”，（一）总体要求：", "坚持“四个面向”，（一）总体要求："),
        ("1,406 people, 59.7%", "1,406 people, 59.7%"),
    ],
    ids=[
        "fullwidth-digits",
        "fullwidth-latin",
        "ascii-parens",
        "ascii-punct",
        "keep-cjk-punct",
        "ascii-stays",
    ],
)
def test_width_folding(raw: str, expected: str) -> None:
    assert fold_width(raw).replace("\u3000", " ") == fold_width(raw)
    assert len(fold_width(raw)) == len(raw)
    assert norm(raw) == expected


def test_english_hard_wrap_and_blank_line_paragraphs() -> None:
    raw = (
        "Xi Jinping emphasized that it is necessary to strengthen the forward-looking,\n"
        "strategic, and systematic layout of basic research. Basic research is at the\n"
        "beginning of the chain that runs from research to application and then to\n"
        "production, and only with a solid foundation can the S&T edifice be built.\n"
        "\n"
        "Xi Jinping pointed out that the world has entered the era of big science, and\n"
        "the degree of organization of basic research is ever advancing, with policy\n"
        "guidance having ever greater influence on the output of basic research work.\n"
    )
    out = norm(raw, "en")
    paras = out.split("\n")
    assert len(paras) == 2
    assert "forward-looking, strategic" in paras[0]
    assert "the S&T edifice" in paras[0]
    assert "  " not in out


# --- the three copies of the 2023 speech -------------------------------------------------------
def _strip_front(text: str) -> str:
    """Drop the heading and source lines a reprint adds before the speech."""
    lines = text.split("\n")
    while lines and (lines[0].startswith(("习近平：", "（来源", "来源")) or len(lines[0]) < 12):
        lines.pop(0)
    return "\n".join(lines)


def test_three_copies_of_the_2023_speech_normalise_identically() -> None:
    speech = read(RAW / "speech-2023-02-21-basic-research-qiushi.txt")
    bulletin = read(RAW / "bit-bulletin-2026-05-basic-research-symposium.txt")
    compilation = read(RAW / "compilation-2024-science-conference.txt")
    title = "习近平：加强基础研究 实现高水平科技自立自强"
    m = re.search(rf"^# {title}\s*$", bulletin, re.M)
    assert m
    nxt = re.compile(r"^# ", re.M).search(bulletin, m.end())
    b_span = Span(m.start(), nxt.start() if nxt else len(bulletin))
    m2 = re.search(rf"^\s*{title}\s*$", compilation, re.M)
    assert m2
    c_span = Span(m2.start(), len(compilation))

    a = normalise(speech, Span(0, len(speech))).text
    b = _strip_front(normalise(bulletin, b_span).text)
    c = _strip_front(normalise(compilation, c_span).text)
    for other in (b, c):
        assert fuzz.ratio(a, other) == 100.0
        assert other == a  # identical, paragraph breaks included
    assert a.count("\n") == 16  # 17 paragraphs, the ※ note included
    assert a.endswith("※这是习近平总书记2023年2月21日在二十届中央政治局第三次集体学习时的讲话。")


def test_layout_regime_is_detected_from_the_text() -> None:
    regimes = {p.name.split("-")[0]: layout_profile(read(p), lang_of(p)).wrapped for p in SEEDS}
    assert regimes == {"beijing": False, "bit": False, "compilation": True, "csis": False, "speech": True}


# --- invariants of the offset map --------------------------------------------------------------
def check_map(raw: str, span: Span, nt: NormText) -> None:
    m = nt.to_raw
    assert len(m) == len(nt.text) + 1
    assert m[-1] == span.end
    assert all(a < b for a, b in zip(m, m[1:-1], strict=False))  # strictly increasing over chars
    assert not m or (span.start <= m[0] <= span.end)
    for i, ch in enumerate(nt.text):
        if not ch.isspace():
            assert fold_width(raw[m[i]]) == ch or fold_width(raw[m[i] - 1 : m[i] + 2])[1] == ch, (i, ch)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name.split("-")[0])
def test_to_raw_invariants_on_every_seed(path: Path) -> None:
    raw = read(path)
    for span in (Span(0, len(raw)), Span(len(raw) // 3, 2 * len(raw) // 3)):
        nt = normalise(raw, span, language=lang_of(path))
        check_map(raw, span, nt)
        assert "\n\n" not in nt.text and "  " not in nt.text
        assert nt.text == nt.text.strip()


# --- property: PDF damage does not change the normalised text ----------------------------------
# derandomized: random search finds texts of one repeated character whose wrapped lines are
# uneven enough that a paragraph end is a judgement call the oracle does not model (see
# docs/quality.md, known limits); CI must not fail on a new one of those at random
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    text=clean_text(min_paragraphs=2, max_paragraphs=5, min_sentences=3),
    width=st.integers(30, 70),
    page_every=st.integers(0, 9),
    space_digits=st.booleans(),
)
def test_pdf_damage_leaves_normalised_text_unchanged(
    text: str, width: int, page_every: int, space_digits: bool
) -> None:
    damaged, unambiguous, full_share = pdf_damage(text, width, page_every, space_digits)
    # a PDF page: enough printed lines, most of them full width
    assume(sum(len(wrap(p, width)) for p in text.split("\n")) >= 10 and full_share >= 0.5)
    # a printed line repeated three times looks like a running header, which is dropped by design
    assume(max(Counter(ln for ln in damaged.split("\n") if ln.strip()).values()) < 3)
    clean_norm = norm(text)
    damaged_nt = normalise(damaged, Span(0, len(damaged)))
    check_map(damaged, Span(0, len(damaged)), damaged_nt)
    # the words are always recovered; paragraph breaks too unless a paragraph's last line is full
    assert damaged_nt.text.replace("\n", "") == clean_norm.replace("\n", "")
    if unambiguous:
        assert damaged_nt.text == clean_norm


@settings(max_examples=40, deadline=None)
@given(text=clean_text())
def test_clean_text_is_a_fixed_point(text: str) -> None:
    once = norm(text)
    assert norm(once) == once
    assert once.split("\n") == [p for p in text.split("\n")]


def test_compact_removes_spaces_and_punctuation_with_offsets() -> None:
    text = "坚持“四个面向”，坚持目标导向。\nS&T work, 2023."
    out, offs = compact(text)
    assert out == "坚持四个面向坚持目标导向STwork2023"
    assert len(offs) == len(out) + 1
    assert all(text[o] == c for o, c in zip(offs, out, strict=False))
