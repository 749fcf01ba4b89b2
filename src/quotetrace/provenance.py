"""`provenance`: alignments → directed alignments with origin chains (design.md §1 orient, §4).

Why: an alignment only says two passages match; users ask where a sentence came *from*.
`orient` points every alignment from the earlier text to the later one (article date, then
document date, then textual evidence) and says which rule decided. `assign_origins` then
follows chains back to the earliest text in the corpus, so that two later texts sharing a
passage both point at its origin rather than at each other, and a reprint (an article that is
≥ 80% one other article) never stands in for the original it copies.

Pure functions over model objects; raw text is reached through `documents` for the cues.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache, lru_cache
from typing import Any

from .cues import is_attributed, is_quoted
from .dates import find_dates
from .model import Alignment, Article, Direction, Document, Kind, Side, Span

__all__ = [
    "assign_origins",
    "best_date",
    "compare_dates",
    "orient",
    "orient_all",
    "reprints",
    "sort_key",
]

REPRINT_SHARE = 0.8  # an article this much covered by one other article is a reprint of it
_OVERLAP = 0.5  # a passage is "the same passage" when this share of the shorter side overlaps
_MAX_CHAIN = 12  # longest origin chain followed (guards against cycles from unknown directions)

_SPEECH_KINDS = frozenset({"speech", "remarks", "address"})
_TRANSLATION_KINDS = frozenset({"translation"})
_KIND_RANK = {Kind.VERBATIM: 3, Kind.NEAR_VERBATIM: 2, Kind.PARAPHRASE: 1, Kind.TRANSLATION: 0}

# Events whose mention dates a text no earlier than the event (for undated texts).
_EVENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"十八大|十八届"), "2012-11-08"),
    (re.compile(r"十九大|十九届"), "2017-10-18"),
    (re.compile(r"二十大|二十届|20th (?:CPC |Party |National )*Congress"), "2022-10-16"),
    (re.compile(r"“十四五”|十四五规划|14th Five-Year"), "2020-10-29"),
    (re.compile(r"“十五五”|十五五规划|15th Five-Year"), "2025-10-23"),
)

# --------------------------------------------------------------------------- dates

_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _date_key(date: str | None) -> tuple[int, ...] | None:
    if not date:
        return None
    m = _DATE.match(date)
    if m is None:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def compare_dates(a: str | None, b: str | None) -> int | None:
    """-1 / 1 when ISO dates (or prefixes) `a` and `b` are decidedly ordered, 0 when equal,
    None when either is missing or one is a prefix of the other ("2023" vs "2023-02-21")."""
    ka, kb = _date_key(a), _date_key(b)
    if ka is None or kb is None:
        return None
    n = min(len(ka), len(kb))
    if ka[:n] != kb[:n]:
        return -1 if ka[:n] < kb[:n] else 1
    return 0 if len(ka) == len(kb) else None


def _plain(article: Article, doc: Document | None) -> bool:
    """A document that is one article: its document date is the article's date."""
    return doc is not None and article.id == doc.id


def _article_date(article: Article | None, doc: Document | None) -> str | None:
    if article is None:
        return None
    d = article.date
    if doc is not None and _plain(article, doc):
        dd = doc.meta.date
        if d is None or (dd is not None and compare_dates(d, dd) is None and len(dd) > len(d)):
            d = dd  # the manifest date is the same date, only more precise
    return d


def best_date(
    article_id: str, articles: Mapping[str, Article], documents: Mapping[str, Document], doc_id: str = ""
) -> str | None:
    """The date a text is placed at: its article date, else its document date."""
    art = articles.get(article_id)
    doc = documents.get(art.doc_id if art is not None else doc_id)
    d = _article_date(art, doc)
    if d is None and doc is not None:
        d = doc.meta.date
    return d


# --------------------------------------------------------------------------- helpers


@cache
def _space_table() -> Any:
    import numpy as np

    return np.fromiter((chr(i).isspace() for i in range(0x10000)), dtype=bool, count=0x10000)


