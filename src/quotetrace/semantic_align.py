"""`semantic_align`: the semantic channel — translations across languages and reworded
paraphrase within one, scored with sentence embeddings (optional extra `quotetrace[semantic]`).

Why a separate channel: shingles cannot see that an English sentence renders a Chinese one,
nor that a reworded sentence keeps its source's proposition. Embeddings can, but encoding
costs ~5 ms a sentence, so it is spent where it pays: sentences of documents in another
language than the rest, and sentence pairs the lexical index proposed but could not verify
(partial lexical evidence). Nearest neighbours are blockwise matrix products (semantic.nearest).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz.distance import Indel

from . import semantic
from .align import Match, shared_evidence
from .index import Candidate, Unit, stock_grams
from .model import Alignment, Kind, Side, Span
from .tokens import words


@dataclass(frozen=True, slots=True)
class SemanticStats:
    encoded: int
    cached: int
    translation_pairs: int
    paraphrase_pairs: int


def _bigrams(key: str, stock: frozenset[str]) -> set[str]:
    """Character bigrams of a compact key outside stock 6-grams (so formulas do not count)."""
    covered = [False] * len(key)
    for i in range(len(key) - 5):
        if key[i : i + 6] in stock:
            for t in range(i, i + 6):
                covered[t] = True
    return {key[i : i + 2] for i in range(len(key) - 1) if not (covered[i] and covered[i + 1])}


def lexical_support(a: str, b: str) -> float:
    """Share of the shorter key's informative bigrams found in the other key."""
    stock = stock_grams()
    ga, gb = _bigrams(a, stock), _bigrams(b, stock)
    if not ga or not gb:
        return 0.0
    small, big = (ga, gb) if len(ga) <= len(gb) else (gb, ga)
    return len(small & big) / len(small)


def monotone_path(sim: np.ndarray, *, threshold: float) -> list[tuple[int, int]]:
    """Pairs (i, j) on the best monotone path through a similarity matrix: sentence i of the
    translation renders sentence j of the original. Translations keep the original's order,
    so order is the strongest evidence a weak pair has; a pair scores sim - threshold, and
    several translation sentences may render one original sentence (a long one split)."""
    n, m = sim.shape
    gain = sim - threshold
    best = np.zeros((n + 1, m + 1))
    move = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0 skip i, 1 skip j, 2 match diag, 3 match same j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            g = gain[i - 1, j - 1]
            options = (best[i - 1, j], best[i, j - 1], best[i - 1, j - 1] + g, best[i - 1, j] + g)
            k = int(np.argmax(options))
            if k >= 2 and g <= 0:
                k = 0 if options[0] >= options[1] else 1
            best[i, j] = options[k]
            move[i, j] = k
    path = []
    i, j = n, m
    while i > 0 and j > 0:
        step = int(move[i, j])
        if step == 0:
            i -= 1
        elif step == 1:
            j -= 1
        else:
            path.append((i - 1, j - 1))
            if step == 2:
                i, j = i - 1, j - 1
            else:
                i -= 1
    return path[::-1]


