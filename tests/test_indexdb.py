"""indexdb: the persistent index must stay equal to a fresh parse, update only what changed,
survive a killed build, and never trust a damaged file."""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from quotetrace import indexdb as ix
from quotetrace import pipeline
from quotetrace.errors import DecodeError, IndexCorrupt
from quotetrace.index import (
    ShingleIndex,
    lexical_candidates,
    make_units,
    paraphrase_candidates,
    paraphrase_from_bigrams,
    shingle_hashes,
)
from quotetrace.model import Alignment, Direction, Kind, Side, Span

ROOT = Path(__file__).resolve().parents[1]
NEW_SENTENCE = "索引测试专用的一句全新话语只出现在被修改的文件里面用于检验倒排表已经更新。"
OTHER_SENTENCE = "另一段全新加入的文字来自一份刚刚放进文件夹的通知以便检验新增文件能被识别。"


class CountingParse:
    def __init__(self) -> None:
        self.docs: list[str] = []

    def __call__(self, doc):  # type: ignore[no-untyped-def]
        self.docs.append(doc.id)
        return pipeline.parse_document(doc)


def _writable(folder: Path) -> Path:
    for p in folder.iterdir():
        p.chmod(0o644)
    return folder


def _fresh_units(folder: Path):  # type: ignore[no-untyped-def]
    corpus = pipeline.load_corpus(folder)
    langs = {d.id: d.meta.language or "zh" for d in corpus.documents}
    return corpus, make_units(corpus.articles, langs)


def _unit_fields(units):  # type: ignore[no-untyped-def]
    """Units as comparable tuples (raw_pos may be an array)."""
    return [
        (
            u.idx,
            u.doc_id,
            u.article_id,
            u.article_idx,
            u.sentence,
            u.key,
            tuple(np.asarray(u.raw_pos).tolist()),
            u.language,
        )
        for u in units
    ]


def _assert_consistent(db: ix.IndexDB, folder: Path) -> None:
    """The index equals a fresh parse of the folder, and its postings are exactly the distinct
    (k-gram, unit) pairs of its units — nothing stale left behind."""
    corpus, fresh = _fresh_units(folder)
    assert ix.load_corpus(db).documents == corpus.documents
    assert ix.load_corpus(db).articles == corpus.articles
    stored = ix.units(db)
    assert _unit_fields(stored) == _unit_fields(fresh)
    h, u, _ = shingle_hashes([x.key for x in stored], db.k)
    assert ix.stats(db)["postings"] == len(set(zip(h.tolist(), u.tolist(), strict=True)))


def _alignment(src: str, tgt: str) -> Alignment:
    return Alignment(
        Side(src, src, Span(0, 10)),
        Side(tgt, tgt, Span(5, 20)),
        Kind.VERBATIM,
        1.0,
        quoted=True,
        direction=Direction.DATED,
        origin=Side(src, src, Span(0, 10)),
        direction_rule="article date",
    )


@pytest.fixture()
def corpus_dir(tmp_corpus: Path) -> Path:
    return _writable(tmp_corpus)


