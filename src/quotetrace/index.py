"""`index`: sentences → candidate pairs, through an inverted index of shingles.

Why: comparing every sentence with every other is quadratic; a shingle shared by two
sentences of different articles is the evidence that makes a pair worth verifying.
Everything here is NumPy over one flat array of code points, so a million sentences
index in seconds: k-gram hashes are rolled in vector operations, grouped with one sort,
and pairs are produced per group size with broadcasting, never per pair in Python.

Shingles too common to be evidence are dropped by document frequency (in the corpus
itself, and in a shipped background table of stock phrases learned from independent
official texts — see tools/build_stock_ngrams.py).
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

import numpy as np

from .model import ParsedArticle, Role, Sentence

_P = np.uint64(1_000_003)


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence prepared for matching: its compact key and where each key char sits in raw."""

    idx: int
    doc_id: str
    article_id: str
    article_idx: int
    sentence: Sentence
    key: str  # alphanumeric characters of the normalised sentence, lower-cased
    raw_pos: np.ndarray  # raw offset of each key character (int64)
    language: str


@dataclass(frozen=True, slots=True)
class Candidate:
    a: int  # unit index (a < b)
    b: int
    shared: int  # informative shingles the two share (lexical) or 0 (other channels)
    channel: str = "lexical"


@cache
def _fold_pairs() -> dict[int, int]:
    """Traditional → Simplified characters (shipped data, built by tools/build_script_fold.py);
    empty if the file is missing."""
    try:
        ref = resources.files("quotetrace") / "data" / "t2s_chars.txt"
        text = ref.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            t, simp = line.split("\t")
            out[ord(t)] = ord(simp)
    return out


@cache
def _fold_table() -> np.ndarray:
    """Code point → key code point for the BMP: lower-cased one character at a time (the first
    code point of `str.lower`, as `compact` does: 'Σ' is always 'σ', 'İ' is 'i'), then
    Traditional folded to Simplified."""
    table = np.fromiter((ord(chr(i).lower()[0]) for i in range(0x10000)), dtype=np.uint32, count=0x10000)
    for t, simp in _fold_pairs().items():
        table[t] = simp
    return table


def fold_script(key: str) -> str:
    """A key with Traditional characters folded to Simplified ones, one for one (offsets keep
    their meaning): a Hong Kong or Taiwan reprint has the keys of the mainland original."""
    return key.translate(_fold_pairs())


def compact(text: str) -> tuple[str, list[int]]:
    """Keep letters and digits (CJK ideographs included), lower-cased and script-folded
    (`fold_script`), with their positions."""
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            chars.append(ch.lower()[0])  # one code point per character: offsets stay aligned
            pos.append(i)
    return fold_script("".join(chars)), pos


@cache
def _alnum_table() -> np.ndarray:
    """is-alphanumeric for every BMP code point (CJK ideographs included), computed once."""
    return np.fromiter((chr(i).isalnum() for i in range(0x10000)), dtype=bool, count=0x10000)


