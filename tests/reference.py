"""Brute-force oracle: all pairs of units, scored by rapidfuzz, no index.

Used to check that the indexed aligner misses nothing the exhaustive comparison finds
(RapidFuzz's differential-testing habit), without timing anything."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from quotetrace.index import Unit


def all_pairs(units: Sequence[Unit], *, cutoff: float = 90.0) -> set[tuple[int, int]]:
    out = set()
    for i, a in enumerate(units):
        for b in units[i + 1 :]:
            if a.article_idx == b.article_idx or min(len(a.key), len(b.key)) < 10:
                continue
            if fuzz.ratio(a.key, b.key) >= cutoff:
                out.add((a.idx, b.idx))
    return out