@lru_cache(maxsize=4096)
def _nonspace_prefix(raw: str) -> Any:
    """prefix[i] = non-space characters in raw[:i], as a NumPy array (vectorised: orientation
    asks this of every document, and a per-character loop dominated it on large corpora)."""
    import numpy as np

    cp = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = np.zeros(len(cp), dtype=bool)
    bmp = cp < 0x10000
    space[bmp] = _space_table()[cp[bmp]]
    out = np.zeros(len(cp) + 1, dtype=np.int64)
    np.cumsum(~space, out=out[1:])
    return out


#: (doc id, span start, span end) → (quoted, attributed): cues depend only on the document's raw
#: text, so a caller may keep them across runs for documents that did not change.
CueCache = dict[tuple[str, int, int], tuple[bool, bool]]


class _Text:
    """Raw-text helpers with caches, one per call (keeps the functions pure)."""

    def __init__(
        self,
        articles: Mapping[str, Article],
        documents: Mapping[str, Document],
        cues: CueCache | None = None,
    ) -> None:
        self.articles = articles
        self.documents = documents
        self._prefix: dict[str, list[int]] = {}
        self._cues: CueCache = cues if cues is not None else {}

    def raw(self, doc_id: str) -> str | None:
        d = self.documents.get(doc_id)
        return d.raw if d is not None else None

    def _nonspace_prefix(self, doc_id: str) -> Any:
        if doc_id not in self._prefix:
            raw = self.raw(doc_id)
            if raw is None:
                return None
            self._prefix[doc_id] = _nonspace_prefix(raw)
        return self._prefix[doc_id]

    def nonspace(self, doc_id: str, spans: Iterable[Span]) -> int:
        """Non-space characters of `doc_id` covered by the union of `spans`."""
        pre = self._nonspace_prefix(doc_id)
        if pre is None:
            return 0
        top = len(pre) - 1
        total = 0
        for s, e in _union(spans):
            s, e = min(s, top), min(e, top)
            total += int(pre[e] - pre[s])
        return total

    def article_span(self, article_id: str, doc_id: str) -> Span | None:
        art = self.articles.get(article_id)
        if art is not None:
            return art.span
        raw = self.raw(doc_id)
        return Span(0, len(raw)) if raw is not None and article_id == doc_id else None

    def cues(self, side: Side) -> tuple[bool, bool] | None:
        """(quoted, attributed) of a side, None without raw text."""
        key = (side.doc_id, side.span.start, side.span.end)
        if key not in self._cues:
            raw = self.raw(side.doc_id)
            if raw is None or side.span.end > len(raw):
                return None
            self._cues[key] = (is_quoted(raw, side.span), is_attributed(raw, side.span))
        return self._cues[key]

    def quotation_date(self, side: Side) -> str | None:
        """The date an attribution line gives the quotation this span belongs to
        (`——在…上的讲话（2016年4月19日）` after a compilation entry), or None."""
        raw = self.raw(side.doc_id)
        art = self.article_span(side.article_id, side.doc_id)
        if raw is None:
            return None
        end = min(len(raw), side.span.end + _QUOTATION_REACH, art.end if art else len(raw))
        tail = raw[side.span.end : end]
        m = _ATTRIBUTION_LINE.search(tail)
        if m is None or _NEXT_ENTRY.search(tail[: m.start()]):
            return None
        found = find_dates(m.group(0))
        return found[0][1] if found else None

    def article_text(self, article_id: str, doc_id: str) -> str:
        raw = self.raw(doc_id)
        sp = self.article_span(article_id, doc_id)
        return sp.of(raw) if raw is not None and sp is not None else ""

    def doc_kind(self, doc_id: str) -> str:
        d = self.documents.get(doc_id)
        return (d.meta.kind or "").lower() if d is not None else ""


