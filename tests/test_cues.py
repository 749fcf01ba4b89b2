"""cues: quoted / attributed spans, on real phrasing from official texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotetrace.cues import is_attributed, is_quoted, mention_ranges, paragraph_bounds
from quotetrace.model import Span


def span_of(raw: str, needle: str) -> Span:
    i = raw.index(needle)
    return Span(i, i + len(needle))


QUOTED = [
    # (raw, needle, expected, why)
    (
        "4月30日，习近平总书记在加强基础研究座谈会上强调：“要以更大力度、更实举措加强基础研究，提升我国原始创新能力。”",
        "要以更大力度、更实举措加强基础研究",
        True,
        "inside “…” after a colon",
    ),
    (
        "4月30日，习近平总书记在加强基础研究座谈会上强调：“要以更大力度、更实举措加强基础研究，提升我国原始创新能力。”",
        "要以更大力度、更实举措加强基础研究，提升我国原始创新能力。",
        True,
        "the whole quotation, marks excluded",
    ),
    (
        "基础研究处于从研究到应用、再到生产的科研链条起始端，地基打得牢，科技事业大厦才能建得高。",
        "地基打得牢，科技事业大厦才能建得高",
        False,
        "plain prose",
    ),
    (
        "要坚持“四个面向”，坚持目标导向和自由探索“两条腿走路”，把世界科技前沿同国家重大战略需求结合起来。",
        "要坚持“四个面向”，坚持目标导向和自由探索“两条腿走路”",
        False,
        "short quoted terms inside prose are not a quotation of the span",
    ),
    (
        "强调“我们要抓住机遇、应对挑战”“以更大力度、更实举措加强基础研究”。",
        "以更大力度、更实举措加强基础研究",
        True,
        "second of two adjacent quotations",
    ),
    (
        "2023 年主持二十届中央政治局第三次集体学习，深刻指出“加强基础研究，是实现高水平科技自立自强的迫切要求，\n是建设世界科技强国的必由之路”。",
        "是建设世界科技强国的必由之路",
        True,
        "quotation continues across a PDF line break",
    ),
    (
        "原创性技术要从‘0’到‘1’，从实验实现转化。",
        "从实验实现转化",
        False,
        "single quotes closed before the span",
    ),
    (
        "今年全国两会期间，习近平总书记强调：“原创性技术要从‘0’到‘1’，从实验实现转化，而不是停留在论文阶段。”",
        "从实验实现转化，而不是停留在论文阶段",
        True,
        "nested single quotes inside a double-quoted quotation",
    ),
    (
        "He said China’s basic research “is the source of the whole scientific system” today.",
        "is the source of the whole scientific system",
        True,
        "English curly quotes, apostrophe before them",
    ),
    (
        "The leaders’ meeting discussed China’s bid for technological self-reliance.",
        "discussed China’s bid for technological self-reliance",
        False,
        "apostrophes are not closing quotes",
    ),
    (
        "开头一段。\n\n是实现高水平科技自立自强的迫切要求。”习近平总书记的重要讲话指明了方向。",
        "是实现高水平科技自立自强的迫切要求",
        True,
        "a closing mark with no opener in the paragraph: the quote opened earlier",
    ),
]


@pytest.mark.parametrize(("raw", "needle", "expected", "why"), QUOTED, ids=[q[3] for q in QUOTED])
def test_is_quoted(raw: str, needle: str, expected: bool, why: str) -> None:
    assert is_quoted(raw, span_of(raw, needle)) is expected, why


ATTRIBUTED = [
    (
        "习近平强调，要加强统筹谋划和顶层设计，优化基础研究系统布局。",
        "要加强统筹谋划和顶层设计，优化基础研究系统布局。",
        True,
        "习近平强调 right before",
    ),
    (
        "在听取大家发言后，习近平发表重要讲话。他指出，党的十八大以来，党中央高度重视基础研究。",
        "党的十八大以来，党中央高度重视基础研究。",
        True,
        "他指出 after the leader is named",
    ),
    (
        "中共中央政治局常委、国务院副总理丁薛祥先后在福建、上海、北京调研基础研究。他指出，要发挥新型举国体制优势。",
        "要发挥新型举国体制优势。",
        False,
        "他指出 about another official",
    ),
    (
        "正如习近平总书记所指出的，基础研究是整个科学体系的源头。",
        "基础研究是整个科学体系的源头。",
        True,
        "正如…所指出的",
    ),
    (
        "习近平总书记在加强基础研究座谈会上的讲话中指出，要以更大力度、更实举措加强基础研究。",
        "要以更大力度、更实举措加强基础研究。",
        True,
        "在…上的讲话中指出",
    ),
    (
        "### ★基础研究是科技创新的源头\n\n基础研究是科技创新的源头。我国基础研究虽然取得显著进步。\n\n"
        "——在科学家座谈会上的讲话（2020年9月11日）\n\n### ★下一条\n\n另一段话。",
        "我国基础研究虽然取得显著进步。",
        True,
        "——在…上的讲话 trailer after the paragraph",
    ),
    (
        "### ★下一条\n\n另一段话，与讲话无关。\n\n### ★又一条\n\n——在科学家座谈会上的讲话",
        "另一段话，与讲话无关。",
        False,
        "a trailer belongs to the paragraph right before it only",
    ),
    (
        "基础研究是整个科学体系的源头。\n——在加强基础研究座谈会上强调（2026年4月30日）",
        "基础研究是整个科学体系的源头。",
        True,
        "——在…上强调 trailer",
    ),
    (
        "要加大基础研究投入。（摘自《习近平关于科技创新论述摘编》）",
        "要加大基础研究投入。",
        True,
        "（摘自…） after the span",
    ),
    (
        "为深入贯彻落实党的二十大精神和习近平总书记关于基础研究和教育强国工作的重要讲话精神，加快推动北京高校基础研究高质量发展，提出如下意见。\n一、总体要求\n坚持目标导向和自由探索相结合。",
        "坚持目标导向和自由探索相结合。",
        False,
        "a policy preamble naming the speech does not attribute later text",
    ),
    (
        "会议强调，要聚焦国家使命，夯实人才根基。",
        "要聚焦国家使命，夯实人才根基。",
        False,
        "会议强调 is not the leader",
    ),
    (
        "Presiding over the study session, CCP General Secretary Xi Jinping emphasized that strengthening basic research is an urgent requirement.",
        "strengthening basic research is an urgent requirement.",
        True,
        "English: Xi Jinping emphasized that",
    ),
    (
        "After listening to the discussions, Xi Jinping delivered an important speech. He pointed out that the party and the state have always attached great importance to basic research.",
        "the party and the state have always attached great importance to basic research.",
        True,
        "English: he pointed out, Xi named before",
    ),
    (
        "The study session examined the state of basic research and the challenges it faces.",
        "the state of basic research and the challenges it faces.",
        False,
        "English prose without a cue",
    ),
]


@pytest.mark.parametrize(("raw", "needle", "expected", "why"), ATTRIBUTED, ids=[a[3] for a in ATTRIBUTED])
def test_is_attributed(raw: str, needle: str, expected: bool, why: str) -> None:
    assert is_attributed(raw, span_of(raw, needle)) is expected, why


def test_attribution_at_paragraph_start_governs_the_paragraph() -> None:
    body = "，" + "要加强统筹谋划和顶层设计，优化基础研究系统布局" * 6 + "。最后一句话在这里。"
    raw = "习近平强调" + body
    assert is_attributed(raw, span_of(raw, "最后一句话在这里。"))
    raw2 = "会议认为" + body
    assert not is_attributed(raw2, span_of(raw2, "最后一句话在这里。"))


def test_attribution_window_is_a_keyword() -> None:
    raw = "习近平强调，" + "基础研究十分重要，" * 3 + "要加强基础研究。"
    sp = span_of(raw, "要加强基础研究。")
    assert is_attributed(raw, sp, window=80)
    assert not is_attributed("甲乙丙丁" * 30 + raw[5:], Span(0, 4), window=2)


def test_paragraph_bounds_joins_pdf_wrapped_lines() -> None:
    raw = "第一段。\n\n加强基础研究，是实现高水平科技自立自强的迫切要求，是建设\n\n世界科技强国的必由之路。\n\n第三段。"
    i = raw.index("世界")
    p0, p1 = paragraph_bounds(raw, i)
    assert raw[p0:p1].startswith("加强基础研究")
    assert raw[p0:p1].endswith("必由之路。")


def test_empty_or_out_of_range_spans_are_neither() -> None:
    raw = "“引文。”"
    assert not is_quoted(raw, Span(1, 1))
    assert not is_attributed(raw, Span(1, 1))
    assert not is_quoted(raw, Span(0, 99))


_TEXT = st.text(
    alphabet=st.sampled_from(list("基础研究科技自立强国要，。；：“”‘’《》（）\n 习近平强调指出——在讲话")),
    max_size=120,
)


@given(_TEXT, st.integers(0, 120), st.integers(0, 40))
def test_cues_never_crash_and_are_bools(raw: str, start: int, length: int) -> None:
    start = min(start, len(raw))
    sp = Span(start, min(len(raw), start + length))
    assert isinstance(is_quoted(raw, sp), bool)
    assert isinstance(is_attributed(raw, sp), bool)
    p0, p1 = paragraph_bounds(raw, start)
    assert 0 <= p0 <= start <= max(p1, start) and p1 <= len(raw)


# --------------------------------------------------------------------------- mentions

MENTIONS = [
    # (compact key, names expected to be found)
    ("习近平总书记在上海出席加强基础研究座谈会并发表重要讲话", {"加强基础研究座谈会", "发表重要讲话"}),
    ("2023年主持二十届中央政治局第三次集体学习", {"二十届中央政治局第三次集体学习"}),
    (
        "国务院关于全面加强基础科学研究的若干意见明确了三步走目标",
        {"国务院关于全面加强基础科学研究的若干意见"},
    ),
    ("深入学习贯彻全国科技大会精神", {"全国科技大会"}),
]


@pytest.mark.parametrize(("key", "names"), MENTIONS)
def test_mentions_of_events_speeches_and_documents_are_found(key: str, names: set[str]) -> None:
    found = {key[s:e] for s, e in mention_ranges(key)}
    assert names <= found


def test_content_sentences_contain_no_mentions() -> None:
    for key in (
        "基础研究是整个科学体系的源头是所有技术问题的总机关",
        "强化国家战略科技力量",
        "要加强统筹谋划和顶层设计",
    ):
        assert mention_ranges(key) == []


@given(st.text(alphabet="在的座谈会集体学习大会关于意见讲话加强基础研究中央", max_size=60))
def test_mention_ranges_lie_inside_the_key(key: str) -> None:
    for s, e in mention_ranges(key):
        assert 0 <= s < e <= len(key)


@pytest.mark.parametrize(
    "key",
    [
        "深化财税体制改革健全会计监督体系",
        "统筹发展和安全会同有关部门制定实施细则",
        "扩大会员国范围",
        "关注社会议题",
    ],
)
def test_an_event_noun_inside_another_word_is_no_mention(key: str) -> None:
    assert mention_ranges(key) == []


def test_event_nouns_after_real_words_still_count() -> None:
    assert {"二十届三中全会", "召开会议"} & {
        k[s:e] for k in ("党的二十届三中全会精神",) for s, e in mention_ranges(k)
    }
    found = {"召开会议"[s:e] for s, e in mention_ranges("召开会议")}
    assert "会议" in found


def test_a_closed_quotation_ends_its_cue_scope() -> None:
    raw = (
        "人才是第一资源。习近平总书记指出：“加强基础研究，归根结底要靠高水平人才。”"
        "各地各部门要坚持走基础研究人才自主培养之路，让科研人员潜心钻研。\n"
    )
    own = raw.index("要坚持走")
    quote = raw.index("加强基础研究，归根")
    assert is_attributed(raw, Span(quote, quote + 18))
    assert not is_attributed(raw, Span(own, own + 16))


def test_traditional_attribution_cues_count_like_simplified_ones() -> None:
    for raw in (
        "習近平強調，平臺企業要在引領發展、創造就業中大顯身手。",
        "习近平强调，平台企业要在引领发展、创造就业中大显身手。",
    ):
        i = raw.index("平")
        assert is_attributed(raw, Span(i, i + 10))
