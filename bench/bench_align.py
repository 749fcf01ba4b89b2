"""Aligner benchmark: wall time, peak memory and recall of injected reuse at 10k / 100k / 1M
sentences, and — on the 10k corpus — the exhaustive rapidfuzz.process.cdist baseline.

    python bench/bench_align.py [--sizes 10000 100000 1000000] [--no-cdist] [--keep DIR]

Each size runs in its own subprocess so that its peak memory (ru_maxrss) is its own.
Prints a table; numbers are for this machine (nproc and CPU model printed).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.machine import machine  # noqa: E402


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def run_one(n: int, workdir: Path, *, cdist: bool, semantic: bool = False) -> dict:
    """Generate (or reuse) a corpus of n sentences, trace it, score recall; in this process."""
    from bench.synth import generate
    from quotetrace import pipeline
    from quotetrace.config import Config

    corpus = workdir / f"syn_{n}"
    if not (corpus / "truth.jsonl").exists():
        generate(n, corpus, seed=0, overwrite=True)
    t0 = time.perf_counter()
    c = pipeline.load_corpus(corpus)
    t_parse = time.perf_counter() - t0
    tm = pipeline.Timings()
    t1 = time.perf_counter()
    als = pipeline.align_corpus(c, timings=tm, config=Config(semantic=semantic))
    t_align = time.perf_counter() - t1
    t2 = time.perf_counter()
    oriented = pipeline.orient_alignments(als, c)
    t_orient = time.perf_counter() - t2
    files = {d.id: d.file for d in c.documents}
    truth = [json.loads(line) for line in (corpus / "truth.jsonl").open(encoding="utf-8")]
    by_target: dict[str, list] = {}
    for a in oriented:  # scored on what a user receives: oriented and filtered
        by_target.setdefault(files[a.target.doc_id], []).append(a)
        by_target.setdefault(files[a.source.doc_id], []).append(a)
    found: dict[str, list[int]] = {}
    for r in truth:
        hit = 0
        for a in by_target.get(r["target_file"], ()):
            sides = ((a.target, a.source), (a.source, a.target))
            for t, s in sides:
                if (
                    files[t.doc_id] == r["target_file"]
                    and _overlap(t.span.start, t.span.end, r["target_start"], r["target_end"])
                    and files[s.doc_id] == r["source_file"]
                    and _overlap(s.span.start, s.span.end, r["source_start"], r["source_end"])
                ):
                    hit = 1
        found.setdefault(r["inject"], []).append(hit)
    recall = {k: sum(v) / len(v) for k, v in found.items()}
    all_hits = [h for v in found.values() for h in v]
    out = {
        "sentences": n,
        "units": sum(len(pa.sentences) for pa in c.articles),
        "chars": sum(len(d.raw) for d in c.documents),
        "parse_s": t_parse,
        "align_s": t_align,
        "orient_s": t_orient,
        "stages": tm.stages,
        "passages": len(oriented),
        "recall": recall,
        "recall_all": sum(all_hits) / max(1, len(all_hits)),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if cdist:
        out["cdist"] = run_cdist(c, tm_align=t_align)
    return out


def run_cdist(c, *, tm_align: float) -> dict:  # type: ignore[no-untyped-def]
    """Exhaustive rapidfuzz.process.cdist over all sentence pairs vs the index + verification."""
    import numpy as np
    from rapidfuzz import fuzz, process

    from quotetrace import align as align_mod
    from quotetrace import index as index_mod

    units = index_mod.make_units(c.articles)
    keys = [u.key for u in units]
    # both sides timed as timeit advises for a shared machine: the fastest of repeated runs
    # (noise only ever adds time); all runs are printed
    cdist_runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        m = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=90, dtype=np.uint8, workers=-1)
        cdist_runs.append(time.perf_counter() - t0)
    t_cdist = min(cdist_runs)
    art = np.array([u.article_idx for u in units])
    ii, jj = np.nonzero(m >= 90)
    sel = (ii < jj) & (art[ii] != art[jj])
    exhaustive = set(zip(ii[sel].tolist(), jj[sel].tolist(), strict=True))
    # the indexed path, timed on its own: candidates + verification (the first run also pays
    # the one-time loading of the stock-phrase table)
    runs = []
    for _ in range(5):
        t1 = time.perf_counter()
        shingles = index_mod.ShingleIndex.build(units)
        cands = index_mod.lexical_candidates(units, shingles=shingles)
        verified = set()
        for cand in cands:
            if align_mod.verify(cand, units):
                verified.add((cand.a, cand.b))
        runs.append(time.perf_counter() - t1)
    t_index = min(runs)
    cand_pairs = {(cd.a, cd.b) for cd in cands}
    return {
        "pairs_ge_90": len(exhaustive),
        "cdist_s": t_cdist,
        "cdist_runs": cdist_runs,
        "index_verify_s": t_index,
        "index_verify_runs": runs,
        "speedup": t_cdist / t_index if t_index else float("inf"),
        "candidate_recall": len(exhaustive & cand_pairs) / max(1, len(exhaustive)),
        "verified_recall": len(exhaustive & verified) / max(1, len(exhaustive)),
        "candidates": len(cand_pairs),
        "all_pairs": len(units) * (len(units) - 1) // 2,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--no-cdist", action="store_true")
    p.add_argument("--semantic", action="store_true", help="also run each size with the semantic channel on")
    p.add_argument("--keep", type=Path, default=None, help="folder for the generated corpora (default: temp)")
    p.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--workdir", type=Path, default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child is not None:
        res = run_one(a.child, a.workdir, cdist=not a.no_cdist and a.child <= 20_000, semantic=a.semantic)
        res["semantic"] = a.semantic
        print(json.dumps(res))
        return
    work = a.keep or Path(tempfile.mkdtemp(prefix="qt-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    rows = []
    runs = [(n, False) for n in a.sizes] + ([(n, True) for n in a.sizes] if a.semantic else [])
    for n, sem in runs:
        cmd = [sys.executable, __file__, "--child", str(n), "--workdir", str(work)]
        if a.no_cdist or sem:
            cmd.append("--no-cdist")
        if sem:
            cmd.append("--semantic")
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            print(f"size {n}: failed\n{proc.stderr[-2000:]}")
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["wall_s"] = wall
        rows.append(res)
    print()
    print(
        "| sentences | semantic | chars | parse s | align s | orient s | passages | peak MB | recall (all) | verbatim | near | quoted | paraphrase |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        rc = r["recall"]
        print(
            f"| {r['sentences']:,} | {'on' if r.get('semantic') else 'off'} | {r['chars']:,} | {r['parse_s']:.1f} | {r['align_s']:.1f} | {r['orient_s']:.1f} "
            f"| {r['passages']:,} | {r['peak_mb']:.0f} | {r['recall_all']:.3f} | {rc.get('verbatim', 0):.3f} "
            f"| {rc.get('near_verbatim', 0):.3f} | {rc.get('quoted_clause', 0):.3f} | {rc.get('paraphrase', 0):.3f} |"
        )
    lexical = [r for r in rows if not r.get("semantic")]
    for prev, nxt in zip(lexical, lexical[1:], strict=False):
        ratio = (nxt["parse_s"] + nxt["align_s"] + nxt["orient_s"]) / max(
            1e-9, prev["parse_s"] + prev["align_s"] + prev["orient_s"]
        )
        print(
            f"growth {prev['sentences']:,} → {nxt['sentences']:,}: ×{nxt['sentences'] / prev['sentences']:.0f} sentences costs ×{ratio:.1f} time (floor ≤ ×15)"
        )
    for r in rows:
        if "cdist" in r:
            cd = r["cdist"]
            print()
            print(f"exhaustive baseline on {r['sentences']:,} sentences ({cd['all_pairs']:,} pairs):")
            print("| method | seconds | pairs ≥ 90 found |")
            print("|---|---:|---:|")
            print(
                f"| rapidfuzz.process.cdist (all pairs, all cores; fastest of "
                f"{', '.join(f'{x:.1f}' for x in cd['cdist_runs'])} s) | {cd['cdist_s']:.1f} | {cd['pairs_ge_90']:,} |"
            )
            print(
                f"| quotetrace index + verify ({cd['candidates']:,} candidates; fastest of "
                f"{', '.join(f'{x:.3f}' for x in cd['index_verify_runs'])} s) | {cd['index_verify_s']:.3f} "
                f"| candidates {cd['candidate_recall']:.2%}, verified {cd['verified_recall']:.2%} |"
            )
            print(
                f"speed-up ×{cd['speedup']:.0f} (floor ≥ ×50); share of cdist pairs ≥ 90 found (floor ≥ 99%)"
            )
        print(f"stages {r['sentences']:,}: " + ", ".join(f"{k} {v:.1f}s" for k, v in r["stages"].items()))


if __name__ == "__main__":
    main()