_QUOTATION_REACH = 600
# an attribution line: a dash-led citation of a speech/article ending in a dated bracket
_ATTRIBUTION_LINE = re.compile(r"(?m)^[ \t\u3000]*[—－-]{1,2}[^\n]{2,120}?[（(][^\n（(]{4,30}[）)][ \t]*$")
# a new compilation entry (a heading) before the attribution line: it is not ours
_NEXT_ENTRY = re.compile(r"(?m)^[ \t]*#|^[ \t]*[—－-]{1,2}")


def _union(spans: Iterable[Span]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for sp in sorted(spans):
        if sp.end <= sp.start:
            continue
        if out and sp.start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], sp.end))
        else:
            out.append((sp.start, sp.end))
    return out


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _side_key(s: Side) -> tuple[str, str, int, int]:
    return (s.doc_id, s.article_id, s.span.start, s.span.end)


def sort_key(a: Alignment) -> tuple[object, ...]:
    """Deterministic order: by source, then target, then kind."""
    return (*_side_key(a.source), *_side_key(a.target), str(a.kind))


def _strength(a: Alignment) -> tuple[int, float]:
    return (_KIND_RANK.get(a.kind, 0), a.score)


def _pair_shares(
    alignments: Sequence[Alignment], text: _Text, *, directed: bool
) -> dict[tuple[str, str], float]:
    """(article, other article) → share of article's non-space characters covered by
    alignments with the other article; `directed` counts only alignments where the
    article is the target."""
    spans: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
    for a in alignments:
        sides = [(a.target, a.source)] if directed else [(a.target, a.source), (a.source, a.target)]
        for mine, other in sides:
            if mine.article_id != other.article_id:
                spans[(mine.article_id, mine.doc_id, other.article_id)].append(mine.span)
    out: dict[tuple[str, str], float] = {}
    totals: dict[str, int] = {}
    for (art, doc, other_art), sps in spans.items():
        asp = text.article_span(art, doc)
        if asp is None:
            continue
        if art not in totals:
            totals[art] = text.nonspace(doc, [asp])
        if totals[art] == 0:
            continue
        clipped = [Span(max(s.start, asp.start), min(s.end, asp.end)) for s in sps if s.overlaps(asp)]
        out[(art, other_art)] = text.nonspace(doc, clipped) / totals[art]
    return out


def _latest_event(text: str) -> str | None:
    found = [date for pat, date in _EVENTS if pat.search(text)]
    return max(found) if found else None


# --------------------------------------------------------------------------- orient


_SALUTATION = re.compile(r"(?m)^[ \t\u3000]*(?:[^，。：\n]{0,30}[，、])?同志们[^。\n]{0,12}[：:！!]")


def _looks_like_speech(article_text: str) -> bool:
    """A speech text opens by addressing its audience (各位院士，同志们、朋友们：)."""
    return _SALUTATION.search(article_text[:600]) is not None


def _days_apart(a: str | None, b: str | None) -> int:
    """Whole days between two full ISO dates; a large number when either is not a full date."""
    import datetime as _dt

    try:
        return abs((_dt.date.fromisoformat(a or "") - _dt.date.fromisoformat(b or "")).days)
    except ValueError:
        return 1 << 30


