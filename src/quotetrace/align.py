"""`align`: candidate pairs → verified alignments → maximal passages (rapidfuzz lives here).

Why this shape: the index only says two sentences share some shingles. Verification
finds *where* they agree — seeds (shared k-grams) chained along a diagonal, extended to
exact character agreement, snapped to word/quote/sentence boundaries — so a quoted
clause inside a long sentence gets its own exact span, an abridged sentence matches the
right part of its source, and a sentence made of two source sentences matches both.
rapidfuzz scores each located window. Consecutive sentence alignments that advance
together in both texts then merge into one passage.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz.distance import Indel

from .cues import mention_ranges
from .dates import find_dates
from .index import Candidate, ShingleIndex, Unit, curated_grams, stock_grams
from .model import Alignment, Kind, Role, Side, Span


@dataclass(frozen=True, slots=True)
class Match:
    """A verified local alignment between two units (compact-key coordinates)."""

    a: int
    b: int
    a0: int
    a1: int
    b0: int
    b1: int
    score: float
    kind: Kind
    # a short clause both texts share whole (坚持党的全面领导): too common to stand alone, it
    # counts only inside a passage that also holds a match that stands on its own
    weak: bool = False


def _seeds(a: str, b: str, k: int) -> list[tuple[int, int]]:
    pos: dict[str, list[int]] = defaultdict(list)
    for i in range(len(a) - k + 1):
        pos[a[i : i + k]].append(i)
    out = []
    for j in range(len(b) - k + 1):
        for i in pos.get(b[j : j + k], ()):
            out.append((i, j))
    return out


def _chains(seeds: list[tuple[int, int]], k: int, max_gap: int) -> list[list[tuple[int, int]]]:
    """Group seeds into chains that advance together in both strings (small gaps, small drift)."""
    chains: list[list[tuple[int, int]]] = []
    for i, j in sorted(seeds, key=lambda s: (s[1], s[0])):
        best = None
        for c in chains:
            pi, pj = c[-1]
            di, dj = i - pi, j - pj
            if 0 < dj <= k + max_gap and 0 < di <= k + max_gap and abs(di - dj) <= max_gap:
                best = c
                break
        if best is None:
            chains.append([(i, j)])
        else:
            best.append((i, j))
    return chains


def _trim_stray_ends(chain: list[tuple[int, int]], k: int) -> list[tuple[int, int]]:
    """Drop a run of seeds at either end of a chain that is shorter than the change that
    separates it from the rest on both sides: 基础研究 of 基础研究财政投入，并发挥好… is no part of
    基础研究体制机制改革，发挥好…, while 加强基础研究重 of an edited 重大/重点 still is."""
    runs: list[list[tuple[int, int]]] = [[chain[0]]]
    for i, j in chain[1:]:
        pi, pj = runs[-1][-1]
        if i - pi == 1 and j - pj == 1:
            runs[-1].append((i, j))
        else:
            runs.append([(i, j)])

    def stray(run: list[tuple[int, int]], other: list[tuple[int, int]], before: bool) -> bool:
        length = len(run) + k - 1
        if before:
            gap_a, gap_b = other[0][0] - (run[-1][0] + k), other[0][1] - (run[-1][1] + k)
        else:
            gap_a, gap_b = run[0][0] - (other[-1][0] + k), run[0][1] - (other[-1][1] + k)
        return length < min(gap_a, gap_b)

    while len(runs) > 1 and stray(runs[0], runs[1], before=True):
        runs.pop(0)
    while len(runs) > 1 and stray(runs[-1], runs[-2], before=False):
        runs.pop()
    return [s for run in runs for s in run]


def local_regions(a: str, b: str, *, k: int = 4, max_gap: int = 6) -> list[tuple[int, int, int, int]]:
    """Regions [a0, a1) × [b0, b1) where the two keys agree, in order on both sides."""
    if len(a) < k or len(b) < k:
        return [(0, len(a), 0, len(b))] if a == b and a else []
    regions = []
    for c in _chains(_seeds(a, b, k), k, max_gap):
        c = _trim_stray_ends(c, k)
        a0, b0 = c[0]
        a1, b1 = c[-1][0] + k, c[-1][1] + k
        if a1 - a0 < k + 1 and len(c) == 1 and min(len(a), len(b)) > k:
            continue  # a lone k-gram is noise
        # extend exactly
        while a0 > 0 and b0 > 0 and a[a0 - 1] == b[b0 - 1]:
            a0 -= 1
            b0 -= 1
        while a1 < len(a) and b1 < len(b) and a[a1] == b[b1]:
            a1 += 1
            b1 += 1
        regions.append((a0, a1, b0, b1))
    regions.sort(key=lambda r: (r[2], r[0]))
    # drop regions contained in another
    kept: list[tuple[int, int, int, int]] = []
    for r in sorted(regions, key=lambda r: -(r[1] - r[0] + r[3] - r[2])):
        if any(o[0] <= r[0] and r[1] <= o[1] and o[2] <= r[2] and r[3] <= o[3] for o in kept):
            continue
        kept.append(r)
    kept.sort(key=lambda r: (r[2], r[0]))
    return _join_monotone(kept, a, b)


def _join_monotone(
    regions: list[tuple[int, int, int, int]], a: str, b: str
) -> list[tuple[int, int, int, int]]:
    """Join regions that follow each other on both sides when the join still scores well
    (an abridged or lightly edited sentence is one match, not many)."""
    if len(regions) < 2:
        return regions
    out = [regions[0]]
    for r in regions[1:]:
        p = out[-1]
        if r[0] >= p[1] - 2 and r[2] >= p[3] - 2:
            joined = (p[0], max(p[1], r[1]), p[2], max(p[3], r[3]))
            s_join = Indel.normalized_similarity(a[joined[0] : joined[1]], b[joined[2] : joined[3]])
            matched = (p[3] - p[2]) + (r[3] - r[2])
            if s_join >= 0.6 or matched >= 0.7 * (joined[3] - joined[2]):
                out[-1] = joined
                continue
        out.append(r)
    return out


def _snap(k0: int, k1: int, key: str, boundaries: Callable[[str], frozenset[int]]) -> tuple[int, int]:
    """Trim a window that starts or ends one character into a word (jieba) back to the word
    boundary: a match that agrees on "的基础研" is the words 基础, not half of 研究."""
    if k0 == 0 and k1 == len(key):
        return k0, k1
    b = boundaries(key)
    if k0 not in b and k0 + 1 in b:
        k0 += 1
    if k1 not in b and k1 - 1 in b:
        k1 -= 1
    return k0, k1


def _snap_words(u: Unit, k0: int, k1: int) -> tuple[int, int]:
    """Shrink a window of a Latin-script unit to whole words: a key position starts a word
    when the raw text has a space or mark before it (the compact key drops them)."""
    pos, n = u.raw_pos, len(u.key)

    def starts(i: int) -> bool:
        return i == 0 or i == n or int(pos[i]) > int(pos[i - 1]) + 1

    while k0 < k1 and not starts(k0):
        k0 += 1
    while k1 > k0 and not starts(k1):
        k1 -= 1
    return k0, k1


def jieba_boundaries(key: str) -> frozenset[int]:
    """Word boundaries of a compact key by jieba (tokens.py is the only jieba user)."""
    from . import tokens

    return _boundaries_cached(key, tokens)


@lru_cache(maxsize=100_000)
def _boundaries_cached(key: str, tokens: Any) -> frozenset[int]:
    out = {0, len(key)}
    for _w, _s, e in tokens.words(key):
        out.add(e)
    return frozenset(out)


def classify(a: str, b: str, *, near_cutoff: float = 0.8) -> tuple[Kind | None, float]:
    """verbatim = equal compact keys; near_verbatim = Indel similarity ≥ near_cutoff."""
    if a == b:
        return Kind.VERBATIM, 1.0
    s = Indel.normalized_similarity(a, b)
    if s >= near_cutoff:
        return Kind.NEAR_VERBATIM, s
    return None, s


@lru_cache(maxsize=65536)
def _evidence_mask(key: str, k: int = 6, strict: bool = False) -> bytes:
    """Per character of a unit key, 1 when it is evidence of reuse: covered by a k-gram that is
    not a background stock phrase (`strict`: inside no stock k-gram at all), and not part of a
    name (`cues.mention_ranges`). Computed once per key (a unit meets many candidates)."""
    n = len(key)
    if n < k:
        mask = bytearray(b"\x01" * n)
    elif strict:
        stock = stock_grams()
        mask = bytearray(b"\x01" * n)
        for i in range(n - k + 1):
            if key[i : i + k] in stock:
                mask[i : i + k] = bytes(k)
    else:
        stock = stock_grams()
        grams = [key[i : i + k] for i in range(n - k + 1)]
        fresh = [g not in stock for g in grams]
        # prefix sums: character p is covered when some k-gram starting in [p-k+1, p] is fresh
        acc = [0]
        for f in fresh:
            acc.append(acc[-1] + f)
        mask = bytearray(1 if acc[min(p, n - k) + 1] - acc[max(0, p - k + 1)] > 0 else 0 for p in range(n))
        # a curated formula (data/stock_phrases.txt) is a whole phrase: no character inside one
        # is evidence, whatever fresh k-gram straddles its edge (curated grams are stock too)
        curated = curated_grams()
        for i, f in enumerate(fresh):
            if not f and grams[i] in curated:
                mask[i : i + k] = bytes(k)
    for s, e in mention_ranges(key):
        mask[s:e] = bytes(e - s)
    if "年" in key or "月" in key or "-" in key or "/" in key:
        for span, _ in find_dates(key):  # a date is when a text speaks, not what it took
            mask[span.start : span.end] = bytes(span.end - span.start)
    return bytes(mask)


def shared_evidence(
    ka: str, a0: int, a1: int, kb: str, b0: int, b1: int, *, enough: int = 1 << 30, strict: bool = False
) -> int:
    """Characters the two windows share (Indel matching blocks) that are evidence on both
    sides (`_evidence_mask`), counted up to `enough`: a match made only of set phrases and names
    of events or documents is a mention, not reuse. `strict`: a character inside any stock
    phrase is no evidence, even where the k-grams around it are fresh."""
    ea, eb = _evidence_mask(ka, strict=strict), _evidence_mask(kb, strict=strict)
    wa, wb = ka[a0:a1], kb[b0:b1]
    blocks = (
        [(0, 0, len(wa))]
        if wa == wb
        else [(m.a, m.b, m.size) for m in Indel.opcodes(wa, wb).as_matching_blocks()]
    )
    n = 0
    for ba, bb, size in blocks:
        x, y = a0 + ba, b0 + bb
        inner = _fresh_cover(ka[x : x + size], strict=strict) if size >= _EVIDENCE_K else None
        for i in range(size):
            if ea[x + i] and eb[y + i] and (inner is None or inner[i]):
                n += 1
                if n >= enough:
                    return n
    return n


_EVIDENCE_K = 6


@lru_cache(maxsize=65536)
def _fresh_cover(block: str, k: int = _EVIDENCE_K, strict: bool = False) -> bytes:
    """Per character of a stretch both texts share, 1 when a k-gram *inside the stretch* that
    is not a stock phrase covers it: 习近平总书记 shared whole is a stock phrase, even where a
    different next character (…就 / …的) makes a fresh k-gram in each text."""
    stock = stock_grams()
    if strict:
        out = bytearray(b"\x01" * len(block))
        for i in range(len(block) - k + 1):
            if block[i : i + k] in stock:
                out[i : i + k] = bytes(k)
        return bytes(out)
    out = bytearray(len(block))
    curated = curated_grams()
    inside = []
    for i in range(len(block) - k + 1):
        g = block[i : i + k]
        if g not in stock:
            out[i : i + k] = b"\x01" * k
        elif g in curated:
            inside.append(i)
    for i in inside:  # (after the fresh grams: a curated formula is no evidence at all)
        out[i : i + k] = bytes(k)
    return bytes(out)


def _inside_quotes(u: Unit, r0: int, r1: int, *, whole: bool = False, share: float = 0.8) -> bool:
    """The key range lies (≥ 80%) inside quotation marks; with `whole`, it must also make up
    ≥ `share` of that quotation (a quoted clause, not a fragment of a longer quotation)."""
    if not u.sentence.quoted or r1 <= r0:
        return False
    start, end = int(u.raw_pos[r0]), int(u.raw_pos[r1 - 1]) + 1
    inside = 0
    hit = []
    for q in u.sentence.quoted:
        ov = max(0, min(end, q.end) - max(start, q.start))
        if ov:
            inside += ov
            hit.append(q)
    if inside < 0.8 * (end - start):
        return False
    if not whole:
        return True
    # counted in key characters: the quotation's own punctuation (“加快建设科技强国！”) is no
    # part of the words a match can cover
    pos = np.asarray(u.raw_pos)
    in_quote = np.zeros(len(pos), dtype=bool)
    for q in hit:
        in_quote |= (pos >= q.start) & (pos < q.end)
    return int(in_quote[r0:r1].sum()) >= share * int(in_quote.sum())


_CLAUSE_MARKS = frozenset("，；。！？：,;:!?")


def clause_starts(u: Unit, raw: str) -> tuple[int, ...]:
    """Key positions that start a clause of the unit (0 and len(key) included): a clause
    mark (，；。！？：) stands in the raw text between two consecutive key characters."""
    pos, key = u.raw_pos, u.key
    out = [0]
    for i in range(1, len(key)):
        lo, hi = int(pos[i - 1]) + 1, int(pos[i])
        if hi > lo and any(ch in _CLAUSE_MARKS for ch in raw[lo:hi]):
            if key[i - 1].isdigit() and key[i].isdigit() and raw[lo:hi] in (",", ":", "."):
                continue  # 1,000 and 10:30 are numbers, not clause ends
            out.append(i)
    out.append(len(u.key))
    return tuple(out)


def _enclosing(starts: tuple[int, ...], k0: int, k1: int) -> tuple[int, int]:
    """The run of whole clauses that covers key[k0:k1]."""
    c0 = max(x for x in starts if x <= k0)
    c1 = min(x for x in starts if x >= k1)
    return c0, c1


def _whole_clauses(ua: Unit, ub: Unit, region: tuple[int, int, int, int], raws: Mapping[str, str]) -> bool:
    """The region is (≥ 90 % of) one whole clause on both sides."""
    a0, a1, b0, b1 = region
    ca0, ca1 = _enclosing(clause_starts(ua, raws[ua.doc_id]), a0, a1)
    cb0, cb1 = _enclosing(clause_starts(ub, raws[ub.doc_id]), b0, b1)
    return (a1 - a0) >= 0.9 * (ca1 - ca0) and (b1 - b0) >= 0.9 * (cb1 - cb0)


def _clause_match(
    ua: Unit,
    ub: Unit,
    region: tuple[int, int, int, int],
    raws: Mapping[str, str],
    *,
    near_cutoff: float,
    max_growth: float = 2.5,
) -> tuple[int, int, int, int, Kind, float] | None:
    """A short shared stretch inside two longer sentences, judged by the clauses around it.

    Official texts are reused clause by clause: 牵头组织好国际大科学计划和大科学工程 takes the
    clause 牵头实施国际大科学计划和大科学工程 with one verb changed. If the shared stretch is a
    whole clause on both sides, it is that clause (set phrases are filtered later); otherwise
    the two enclosing clauses must agree as a whole (verbatim or near-verbatim)."""
    a0, a1, b0, b1 = region
    ca0, ca1 = _enclosing(clause_starts(ua, raws[ua.doc_id]), a0, a1)
    cb0, cb1 = _enclosing(clause_starts(ub, raws[ub.doc_id]), b0, b1)
    if (a1 - a0) >= 0.9 * (ca1 - ca0) and (b1 - b0) >= 0.9 * (cb1 - cb0):
        kind, score = classify(ua.key[a0:a1], ub.key[b0:b1], near_cutoff=near_cutoff)
        return (a0, a1, b0, b1, kind, score) if kind is not None else None
    # one text's whole clause taken word for word into a longer clause of the other
    # (要坚持走…之路 → 各地各部门要坚持走…之路): the exact words, not the other's additions
    if ua.key[a0:a1] == ub.key[b0:b1] and ((a1 - a0) >= 0.9 * (ca1 - ca0) or (b1 - b0) >= 0.9 * (cb1 - cb0)):
        return a0, a1, b0, b1, Kind.VERBATIM, 1.0
    length = min(a1 - a0, b1 - b0)
    if max(ca1 - ca0, cb1 - cb0) > max_growth * length:
        return None
    kind, score = classify(ua.key[ca0:ca1], ub.key[cb0:cb1], near_cutoff=near_cutoff)
    return (ca0, ca1, cb0, cb1, kind, score) if kind is not None else None


def _clause_splice(
    ua: Unit,
    ub: Unit,
    region: tuple[int, int, int, int],
    raws: Mapping[str, str],
    *,
    min_chars: int,
    evidence: float,
    cutoff: float,
    max_growth: float = 2.5,
) -> tuple[int, int, int, int, Kind, float] | None:
    """A shared stretch that runs across a clause break in both texts, reworded around it:
    不断优化的资源配置与布局结构，正在为创新发展提供不竭动力 keeps 优化资源配置和布局结构，为创新发展提供….
    A formula lives inside one clause; two clauses carried over together with their joint
    (…布局结构，为创新发展提供) are the structure of a sentence, so the enclosing clauses are a
    paraphrase when the stretch is near-verbatim evidence and the clauses still agree (≥ cutoff)."""
    a0, a1, b0, b1 = region
    if min(a1 - a0, b1 - b0) < min_chars:
        return None
    sa, sb = clause_starts(ua, raws[ua.doc_id]), clause_starts(ub, raws[ub.doc_id])
    breaks_a = {x for x in sa if a0 < x < a1}
    breaks_b = {x for x in sb if b0 < x < b1}
    # the joint itself carried over: a stretch both share runs up to, starts at or runs
    # across the same break in both texts
    joint = False
    for blk in Indel.opcodes(ua.key[a0:a1], ub.key[b0:b1]).as_matching_blocks():
        if blk.size < 2:
            continue
        xa, xb = a0 + blk.a, b0 + blk.b
        if any(x - xa + xb in breaks_b for x in breaks_a if xa <= x <= xa + blk.size):
            joint = True
            break
    if not joint:
        return None
    if shared_evidence(ua.key, a0, a1, ub.key, b0, b1) < evidence * min(a1 - a0, b1 - b0):
        return None
    ca0, ca1 = _enclosing(sa, a0, a1)
    cb0, cb1 = _enclosing(sb, b0, b1)
    if max(ca1 - ca0, cb1 - cb0) > max_growth * min(a1 - a0, b1 - b0):
        return None
    score = Indel.normalized_similarity(ua.key[ca0:ca1], ub.key[cb0:cb1])
    return (ca0, ca1, cb0, cb1, Kind.PARAPHRASE, score) if score >= cutoff else None


def verify(
    c: Candidate,
    units: Sequence[Unit],
    *,
    near_cutoff: float = 0.8,
    min_chars: int = 10,
    min_quoted_chars: int = 8,
    min_informative: int = 8,
    clause_chars: int = 20,
    splice_cutoff: float = 0.5,
    splice_min_common: int = 16,
    word_boundaries: Callable[[str], frozenset[int]] | None = None,
    raws: Mapping[str, str] | None = None,
    clause_evidence: float = 0.8,
    clause_min_chars: int = 14,
    weak_chars: int = 6,
    min_evidence_share: float = 0.5,
) -> list[Match]:
    """Locate and score where two candidate units agree; keep verbatim / near-verbatim regions.

    With the documents' raw texts (`raws`), a short stretch shared inside two longer sentences
    is judged by its clauses (`_clause_match`) instead of being dropped as a likely set phrase;
    it must then be `clause_min_chars` long (shorter shared clauses are mostly formulas: 深入实施人才强国战略)
    and be evidence (`shared_evidence`) for `clause_evidence` of its length. A shorter clause
    (≥ `weak_chars`) that both texts share whole becomes a *weak* match, which merge_passages
    keeps only inside a passage that also holds a match standing on its own."""
    ua, ub = units[c.a], units[c.b]
    out = []
    # two whole sentences that agree closely are one match, whatever their edits' positions
    # (unless one sentence is contained in the other: then the exact region is the answer)
    if ua.key == ub.key:  # a copied sentence (the commonest candidate): no seeds to chain
        regions = [(0, len(ua.key), 0, len(ub.key))]
    else:
        regions = local_regions(ua.key, ub.key)
        contained = any(
            r[1] - r[0] >= 0.95 * len(ua.key) or r[3] - r[2] >= 0.95 * len(ub.key) for r in regions
        )
        if not contained and Indel.normalized_similarity(ua.key, ub.key, score_cutoff=near_cutoff):
            regions = [(0, len(ua.key), 0, len(ub.key))]
    # Latin-script text (an English translation against another): whole words only, longer
    # minimums, and no reworded splices — shared letters are no evidence of shared words
    latin = ua.language != "zh" and ub.language != "zh"
    if latin:
        min_chars, min_quoted_chars = 3 * min_chars, 3 * min_quoted_chars
    for a0, a1, b0, b1 in regions:
        if latin:
            a0, a1 = _snap_words(ua, a0, a1)
            b0, b1 = _snap_words(ub, b0, b1)
            if a1 <= a0 or b1 <= b0:
                continue
        elif word_boundaries is not None:
            a0, a1 = _snap(a0, a1, ua.key, word_boundaries)
            b0, b1 = _snap(b0, b1, ub.key, word_boundaries)
            if a1 <= a0 or b1 <= b0:
                continue
        kind, score = classify(ua.key[a0:a1], ub.key[b0:b1], near_cutoff=near_cutoff)
        if kind == Kind.NEAR_VERBATIM:  # (an exact match is the exact reused words: keep it)
            a0, a1, b0, b1, kind, score = _to_sentence_edges(
                ua.key, ub.key, (a0, a1, b0, b1), kind, score, near_cutoff
            )
        if kind != Kind.VERBATIM and raws is not None:
            trimmed = _drop_list_numbers(ua, ub, (a0, a1, b0, b1), raws)
            if trimmed != (a0, a1, b0, b1):
                a0, a1, b0, b1 = trimmed
                kind, score = classify(ua.key[a0:a1], ub.key[b0:b1], near_cutoff=near_cutoff)
        if kind is None:
            if latin:
                continue
            # a reworded splice: enough text in common, and most of the shorter side
            la, lb = a1 - a0, b1 - b0
            common = score * (la + lb) / 2  # Indel: similarity = 2·LCS / (la + lb)
            if score < splice_cutoff or common < splice_min_common or common < 0.6 * min(la, lb):
                continue
            # what the two share must be more than the names and formulas around a quotation
            if (
                shared_evidence(ua.key, a0, a1, ub.key, b0, b1, enough=splice_min_common, strict=True)
                < splice_min_common
            ):
                continue
            kind = Kind.PARAPHRASE
        length = min(a1 - a0, b1 - b0)
        quoted = _inside_quotes(ua, a0, a1) or _inside_quotes(ub, b0, b1)
        # most of an unquoted match must be more than stock phrases: 要更加紧密地团结在以习近平
        # 总书记为核心的党中央周围，全面贯彻… is a closing formula however long it runs
        need = max(min_informative, math.ceil(min_evidence_share * length))
        # below min_chars only a quotation taken whole counts: 基础研究人才队伍 inside the
        # quoted 壮大基础研究人才队伍 is a common noun phrase, not the quotation
        if (
            length < min_chars
            and not (
                length >= min_quoted_chars
                and (
                    _inside_quotes(ua, a0, a1, whole=True, share=0.95)
                    or _inside_quotes(ub, b0, b1, whole=True, share=0.95)
                )
            )
        ) or (not quoted and shared_evidence(ua.key, a0, a1, ub.key, b0, b1, enough=need) < need):
            if (
                raws is not None
                and kind == Kind.VERBATIM
                and length >= weak_chars
                and _whole_clauses(ua, ub, (a0, a1, b0, b1), raws)
            ):
                out.append(Match(c.a, c.b, a0, a1, b0, b1, score, kind, weak=True))
            continue
        # a short clause embedded in two unrelated sentences is a set phrase, not reuse:
        # short matches must be quoted or make up (nearly) a whole sentence on one side
        if (
            length < clause_chars
            and (a1 - a0) < 0.8 * len(ua.key)
            and (b1 - b0) < 0.8 * len(ub.key)
            and not (_inside_quotes(ua, a0, a1, whole=True) or _inside_quotes(ub, b0, b1, whole=True))
        ):
            # (a short piece of a longer quotation is no more telling than a set phrase)
            if raws is None or quoted:
                continue
            found = _clause_match(ua, ub, (a0, a1, b0, b1), raws, near_cutoff=near_cutoff)
            if found is None:
                found = _clause_splice(
                    ua,
                    ub,
                    (a0, a1, b0, b1),
                    raws,
                    min_chars=clause_min_chars,
                    evidence=clause_evidence,
                    cutoff=splice_cutoff,
                )
            if found is None or min(found[1] - found[0], found[3] - found[2]) < clause_min_chars:
                if kind == Kind.VERBATIM and _whole_clauses(ua, ub, (a0, a1, b0, b1), raws):
                    out.append(Match(c.a, c.b, a0, a1, b0, b1, score, kind, weak=True))
                continue
            a0, a1, b0, b1, kind, score = found
            length = min(a1 - a0, b1 - b0)
            if kind != Kind.PARAPHRASE and (
                length < clause_min_chars
                or shared_evidence(ua.key, a0, a1, ub.key, b0, b1) < clause_evidence * length
            ):
                continue
        out.append(Match(c.a, c.b, a0, a1, b0, b1, score, kind))
    return out


# a list item's number at the start of a sentence (第二，/（三）/ 四、/ 2.): each text's own structure
_LIST_NUMBER = re.compile(
    r"[（(]?(第?[一二三四五六七八九十百]+(?:条|章|节|部分)?|\d{1,3})(?:[、，,．.]|[）)]|[ \t\u3000](?=\S))"
    r"(?![\d一二三四五六七八九十])"
    r"|([①-⑳])|([一二三四五六七八九十]是)(?![的否])"  # ① / 一是、二是 (not 一是否…)
)


def _list_number(u: Unit, k0: int, raw: str) -> str:
    """The list number the unit's key starts with at k0 (compact, e.g. 第二 / 三), or ""."""
    if k0 != 0:  # a number starts the sentence; inside one, 第二 and 三 are words
        return ""
    r0 = int(u.raw_pos[0])
    start = r0 - 1 if r0 > 0 and raw[r0 - 1] in "（(" else r0
    m = _LIST_NUMBER.match(raw, start)
    if not m:
        return ""
    g = next(i for i in (1, 2, 3) if m.group(i))
    if m.start(g) != r0:
        return ""
    number = m.group(g)
    return number if u.key.startswith(number, k0) else ""