def translation_alignments(
    units: Sequence[Unit],
    texts: Sequence[str],
    vectors: Mapping[int, np.ndarray],
    *,
    candidate: float = semantic.TRANSLATION_CANDIDATE,
    accept: float = semantic.TRANSLATION_ACCEPT,
    k: int = 3,
    max_gap: int = 2,
    dates: Mapping[str, str | None] | None = None,
    min_anchors: int = 3,
    single_margin: float = 0.05,
) -> list[Alignment]:
    """Each sentence of a document in one language linked to the sentence it renders in a
    document of another language, merged into passages (kind translation).

    Nearest neighbours pick the articles a translated article renders (at least `min_anchors`
    of its sentences — or half of them, at least 2, in a short article — have their best match
    there at `accept` or above); a monotone path
    through the two articles' similarity matrix then links sentence to sentence, keeping
    pairs down to `candidate` when the order supports them. `dates` (article id → ISO date)
    keeps a translation from being linked to a text written after it (which quotes the
    original too)."""
    by_lang: dict[str, list[int]] = defaultdict(list)
    for u in units:
        if u.idx in vectors:
            by_lang[u.language].append(u.idx)
    if len(by_lang) < 2:
        return []
    majority = max(by_lang, key=lambda lang: len(by_lang[lang]))
    c_ids = by_lang[majority]
    c_mat = np.stack([vectors[i] for i in c_ids])
    pairs: list[tuple[int, int, float]] = []
    for lang, q_ids in by_lang.items():
        if lang == majority:
            continue
        q_mat = np.stack([vectors[i] for i in q_ids])
        anchors: dict[tuple[str, str], int] = defaultdict(int)
        strongest: dict[tuple[str, str], float] = defaultdict(float)
        for qi, ci, cos in semantic.nearest(q_mat, c_mat, k=k, min_cosine=accept):
            q_art, c_art = units[q_ids[qi]].article_id, units[c_ids[ci]].article_id
            if dates:
                qd, cd = dates.get(q_art), dates.get(c_art)
                if qd and cd and cd[:10] > qd[:10]:
                    continue
            anchors[(q_art, c_art)] += 1
            strongest[(q_art, c_art)] = max(strongest[(q_art, c_art)], float(cos))
        top: dict[str, int] = defaultdict(int)
        for (q_art, _c_art), n in anchors.items():
            top[q_art] = max(top[q_art], n)
        size: dict[str, int] = defaultdict(int)
        for i in q_ids:
            size[units[i].article_id] += 1
        for (q_art, c_art), n in anchors.items():
            # the articles this one renders: the best anchored (copies of one original tie);
            # a text that merely reuses the original's wording has fewer anchors. A short
            # translated excerpt (a news item rendering two sentences) needs half its sentences.
            need = min(min_anchors, max(2, -(-size[q_art] // 2)))
            # a wire story rendering one sentence of a speech: one strong anchor will do
            if n == 1 and strongest[(q_art, c_art)] >= accept + single_margin:
                need = 1
            if n < need or n < 0.6 * top[q_art]:
                continue
            qs = [i for i in q_ids if units[i].article_id == q_art]
            cs = [i for i in c_ids if units[i].article_id == c_art]
            sim = np.stack([vectors[i] for i in qs]) @ np.stack([vectors[i] for i in cs]).T
            path = monotone_path(sim, threshold=candidate)
            on_path = {i for i, _ in path}
            # a strong, unambiguous pair out of order (a readout's opening sums up the
            # speech's close) stands on its own
            for i in range(len(qs)):
                if i in on_path or sim.shape[1] < 2:
                    continue
                top2 = np.sort(sim[i])[-2:]
                j = int(np.argmax(sim[i]))
                if top2[1] >= accept + 0.05 and top2[1] - top2[0] >= 0.05:
                    pairs.append((qs[i], cs[j], float(top2[1])))
            for n_p, (i, j) in enumerate(path):
                cos = float(sim[i, j])
                if cos < accept:
                    # a weak pair needs a strong neighbour on the path, close in the original
                    near = [path[x] for x in (n_p - 1, n_p + 1) if 0 <= x < len(path)]
                    if not any(sim[a, b] >= accept - 0.05 and abs(b - j) <= 2 for a, b in near):
                        continue
                pairs.append((qs[i], cs[j], cos))
    return _merge_translation(pairs, units, max_gap=max_gap)


def _merge_translation(
    pairs: Iterable[tuple[int, int, float]], units: Sequence[Unit], *, max_gap: int
) -> list[Alignment]:
    by_art: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
    for q, c, cos in pairs:
        by_art[(units[q].article_id, units[c].article_id)].append((q, c, cos))
    out = []
    for items in by_art.values():
        items.sort()
        groups: list[list[tuple[int, int, float]]] = []
        for it in items:
            g = groups[-1] if groups else None
            if g and 0 <= it[0] - g[-1][0] <= max_gap and -1 <= it[1] - max(x[1] for x in g) <= max_gap + 2:
                g.append(it)
            else:
                groups.append([it])
        for g in groups:
            q0 = min(units[x[0]].sentence.span.start for x in g)
            q1 = max(units[x[0]].sentence.span.end for x in g)
            c0 = min(units[x[1]].sentence.span.start for x in g)
            c1 = max(units[x[1]].sentence.span.end for x in g)
            uq, uc = units[g[0][0]], units[g[0][1]]
            out.append(
                Alignment(
                    source=Side(uc.doc_id, uc.article_id, Span(c0, c1)),
                    target=Side(uq.doc_id, uq.article_id, Span(q0, q1)),
                    kind=Kind.TRANSLATION,
                    score=round(float(np.mean([x[2] for x in g])), 4),
                )
            )
    return out


def paraphrase_matches(
    candidates: Iterable[Candidate],
    units: Sequence[Unit],
    vectors: Mapping[int, np.ndarray],
    *,
    min_chars: int = 10,
    min_evidence: int = 8,
    near_cutoff: float = 0.8,
) -> list[Match]:
    """Candidate pairs with partial lexical evidence that the embeddings say state the same
    proposition (semantic.is_paraphrase: cosine combined with informative lexical overlap),
    sharing at least `min_evidence` characters that are not set phrases or names of events."""
    out = []
    for c in candidates:
        if c.a not in vectors or c.b not in vectors:
            continue
        ua, ub = units[c.a], units[c.b]
        if min(len(ua.key), len(ub.key)) < min_chars or ua.language != ub.language or ua.language != "zh":
            continue  # (is_paraphrase's thresholds are calibrated on Chinese pairs)
        # nearly the same words: as the lexical channel, half must be more than stock phrases
        # (two readouts opening with the same meeting formula state the same proposition)
        weak = False
        if Indel.normalized_similarity(ua.key, ub.key) >= near_cutoff:
            half = -(-min(len(ua.key), len(ub.key)) // 2)
            weak = shared_evidence(ua.key, 0, len(ua.key), ub.key, 0, len(ub.key), enough=half) < half
        cos = float(np.dot(vectors[c.a], vectors[c.b]))
        lex = lexical_support(ua.key, ub.key)
        if semantic.is_paraphrase(cos, lex) and (
            shared_evidence(ua.key, 0, len(ua.key), ub.key, 0, len(ub.key), enough=min_evidence)
            >= min_evidence
        ):
            out.append(
                Match(
                    c.a,
                    c.b,
                    0,
                    len(ua.key),
                    0,
                    len(ub.key),
                    semantic.paraphrase_score(cos, lex),
                    Kind.PARAPHRASE,
                    weak=weak,
                )
            )
    return out


# --------------------------------------------------------------------------- clause channel

# where a clause ends: a clause mark, or a quotation mark (提出“加强…布局”“提高…比重” lists two quoted
# clauses without a comma)
_CLAUSE_END = re.compile(r"[，；。！？：,;:!?“”「」『』]")


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a Chinese unit, as the paraphrase index reads it (`idx` is its position)."""

    idx: int
    article_idx: int
    key: str
    language: str
    unit: int
    k0: int
    k1: int
    whole: bool  # the unit's whole (short) sentence


def clauses_of(
    units: Iterable[Any], raws: Mapping[str, str], *, min_chars: int = 10, short_chars: int = 40
) -> list[Clause]:
    """The clauses of every Chinese unit (≥ `min_chars` key characters), cut where the raw text
    has a clause or quotation mark between two key characters. A unit of at most `short_chars`
    that is one clause (≥ 80 %) is `whole`: a sentence that can be carried into another text
    as one clause of it."""
    by_doc: dict[str, list[Any]] = defaultdict(list)  # Unit or indexdb.UnitSpan
    for u in units:
        if u.language == "zh" and len(u.key) >= min_chars:
            by_doc[u.doc_id].append(u)
    cuts: dict[int, list[int]] = defaultdict(list)  # unit position -> key positions after a mark
    for doc_id, us in by_doc.items():
        # one search per document: every key character's raw position, sorted, against the marks
        pos = np.concatenate([np.asarray(u.raw_pos, dtype=np.int64) for u in us])
        owner = np.repeat(np.arange(len(us)), [len(u.key) for u in us])
        kidx = np.concatenate([np.arange(len(u.key)) for u in us])
        order = np.argsort(pos, kind="stable")
        pos, owner, kidx = pos[order], owner[order], kidx[order]
        at = np.fromiter((m.start() for m in _CLAUSE_END.finditer(raws[doc_id])), dtype=np.int64)
        nxt = np.searchsorted(pos, at, side="right")  # first key character after each mark
        ok = (nxt > 0) & (nxt < len(pos))
        nxt = nxt[ok]
        inner = owner[nxt] == owner[nxt - 1]  # the mark stands between two characters of one unit
        for o, k in zip(owner[nxt[inner]].tolist(), kidx[nxt[inner]].tolist(), strict=True):
            cuts[us[o].idx].append(k)
    out: list[Clause] = []
    for u in (u for us in by_doc.values() for u in us):
        starts = [0, *sorted({c for c in cuts.get(u.idx, ()) if 0 < c < len(u.key)}), len(u.key)]
        short = len(u.key) <= short_chars
        for k0, k1 in zip(starts, starts[1:], strict=False):
            if k1 - k0 >= min_chars:
                whole = short and (k1 - k0) >= 0.8 * len(u.key)
                out.append(Clause(len(out), u.article_idx, u.key[k0:k1], "zh", u.idx, k0, k1, whole))
    return out


def clause_paraphrases(
    candidates: Iterable[Candidate],
    clauses: Sequence[Clause],
    units: Mapping[int, Any] | Sequence[Any],
    encode: Callable[[Sequence[str]], np.ndarray],
    *,
    verified: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    min_words: float = 0.6,
    near_cutoff: float = 0.8,
    min_cosine: float = 0.9,
    min_evidence: int = 8,
) -> list[Match]:
    """A short sentence of one text reworded as one clause of another: 强化基础研究前瞻性、战略性、
    系统性布局 (a heading of the speech) in a commentary's …强化基础研究战略性、前瞻性、体系化布局，….
    A clause pair from `index.paraphrase_candidates(clauses, whole=…)` counts when the two hold
    mostly the same words in any order (sorted jieba words, Indel ≥ `min_words`) without being
    near-verbatim (the lexical channel's case), half is evidence (not stock phrases or names),
    and the embeddings of the two clauses agree (cosine ≥ `min_cosine`, the cosine that is
    paraphrase on its own for whole sentences). Pairs of units another channel verified are
    left alone."""
    chosen: list[tuple[Clause, Clause]] = []
    for c in candidates:
        x, y = clauses[c.a], clauses[c.b]
        if x.unit == y.unit or (min(x.unit, y.unit), max(x.unit, y.unit)) in verified:
            continue
        if Indel.normalized_similarity(x.key, y.key) >= near_cutoff:
            continue
        wx = sorted(w for w, _, _ in words(x.key))
        wy = sorted(w for w, _, _ in words(y.key))
        if Indel.normalized_similarity(wx, wy) < min_words:
            continue
        half = max(min_evidence, -(-min(len(x.key), len(y.key)) // 2))
        ux, uy = units[x.unit], units[y.unit]
        if shared_evidence(ux.key, x.k0, x.k1, uy.key, y.k0, y.k1, enough=half) < half:
            continue
        chosen.append((x, y))
    if not chosen:
        return []
    vecs = encode([t for x, y in chosen for t in (x.key, y.key)])
    out = []
    for n, (x, y) in enumerate(chosen):
        cos = float(np.dot(vecs[2 * n], vecs[2 * n + 1]))
        if cos < min_cosine:
            continue
        a, b = (x, y) if x.unit < y.unit else (y, x)
        out.append(Match(a.unit, b.unit, a.k0, a.k1, b.k0, b.k1, round(cos, 4), Kind.PARAPHRASE))
    return out
