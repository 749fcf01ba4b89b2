"""Tunables as frozen dataclasses with documented defaults. Stages take only what they need."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IndexConfig:
    char_ngram: int = 8  # character shingle length on the compact (punctuation-free) text
    word_ngram: int = 3  # jieba word shingle length
    max_df: float = 0.5  # shingles in more than this share of articles are boilerplate, dropped
    max_postings: int = 64  # shingles with more postings than this are too common to be evidence
    min_shared: int = 1  # informative shingles two sentences must share to become a candidate
    paraphrase_min_weight: float = 0.4  # IDF weight of shared content words / the larger sentence's total


@dataclass(frozen=True, slots=True)
class AlignConfig:
    min_chars: int = 10  # shortest reported span unless it is a quotation
    near_verbatim_cutoff: float = 0.80
    paraphrase_cutoff: float = 0.55
    max_gap: int = 1  # source sentences a passage may skip (its reusing side must be contiguous)


@dataclass(frozen=True, slots=True)
class Config:
    index: IndexConfig = IndexConfig()
    align: AlignConfig = AlignConfig()
    semantic: bool | None = None  # None: on when the extra is installed
    semantic_max_units: int = 50_000  # majority-language sentences compared across languages
    semantic_budget: float = 0.05  # share of sentences encoded for same-language paraphrase checks
    semantic_min_units: int = 2_000  # ... but never fewer than this many
    # clause channel: a whole short sentence reworded as a clause of another text. Candidates are
    # pairs sharing this share of the short sentence's content-bigram weight (permissive: the
    # words-in-any-order test and the embeddings decide), bigrams in at most so many clauses
    semantic_clause_weight: float = 0.2
    semantic_clause_postings: int = 60
