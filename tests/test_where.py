"""where: query normalisation and the order of hits (origin first, then by date)."""

from __future__ import annotations

import pytest

from quotetrace.errors import EmptyQuery
from quotetrace.model import Kind, Span
from quotetrace.where import Hit, order_hits, query_key


def _hit(doc: str, date: str | None, *, article: str | None = None, coverage: float = 1.0) -> Hit:
    return Hit(
        doc_id=doc,
        file=f"{doc}.txt",
        article_id=article or doc,
        title=None,
        source=None,
        date=date,
        span=Span(0, 4),
        line=1,
        text="文本",
        score=1.0,
        coverage=coverage,
        kind=Kind.VERBATIM,
        quoted=False,
        attributed=False,
    )


def test_query_key_normalises_like_the_corpus() -> None:
    # full-width digits, PDF spaces and punctuation do not change the key
    assert query_key("２０２３ 年，基础 研究。") == query_key("2023年基础研究")


@pytest.mark.parametrize("text", ["", "   ", "，。！？"])
def test_empty_queries_are_refused(text: str) -> None:
    with pytest.raises(EmptyQuery):
        query_key(text)


def test_origin_is_the_earliest_and_a_date_prefix_does_not_precede_its_full_dates() -> None:
    hits = order_hits(
        [
            _hit("bulletin", "2023", article="bulletin#2"),
            _hit("later", "2026-05-02"),
            _hit("speech", "2023-02-21"),
            _hit("undated", None),
        ]
    )
    assert [h.doc_id for h in hits] == ["speech", "bulletin", "later", "undated"]
    assert [h.origin for h in hits] == [True, False, False, False]


def test_on_the_same_date_a_standalone_text_precedes_a_bundle_article() -> None:
    hits = order_hits(
        [_hit("compilation", "2023-02-21", article="compilation#6"), _hit("speech", "2023-02-21")]
    )
    assert hits[0].doc_id == "speech" and hits[0].origin


def test_an_english_query_finds_its_sentence_not_its_shared_words(tmp_corpus) -> None:
    from quotetrace import pipeline

    q = "strengthening basic research is an urgent requirement for achieving high-level self-reliance"
    hits = pipeline.where_indexed(q, tmp_corpus)
    assert hits and hits[0].doc_id == "csis-translation" and hits[0].coverage > 0.8
    # a word or two in common ("basic research", "scientific") is not a place the query occurs
    assert all((h.span.end - h.span.start) >= 40 for h in hits)


def test_the_hit_text_is_shown_as_in_the_file_with_differences_marked() -> None:
    from quotetrace.render import _highlight

    h = _hit("d", "2023")
    from dataclasses import replace

    h = replace(
        h,
        text="加强基础\n研究，是必由之路",
        hit_key="加强基础研究是必由之路",
        key_pos=(0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12),
        diff=(("equal", 0, 6, 0, 6), ("replace", 6, 7, 6, 7), ("equal", 7, 11, 7, 11)),
    )
    t = _highlight(h)
    assert t.plain == "加强基础研究，是必由之路"  # punctuation kept, the PDF line break dropped
    red = [t.plain[s.start : s.end] for s in t.spans if "red" in str(s.style)]
    assert red == ["是"]
    # a page number inside the sentence is shown but never mistaken for a key character
    h = replace(
        h,
        text="锚定\n- 2 -\n2035年",
        hit_key="锚定2035年",
        key_pos=(0, 1, 9, 10, 11, 12, 13),
        diff=(("equal", 0, 2, 0, 2), ("replace", 2, 3, 2, 3), ("equal", 3, 7, 3, 7)),
    )
    t = _highlight(h)
    red = [(s.start, t.plain[s.start : s.end]) for s in t.spans if "red" in str(s.style)]
    assert red == [(t.plain.index("2035"), "2")]


