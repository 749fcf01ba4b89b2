"""index: compact keys (script folding) and the vectorised article compaction."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from quotetrace.index import (
    ShingleIndex,
    _compact_article,
    compact,
    fold_script,
    hash_order,
    make_units,
    mix,
    shingle_hashes,
)

from .helpers import article


def test_traditional_characters_fold_to_simplified_one_for_one() -> None:
    assert fold_script("加強基礎研究") == "加强基础研究"
    assert fold_script("習近平總書記") == "习近平总书记"
    # a character mainland texts use themselves is left alone (著 in 显著)
    assert fold_script("显著") == "显著"
    assert fold_script("實現關於設立") == "实现关于设立"
    assert fold_script("加强基础研究") == "加强基础研究"


@given(st.text(alphabet=st.sampled_from("加強强基礎础研究，。 \nAbc12著學学ΣΟΔİẞ𝐀")))
def test_article_compaction_equals_the_per_character_definition(text: str) -> None:
    pos, key = _compact_article(text)
    key2, pos2 = compact(text)
    assert key == key2 and pos.tolist() == pos2
    assert len(key) == len(pos)


def test_shipped_tables_are_found() -> None:
    from quotetrace.index import _fold_pairs, stock_grams

    assert len(stock_grams()) > 10_000 and "以习近平同志" in stock_grams()
    assert len(_fold_pairs()) > 2_000


def test_keys_lower_case_one_character_at_a_time() -> None:
    # a word-final sigma and a dotted capital I keep one key character per text character
    for text in ("ΟΔΟΣ 發展", "İstanbul"):
        pos, key = _compact_article(text)
        key2, pos2 = compact(text)
        assert key == key2 and len(key) == len(pos) == len(pos2)


def test_paraphrase_channel_proposes_a_reworded_sentence_across_articles() -> None:
    """Reordered and reworded (no long stretch in common), yet proposed; a sentence on another
    subject is not."""
    from quotetrace.index import make_units, paraphrase_candidates

    from .helpers import article

    src = "要统筹布局重大科技基础设施和国家实验室，完善基础研究投入机制，培养青年科学家队伍。"
    reworded = "完善投入机制、统筹布局国家实验室和重大科技基础设施，着力培养青年科学家队伍。"
    other = "今年夏粮收购工作进展顺利，各地粮食部门认真落实最低收购价政策，农民售粮积极。"
    units = make_units([article("d0", src)[0], article("d1", reworded)[0], article("d2", other)[0]])
    pairs = {(c.a, c.b) for c in paraphrase_candidates(units)}
    by_doc = {(units[a].doc_id, units[b].doc_id) for a, b in pairs}
    assert ("d0", "d1") in by_doc
    assert not any("d2" in p for p in by_doc)


def test_paraphrase_channel_focus_gives_the_whole_run_s_pairs_of_those_units(seed_corpus) -> None:  # type: ignore[no-untyped-def]
    """An update asks only for the pairs of the changed documents' units; it must get exactly
    what a whole run would have given them (same statistics, same weights)."""
    from quotetrace.index import make_units, paraphrase_candidates

    langs = {d.id: d.meta.language or "zh" for d in seed_corpus.documents}
    units = make_units(seed_corpus.articles, langs)
    focus = {u.idx for u in units if u.doc_id == "beijing-policy"}
    whole = [c for c in paraphrase_candidates(units) if c.a in focus or c.b in focus]
    assert whole  # the policy rewords the speech: there is something to compare
    assert paraphrase_candidates(units, focus=focus) == whole


def test_paraphrase_channel_packed_sort_equals_the_two_key_sort(seed_corpus, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Corpora with more than 4M units take the two-key sort; both give the same pairs."""
    from quotetrace import index
    from quotetrace.index import make_units, paraphrase_candidates

    langs = {d.id: d.meta.language or "zh" for d in seed_corpus.documents}
    units = make_units(seed_corpus.articles, langs)
    packed = paraphrase_candidates(units)
    monkeypatch.setattr(index, "_PACK_LIMIT", 0)
    assert paraphrase_candidates(units) == packed
    assert packed


@given(
    st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=300),
    st.integers(min_value=0, max_value=8),
)
def test_hash_order_is_the_stable_argsort(values: list[int], low_bits: int) -> None:
    # hashes that differ only in their low bits (the rolling hash's weakness) and repeats
    h = np.array(values + [v ^ (1 << low_bits) for v in values[:50]] + values[:20], dtype=np.uint64)
    assert np.array_equal(hash_order(h), np.argsort(h, kind="stable"))
    assert np.array_equal(hash_order(mix(h)), np.argsort(mix(h), kind="stable"))


@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), unique=True, max_size=300))
def test_mix_keeps_distinct_hashes_distinct(values: list[int]) -> None:
    assert len(set(mix(np.array(values, dtype=np.uint64)).tolist())) == len(values)


def test_the_shingle_index_finds_a_phrase_by_its_plain_hash() -> None:
    texts = ["要坚持以科技创新需求为牵引。", "优化高等学校学科设置。以科技创新需求为牵引。"]
    units = make_units([article(f"d{i}", t)[0] for i, t in enumerate(texts)])
    idx = ShingleIndex.build(units)
    h, _, _ = shingle_hashes(["科技创新需求"], 6)
    holders = {units[i].key for i in idx.postings(int(h[0])).tolist()}
    assert holders == {"要坚持以科技创新需求为牵引", "以科技创新需求为牵引"}
    assert {units[i].key for i in idx.units_with("以科技创新需求为牵引").tolist()} == holders
