"""segment: >= 30 cases from the seeds (quotation endings, short quotes, headings, source
lines, ※ notes, English abbreviations), quoted regions, and invariants (hypothesis + seeds)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.model import Role, Span
from quotetrace.normalise import fold_width, normalise
from quotetrace.segment import segment
from tests.strategies import clean_text, pdf_damage

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEEDS = sorted(RAW.glob("*.txt"))


def read(p: Path) -> str:
    with open(p, encoding="utf-8", newline="") as f:
        return f.read()


def run(raw: str, language: str = "zh", **kw):
    nt = normalise(raw, Span(0, len(raw)), language=language)
    return nt, segment(raw, nt, doc_id="d", article_id="d", language=language, **kw)


def texts(raw: str, language: str = "zh") -> list[str]:
    nt, ss = run(raw, language)
    return [nt.text[s.norm.start : s.norm.end] for s in ss]


CASES_ZH = [
    (  # plain sentences
        "今天，中央政治局进行第三次集体学习，内容是加强基础研究。安排这次集体学习，目的是分析我国基础研究现状和挑战。",
        [
            "今天，中央政治局进行第三次集体学习，内容是加强基础研究。",
            "安排这次集体学习，目的是分析我国基础研究现状和挑战。",
        ],
    ),
    (  # …。” ends once, the closing quote stays with its sentence
        "习近平总书记提出要求：“我们要抓住机遇、应对挑战，切实把基础研究工作摆上重要日程，持续抓下去，不断抓出新成效。”蓝图既已擘画，奋斗正当其时。",
        [
            "习近平总书记提出要求：“我们要抓住机遇、应对挑战，切实把基础研究工作摆上重要日程，持续抓下去，不断抓出新成效。”",
            "蓝图既已擘画，奋斗正当其时。",
        ],
    ),
    (  # …”。 ends once
        "保持合理投入强度，加强实施过程绩效评估，确保“好钢用在刀刃上”。第三，建设基础研究高水平支撑平台。",
        [
            "保持合理投入强度，加强实施过程绩效评估，确保“好钢用在刀刃上”。",
            "第三，建设基础研究高水平支撑平台。",
        ],
    ),
    (  # a sentence that is one quotation
        "“基础研究是整个科学体系的源头，是所有技术问题的总机关。”加强基础研究，是实现高水平科技自立自强的迫切要求。",
        [
            "“基础研究是整个科学体系的源头，是所有技术问题的总机关。”",
            "加强基础研究，是实现高水平科技自立自强的迫切要求。",
        ],
    ),
    (  # short quotations with clause breaks: no split
        "要坚持“四个面向”，坚持目标导向和自由探索“两条腿走路”，把世界科技前沿同国家重大战略需求结合起来。",
        ["要坚持“四个面向”，坚持目标导向和自由探索“两条腿走路”，把世界科技前沿同国家重大战略需求结合起来。"],
    ),
    (  # a short quotation containing 。 inside a larger sentence: no split
        "他强调“基础研究是源头。地基要打牢”，要以更大力度加强基础研究。",
        ["他强调“基础研究是源头。地基要打牢”，要以更大力度加强基础研究。"],
    ),
    (  # a long quotation of full sentences after ： is split, each part keeps its marks
        "今年全国两会期间，习近平总书记强调：“原创性技术要从‘0’到‘1’，从实验实现转化，而不是停留在论文阶段。以后还要把‘1’拉长、推进。”",
        [
            "今年全国两会期间，习近平总书记强调：“原创性技术要从‘0’到‘1’，从实验实现转化，而不是停留在论文阶段。",
            "以后还要把‘1’拉长、推进。”",
        ],
    ),
    (  # …… counts once
        "高性能柔性叠层太阳能电池，开辟光伏产业新应用场景……今年3月举行的中关村论坛年会上集中展示了硕果。",
        [
            "高性能柔性叠层太阳能电池，开辟光伏产业新应用场景……",
            "今年3月举行的中关村论坛年会上集中展示了硕果。",
        ],
    ),
    (  # ellipsis at paragraph end
        "让青年人才挑大梁、当主角，近 1/3 的创业者是 28 岁以下的年轻人……",
        ["让青年人才挑大梁、当主角，近1/3的创业者是28岁以下的年轻人……"],
    ),
    (  # ； splits, a quotation before it stays
        "2013年视察国防科学技术大学，强调“只有重视基础研究，才能永远保持自主创新能力”；2016年在全国科技创新大会上，指出“勇于挑战最前沿的科学问题”；",
        [
            "2013年视察国防科学技术大学，强调“只有重视基础研究，才能永远保持自主创新能力”；",
            "2016年在全国科技创新大会上，指出“勇于挑战最前沿的科学问题”；",
        ],
    ),
    (
        "如何打通从实验室到生产线的“最后一公里”？习近平总书记开出良方。",
        ["如何打通从实验室到生产线的“最后一公里”？", "习近平总书记开出良方。"],
    ),
    (
        "向与会的外籍院士和国际科学界的朋友们表示热烈欢迎！各位院士，同志们、朋友们！",
        ["向与会的外籍院士和国际科学界的朋友们表示热烈欢迎！", "各位院士，同志们、朋友们！"],
    ),
    ("难道不是这样吗？！我们必须回答。", ["难道不是这样吗？！", "我们必须回答。"]),
    (  # quotations back to back, then ……
        "“加强基础研究战略性、前瞻性、体系化布局”“提高基础研究投入比重，加大长期稳定支持”……锚定2035年建成科技强国宏伟目标。",
        [
            "“加强基础研究战略性、前瞻性、体系化布局”“提高基础研究投入比重，加大长期稳定支持”……",
            "锚定2035年建成科技强国宏伟目标。",
        ],
    ),
    ("他说：“好。”", ["他说：“好。”"]),  # never a sentence of just ”
    ("（此处为注释。）后面的句子。", ["（此处为注释。）", "后面的句子。"]),
    (  # a colon line is a sentence, not a heading
        "各位院士，同志们、朋友们：\n这次大会是一次科技盛会。",
        ["各位院士，同志们、朋友们：", "这次大会是一次科技盛会。"],
    ),
    (  # a short title line is its own segment
        "（一）分类优化高校基础研究定位\n坚持“四个面向”，坚持目标导向和自由探索“两条腿走路”。",
        ["（一）分类优化高校基础研究定位", "坚持“四个面向”，坚持目标导向和自由探索“两条腿走路”。"],
    ),
]


@pytest.mark.parametrize(("raw", "expected"), CASES_ZH, ids=[f"zh{i}" for i in range(len(CASES_ZH))])
def test_chinese_sentences(raw: str, expected: list[str]) -> None:
    assert texts(raw) == expected


CASES_EN = [
    (
        "The CCP Politburo holds “study sessions” on a semi-regular basis. Such sessions are important signals.",
        [
            "The CCP Politburo holds “study sessions” on a semi-regular basis.",
            "Such sessions are important signals.",
        ],
    ),
    (
        "Strengthening basic research is an urgent requirement for self-reliance in S&T. Party committees should act.",
        [
            "Strengthening basic research is an urgent requirement for self-reliance in S&T.",
            "Party committees should act.",
        ],
    ),
    (
        "On February 21, the CCP Central Committee Politburo conducted a study session. When presiding, Xi spoke.",
        [
            "On February 21, the CCP Central Committee Politburo conducted a study session.",
            "When presiding, Xi spoke.",
        ],
    ),
    (
        "Some fields, e.g. Mathematics and Physics, need support. Others follow.",
        ["Some fields, e.g. Mathematics and Physics, need support.", "Others follow."],
    ),
    (
        "Mr. Xi spoke first. The U.S. Congress responded.",
        ["Mr. Xi spoke first.", "The U.S. Congress responded."],
    ),
    (
        "It rose to 2.8 times the 2012 level. Funding grew.",
        ["It rose to 2.8 times the 2012 level.", "Funding grew."],
    ),
    (
        'He said, "We must act now." Then the session ended.',
        ['He said, "We must act now."', "Then the session ended."],
    ),
    (
        "J. K. Smith wrote the report. It was published.",
        ["J. K. Smith wrote the report.", "It was published."],
    ),
    (
        "Energy, climate, etc. are global issues, i.e. Shared ones.",
        ["Energy, climate, etc. are global issues, i.e. Shared ones."],
    ),
    ("Is it enough? No. We must do more!", ["Is it enough?", "No.", "We must do more!"]),
]


@pytest.mark.parametrize(("raw", "expected"), CASES_EN, ids=[f"en{i}" for i in range(len(CASES_EN))])
def test_english_sentences(raw: str, expected: list[str]) -> None:
    assert texts(raw, "en") == expected


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        (
            "# 习近平：加强基础研究 实现高水平科技自立自强\n\n今天，中央政治局进行第三次集体学习。",
            Role.HEADING,
        ),
        ("一、总体要求\n以习近平新时代中国特色社会主义思想为指导。", Role.HEADING),
        ("（一）分类优化高校基础研究定位\n坚持“四个面向”。", Role.HEADING),
        ("（来源：新华社，2026年4月30日）\n中共中央总书记出席座谈会。", Role.SOURCE),
        ("来源：《人民日报》（2024 年 06 月 25 日 02 版）\n各位院士，同志们、朋友们：", Role.SOURCE),
        ("※这是习近平总书记 2023年 2月 21日在二十届中央政治局第三次集体学习时的讲话。", Role.SOURCE),
        ("——在网络安全和信息化工作座谈会上的讲话（2016年4月19日）", Role.SOURCE),
        ("### **★地基打得牢，科技事业大厦才能建得高**\n\n基础研究处于起始端。", Role.HEADING),
    ],
    ids=[
        "md-heading",
        "numbered",
        "bracket-numbered",
        "source-paren",
        "source-plain",
        "note",
        "dash-source",
        "star-heading",
    ],
)
def test_heading_and_source_roles(raw: str, role: Role) -> None:
    nt, ss = run(raw)
    first = ss[0]
    assert first.role is role
    assert "。" not in nt.text[first.norm.start : first.norm.end][:-1]  # one segment, not split
    assert all(s.role is Role.BODY for s in ss[1:])


def test_sentences_never_cross_paragraphs() -> None:
    _, ss = run("加强基础研究是迫切要求。\n建设科技强国是必由之路。这是第二句。")
    assert [s.paragraph for s in ss] == [0, 1, 1]


def test_title_and_source_spans_given_by_the_splitter() -> None:
    raw = "坚定信心，进一步打牢科技强国建设根基。\n人民日报评论员，2026年5月2日。\n正文第一句。正文第二句。"
    t_end = raw.index("\n")
    s_start = t_end + 1
    s_end = raw.index("\n", s_start)
    nt, ss = run(raw, title_span=Span(0, t_end), source_span=Span(s_start, s_end))
    assert [s.role for s in ss] == [Role.HEADING, Role.SOURCE, Role.BODY, Role.BODY]
    assert [s.paragraph for s in ss] == [0, 1, 2, 2]


def test_quoted_regions_nested_and_split_across_sentences() -> None:
    raw = CASES_ZH[6][0]
    nt, ss = run(raw)
    assert len(ss) == 2
    q0 = [q.of(raw) for q in ss[0].quoted]
    q1 = [q.of(raw) for q in ss[1].quoted]
    assert "原创性技术要从‘0’到‘1’，从实验实现转化，而不是停留在论文阶段。" in q0
    assert "0" in q0 and "1" in q0  # nested ‘…’
    assert "以后还要把‘1’拉长、推进。" in q1 and "1" in q1
    for s in ss:
        for q in s.quoted:
            assert s.span.contains(q)


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ("要坚持“四个面向”，坚持“两条腿走路”。", ["四个面向", "两条腿走路"]),
        ("推动「揭榜挂帅」机制。", ["揭榜挂帅"]),
        ('The "study sessions" matter.', ["study sessions"]),
        ("China’s basic research has made “great achievements”.", ["great achievements"]),
        # straight quotes after a Chinese character (web copies): still a quotation
        (
            '讲话中"优化高等学校学科设置，创新人才培养模式"的要求很明确。',
            ["优化高等学校学科设置，创新人才培养模式"],
        ),
        ('The 12" screen and the "new" one.', ["new"]),
    ],
)
def test_quoted_regions(raw: str, quoted: list[str]) -> None:
    _, ss = run(raw, "en" if raw.isascii() or "China" in raw else "zh")
    assert [q.of(raw) for s in ss for q in s.quoted] == quoted


def test_pdf_sentence_maps_back_across_line_breaks() -> None:
    raw = read(RAW / "speech-2023-02-21-basic-research-qiushi.txt")
    nt, ss = run(raw)
    s = next(s for s in ss if nt.text[s.norm.start : s.norm.end].startswith("当前，新一轮科技革命"))
    shown = s.span.of(raw)
    assert "\n\n" in shown
    assert re.sub(r"\s", "", shown) == nt.text[s.norm.start : s.norm.end]


# --- invariants --------------------------------------------------------------------------------
def check_invariants(raw: str, nt, ss) -> None:
    text = nt.text
    prev_end = -1
    covered = []
    for s in ss:
        assert s.span.start >= prev_end  # ordered, non-overlapping
        prev_end = s.span.end
        assert s.span.of(raw).strip()
        assert s.span == nt.raw_span(s.norm.start, s.norm.end)
        assert "\n" not in text[s.norm.start : s.norm.end]
        covered.append(text[s.norm.start : s.norm.end])
    # every non-space character belongs to exactly one sentence
    assert re.sub(r"\s", "", "".join(covered)) == re.sub(r"\s", "", text)
    paras = [s.paragraph for s in ss]
    assert paras == sorted(paras)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name.split("-")[0])
def test_invariants_on_every_seed(path: Path) -> None:
    raw = read(path)
    language = "en" if path.name.startswith("csis") else "zh"
    nt, ss = run(raw, language)
    assert len(ss) > 10
    check_invariants(raw, nt, ss)
    assert all(a <= b for a, b in zip(nt.to_raw, nt.to_raw[1:], strict=False))  # monotone map


@settings(max_examples=60, deadline=None)
@given(text=clean_text(), width=st.integers(30, 70), damage=st.booleans())
def test_segmentation_never_loses_or_duplicates_characters(text: str, width: int, damage: bool) -> None:
    raw = pdf_damage(text, width, 5, True)[0] if damage else text
    nt, ss = run(raw)
    check_invariants(raw, nt, ss)
    for s in ss:  # the raw slice shows the sentence (and any page number dropped inside it)
        shown = re.sub(r"\n\d+\n", "\n", s.span.of(raw))
        assert fold_width(re.sub(r"\s", "", shown)) == re.sub(r"\s", "", nt.text[s.norm.start : s.norm.end])


@settings(max_examples=40, deadline=None)
@given(st.text(st.sampled_from(list('基础研究是源头，。！？；“”‘’（）……\n AbC.?!"')), max_size=200))
def test_segmentation_total_on_arbitrary_text(text: str) -> None:
    for language in ("zh", "en"):
        nt, ss = run(text, language)
        check_invariants(text, nt, ss)


def test_a_whole_text_pasted_on_one_line_after_its_source_is_body() -> None:
    """来源：… opening a 1,000-character paragraph is a web page pasted on one line, not a
    source line: its sentences are the text (and get traced)."""
    raw = "来源：新华网 发布时间：2023年9月1日 " + "加强基础研究，是实现高水平科技自立自强的迫切要求。" * 40
    _, sents = run(raw)
    assert len(sents) > 30
    assert all(s.role == Role.BODY for s in sents[1:])
    short = "来源：新华网 2023年9月1日\n加强基础研究，是实现高水平科技自立自强的迫切要求。"
    _, sents = run(short)
    assert [s.role for s in sents] == [Role.SOURCE, Role.BODY]
