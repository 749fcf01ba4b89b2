"""Alignment quality against the development gold (../shared/gold-dev), through evaluate.py.

These are regression guards at the levels measured when they were written (docs/quality.md),
not the issue's floors: a change that makes the aligner worse on the gold fails here. No
answer is keyed to the seed files; the same settings run on any corpus.
"""

from __future__ import annotations

import pytest

from quotetrace import evaluate, semantic, store
from quotetrace.pipeline import trace

from .conftest import GOLD_DEV, SHARED

pytestmark = pytest.mark.skipif(
    not (GOLD_DEV / "gold.jsonl").exists(), reason="../shared/gold-dev not present"
)


@pytest.fixture(scope="module")
def scores(seed_corpus):  # type: ignore[no-untyped-def]
    gold = evaluate.load_gold(GOLD_DEV / "gold.jsonl", seeds=SHARED / "seeds")
    result = trace(seed_corpus)
    records = store.alignment_records(result.alignments, seed_corpus.documents)
    return evaluate.evaluate_corpus(gold, records, seed_corpus)


def test_verbatim_and_near_verbatim(scores) -> None:  # type: ignore[no-untyped-def]
    b = scores.bucket("verbatim+near_verbatim")
    assert b.recall >= 0.95
    assert b.precision >= 0.65


def test_paraphrase(scores) -> None:  # type: ignore[no-untyped-def]
    b = scores.bucket("paraphrase")
    assert b.recall >= 0.40
    assert b.precision >= 0.50


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_translation(scores) -> None:  # type: ignore[no-untyped-def]
    b = scores.bucket("translation")
    assert b.recall >= 0.55
    assert b.precision >= 0.65


def test_negatives_and_short_detections(scores) -> None:  # type: ignore[no-untyped-def]
    assert scores.negatives_touched <= 0.05
    assert scores.short_detections <= 2
