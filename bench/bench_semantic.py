"""Benchmark the semantic channel: encoding throughput and nearest-neighbour search time.

Run: python bench/bench_semantic.py [--sizes 10000,100000,1000000] [--queries 1000]
Prints a table; never a unit test. Encoding needs the extra (quotetrace[semantic]).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

import numpy as np

from quotetrace import semantic

ROOT = Path(__file__).resolve().parent.parent
_SPLIT = re.compile(r"(?<=[。！？；])|(?<=[.!?;])\s+")


def seed_sentences(n: int) -> list[str]:
    """Sentence-like pieces of the seed corpus (whitespace removed in Chinese), cycled to n."""
    pieces: list[str] = []
    for path in sorted((ROOT / "data" / "raw").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"[\u4e00-\u9fff]{20}", text):
            text = re.sub(r"\s+", "", text)
        pieces += [p.strip() for p in _SPLIT.split(text) if p and len(p.strip()) >= 8]
    return [pieces[i % len(pieces)] for i in range(n)]


def bench_encoding(n: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if not semantic.available():
        return [("encoding", "skipped: extra not installed")]
    texts = seed_sentences(n)
    mean_len = sum(map(len, texts)) / len(texts)
    t0 = time.perf_counter()
    enc = semantic.Encoder(threads=1)
    enc.encode(texts[:4])
    rows.append(("encoder load + first batch", f"{time.perf_counter() - t0:.2f} s"))
    for threads in (1, 2):
        enc = semantic.Encoder(threads=threads)
        enc.encode(texts[:4])
        t0 = time.perf_counter()
        enc.encode(texts)
        dt = time.perf_counter() - t0
        rows.append(
            (
                f"encode {n} seed sentences (mean {mean_len:.0f} chars), threads={threads}",
                f"{n / dt:,.0f} sentences/s",
            )
        )
    cache = semantic.MemoryCache()
    semantic.encode_cached(enc, texts[:500], cache)
    t0 = time.perf_counter()
    semantic.encode_cached(enc, texts[:500], cache)
    rows.append(("encode_cached, 500 sentences all cached", f"{time.perf_counter() - t0:.3f} s"))
    return rows


def bench_nearest(sizes: list[int], n_queries: int, k: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    rng = np.random.default_rng(0)
    for n in sizes:
        corpus = rng.standard_normal((n, semantic.DIM), dtype=np.float32)
        corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
        pick = rng.choice(n, size=min(n_queries, n), replace=False)
        q = corpus[pick] + 0.05 * rng.standard_normal((len(pick), semantic.DIM), dtype=np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        t0 = time.perf_counter()
        hits = semantic.nearest(q, corpus, k=k, min_cosine=0.5, block=4096)
        dt = time.perf_counter() - t0
        found = sum(1 for i, j, _ in hits if pick[i] == j)
        self_join = dt / len(pick) * n
        rows.append(
            (
                f"nearest k={k}: {len(pick)} queries x {n:,} vectors "
                f"({n * semantic.DIM * 4 / 2**30:.2f} GiB)",
                f"{dt:.2f} s, {len(pick) / dt:,.0f} q/s, planted found {found}/{len(pick)}; "
                f"self-join est. {_human(self_join)}",
            )
        )
        del corpus, q
    return rows


def _human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--sentences", type=int, default=3000)
    ap.add_argument("-k", type=int, default=5)
    args = ap.parse_args()
    rows = [("machine", f"nproc={os.cpu_count()}, load avg {os.getloadavg()[0]:.1f}")]
    rows += bench_encoding(args.sentences)
    rows += bench_nearest([int(s) for s in args.sizes.split(",")], args.queries, args.k)
    width = max(len(a) for a, _ in rows)
    print(f"{'measurement':<{width}}  result")
    print(f"{'-' * width}  {'-' * 40}")
    for a, b in rows:
        print(f"{a:<{width}}  {b}")


if __name__ == "__main__":
    main()