def test_sync_is_incremental(corpus_dir: Path) -> None:
    parse = CountingParse()
    db = ix.open_index(ix.default_index_path(corpus_dir))
    first = ix.sync(db, corpus_dir, parse=parse)
    assert len(first.added) == 5 and not first.changed and not first.removed
    assert sorted(parse.docs) == sorted(first.added)
    _assert_consistent(db, corpus_dir)

    parse.docs.clear()
    again = ix.sync(db, corpus_dir, parse=parse)
    assert sorted(again.unchanged) == sorted(first.added) and not again.touched
    assert parse.docs == []

    # same bytes, new mtime: still nothing to parse
    victim = min(corpus_dir.glob("*.txt"), key=lambda p: p.stat().st_size)
    os.utime(victim, ns=(time.time_ns(), time.time_ns()))
    assert not ix.sync(db, corpus_dir, parse=parse).touched and parse.docs == []

    # change one file: only it is parsed again, its postings are replaced
    text = victim.read_text(encoding="utf-8")
    assert ix.query_candidates(db, NEW_SENTENCE, min_shared=10) == []
    old_first = ix.units(db)[ix.doc_unit_ids(db, [_doc_of(db, victim)])[0]].key
    victim.write_text(NEW_SENTENCE + "\n\n" + text[len(text) // 2 :], encoding="utf-8")
    ix.replace_alignments(db, None, [_alignment(_doc_of(db, victim), "speech-2023")])
    changed = ix.sync(db, corpus_dir, parse=parse)
    vid = changed.changed[0]
    assert changed.changed == (vid,) and parse.docs == [vid] and not changed.added
    assert ix.read_alignments(db) == []  # its alignments went with it
    hits = ix.query_candidates(db, NEW_SENTENCE, min_shared=10)
    assert hits and {u.doc_id for u in ix.get_units(db, [p for p, _ in hits])} == {vid}
    assert all(u.key != old_first for u in ix.units(db) if u.doc_id == vid)
    _assert_consistent(db, corpus_dir)

    # a manifest edit changes only the documents whose metadata changed
    parse.docs.clear()
    man = corpus_dir / "manifest.toml"
    man.write_text(
        man.read_text(encoding="utf-8").replace(
            'date = "2023-02-21"\npublished', 'date = "2023-02-20"\npublished'
        ),
        encoding="utf-8",
    )
    res = ix.sync(db, corpus_dir, parse=parse)
    assert res.changed == ("speech-2023",) and parse.docs == ["speech-2023"]
    assert ix.load_documents(db, ["speech-2023"])[0].meta.date == "2023-02-20"

    # remove one file: its units, postings and alignments are gone
    ix.replace_alignments(
        db, None, [_alignment("speech-2023", "bit-bulletin"), _alignment("bit-bulletin", "beijing-policy")]
    )
    (corpus_dir / "csis-translation-2023-study-session-readout.txt").unlink()
    man.write_text(_drop_entry(man.read_text(encoding="utf-8"), "csis-translation"), encoding="utf-8")
    res = ix.sync(db, corpus_dir, parse=parse)
    assert res.removed == ("csis-translation",) and not res.touched
    assert all(u.doc_id != "csis-translation" for u in ix.units(db))
    assert ix.doc_unit_ids(db, ["csis-translation"]) == []
    assert len(ix.read_alignments(db)) == 2
    _assert_consistent(db, corpus_dir)

    # a new file not in the manifest is added with an id from its name
    (corpus_dir / "new-notice.txt").write_text(
        "关于开展学习的通知\n\n" + OTHER_SENTENCE + "\n", encoding="utf-8"
    )
    parse.docs.clear()
    res = ix.sync(db, corpus_dir, parse=parse)
    assert res.added == ("new-notice",) and parse.docs == ["new-notice"] and not res.changed
    hits = ix.query_candidates(db, OTHER_SENTENCE, min_shared=10)
    assert [u.doc_id for u in ix.get_units(db, [p for p, _ in hits])] == ["new-notice"]
    _assert_consistent(db, corpus_dir)
    db.close()


def _doc_of(db: ix.IndexDB, path: Path) -> str:
    return next(d.id for d in ix.load_documents(db) if d.file == path.name)


def _drop_entry(manifest: str, doc_id: str) -> str:
    blocks = manifest.split("[[document]]")
    return "[[document]]".join(b for b in blocks if f'id = "{doc_id}"' not in b)


def test_candidates_equal_the_in_memory_index(tmp_path: Path, raw_dir: Path) -> None:
    db = ix.open_index(tmp_path / "i.sqlite")
    ix.sync(db, raw_dir)
    corpus, fresh = _fresh_units(raw_dir)
    n_art = len(corpus.articles)
    want = lexical_candidates(fresh)
    got = ix.candidates_for(db, range(len(fresh)), max_articles=max(2, math.floor(0.5 * n_art)))
    assert got == want and len(got) > 100
    # the candidates of one document are the in-memory candidates that involve it
    ids = set(ix.doc_unit_ids(db, ["speech-2023"]))
    part = ix.candidates_for(db, ids, max_articles=max(2, math.floor(0.5 * n_art)))
    assert part == [c for c in want if c.a in ids or c.b in ids]
    # a query with the text of one side finds the other side with at least as many k-grams
    best = max(part, key=lambda c: c.shared)
    hits = dict(ix.query_candidates(db, fresh[best.a].key))
    assert hits[best.b] >= best.shared and hits[best.a] == max(hits.values())
    assert (
        fresh[best.a].doc_id != fresh[best.b].doc_id or fresh[best.a].article_id != fresh[best.b].article_id
    )
    db.close()


def test_paraphrase_candidates_from_the_index_equal_the_in_memory_channel(
    tmp_path: Path, raw_dir: Path
) -> None:
    db = ix.open_index(tmp_path / "i.sqlite")
    ix.sync(db, raw_dir)
    _, fresh = _fresh_units(raw_dir)
    want = paraphrase_candidates(fresh)
    assert len(want) > 10
    # from the per-document bigram cache: built on first use, then read; a damaged cache is
    # recomputed, never trusted
    assert paraphrase_from_bigrams(*ix.bigram_postings(db)) == want
    assert ix.bigram_path(db).exists()
    focus = set(ix.doc_unit_ids(db, ["beijing-policy"]))
    part = paraphrase_from_bigrams(*ix.bigram_postings(db), focus=focus)
    assert part == [c for c in want if c.a in focus or c.b in focus]
    good = ix.bigram_path(db).read_bytes()
    flipped = bytearray(good)
    for i in range(2000, len(flipped), 5000):
        flipped[i] ^= 0xFF
    for damaged in (b"not a cache", b"", good[: len(good) // 2], bytes(flipped)):
        ix.bigram_path(db).write_bytes(damaged)
        assert paraphrase_from_bigrams(*ix.bigram_postings(db)) == want
    db.close()


def test_the_bigram_cache_follows_a_changed_document(tmp_path: Path, raw_dir: Path) -> None:
    corpus_dir = tmp_path / "c"
    shutil.copytree(raw_dir, corpus_dir)
    db = ix.open_index(tmp_path / "i.sqlite")
    ix.sync(db, corpus_dir)
    ix.bigram_postings(db)
    policy = corpus_dir / "beijing-universities-basic-research-opinions.txt"
    policy.write_text(
        "加强基础研究，要突出前瞻性、战略性需求导向，优化资源配置和布局结构。\n"
        + policy.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    # a new file that sorts first: every later document's positions move
    (corpus_dir / "a-new-commentary.txt").write_text(
        "评论\n\n2026年5月1日\n\n要优化资源配置和布局结构，为创新发展提供基础理论支撑和技术源头供给。\n",
        encoding="utf-8",
    )
    ix.sync(db, corpus_dir)
    _, fresh = _fresh_units(corpus_dir)
    assert paraphrase_from_bigrams(*ix.bigram_postings(db)) == paraphrase_candidates(fresh)
    db.close()


def test_units_with_a_phrase_equal_the_in_memory_index(tmp_path: Path, raw_dir: Path) -> None:
    # the set-phrase filter of an incremental trace asks the index where a clause recurs; a
    # different answer than the in-memory index made an update differ from a rebuild
    db = ix.open_index(tmp_path / "i.sqlite")
    ix.sync(db, raw_dir)
    _, fresh = _fresh_units(raw_dir)
    mem = ShingleIndex.build(fresh)
    phrases = [
        "大力弘扬科学家精神激励广大科研人员志存高远爱国奉献矢志创新",
        "以习近平同志为核心的党中央",
        "加强基础研究",
    ]
    phrases += [u.key[2:40] for u in fresh[::25] if len(u.key) > 12]
    for phrase in phrases:
        assert ix.units_with(db, phrase).tolist() == sorted(set(mem.units_with(phrase).tolist())), phrase
    db.close()


def test_alignments_and_embeddings_round_trip(tmp_path: Path) -> None:
    db = ix.open_index(tmp_path / "i.sqlite")
    a, b, c = _alignment("x", "y"), _alignment("y", "z"), _alignment("z", "w")
    assert ix.replace_alignments(db, None, [a, b, c]) == 3
    assert ix.read_alignments(db) == [a, b, c]
    assert ix.read_alignments(db, ["w"]) == [c]
    d = Alignment(Side("y", "y#2", Span(1, 2)), Side("q", "q", Span(3, 4)), Kind.PARAPHRASE, 0.6)
    ix.replace_alignments(db, ["y"], [d])
    assert ix.read_alignments(db) == [c, d]
    k1, k2 = ix.embedding_key("一句话", "m"), ix.embedding_key("一句话", "other")
    assert k1 != k2
    ix.put_embeddings(db, {k1: np.arange(4, dtype=np.float64)})
    got = ix.get_embeddings(db, [k1, k2])
    assert list(got) == [k1] and got[k1].dtype == np.float32 and got[k1].tolist() == [0, 1, 2, 3]
    db.close()


def test_corrupt_index_is_refused_then_rebuilt(tmp_path: Path, raw_dir: Path) -> None:
    path = tmp_path / "i.sqlite"
    with ix.open_index(path) as db:
        ix.sync(db, raw_dir)
    path.write_bytes(b"this is not a database " * 500)
    with pytest.raises(IndexCorrupt) as e:
        ix.open_index(path)
    msg = str(e.value)
    assert (
        "\n" not in msg
        and msg.startswith(str(path))
        and "corrupt index" in msg
        and msg.endswith("run with --rebuild")
    )
    assert e.value.exit_code == 2
    with ix.open_index(path, rebuild=True) as db:
        assert ix.stats(db)["documents"] == 0
        assert len(ix.sync(db, raw_dir).added) == 5
    # an index built with another k-gram size is not trusted either
    with pytest.raises(IndexCorrupt, match="settings"):
        ix.open_index(path, k=8)
    # nor one missing a table
    with ix.open_index(path) as db:
        db.conn.execute("DROP TABLE postings")
    with pytest.raises(IndexCorrupt, match="missing table postings"):
        ix.open_index(path)


def test_damaged_pages_fail_quick_check(tmp_path: Path, raw_dir: Path) -> None:
    path = tmp_path / "i.sqlite"
    with ix.open_index(path) as db:
        ix.sync(db, raw_dir)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 20000] = os.urandom(20000)
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="corrupt index"), ix.open_index(path, check=True) as db:
        ix.units(db)


def test_bad_file_rolls_back_or_is_skipped(corpus_dir: Path) -> None:
    db = ix.open_index(corpus_dir / ".quotetrace" / "index.sqlite")
    ix.sync(db, corpus_dir)
    before = ix.units(db)
    (corpus_dir / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus_dir / "new-notice.txt").write_text(OTHER_SENTENCE, encoding="utf-8")
    with pytest.raises(DecodeError):
        ix.sync(db, corpus_dir)
    assert _unit_fields(ix.units(db)) == _unit_fields(before)  # nothing half-applied
    res = ix.sync(db, corpus_dir, skip_bad=True)
    assert res.added == ("new-notice",) and len(res.issues) == 1 and "binary.txt" in res.issues[0]
    assert ix.load_corpus(db).issues == res.issues
    db.close()


def test_reader_sees_old_state_while_a_writer_is_open(tmp_path: Path, raw_dir: Path) -> None:
    path = tmp_path / "i.sqlite"
    writer = ix.open_index(path)
    ix.sync(writer, raw_dir)
    reader = ix.open_index(path)
    key = ix.units(reader)[10].key
    before = ix.query_candidates(reader, key)
    writer.conn.execute("BEGIN IMMEDIATE")
    writer.conn.execute("DELETE FROM postings")
    writer.conn.execute("DELETE FROM documents")
    assert ix.query_candidates(reader, key) == before
    assert len(ix.load_documents(reader)) == 5
    writer.conn.execute("COMMIT")
    assert ix.query_candidates(reader, key) == []  # and the reader sees the commit afterwards
    reader.close()
    writer.close()


_CHILD = textwrap.dedent(
    """
    import sys
    from quotetrace import indexdb as ix
    db = ix.open_index(sys.argv[1])
    db.conn.execute("PRAGMA cache_size = 50")  # spill uncommitted pages into the WAL early
    def progress(stage, done, total):
        print(stage, done, total, flush=True)
    ix.sync(db, sys.argv[2], progress=progress)
    print("done", flush=True)
    """
)


def test_killed_sync_leaves_the_previous_index_usable(tmp_path: Path, raw_dir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.synth import generate

    folder = tmp_path / "corpus"
    shutil.copytree(raw_dir, folder)
    path = folder / ".quotetrace" / "index.sqlite"
    with ix.open_index(path) as db:
        ix.sync(db, folder)
        keys = [u.key for u in ix.units(db)[::97]]
        before_docs = ix.load_documents(db)
        before_hits = [ix.query_candidates(db, k) for k in keys]
    info = generate(15000, folder / "more", seed=3, check=False)
    assert len(info.files) >= 60

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    killed_at = None
    for line in child.stdout:
        stage, done, total = line.split()
        if stage == "index" and int(done) >= int(total) // 2:
            killed_at = int(done), int(total)
            child.send_signal(signal.SIGKILL)
            wal = path.with_name(path.name + "-wal")
            wal_size = wal.stat().st_size if wal.exists() else 0
            break
    child.wait(timeout=60)
    assert killed_at is not None and child.returncode == -signal.SIGKILL
    assert wal_size > 100_000  # the killed transaction had written uncommitted pages

    with ix.open_index(path, check=True) as db:
        assert ix.load_documents(db) == before_docs
        assert [ix.query_candidates(db, k) for k in keys] == before_hits
        res = ix.sync(db, folder)
        assert len(res.added) == len(info.files) and len(res.unchanged) == 5
        assert ix.stats(db)["documents"] == 5 + len(info.files)


def test_cues_are_kept_only_for_documents_whose_text_is_unchanged(tmp_path: Path) -> None:
    db = ix.open_index(tmp_path / "index.sqlite")
    try:
        cues = {("a", 0, 10): (True, False), ("a", 20, 30): (False, True), ("b", 5, 9): (True, True)}
        ix.write_cues(db, cues, {"a": "sha-a", "b": "sha-b"})
        assert ix.read_cues(db, {"a": "sha-a", "b": "sha-b"}) == cues
        # b was edited: its cues are recomputed, a's are served
        assert ix.read_cues(db, {"a": "sha-a", "b": "sha-b2"}) == {
            k: v for k, v in cues.items() if k[0] == "a"
        }
    finally:
        db.close()


def test_orientation_with_cached_cues_equals_a_fresh_one(seed_corpus) -> None:
    from quotetrace import pipeline

    als = pipeline.align_corpus(seed_corpus, config=pipeline.Config(semantic=False))
    fresh = pipeline.orient_alignments(als, seed_corpus)
    cache: dict = {}
    first = pipeline.orient_alignments(als, seed_corpus, cues=cache)
    assert cache and first == fresh
    assert pipeline.orient_alignments(als, seed_corpus, cues=cache) == fresh


def test_stored_cues_from_other_cue_code_are_not_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ix.open_index(tmp_path / "index.sqlite")
    try:
        ix.write_cues(db, {("a", 0, 10): (True, False)}, {"a": "sha-a"})
        assert ix.read_cues(db, {"a": "sha-a"})
        monkeypatch.setattr(ix, "_cue_code", lambda: "upgraded")
        assert ix.read_cues(db, {"a": "sha-a"}) == {}
    finally:
        db.close()


def test_a_read_only_index_is_one_clear_input_error(tmp_path: Path) -> None:
    import sqlite3

    from quotetrace.errors import InputError

    db = ix.open_index(tmp_path / "i.sqlite")
    with pytest.raises(InputError, match="cannot write the index"), ix._guard(db):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    db.close()