def _drop_list_numbers(
    ua: Unit, ub: Unit, region: tuple[int, int, int, int], raws: Mapping[str, str]
) -> tuple[int, int, int, int]:
    """A match that starts with list numbers the two texts do not share (第二， / （三）) starts
    after them: a policy renumbers the points it takes from a speech."""
    a0, a1, b0, b1 = region
    na = _list_number(ua, a0, raws[ua.doc_id]) if a1 - a0 > 4 else ""
    nb = _list_number(ub, b0, raws[ub.doc_id]) if b1 - b0 > 4 else ""
    if na != nb:
        a0, b0 = a0 + len(na), b0 + len(nb)
    return a0, a1, b0, b1


def _to_sentence_edges(
    ka: str,
    kb: str,
    region: tuple[int, int, int, int],
    kind: Kind,
    score: float,
    near_cutoff: float,
    slack: int = 3,
) -> tuple[int, int, int, int, Kind, float]:
    """A match that stops a few characters short of the start (or end) of both sentences
    reaches it: 提高对基础研究的投入… matches 提高基础研究投入…, not only from 基础研究 on (the
    4-character seeds cannot see 提高 across the inserted 对). Kept only if the whole still
    agrees as near-verbatim."""
    a0, a1, b0, b1 = region
    if max(a0, b0) > 0 and a0 <= slack and b0 <= slack:
        k, sc = classify(ka[:a1], kb[:b1], near_cutoff=near_cutoff)
        if k is not None:
            a0, b0, kind, score = 0, 0, k, sc
    if max(len(ka) - a1, len(kb) - b1) > 0 and len(ka) - a1 <= slack and len(kb) - b1 <= slack:
        k, sc = classify(ka[a0:], kb[b0:], near_cutoff=near_cutoff)
        if k is not None:
            a1, b1, kind, score = len(ka), len(kb), k, sc
    return a0, a1, b0, b1, kind, score


