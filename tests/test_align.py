from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace import align as A
from quotetrace.index import Candidate, lexical_candidates, make_units
from quotetrace.model import Alignment, Kind, Side, Span

from .helpers import article
from .reference import all_pairs

SRC = (
    "基础研究处于从研究到应用、再到生产的科研链条起始端，地基打得牢，科技事业大厦才能建得高。"
    "加强基础研究要突出前瞻性、战略性需求导向，优化资源配置和布局结构，为创新发展提供基础理论支撑和技术源头供给。"
    "要把握科技发展趋势和国家战略需求，加强基础研究重大项目可行性论证和遴选评估。"
)


def _align(*texts: str):
    pas, raws = [], {}
    for i, t in enumerate(texts):
        pa, raw = article(f"d{i}", t)
        pas.append(pa)
        raws[f"d{i}"] = raw
    units = make_units(pas)
    matches = []
    for c in lexical_candidates(units):
        matches.extend(A.verify(c, units, raws=raws))
    return A.merge_passages(matches, units, raws), raws, units


def test_verbatim_reprint_is_one_passage():
    als, raws, _ = _align(SRC, "前言一句话不相关的内容在这里。" + SRC)
    assert len(als) == 1
    a = als[0]
    assert a.kind == Kind.VERBATIM
    assert a.source.span.of(raws["d0"]) == SRC
    assert a.target.span.of(raws["d1"]) == SRC


def test_quoted_clause_inside_long_sentence_gets_its_exact_span():
    tgt = "评论员文章指出，我们要牢记“地基打得牢，科技事业大厦才能建得高”，久久为功，持续发力，抓出新成效。"
    als, raws, _ = _align(SRC, tgt)
    assert len(als) == 1
    t = als[0].target.span.of(raws["d1"])
    assert t.startswith("地基打得牢") and "科技事业大厦才能建得高" in t
    assert "评论员" not in t and "久久为功" not in t
    assert t == "地基打得牢，科技事业大厦才能建得高"  # the quotation marks are the reuser's

    s = als[0].source.span.of(raws["d0"])
    assert "地基打得牢" in s and "起始端" not in s


def test_a_quoted_sentence_span_keeps_its_full_stop_but_not_the_marks():
    tgt = "文章写道：“加强基础研究要突出前瞻性、战略性需求导向，优化资源配置和布局结构，为创新发展提供基础理论支撑和技术源头供给。”这一论述意义深远。"
    als, raws, _ = _align(SRC, tgt)
    assert len(als) == 1
    t = als[0].target.span.of(raws["d1"])
    assert t.startswith("加强基础研究") and t.endswith("技术源头供给。")


def test_abridged_sentence_matches_the_right_part():
    tgt = "加强基础研究要突出前瞻性、战略性需求导向，为创新发展提供基础理论支撑和技术源头供给。"
    als, raws, _ = _align(SRC, tgt)
    assert len(als) == 1
    s = als[0].source.span.of(raws["d0"])
    assert s.startswith("加强基础研究要突出前瞻性") and s.endswith("技术源头供给。")
    assert als[0].kind in (Kind.NEAR_VERBATIM, Kind.PARAPHRASE)


def test_near_verbatim_edit_is_labelled():
    tgt = "要准确把握科技发展趋势和国家战略需求，加强基础研究重大项目的可行性论证和遴选评估。"
    als, _, _ = _align(SRC, tgt)
    assert len(als) == 1 and als[0].kind == Kind.NEAR_VERBATIM
    assert 0.8 <= als[0].score < 1.0


def test_unrelated_text_and_stock_formulas_give_nothing():
    a = "在以习近平同志为核心的党中央坚强领导下，全省经济运行总体平稳，粮食产量再创新高。"
    b = "在以习近平同志为核心的党中央坚强领导下，我们推进乡村振兴，城乡居民收入稳步增长。"
    als, _, _ = _align(a, b)
    assert als == []


def test_same_article_reuse_is_ignored():
    als, _, _ = _align(SRC + SRC)
    assert als == []


_HAN = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=12, max_size=40)