def _compact_article(text: str) -> tuple[np.ndarray, str]:
    """Positions of the alphanumeric characters of `text` and those characters lower-cased and
    script-folded (`fold_script`).

    Vectorised over the whole article: one code-point array and a lookup table instead of a
    Python loop per character (make_units is on the hot path of every trace)."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    table = _alnum_table()
    bmp = cps < 0x10000
    mask = np.zeros(len(cps), dtype=bool)
    mask[bmp] = table[cps[bmp]]
    if not bmp.all():  # astral characters: ask Python
        for i in np.nonzero(~bmp)[0]:
            mask[i] = text[i].isalnum()
    pos = np.nonzero(mask)[0]
    sel = cps[pos]
    astral = sel >= 0x10000
    sel = np.where(astral, sel, _fold_table()[sel & 0xFFFF])
    for i in np.nonzero(astral)[0]:  # astral letters: lower-case in Python (the fold has none)
        sel[i] = ord(chr(int(sel[i])).lower()[0])
    return pos, sel.astype(np.uint32).tobytes().decode("utf-32-le")


def make_units(articles: Sequence[ParsedArticle], languages: dict[str, str] | None = None) -> list[Unit]:
    """Every sentence of every article becomes a unit, except the article's own title and
    source line (a heading inside an article — e.g. a quotation heading in a compilation —
    and a ※ note can be reuse; the title and 来源 line of the article are not)."""
    units: list[Unit] = []
    for ai, pa in enumerate(articles):
        lang = (languages or {}).get(pa.article.doc_id, "zh")
        text = pa.norm.text
        if not pa.sentences:
            continue
        pos, key = _compact_article(text)
        to_raw = np.asarray(pa.norm.to_raw, dtype=np.int64)
        raw_of_key = to_raw[pos]
        skip = [sp for sp in (pa.article.title_span, pa.article.source_span) if sp is not None]
        # a bibliographic reference (Author (2023). "Title". URL) is cited, not written: skip
        # every sentence of its paragraph
        references = {s.paragraph for s in pa.sentences if _REFERENCE.search(text[s.norm.start : s.norm.end])}
        for s in pa.sentences:
            if s.role != Role.BODY and any(s.span.overlaps(sp) for sp in skip):
                continue
            if s.paragraph in references:
                continue
            if s.role == Role.SOURCE and _is_citation_line(text[s.norm.start : s.norm.end]):
                continue
            k0 = int(np.searchsorted(pos, s.norm.start, side="left"))
            k1 = int(np.searchsorted(pos, s.norm.end, side="left"))
            if k1 <= k0:
                continue
            ukey = key[k0:k1]
            units.append(
                Unit(
                    len(units),
                    pa.article.doc_id,
                    pa.article.id,
                    ai,
                    s,
                    ukey,
                    raw_of_key[k0:k1],
                    _script(ukey, lang),
                )
            )
    return units


def _script(key: str, default: str) -> str:
    """A sentence's language by its script: mostly Han characters is Chinese whatever the
    document's language (a Chinese title in an English translation, a quoted original)."""
    han = sum(1 for ch in key if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    if han >= 0.5 * len(key):
        return "zh"
    return "en" if default == "zh" and han == 0 and any("a" <= ch <= "z" for ch in key) else default


_CITATION_START = ("—", "－", "(来源", "（来源", "来源", "摘自", "(摘自", "（摘自", "Source:")


_REFERENCE = re.compile(r"https?://|\(\d{4}\)\.\s*[\"“]|Original work published", re.IGNORECASE)


def _is_citation_line(text: str) -> bool:
    """Attribution and source lines (——在…上的讲话（date）, 来源：…) cite a text; they are
    not part of it. ※ notes stay: they are sentences of the text."""
    return text.lstrip().startswith(_CITATION_START)


@cache
def curated_grams() -> frozenset[str]:
    """Every 6-gram of the curated boilerplate (data/stock_phrases.txt): whole formulas, so
    the aligner treats each character inside one as stock (see align._evidence_mask)."""
    try:
        lines = (
            (resources.files("quotetrace") / "data" / "stock_phrases.txt")
            .read_text(encoding="utf-8")
            .splitlines()
        )
    except (FileNotFoundError, OSError):
        return frozenset()
    grams: set[str] = set()
    for line in lines:
        if line.strip() and not line.startswith("#"):
            key, _ = compact(line.strip())
            grams.update(key[i : i + 6] for i in range(len(key) - 5))
    return frozenset(grams)


@cache
def stock_grams() -> frozenset[str]:
    """Background stock 6-grams (shipped data): those learned from reference documents
    (tools/build_stock_ngrams.py) and every 6-gram of the curated boilerplate in
    data/stock_phrases.txt. Empty if the files are missing."""
    grams: set[str] = set()
    data = resources.files("quotetrace") / "data"
    try:
        with (data / "stock_6grams.txt.gz").open("rb") as fh, gzip.open(fh, "rt", encoding="utf-8") as g:
            grams.update(line.strip() for line in g if line.strip() and not line.startswith("#"))
    except (FileNotFoundError, OSError):
        pass
    return frozenset(grams | curated_grams())


def only_set_phrases(text: str, k: int = 6) -> bool:
    """Every k-character stretch of the text is a background stock phrase (加强基础研究,
    科技自立自强): the index does not trace it, as no one text can be its source."""
    key, _ = compact(text)
    stock = stock_grams()
    return len(key) >= k and all(key[i : i + k] in stock for i in range(len(key) - k + 1))


def _codepoints(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All keys concatenated as uint64 code points, plus each key's start offset."""
    joined = "".join(keys)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    starts = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return cps, starts


def shingle_hashes(keys: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hash, unit, position) of every k-gram that lies inside one key."""
    cps, starts = _codepoints(keys)
    n = len(cps)
    if n < k:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.uint64), empty, empty
    m = n - k + 1
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _P + cps[j : j + m]
    owner = np.repeat(np.arange(len(keys), dtype=np.int64), np.diff(starts))
    valid = owner[:m] == owner[k - 1 : k - 1 + m]
    idx = np.nonzero(valid)[0]
    unit = owner[idx]
    pos = idx - starts[unit]
    return h[idx], unit, pos


def _hash_strings(grams: Iterable[str], k: int) -> np.ndarray:
    grams = [g for g in grams if len(g) == k]
    if not grams:
        return np.zeros(0, dtype=np.uint64)
    h, _, _ = shingle_hashes(grams, k)
    return np.unique(h)


@cache
def _stock_hashes(k: int) -> np.ndarray:
    return _hash_strings(stock_grams(), k) if k == 6 else np.zeros(0, dtype=np.uint64)


def _pairs_in_groups(members: np.ndarray, group_start: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """All (i, j), i < j, index pairs inside each group, vectorised per group size."""
    out = []
    for s in np.unique(sizes):
        if s < 2:
            continue
        starts = group_start[sizes == s]
        block = members[starts[:, None] + np.arange(s)[None, :]]  # (groups, s)
        iu, ju = np.triu_indices(int(s), k=1)
        out.append(np.stack([block[:, iu].ravel(), block[:, ju].ravel()], axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(out)


def mix(h: np.ndarray) -> np.ndarray:
    """A bijection of uint64 (the splitmix64 finaliser) that spreads every bit of a hash over
    all 64: the rolling hash leaves the last characters of a k-gram in its low bits, and
    hash_order needs the high bits to tell k-grams apart. Equal in, equal out."""
    x = np.asarray(h, dtype=np.uint64).copy()
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def hash_order(h: np.ndarray) -> np.ndarray:
    """The permutation a stable argsort of `h` gives (by hash, then position), several times
    faster: the positions are packed into the low bits of the hashes, so a plain sort of one
    uint64 array does the work. Hashes that agree in their high bits but differ in full
    (rare) are put right segment by segment."""
    n = len(h)
    bits = max(1, int(n - 1).bit_length())
    if n < 2 or bits > 40:
        return np.argsort(h, kind="stable")
    mask = np.uint64((1 << bits) - 1)
    packed = (h & ~mask) | np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & mask).astype(np.int64)
    hs = h[order]
    down = np.nonzero(hs[1:] < hs[:-1])[0]
    if len(down):
        high = hs & ~mask
        done = -1
        for p in down.tolist():
            if p <= done:
                continue
            lo = int(np.searchsorted(high, high[p], side="left"))
            hi = int(np.searchsorted(high, high[p], side="right"))
            seg = order[lo:hi]
            order[lo:hi] = seg[np.argsort(h[seg], kind="stable")]
            done = hi - 1
    return order


@dataclass(frozen=True)
class ShingleIndex:
    """All k-gram postings of a set of units, sorted by mixed hash (`mix` of shingle_hashes'):
    one posting per (hash, unit). In memory only; the persistent index keeps plain hashes."""

    k: int
    hashes: np.ndarray  # uint64 mix(hash), sorted
    units: np.ndarray  # int64, aligned with hashes

    @classmethod
    def build(cls, units: Sequence[Unit], *, k: int = 6) -> ShingleIndex:
        h, unit, _pos = shingle_hashes([u.key for u in units], k)
        h = mix(h)
        # units come in ascending order, so a stable sort by hash sorts by (hash, unit)
        order = hash_order(h)
        h, unit = h[order], unit[order]
        keep = np.ones(len(h), dtype=bool)
        keep[1:] = (h[1:] != h[:-1]) | (unit[1:] != unit[:-1])
        return cls(k, h[keep], unit[keep])

    def postings(self, gram_hash: int) -> np.ndarray:
        """Units holding the k-gram of this (plain, shingle_hashes) hash."""
        m = mix(np.array([gram_hash], dtype=np.uint64))[0]
        lo = np.searchsorted(self.hashes, m, side="left")
        hi = np.searchsorted(self.hashes, m, side="right")
        return self.units[lo:hi]

    def units_with(self, text: str, *, probes: int = 3) -> np.ndarray:
        """Units whose key (very likely) contains `text`: the intersection of the postings of
        a few of its k-grams (first, middle, last). Verify with `in` where it matters."""
        if len(text) < self.k:
            return np.zeros(0, dtype=np.int64)
        h, _, _ = shingle_hashes([text], self.k)
        picks = np.unique(np.linspace(0, len(h) - 1, num=min(probes, len(h))).astype(int))
        result: np.ndarray | None = None
        for i in picks:
            p = self.postings(int(h[i]))
            result = p if result is None else np.intersect1d(result, p, assume_unique=False)
            if len(result) == 0:
                break
        return np.unique(result) if result is not None else np.zeros(0, dtype=np.int64)


def lexical_candidates(
    units: Sequence[Unit],
    *,
    k: int = 6,
    max_postings: int = 64,
    max_df: float = 0.5,
    min_shared: int = 2,
    min_df_articles: int = 8,
    shingles: ShingleIndex | None = None,
) -> list[Candidate]:
    """Pairs of units in different articles that share at least `min_shared` informative k-grams.

    A k-gram is uninformative when it is a background stock phrase, when it occurs in more
    than `max_postings` units, or — in corpora of at least `min_df_articles` articles — in
    more than `max_df` of the articles.
    """
    if not units:
        return []
    idx = shingles if shingles is not None and shingles.k == k else ShingleIndex.build(units, k=k)
    h, unit = idx.hashes, idx.units
    if len(h) == 0:
        return []
    lang_zh = np.fromiter((u.language == "zh" for u in units), dtype=bool, count=len(units))
    art = np.fromiter((u.article_idx for u in units), dtype=np.int64, count=len(units))
    stock = mix(_stock_hashes(k))
    if len(stock):
        not_stock = ~(np.isin(h, stock) & lang_zh[unit])
        h, unit = h[not_stock], unit[not_stock]
    if len(h) == 0:
        return []
    change = np.ones(len(h), dtype=bool)
    change[1:] = h[1:] != h[:-1]
    group_start = np.nonzero(change)[0]
    sizes = np.diff(np.append(group_start, len(h)))
    limit = max_postings
    n_articles = int(art.max()) + 1
    ok = (sizes >= 2) & (sizes <= limit)
    if n_articles >= min_df_articles:
        # distinct articles per group: count article changes inside the group
        a_sorted = art[unit]
        # sizes <= limit, so a small per-group check through sorting by (group, article)
        gid = np.repeat(np.arange(len(group_start)), sizes)
        # within a group units ascend, and article numbers ascend with units: already sorted
        ga, aa = gid, a_sorted
        newart = np.ones(len(ga), dtype=bool)
        newart[1:] = (ga[1:] != ga[:-1]) | (aa[1:] != aa[:-1])
        n_art = np.bincount(ga[newart], minlength=len(group_start))
        ok &= n_art <= max(2, math.floor(max_df * n_articles))
    pairs = _pairs_in_groups(unit, group_start[ok], sizes[ok])
    if len(pairs) == 0:
        return []
    a, b = pairs[:, 0], pairs[:, 1]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    diff_art = art[lo] != art[hi]
    lo, hi = lo[diff_art], hi[diff_art]
    pair_key = lo * np.int64(len(units)) + hi
    uniq, counts = np.unique(pair_key, return_counts=True)
    sel = counts >= min_shared
    uniq, counts = uniq[sel], counts[sel]
    n = np.int64(len(units))
    return [
        Candidate(int(x // n), int(x % n), int(c))
        for x, c in zip(uniq.tolist(), counts.tolist(), strict=True)
    ]


_FUNCTION_CHARS = frozenset(
    "的了和与及并而或也又都就才还在于对把被将从向以为由因所之其这那是有不要会能可等个些各每我你他她它们着过地得"
)


_PACK_LIMIT = 1 << 22  # unit positions that fit beside a 42-bit bigram code in one uint64


class KeyedUnit(Protocol):
    """What the paraphrase channel reads of a unit (a `Unit`, or a clause of semantic_align)."""

    @property
    def idx(self) -> int: ...
    @property
    def article_idx(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def language(self) -> str: ...


def paraphrase_candidates(
    units: Sequence[KeyedUnit],
    *,
    exclude: Iterable[tuple[int, int]] = (),
    min_shared: int = 4,
    min_weight: float = 0.4,
    max_postings: int = 16,
    focus: Iterable[int] | None = None,
    whole: Sequence[bool] | None = None,
) -> list[Candidate]:
    """The paraphrase channel: pairs of units in different articles whose content bigrams
    (character bigrams without function characters — the standard stand-in for Chinese words
    in retrieval, and vectorisable where a word segmenter is not) overlap by IDF weight, so
    reworded reuse (reordered lists, swapped synonyms) is proposed even when no 6-gram
    survives. `weight` = IDF of the shared bigrams over the larger of the two units' IDF totals
    (both sentences must be mostly shared); bigrams in more than `max_postings` units are no
    evidence. Like the lexical channel: grouped postings, never all pairs. With `focus`
    (unit positions), only the pairs that involve one of them: the same pairs and weights as
    the whole run gives them (the statistics still come from every unit), for an update.
    With `whole` (per unit position), only pairs with a `whole` unit on one side, weighted by
    that unit's own IDF total: a short sentence contained, reworded, in a clause of another
    text (the clause channel of semantic_align)."""
    zh = [u for u in units if u.language == "zh" and len(u.key) >= 10]
    positions = np.fromiter((u.idx for u in zh), dtype=np.int64, count=len(zh))
    h, which = content_bigrams([u.key for u in zh])
    return paraphrase_from_bigrams(
        h,
        positions[which],
        len(zh),
        positions,
        np.fromiter((u.article_idx for u in zh), dtype=np.int64, count=len(zh)),
        len(units),
        exclude=exclude,
        min_shared=min_shared,
        min_weight=min_weight,
        max_postings=max_postings,
        focus=focus,
        whole=whole,
    )


def content_bigrams(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(code, key number) of every content bigram inside each key: two Han characters, neither
    a function character, coded exactly as two 21-bit code points. Per key, so the bigrams of
    a set of keys are those of its parts (what the persistent index caches per document)."""
    if not keys:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    cps = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    owner = np.repeat(np.arange(len(keys), dtype=np.int32), lengths)
    func = np.zeros(0x10000, dtype=bool)
    func[[ord(c) for c in _FUNCTION_CHARS]] = True
    c0, c1 = cps[:-1], cps[1:]
    han0 = (c0 >= 0x4E00) & (c0 <= 0x9FFF)
    han1 = (c1 >= 0x4E00) & (c1 <= 0x9FFF)
    keep = (owner[:-1] == owner[1:]) & han0 & han1 & ~func[c0 & 0xFFFF] & ~func[c1 & 0xFFFF]
    at = np.nonzero(keep)[0]
    h = (c0[at].astype(np.uint64) << np.uint64(21)) | c1[at].astype(np.uint64)
    return h, owner[at].astype(np.int64)


def paraphrase_from_bigrams(
    h: np.ndarray,
    uid: np.ndarray,
    n_keys: int,
    positions: np.ndarray,
    articles: np.ndarray,
    n_units: int,
    *,
    exclude: Iterable[tuple[int, int]] = (),
    min_shared: int = 4,
    min_weight: float = 0.4,
    max_postings: int = 16,
    focus: Iterable[int] | None = None,
    whole: Sequence[bool] | None = None,
) -> list[Candidate]:
    """paraphrase_candidates from the content-bigram postings (code, unit position) of its
    `n_keys` keys (the Chinese units of ≥ 10 characters), in any order and with repeats: what
    the persistent index keeps per document (indexdb.bigram_postings)."""
    if n_keys < 2 or len(h) == 0:
        return []
    # distinct (bigram, unit) postings, sorted by bigram then unit: one sort of a packed key
    # (42 bits of bigram, 22 of unit position) where positions fit, else a two-key sort
    if n_units <= _PACK_LIMIT:
        packed = np.sort((h << np.uint64(22)) | uid.astype(np.uint64))
        if len(packed) > 1:  # (np.sort + a shift mask: np.unique hashes, ~6x slower here)
            packed = packed[np.append(True, packed[1:] != packed[:-1])]
        h, uid = packed >> np.uint64(22), (packed & np.uint64((1 << 22) - 1)).astype(np.int64)
    else:
        order = np.lexsort((uid, h))
        h, uid = h[order], uid[order]
        first = np.ones(len(h), dtype=bool)
        first[1:] = (h[1:] != h[:-1]) | (uid[1:] != uid[:-1])
        h, uid = h[first], uid[first]
    change = np.ones(len(h), dtype=bool)
    change[1:] = h[1:] != h[:-1]
    g_start = np.nonzero(change)[0]
    sizes = np.diff(np.append(g_start, len(h)))
    idf_group = np.log((n_keys + 1) / (sizes + 1)) + 1.0
    idf_post = np.repeat(idf_group, sizes)
    # (np.add.at sums in the same order, ~10x slower)
    total = np.bincount(uid, weights=idf_post, minlength=n_units)
    ok = (sizes >= 2) & (sizes <= max_postings)
    wanted = None
    if focus is not None:
        wanted = np.zeros(n_units, dtype=bool)
        wanted[np.fromiter(focus, dtype=np.int64)] = True
        ok &= np.add.reduceat(wanted[uid].astype(np.int64), g_start) > 0
    is_whole = None
    if whole is not None:
        is_whole = np.zeros(n_units, dtype=bool)
        is_whole[: len(whole)] = np.asarray(whole, dtype=bool)
        ok &= np.add.reduceat(is_whole[uid].astype(np.int64), g_start) > 0
    pairs_list, weights_list = [], []
    for s in np.unique(sizes[ok]):
        sel = ok & (sizes == s)
        gs = g_start[sel]
        block = uid[gs[:, None] + np.arange(s)[None, :]]
        iu, ju = np.triu_indices(int(s), k=1)
        pairs = np.stack([block[:, iu].ravel(), block[:, ju].ravel()], axis=1)
        wts = np.repeat(idf_group[sel], len(iu))
        if is_whole is not None:  # (filtered per size: most pairs of a big group have no whole side)
            keep = is_whole[pairs[:, 0]] | is_whole[pairs[:, 1]]
            pairs, wts = pairs[keep], wts[keep]
        pairs_list.append(pairs)
        weights_list.append(wts)
    if not pairs_list:
        return []
    pairs = np.concatenate(pairs_list)
    wts = np.concatenate(weights_list)
    if wanted is not None:
        near = wanted[pairs[:, 0]] | wanted[pairs[:, 1]]
        pairs, wts = pairs[near], wts[near]
    art = np.zeros(n_units, dtype=np.int64)
    art[np.asarray(positions, dtype=np.int64)] = articles
    lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    diff = art[lo] != art[hi]
    lo, hi, wts = lo[diff], hi[diff], wts[diff]
    n = np.int64(n_units)
    uniq, inv, counts = np.unique(lo * n + hi, return_inverse=True, return_counts=True)
    shared_w = np.bincount(inv, weights=wts)
    a, b = uniq // n, uniq % n
    if is_whole is None:
        score = shared_w / np.maximum(total[a], total[b])  # both sentences must be mostly shared
    else:  # the whole side must be mostly shared
        score = np.maximum(
            np.where(is_whole[a], shared_w / np.maximum(total[a], 1e-9), 0.0),
            np.where(is_whole[b], shared_w / np.maximum(total[b], 1e-9), 0.0),
        )
    sel = (counts >= min_shared) & (score >= min_weight)
    skip = set(exclude)
    return [
        Candidate(int(x), int(y), int(c), channel="paraphrase")
        for x, y, c in zip(a[sel].tolist(), b[sel].tolist(), counts[sel].tolist(), strict=True)
        if (x, y) not in skip
    ]