def _longest_common(a: str, b: str) -> str:
    """The longest stretch the two texts share word for word (an Indel matching block)."""
    best = ""
    for blk in Indel.opcodes(a, b).as_matching_blocks():
        if blk.size > len(best):
            best = a[blk.a : blk.a + blk.size]
    return best


def drop_set_phrases(
    matches: Sequence[Match],
    units: Sequence[Unit],
    shingles: ShingleIndex,
    *,
    max_chars: int = 40,
    max_cover: float = 0.6,
    min_contexts: int = 3,
    same_context: float = 0.7,
    min_core: int = 10,
) -> list[Match]:
    """Drop short partial matches whose text recurs in at least `min_contexts` different
    sentence contexts of the corpus: a set phrase (以中国式现代化全面推进强国建设、民族复兴伟业)
    that many texts use, not a passage one text took from another. Copies of one sentence
    (a speech and its reprints) are one context, so a clause a policy took from a reprinted
    speech still counts as reuse. A near-verbatim match is judged by the longest stretch its
    two sides share word for word, when that is at least `min_core` characters
    (锚定2035年建成科技强国 in 锚定2035年建成科技强国宏伟目标 / …的战略目标)."""
    verdict: dict[str, bool] = {}
    out = []
    for m in matches:
        if m.weak:  # judged by its passage, in merge_passages
            out.append(m)
            continue
        ua, ub = units[m.a], units[m.b]
        la, lb = m.a1 - m.a0, m.b1 - m.b0
        partial = la < max_cover * len(ua.key) or lb < max_cover * len(ub.key)
        heading = (ua.sentence.role == Role.HEADING and la >= 0.8 * len(ua.key)) or (
            ub.sentence.role == Role.HEADING and lb >= 0.8 * len(ub.key)
        )  # a compilation's heading that repeats a quotation is the quotation
        if (
            not partial
            or heading
            or min(la, lb) > max_chars
            or _inside_quotes(ub, m.b0, m.b1)
            or _inside_quotes(ua, m.a0, m.a1)
        ):
            out.append(m)
            continue
        wa, wb = ua.key[m.a0 : m.a1], ub.key[m.b0 : m.b1]
        if wa == wb:
            core = wa
            if len(core) >= 14:  # the edges of an exact match depend on its two contexts
                core = core[2:-2]
        else:  # a near-verbatim clause: its longest stretch the two share word for word
            core = _longest_common(wa, wb)
            if len(core) < min_core:
                out.append(m)
                continue
        if core not in verdict:
            pool = set(shingles.units_with(core).tolist()) | {m.a, m.b}
            contexts: list[str] = []
            for w in sorted(pool):
                key = units[w].key
                if core in key and all(Indel.normalized_similarity(key, c) < same_context for c in contexts):
                    contexts.append(key)
                    if len(contexts) >= min_contexts:
                        break
            verdict[core] = len(contexts) >= min_contexts
        # a set phrase alone is no reuse, but one that continues a passage of reuse is part
        # of it: it becomes weak (merge_passages keeps it only beside a match that stands alone)
        out.append(m if not verdict[core] else replace(m, weak=True))
    return out


