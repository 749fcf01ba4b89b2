"""provenance: orientation rules, origin chains and their invariants, on hand-made corpora."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.model import Alignment, Article, Direction, Document, DocumentMeta, Kind, Side, Span
from quotetrace.provenance import (
    _days_apart,
    assign_origins,
    best_date,
    compare_dates,
    orient,
    orient_all,
    reprints,
)

P = "基础研究是整个科学体系的源头，是所有技术问题的总机关。"
Q = "要以更大力度、更实举措加强基础研究，提升我国原始创新能力。"
R = "地基打得牢，科技事业大厦才能建得高。"


class World:
    """A tiny corpus: documents made of articles given as strings."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.articles: dict[str, Article] = {}

    def doc(
        self,
        doc_id: str,
        *parts: str,
        date: str | None = None,
        kind: str | None = None,
        article_dates: tuple[str | None, ...] = (),
    ) -> None:
        """One document; several parts make a bundle of articles DOC#1, DOC#2 …"""
        raw = ""
        spans = []
        for p in parts:
            start = len(raw)
            raw += p
            spans.append(Span(start, len(raw)))
            raw += "\n\n"
        self.documents[doc_id] = Document(
            doc_id, f"{doc_id}.txt", raw, "utf-8", "", DocumentMeta(title=doc_id, date=date, kind=kind)
        )
        if len(parts) == 1:
            d = article_dates[0] if article_dates else None
            self.articles[doc_id] = Article(doc_id, doc_id, spans[0], title=doc_id, date=d)
        else:
            for i, sp in enumerate(spans, 1):
                d = article_dates[i - 1] if i - 1 < len(article_dates) else None
                self.articles[f"{doc_id}#{i}"] = Article(
                    f"{doc_id}#{i}", doc_id, sp, title=f"{doc_id}#{i}", date=d
                )

    def side(self, article_id: str, needle: str, nth: int = 0) -> Side:
        art = self.articles[article_id]
        raw = self.documents[art.doc_id].raw
        i = art.span.start - 1
        for _ in range(nth + 1):
            i = raw.index(needle, i + 1, art.span.end)
        return Side(art.doc_id, article_id, Span(i, i + len(needle)))

    def al(self, a: str, b: str, needle: str, kind: Kind = Kind.VERBATIM, score: float = 1.0) -> Alignment:
        """Alignment of `needle` from article a to article b (input orientation a → b)."""
        return Alignment(self.side(a, needle), self.side(b, needle), kind, score)

    def text(self, side: Side) -> str:
        return side.span.of(self.documents[side.doc_id].raw)

    def run(self, alignments: list[Alignment]) -> list[Alignment]:
        return orient_all(alignments, self.articles, self.documents)


def pair(alignments: list[Alignment]) -> set[tuple[str, str]]:
    return {(a.source.article_id, a.target.article_id) for a in alignments}


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2023-02-21", "2026-05-12", -1),
        ("2026-05-12", "2023-02-21", 1),
        ("2023-02-21", "2023-02-21", 0),
        ("2023", "2023-02-21", None),  # a prefix does not decide against a date inside it
        ("2023-02", "2023-02-21", None),
        ("2023", "2024-06-25", -1),
        ("2023-02", "2023-03-15", -1),
        ("2023-2-21", "2023-02-21", 0),
        (None, "2023-02-21", None),
        ("unknown", "2023", None),
    ],
)
def test_compare_dates(a: str | None, b: str | None, expected: int | None) -> None:
    assert compare_dates(a, b) == expected


# --------------------------------------------------------------------------- orient


def test_article_date_orients_and_swaps_backwards_input() -> None:
    w = World()
    w.doc("old", "开头。" + P, date="2020-09-11")
    w.doc("new", "评论。" + P, date="2026-05-02")
    [a] = orient([w.al("new", "old", P)], w.articles, w.documents)
    assert (a.source.article_id, a.target.article_id) == ("old", "new")
    assert a.direction is Direction.DATED and a.direction_rule == "article date"
    assert w.text(a.source) == w.text(a.target) == P


def test_undated_bundle_article_takes_document_date() -> None:
    w = World()
    w.doc("bu", "第一篇。" + P, "第二篇。", date="2026-05-12", kind="bundle")
    w.doc("sp", "讲话。" + P, date="2023-02-21", kind="speech")
    [a] = orient([w.al("bu#1", "sp", P)], w.articles, w.documents)
    assert (a.source.doc_id, a.target.article_id) == ("sp", "bu#1")
    assert a.direction is Direction.DATED and a.direction_rule == "document date"


