"""Benchmark of the persistent index (issue 5 floors): full build, incremental sync, queries.

Floors: a sync after changing one file of 1,000 takes ≤ 5% of a full build; a `where`
lookup (query_candidates) ≤ 50 ms on the seed corpus and ≤ 300 ms on a 1M-sentence index.

    python bench/bench_incremental.py                 # 1,000-file synthetic corpus
    python bench/bench_incremental.py --million       # also a ~1M-sentence corpus (minutes)
    python bench/bench_incremental.py --files 200     # quicker

Corpora are written by bench/synth.py under --work (default /tmp/quotetrace-bench) and reused.
Prints a table; timings are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.machine import machine  # noqa: E402
from bench.synth import generate  # noqa: E402
from quotetrace import indexdb  # noqa: E402

SENTENCES_PER_FILE = 225  # synth's mean document size (50-400 sentences)


def corpus(work: Path, n_sentences: int, seed: int) -> Path:
    out = work / f"synth_{n_sentences}_{seed}"
    if not (out / "manifest.toml").exists():
        generate(n_sentences, out, seed=seed, check=False, overwrite=True)
    return out


def timed(fn, *a, **kw):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    r = fn(*a, **kw)
    return r, time.perf_counter() - t


def edit_one(folder: Path, rnd: random.Random) -> str:
    """Rewrite one sentence in the middle of one file and add a new one; return the new text."""
    files = sorted(folder.glob("synth_*.txt"))
    f = files[len(files) // 2]
    text = f.read_text(encoding="utf-8")
    marker = f"基准测试第{rnd.randrange(10**9)}号新增句子说明增量索引只处理改动的文件"
    cut = text.find("。", len(text) // 2) + 1
    f.write_text(text[:cut] + marker + "。" + text[cut:], encoding="utf-8")
    return marker


def queries(db: indexdb.IndexDB, n: int, rnd: random.Random) -> list[str]:
    """Real unit keys, half of them damaged (a typo and a dropped clause), as `where` input."""
    total = indexdb.stats(db)["units"]
    out = []
    for u in indexdb.get_units(db, [rnd.randrange(total) for _ in range(n)]):
        key = u.key
        if rnd.random() < 0.5 and len(key) > 12:
            i = rnd.randrange(len(key))
            key = key[:i] + "错" + key[i + 1 :]
            j = rnd.randrange(len(key) // 2)
            key = key[:j] + key[j + len(key) // 4 :]
        out.append(key)
    return out


def query_latency(db: indexdb.IndexDB, qs: list[str]) -> tuple[float, float, float]:
    times = []
    found = 0
    for q in qs:
        hits, dt = timed(indexdb.query_candidates, db, q)
        times.append(dt)
        found += bool(hits)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], found / len(qs)


def run(label: str, folder: Path, work: Path, n_queries: int, rows: list[tuple[str, str]]) -> None:
    path = work / f"{folder.name}.sqlite"
    db = indexdb.open_index(path, rebuild=True)
    res, t_full = timed(indexdb.sync, db, folder)
    st = indexdb.stats(db)
    rows.append(
        (f"{label}: corpus", f"{len(res.added)} files, {st['units']:,} units, {st['postings']:,} postings")
    )
    rows.append((f"{label}: full build (parse + index)", f"{t_full:.2f} s"))
    rows.append((f"{label}: index size", f"{st['bytes'] / 2**20:.0f} MiB"))
    _, t_noop = timed(indexdb.sync, db, folder)
    rows.append(
        (f"{label}: sync, nothing changed", f"{t_noop * 1000:.0f} ms ({t_noop / t_full:.2%} of full)")
    )
    rnd = random.Random(0)
    marker = edit_one(folder, rnd)
    res, t_one = timed(indexdb.sync, db, folder)
    assert len(res.changed) == 1 and not res.added and not res.removed, res
    ok = "ok" if t_one <= 0.05 * t_full else "ABOVE FLOOR"
    rows.append(
        (f"{label}: sync after changing 1 file", f"{t_one:.3f} s = {t_one / t_full:.2%} of full ({ok})")
    )
    hit = indexdb.query_candidates(db, marker)
    assert hit, "the edited sentence is not found"
    ids = indexdb.doc_unit_ids(db, res.changed)
    cands, t_c = timed(indexdb.candidates_for, db, ids)
    rows.append(
        (f"{label}: candidates_for(changed file, {len(ids)} units)", f"{t_c:.3f} s, {len(cands)} pairs")
    )
    _, t_check = timed(lambda: indexdb.open_index(path, check=True).close())
    rows.append((f"{label}: open with quick_check", f"{t_check:.2f} s"))
    qs = queries(db, n_queries, random.Random(1))
    med, p95, share = query_latency(db, qs)
    rows.append(
        (
            f"{label}: query_candidates ({n_queries} queries)",
            f"median {med * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, {share:.0%} with hits",
        )
    )
    db.close()
    t = time.perf_counter()
    db2 = indexdb.open_index(path)
    indexdb.query_candidates(db2, qs[0])
    rows.append(
        (f"{label}: open + first query (warm OS cache)", f"{(time.perf_counter() - t) * 1000:.1f} ms")
    )
    db2.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000, help="approximate number of files (default 1000)")
    ap.add_argument("--million", action="store_true", help="also build a ~1M-sentence index")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--work", type=Path, default=Path("/tmp/quotetrace-bench"))
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str]] = [("machine", machine())]
    runs = [(f"{args.files} files", args.files * SENTENCES_PER_FILE)]
    if args.million:
        runs.append(("1M sentences", 1_000_000))
    for label, n in runs:
        folder, t_gen = timed(corpus, args.work, n, 7)
        rows.append((f"{label}: corpus ready", f"{t_gen:.1f} s ({folder})"))
        run(label, folder, args.work, args.queries, rows)
    width = max(len(a) for a, _ in rows)
    print(f"{'measure':<{width}} | value")
    print(f"{'-' * width}-|-{'-' * 40}")
    for a, b in rows:
        print(f"{a:<{width}} | {b}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
