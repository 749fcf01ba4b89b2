"""split: bundles → articles with title, source and date as the text states them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.ingest import load_documents
from quotetrace.model import Article, Document, DocumentMeta
from quotetrace.split import clean_title, head_title, split_articles

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
BULLETIN = "bit-bulletin-2026-05-basic-research-symposium.txt"
COMPILATION = "compilation-2024-science-conference.txt"


@pytest.fixture(scope="module")
def seeds() -> dict[str, Document]:
    docs, issues = load_documents(RAW)
    assert issues == ()
    return {d.file: d for d in docs}


@pytest.fixture(scope="module")
def seeds_without_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    folder = tmp_path_factory.mktemp("nomanifest")
    for f in RAW.glob("*.txt"):
        shutil.copy(f, folder / f.name)
    docs, _ = load_documents(folder)
    return {d.file: d for d in docs}


def _doc(raw: str, *, doc_id: str = "d", date: str | None = None, title: str | None = None) -> Document:
    return Document(doc_id, f"{doc_id}.txt", raw, "utf-8", "", DocumentMeta(title=title, date=date))


def _check_invariants(doc: Document, arts: tuple[Article, ...]) -> None:
    raw = doc.raw
    assert arts
    for a in arts:
        assert a.doc_id == doc.id
        assert 0 <= a.span.start <= a.span.end <= len(raw)
        for sub in (a.title_span, a.source_span):
            if sub is not None:
                assert a.span.contains(sub), (a.id, sub)
        if a.title_span is not None and a.title and not (len(arts) == 1 and doc.meta.title):
            # (a manifest may word a one-article document's title differently from its heading)
            # every character of the cleaned title is in the raw title span (markup and spaces aside)
            shown = re.sub(r"\s+", "", a.title_span.of(raw))
            assert all(c in shown for c in a.title.replace(" ", "")), (a.title, shown)
        if a.source_span is not None and a.source:
            assert a.source in a.source_span.of(raw)
    for prev, nxt in zip(arts, arts[1:], strict=False):
        assert prev.span.end <= nxt.span.start
    if len(arts) == 1:
        assert arts[0].id == doc.id
        assert arts[0].span.start == 0 and arts[0].span.end == len(raw)
    else:
        assert [a.id for a in arts] == [f"{doc.id}#{n}" for n in range(1, len(arts) + 1)]
        assert arts[-1].span.end == len(raw)


# --------------------------------------------------------------------------- the bulletin

BULLETIN_EXPECTED = [
    # (title, source, date, issue)
    (
        "习近平在加强基础研究座谈会上强调 以更大力度更实举措加强基础研究 进一步打牢科技强国建设根基",
        "新华社",
        "2026-04-30",
        None,
    ),
    ("习近平：加强基础研究 实现高水平科技自立自强", "《求是》", "2023", "第15期"),
    ("习近平总书记关于基础研究部分重要论述汇编", "学习小组微信公众号", "2026-05-09", None),
    (
        "丁薛祥在调研基础研究时强调 深入贯彻落实加强基础研究座谈会精神 全面提升基础研究水平和原始创新能力",
        "新华社",
        "2026-05-08",
        None,
    ),
    (
        "教育部党组学习贯彻习近平总书记在加强基础研究座谈会上的重要讲话精神 切实增强责任感紧迫感 全面加强高等学校基础研究",
        "中国教育报",
        "2026-05-08",
        None,
    ),
    ("走好建设科技强国的必由之路——新时代我国基础研究实现新飞跃", "新华社", "2026-05-06", None),
    (
        "坚定信心，进一步打牢科技强国建设根基——论学习贯彻习近平总书记在加强基础研究座谈会上重要讲话",
        "《人民日报》",
        "2026-05-02",
        None,
    ),
    (
        "抓住机遇，以更大力度更实举措加强基础研究——论学习贯彻习近平总书记在加强基础研究座谈会上重要讲话",
        "《人民日报》",
        "2026-05-03",
        None,
    ),
    (
        "坚持不懈，提升我国原始创新能力——论学习贯彻习近平总书记在加强基础研究座谈会上重要讲话",
        "《人民日报》",
        "2026-05-04",
        None,
    ),
]


def test_bulletin_has_its_nine_articles(seeds: dict[str, Document]) -> None:
    doc = seeds[BULLETIN]
    arts = split_articles(doc)
    assert [(a.title, a.source, a.date, a.issue) for a in arts] == BULLETIN_EXPECTED
    assert [a.id for a in arts] == [f"bit-bulletin#{n}" for n in range(1, 10)]
    _check_invariants(doc, arts)


def test_bulletin_front_matter_is_no_article(seeds: dict[str, Document]) -> None:
    doc = seeds[BULLETIN]
    arts = split_articles(doc)
    front = doc.raw[: arts[0].span.start]
    assert "关于发布" in front and "# 目录" in front and "各基层党委" in front
    assert arts[0].span.of(doc.raw).startswith("# 习近平在加强基础研究座谈会上强调")
    # sub-headings stay inside their article
    compilation = arts[2].span.of(doc.raw)
    assert "## 基础研究是整个科学体系的源头" in compilation
    assert "### ★核心技术的根源问题是基础研究问题" in compilation
    # the reprint keeps its closing note; the next article starts at its heading
    assert arts[1].span.of(doc.raw).rstrip().endswith("的讲话。")
    assert arts[1].source_span is not None
    assert arts[1].source_span.of(doc.raw) == "（来源：《求是》，2023 年第 15 期）"


def test_bulletin_title_span_is_the_raw_heading(seeds: dict[str, Document]) -> None:
    doc = seeds[BULLETIN]
    first = split_articles(doc)[0]
    assert first.title_span is not None
    assert first.title_span.of(doc.raw) == (
        "习近平在加强基础研究座谈会上强调 以更大力度更实举措加强基础研究 进一步打 牢科技强国建设根基"
    )


# --------------------------------------------------------------------------- the compilation

COMPILATION_EXPECTED = [
    # (words the title must contain, source, date)
    (("习近平：在全国科技大会", "两院院士大会上的讲话"), "《人民日报》", "2024-06-25"),
    (("全国科技大会", "在京召开", "颁奖并发表重要讲话"), "新华社", "2024-06-24"),
    (("国家工程师奖", "作出重要指示强调：", "服务高质量发展"), "新华社", "2024-01-19"),
    (("第十一次集体学习", "加快发展新质生产力"), "新华社", "2024-01-31"),
    (("第十二次集体学习", "为共建清洁美丽世界作出更大贡献"), "新华社", "2024-02-29"),
    (("习近平：加强基础研究", "实现高水平科技自立自强"), "《求是》", "2023-02-21"),
]


def test_compilation_has_its_six_items(seeds: dict[str, Document]) -> None:
    doc = seeds[COMPILATION]
    arts = split_articles(doc)
    assert len(arts) == len(COMPILATION_EXPECTED)
    for a, (words, source, date) in zip(arts, COMPILATION_EXPECTED, strict=True):
        assert a.title is not None
        for w in words:
            assert w in a.title, (a.title, w)
        assert "  " not in a.title and "\n" not in a.title
        assert (a.source, a.date) == (source, date), a.title
    _check_invariants(doc, arts)


def test_compilation_titles_skip_page_numbers(seeds: dict[str, Document]) -> None:
    doc = seeds[COMPILATION]
    arts = split_articles(doc)
    session11 = arts[3]
    assert (
        session11.title == "习近平在中共中央政治局第十一次集体学习时强调加快发展新质生产力扎实推进高质量发展"
    )
    # the page number "18" above the title belongs to the previous item
    assert "18" not in session11.title
    assert re.search(r"\n18 *\n", arts[2].span.of(doc.raw))
    assert session11.span.of(doc.raw).startswith("习近平在中共中央政治局第十一次集体学习时强调")
    # the first item starts at the top of the file
    assert arts[0].span.start == 0


def test_split_needs_no_manifest(
    seeds: dict[str, Document], seeds_without_manifest: dict[str, Document]
) -> None:
    for file in (BULLETIN, COMPILATION):
        with_manifest = split_articles(seeds[file])
        without = split_articles(seeds_without_manifest[file])
        strip = [(a.span, a.title, a.source, a.date, a.issue) for a in with_manifest]
        assert [(a.span, a.title, a.source, a.date, a.issue) for a in without] == strip


# --------------------------------------------------------------------------- single articles


@pytest.mark.parametrize(
    ("file", "date"),
    [
        ("speech-2023-02-21-basic-research-qiushi.txt", "2023-02-21"),
        ("csis-translation-2023-study-session-readout.txt", "2023-02-21"),
        ("beijing-universities-basic-research-opinions.txt", None),
    ],
)
def test_other_seeds_are_one_article(seeds: dict[str, Document], file: str, date: str | None) -> None:
    doc = seeds[file]
    arts = split_articles(doc)
    assert len(arts) == 1
    (a,) = arts
    assert a.id == doc.id and a.span.start == 0 and a.span.end == len(doc.raw)
    assert a.title == doc.meta.title
    assert a.date == date
    _check_invariants(doc, arts)


def test_policy_title_span_covers_its_two_title_lines(seeds: dict[str, Document]) -> None:
    doc = seeds["beijing-universities-basic-research-opinions.txt"]
    (a,) = split_articles(doc)
    assert a.title_span is not None
    assert a.title_span.of(doc.raw) == "关于加快推动北京高校基础研究\n高质量发展的意见"


def test_seed_titles_without_manifest(seeds_without_manifest: dict[str, Document]) -> None:
    policy = seeds_without_manifest["beijing-universities-basic-research-opinions.txt"]
    (a,) = split_articles(policy)
    assert a.title == "关于加快推动北京高校基础研究高质量发展的意见"
    speech = seeds_without_manifest["speech-2023-02-21-basic-research-qiushi.txt"]
    (s,) = split_articles(speech)
    assert s.date == "2023-02-21"  # from the closing ※ note, through the document date


# --------------------------------------------------------------------------- general cues, synthetic texts

MARKDOWN_BUNDLE = """# 某某大学党委宣传部

