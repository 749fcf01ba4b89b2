"""dates: Chinese and English date expressions as official texts state them → ISO strings."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotetrace.dates import (
    SourceLine,
    document_date,
    find_dates,
    is_iso_date,
    is_source_line,
    lead_date,
    note_date,
    parse_date,
    parse_source_line,
    to_iso,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026年4月30日", "2026-04-30"),
        ("2024 年 06 月 25 日", "2024-06-25"),  # spaces from PDF extraction
        ("2023年 2月 21日", "2023-02-21"),
        ("２０２３年２月２１日", "2023-02-21"),  # full-width digits
        ("二〇二三年二月二十一日", "2023-02-21"),  # Chinese numerals, as in signatures
        ("二〇二四年十二月三十一日", "2024-12-31"),
        ("2026年5月12日", "2026-05-12"),
        ("2026年5月", "2026-05"),
        ("2025 年 12 月", "2025-12"),
        ("May 1, 2026", "2026-05-01"),
        ("February 21, 2023", "2023-02-21"),
        ("1 May 2026", "2026-05-01"),
        ("Feb. 3rd, 2024", "2024-02-03"),
        ("21 February 2023", "2023-02-21"),
        ("December 2025", "2025-12"),
        ("2024-06-25", "2024-06-25"),
        ("2024.6.25", "2024-06-25"),
        ("was held on February 21, 2023 and", "2023-02-21"),
    ],
)
def test_parse_date(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text",
    [
        "到2035年建成科技强国",  # a bare year is no date
        "2023年第15期",
        "you may 2026",  # 'may' the verb
        "2023年2月30日",  # no such day
        "2023年13月1日",
        "version 1.2.3",
        "",
    ],
)
def test_no_date(text: str) -> None:
    assert parse_date(text) is None


def test_find_dates_gives_spans_into_the_text() -> None:
    text = "——在加强基础研究座谈会上强调（2026年4月30日）；另见 2024 年 06 月 25 日 02 版"
    found = find_dates(text)
    assert [iso for _, iso in found] == ["2026-04-30", "2024-06-25"]
    assert [span.of(text) for span, _ in found] == ["2026年4月30日", "2024 年 06 月 25 日"]


def test_month_day_needs_a_context_year() -> None:
    assert find_dates("新华社北京 1月 19 日电") == []
    found = find_dates("新华社北京 1月 19 日电", context="2024-06-25")
    assert [iso for _, iso in found] == ["2024-01-19"]
    assert found[0][0].of("新华社北京 1月 19 日电") == "1月 19 日"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("（来源：新华社，2026年4月30日）", SourceLine("新华社", "2026-04-30")),
        ("(来源：学习小组微信公众号，2026年5月9日)", SourceLine("学习小组微信公众号", "2026-05-09")),
        ("来源：《人民日报》（2024 年 06 月 25 日 02 版） ", SourceLine("《人民日报》", "2024-06-25")),
        ("（来源：《求是》，2023 年第 15 期）", SourceLine("《求是》", "2023", "第15期")),
        ("（来源：《求是》2023年第15期）", SourceLine("《求是》", "2023", "第15期")),
        ("来源：新华社 ", SourceLine("新华社", None)),
        ("来源：《求是》", SourceLine("《求是》", None)),
        ("(来源：中国教育报，2026年5月8日)", SourceLine("中国教育报", "2026-05-08")),
        ("来源:人民网-人民日报 2026-05-02", SourceLine("人民网-人民日报", "2026-05-02")),
        ("【来源：光明日报】", SourceLine("光明日报", None)),
        ("**来源：**新华社", SourceLine("新华社", None)),
        ("Source: Xinhua, May 1, 2026", SourceLine("Xinhua", "2026-05-01")),
    ],
)
def test_parse_source_line(line: str, expected: SourceLine) -> None:
    assert parse_source_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "习近平总书记强调，基础研究是整个科学体系的源头。",
        "数据来源：国家统计局公布的2024年统计公报以及其他公开资料整理而成，仅供参考，不代表任何立场，特此说明如下内容不再赘述请注意查看相关文件中的全部说明内容",
        "资金来源多元化",
        "",
    ],
)
def test_not_a_source_line(line: str) -> None:
    assert not is_source_line(line)
    assert parse_source_line(line) is None


@pytest.mark.parametrize(
    ("lead", "context", "iso"),
    [
        ("新华社北京 1月 19 日电 在“国家工程师奖”首次评选表彰之际", "2024-06-24", "2024-01-19"),
        ("新华社上海4月30日电 加强基础研究座谈会", "2026", "2026-04-30"),
        ("新华社北京2024年1月19日电 在", None, "2024-01-19"),
        ("中共中央政治局 1月 31 日下午就扎实推进高质量发展进行", "2024-01-19", "2024-01-31"),
        ("中共中央政治局 2月 29 日下午就新能源技术", "2024-01-31", "2024-02-29"),
        # a bare day takes year and month from the context (the reprint's date)
        ("大会、中国工程院第十七次院士大会 24 日上午在人民\n\n大会堂隆重召开", "2024-06-25", "2024-06-24"),
        ("习近平30日上午在上海出席", "2026-04", "2026-04-30"),
    ],
)
def test_lead_date(lead: str, context: str | None, iso: str) -> None:
    assert lead_date(lead, context=context) == iso


@pytest.mark.parametrize(
    ("lead", "context"),
    [
        ("新华社北京 1月 19 日电", None),  # no year known
        ("24 日上午在人民大会堂", "2024"),  # no month known
        ("今天，中央政治局进行第三次集体学习。1月 19 日", "2024"),  # only the first sentence counts
        ("中共中央政治局 2月 30 日下午", "2024"),  # no such day
    ],
)
def test_lead_without_a_date(lead: str, context: str | None) -> None:
    assert lead_date(lead, context=context) is None


@pytest.mark.parametrize(
    ("note", "iso"),
    [
        ("※这是习近平总书记2023年2月21日在二十届中央政治局第三次集体学习时的讲话。", "2023-02-21"),
        ("※这是习近平总书记 2023年 2月 21日在二十届中央政治局第三\n\n次集体学习时的讲话。", "2023-02-21"),
        ("※这是习近平总书记在会上的讲话。2023年2月21日", None),  # after the note's end
        ("这是2023年2月21日的讲话。", None),  # not a note
    ],
)
def test_note_date(note: str, iso: str | None) -> None:
    assert note_date(note) == iso


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("# 标题\n\n（来源：新华社，2026年4月30日）\n\n正文。", "2026-04-30"),
        ("党委宣传部\n2026年5月12日\n\n# 专刊\n\n（来源：新华社，2026年4月30日）", "2026-05-12"),
        ("正文。到2035年建成科技强国。\n\n※这是习近平总书记 2023年 2月 21日在会上的讲话。\n", "2023-02-21"),
        ("Title\n\nThe session was held on February 21, 2023 and was presided over by Xi.", "2023-02-21"),
        ("新华社北京2024年1月19日电 在首次评选表彰之际，习近平作出重要指示。", "2024-01-19"),
        ("一、总体要求\n到2025年，基础研究经费投入稳步增长。", None),
        # a date the text talks about is not the date it was written
        ("标题\n\n来源：人民网\n\n早在2016年5月30日召开的大会上，总书记作出部署。", None),
        ("通知\n\n请于申报截止时间2024年4月30日17时前提交材料。", None),
        ("2024年3月5日，全国两会在北京开幕。", "2024-03-05"),
        ("转发通知\n\n发布时间：2024年3月18日    来源：区科技局    浏览次数：326\n\n正文。", "2024-03-18"),
        ("", None),
    ],
)
def test_document_date(text: str, iso: str | None) -> None:
    assert document_date(text) == iso


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2023-02-21", True),
        ("2024-02-29", True),
        ("2023-02", True),
        ("2023", True),
        ("2023-02-29", False),
        ("2023-2-1", False),
        ("21/02/2023", False),
        ("２０２３", False),
        ("", False),
    ],
)
def test_is_iso_date(value: str, ok: bool) -> None:
    assert is_iso_date(value) is ok


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2999, 12, 31)))
def test_every_calendar_date_round_trips_in_every_style(d: datetime.date) -> None:
    iso = d.isoformat()
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == iso
    assert parse_date(f"{d.year} 年 {d.month:02d} 月 {d.day:02d} 日") == iso
    assert parse_date(d.strftime("%B ") + f"{d.day}, {d.year}") == iso
    assert parse_date(f"{d.day} " + d.strftime("%B %Y")) == iso
    assert to_iso(d.year, d.month, d.day) == iso


def test_a_traditional_script_source_line_gives_source_and_date() -> None:
    from quotetrace.dates import parse_source_line

    src = parse_source_line("來源：香港文匯報，2023年9月10日")
    assert src is not None and src.publisher == "香港文匯報" and src.date == "2023-09-10"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市教育局推进会纪要\n\n要切实推进科教融汇。\n\n某市教育局\u30002023年3月15日\n", "2023-03-15"),
        ("纪要\n\n正文一句。\n\n三区科技局 2023年9月1日\n", "2023-09-01"),
        # a sentence that names a date is no signature
        ("纪要\n\n各单位须于 2023年9月1日\n前报送材料。\n", None),
    ],
)
def test_a_signature_line_dates_the_document(text: str, expected: str | None) -> None:
    assert document_date(text, lead=False) == expected


@pytest.mark.parametrize("sep", ["\u3000", " ", ""])
def test_a_news_lead_after_its_dateline_word_dates_the_document(sep: str) -> None:
    text = f"市教育局召开推进会\n\n本报讯{sep}2023年3月15日，市教育局召开推进会。\n"
    assert document_date(text) == "2023-03-15"
    assert document_date(text, lead=False) is None  # a lead is the weakest evidence