def verify_reworded(
    c: Candidate, units: Sequence[Unit], *, cutoff: float = 0.55, min_chars: int = 10, min_evidence: int = 16
) -> Match | None:
    """A paraphrase-channel candidate (shared content words) without the semantic channel:
    the two whole sentences must still agree in most of their characters (Indel ≥ cutoff)."""
    ua, ub = units[c.a], units[c.b]
    if min(len(ua.key), len(ub.key)) < min_chars:
        return None
    s = Indel.normalized_similarity(ua.key, ub.key)
    if (
        s < cutoff
        or shared_evidence(ua.key, 0, len(ua.key), ub.key, 0, len(ub.key), enough=min_evidence) < min_evidence
    ):
        return None
    kind = Kind.NEAR_VERBATIM if s >= 0.8 else Kind.PARAPHRASE
    return Match(c.a, c.b, 0, len(ua.key), 0, len(ub.key), s, kind)


# --------------------------------------------------------------------------- raw spans

# a clause's span takes the sentence-final mark or bracket that closes it, not a comma that
# joins it to the reuser's own words
_CLOSERS = frozenset("。！？）)》〉…!?.")
_QUOTE_OPEN = frozenset('“‘「『﹁﹃"')
_QUOTE_CLOSE = frozenset('”’」』﹂﹄"')