def test_undated_policy_reusing_a_speech_points_speech_to_policy() -> None:
    w = World()
    w.doc("sp", "今天集体学习。" + Q + R, date="2023-02-21", kind="speech")
    w.doc("po", "为贯彻落实党的二十大精神，提出如下意见。" + Q + "其他。", kind="policy")
    [a] = orient([w.al("po", "sp", Q)], w.articles, w.documents)
    assert (a.source.doc_id, a.target.doc_id) == ("sp", "po")
    assert a.direction is Direction.INFERRED and a.direction_rule == "speech is source"


def test_prefix_date_is_ambiguous_and_evidence_decides() -> None:
    w = World()
    w.doc("sp", "讲话。" + P + Q, date="2023-02-21", kind="speech")
    w.doc("rp", "# 转载\n" + P + Q, date="2023", kind="reprint")
    [a] = orient([w.al("rp", "sp", P + Q)], w.articles, w.documents)
    assert (a.source.doc_id, a.target.doc_id) == ("sp", "rp")
    assert a.direction is Direction.INFERRED


def test_quoted_side_is_the_reuser_and_flags_describe_the_new_target() -> None:
    w = World()
    w.doc("x", "评论员指出：“" + P + "”这很重要。")
    w.doc("y", "开头。" + P + "结尾。")
    a0 = Alignment(w.side("x", P), w.side("y", P), Kind.VERBATIM, 1.0, quoted=False)
    [a] = orient([a0], w.articles, w.documents)
    assert (a.source.doc_id, a.target.doc_id) == ("y", "x")
    assert a.direction_rule == "quoted in target" and a.direction is Direction.INFERRED
    assert a.quoted is True


def test_attributed_side_is_the_reuser() -> None:
    w = World()
    w.doc("x", "开头。" + R + "结尾。")
    w.doc("y", "习近平强调，" + R)
    [a] = orient([w.al("y", "x", R)], w.articles, w.documents)
    assert (a.source.doc_id, a.target.doc_id) == ("x", "y")
    assert a.direction_rule == "attributed in target"
    assert a.attributed is True and a.quoted is False


def test_reprint_is_the_reuser_without_dates_or_kinds() -> None:
    w = World()
    w.doc(
        "long", "长文开头，有许多自己的内容，和大量的论述与分析。" + P + Q + "长文结尾，也有许多自己的内容。"
    )
    w.doc("copy", P + Q)
    [a] = orient([w.al("copy", "long", P + Q)], w.articles, w.documents)
    assert (a.source.doc_id, a.target.doc_id) == ("long", "copy")
    assert a.direction_rule == "reprint"


def test_translation_is_the_reuser() -> None:
    w = World()
    w.doc("zh", "讲话。" + P + "其他内容。", kind="readout")
    w.doc("en", "Basic research is the source of the whole scientific system.", kind="translation")
    a0 = Alignment(w.side("en", "Basic research"), w.side("zh", P), Kind.TRANSLATION, 0.7)
    [a] = orient([a0], w.articles, w.documents)
    assert (a.source.doc_id, a.target.doc_id) == ("zh", "en")
    assert a.direction_rule == "translation is reuser"


def test_undated_text_mentioning_a_later_event_is_later() -> None:
    w = World()
    w.doc(
        "old",
        "开头，有许多自己的内容和大量的论述与分析。" + Q + "结尾，也有许多自己的内容。",
        date="2021-05-28",
    )
    w.doc("nd", "全面贯彻党的二十大精神。" + Q)
    [a] = orient([w.al("nd", "old", Q)], w.articles, w.documents)
    assert (a.source.doc_id, a.target.doc_id) == ("old", "nd")
    assert a.direction_rule == "mentions later event"


def test_nothing_decides_gives_unknown_in_a_deterministic_order() -> None:
    w = World()
    w.doc("b", "乙。" + R + "乙乙。")
    w.doc("a", "甲。" + R + "甲甲。")
    one = orient([w.al("b", "a", R)], w.articles, w.documents)
    two = orient([w.al("a", "b", R)], w.articles, w.documents)
    assert one == two
    assert one[0].direction is Direction.UNKNOWN and one[0].direction_rule == "undecided"
    assert one[0].source.doc_id == "a"


def test_orient_keeps_flags_without_raw_text() -> None:
    a0 = Alignment(
        Side("d1", "d1", Span(0, 5)), Side("d2", "d2", Span(0, 5)), Kind.VERBATIM, 1.0, quoted=True
    )
    arts = {
        "d1": Article("d1", "d1", Span(0, 5), date="2020"),
        "d2": Article("d2", "d2", Span(0, 5), date="2021"),
    }
    [a] = orient([a0], arts, {})
    assert a.quoted is True and a.direction_rule == "article date"
    assert best_date("d2", arts, {}) == "2021"