def _decide(
    a: Alignment,
    text: _Text,
    shares: Mapping[tuple[str, str], float],
    reprint_share: float,
    publication_lag: int = 1,
) -> tuple[bool, Direction, str]:
    """(swap?, direction, rule) for one alignment: should target become the source?"""
    arts, docs = text.articles, text.documents
    sx, tx = a.source, a.target
    if sx.article_id == tx.article_id:
        swap = sx.span.start > tx.span.start
        return swap, Direction.UNKNOWN, "same article"
    s_art, t_art = arts.get(sx.article_id), arts.get(tx.article_id)
    s_doc, t_doc = docs.get(sx.doc_id), docs.get(tx.doc_id)
    # 1. article dates — but a day apart is within a newspaper's publication lag (a speech
    # given on the 24th is printed on the 25th, its Xinhua readout dated the 24th), so there
    # the quotation/attribution evidence, when it is clear, outranks the dates.
    s_date, t_date = _article_date(s_art, s_doc), _article_date(t_art, t_doc)
    # a quotation in a compilation carries its own (earlier) date on its attribution line
    # (only where it clearly predates the other text: the quoted original, printed a day
    # later, is still the source, not the compilation that quotes it)
    s_q, t_q = text.quotation_date(sx), text.quotation_date(tx)
    by_quotation = False
    # an undated text is at least as late as the latest event it mentions (党的二十大 …)
    t_floor = (
        t_date
        or best_date(tx.article_id, arts, docs, tx.doc_id)
        or _latest_event(text.article_text(tx.article_id, tx.doc_id))
    )
    s_floor = (
        s_date
        or best_date(sx.article_id, arts, docs, sx.doc_id)
        or _latest_event(text.article_text(sx.article_id, sx.doc_id))
    )
    if s_q is not None and compare_dates(s_q, t_floor) == -1 and _days_apart(s_q, t_floor) > publication_lag:
        s_date, by_quotation = s_q, True
        t_date = t_date or t_floor
    elif (
        t_q is not None and compare_dates(t_q, s_floor) == -1 and _days_apart(t_q, s_floor) > publication_lag
    ):
        t_date, by_quotation = t_q, True
        s_date = s_date or s_floor
    c = compare_dates(s_date, t_date)
    if c in (-1, 1) and _days_apart(s_date, t_date) <= publication_lag:
        s_speech = _looks_like_speech(text.article_text(sx.article_id, sx.doc_id))
        t_speech = _looks_like_speech(text.article_text(tx.article_id, tx.doc_id))
        sc, tc = text.cues(sx), text.cues(tx)
        if (
            s_speech != t_speech
            and sc is not None
            and tc is not None
            and sc[1] != tc[1]
            and ((t_speech and sc[1]) or (s_speech and tc[1]))
        ):
            return t_speech, Direction.INFERRED, "attributed in target (dates within publication lag)"
    if c in (-1, 1):
        return c == 1, Direction.DATED, ("quotation date" if by_quotation else "article date")
    # 2. document dates (an undated article of a bundle takes its bundle's date)
    s_best = best_date(sx.article_id, arts, docs, sx.doc_id)
    t_best = best_date(tx.article_id, arts, docs, tx.doc_id)
    c = compare_dates(s_best, t_best)
    if c in (-1, 1):
        return c == 1, Direction.DATED, "document date"
    # 3. evidence: the quoted / attributed side is the reuser
    sc, tc = text.cues(sx), text.cues(tx)
    if sc is not None and tc is not None:
        if sc[0] != tc[0]:
            return sc[0], Direction.INFERRED, "quoted in target"
        if sc[1] != tc[1]:
            return sc[1], Direction.INFERRED, "attributed in target"
    # 4. a speech is the source of readouts, reprints, commentaries, policies, translations
    sk, tk = text.doc_kind(sx.doc_id), text.doc_kind(tx.doc_id)
    if (sk in _SPEECH_KINDS) != (tk in _SPEECH_KINDS):
        return tk in _SPEECH_KINDS, Direction.INFERRED, "speech is source"
    # 5. a reprint (≥ 80% the other article) is the reuser
    s_share = shares.get((sx.article_id, tx.article_id), 0.0)
    t_share = shares.get((tx.article_id, sx.article_id), 0.0)
    if (s_share >= reprint_share) != (t_share >= reprint_share):
        return s_share >= reprint_share, Direction.INFERRED, "reprint"
    # 6. a translation is the reuser of the original-language text
    if (sk in _TRANSLATION_KINDS) != (tk in _TRANSLATION_KINDS):
        return sk in _TRANSLATION_KINDS, Direction.INFERRED, "translation is reuser"
    # 7. an undated text that mentions an event after the other text's date is later
    if (s_best is None) != (t_best is None):
        undated, dated_best = (sx, t_best) if s_best is None else (tx, s_best)
        ev = _latest_event(text.article_text(undated.article_id, undated.doc_id))
        if ev is not None and compare_dates(ev, dated_best) == 1:
            return undated is sx, Direction.INFERRED, "mentions later event"
    # 8. nothing decided: a deterministic order
    return _side_key(sx) > _side_key(tx), Direction.UNKNOWN, "undecided"


