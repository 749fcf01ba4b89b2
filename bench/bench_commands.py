"""Benchmark of the user-facing commands against issue 5's floors.

Floors (issue 5):
- `where` on the seed corpus: ≤ 50 ms per query once the index is open; the whole command
  ≤ 1.5 s from a cold start (a fresh interpreter, index already built).
- `where` on a 1M-sentence synthetic index: ≤ 300 ms per query.
- incremental `trace` after changing one file of 1,000: ≤ 5% of a full build's time, and the
  same alignments as a full rebuild of the changed corpus.

    python bench/bench_commands.py                    # everything (~10-15 min, the 1M build dominates)
    python bench/bench_commands.py --skip-million     # seed corpus and incremental only (~3 min)
    python bench/bench_commands.py --only seed        # one part: seed | million | incremental

Corpora and indexes live under --work (default /tmp/quotetrace-bench-commands) and are reused
when present (the 1M corpus is copied from /tmp/qtb/syn_1000000 when that exists). Prints one
table per part; times are wall-clock on this machine.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.machine import machine  # noqa: E402
from bench.synth import generate  # noqa: E402
from quotetrace import indexdb, pipeline  # noqa: E402
from quotetrace import where as where_mod  # noqa: E402
from quotetrace.config import Config  # noqa: E402

SEEDS = ROOT / "data" / "raw"
CLI = ROOT / ".venv" / "bin" / "quotetrace"
SHARED_1M = Path("/tmp/qtb/syn_1000000")
NOWHERE = (  # plausible official-prose sentences that the corpora do not contain
    "沿海渔港冷链物流园区要在今年汛期到来之前完成全部排水管网改造任务。",
    "县级图书馆应当每周向乡村学校配送不少于两百册适合低年级学生阅读的绘本。",
    "高原牧区的兽医站将统一采购新型疫苗冷藏箱并培训村级防疫员规范操作。",
    "老旧小区加装电梯的补贴标准按照楼层数和住户数量分档核定并公开公示。",
    "The harbour authority will repaint every lighthouse on the northern coast before the winter storms.",
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- helpers


def timed(fn: Callable[..., Any], *a: Any, **kw: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    r = fn(*a, **kw)
    return r, time.perf_counter() - t


def pct(times: Sequence[float], q: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def verdict(value: float, floor: float) -> str:
    return "ok" if value <= floor else "ABOVE FLOOR"


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(a) for a, _ in rows)
    print(f"\n## {title}\n")
    print(f"| {'measure':<{width}} | value")
    print(f"|-{'-' * width}-|-{'-' * 50}")
    for a, b in rows:
        print(f"| {a:<{width}} | {b}")
    sys.stdout.flush()


def copy_corpus(src: Path, dst: Path) -> Path:
    """A copy of the corpus files only (never an index folder), so the index starts fresh."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(indexdb.INDEX_DIR))
    return dst


def query_open(db: indexdb.IndexDB, text: str, *, min_score: float = 0.6) -> list[where_mod.Hit]:
    """`where` on an already open index: pipeline.where_indexed minus opening and syncing."""
    return pipeline.where_in_index(db, text, min_score=min_score)