# --------------------------------------------------------------------------- origins


def _speech_world() -> World:
    """Speech (2023) → a bundle (2026) holding a reprint and a commentary; another paper's
    commentary; a quotation compilation in the bundle."""
    w = World()
    w.doc("sp", "今天集体学习。" + P + Q + R, date="2023-02-21", kind="speech")
    w.doc(
        "bu",
        "# 转载\n" + P + Q + R,
        "# 评论\n习近平总书记强调：“" + P + "”我们要落实。",
        "# 论述汇编\n★标题\n" + R + "\n——在集体学习时的讲话",
        date="2026-05-12",
        kind="bundle",
        article_dates=("2023", "2026-05-02", "2026-05-09"),
    )
    w.doc("cm", "人民日报评论。文章写道：“" + Q + "”要切实落实。", date="2026-05-03", kind="commentary")
    w.doc("ft", "新华社特稿。" + R + "这句话广为流传。", date="2026-05-10", kind="feature")
    return w


def test_reprints_helper_finds_the_reprint_and_its_share() -> None:
    w = _speech_world()
    al = orient([w.al("sp", "bu#1", P + Q + R)], w.articles, w.documents)
    rep = reprints(al, w.articles, w.documents)
    assert set(rep) == {"bu#1"}
    src, share = rep["bu#1"]
    assert src == "sp" and share >= 0.8


def test_two_reusers_point_at_the_origin_not_at_each_other() -> None:
    w = _speech_world()
    raw_alignments = [
        w.al("sp", "bu#1", P + Q + R),
        w.al("bu#1", "bu#2", P),  # reprint → commentary in the same bundle
        w.al("sp", "bu#2", P),
        w.al("cm", "bu#1", Q),  # given backwards on purpose
        w.al("sp", "cm", Q),
    ]
    out = w.run(raw_alignments)
    assert pair(out) == {("sp", "bu#1"), ("sp", "bu#2"), ("sp", "cm")}
    by_target = {a.target.article_id: a for a in out}
    # the commentary in the reprint's bundle came through the reprint
    assert by_target["bu#2"].via is not None and by_target["bu#2"].via.article_id == "bu#1"
    assert w.text(by_target["bu#2"].via) == P
    # another paper's commentary: no evidence for the reprint, so no via
    assert by_target["cm"].via is None
    assert all(a.origin is None for a in out)
    assert by_target["bu#2"].quoted and by_target["bu#2"].attributed


def test_reprint_never_becomes_the_origin_when_the_original_is_present() -> None:
    w = _speech_world()
    out = w.run([w.al("sp", "bu#1", P + Q + R), w.al("bu#1", "cm", Q)])
    assert pair(out) == {("sp", "bu#1"), ("sp", "cm")}
    [a] = [a for a in out if a.target.doc_id == "cm"]
    assert w.text(a.source) == Q  # span composed onto the speech
    assert a.via is not None and a.via.article_id == "bu#1"
    assert a.origin is None


def test_chain_through_a_non_reprint_keeps_the_link_and_names_the_origin() -> None:
    w = _speech_world()
    out = w.run([w.al("sp", "bu#3", R), w.al("bu#3", "ft", R)])
    assert pair(out) == {("sp", "bu#3"), ("bu#3", "ft")}
    [a] = [a for a in out if a.target.doc_id == "ft"]
    assert a.origin is not None and a.origin.doc_id == "sp"
    assert w.text(a.origin) == R


def test_two_reprints_of_one_speech_are_not_linked() -> None:
    w = World()
    w.doc("sp", "今天集体学习。" + P + Q + R, date="2023-02-21", kind="speech")
    w.doc("c24", "汇编。", "# 求是\n" + P + Q + R, date="2024-06-25", kind="bundle")
    w.doc(
        "b26",
        "专刊。",
        "# 求是\n" + P + Q + R,
        date="2026-05-12",
        kind="bundle",
        article_dates=(None, "2023"),
    )
    out = w.run(
        [w.al("sp", "c24#2", P + Q + R), w.al("sp", "b26#2", P + Q + R), w.al("c24#2", "b26#2", P + Q + R)]
    )
    assert pair(out) == {("sp", "c24#2"), ("sp", "b26#2")}
    rep = reprints(out, w.articles, w.documents)
    assert rep["c24#2"][0] == "sp" and rep["b26#2"][0] == "sp"


