"""bench/synth.py: the benchmark corpora must say exactly where their injected reuse is."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> synth.SynthInfo:
    return synth.generate(300, tmp_path_factory.mktemp("tiny"), seed=7, reuse_rate=0.2)


def _raw(info: synth.SynthInfo, name: str) -> str:
    return (info.out_dir / name).read_text(encoding="utf-8")


def test_truth_offsets_point_at_the_text(tiny: synth.SynthInfo) -> None:
    records = synth.read_truth(tiny.out_dir)
    assert len(records) == tiny.n_reuse > 0
    for r in records:
        src, tgt = _raw(tiny, r["source_file"]), _raw(tiny, r["target_file"])
        assert src[r["source_start"] : r["source_end"]] == r["source_text"]
        assert tgt[r["target_start"] : r["target_end"]] == r["target_text"]
        assert r["source_file"] != r["target_file"]
    assert synth.verify(tiny.out_dir) == len(records)


def test_all_injection_kinds_and_their_shapes(tiny: synth.SynthInfo) -> None:
    records = synth.read_truth(tiny.out_dir)
    assert {r["inject"] for r in records} == set(synth.INJECT_KINDS)
    for r in records:
        s, t = r["source_text"], r["target_text"]
        if r["inject"] == "verbatim":
            assert s == t and r["kind"] == "verbatim"
        elif r["inject"] == "near_verbatim":
            assert s != t and fuzz.ratio(s, t) >= 80
        elif r["inject"] == "quoted_clause":
            raw = _raw(tiny, r["target_file"])
            assert s == t and r["quoted"] is True and len(t) >= 8
            assert raw[r["target_start"] - 1] == "“" and raw[r["target_end"]] == "”"
        else:
            assert r["kind"] == "paraphrase" and s != t
            shared = sum((Counter(s) & Counter(t)).values())  # reworded, not unrelated
            assert shared >= 0.5 * max(len(s), len(t))


def test_reuse_goes_from_earlier_to_later_dates(tiny: synth.SynthInfo) -> None:
    manifest = tomllib.loads(tiny.manifest_path.read_text(encoding="utf-8"))
    docs = {d["file"]: d for d in manifest["document"]}
    assert set(docs) == set(tiny.files)
    assert all(d["language"] == "zh" and re.fullmatch(r"\d{4}-\d\d-\d\d", d["date"]) for d in docs.values())
    for r in synth.read_truth(tiny.out_dir):
        assert docs[r["source_file"]]["date"] < docs[r["target_file"]]["date"]


def test_counts_and_document_shape(tiny: synth.SynthInfo) -> None:
    assert tiny.n_sentences == 300
    total = 0
    for name in tiny.files:
        raw = _raw(tiny, name)
        title, _, body = raw.partition("\n\n")
        assert "。" not in title and raw.endswith("。\n")
        for para in body.rstrip("\n").split("\n\n"):
            assert para.endswith("。") and "\n" not in para
        total += sum(1 for p in re.split(r"(?<=[。！？])", body) if p.strip())
    assert total == tiny.n_sentences
    assert 0.1 <= tiny.n_target_sentences / tiny.n_sentences <= 0.3


def test_deterministic_given_seed(tiny: synth.SynthInfo, tmp_path: Path) -> None:
    again = synth.generate(300, tmp_path / "a", seed=7, reuse_rate=0.2)
    other = synth.generate(300, tmp_path / "b", seed=8, reuse_rate=0.2)
    names = ("manifest.toml", "truth.jsonl", *tiny.files)
    assert again.files == tiny.files
    assert all((tiny.out_dir / n).read_bytes() == (again.out_dir / n).read_bytes() for n in names)
    assert (tiny.out_dir / "truth.jsonl").read_bytes() != (other.out_dir / "truth.jsonl").read_bytes()


def test_background_shares_no_long_runs(tiny: synth.SynthInfo) -> None:
    stats = synth.accidental_overlap(tiny.out_dir, k=12)
    assert stats.total_chars > 5000
    assert stats.covered_share < 0.005


def test_refuses_non_empty_folder(tiny: synth.SynthInfo) -> None:
    with pytest.raises(FileExistsError):
        synth.generate(50, tiny.out_dir)


def test_bytes_corpus(tmp_path: Path) -> None:
    info = synth.generate_bytes(300_000, tmp_path, seed=1)
    files = sorted(tmp_path.glob("bulk_*.txt"))
    assert len(files) == info.n_files and sum(f.stat().st_size for f in files) == info.n_bytes >= 300_000
    texts = []
    for f in files:
        data = f.read_bytes()
        try:
            texts.append(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            texts.append(data.decode("gb18030"))
    assert sum(len(t) for t in texts) == info.n_chars
    joined = "\n".join(texts)
    assert "（来源：" in joined and re.search(r"\d{4} 年 \d\d 月", joined) or "# " in joined


def test_cli_writes_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert synth.main(["--sentences", "120", "--out", str(tmp_path), "--seed", "3"]) == 0
    assert "120 sentences" in capsys.readouterr().out
    first = json.loads((tmp_path / "truth.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {"source_file", "source_start", "target_file", "target_end", "kind", "inject"} <= set(first)
