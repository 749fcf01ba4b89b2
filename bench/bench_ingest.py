"""Ingestion benchmark: ingest + split + normalise + segment throughput.

    python bench/bench_ingest.py [--mb 100] [--keep DIR]

Rows: the seed corpus (data/raw, after start-up), and a synthetic corpus of at least --mb
megabytes (bench/synth.py generate_bytes: clean, PDF-damaged and markdown layouts, 20% GB18030).
Throughput is MB of raw file bytes per second on one core (the pipeline is single-threaded).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.machine import machine  # noqa: E402


def measure(folder: Path) -> dict:
    from quotetrace import pipeline

    size = sum(p.stat().st_size for p in folder.rglob("*") if p.suffix in (".txt", ".md"))
    tm = pipeline.Timings()
    t0 = time.perf_counter()
    c = pipeline.load_corpus(folder, timings=tm)
    wall = time.perf_counter() - t0
    return {
        "files": len(c.documents),
        "articles": len(c.articles),
        "sentences": sum(len(pa.sentences) for pa in c.articles),
        "mb": size / 1e6,
        "seconds": wall,
        "mb_s": size / 1e6 / wall,
        "stages": tm.stages,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=float, default=100.0)
    p.add_argument("--keep", type=Path, default=None)
    a = p.parse_args()
    t_import = time.perf_counter()
    from bench.synth import generate_bytes
    from quotetrace import pipeline  # noqa: F401  (start-up cost measured separately)

    t_import = time.perf_counter() - t_import
    print(f"machine: {machine()}; import {t_import:.2f}s")
    rows = [("seed corpus data/raw", measure(ROOT / "data" / "raw"))]
    work = a.keep or Path(tempfile.mkdtemp(prefix="qt-ingest-"))
    target = work / f"bulk_{int(a.mb)}mb"
    if not target.exists() or not any(target.iterdir()):
        info = generate_bytes(int(a.mb * 1e6), target, overwrite=True)
        print(f"generated {info.n_bytes / 1e6:.1f} MB in {info.seconds:.1f}s")
    rows.append((f"synthetic {a.mb:.0f} MB", measure(target)))
    print()
    print("| corpus | files | articles | sentences | MB | seconds | MB/s (floor ≥ 5) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['files']:,} | {r['articles']:,} | {r['sentences']:,} | {r['mb']:.1f} "
            f"| {r['seconds']:.2f} | {r['mb_s']:.1f} |"
        )
    print()
    for name, r in rows:
        print(f"stages {name}: " + ", ".join(f"{k} {v:.2f}s" for k, v in r["stages"].items()))
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("seed corpus floor: < 1 s after start-up")


if __name__ == "__main__":
    main()