def _with_target_cues(a: Alignment, text: _Text, swapped: bool) -> Alignment:
    cues = text.cues(a.target)
    if cues is not None:
        return replace(a, quoted=cues[0], attributed=cues[1])
    if swapped:  # the old flags described the other side; unknown now
        return replace(a, quoted=False, attributed=False)
    return a


_RULE_RANK = {
    "article date": 0,
    "quotation date": 0,
    "attributed in target (dates within publication lag)": 0,
    "document date": 1,
    "quoted in target": 2,
    "attributed in target": 3,
    "speech is source": 4,
    "reprint": 5,
    "translation is reuser": 6,
    "mentions later event": 7,
    "undecided": 9,
}
TRANSITIVITY = "transitivity"


def _reaches(succ: Mapping[str, set[str]], start: str, goal: str) -> bool:
    seen = {start}
    stack = [start]
    while stack:
        x = stack.pop()
        if x == goal:
            return True
        for y in succ.get(x, ()):
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return False


def _pair_order(
    proposals: Sequence[tuple[str, str, Direction, str]],
) -> dict[tuple[str, str], tuple[str, str, Direction, str]]:
    """One acyclic order of articles from per-alignment proposals (src, tgt, direction, rule).

    An article is published once, so the reuse order between articles is a partial order:
    per pair the strongest rule wins (majority within it), then pairs are added strongest
    first and a pair that would close a cycle is turned round ("transitivity")."""
    votes: dict[tuple[str, str], dict[tuple[str, str], list[tuple[int, Direction, str]]]] = {}
    for src, tgt, direction, rule in proposals:
        key = (min(src, tgt), max(src, tgt))
        votes.setdefault(key, {}).setdefault((src, tgt), []).append(
            (_RULE_RANK.get(rule, 8), direction, rule)
        )
    chosen: list[tuple[int, tuple[str, str], tuple[str, str], Direction, str]] = []
    for key, by_dir in votes.items():
        best = min(v[0] for vs in by_dir.values() for v in vs)
        ranked = sorted(
            (-sum(1 for v in vs if v[0] == best), edge)
            for edge, vs in by_dir.items()
            if any(v[0] == best for v in vs)
        )
        edge = ranked[0][1]
        _, direction, rule = min(v for v in by_dir[edge] if v[0] == best)
        chosen.append((best, key, edge, direction, rule))
    succ: dict[str, set[str]] = defaultdict(set)
    out: dict[tuple[str, str], tuple[str, str, Direction, str]] = {}
    for _rank, key, (src, tgt), direction, rule in sorted(chosen, key=lambda c: (c[0], c[1])):
        if _reaches(succ, tgt, src):
            src, tgt = tgt, src
            direction, rule = Direction.INFERRED, TRANSITIVITY
        succ[src].add(tgt)
        out[key] = (src, tgt, direction, rule)
    return out