def test_semantic_hits_rank_by_cosine_and_label_by_language(seed_corpus) -> None:
    import numpy as np

    from quotetrace.index import make_units
    from quotetrace.where import semantic_hits

    langs = {d.id: d.meta.language or "zh" for d in seed_corpus.documents}
    units = make_units(seed_corpus.articles, langs)[:40]
    rnd = np.random.default_rng(0)
    vecs = rnd.normal(size=(len(units), 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    docs = {d.id: d for d in seed_corpus.documents}
    arts = {pa.article.id: pa.article for pa in seed_corpus.articles}
    q = "Basic research is the source of the entire scientific system"
    hits = semantic_hits(
        q, vecs[7], units, vecs, docs, arts, translation_min=0.6, paraphrase_min=0.9, limit=3
    )
    assert hits[0].span == units[7].sentence.span and hits[0].score > 0.99
    assert hits[0].kind == (Kind.TRANSLATION if units[7].language != "en" else Kind.PARAPHRASE)
    assert all(h.text == docs[h.doc_id].raw[h.span.start : h.span.end] for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_semantic_hits_keep_a_quota_per_kind_and_only_the_best_translations(seed_corpus) -> None:
    import numpy as np

    from quotetrace.index import make_units
    from quotetrace.where import semantic_hits

    langs = {d.id: d.meta.language or "zh" for d in seed_corpus.documents}
    units = make_units(seed_corpus.articles, langs)
    zh = [i for i, u in enumerate(units) if u.language == "zh"][:12]
    en = [i for i, u in enumerate(units) if u.language == "en"][:3]
    q = np.zeros(4, dtype=np.float32)
    q[0] = 1.0
    vecs = np.zeros((len(units), 4), dtype=np.float32)
    vecs[:, 3] = 1.0  # everything else unrelated
    for i in zh:  # twelve Chinese copies of the query
        vecs[i] = [1.0, 0.0, 0.0, 0.0]
    for i, c in zip(en, (0.70, 0.69, 0.62), strict=True):  # two renderings and a neighbour
        vecs[i] = [c, (1 - c * c) ** 0.5, 0.0, 0.0]
    docs = {d.id: d for d in seed_corpus.documents}
    arts = {pa.article.id: pa.article for pa in seed_corpus.articles}
    hits = semantic_hits(
        "加强基础研究，是实现高水平科技自立自强的迫切要求。",
        q,
        units,
        vecs,
        docs,
        arts,
        translation_min=0.6,
        paraphrase_min=0.9,
        limit=10,
    )
    kinds = [h.kind for h in hits]
    assert kinds.count(Kind.PARAPHRASE) == 10  # the copies fill their own quota only
    assert [round(h.score, 2) for h in hits if h.kind == Kind.TRANSLATION] == [0.7, 0.69]


@pytest.mark.skipif(not __import__("quotetrace.semantic").semantic.available(), reason="semantic extra")
def test_an_english_sentence_finds_its_chinese_original_with_semantic_where(tmp_corpus) -> None:
    from quotetrace import pipeline
    from quotetrace.errors import InputError

    q = "Basic research is the source of the entire scientific system and the master switch of all technical problems"
    with pytest.raises(InputError, match="would encode"):
        pipeline.where_indexed(q, tmp_corpus, semantic=True, max_encode=10)
    hits = pipeline.where_indexed(q, tmp_corpus, semantic=True)
    zh = [h for h in hits if h.kind == Kind.TRANSLATION]
    assert zh and any("基础研究是整个科学体系的源头" in h.text for h in zh)
    assert hits[0].origin


def test_the_original_of_a_translated_query_is_its_origin() -> None:
    from dataclasses import replace

    english = replace(_hit("translation", "2023-03-10"), coverage=1.0)
    chinese = replace(_hit("speech", "2023-02-21"), kind=Kind.TRANSLATION, score=0.70)
    out = order_hits([english, chinese])
    assert out[0].doc_id == "speech" and out[0].origin