@settings(max_examples=30, deadline=None)
@given(st.lists(_HAN, min_size=4, max_size=10), st.randoms(use_true_random=False))
def test_index_finds_every_pair_the_exhaustive_oracle_finds(sentences, rnd: random.Random):
    # two documents made of the same random sentences, one with light edits
    edited = []
    for s in sentences:
        chars = list(s)
        if rnd.random() < 0.5:
            chars[rnd.randrange(len(chars))] = "之"
        edited.append("".join(chars))
    d0 = "。".join(sentences) + "。"
    d1 = "。".join(reversed(edited)) + "。"
    pas = [article("d0", d0)[0], article("d1", d1)[0]]
    units = make_units(pas)
    found = {(c.a, c.b) for c in lexical_candidates(units, min_shared=1)}
    assert all_pairs(units, cutoff=90) <= found


def test_candidate_dataclass_is_ordered_pair():
    pas = [article("d0", SRC)[0], article("d1", SRC)[0]]
    units = make_units(pas)
    cands = lexical_candidates(units)
    assert cands and all(isinstance(c, Candidate) and c.a < c.b for c in cands)


def test_naming_the_same_event_is_not_reuse():
    # two reports naming one meeting share its name and the speech formula, nothing more
    a = "习近平总书记在上海出席加强基础研究座谈会并发表重要讲话。"
    b = "学习贯彻习近平总书记在加强基础研究座谈会上的重要讲话。"
    als, _, _ = _align(a, b)
    assert als == []
    c = "认真学习国务院关于全面加强基础科学研究的若干意见。"
    d = "各地落实国务院关于全面加强基础科学研究的若干意见》。"
    assert _align(c, d)[0] == []


def test_a_sentence_around_an_event_name_is_still_reuse():
    a = "在加强基础研究座谈会上，要以更大力度、更实举措加强基础研究，提升我国原始创新能力。"
    b = "会议指出，要以更大力度、更实举措加强基础研究，提升我国原始创新能力。"
    als, raws, _ = _align(a, b)
    assert len(als) == 1 and "提升我国原始创新能力" in als[0].target.span.of(raws["d1"])


def test_a_clause_with_one_verb_changed_is_near_verbatim_with_its_clause_span():
    src = "我们要构筑国际基础研究合作平台，牵头实施国际大科学计划和大科学工程，设立面向全球的科学研究基金。"
    tgt = "要拓宽政府和民间交流合作渠道，牵头组织好国际大科学计划和大科学工程，支持各国科研人员联合攻关。"
    als, raws, _ = _align(src, tgt)
    assert len(als) == 1 and als[0].kind == Kind.NEAR_VERBATIM
    assert als[0].target.span.of(raws["d1"]) == "牵头组织好国际大科学计划和大科学工程"
    assert als[0].source.span.of(raws["d0"]) == "牵头实施国际大科学计划和大科学工程"


def test_a_short_shared_formula_clause_is_not_reuse():
    a = "近年来，我国深入实施人才强国战略，各类人才队伍不断壮大。"
    b = "新征程上，要深入实施人才强国战略，持续优化人才发展环境。"
    assert _align(a, b)[0] == []


def test_two_clauses_carried_over_with_their_joint_are_a_paraphrase_of_both_clauses():
    src = "我们要深化改革，完善知识产权保护制度，为企业创新提供制度保障和市场环境。"
    tgt = "实践证明，不断完善的知识产权保护制度，正在为企业创新提供持久动力。"
    als, raws, _ = _align(src, tgt)
    assert len(als) == 1 and als[0].kind == Kind.PARAPHRASE
    assert als[0].target.span.of(raws["d1"]) == "不断完善的知识产权保护制度，正在为企业创新提供持久动力。"
    assert als[0].source.span.of(raws["d0"]) == "完善知识产权保护制度，为企业创新提供制度保障和市场环境。"


def test_shared_words_on_both_sides_of_different_breaks_are_not_a_reworded_sentence():
    # 科技金融 … 增强企业自主创新能力 in both, but the clause break falls elsewhere in each:
    # two sentences on one topic, not one sentence's structure carried over
    src = "要以更大力度完善科技金融，增强企业自主创新能力。"
    tgt = "健全科技金融网络，这是增强企业自主创新能力的重要保障。"
    assert _align(src, tgt)[0] == []


def _clauses(text: str) -> tuple[str, tuple[int, ...]]:
    """The key of a one-sentence text and where its clauses start."""
    pa, raw = article("d0", text)
    (u,) = make_units([pa])
    return u.key, A.clause_starts(u, raw)


