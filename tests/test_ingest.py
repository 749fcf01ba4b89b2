"""ingest: exact decoding, the optional manifest, and clear errors for bad input."""

from __future__ import annotations

import codecs
import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.errors import CorpusNotFound, DecodeError, EmptyCorpus, InputError, ManifestError
from quotetrace.ingest import decode, detect_language, load_documents, read_manifest, slugify

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"

# Official prose with CRLF line ends, full-width punctuation, quotes and a rare character.
TEXT = (
    "关于加快推动北京高校基础研究高质量发展的意见\r\n"
    "（来源：新华社，2026年4月30日）\r\n"
    "\r\n"
    "习近平强调，“基础研究是整个科学体系的源头”。要以更大力度、更实举措加强基础研究！\r\n"
    "２０２４年　第15期……《求是》 S&T e.g. 𠀀\r\n"
)

ENCODINGS = [
    # (what the file holds, bytes, encoding name decode reports)
    ("utf-8", TEXT.encode("utf-8"), "utf-8"),
    ("utf-8 with BOM", codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    ("utf-16-le with BOM", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
    ("utf-16-be with BOM", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
    ("gb18030", TEXT.encode("gb18030"), "gb18030"),
    ("gbk", TEXT.replace("𠀀", "").encode("gbk"), "gb18030"),
]


@pytest.mark.parametrize(("label", "data", "encoding"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_decode_keeps_the_text_exactly(label: str, data: bytes, encoding: str) -> None:
    text, enc = decode(data, file="x.txt")
    expected = TEXT.replace("𠀀", "") if label == "gbk" else TEXT
    assert text == expected  # BOM removed, \r\n kept, nothing else changed
    assert enc == encoding


@pytest.mark.parametrize(("label", "data", "encoding"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_load_documents_reads_each_encoding(tmp_path: Path, label: str, data: bytes, encoding: str) -> None:
    (tmp_path / "doc.txt").write_bytes(data)
    (doc,), issues = load_documents(tmp_path)
    assert issues == ()
    assert doc.raw == (TEXT.replace("𠀀", "") if label == "gbk" else TEXT)
    assert doc.encoding == encoding
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


def test_decode_utf16_without_bom_ascii_text() -> None:
    text = "Xi Jinping emphasized that basic research is the source.\r\n" * 3
    assert decode(text.encode("utf-16-le"), file="x") == (text, "utf-16-le")
    assert decode(text.encode("utf-16-be"), file="x") == (text, "utf-16-be")


def test_decode_empty_file() -> None:
    assert decode(b"", file="x") == ("", "utf-8")


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(64)


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        bytes(range(256)) * 4,
        b"\x7fELF\x02\x01\x01" + bytes(100),
        b"text\x01\x02\x03\x04\x05\x06\x07\x08" * 5,
    ],
    ids=["png", "all-bytes", "elf", "control-chars"],
)
def test_binary_data_is_refused(data: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode(data, file="data/picture.txt")
    assert info.value.path == "data/picture.txt"
    assert info.value.problem == "not a text file (binary data)"
    assert str(info.value) == "data/picture.txt: not a text file (binary data)"
    assert info.value.exit_code == 2


def test_undecodable_text_names_the_encodings_tried() -> None:
    # runs of high bytes that are neither UTF-8, GB18030, a legacy CJK code page nor Western text
    data = ("abc " * 20).encode() + b"\xff\xfe\xfd\xfc" * 3 + b"\xe4\xb8" + ("xyz " * 20).encode()
    with pytest.raises(DecodeError) as info:
        decode(data, file="bad.txt")
    assert str(info.value) == "bad.txt: cannot decode as UTF-8, UTF-16 or GB18030"


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("中華民國的基礎研究是科學體系的源頭。" * 5, "big5"),
        ("Café déjà vu, “naïve” résumé, and a long English sentence around it.\r\n" * 5, "cp1252"),
    ],
)
def test_legacy_encodings_as_a_last_resort(text: str, codec: str) -> None:
    assert decode(text.encode(codec), file="x") == (text, codec)


@settings(max_examples=80, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_utf8_round_trips(text: str) -> None:
    assert decode(text.encode("utf-8"), file="x") == (text, "utf-8")
    assert decode(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), file="x") == (text, "utf-16-le")


# --------------------------------------------------------------------------- the corpus folder


def test_binary_file_in_corpus_raises_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("正文。", encoding="utf-8")
    (tmp_path / "logo.txt").write_bytes(PNG)
    with pytest.raises(DecodeError) as info:
        load_documents(tmp_path)
    assert info.value.path == str(tmp_path / "logo.txt")
    assert "binary" in info.value.problem


def test_skip_bad_skips_the_file_with_an_issue_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("正文。", encoding="utf-8")
    (tmp_path / "logo.txt").write_bytes(PNG)
    docs, issues = load_documents(tmp_path, skip_bad=True)
    assert [d.file for d in docs] == ["a.txt"]
    assert len(issues) == 1
    assert "logo.txt" in issues[0] and "binary" in issues[0] and "\n" not in issues[0]


def test_skip_bad_with_nothing_left_is_an_empty_corpus(tmp_path: Path) -> None:
    (tmp_path / "logo.txt").write_bytes(PNG)
    with pytest.raises(EmptyCorpus):
        load_documents(tmp_path, skip_bad=True)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFound) as info:
        load_documents(tmp_path / "nope")
    assert str(info.value) == f"{tmp_path / 'nope'}: no such directory"
    assert isinstance(info.value, InputError)


def test_folder_without_text_files(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("隐藏", encoding="utf-8")
    with pytest.raises(EmptyCorpus) as info:
        load_documents(tmp_path)
    assert info.value.problem == "no .txt or .md files"


def test_walks_subfolders_sorted_and_skips_hidden_ones(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".quotetrace").mkdir()
    (tmp_path / "b" / "z.md").write_text("# 标题\n\n正文。", encoding="utf-8")
    (tmp_path / "a.TXT").write_text("正文。", encoding="utf-8")
    (tmp_path / ".quotetrace" / "cache.txt").write_text("缓存", encoding="utf-8")
    (tmp_path / "c.csv").write_text("x,y", encoding="utf-8")
    docs, _ = load_documents(tmp_path)
    assert [d.file for d in docs] == ["a.TXT", "b/z.md"]
    assert [d.id for d in docs] == ["a", "z"]


def test_a_single_file_is_a_corpus_of_one(tmp_path: Path) -> None:
    f = tmp_path / "one.txt"
    f.write_text("（来源：新华社，2026年4月30日）\n正文。", encoding="utf-8")
    (doc,), _ = load_documents(f)
    assert (doc.id, doc.file, doc.meta.date) == ("one", "one.txt", "2026-04-30")


def test_without_manifest_ids_come_from_file_names_and_dates_from_source_lines(tmp_path: Path) -> None:
    for f in RAW.glob("*.txt"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "人民日报 评论员文章 (2024).txt").write_text(
        "坚定信心\n\n来源：《人民日报》（2024 年 06 月 25 日 02 版）\n\n正文。", encoding="utf-8"
    )
    (tmp_path / "Readout.md").write_text("Readout\n\nOn May 1, 2026, the meeting was held.", encoding="utf-8")
    docs, issues = load_documents(tmp_path)
    assert issues == ()
    by_id = {d.id: d for d in docs}
    assert set(by_id) == {
        "beijing-universities-basic-research-opinions",
        "bit-bulletin-2026-05-basic-research-symposium",
        "compilation-2024-science-conference",
        "csis-translation-2023-study-session-readout",
        "speech-2023-02-21-basic-research-qiushi",
        "人民日报-评论员文章-2024",
        "readout",
    }
    dates = {k: d.meta.date for k, d in by_id.items()}
    assert dates["人民日报-评论员文章-2024"] == "2024-06-25"
    assert dates["compilation-2024-science-conference"] == "2024-06-25"
    assert dates["bit-bulletin-2026-05-basic-research-symposium"] == "2026-05-12"  # the notice's signature
    assert dates["speech-2023-02-21-basic-research-qiushi"] == "2023-02-21"  # ※ note
    assert dates["csis-translation-2023-study-session-readout"] == "2023-02-21"  # English prose
    assert dates["readout"] == "2026-05-01"
    assert dates["beijing-universities-basic-research-opinions"] is None
    assert by_id["人民日报-评论员文章-2024"].meta.title == "坚定信心"
    assert by_id["csis-translation-2023-study-session-readout"].meta.language == "en"
    assert by_id["compilation-2024-science-conference"].meta.language == "zh"


def test_seed_corpus_with_manifest() -> None:
    docs, issues = load_documents(RAW)
    assert issues == ()
    assert [d.id for d in docs] == [
        "beijing-policy",
        "bit-bulletin",
        "compilation-2024",
        "csis-translation",
        "speech-2023",
    ]
    by_id = {d.id: d for d in docs}
    speech = by_id["speech-2023"]
    assert speech.meta.date == "2023-02-21"
    assert speech.meta.dates == (("published", "2023-08-01"),)
    assert speech.meta.kind == "speech" and speech.meta.language == "zh"
    assert by_id["csis-translation"].meta.language == "en"
    assert by_id["beijing-policy"].meta.date is None
    for d in docs:
        data = (RAW / d.file).read_bytes()
        assert d.raw == data.decode("utf-8")  # byte-for-byte, nothing changed
        assert d.sha256 == hashlib.sha256(data).hexdigest()


def test_unlisted_files_are_ingested_next_to_listed_ones(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("甲文。", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙文。", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nid = "b"\nfile = "a.txt"\ndate = 2023-02-21\n', encoding="utf-8"
    )
    docs, _ = load_documents(tmp_path)
    # a.txt is listed with id "b"; the unlisted b.txt must not collide with it
    assert [(d.file, d.id, d.meta.date) for d in docs] == [
        ("a.txt", "b", "2023-02-21"),
        ("b.txt", "b-2", None),
    ]


# --------------------------------------------------------------------------- manifest


def _manifest(tmp_path: Path, body: str, files: tuple[str, ...] = ("a.txt",)) -> Path:
    for f in files:
        (tmp_path / f).write_text("正文。", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(body, encoding="utf-8")
    return tmp_path


def test_read_manifest_fields(tmp_path: Path) -> None:
    folder = _manifest(
        tmp_path,
        """
[[document]]
id = "speech"
file = "a.txt"
title = "标题"
publisher = "《求是》"
date = "2023-02-21"
published = 2023-08-01
delivered_date = "2023-02"
language = "zh"
kind = "speech"
description = "说明"
pages = 12
""",
    )
    ((file, (doc_id, meta)),) = read_manifest(folder).items()
    assert (file, doc_id) == ("a.txt", "speech")
    assert (meta.title, meta.publisher, meta.date, meta.kind, meta.description) == (
        "标题",
        "《求是》",
        "2023-02-21",
        "speech",
        "说明",
    )
    assert meta.dates == (("published", "2023-08-01"), ("delivered_date", "2023-02"))


def test_no_manifest_is_an_empty_mapping(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) == {}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[[document]\nid = 1", "not valid TOML"),
        ('[[document]]\nid = "a"\n', "missing 'file'"),
        ('[[document]]\nfile = "a.txt"\n', "missing 'id'"),
        (
            '[[document]]\nid = "a"\nfile = "a.txt"\n[[document]]\nid = "a"\nfile = "b.txt"\n',
            "duplicate id 'a'",
        ),
        ('[[document]]\nid = "a"\nfile = "a.txt"\ndate = "2023-02-30"\n', "invalid date"),
        ('[[document]]\nid = "a"\nfile = "a.txt"\ndate = "21 Feb 2023"\n', "invalid date"),
        ('[[document]]\nid = "a"\nfile = "a.txt"\npublished = "sometime"\n', "invalid published"),
        ('[[document]]\nid = "a"\nfile = "missing.txt"\n', "file does not exist"),
        ('document = "a.txt"\n', "array of tables"),
        ('[[document]]\nid = 42\nfile = "a.txt"\n', "'id' must be a string"),
        ('[[document]]\nid = "a"\nfile = "../a.txt"\n', "inside the corpus folder"),
        ('[[document]]\nid = "a"\nfile = "a.txt"\nlanguage = "english"\n', "language code"),
    ],
)
def test_manifest_errors(tmp_path: Path, body: str, problem: str) -> None:
    folder = _manifest(tmp_path, body, files=("a.txt", "b.txt"))
    with pytest.raises(ManifestError) as info:
        read_manifest(folder)
    assert info.value.path == str(folder / "manifest.toml")
    assert problem in info.value.problem
    with pytest.raises(ManifestError):
        load_documents(folder)


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("stem", "slug"),
    [
        ("speech-2023-02-21-basic-research-qiushi", "speech-2023-02-21-basic-research-qiushi"),
        ("Readout (CSIS)", "readout-csis"),
        ("人民日报 评论员", "人民日报-评论员"),
        ("０１_Ｆｉｌｅ", "01_file"),
        ("...", "doc"),
    ],
)
def test_slugify(stem: str, slug: str) -> None:
    assert slugify(stem) == slug


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("习近平强调，基础研究是整个科学体系的源头。", "zh"),
        ("标题\n" + "Xi Jinping emphasized that basic research is the source. " * 20, "en"),
        ("基础研究（basic research）是源头。", "zh"),
        ("これは日本語の文章です。", "ja"),
        ("12345 ，。", "und"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("name", "date"),
    [
        ("2008-03-05_government-work-report.txt", "2008-03-05"),
        ("1921-07_cpc-1st-congress-beijing-group-report.txt", "1921-07"),
        ("report_20240625.md", "2024-06-25"),
        ("beijing-universities-basic-research-opinions.txt", None),
        ("chapter-2024-science.txt", None),  # a year alone is not a date of the document
    ],
)
def test_date_from_file_name(name: str, date: str | None) -> None:
    from quotetrace.ingest import date_from_name

    assert date_from_name(name) == date


def test_undated_text_takes_its_file_names_date(tmp_path: Path) -> None:
    (tmp_path / "2008-03-05_report.txt").write_text(
        "各位代表：\n\n现在，我代表国务院，向大会报告工作。\n", encoding="utf-8"
    )
    (tmp_path / "notes.txt").write_text("没有日期的文字。\n", encoding="utf-8")
    docs, _ = load_documents(tmp_path)
    assert {d.file: d.meta.date for d in docs} == {"2008-03-05_report.txt": "2008-03-05", "notes.txt": None}


def test_a_date_in_the_file_name_beats_a_date_the_body_talks_about(tmp_path: Path) -> None:
    (tmp_path / "2024-03-05_申报通知.txt").write_text(
        "关于申报项目的通知\n\n各有关单位：\n\n现将有关事项通知如下，申报截止时间为2024年4月30日17时。\n",
        encoding="utf-8",
    )
    docs, _ = load_documents(tmp_path)
    assert docs[0].meta.date == "2024-03-05"


def test_a_text_that_opens_with_its_source_line_and_body_has_no_title(tmp_path: Path) -> None:
    body = "加强基础研究，是实现高水平科技自立自强的迫切要求，是建设世界科技强国的必由之路。" * 5
    (tmp_path / "web.txt").write_text(f"来源：新华网 发布时间：2023年9月1日 {body}\n", encoding="utf-8")
    docs, _ = load_documents(tmp_path)
    assert docs[0].meta.title is None and docs[0].meta.date == "2023-09-01"


def test_a_manifest_date_the_text_contradicts_is_named_in_the_issues(tmp_path: Path) -> None:
    (tmp_path / "notice.txt").write_text(
        "某县科协关于开展宣讲活动的通知\n\n各乡镇：现将有关事项通知如下。\n\n某县科协　2023年4月3日\n",
        encoding="utf-8",
    )
    (tmp_path / "agreeing.txt").write_text(
        "另一份通知\n\n正文一句。\n\n某县科协　2023年4月3日\n", encoding="utf-8"
    )
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nid = "notice"\nfile = "notice.txt"\ndate = "2022-12-01"\n\n'
        '[[document]]\nid = "agreeing"\nfile = "agreeing.txt"\ndate = "2023-04-05"\n',
        encoding="utf-8",
    )
    docs, issues = load_documents(tmp_path)
    assert {d.id: d.meta.date for d in docs} == {
        "notice": "2022-12-01",
        "agreeing": "2023-04-05",
    }  # manifest wins
    assert len(issues) == 1 and "notice.txt" in issues[0] and "2023-04-03" in issues[0]