def test_orient_all_is_sorted_and_independent_of_input_order() -> None:
    w = _speech_world()
    als = [
        w.al("sp", "bu#1", P + Q + R),
        w.al("bu#1", "bu#2", P),
        w.al("sp", "bu#2", P),
        w.al("cm", "bu#1", Q),
        w.al("sp", "cm", Q),
        w.al("sp", "bu#3", R),
        w.al("ft", "bu#3", R),
    ]
    expected = w.run(als)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = als[:]
        rng.shuffle(shuffled)
        shuffled = [
            Alignment(a.target, a.source, a.kind, a.score) if rng.random() < 0.5 else a for a in shuffled
        ]
        assert w.run(shuffled) == expected


def test_assign_origins_on_empty_input() -> None:
    assert assign_origins([], {}, {}) == []
    assert orient_all([], {}, {}) == []


# --------------------------------------------------------------------------- invariants

_PASSAGES = (P, Q, R, "坚持目标导向和自由探索两条腿走路。", "加强基础研究人才队伍建设。")
_DATES = (None, "2023", "2023-02-21", "2023-08", "2024-06-25", "2026-05-12")
_KINDS = (None, "speech", "bundle", "commentary", "policy", "translation")


@st.composite
def corpora(draw: st.DrawFn) -> tuple[World, list[Alignment]]:
    w = World()
    n = draw(st.integers(2, 5))
    contents: dict[str, list[int]] = {}
    for i in range(n):
        chosen = draw(st.lists(st.integers(0, len(_PASSAGES) - 1), min_size=1, max_size=4, unique=True))
        quote = draw(st.booleans())
        filler = draw(st.booleans())  # without filler a text is a reprint of a longer one
        body = "".join(
            ("“" + _PASSAGES[k] + "”" if quote else _PASSAGES[k]) + (f"填充{i}。" if filler else "")
            for k in chosen
        )
        w.doc(
            f"d{i}",
            (f"第{i}篇。" if filler else "") + body,
            date=draw(st.sampled_from(_DATES)),
            kind=draw(st.sampled_from(_KINDS)),
        )
        contents[f"d{i}"] = chosen
    als = []
    ids = sorted(contents)
    for x in range(len(ids)):
        for y in range(x + 1, len(ids)):
            for k in set(contents[ids[x]]) & set(contents[ids[y]]):
                a, b = (ids[x], ids[y]) if draw(st.booleans()) else (ids[y], ids[x])
                als.append(w.al(a, b, _PASSAGES[k]))
    return w, als


@settings(max_examples=60, deadline=None)
@given(corpora())
def test_provenance_invariants(case: tuple[World, list[Alignment]]) -> None:
    w, als = case
    out = w.run(als)
    # deterministic and sorted
    assert out == w.run(list(reversed(als)))
    edges: dict[str, set[tuple[str, str]]] = {}
    for a in out:
        # no edge points backwards in time
        sd = best_date(a.source.article_id, w.articles, w.documents)
        td = best_date(a.target.article_id, w.articles, w.documents)
        assert compare_dates(sd, td) != 1, (sd, td, a.direction_rule)
        # spans still show the same passage on both sides
        assert w.text(a.source) == w.text(a.target)
        assert a.direction_rule
        edges.setdefault(w.text(a.target), set()).add((a.source.doc_id, a.target.doc_id))
    # no edge links two reusers of a passage whose origin is in the corpus
    for passage, es in edges.items():
        for s, t in es:
            assert not any((o, s) in es and (o, t) in es for o, _ in es), (passage, s, t)
    # a reprint is never the source of a passage that its original has
    rep = reprints(out, w.articles, w.documents)
    for a in out:
        if a.source.article_id in rep:
            es = edges[w.text(a.target)]
            assert not any((o, a.source.doc_id) in es for o, _ in es), (a, rep)


# --------------------------------------------------------------------------- seeds


@pytest.fixture(scope="module")
def seed_provenance(seed_corpus):  # type: ignore[no-untyped-def]
    from quotetrace.pipeline import align_corpus

    arts = {pa.article.id: pa.article for pa in seed_corpus.articles}
    docs = {d.id: d for d in seed_corpus.documents}
    return orient_all(align_corpus(seed_corpus), arts, docs), arts, docs


def _by_title(arts: dict[str, Article], doc_id: str, *words: str) -> list[str]:
    return sorted(
        a.id for a in arts.values() if a.doc_id == doc_id and all(w in (a.title or "") for w in words)
    )