## 关于印发学习材料的通知

各单位：现将学习材料印发给你们，请认真学习。

党委宣传部
2025年3月1日

# 目录

第一篇文章标题 ..... 1
第二篇 文章标题 ..... 3

# 第一篇 文章标题

（来源：光明日报，2025年2月20日）

第一篇正文。

## 小标题

小标题下的正文。

# 第二篇 文章标题

（来源：经济日报，2025年2月21日）

第二篇正文。
"""


def test_markdown_bundle_uses_headings_with_source_lines() -> None:
    doc = _doc(MARKDOWN_BUNDLE)
    arts = split_articles(doc)
    assert [(a.title, a.source, a.date) for a in arts] == [
        ("第一篇文章标题", "光明日报", "2025-02-20"),
        ("第二篇 文章标题", "经济日报", "2025-02-21"),  # spelled as the TOC spells it
    ]
    assert "## 小标题" in arts[0].span.of(doc.raw)
    assert arts[0].span.of(doc.raw).startswith("# 第一篇 文章标题")
    _check_invariants(doc, arts)


PDF_BUNDLE = """ 某领导：在某某大会上

的讲话

来源：《某某日报》（2025 年 03 月 02 日 01 版）

各位代表：

这是第一篇的正文，讲了很多内容，

一直到这里结束。