def test_clause_starts_follow_the_punctuation_of_the_raw_text():
    key, starts = _clauses("牵头实施国际大科学计划，设立面向全球的科学研究基金。")
    assert starts[0] == 0 and starts[-1] == len(key)
    assert key[starts[1] :].startswith("设立")


def test_a_traditional_script_reprint_is_found_with_offsets_into_its_own_text():
    trad = "香港報章轉載：加強基礎研究要突出前瞻性、戰略性需求導向，優化資源配置和佈局結構，為創新發展提供基礎理論支撐和技術源頭供給。"
    als, raws, _ = _align(SRC, trad)
    assert len(als) == 1 and als[0].kind in (Kind.VERBATIM, Kind.NEAR_VERBATIM)
    t = als[0].target.span.of(raws["d1"])
    assert t.startswith("加強基礎研究") and t.endswith("技術源頭供給。")
    assert "加强基础研究要突出前瞻性" in als[0].source.span.of(raws["d0"])


LIST_SRC = (
    "在新时代科技事业发展实践中，我们不断深化规律性认识，积累了许多重要经验。"
    "主要是：坚持党的全面领导，加强党中央对科技工作的集中统一领导，保证科技事业始终沿着正确方向前进。"
    "坚持走中国特色自主创新道路，立足自力更生、艰苦奋斗，推进高水平科技自立自强。"
    "坚持创新引领发展，树牢抓创新就是抓发展的理念，以科技创新引领高质量发展。"
)


def test_a_summary_listing_short_clauses_after_a_shared_sentence_is_one_passage():
    tgt = (
        "在新时代科技事业发展实践中，我们不断深化规律性认识，积累了许多重要经验，主要是：坚持党的全面领导，"
        "坚持走中国特色自主创新道路，坚持创新引领发展。"
    )
    als, raws, _ = _align(LIST_SRC, tgt)
    assert len(als) == 1
    t = als[0].target.span.of(raws["d1"])
    assert t.startswith("在新时代") and "坚持走中国特色自主创新道路" in t and "坚持创新引领发展" in t


def test_short_shared_clauses_alone_are_not_reuse():
    tgt = "全市上下要坚持党的全面领导，坚持创新引领发展，扎实做好今年各项工作。"
    assert _align(LIST_SRC, tgt)[0] == []


def test_a_thousands_separator_is_not_a_clause_end():
    key, starts = _clauses("该基金将投入1,000亿元支持基础研究，由科技部管理。")
    assert len(starts) == 3 and key[starts[1] :].startswith("由科技部")


def test_a_near_verbatim_sentence_is_matched_from_its_first_character():
    src = "提高基础研究投入是大趋势，同时要考虑国家财力，保持合理投入强度，加强实施过程绩效评估，确保“好钢用在刀刃上”。"
    tgt = "提高对基础研究的投入是大势所趋，同时也要考虑国家的财力，保持投入强度合理，加强实施过程的绩效评估，确保好钢用在刀刃上。"
    als, raws, _ = _align(src, tgt)
    assert len(als) == 1 and als[0].kind == Kind.NEAR_VERBATIM
    assert als[0].source.span.of(raws["d0"]) == src  # the inner quotation keeps its marks
    assert als[0].target.span.of(raws["d1"]) == tgt


def test_a_short_match_counts_only_as_a_whole_quotation():
    """Below 10 characters a match stands only when it is a quotation taken whole: the common
    noun phrase 基础研究人才队伍 inside the quoted 壮大基础研究人才队伍 is not that quotation."""
    src = "近年来，我国人才工作取得显著成效，但基础研究人才队伍仍有明显短板。"
    fragment = "这里结合实际，重点围绕“壮大基础研究人才队伍”进行深入解析。"
    whole = "这里结合实际，重点围绕“基础研究人才队伍”进行深入解析。"
    assert _align(src, fragment)[0] == []
    als, raws, _ = _align(src, whole)
    assert [a.target.span.of(raws["d1"]) for a in als] == ["基础研究人才队伍"]


def test_a_stock_phrase_shared_whole_is_no_evidence_whatever_follows_it():
    """习近平总书记 is in the background stock table; the different characters that follow it in
    the two texts (…就 / …的) make fresh k-grams in each text, but not in what they share."""
    a = "习近平总书记就基础研究作出部署"
    b = "习近平总书记的重要部署"
    assert A.shared_evidence(a, 0, 6, b, 0, 6) == 0
    fresh = "壮大基础研究后备力量选拔"  # a stretch that is no set phrase counts in full
    assert A.shared_evidence(fresh, 0, len(fresh), fresh, 0, len(fresh)) == len(fresh)