def orient(
    alignments: Iterable[Alignment],
    articles: Mapping[str, Article],
    documents: Mapping[str, Document],
    *,
    reprint_share: float = REPRINT_SHARE,
    cues: CueCache | None = None,
) -> list[Alignment]:
    """Point each alignment from the earlier text to the later one.

    Rules, first decisive one wins (its name goes to `direction_rule`): "article date",
    "document date" (`direction` = dated); "quoted in target", "attributed in target",
    "speech is source", "reprint", "translation is reuser", "mentions later event"
    (`direction` = inferred); else "undecided" / "same article" (`direction` = unknown,
    ordered by document id and offset). Articles are then kept in one acyclic order: all
    alignments between two articles point the same way, and a weakly decided pair that
    would close a cycle is turned round ("transitivity", inferred). `quoted` / `attributed`
    are recomputed for the target from the raw text when the document is available.
    """
    items = list(alignments)
    text = _Text(articles, documents, cues)
    shares = _pair_shares(items, text, directed=False)
    decided = [_decide(a, text, shares, reprint_share) for a in items]
    proposals = []
    for a, (swap, direction, rule) in zip(items, decided, strict=True):
        # a dated quotation is a passage-level fact: it does not vote on its articles' order
        if a.source.article_id != a.target.article_id and rule != "quotation date":
            first, second = (a.target, a.source) if swap else (a.source, a.target)
            proposals.append((first.article_id, second.article_id, direction, rule))
    order = _pair_order(proposals)
    out: list[Alignment] = []
    for a, (swap, direction, rule) in zip(items, decided, strict=True):
        x, y = a.source.article_id, a.target.article_id
        if x != y and rule != "quotation date" and (min(x, y), max(x, y)) in order:
            src, _tgt, p_direction, p_rule = order[(min(x, y), max(x, y))]
            own_src = y if swap else x
            if own_src != src:  # this alignment's own evidence was outvoted by the pair's
                swap, direction, rule = not swap, p_direction, p_rule
        b = replace(a, source=a.target, target=a.source) if swap else a
        b = replace(b, direction=direction, direction_rule=rule)
        out.append(_with_target_cues(b, text, swap))
    return sorted(out, key=sort_key)


# --------------------------------------------------------------------------- origins


def reprints(
    alignments: Iterable[Alignment],
    articles: Mapping[str, Article],
    documents: Mapping[str, Document],
    *,
    share: float = REPRINT_SHARE,
) -> dict[str, tuple[str, float]]:
    """article id → (source article id, covered share) for every article that is at least
    `share` covered, as a target, by alignments from one other article (oriented input).
    Ties go to the earlier source, then the smaller id."""
    items = list(alignments)
    text = _Text(articles, documents)
    out: dict[str, tuple[str, float]] = {}
    for (art, other), s in sorted(_pair_shares(items, text, directed=True).items()):
        if s + 1e-12 < share:
            continue
        cur = out.get(art)
        if cur is None or s > cur[1] + 1e-9:
            out[art] = (other, s)
        elif abs(s - cur[1]) <= 1e-9:
            d_new = best_date(other, articles, documents)
            d_old = best_date(cur[0], articles, documents)
            if compare_dates(d_new, d_old) == -1:
                out[art] = (other, s)
    return out


def _compose(span: Span, b: Alignment) -> Span:
    """Map `span` (in b's target) onto b's source through their overlap, proportionally."""
    t, s = b.target.span, b.source.span
    x0, x1 = max(span.start, t.start), min(span.end, t.end)
    if x1 <= x0 or len(t) == 0:
        return s
    r = len(s) / len(t)
    lo = s.start + round((x0 - t.start) * r)
    hi = s.start + round((x1 - t.start) * r)
    lo = min(max(lo, s.start), s.end)
    hi = min(max(hi, lo), s.end)
    return Span(lo, hi)


def _same_passage(a: Span, b: Span) -> bool:
    shorter = min(len(a), len(b))
    return shorter > 0 and _overlap(a, b) >= _OVERLAP * shorter