def _typo(s: str, rnd: random.Random) -> str:
    """One Han character in the middle third replaced by another Han character of the text."""
    pos = [m.start() for m in _HAN.finditer(s)]
    mid = [p for p in pos if len(s) // 3 <= p <= 2 * len(s) // 3] or pos
    i = rnd.choice(mid)
    pool = [c for c in "的是在了和有就不人都一上也很到说要去你会着没看好自己这" if c != s[i]]
    return s[:i] + rnd.choice(pool) + s[i + 1 :]


def _drop_clause(s: str, rnd: random.Random) -> str | None:
    """The sentence without one of its inner clauses (between two commas), or None."""
    parts = re.split(r"(?<=[，；])", s)
    if len(parts) < 3:
        return None
    j = rnd.randrange(1, len(parts) - 1)
    return "".join(parts[:j] + parts[j + 1 :])


def make_queries(
    db: indexdb.IndexDB, n: int, rnd: random.Random, *, min_chars: int = 16, max_chars: int = 120
) -> list[tuple[str, str, str | None, tuple[int, int] | None]]:
    """(category, text, doc id, raw span) queries: sentences of the corpus verbatim, with a
    typo, with a dropped clause, and sentences that occur nowhere."""
    total = indexdb.stats(db)["units"]
    units = indexdb.get_units(db, sorted(rnd.sample(range(total), min(total, 30 * n))))
    docs = {d.id: d for d in indexdb.load_documents(db, sorted({u.doc_id for u in units}))}
    pool = []
    for u in units:
        s = u.sentence.span.of(docs[u.doc_id].raw).strip()
        s = re.sub(r"\s+", "", s) if _HAN.search(s) else re.sub(r"\s+", " ", s)
        if min_chars <= len(s) <= max_chars and len(_HAN.findall(s)) >= min_chars:
            pool.append((s, u.doc_id, (u.sentence.span.start, u.sentence.span.end)))
    rnd.shuffle(pool)
    n_now = max(1, n // 10)
    n_each = (n - n_now) // 3
    out: list[tuple[str, str, str | None, tuple[int, int] | None]] = []
    it = iter(pool)
    for s, d, sp in it:
        if sum(c == "verbatim" for c, *_ in out) >= n_each:
            break
        out.append(("verbatim", s, d, sp))
    for s, d, sp in it:
        if sum(c == "typo" for c, *_ in out) >= n_each:
            break
        out.append(("typo", _typo(s, rnd), d, sp))
    for s, d, sp in it:
        if sum(c == "dropped clause" for c, *_ in out) >= n - n_now - 2 * n_each:
            break
        q = _drop_clause(s, rnd)
        if q is not None:
            out.append(("dropped clause", q, d, sp))
    out.extend(("nowhere", NOWHERE[i % len(NOWHERE)], None, None) for i in range(n_now))
    return out


def found(hits: Sequence[where_mod.Hit], doc: str | None, span: tuple[int, int] | None) -> bool:
    """A real query counts as found when a hit overlaps its sentence; a nowhere query when
    there is no hit at all."""
    if doc is None or span is None:
        return not hits
    return any(h.doc_id == doc and h.span.start < span[1] and span[0] < h.span.end for h in hits)


def latency_rows(
    label: str,
    fn: Callable[[str], list[where_mod.Hit]],
    qs: Sequence[tuple[str, str, str | None, tuple[int, int] | None]],
    floor: float | None,
) -> list[tuple[str, str]]:
    times: list[float] = []
    by_cat: dict[str, list[bool]] = {}
    by_cat_t: dict[str, list[float]] = {}
    for cat, text, doc, span in qs:
        hits, dt = timed(fn, text)
        times.append(dt)
        by_cat.setdefault(cat, []).append(found(hits, doc, span))
        by_cat_t.setdefault(cat, []).append(dt)
    med, p95 = statistics.median(times), pct(times, 0.95)
    tail = f" ({verdict(med, floor)}: floor {floor * 1000:.0f} ms)" if floor is not None else ""
    rows = [(f"{label} ({len(qs)} queries)", f"median {ms(med)}, p95 {ms(p95)}, max {ms(max(times))}{tail}")]
    for cat, oks in by_cat.items():
        what = "no hits" if cat == "nowhere" else "found"
        rows.append(
            (
                f"  {cat} ({len(oks)})",
                f"{what} {sum(oks)}/{len(oks)}; median {ms(statistics.median(by_cat_t[cat]))}, "
                f"p95 {ms(pct(by_cat_t[cat], 0.95))}",
            )
        )
    return rows


# --------------------------------------------------------------------------- part 1: seeds


def bench_seed(work: Path, n_queries: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    corpus = copy_corpus(SEEDS, work / "seed")
    (db, res), t_build = timed(pipeline.open_corpus_index, corpus)
    st = indexdb.stats(db)
    rows.append(("corpus", f"{len(res.added)} documents, {st['units']:,} units, {st['postings']:,} postings"))
    rows.append(("index build (parse + index)", f"{t_build:.2f} s"))
    qs = make_queries(db, n_queries, random.Random(0))
    for _cat, text, *_ in qs[:3]:  # warm imports, caches and the OS page cache
        query_open(db, text)
    rows += latency_rows("query, index open", lambda q: query_open(db, q), qs, 0.050)
    db.close()
    rows += latency_rows(
        "where_indexed (open + sync + query)", lambda q: pipeline.where_indexed(q, corpus), qs, None
    )
    # the whole command from a cold start: a fresh interpreter per run, index already built
    cold: list[float] = []
    ok = 0
    picks = [q for q in qs if q[0] != "nowhere"][:8] + [q for q in qs if q[0] == "nowhere"][:2]
    for cat, text, doc, span in picks:
        t = time.perf_counter()
        p = subprocess.run(
            [str(CLI), "where", text, "--corpus", str(corpus), "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        cold.append(time.perf_counter() - t)
        if p.returncode == 0:
            import json

            hits = json.loads(p.stdout)["hits"]
            if doc is None:
                ok += not hits
            else:
                ok += any(h["doc"] == doc and h["start"] < span[1] and span[0] < h["end"] for h in hits)  # type: ignore[index]
        else:
            print(f"  cold run failed ({cat}): {p.stderr.strip()[:200]}", file=sys.stderr)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    t_py = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([str(CLI), "--help"], capture_output=True, check=False)
    t_help = time.perf_counter() - t
    med = statistics.median(cold)
    rows.append(
        (
            f"`quotetrace where … --json`, cold ({len(cold)} runs)",
            f"median {med:.2f} s, max {max(cold):.2f} s ({verdict(max(cold), 1.5)}: floor 1.5 s); "
            f"correct {ok}/{len(cold)}",
        )
    )
    rows.append(("  of which: bare interpreter / `quotetrace --help`", f"{t_py:.2f} s / {t_help:.2f} s"))
    return rows


# --------------------------------------------------------------------------- part 2: 1M


def _poll(label: str, fn: Callable[[], Any], every: float = 30.0) -> tuple[Any, float]:
    """Run fn in a thread and print a line every `every` seconds until it returns."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["r"] = fn()
        except BaseException as e:  # handed to the caller below
            box["e"] = e

    t0 = time.perf_counter()
    th = threading.Thread(target=run, daemon=True)
    th.start()
    while th.is_alive():
        th.join(every)
        if th.is_alive():
            print(f"  … {label}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    if "e" in box:
        raise box["e"]
    return box["r"], time.perf_counter() - t0


def bench_million(work: Path, n_queries: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    folder = work / "syn_1M"
    if not (folder / "manifest.toml").exists():
        if (SHARED_1M / "manifest.toml").exists():
            _, t = timed(copy_corpus, SHARED_1M, folder)
            rows.append(("corpus", f"copied from {SHARED_1M} in {t:.1f} s"))
        else:
            _, t = _poll(
                "generate 1M", lambda: generate(1_000_000, folder, seed=0, check=False, overwrite=True)
            )
            rows.append(("corpus", f"generated in {t:.1f} s"))
    (db, res), t_build = _poll("1M index build", lambda: pipeline.open_corpus_index(folder))
    st = indexdb.stats(db)
    what = "full build" if res.added or res.changed else "up to date, reused"
    rows.append(
        (
            "index",
            f"{len(res.added) + len(res.changed) + len(res.unchanged)} documents, {st['units']:,} units, "
            f"{st['postings']:,} postings, {st['bytes'] / 2**20:.0f} MiB",
        )
    )
    rows.append((f"open_corpus_index ({what})", f"{t_build:.1f} s"))
    qs = make_queries(db, n_queries, random.Random(1))
    for _cat, text, *_ in qs[:3]:
        query_open(db, text)
    rows += latency_rows("query, index open", lambda q: query_open(db, q), qs, 0.300)
    db.close()
    sub = qs[:: max(1, len(qs) // 10)]
    rows += latency_rows(
        "where_indexed (open + sync + query)", lambda q: pipeline.where_indexed(q, folder), sub, None
    )
    return rows


# --------------------------------------------------------------------------- part 3: incremental


def _align_set(alignments: Sequence[Any]) -> set[tuple[Any, ...]]:
    return {
        (
            a.source.doc_id,
            a.source.span.start,
            a.source.span.end,
            a.target.doc_id,
            a.target.span.start,
            a.target.span.end,
            str(a.kind),
        )
        for a in alignments
    }


def _change_one(folder: Path, rnd: random.Random, which: int = 2) -> tuple[str, str]:
    """Append to one file (at 1/which of the list) a sentence copied from an earlier file;
    return (changed file, copied sentence)."""
    files = sorted(folder.glob("synth_*.txt"))
    target = files[len(files) // which]
    donor = files[len(files) // 4].read_text(encoding="utf-8")
    sents = [s for s in re.findall(r"[^。\n]{20,80}。", donor) if "“" not in s]
    copied = rnd.choice(sents)
    text = target.read_text(encoding="utf-8")
    target.write_text(text.rstrip("\n") + "\n\n" + copied + "\n", encoding="utf-8")
    return target.name, copied


def bench_incremental(work: Path, n_sentences: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    base = work / f"syn_{n_sentences}"
    if not (base / "manifest.toml").exists():
        generate(n_sentences, base, seed=3, check=False, overwrite=True)
    folder = copy_corpus(base, work / "incr")
    n_files = len(list(folder.glob("synth_*.txt")))
    cfg = Config(semantic=False)
    full, t_full = _poll("full trace", lambda: pipeline.trace_indexed(folder, config=cfg, rebuild=True))
    rows.append(
        ("corpus", f"{n_files} files, {sum(len(pa.sentences) for pa in full.corpus.articles):,} sentences")
    )
    rows.append(("full trace_indexed from scratch", f"{t_full:.2f} s, {len(full.alignments):,} passages"))
    rows.append(("  stages", ", ".join(f"{k} {v:.1f}" for k, v in full.timings.items())))
    _, t_noop = timed(pipeline.trace_indexed, folder, config=cfg)
    rows.append(("trace_indexed, nothing changed", f"{t_noop:.2f} s = {t_noop / t_full:.2%} of full"))
    name, copied = _change_one(folder, random.Random(5))
    incr, t_incr = timed(pipeline.trace_indexed, folder, config=cfg)
    ratio = t_incr / t_full
    rows.append(
        (
            f"trace_indexed after changing 1 file ({name})",
            f"{t_incr:.2f} s = {ratio:.2%} of full ({verdict(ratio, 0.05)}: floor 5%)",
        )
    )
    rows.append(("  stages", ", ".join(f"{k} {v:.2f}" for k, v in incr.timings.items())))
    upd = _update_seconds(incr.timings)
    rows.append(
        (
            "  index update (sync + incremental align)",
            f"{upd:.2f} s = {upd / t_full:.2%} of full ({verdict(upd / t_full, 0.05)}: floor 5%)",
        )
    )
    # correctness: the incremental result against a full rebuild of the changed corpus
    rows += _compare(work, folder, cfg, incr, name, copied, "rebuild-1")
    # the same after a second change that a `where` query synced before the trace ran
    name2, copied2 = _change_one(folder, random.Random(6), which=3)
    pipeline.where_indexed(copied2, folder)
    incr2, t_incr2 = timed(pipeline.trace_indexed, folder, config=cfg)
    rows.append((f"second change ({name2}), `where` ran first; then trace", f"{t_incr2:.2f} s"))
    rows += _compare(work, folder, cfg, incr2, name2, copied2, "rebuild-2")
    # one change is one sample on a shared machine: five more, one file each, medians
    upds, wholes = [], []
    for k in range(5):
        _change_one(folder, random.Random(10 + k), which=5 + k)
        r, t = timed(pipeline.trace_indexed, folder, config=cfg)
        upds.append(_update_seconds(r.timings))
        wholes.append(t)
    med_u, med_w = statistics.median(upds), statistics.median(wholes)
    rows.append(
        (
            "five more one-file changes: median index update",
            f"{med_u:.2f} s = {med_u / t_full:.2%} of full ({verdict(med_u / t_full, 0.05)}: floor 5%); "
            f"runs {', '.join(f'{u:.2f}' for u in upds)}",
        )
    )
    rows.append(("  median whole trace", f"{med_w:.2f} s = {med_w / t_full:.2%} of full"))
    return rows


def _update_seconds(timings: dict[str, float]) -> float:
    """What an incremental index update costs: bringing the index up to date with the folder
    and re-aligning the changed documents (loading texts and orienting are the trace's own)."""
    return timings.get("sync", 0.0) + timings.get("align (incremental)", 0.0)


def _compare(
    work: Path, folder: Path, cfg: Config, incr: Any, name: str, copied: str, tag: str
) -> list[tuple[str, str]]:
    """Rows comparing an incremental result with a full rebuild of the same folder."""
    rows: list[tuple[str, str]] = []
    ref, t_ref = _poll(
        "full rebuild of the changed corpus",
        lambda: pipeline.trace_indexed(folder, config=cfg, index=work / f"incr-{tag}.sqlite", rebuild=True),
    )
    a, b = _align_set(incr.alignments), _align_set(ref.alignments)
    rows.append(("  full rebuild of the changed corpus", f"{t_ref:.2f} s, {len(ref.alignments):,} passages"))
    rows.append(
        (
            "  incremental == rebuild (src, span, tgt, span, kind)",
            "yes" if a == b else f"NO: {len(a - b)} only incremental, {len(b - a)} only rebuild",
        )
    )
    same_all = set(incr.alignments) == set(ref.alignments)
    rows.append(("  … and in every field (direction, origin, via, cues)", "yes" if same_all else "NO"))
    changed_doc = next(d.id for d in incr.corpus.documents if d.file == name)
    raw = incr.corpus.document(changed_doc).raw
    mine = [(x[1], x[2]) if x[0] == changed_doc else (x[4], x[5]) for x in a if changed_doc in (x[0], x[3])]
    found_copy = any(copied[:12] in raw[st:en] for st, en in mine)
    rows.append(("  the appended copy is aligned", "yes" if found_copy else "NO"))
    for x in sorted(a - b)[:5]:
        rows.append(("  only incremental", repr(x)))
    for x in sorted(b - a)[:5]:
        rows.append(("  only rebuild", repr(x)))
    return rows


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/quotetrace-bench-commands"))
    ap.add_argument("--queries", type=int, default=50, help="queries per latency measurement (default 50)")
    ap.add_argument(
        "--skip-million", action="store_true", help="skip the 1M-sentence index (minutes to build)"
    )
    ap.add_argument("--only", choices=("seed", "million", "incremental"), help="run one part")
    ap.add_argument(
        "--incremental-sentences",
        type=int,
        default=225_000,
        help="synthetic corpus size (~1,000 files at 225k)",
    )
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    parts = [args.only] if args.only else ["seed", "incremental"] + ([] if args.skip_million else ["million"])
    print(f"# quotetrace command benchmark — {machine()}")
    t0 = time.perf_counter()
    for part in parts:
        if part == "seed":
            print_table("`where` on the seed corpus", bench_seed(args.work, args.queries))
        elif part == "incremental":
            print_table(
                "incremental trace (1 file of ~1,000 changed)",
                bench_incremental(args.work, args.incremental_sentences),
            )
        else:
            print_table("`where` on a 1M-sentence synthetic index", bench_million(args.work, args.queries))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