def test_a_set_phrase_counts_inside_a_passage_but_not_alone():
    """A clause three texts share is a set phrase for the filter, yet where it continues a
    passage of reuse (an abridged list of achievements) it belongs to that passage."""
    from quotetrace.index import ShingleIndex

    src = "微分几何学两大核心猜想被成功证明，化学小分子诱导人体细胞实现重编程，二氧化碳人工合成淀粉实现“技术造物”。"
    abridged = "凯勒几何两大核心猜想被成功证明。二氧化碳人工合成淀粉实现“技术造物”。量子计算机算力全球领先。"
    third = (
        "量子科技等研发应用走在世界前列，二氧化碳人工合成淀粉实现“技术造物”，全超导托卡马克装置创造新纪录。"
    )
    pas, raws = [], {}
    for i, t in enumerate((src, abridged, third)):
        pa, raw = article(f"d{i}", t)
        pas.append(pa)
        raws[f"d{i}"] = raw
    units = make_units(pas)
    matches = [m for c in lexical_candidates(units) for m in A.verify(c, units, raws=raws)]
    kept = A.drop_set_phrases(matches, units, ShingleIndex.build(units))
    als = A.merge_passages(kept, units, raws)
    assert [(a.source.doc_id, a.target.doc_id) for a in als] == [("d0", "d1")]
    t = als[0].target.span.of(raws["d1"])
    assert "两大核心猜想被成功证明" in t and "二氧化碳人工合成淀粉" in t


def test_a_list_number_the_texts_do_not_share_stays_out_of_the_span():
    """A policy renumbers the speech's points: （三） and 第二， are each text's own structure."""
    src = "第二，深化基础研究体制机制改革。世界已经进入大科学时代。"
    tgt = "（三）深化高校基础研究体制机制改革。各高校要认真落实。"
    als, raws, _ = _align(src, tgt)
    assert [a.target.span.of(raws["d1"]) for a in als] == ["深化高校基础研究体制机制改革。"]
    assert [a.source.span.of(raws["d0"]) for a in als] == ["深化基础研究体制机制改革。"]


def test_a_whole_short_quotation_counts_with_its_own_closing_mark():
    """“加快建设科技强国！” is eight words and a mark: taken whole, it is a quotation (the
    whole-quotation share counts words, not the mark inside the quotation marks)."""
    src = "我们的奋斗目标十分明确，就是加快建设科技强国，实现高水平科技自立自强。"
    tgt = "文章强调：“加快建设科技强国！”这是全党的共同任务。"
    als, raws, _ = _align(src, tgt)
    assert [a.target.span.of(raws["d1"]) for a in als] == ["加快建设科技强国！"]


def test_numbers_that_open_a_sentence_are_not_list_numbers():
    """2.5万, 1,200 and 1、2月份 start with a digit and a mark, but they are quantities."""
    cases = [
        (
            "2.5万名科技人员参与了重大科研项目的联合攻关工作。",
            "去年全省2.5万名科技人员参与重大科研项目的联合攻关工作。",
        ),
        (
            "1,200名科技人员参与了重大科研项目的联合攻关工作。",
            "去年全省1,200名科技人员参与重大科研项目的联合攻关工作。",
        ),
        (
            "1、2月份，全省重大科研项目的联合攻关工作进展顺利。",
            "今年1、2月份，全省重大科研项目联合攻关工作进展顺利。",
        ),
    ]
    for src, tgt in cases:
        als, raws, _ = _align(src, tgt)
        assert len(als) == 1
        assert als[0].source.span.of(raws["d0"]).startswith(src[:3]), src


