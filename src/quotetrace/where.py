"""`where`: a sentence → every place it (or a close variant) occurs in the corpus.

Why: the analyst's first question about a phrase is "where else does this appear, and
which came first?". The query goes through the same normalisation and compact keys as
the corpus, candidates come from the shingle index (never a scan), and each candidate
sentence is verified with the aligner's local regions, so a query with a typo or a
dropped clause still finds its places and the hit's raw span is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz.distance import Indel

from .align import classify, local_regions
from .errors import EmptyQuery
from .index import ShingleIndex, Unit, compact, shingle_hashes
from .model import Article, Document, Kind, Span
from .normalise import normalise

CandidateFn = Callable[[str], Sequence[tuple[int, int]]]  # query key → (unit idx, shared grams)


@dataclass(frozen=True, slots=True)
class Hit:
    doc_id: str
    file: str
    article_id: str
    title: str | None
    source: str | None
    date: str | None
    span: Span
    line: int  # 1-based line of span.start in the raw file
    text: str  # raw[start:end]
    score: float  # similarity of the matched part, 0..1
    coverage: float  # share of the query's characters this hit accounts for
    kind: Kind
    quoted: bool
    attributed: bool
    origin: bool = False  # the earliest occurrence in the corpus
    diff: tuple[tuple[str, int, int, int, int], ...] = field(default=())  # opcodes query ↔ hit keys
    query_part: str = ""
    hit_key: str = ""
    key_pos: tuple[int, ...] = ()  # offset in `text` of each character of hit_key

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc_id,
            "file": self.file,
            "article": self.article_id,
            "title": self.title,
            "source": self.source,
            "date": self.date,
            "start": self.span.start,
            "end": self.span.end,
            "line": self.line,
            "text": self.text,
            "score": round(self.score, 4),
            "coverage": round(self.coverage, 4),
            "kind": str(self.kind),
            "quoted": self.quoted,
            "attributed": self.attributed,
            "origin": self.origin,
        }


def query_key(text: str) -> str:
    """The compact key of a user's query, normalised exactly like corpus text."""
    if not text or not text.strip():
        raise EmptyQuery(None, "empty query: give a sentence to look for")
    norm = normalise(text, Span(0, len(text)), language=query_language(text))
    key, _ = compact(norm.text)
    if not key:
        raise EmptyQuery(None, "the query has no letters or digits to look for")
    return key


def memory_candidates(units: Sequence[Unit], shingles: ShingleIndex) -> CandidateFn:
    """Candidate lookup on an in-memory ShingleIndex."""

    def find(key: str) -> list[tuple[int, int]]:
        k = shingles.k
        if len(key) < k:
            return [(u.idx, 1) for u in units if key in u.key]
        h, _, _ = shingle_hashes([key], k)
        counts: dict[int, int] = {}
        for g in set(h.tolist()):
            p = shingles.postings(g)
            if len(p) > 5000:  # a stock phrase: no evidence
                continue
            for u in p.tolist():
                counts[u] = counts.get(u, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])

    return find


def _line_of(raw: str, pos: int) -> int:
    return raw.count("\n", 0, pos) + 1