def _quote_balance(text: str) -> int:
    """Opening minus closing quotation marks in text ('"' counts as opening then closing)."""
    n = 0
    for ch in text:
        if ch == '"':
            n += 1 if n == 0 else -1
        elif ch in _QUOTE_OPEN:
            n += 1
        elif ch in _QUOTE_CLOSE:
            n -= 1
    return n


def _raw_span(u: Unit, k0: int, k1: int, raw: str) -> Span:
    """Raw span of key[k0:k1], widened to the sentence edges when the match reaches them and
    over the punctuation that closes the matched clause. Quotation marks that enclose the
    reused words belong to the text that quotes them: a span stops before such a closing mark
    (“…总机关。” gives …总机关。) and starts after such an opening one. A quotation inside the
    reused words (确保“好钢用在刀刃上”。) keeps both its marks."""
    s = u.sentence.span
    first = int(u.raw_pos[k0])
    last = int(u.raw_pos[k1 - 1]) + 1
    start = first
    if k0 == 0:
        head = raw[s.start : first]
        opens = [i for i, ch in enumerate(head) if ch in _QUOTE_OPEN]
        start = s.start
        # an opening mark whose quotation is still open at the match's end encloses it
        if opens and _quote_balance(raw[s.start + opens[-1] : last]) > 0:
            start = s.start + opens[-1] + 1
    end = last
    depth = _quote_balance(raw[start:end])  # quotations opened inside the span
    limit = s.end if k1 >= len(u.key) else None
    while end < s.end:
        ch = raw[end]
        if ch in _QUOTE_CLOSE and ch != '"' or (ch == '"' and depth > 0):
            if depth <= 0:
                break  # the quotation that encloses the match: the quoting text's mark
            depth -= 1
        elif not (ch in _CLOSERS or (limit is not None and end < limit)):
            break
        end += 1
    return Span(start, end)