def test_english_reuse_is_found_in_whole_words_and_shared_letters_are_not_reuse():
    src = (
        "Basic research is the foundation of the entire scientific system and the master switch "
        "of all technological problems. We must strengthen basic research with greater effort."
    )
    reprint = (
        "The editorial said that basic research is the foundation of the entire scientific system "
        "and the master switch of all technological problems, a point worth repeating."
    )
    unrelated = (
        "Basic research sits at the starting end of the research chain that runs from research to "
        "application and then to production; only when the foundation is solidly laid can the edifice "
        "of science and technology rise high. Xi called for steadily increasing fiscal investment in "
        "basic research, using tax incentives and other means to encourage enterprises to invest more."
    )
    als, raws, _ = _align(src, reprint)
    assert len(als) == 1
    t = als[0].target.span.of(raws["d1"])
    assert t.lower().startswith("basic research is the foundation") and t.endswith("technological problems")
    nsf = "Basic research is the foundation of the scientific enterprise. Federal agencies fund it."
    als, raws, _ = _align(nsf, unrelated)
    assert all(a.kind != Kind.PARAPHRASE for a in als)
    for a in als:  # whatever is kept starts and ends on word boundaries
        for side, doc in ((a.source, "d0"), (a.target, "d2" if "d2" in raws else "d1")):
            text, span = raws[doc], side.span
            assert span.start == 0 or not text[span.start - 1].isalpha()
            assert span.end == len(text) or not text[span.end].isalpha()


def test_an_article_number_the_texts_do_not_share_stays_out_of_the_span():
    src = "第四，加强基础研究人才队伍建设。加强基础研究，归根结底要靠高水平人才。"
    tgt = "第四条 加强基础研究人才队伍建设。各地要认真落实。"
    als, raws, _ = _align(src, tgt)
    assert [a.target.span.of(raws["d1"]) for a in als] == ["加强基础研究人才队伍建设。"]


def test_a_long_match_made_mostly_of_stock_phrases_is_a_formula_not_reuse():
    formula = "要更加紧密地团结在以习近平同志为核心的党中央周围，全面贯彻习近平新时代中国特色社会主义思想"
    a = f"会议强调，{formula}，扎实做好今年春耕备耕各项工作。"
    b = f"座谈会指出，{formula}，加快推进边境地区民生改善。"
    assert _align(a, b)[0] == []
    copied = "扎实推进边境地区兴边富民行动，加快补齐基础设施和公共服务短板"  # no set phrase
    als, raws, _ = _align(f"{a}{copied}。", f"报道说，{copied}。")
    assert [x.target.span.of(raws["d1"]) for x in als] == [copied + "。"]


def test_circled_numbers_and_yi_shi_items_stay_out_of_the_span():
    src = "第四，加强基础研究人才队伍建设。加强基础研究，归根结底要靠高水平人才。"
    for tgt, want in (
        ("二是要加强基础研究人才队伍建设。各地要认真落实。", "要加强基础研究人才队伍建设。"),
        ("④加强基础研究人才队伍建设。各地要认真落实。", "加强基础研究人才队伍建设。"),
    ):
        als, raws, _ = _align(src, tgt)
        assert [a.target.span.of(raws["d1"]) for a in als] == [want], tgt


def test_closing_formulas_and_attendance_lines_are_no_reuse():
    # curated boilerplate (data/stock_phrases.txt): what any official text of the period carries
    a = (
        "会上，中央和国家机关有关部门、有关人民团体、军队有关单位主要负责同志参加会议。"
        "我们要更加紧密地团结在以习近平同志为核心的党中央周围，全面贯彻习近平新时代中国特色社会主义思想。"
    )
    b = (
        "中央和国家机关有关部门、军队有关单位、部分省市主要负责同志出席。"
        "要更加紧密地团结在以习近平同志为核心的党中央周围，全面贯彻习近平新时代中国特色社会主义思想，奋力谱写新篇章。"
    )
    assert _align(a, b)[0] == []


def test_the_curated_boilerplate_is_part_of_the_stock_table():
    from quotetrace.index import compact, stock_grams

    key, _ = compact("更加紧密地团结在以习近平总书记为核心的党中央周围")
    stock = stock_grams()
    assert all(key[i : i + 6] in stock for i in range(len(key) - 5))
    assert "基础研究人才" not in stock  # topical words are not boilerplate


