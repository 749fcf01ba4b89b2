"""index: compact keys (script folding) and the vectorised article compaction."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from quotetrace.index import _compact_article, compact, fold_script


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