# --------------------------------------------------------------------------- passages


@dataclass(slots=True)
class _Passage:
    a_art: int
    b_art: int
    matches: list[Match]
    a_spans: list[Span]
    b_spans: list[Span]

    @property
    def a_last(self) -> int:
        return max(m.a for m in self.matches)

    @property
    def b_last(self) -> int:
        return max(m.b for m in self.matches)


def _side_key(units: Sequence[Unit], first: tuple[int, int], last: tuple[int, int]) -> str:
    """Compact text from (unit, offset) `first` to (unit, end offset) `last`, across units."""
    (u0, k0), (u1, k1) = first, last
    if u0 == u1:
        return units[u0].key[k0:k1]
    parts = [units[u0].key[k0:]]
    parts.extend(units[u].key for u in range(u0 + 1, u1))
    parts.append(units[u1].key[:k1])
    return "".join(parts)


def passage_kind(a: str, b: str, *, near_cutoff: float = 0.8) -> tuple[Kind, float]:
    """Kind of a whole passage from its two compact texts: equal → verbatim, Indel similarity
    ≥ near_cutoff → near_verbatim, otherwise a reworded splice → paraphrase."""
    if a == b:
        return Kind.VERBATIM, 1.0
    s = Indel.normalized_similarity(a, b)
    return (Kind.NEAR_VERBATIM if s >= near_cutoff else Kind.PARAPHRASE), s