def test_two_readouts_on_different_topics_share_a_frame_not_text():
    # a study-session readout is a template: only the topic words differ
    frame = (
        "中共中央总书记习近平在主持学习时强调，{a}。"
        "{who}就这个问题进行讲解，提出了工作建议。中央政治局的同志认真听取了讲解，并进行了讨论。"
        "习近平在听取讲解和讨论后发表了重要讲话。他指出，党的十八大以来，以习近平同志为核心的党中央把{t}摆在{w}的突出位置，{r}。"
        "习近平强调，各级党委和政府要认真贯彻落实党中央决策部署，切实扛起{t}政治责任，{d}。"
        "中央和国家机关有关部门负责同志列席会议，中央有关部门负责同志作了发言。"
    )
    grain = frame.format(
        a="粮食安全是国之大者，要坚持藏粮于地、藏粮于技",
        who="中国农业大学教授张某某",
        t="粮食安全",
        w="治国理政",
        r="我国粮食生产连年丰收",
        d="严格落实耕地保护制度，加快推进高标准农田建设",
    )
    eco = frame.format(
        a="生态文明建设是关系中华民族永续发展的根本大计，要坚持绿水青山就是金山银山的理念",
        who="生态环境部环境规划院研究员李某某",
        t="生态环境保护",
        w="全局工作",
        r="我国生态环境保护发生历史性变化",
        d="深入打好污染防治攻坚战，加快推动发展方式绿色转型",
    )
    assert _align(grain, eco)[0] == []


def test_english_newswire_frames_are_no_reuse(tmp_path):
    from quotetrace import pipeline
    from quotetrace.config import Config

    (tmp_path / "2023-02-23_wire-basic.txt").write_text(
        "Xi urges stronger basic research\n\nBEIJING, Feb 23 (Example Wire) - Chinese President Xi Jinping has "
        "called for a major push in basic research as competition with the United States intensifies.\n\n"
        "(Reporting by Example Reporter; Editing by Another Editor)\n",
        encoding="utf-8",
    )
    (tmp_path / "2023-03-05_wire-grain.txt").write_text(
        "Xi calls for food security\n\nBEIJING, March 5 (Example Wire) - Chinese President Xi Jinping called for "
        "more farmland protection and seed breeding to secure the grain harvest.\n\n"
        "(Reporting by Third Reporter; Editing by Fourth Editor)\n",
        encoding="utf-8",
    )
    assert pipeline.trace(tmp_path, config=Config(semantic=False)).alignments == []


def test_a_whole_clause_taken_into_a_longer_clause_keeps_its_exact_words():
    src = "要坚持走基础研究人才自主培养之路，深入实施“强基计划”。"
    tgt = "人才是第一资源，各地各部门要坚持走基础研究人才自主培养之路，让科研人员潜心钻研。"
    als, raws, _ = _align(src, tgt)
    assert len(als) == 1 and als[0].kind == Kind.VERBATIM
    assert als[0].target.span.of(raws["d1"]) == "要坚持走基础研究人才自主培养之路"


def test_datelines_of_two_unrelated_notices_are_no_reuse():
    a = "关于加强冷链物流建设的通知\n\n（2024年3月10日）\n\n各县区要加快建设产地冷藏保鲜设施，推动冷链物流全程温控可追溯。\n"
    b = "关于开展春季植树活动的通知\n\n2024年3月12日\n\n各单位要组织干部职工积极参加义务植树，做好苗木管护。\n"
    assert _align(a, b)[0] == []


def test_a_provincial_closing_and_its_issuer_line_are_no_reuse():
    closing = (
        "各地各部门要深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”，"
        "切实把思想和行动统一到党中央决策部署上来。各市（州）人民政府要加强组织领导，压实工作责任，确保各项任务落地见效。"
        "要更加紧密地团结在以习近平同志为核心的党中央周围，锐意进取、真抓实干，为谱写中国式现代化{p}篇章作出新的更大贡献。"
        "\n\n{p}省人民政府办公厅\n"
    )
    a = "关于推进物流降本增效的实施意见\n\n各地要优化运输结构，发展多式联运。\n\n" + closing.format(p="东川")
    b = "关于加快数字经济发展的实施方案\n\n各地要建设算力基础设施，培育数据要素市场。\n\n" + closing.format(
        p="东川"
    )
    assert _align(a, b)[0] == []


def _link(src: str, tgt: str, text: str, raw: str, kind: Kind, *, quoted: bool = False) -> Alignment:
    i = raw.index(text)
    return Alignment(
        Side(src, src, Span(0, 1)), Side(tgt, tgt, Span(i, i + len(text))), kind, 0.9, quoted=quoted
    )