12

某领导在某某会议上强调：

坚持某某方针

来源：新华社

新华社北京 2月 27 日电 某某会议 27 日在京召开。

正文结束于此。

※这是某领导2024年 5月 6日在某某会议上的讲话标题

某某文章

来源：《某某》

今天我们开会。内容很多。

※这是某领导 2024年 5月 6日在某某会议上的讲话。
"""


def test_pdf_bundle_titles_walk_back_from_source_lines() -> None:
    doc = _doc(PDF_BUNDLE)
    arts = split_articles(doc)
    assert [(a.title, a.source, a.date) for a in arts] == [
        ("某领导：在某某大会上的讲话", "《某某日报》", "2025-03-02"),
        ("某领导在某某会议上强调：坚持某某方针", "新华社", "2025-02-27"),  # dateline, year from context
        ("某某文章", "《某某》", "2024-05-06"),  # the closing ※ note
    ]
    assert "12" in arts[0].span.of(doc.raw)
    _check_invariants(doc, arts)


def test_single_source_line_makes_one_article() -> None:
    raw = "# 一篇报道\n\n（来源：新华社，2026年4月30日）\n\n正文。\n"
    doc = _doc(raw, date="2026-05-01")
    (a,) = split_articles(doc)
    assert (a.id, a.title, a.source, a.date) == ("d", "一篇报道", "新华社", "2026-04-30")
    assert a.source_span is not None and a.source_span.of(raw) == "（来源：新华社，2026年4月30日）"


def test_single_article_falls_back_to_document_date_and_manifest_title() -> None:
    doc = _doc("正文第一句。正文第二句。\n", date="2023-02", title="手工标题")
    (a,) = split_articles(doc)
    assert (a.title, a.date, a.title_span) == ("手工标题", "2023-02", None)


def test_empty_document_is_one_empty_article() -> None:
    (a,) = split_articles(_doc(""))
    assert a.span.start == a.span.end == 0 and a.title is None


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("# 进一步打 牢科技强国建设根基", "进一步打牢科技强国建设根基"),
        ("### **★地基打得牢，科技事业大厦才能建得高**", "地基打得牢，科技事业大厦才能建得高"),
        ("两院院\n\n士大会上的讲话 ", "两院院士大会上的讲话"),
        ("2024 年 06 月 25 日", "2024年06月25日"),
        ("Xi Jinping  Emphasizes\nBasic Research", "Xi Jinping Emphasizes Basic Research"),
    ],
)
def test_clean_title(text: str, title: str) -> None:
    assert clean_title(text) == title


def test_head_title_stops_at_a_sentence_and_a_change_of_script() -> None:
    raw = "中文标题\nAn English Title\n\nBody text."
    assert head_title(raw) == ("中文标题", head_title(raw)[1])  # type: ignore[index]
    assert head_title("第一句就是正文。") is None


def test_a_wrapped_first_paragraph_after_a_blank_line_is_not_part_of_the_title() -> None:
    raw = (
        "三区关于加快推进科技期刊和平台建设的工作方案\n\n"
        "要打好科技仪器设备、操作系统和基础软件国产化攻坚战，鼓励科研\n"
        "机构、高校同企业开展联合攻关，提升国产化替代水平和应用规模，\n"
        "争取早日实现用我国自主的研究平台、仪器设备来解决重大基础研究问题。\n"
    )
    head = head_title(raw)
    assert head is not None and head[0] == "三区关于加快推进科技期刊和平台建设的工作方案"
    assert raw[head[1].start : head[1].end] == head[0]
    # no blank line: a line with a clause of a sentence is body text all the same
    assert head_title(raw.replace("\n\n", "\n", 1)) == head
    # one paragraph per line with blank lines between: the byline under the title is no title
    byline = "以数字素养提升领导能力\n\n本报评论员\n\n今天，数字经济蓬勃发展，我们要提升数字素养。\n"
    assert head_title(byline)[0] == "以数字素养提升领导能力"  # type: ignore[index]
    # a two-line title stays whole
    two = "关于加快推动高校基础研究\n高质量发展的意见\n\n各有关单位：\n"
    assert head_title(two)[0] == "关于加快推动高校基础研究高质量发展的意见"  # type: ignore[index]


_han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_para = st.text(st.one_of(_han, st.sampled_from("，。；：“”《》（）\n 　0123456789来源")), max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(_han, min_size=1, max_size=12), _para, st.booleans()), max_size=6), _para)
def test_articles_are_ordered_and_in_range(items: list[tuple[str, str, bool]], front: str) -> None:
    parts = [front]
    for title, body, with_source in items:
        parts.append(f"\n# {title}\n")
        if with_source:
            parts.append("（来源：新华社，2026年4月30日）\n")
        parts.append(body + "\n")
    doc = _doc("".join(parts))
    _check_invariants(doc, split_articles(doc))


def test_source_lines_without_a_title_stay_inside_their_article() -> None:
    raw = (
        "# 报告标题\n\n（来源：新华社，2025年1月2日）\n\n正文开始。\n\n表1 投入情况。\n\n来源：国家统计局\n\n"
        "图2 产出情况。\n\n来源：科技部\n\n正文结束。\n"
    )
    (a,) = split_articles(_doc(raw))
    assert (a.title, a.source, a.date) == ("报告标题", "新华社", "2025-01-02")


def test_a_bare_heading_marker_line_does_not_break_splitting() -> None:
    raw = "# \n\n# 标题\n\n（来源：新华社，2026年4月30日）\n\n正文一句话。\n\n# 第二篇\n\n（来源：人民日报，2026年5月2日）\n\n正文。\n"
    arts = split_articles(_doc(raw))
    assert [a.date for a in arts] == ["2026-04-30", "2026-05-02"]


def test_a_dateline_under_a_heading_is_not_part_of_the_title() -> None:
    raw = (
        "Why Basic Research Matters\n\nPublished by the Science Policy Review, May 1, 2026\n\n"
        "Basic research is the foundation on which every applied technology rests.\n"
    )
    assert head_title(raw) is not None and head_title(raw)[0] == "Why Basic Research Matters"
    zh = "在全国科技大会上的讲话\n（2024年6月24日）\n\n同志们：今天我们召开大会。\n"
    assert head_title(zh)[0] == "在全国科技大会上的讲话"  # type: ignore[index]


def test_head_title_stops_at_a_salutation() -> None:
    raw = "关于组织申报2024年度市自然科学基金项目的通知\n\n各区县（市）科技主管部门，各有关单位：\n\n现将有关事项通知如下。"
    found = head_title(raw)
    assert found is not None and found[0] == "关于组织申报2024年度市自然科学基金项目的通知"