class _Chains:
    """Parent links between alignments: the alignment that brought a source passage in."""

    def __init__(self, alignments: Sequence[Alignment]) -> None:
        self.incoming: dict[str, list[Alignment]] = defaultdict(list)
        for a in alignments:
            self.incoming[a.target.article_id].append(a)
        self._root: dict[int, tuple[Side, list[Side]] | None] = {}

    def parent(self, side: Side, avoid: set[str]) -> Side | None:
        """Where `side`'s passage came from: the source article whose alignments into
        side's article cover most of it (at least half), with the span composed through
        them; None when the passage is not (mostly) a reuse."""
        groups: dict[tuple[str, str], list[Alignment]] = defaultdict(list)
        for b in self.incoming.get(side.article_id, ()):
            if b.source.article_id in avoid or b.source.article_id == side.article_id:
                continue
            if b.kind not in (Kind.VERBATIM, Kind.NEAR_VERBATIM):
                continue  # a reworded passage is not the same passage: no chain through it
            if b.target.span.overlaps(side.span):
                groups[(b.source.doc_id, b.source.article_id)].append(b)
        best: tuple[tuple[object, ...], Side] | None = None
        for (doc_id, art_id), bs in sorted(groups.items()):
            covered = sum(
                e - s
                for s, e in _union(
                    Span(max(b.target.span.start, side.span.start), min(b.target.span.end, side.span.end))
                    for b in bs
                )
            )
            if covered < _OVERLAP * max(1, len(side.span)):
                continue
            pieces = [_compose(side.span, b) for b in bs]
            composed = Span(min(p.start for p in pieces), max(p.end for p in pieces))
            key = (covered, max(_strength(b) for b in bs))
            if best is None or key > best[0]:
                best = (key, Side(doc_id, art_id, composed))
        return best[1] if best is not None else None

    def root(self, a: Alignment) -> tuple[Side, list[Side]] | None:
        """(earliest occurrence of a's source passage, intermediates from a.source back),
        or None when a's source is itself the origin."""
        k = id(a)
        if k in self._root:
            return self._root[k]
        side = a.source
        chain: list[Side] = []
        avoid = {a.target.article_id, a.source.article_id}
        for _ in range(_MAX_CHAIN):
            up = self.parent(side, avoid)
            if up is None:
                break
            chain.append(side)
            side = up
            avoid.add(side.article_id)
        res = (side, chain) if chain else None
        self._root[k] = res
        return res


def assign_origins(
    alignments: Iterable[Alignment],
    articles: Mapping[str, Article],
    documents: Mapping[str, Document],
    *,
    reprint_share: float = REPRINT_SHARE,
) -> list[Alignment]:
    """Follow oriented alignments back to the earliest text in the corpus.

    For an alignment s → t whose source passage came into s from an earlier text o:
    - t also has the passage straight from o: s → t links two reusers and is dropped; when
      the evidence says t took it through s (s is a reprint in t's own bundle, or t agrees
      better with s's variant than with o's: a stronger kind or a higher score) the o → t
      alignment records s in `via`;
    - t has it only from s and s is a reprint: it is re-pointed to o (span composed through
      the overlap) with s in `via` — a reprint never stands in for its original;
    - otherwise s → t stays (t follows s's variant) and `origin` names the passage in o.
    """
    items = sorted(alignments, key=sort_key)
    rep = reprints(items, articles, documents, share=reprint_share)
    chains = _Chains(items)
    roots = {id(a): chains.root(a) for a in items}

    # direct alignments (source is the origin) by target article
    direct: dict[str, list[Alignment]] = defaultdict(list)
    for a in items:
        if roots[id(a)] is None:
            direct[a.target.article_id].append(a)

    dropped: set[int] = set()
    via_for: dict[int, tuple[tuple[object, ...], Side]] = {}
    replaced: dict[int, Alignment] = {}
    for a in items:
        r = roots[id(a)]
        if r is None:
            continue
        origin, _chain = r
        s, t = a.source, a.target
        twin = None
        for c in direct.get(t.article_id, ()):
            if c is a or c.source.article_id != origin.article_id:
                continue
            if _same_passage(c.target.span, t.span) and _near(c.source.span, origin.span):
                twin = c
                break
        if twin is not None:
            dropped.add(id(a))
            # a reprint in the reuser's own bundle is where the bundle took it from
            same_doc = s.doc_id == t.doc_id and origin.doc_id != t.doc_id and s.article_id in rep
            # (only through a text known to be no later: a reprint dated 2023 (《求是》2023年第15期)
            # may have appeared after a commentary of 2023-03-06 that quotes the speech)
            s_date = best_date(s.article_id, articles, documents, s.doc_id)
            t_date = best_date(t.article_id, articles, documents, t.doc_id)
            if compare_dates(s_date, t_date) not in (-1, 0):
                continue
            if same_doc or _strength(a) > _strength(twin):
                key = (not same_doc, tuple(-x for x in _strength(a)), _side_key(s))
                if id(twin) not in via_for or key < via_for[id(twin)][0]:
                    via_for[id(twin)] = (key, s)
            continue
        o_date = best_date(origin.article_id, articles, documents, origin.doc_id)
        t_date = best_date(t.article_id, articles, documents, t.doc_id)
        if compare_dates(o_date, t_date) == 1:
            continue  # the chain would point backwards in time: leave a as it is
        if s.article_id in rep and len(origin.span) > 0:
            replaced[id(a)] = replace(a, source=origin, via=s, origin=None)
        else:
            replaced[id(a)] = replace(a, origin=origin)

    out: dict[tuple[object, ...], Alignment] = {}
    for a in items:
        if id(a) in dropped:
            continue
        b = replaced.get(id(a), a)
        if id(a) in via_for and b.via is None:
            b = replace(b, via=via_for[id(a)][1])
        pair_key = (*_side_key(b.source), *_side_key(b.target))
        if pair_key not in out or _strength(b) > _strength(out[pair_key]):
            out[pair_key] = b
    return sorted(out.values(), key=sort_key)