def merge_passages(
    matches: Iterable[Match],
    units: Sequence[Unit],
    raws: Mapping[str, str],
    *,
    max_gap: int = 1,
    target_gap: int = 0,
    near_cutoff: float = 0.8,
) -> list[Alignment]:
    """One alignment per maximal passage: consecutive matches that advance together in both
    articles merge; a jump splits. The reusing side must be contiguous (at most `target_gap`
    skipped sentences); the other may skip `max_gap` sentences (a summary leaving one out).
    The passage is then labelled as a whole."""
    by_pair: dict[tuple[int, int], list[tuple[Match, Span, Span]]] = defaultdict(list)
    for m in matches:
        ua, ub = units[m.a], units[m.b]
        if m.kind != Kind.VERBATIM:  # (whole-sentence matches of the other channels too)
            a0, a1, b0, b1 = _drop_list_numbers(ua, ub, (m.a0, m.a1, m.b0, m.b1), raws)
            if (a0, b0) != (m.a0, m.b0):
                m = replace(m, a0=a0, b0=b0)
        sa = _raw_span(ua, m.a0, m.a1, raws[ua.doc_id])
        sb = _raw_span(ub, m.b0, m.b1, raws[ub.doc_id])
        by_pair[(ua.article_idx, ub.article_idx)].append((m, sa, sb))
    out: list[Alignment] = []
    for (art_a, art_b), items in by_pair.items():
        items.sort(key=lambda t: (t[2].start, t[1].start))
        passages: list[_Passage] = []
        for m, sa, sb in items:
            target = None
            for p in reversed(passages):
                last = p.matches[-1]
                if (
                    0 <= m.b - p.b_last <= target_gap + 1
                    and -1 <= m.a - p.a_last <= max_gap + 1
                    and sb.start >= p.b_spans[-1].end - 2
                    and sa.start >= p.a_spans[-1].end - 2
                    and not (m.a == last.a and m.b == last.b and m.a0 < last.a0)
                ):
                    target = p
                    break
            if target is None:
                passages.append(_Passage(art_a, art_b, [m], [sa], [sb]))
            else:
                target.matches.append(m)
                target.a_spans.append(sa)
                target.b_spans.append(sb)
        for p in passages:
            if all(m.weak for m in p.matches):
                continue  # short shared clauses with nothing that stands on its own
            first_a = min((m.a, m.a0) for m in p.matches)
            last_a = max((m.a, m.a1) for m in p.matches)
            first_b = min((m.b, m.b0) for m in p.matches)
            last_b = max((m.b, m.b1) for m in p.matches)
            ka, kb = _side_key(units, first_a, last_a), _side_key(units, first_b, last_b)
            kind, score = passage_kind(ka, kb, near_cutoff=near_cutoff)
            ua, ub = units[p.matches[0].a], units[p.matches[0].b]
            out.append(
                Alignment(
                    source=Side(
                        ua.doc_id,
                        ua.article_id,
                        Span(min(s.start for s in p.a_spans), max(s.end for s in p.a_spans)),
                    ),
                    target=Side(
                        ub.doc_id,
                        ub.article_id,
                        Span(min(s.start for s in p.b_spans), max(s.end for s in p.b_spans)),
                    ),
                    kind=kind,
                    score=round(score, 4),
                )
            )
    out.sort(key=lambda x: (x.target.doc_id, x.target.span.start, x.source.doc_id, x.source.span.start))
    return out


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