def where(
    text: str,
    units: Mapping[int, Unit] | Sequence[Unit] | Callable[[Sequence[int]], Mapping[int, Unit]],
    candidates: CandidateFn,
    documents: Mapping[str, Document] | Callable[[Sequence[str]], Mapping[str, Document]],
    articles: Mapping[str, Article],
    *,
    min_score: float = 0.6,
    min_chars: int = 6,
    limit_candidates: int = 2000,
    quoted: Callable[[str, Span], bool] | None = None,
    attributed: Callable[[str, Span], bool] | None = None,
) -> list[Hit]:
    """Every occurrence of `text` (or a close variant) in the corpus, origin first, then by date."""
    key = query_key(text)
    # a Latin-script key spends about four letters where Chinese spends one character: the
    # length floors scale, so a shared English word ("scientific") is not a hit
    scale = 4 if key.isascii() else 1
    min_chars *= scale
    if scale > 1:  # letters agree by chance far more than characters: only close variants
        min_score = max(min_score, 0.75)
    need = 1 if len(key) < 12 * scale else 2
    found = [
        (uid, shared)
        for uid, shared in list(candidates(key))[:limit_candidates]
        if shared >= need or len(key) < 6
    ]
    # units and documents may come lazily from the persistent index: fetch only what is needed
    unit_of = units([uid for uid, _ in found]) if callable(units) else units
    hits: list[Hit] = []
    pending: list[tuple[Unit, int, int, int, int, Kind, float, float]] = []
    for uid, _shared in found:
        u = unit_of[uid]
        best = None
        for q0, q1, u0, u1 in local_regions(key, u.key, k=4 if len(key) >= 4 else len(key)):
            if min(q1 - q0, u1 - u0) < min(min_chars, len(key)):
                continue
            kind, score = classify(key[q0:q1], u.key[u0:u1])
            if kind is None:
                kind = Kind.PARAPHRASE
            if score < min_score:
                continue
            cov = (q1 - q0) / len(key)
            cand = (cov * score, q0, q1, u0, u1, kind, score, cov)
            if best is None or cand[0] > best[0]:
                best = cand
        if best is None:
            continue
        _, q0, q1, u0, u1, kind, score, cov = best
        # a piece of a longer query is a hit when it is half the query or a clause the aligner
        # would take on its own (14 characters): not 实现高水平科技自立自强 in every other sentence
        if cov < 0.5 and (q1 - q0) < 14 * scale:
            continue
        pending.append((u, q0, q1, u0, u1, kind, score, cov))
    doc_of = documents(sorted({p[0].doc_id for p in pending})) if callable(documents) else documents
    for u, q0, q1, u0, u1, kind, score, cov in pending:
        ops = tuple(
            (op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
            for op in Indel.opcodes(key[q0:q1], u.key[u0:u1])
        )
        span = Span(int(u.raw_pos[u0]), int(u.raw_pos[u1 - 1]) + 1)
        hit = _hit(u, span, doc_of[u.doc_id], articles, score, cov, kind, quoted, attributed)
        key_pos = tuple((u.raw_pos[u0:u1] - span.start).tolist())
        hits.append(replace(hit, diff=ops, query_part=key[q0:q1], hit_key=u.key[u0:u1], key_pos=key_pos))
    return order_hits(hits)


def _hit(
    u: Unit,
    span: Span,
    doc: Document,
    articles: Mapping[str, Article],
    score: float,
    coverage: float,
    kind: Kind,
    quoted: Callable[[str, Span], bool] | None,
    attributed: Callable[[str, Span], bool] | None,
) -> Hit:
    """A hit at `span` of unit u's document, with its article's title, source and date."""
    art = articles.get(u.article_id)
    return Hit(
        doc_id=u.doc_id,
        file=doc.file,
        article_id=u.article_id,
        title=art.title if art else doc.meta.title,
        source=(art.source if art else None) or doc.meta.publisher,
        date=(art.date if art else None) or doc.meta.date,
        span=span,
        line=_line_of(doc.raw, span.start),
        text=span.of(doc.raw),
        score=score,
        coverage=coverage,
        kind=kind,
        quoted=bool(quoted and quoted(doc.raw, span)),
        attributed=bool(attributed and attributed(doc.raw, span)),
        hit_key=u.key,
        key_pos=tuple((u.raw_pos - span.start).tolist()) if span == u.sentence.span else (),
    )


def order_hits(hits: Sequence[Hit]) -> list[Hit]:
    """Earliest first (undated last), best match first within a date; the first hit of the
    earliest date that covers the query best is marked as the origin (a translation hit — the
    text the query renders in another language — covers it whole)."""

    def key(h: Hit) -> tuple[Any, ...]:
        # a date prefix ("2023") is not known to precede a full date inside it ("2023-02-21")
        padded = (h.date or "") + "-99-99"[len(h.date or "") - 4 :] if h.date else ""
        # on the same date a text standing on its own precedes an article inside a bundle
        # (a reprint in a compilation carries the original's date)
        return (
            h.date is None,
            padded,
            h.article_id != h.doc_id,
            -h.coverage * h.score,
            h.doc_id,
            h.span.start,
        )

    ordered = sorted(hits, key=key)
    if not ordered:
        return []
    dated = [h for h in ordered if h.date]
    pool = dated or ordered

    def weight(h: Hit) -> float:
        # a translation's score is a cosine, not a character similarity: it renders the query
        # whole, so it weighs as a full match (the Chinese original of an English query)
        return h.coverage * (1.0 if h.kind == Kind.TRANSLATION else h.score)

    best_cov = max(weight(h) for h in pool)
    origin = next(h for h in pool if weight(h) >= 0.8 * best_cov)
    out = [replace(origin, origin=True)]
    out.extend(h for h in ordered if h is not origin)
    return out


def query_language(text: str) -> str:
    """'en' when most of the query's letters are Latin, else 'zh' (as query_key decides)."""
    return "en" if sum(1 for c in text if c.isascii() and c.isalpha()) > len(text) / 2 else "zh"


def semantic_hits(
    query: str,
    query_vector: Any,
    units: Sequence[Unit],
    vectors: Any,
    documents: Mapping[str, Document],
    articles: Mapping[str, Article],
    *,
    translation_min: float,
    paraphrase_min: float,
    limit: int = 10,
    quoted: Callable[[str, Span], bool] | None = None,
    attributed: Callable[[str, Span], bool] | None = None,
    cross_margin: float = 0.03,
) -> list[Hit]:
    """Sentences whose embedding is close to the query's: in another language a translation
    of it (cosine ≥ translation_min, and within `cross_margin` of the best one), in the
    query's language — Chinese, where the threshold was calibrated — a paraphrase (≥
    paraphrase_min). `vectors[i]` is the unit-normalised embedding of `units[i]`; the best
    `limit` of each kind are kept."""
    import numpy as np

    if not units:
        return []
    lang = query_language(query)
    cos = np.asarray(vectors, dtype=np.float32) @ np.asarray(query_vector, dtype=np.float32)
    order = np.argsort(-cos, kind="stable")
    hits: list[Hit] = []
    taken = {True: 0, False: 0}  # each kind its own `limit`: copies must not crowd out translations
    best_cross: float | None = None
    for i in order.tolist():
        u, c = units[i], float(cos[i])
        cross = u.language != lang
        if not cross and lang != "zh":
            continue  # the paraphrase threshold is calibrated on Chinese (docs/semantic.md)
        if c < (translation_min if cross else paraphrase_min):
            if c < min(translation_min, paraphrase_min):
                break
            continue
        if cross:
            # a sentence has one rendering (and its copies): other sentences well below the
            # best cross-language match are its topical neighbours, not translations
            best_cross = c if best_cross is None else best_cross
            if c < best_cross - cross_margin:
                continue
        if taken[cross] >= limit:
            continue
        taken[cross] += 1
        kind = Kind.TRANSLATION if cross else Kind.PARAPHRASE
        hits.append(_hit(u, u.sentence.span, documents[u.doc_id], articles, c, 1.0, kind, quoted, attributed))
        if taken[True] >= limit and taken[False] >= limit:
            break
    return hits
