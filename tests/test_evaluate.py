"""evaluate: PAN-style character measures on target spans, with hand-computed cases and the real gold."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.errors import GoldFormatError, InputError, UnknownDocument
from quotetrace.evaluate import (
    Gold,
    GoldRecord,
    Negative,
    annotated_regions,
    evaluate,
    evaluate_corpus,
    hash_folder,
    load_gold,
    resolve_gold,
    same_text,
)
from quotetrace.model import Article, Corpus, Document, Kind, NormText, ParsedArticle, Span

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GOLD_DEV = ROOT.parent / "shared" / "gold-dev"
SEEDS = ROOT.parent / "shared" / "seeds"

# --------------------------------------------------------------------------- a small synthetic corpus

SRC = "加强基础研究，是实现高水平科技自立自强的迫切要求，是建设世界科技强国的必由之路。党和国家历来重视基础研究工作。"
# a reprint of SRC: PDF line breaks, markup and a page number line — the same text once compacted
COPY = "**加强基础研究，是实现高水平科技自立\n\n自强的迫切要求，是建设世界科技强国的必由之路。**\n3\n党和国家历来重视基础研究工作。"
OTHER = "新中国成立后，党中央发出向科学进军号召，广大科技工作者自力更生、艰苦奋斗，取得重大基础研究成果。"
UNRELATED = "今天天气晴朗，气温二十度左右，适合全家外出散步、野餐和放风筝。"
PREFIX = "学习体会：我们认为，"
TGT = (
    PREFIX
    + SRC[:40]
    + "\n以上是摘录。"
    + "这是评论员的原创文字，和任何来源都没有关系，用来测试负例。"
    + "再来一段毫无关系的原创叙述文字内容。"
)
TEXTS = {"s.txt": SRC, "c.txt": COPY, "o.txt": OTHER, "t.txt": TGT}

G0, G1 = len(PREFIX), len(PREFIX) + 40  # gold target span: TGT[G0:G1] == SRC[0:40]
NEG0 = TGT.index("这是评论员")
NEG1 = NEG0 + len("这是评论员的原创文字，和任何来源都没有关系，用来测试负例。")
FREE0 = TGT.index("再来一段")


def _rec(
    id: str, t: tuple[int, int], s: tuple[int, int], *, kind: str = "verbatim", sfile: str = "s.txt"
) -> GoldRecord:
    return GoldRecord(
        id=id,
        target_file="t.txt",
        target=Span(*t),
        target_text=TGT[t[0] : t[1]],
        source_label="A",
        source_file=sfile,
        source=Span(*s),
        source_text=TEXTS[sfile][s[0] : s[1]],
        kind=Kind(kind),
        quoted=False,
    )


def _det(
    id: str,
    t: tuple[int, int],
    s: tuple[int, int],
    *,
    sfile: str = "s.txt",
    kind: str = "verbatim",
    quoted: bool = False,
) -> dict[str, Any]:
    return {
        "id": id,
        "source": {
            "doc": sfile,
            "file": sfile,
            "article": sfile,
            "start": s[0],
            "end": s[1],
            "text": TEXTS[sfile][s[0] : s[1]],
        },
        "target": {
            "doc": "t",
            "file": "t.txt",
            "article": "t",
            "start": t[0],
            "end": t[1],
            "text": TGT[t[0] : t[1]],
        },
        "kind": kind,
        "score": 1.0,
        "quoted": quoted,
        "attributed": False,
        "direction": "dated",
    }


NEG = Negative("n1", "t.txt", Span(NEG0, NEG1), TGT[NEG0:NEG1])
GOLD = Gold("gold.jsonl", (_rec("g1", (G0, G1), (0, 40)),), (NEG,))


def test_synthetic_setup_is_consistent() -> None:
    assert TGT[G0:G1] == SRC[:40]
    assert same_text(COPY, SRC)


def test_half_covered_record() -> None:
    r = evaluate(GOLD, [_det("d1", (G0 + 20, G1), (20, 40))], texts=TEXTS)
    assert r.overall.recall == pytest.approx(0.5)
    assert r.overall.precision == pytest.approx(1.0)
    assert r.overall.granularity == 1.0
    assert r.overall.f1 == pytest.approx(2 / 3)
    assert r.overall.plagdet == pytest.approx(2 / 3)


def test_two_pieces_of_one_record_have_granularity_two() -> None:
    dets = [_det("d1", (G0, G0 + 20), (0, 20)), _det("d2", (G0 + 20, G1), (20, 40))]
    r = evaluate(GOLD, dets, texts=TEXTS)
    assert (r.overall.precision, r.overall.recall) == (1.0, 1.0)
    assert r.overall.granularity == 2.0
    assert r.overall.plagdet == pytest.approx(1 / math.log2(3))
    assert r.records[0].pieces == 2.0


def test_detection_from_a_copy_of_the_source_matches() -> None:
    c0, c1 = 0, COPY.index("。**") + 1  # the copy's first sentence, with its markup and line breaks
    r = evaluate(GOLD, [_det("d1", (G0, G1), (c0, c1), sfile="c.txt")], texts=TEXTS)
    assert r.overall.recall == 1.0 and r.overall.precision == 1.0
    assert r.detections[0].matches == ("g1",)


def test_one_piece_from_each_copy_is_not_fragmentation() -> None:
    dets = [_det("d1", (G0, G1), (0, 40)), _det("d2", (G0, G1), (0, len(COPY)), sfile="c.txt")]
    r = evaluate(GOLD, dets, texts=TEXTS)
    assert r.overall.granularity == 1.0
    assert (r.overall.precision, r.overall.recall) == (1.0, 1.0)


def test_detection_from_an_unrelated_source_scores_zero() -> None:
    r = evaluate(GOLD, [_det("d1", (G0, G1), (0, len(OTHER)), sfile="o.txt")], texts=TEXTS)
    assert r.overall.recall == 0.0 and r.overall.precision == 0.0
    assert r.detections_scored == 1 and r.overall.n_detected == 0
    assert r.overall.granularity == 1.0 and r.overall.plagdet == 0.0


def test_same_file_but_other_part_of_the_source_does_not_match() -> None:
    far = (SRC.index("党和"), len(SRC))
    r = evaluate(GOLD, [_det("d1", (G0, G1), far)], texts=TEXTS)
    assert r.overall.recall == 0.0


def test_whitespace_is_not_counted() -> None:
    # the gold target is "以上是摘录" preceded by a line break; the detection covers the break only
    # plus two characters: two of five non-space characters
    t0 = TGT.index("\n以上")
    gold = Gold("g", (_rec("g1", (t0, t0 + 6), (0, 40)),))
    r = evaluate(gold, [_det("d1", (t0 - 5, t0 + 3), (0, 40))], texts=TEXTS)
    assert r.overall.recall == pytest.approx(2 / 5)
    assert r.overall.precision == pytest.approx(2 / 7)  # 5 chars before the break + 2 after
    # without full texts the record and detection texts tell whitespace apart just the same
    r2 = evaluate(gold, [_det("d1", (t0 - 5, t0 + 3), (0, 40))])
    assert (r2.overall.recall, r2.overall.precision) == (r.overall.recall, r.overall.precision)


def test_detections_outside_the_annotated_region_are_not_scored() -> None:
    free = _det("d2", (FREE0, len(TGT)), (0, 40))
    good = _det("d1", (G0, G1), (0, 40))
    r = evaluate(GOLD, [good, free], texts=TEXTS)
    assert r.overall.precision == 1.0 and r.detections_scored == 1 and r.detections_total == 2
    # when the whole target article is known to be annotated, the stray detection counts against
    r = evaluate(GOLD, [good, free], texts=TEXTS, regions={"t.txt": (Span(0, len(TGT)),)})
    assert r.overall.precision == pytest.approx(0.5) and r.detections_scored == 2


def test_negatives_touched_and_scored() -> None:
    neg2 = Negative("n2", "t.txt", Span(FREE0, len(TGT)), TGT[FREE0:])
    gold = Gold("g", GOLD.records, (NEG, neg2))
    r = evaluate(
        gold, [_det("d1", (G0, G1), (0, 40)), _det("d2", (NEG0 + 3, NEG1 - 3), (0, 40))], texts=TEXTS
    )
    assert r.negatives_total == 2 and r.touched_negatives == ("n1",)
    assert r.negatives_touched == 0.5
    assert r.overall.precision == pytest.approx(0.5)  # the probe is annotated, so d2 is scored


def test_short_non_quotation_detections_are_reported() -> None:
    dets = [
        _det("short", (G0, G0 + 5), (0, 5)),
        _det("quote", (G0 + 5, G0 + 10), (5, 10), quoted=True),
        _det("long", (G0 + 10, G1), (10, 40)),
    ]
    r = evaluate(GOLD, dets, texts=TEXTS)
    assert r.short_detections == 1 and r.short_ids == ("short",)


def test_kinds_bucket_recall_by_gold_kind_and_precision_by_detected_kind() -> None:
    r = evaluate(GOLD, [_det("d1", (G0, G1), (0, 40), kind="paraphrase")], texts=TEXTS)
    assert r.bucket("verbatim").recall == 1.0
    assert r.bucket("verbatim").n_detections == 0 and r.bucket("verbatim").precision == 0.0
    assert r.bucket("paraphrase").precision == 1.0 and r.bucket("paraphrase").n_gold == 0
    assert r.bucket("verbatim+near_verbatim").recall == 1.0
    assert dict(r.kind_confusion) == {"verbatim": (("paraphrase", 1),)}
    assert r.records[0].detected_kind == "paraphrase"


def test_result_serialises_and_tabulates() -> None:
    r = evaluate(GOLD, [_det("d1", (G0 + 20, G1), (20, 40))], texts=TEXTS)
    d = json.loads(json.dumps(r.to_dict(details=True)))
    assert d["overall"]["recall"] == 0.5 and d["overall"]["gold"] == 1
    assert set(d["by_kind"]) == {
        "verbatim",
        "near_verbatim",
        "paraphrase",
        "translation",
        "verbatim+near_verbatim",
    }
    assert d["negatives"] == {"total": 1, "touched": 0, "touched_share": 0.0, "touched_ids": []}
    assert d["records"][0]["id"] == "g1" and d["detection_scores"][0]["matches"] == ["g1"]
    header, rows = r.table()
    assert header[0] == "kind" and [row[0] for row in rows][-1] == "all"
    assert all(len(row) == len(header) for row in rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(TGT)), st.integers(0, len(TGT)), st.booleans()), max_size=6))
def test_measures_stay_in_range(spans: list[tuple[int, int, bool]]) -> None:
    dets = [
        _det(
            f"d{i}",
            (min(a, b), max(a, b)),
            (0, 40) if same else (0, len(OTHER)),
            sfile="s.txt" if same else "o.txt",
        )
        for i, (a, b, same) in enumerate(spans)
    ]
    r = evaluate(GOLD, dets, texts=TEXTS)
    for s in (*r.by_kind, r.overall):
        assert 0.0 <= s.precision <= 1.0 and 0.0 <= s.recall <= 1.0
        assert s.granularity >= 1.0 and 0.0 <= s.plagdet <= 1.0
    assert 0.0 <= r.negatives_touched <= 1.0


# --------------------------------------------------------------------------- same_text


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (COPY, SRC, True),  # reprint with markup, line breaks and a page number
        (SRC[10:30], SRC, True),  # part of the source
        (SRC + OTHER, SRC, True),  # a passage merging the source with what follows
        (OTHER, SRC, False),
        # a stock formula shared by unrelated sentences is not a copy
        (
            "我们要实现高水平科技自立自强，推动教育强国建设。",
            "加快实现高水平科技自立自强，是推动高质量发展的必由之路。",
            False,
        ),
        ("", SRC, False),
    ],
)
def test_same_text(a: str, b: str, expected: bool) -> None:
    assert same_text(a, b) is expected


def test_same_text_partial_overlap_counts_with_the_covered_share() -> None:
    # a detection that starts in the second half of a gold paragraph (from a copy) and runs on
    straddle = SRC[25:] + OTHER
    assert same_text(straddle, SRC, covered_share=0.4)


# --------------------------------------------------------------------------- loading and file matching


def _write_gold(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "gold.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _gold_line(**over: Any) -> str:
    obj = {
        "id": "g1",
        "target_file": "t.txt",
        "target_start": G0,
        "target_end": G1,
        "target_text": TGT[G0:G1],
        "source_label": "A",
        "source_file": "s.txt",
        "source_start": 0,
        "source_end": 40,
        "source_text": SRC[:40],
        "kind": "verbatim",
        "quoted": False,
        "note": "",
    }
    obj.update(over)
    return json.dumps({k: v for k, v in obj.items() if v is not ...}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{oops", "line 2: invalid JSON"),
        (_gold_line(id="g2", kind=...), "line 2: missing field 'kind'"),
        (_gold_line(id="g2", kind="quote"), "line 2: unknown kind 'quote'"),
        (_gold_line(id="g2", target_start="3"), "line 2: field 'target_start' must be int, got str"),
        (_gold_line(id="g2", quoted="no"), "line 2: field 'quoted' must be bool, got str"),
        (_gold_line(id="g2", target_end=G0), f"line 2: invalid target span [{G0}, {G0})"),
        (_gold_line(id="g2", target_text="太短"), "line 2: target_text has 2 characters but the span has 40"),
        (_gold_line(), "line 2: duplicate id 'g1'"),
    ],
)
def test_gold_format_errors_are_one_line(tmp_path: Path, line: str, problem: str) -> None:
    p = _write_gold(tmp_path / "gold", [_gold_line(), line])
    with pytest.raises(GoldFormatError) as ei:
        load_gold(p, seeds=tmp_path)
    assert str(ei.value).startswith(f"{p}: {problem}")
    assert "\n" not in str(ei.value) and ei.value.exit_code == 2


def test_gold_text_is_checked_against_the_seed_bytes(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "t.txt").write_text(TGT, encoding="utf-8")
    (seeds / "s.txt").write_text(SRC.replace("基础", "应用"), encoding="utf-8")
    p = _write_gold(tmp_path / "gold", [_gold_line()])
    with pytest.raises(GoldFormatError, match=r"g1: source_text is not s\.txt\[0:40\]"):
        load_gold(p, seeds=seeds)


def test_load_gold_finds_negatives_and_hashes_seeds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"  # default: seeds/ beside the gold folder
    seeds.mkdir()
    for name, text in TEXTS.items():
        (seeds / name).write_text(text, encoding="utf-8")
    folder = tmp_path / "gold"
    _write_gold(folder, [_gold_line()])
    neg = {
        "id": "n1",
        "target_file": "t.txt",
        "target_start": NEG0,
        "target_end": NEG1,
        "target_text": TGT[NEG0:NEG1],
    }
    (folder / "negatives.jsonl").write_text(json.dumps(neg, ensure_ascii=False) + "\n", encoding="utf-8")
    gold = load_gold(folder)
    assert [r.id for r in gold.records] == ["g1"] and [n.id for n in gold.negatives] == ["n1"]
    assert dict(gold.file_sha256) == {k: v for k, v in hash_folder(seeds).items() if k in ("t.txt", "s.txt")}

    # a corpus holding the same bytes under other names
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "评论.txt").write_text(TGT, encoding="utf-8")
    (corpus / "speech.txt").write_text(SRC, encoding="utf-8")
    files = {h: f for f, h in hash_folder(corpus).items()}
    resolved = resolve_gold(gold, files)
    assert (resolved.records[0].target_file, resolved.records[0].source_file) == ("评论.txt", "speech.txt")
    assert resolved.negatives[0].target_file == "评论.txt"

    (corpus / "speech.txt").write_text(SRC + "改了", encoding="utf-8")
    files = {h: f for f, h in hash_folder(corpus).items()}
    with pytest.raises(UnknownDocument, match=r"gold file s\.txt has no counterpart in the corpus"):
        resolve_gold(gold, files)


def test_missing_seed_folder_and_gold_file(tmp_path: Path) -> None:
    p = _write_gold(tmp_path / "gold", [_gold_line()])
    with pytest.raises(InputError, match="seed folder not found"):
        load_gold(p, seeds=tmp_path / "nope")
    with pytest.raises(GoldFormatError, match="no such file"):
        load_gold(tmp_path / "nothing.jsonl", seeds=tmp_path)


def test_evaluate_corpus_scores_whole_annotated_articles() -> None:
    def doc(id: str, file: str) -> Document:
        return Document(id=id, file=file, raw=TEXTS[file], encoding="utf-8", sha256=f"{id:0>64}")

    docs = (doc("t", "t.txt"), doc("s", "s.txt"))
    t_end = NEG0  # article 1 holds the gold record; article 2 the rest (nothing annotated there)
    arts = (
        ParsedArticle(Article("t#1", "t", Span(0, t_end)), NormText("", (0,)), ()),
        ParsedArticle(Article("t#2", "t", Span(t_end, len(TGT))), NormText("", (0,)), ()),
        ParsedArticle(Article("s", "s", Span(0, len(SRC))), NormText("", (0,)), ()),
    )
    corpus = Corpus("c", docs, arts)
    gold = Gold("g", GOLD.records, (), (("t.txt", docs[0].sha256), ("s.txt", docs[1].sha256)))
    stray_in_article = _det("d2", (0, len(PREFIX)), (0, 40))
    stray_elsewhere = _det("d3", (FREE0, len(TGT)), (0, 40))
    r = evaluate_corpus(gold, [_det("d1", (G0, G1), (0, 40)), stray_in_article, stray_elsewhere], corpus)
    assert r.detections_scored == 2 and r.overall.precision == pytest.approx(0.5)
    assert annotated_regions(gold, [("t.txt", Span(0, t_end)), ("t.txt", Span(t_end, len(TGT)))]) == {
        "t.txt": (Span(0, t_end),)
    }


# --------------------------------------------------------------------------- the real development gold


@pytest.fixture(scope="module")
def dev_gold() -> tuple[Gold, dict[str, str]]:
    if not GOLD_DEV.is_dir():
        pytest.skip("../shared/gold-dev not present")
    files = {h: f for f, h in hash_folder(RAW).items()}
    return load_gold(GOLD_DEV / "gold.jsonl", seeds=SEEDS), files


def _as_detections(gold: Gold) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "kind": r.kind.value,
            "quoted": r.quoted,
            "target": {
                "file": r.target_file,
                "start": r.target.start,
                "end": r.target.end,
                "text": r.target_text,
            },
            "source": {
                "file": r.source_file,
                "start": r.source.start,
                "end": r.source.end,
                "text": r.source_text,
            },
        }
        for r in gold.records
    ]


def test_real_gold_loads(dev_gold: tuple[Gold, dict[str, str]]) -> None:
    gold, files = dev_gold
    assert len(gold.records) == 112 and len(gold.negatives) == 39
    kinds = [r.kind.value for r in gold.records]
    assert (
        kinds.count("verbatim"),
        kinds.count("near_verbatim"),
        kinds.count("paraphrase"),
        kinds.count("translation"),
    ) == (
        76,
        3,
        20,
        13,
    )
    resolved = resolve_gold(gold, files)
    assert {r.target_file for r in resolved.records} <= set(files.values())
    raws = {f: (RAW / f).read_text(encoding="utf-8") for f in files.values() if f.endswith(".txt")}
    assert all(r.target.of(raws[r.target_file]) == r.target_text for r in resolved.records)


def test_perfect_detections_score_one(dev_gold: tuple[Gold, dict[str, str]]) -> None:
    gold, files = dev_gold
    resolved = resolve_gold(gold, files)
    r = evaluate(gold, _as_detections(resolved), corpus_files=files)
    for s in (*r.by_kind, r.overall):
        assert (s.precision, s.recall, s.granularity, s.plagdet) == (1.0, 1.0, 1.0, 1.0), s.bucket
    assert r.negatives_touched == 0.0 and r.short_detections == 0


def test_reprint_as_source_matches_on_real_gold(dev_gold: tuple[Gold, dict[str, str]]) -> None:
    """The 2023 speech is recorded against its canonical file; a detection sourced from a reprint
    (another record's target with the same source span) must match."""
    gold, files = dev_gold
    resolved = resolve_gold(gold, files)
    by_source: dict[tuple[int, int], list[GoldRecord]] = {}
    for rec in resolved.records:
        if rec.kind is Kind.VERBATIM and rec.source_label == "A":
            by_source.setdefault((rec.source.start, rec.source.end), []).append(rec)
    dets, wanted = [], []
    for a, b, *_ in (v for v in by_source.values() if len(v) >= 2):
        wanted.append(b.id)
        dets.append(
            {
                "id": b.id,
                "kind": "verbatim",
                "target": {
                    "file": b.target_file,
                    "start": b.target.start,
                    "end": b.target.end,
                    "text": b.target_text,
                },
                "source": {
                    "file": a.target_file,
                    "start": a.target.start,
                    "end": a.target.end,
                    "text": a.target_text,
                },
            }
        )
    assert len(wanted) >= 10
    r = evaluate(resolved, dets)
    assert r.overall.precision == 1.0
    assert all(x.recall == 1.0 for x in r.records if x.id in wanted)


def test_shifted_detections_score_zero(dev_gold: tuple[Gold, dict[str, str]]) -> None:
    gold, files = dev_gold
    resolved = resolve_gold(gold, files)
    dets = _as_detections(resolved)
    far = [
        {
            **d,
            "target": {
                **d["target"],
                "start": d["target"]["start"] + 10**6,
                "end": d["target"]["end"] + 10**6,
            },
        }
        for d in dets
    ]
    r = evaluate(resolved, far)
    assert r.overall.recall == 0.0 and r.overall.plagdet == 0.0
    # targets right, sources pointed at an unrelated text: scored, and all wrong
    wrong = [
        {**d, "source": {"file": "nowhere.txt", "start": 0, "end": len(UNRELATED), "text": UNRELATED}}
        for d in dets
    ]
    r = evaluate(resolved, wrong)
    assert r.detections_scored == len(dets)
    assert r.overall.precision == 0.0 and r.overall.recall == 0.0 and r.overall.plagdet == 0.0


def test_source_spans_are_scored_where_the_detection_points_into_the_gold_source() -> None:
    # right target, but the source span runs 10 characters past the gold source
    r = evaluate(GOLD, [_det("d1", (G0, G1), (0, 50))], texts=TEXTS)
    assert r.source is not None
    assert r.source.recall == pytest.approx(1.0)
    gold_chars = len("".join(SRC[0:40].split()))
    det_chars = len("".join(SRC[0:50].split()))
    assert r.source.precision == pytest.approx(gold_chars / det_chars)
    assert (r.source.n_records, r.source.n_detections, r.source.via_copy) == (1, 1, 0)
    assert r.to_dict()["source_spans"]["records"] == 1


def test_a_detection_from_a_copy_counts_as_via_copy_not_in_source_scores() -> None:
    c0, c1 = 0, COPY.index("。**") + 1
    r = evaluate(GOLD, [_det("d1", (G0, G1), (c0, c1), sfile="c.txt")], texts=TEXTS)
    assert r.source is not None and r.source.via_copy == 1 and r.source.n_detections == 0


def test_a_detection_whose_origin_is_the_gold_source_matches() -> None:
    # immediate source: some other text; origin: the gold's source, where the gold records it
    d = _det("d1", (G0, G1), (0, len(OTHER)), sfile="o.txt")
    d["origin"] = {"doc": "s", "file": "s.txt", "start": 0, "end": 40}
    r = evaluate(GOLD, [d], texts=TEXTS)
    assert r.detections[0].matches == ("g1",) and r.overall.recall == 1.0
    assert (
        evaluate(GOLD, [_det("d1", (G0, G1), (0, len(OTHER)), sfile="o.txt")], texts=TEXTS).overall.recall
        == 0
    )