_STATEMENT_END = frozenset("。！？!?；;…")
_QUOTE_CLOSERS = frozenset("”’」』）)】》")  # (_CLOSERS above: what a span may run over)


def _whole_statement(raw: str, span: Span) -> bool:
    """The span is a whole sentence of its text: a statement, not a phrase used inside one.
    Judged on the raw text alone (a sentence mark, or the start or end of the text, on both
    sides, hard line breaks skipped), so an incremental run decides as a rebuild does."""
    i = span.start
    while i > 0 and (raw[i - 1].isspace() or raw[i - 1] in _QUOTE_CLOSERS or raw[i - 1] == "*"):
        i -= 1
    if i > 0 and raw[i - 1] not in _STATEMENT_END:
        return False
    j = span.end
    while j > span.start and (raw[j - 1].isspace() or raw[j - 1] in _QUOTE_CLOSERS):
        j -= 1
    if j > span.start and raw[j - 1] in _STATEMENT_END:
        return True
    k = span.end
    while k < len(raw) and (raw[k].isspace() or raw[k] in _QUOTE_CLOSERS or raw[k] == "*"):
        k += 1
    return k == len(raw) or raw[k] in _STATEMENT_END


def drop_lone_edits(
    alignments: Sequence[Alignment], raws: Mapping[str, str], *, min_chars: int = 20
) -> list[Alignment]:
    """Drop a near-verbatim match shorter than `min_chars` (twice the shortest reported span)
    on either side when it is not quoted, is a phrase inside longer sentences rather than a
    whole sentence carried over, and is the only link between its two articles. A short
    clause two texts phrase alike, with edits and nothing else in common (优化高等学校学科设置、
    人才培养模式 / …，创新人才培养模式), is more likely common political language than one
    text taking from the other; word-for-word matches, quotations, whole statements and edits
    between articles that share other passages keep counting. Paraphrases are left to their
    own, stricter acceptance tests (a reworded heading is found on its own). Needs oriented
    alignments (`quoted` is decided by the reuser), so the pipeline applies it after
    provenance; `where` still finds the clause."""
    links: dict[tuple[str, str], int] = defaultdict(int)
    for a in alignments:
        links[(a.source.article_id, a.target.article_id)] += 1

    def lone_edit(a: Alignment) -> bool:
        if a.kind is not Kind.NEAR_VERBATIM or a.quoted:
            return False
        if links[(a.source.article_id, a.target.article_id)] > 1:
            return False
        if _whole_statement(raws[a.source.doc_id], a.source.span) and _whole_statement(
            raws[a.target.doc_id], a.target.span
        ):
            return False
        # the shorter side: a clause widened by a word the other text lacks (积极 / 进一步…) is
        # no longer for it
        source, target = a.source.span.of(raws[a.source.doc_id]), a.target.span.of(raws[a.target.doc_id])
        return min(_alnum(source), _alnum(target)) < min_chars

    return [a for a in alignments if not lone_edit(a)]