def test_a_lone_short_edited_clause_is_not_reuse_unless_quoted_or_beside_other_reuse():
    raw = "要坚持以需求为牵引，优化高等学校学科设置，创新人才培养模式，切实提高人才自主培养水平和质量。"
    raws = {"s": "x", "t": raw, "u": raw}
    edited = "优化高等学校学科设置，创新人才培养模式"  # 18 characters, edited against its source
    lone = _link("s", "t", edited, raw, Kind.NEAR_VERBATIM)
    assert A.drop_lone_edits([lone], raws) == []
    # the same words kept: word for word, quoted, or one of several passages the articles share
    same = _link("s", "t", edited, raw, Kind.VERBATIM)
    quoted = _link("s", "t", edited, raw, Kind.NEAR_VERBATIM, quoted=True)
    assert A.drop_lone_edits([same], raws) == [same]
    assert A.drop_lone_edits([quoted], raws) == [quoted]
    other = _link("s", "t", "切实提高人才自主培养水平和质量", raw, Kind.VERBATIM)
    assert A.drop_lone_edits([lone, other], raws) == [lone, other]
    # a second link to another reuser does not corroborate this one
    elsewhere = _link("s", "u", "切实提高人才自主培养水平和质量", raw, Kind.VERBATIM)
    assert A.drop_lone_edits([lone, elsewhere], raws) == [elsewhere]
    # a longer edited passage stands on its own
    long = _link("s", "t", raw[:-1], raw, Kind.NEAR_VERBATIM)
    assert A.drop_lone_edits([long], raws) == [long]
    # ... but not a short one widened on one side by a word the other text lacks
    src = "要积极优化高等学校学科设置、人才培养模式，培养急需人才。"
    tgt = "要进一步优化高等学校学科设置，创新人才培养模式，切实提高质量。"
    widened = Alignment(
        Side("s", "s", Span(src.index("积极"), src.index("，"))),
        Side("t", "t", Span(tgt.index("进一步"), tgt.index("，切实"))),
        Kind.NEAR_VERBATIM,
        0.85,
    )
    assert A.drop_lone_edits([widened], {"s": src, "t": tgt}) == []


def test_a_short_sentence_carried_whole_with_an_edit_is_still_reuse():
    src, tgt = (
        "一是总体要求。\n\n加快重点领域节能节水改造。其他。",
        "会议提出，要推进改革。\n加快重点领域节能降碳改造。\n",
    )
    a = src.index("加快")
    b = tgt.index("加快")
    whole = Alignment(
        Side("s", "s", Span(a, src.index("。", a) + 1)),
        Side("t", "t", Span(b, tgt.index("。", b) + 1)),
        Kind.NEAR_VERBATIM,
        0.9,
    )
    assert A.drop_lone_edits([whole], {"s": src, "t": tgt}) == [whole]
    # the same words as a phrase inside longer sentences are a shared formula
    src2, tgt2 = "要加快重点领域节能节水改造，推动转型。", "会议提出，加快重点领域节能降碳改造，确保见效。"
    a, b = src2.index("加快"), tgt2.index("加快")
    phrase = Alignment(
        Side("s", "s", Span(a, src2.index("，", a))),
        Side("t", "t", Span(b, tgt2.index("，", b))),
        Kind.NEAR_VERBATIM,
        0.9,
    )
    assert A.drop_lone_edits([phrase], {"s": src2, "t": tgt2}) == []


def test_a_stray_word_before_a_longer_change_is_not_part_of_the_match():
    speech = "习近平强调，要深化基础研究体制机制改革，发挥好制度、政策的价值驱动和战略牵引作用。"
    comment = "总书记要求“稳步增加基础研究财政投入”，并“发挥好制度、政策的价值驱动和战略牵引作用”。"
    als, raws, _ = _align(speech, comment)
    assert [a.target.span.of(raws[a.target.doc_id]) for a in als] == [
        "发挥好制度、政策的价值驱动和战略牵引作用"
    ]
    # a one-word edit keeps the words before it in the match
    als, raws, _ = _align(
        "要加强基础研究重大项目可行性论证和遴选评估，充分尊重科学家意见。",
        "各地要加强基础研究重点项目可行性论证和遴选评估，充分尊重科学家意见。",
    )
    assert any("加强基础研究重点项目可行性论证" in a.target.span.of(raws[a.target.doc_id]) for a in als)