def _near(a: Span, b: Span) -> bool:
    """Spans of the same passage, allowing for proportional composition error."""
    slack = max(10, len(b) // 5)
    return a.start < b.end + slack and b.start < a.end + slack


def orient_all(
    alignments: Iterable[Alignment],
    articles: Mapping[str, Article],
    documents: Mapping[str, Document],
    *,
    reprint_share: float = REPRINT_SHARE,
    cues: CueCache | None = None,
) -> list[Alignment]:
    """`orient`, then `assign_origins`, then `drop_reuser_links`: sorted, deterministic provenance.

    `cues`, if given, is read and filled: pass the cues of an earlier run for the documents
    that did not change and only new spans are examined."""
    oriented = orient(alignments, articles, documents, reprint_share=reprint_share, cues=cues)
    chained = assign_origins(oriented, articles, documents, reprint_share=reprint_share)
    return drop_reuser_links(chained)


def drop_reuser_links(alignments: Sequence[Alignment], *, share: float = _OVERLAP) -> list[Alignment]:
    """Drop an alignment between two texts when a third text is the source of that passage in
    both (o → s and o → t cover its two sides): s and t are fellow reusers of o, whichever way
    the two were oriented. assign_origins catches this along verbatim chains; this catches it
    when a side reached the passage by rewording (a policy paraphrasing the speech that a
    reprint copies), so no edge links two reusers of a passage whose origin is in the corpus."""
    into: dict[str, list[Alignment]] = defaultdict(list)
    for a in alignments:
        if a.kind != Kind.TRANSLATION:
            into[a.target.article_id].append(a)

    rank = {Kind.VERBATIM: 2, Kind.NEAR_VERBATIM: 1, Kind.PARAPHRASE: 0}

    def fed_by(side: Side, source_article: str, at_least: int) -> bool:
        for b in into.get(side.article_id, ()):
            if (
                b.source.article_id == source_article
                and rank.get(b.kind, 0) >= at_least
                and _overlap(b.target.span, side.span) >= share * max(1, len(side.span))
            ):
                return True
        return False

    out = []
    for a in alignments:
        if a.kind == Kind.TRANSLATION:
            out.append(a)
            continue
        # only a third text that carries the passage at least as faithfully as a does: when t
        # agrees verbatim with s but only rewords o, t took it from s
        need = rank.get(a.kind, 0)
        feeders = {
            b.source.article_id
            for b in into.get(a.target.article_id, ())
            if b is not a
            and b.source.article_id not in (a.source.article_id, a.target.article_id)
            and rank.get(b.kind, 0) >= need
            and _overlap(b.target.span, a.target.span) >= share * max(1, len(a.target.span))
        }
        if any(fed_by(a.source, o, need) for o in sorted(feeders)):
            continue
        out.append(a)
    return out