def test_seed_edges_from_the_speech_and_the_symposium_report(seed_provenance) -> None:  # type: ignore[no-untyped-def]
    out, arts, docs = seed_provenance
    edges = pair(out)
    speech = "speech-2023"
    rep = reprints(out, arts, docs)
    # the Qiushi reprints in the bulletin and the compilation are recognised, as copies of the speech
    assert {src for src, _ in rep.values()} == {speech}
    assert {arts[a].doc_id for a in rep} == {"bit-bulletin", "compilation-2024"}
    for reprint in rep:
        assert (speech, reprint) in edges
    [report] = _by_title(arts, "bit-bulletin", "座谈会上强调")
    [compilation] = _by_title(arts, "bit-bulletin", "论述汇编")
    [ding] = _by_title(arts, "bit-bulletin", "丁薛祥")
    [moe] = _by_title(arts, "bit-bulletin", "教育部")
    [feature] = _by_title(arts, "bit-bulletin", "必由之路")
    commentaries = _by_title(arts, "bit-bulletin", "论学习贯彻")
    assert len(commentaries) == 3
    from quotetrace import semantic

    # the translation is reached through the semantic channel (quotetrace[semantic])
    translation = ["csis-translation"] if semantic.available() else []
    for target in ["beijing-policy", compilation, *commentaries, *translation]:
        assert (speech, target) in edges, target
    for t in translation:  # the original is the source of its translation, as a translation
        assert any(
            a.kind == "translation" and a.source.doc_id == speech for a in out if a.target.article_id == t
        )
    for target in [compilation, ding, moe, feature, *commentaries]:
        assert (report, target) in edges, target
    # the undated policy: speech → policy, and the rule says why
    rules = {
        a.direction_rule
        for a in out
        if (a.source.article_id, a.target.article_id) == (speech, "beijing-policy")
    }
    assert rules == {"speech is source"}


def test_seed_invariants(seed_provenance) -> None:  # type: ignore[no-untyped-def]
    out, arts, docs = seed_provenance
    rep = reprints(out, arts, docs)
    for a in out:
        sd = best_date(a.source.article_id, arts, docs)
        td = best_date(a.target.article_id, arts, docs)
        # exceptions, documented in docs/graph.md: a compilation's dated quotation, and a speech
        # printed a day after its readout (publication lag)
        if a.direction_rule == "quotation date":
            continue
        if "publication lag" in a.direction_rule:
            assert _days_apart(sd, td) <= 1, a
            continue
        assert compare_dates(sd, td) != 1, a
        assert a.source.article_id not in rep, a  # a reprint never stands in for the speech
        if a.via is not None:
            assert a.via.article_id not in (a.source.article_id, a.target.article_id)
    assert out == sorted(out, key=lambda a: (a.source.doc_id, a.source.article_id, a.source.span.start))


def test_no_via_through_a_reprint_that_may_be_later_than_the_reuser(tmp_path) -> None:
    """A Qiushi reprint dated only 2023 (2023年第15期) may have come out after a commentary of
    2023-03-06: the commentary took the quotation from the speech, not through the reprint."""
    from quotetrace import pipeline
    from quotetrace.config import Config

    quote = "加强基础研究，是实现高水平科技自立自强的迫切要求，是建设世界科技强国的必由之路。"
    speech = (
        "今天，中央政治局进行第三次集体学习，内容是加强基础研究。" + quote + "党和国家历来重视基础研究工作。"
        "新中国成立后，党中央发出“向科学进军”号召，广大科技工作者自力更生、艰苦奋斗，取得了一批重大科技成果。"
    )
    (tmp_path / "speech.txt").write_text(f"讲话\n\n{speech}\n", encoding="utf-8")
    (tmp_path / "bulletin.txt").write_text(
        "学习专刊\n\n# 习近平：加强基础研究\n\n（来源：《求是》，2023年第15期）\n\n"
        f"{speech}\n\n"
        "# 以高水平人才支撑基础研究\n\n（来源：《光明日报》，2023年3月6日）\n\n"
        f"文章指出，{quote}我们要深入学习领会，把基础研究摆在更加突出的位置。\n",
        encoding="utf-8",
    )
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nid = "speech"\nfile = "speech.txt"\ndate = "2023-02-21"\nkind = "speech"\n\n'
        '[[document]]\nid = "bulletin"\nfile = "bulletin.txt"\ndate = "2023-09-10"\nkind = "bundle"\n',
        encoding="utf-8",
    )
    result = pipeline.trace(tmp_path, config=Config(semantic=False))
    to_commentary = [a for a in result.alignments if a.target.article_id == "bulletin#2"]
    from_speech = [a for a in to_commentary if a.source.doc_id == "speech"]
    assert from_speech and all(a.via is None for a in to_commentary)
