"""store: atomic writes never leave half files; alignments.jsonl round-trips (design.md §4)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.errors import InputError
from quotetrace.model import Alignment, Direction, Document, Kind, Side, Span
from quotetrace.store import (
    alignment_records,
    alignment_to_record,
    atomic_open,
    atomic_write,
    read_alignments,
    record_to_alignment,
    write_alignments,
    write_csv,
    write_json,
)

SPEECH = "今天，中央政治局进行第三次集体学习，\n\n内容是加强基础研究。"
BULLETIN = "# 标题\n（来源：求是）\n今天，中央政治局进行第三次集体学习，内容是加强基础研究。\n“加强基础研究”"
DOCS = {
    "speech": Document(id="speech", file="speech.txt", raw=SPEECH, encoding="utf-8", sha256="a" * 64),
    "bulletin": Document(
        id="bulletin", file="sub/bulletin.md", raw=BULLETIN, encoding="utf-8", sha256="b" * 64
    ),
}


def _al(s: tuple[int, int], t: tuple[int, int], **kw: object) -> Alignment:
    return Alignment(
        source=Side("speech", "speech", Span(*s)),
        target=Side("bulletin", "bulletin#1", Span(*t)),
        kind=kw.pop("kind", Kind.VERBATIM),  # type: ignore[arg-type]
        score=kw.pop("score", 1.0),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ----------------------------------------------------------------------------- atomic writes


def test_atomic_write_text_and_bytes(tmp_path: Path) -> None:
    p = tmp_path / "out" / "x.txt"  # parent is created
    atomic_write(p, "一\n二\r\n")
    assert p.read_bytes() == "一\n二\r\n".encode()  # UTF-8, no newline translation
    atomic_write(p, b"\x00\xff")
    assert p.read_bytes() == b"\x00\xff"
    assert _leftovers(p.parent) == []


def test_interrupted_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    p = tmp_path / "alignments.jsonl"
    p.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="boom"), atomic_open(p) as f:
        f.write("new half-written content")
        raise RuntimeError("boom")
    assert p.read_text(encoding="utf-8") == "old\n"
    assert _leftovers(tmp_path) == []
    assert sorted(x.name for x in tmp_path.iterdir()) == ["alignments.jsonl"]


def test_interrupted_first_write_creates_nothing(tmp_path: Path) -> None:
    p = tmp_path / "report.json"
    with pytest.raises(KeyboardInterrupt), atomic_open(p, "wb") as f:
        f.write(b"{")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_existing_permissions(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a", encoding="utf-8")
    p.chmod(0o640)
    atomic_write(p, "b")
    assert p.stat().st_mode & 0o777 == 0o640
    assert p.read_text(encoding="utf-8") == "b"


def test_atomic_write_into_unwritable_place_is_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot write"):
        atomic_write(blocker / "sub" / "x.json", "{}")


def test_atomic_open_rejects_append_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError), atomic_open(tmp_path / "x", "a"):
        pass


def test_write_json_and_csv(tmp_path: Path) -> None:
    write_json(tmp_path / "r.json", {"标题": "加强基础研究", "n": [1, 2]})
    text = (tmp_path / "r.json").read_text(encoding="utf-8")
    assert "加强基础研究" in text and text.endswith("\n")
    assert json.loads(text) == {"标题": "加强基础研究", "n": [1, 2]}

    rows = [{"doc": "speech", "share": 0.5}, {"doc": "政策, “引号”", "share": 1}]
    write_csv(tmp_path / "r.csv", rows, ["doc", "share"])
    with open(tmp_path / "r.csv", encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    assert back == [{"doc": "speech", "share": "0.5"}, {"doc": "政策, “引号”", "share": "1"}]
    with pytest.raises(ValueError):
        write_csv(tmp_path / "bad.csv", [{"nope": 1}], ["doc"])
    assert not (tmp_path / "bad.csv").exists()
    assert _leftovers(tmp_path) == []


# ----------------------------------------------------------------------------- records


def test_record_layout_follows_design() -> None:
    a = _al(
        (0, len(SPEECH)),
        (15, 46),
        score=0.987654,
        quoted=True,
        direction=Direction.DATED,
        origin=Side("speech", "speech", Span(0, 5)),
        direction_rule="article date",
    )
    rec = alignment_to_record(a, docs=DOCS, id="a000001")
    assert list(rec) == [
        "id",
        "source",
        "target",
        "kind",
        "score",
        "quoted",
        "attributed",
        "direction",
        "direction_rule",
        "origin",
    ]
    assert rec["source"] == {
        "doc": "speech",
        "file": "speech.txt",
        "article": "speech",
        "start": 0,
        "end": len(SPEECH),
        "text": SPEECH,
    }
    assert rec["target"]["file"] == "sub/bulletin.md"
    assert rec["target"]["text"] == BULLETIN[15:46]
    assert rec["score"] == 0.9877
    assert rec["kind"] == "verbatim" and rec["direction"] == "dated" and rec["quoted"] is True
    assert rec["origin"] == {"doc": "speech", "file": "speech.txt", "start": 0, "end": 5}
    assert "via" not in rec


def test_via_is_written_when_present() -> None:
    a = _al((0, 5), (15, 20), via=Side("bulletin", "bulletin#1", Span(15, 20)))
    rec = alignment_to_record(a, docs=DOCS, id="a000009")
    assert rec["via"] == {
        "doc": "bulletin",
        "file": "sub/bulletin.md",
        "article": "bulletin#1",
        "start": 15,
        "end": 20,
    }
    assert rec["direction_rule"] == ""


def test_write_alignments_sorts_and_numbers(tmp_path: Path) -> None:
    later = _al((20, 30), (48, 54), kind=Kind.NEAR_VERBATIM, score=0.8)
    earlier = _al((0, 10), (15, 30))
    back_src = Alignment(
        source=Side("bulletin", "bulletin#1", Span(15, 30)),
        target=Side("speech", "speech", Span(0, 10)),
        kind=Kind.VERBATIM,
        score=1.0,
    )
    assert write_alignments(tmp_path / "a.jsonl", [later, back_src, earlier], DOCS) == 3
    recs = alignment_records([earlier, later, back_src], list(DOCS.values()))  # order-independent
    assert [r["id"] for r in recs] == ["a000001", "a000002", "a000003"]
    assert [(r["target"]["doc"], r["target"]["start"]) for r in recs] == [
        ("bulletin", 15),
        ("bulletin", 48),
        ("speech", 0),
    ]
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and "中央政治局" in lines[0]  # ensure_ascii=False
    assert read_alignments(tmp_path / "a.jsonl") == recs


def test_record_to_alignment_inverts_alignment_to_record() -> None:
    a = _al(
        (1, 9),
        (15, 25),
        kind=Kind.PARAPHRASE,
        score=0.5,
        attributed=True,
        direction=Direction.INFERRED,
        origin=Side("speech", "speech", Span(1, 9)),
        via=Side("bulletin", "bulletin#1", Span(15, 25)),
        direction_rule="quote cue",
    )
    assert record_to_alignment(alignment_to_record(a, docs=DOCS, id="a1")) == a


_span = st.tuples(st.integers(0, len(SPEECH)), st.integers(0, len(SPEECH))).map(lambda t: (min(t), max(t)))
_tspan = st.tuples(st.integers(0, len(BULLETIN)), st.integers(0, len(BULLETIN))).map(
    lambda t: (min(t), max(t))
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            _span,
            _tspan,
            st.sampled_from(list(Kind)),
            st.floats(0, 1),
            st.booleans(),
            st.sampled_from(list(Direction)),
        ),
        max_size=8,
    )
)
def test_jsonl_write_then_read_gives_equal_records(
    tmp_path_factory: pytest.TempPathFactory, items: list
) -> None:
    folder = tmp_path_factory.mktemp("rt")
    als = [_al(s, t, kind=k, score=sc, quoted=q, direction=d) for s, t, k, sc, q, d in items]
    assert write_alignments(folder / "a.jsonl", als, DOCS) == len(als)
    written = alignment_records(als, DOCS)
    back = read_alignments(folder / "a.jsonl")
    assert back == written
    for rec in back:
        doc = DOCS[rec["target"]["doc"]]
        assert rec["target"]["text"] == doc.raw[rec["target"]["start"] : rec["target"]["end"]]
    assert {record_to_alignment(r).target for r in back} == {a.target for a in als}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "line 2: invalid JSON"),
        ("[1, 2]", "line 2: expected a JSON object, got list"),
        ('{"id": "a2"}', "line 2: missing field 'source'"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    good = json.dumps(alignment_to_record(_al((0, 5), (15, 20)), docs=DOCS, id="a1"), ensure_ascii=False)
    p = tmp_path / "a.jsonl"
    p.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        read_alignments(p)
    assert str(ei.value).startswith(f"{p}: {problem}")
    assert ei.value.exit_code == 2


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda r: r["target"].pop("end"), "missing field 'target.end'"),
        (lambda r: r.update(kind="quote"), "unknown kind 'quote'"),
        (lambda r: r.update(direction="sideways"), "unknown direction 'sideways'"),
        (lambda r: r.update(score="high"), "field 'score' must be a number"),
        (lambda r: r.update(quoted="yes"), "field 'quoted' must be true or false"),
        (lambda r: r["source"].update(start=9, end=3), "'source' has an invalid span [9, 3)"),
        (lambda r: r["source"].update(start=True), "field 'source.start' has the wrong type (bool)"),
    ],
)
def test_field_problems_are_reported(tmp_path: Path, mutate, problem: str) -> None:
    rec = alignment_to_record(_al((0, 5), (15, 20)), docs=DOCS, id="a1")
    mutate(rec)
    p = tmp_path / "a.jsonl"
    p.write_text("\n" + json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        read_alignments(p)
    assert str(ei.value) == f"{p}: line 2: {problem}"


def test_missing_alignments_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_alignments(tmp_path / "nope.jsonl")
