"""graph: node/edge attributes at three levels, GraphML round trip and schema validity."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import networkx as nx
import pytest

from quotetrace.errors import InputError
from quotetrace.graph import (
    build_graph,
    gexf_bytes,
    graph_bytes,
    graphml_bytes,
    json_bytes,
    node_key,
    passage_id,
    to_graphml,
    write_graph,
)
from quotetrace.model import Alignment, Kind
from quotetrace.provenance import orient_all

from .test_provenance import P, Q, R, World

SCHEMA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "graphml-schema"
GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"


def _world() -> tuple[World, list[Alignment]]:
    w = World()
    w.doc("sp", "今天集体学习。" + P + Q + R, date="2023-02-21", kind="speech")
    w.doc(
        "bu",
        "# 转载\n" + P + Q + R,
        "# 评论\n习近平总书记强调：“" + P + "”我们要落实。\n" + "评论员说，" + R,
        date="2026-05-12",
        kind="bundle",
        article_dates=("2023", "2026-05-02"),
    )
    w.doc("po", "为贯彻落实党的二十大精神，提出如下意见。\n" + Q + "其他内容。", kind="policy")
    w.doc(
        "en",
        "Xi Jinping emphasized that basic research is the source.",
        date="2023-02-21",
        kind="translation",
    )
    als = [
        w.al("sp", "bu#1", P + Q + R),
        w.al("bu#1", "bu#2", P),
        w.al("sp", "bu#2", P),
        w.al("sp", "bu#2", R, Kind.NEAR_VERBATIM, 0.9),
        w.al("po", "sp", Q, Kind.NEAR_VERBATIM, 0.85),
        Alignment(w.side("en", "basic research is the source."), w.side("sp", P), Kind.TRANSLATION, 0.6),
    ]
    return w, orient_all(als, w.articles, w.documents)


@pytest.fixture(scope="module")
def world() -> tuple[World, list[Alignment]]:
    return _world()


@pytest.fixture(scope="module", params=["document", "article", "passage"])
def graph(request: pytest.FixtureRequest, world: tuple[World, list[Alignment]]) -> nx.DiGraph:
    w, als = world
    return build_graph(als, w.articles, w.documents, level=request.param)


def test_article_graph_nodes_and_edges(world: tuple[World, list[Alignment]]) -> None:
    w, als = world
    G = build_graph(als, w.articles, w.documents)
    assert set(G.nodes) == {"sp", "bu:1", "bu:2", "po", "en"}  # GraphML ids are NMTOKENs
    assert {G.nodes[n]["id"] for n in G} == {"sp", "bu#1", "bu#2", "po", "en"}
    assert set(G.edges) == {("sp", "bu:1"), ("sp", "bu:2"), ("sp", "po"), ("sp", "en")}
    sp = G.nodes["sp"]
    assert sp["title"] == "sp" and sp["date"] == "2023-02-21" and sp["kind"] == "speech"
    assert sp["characters"] == len("今天集体学习。" + P + Q + R)
    assert sp["reused_chars"] == 0 and sp["reused_share"] == 0.0
    rp = G.nodes["bu:1"]
    assert rp["reprint_of"] == "sp" and rp["reprint_share"] >= 0.8 and rp["reused_share"] >= 0.8
    assert G.nodes["po"]["date"] == ""  # unknown dates are empty strings, never None
    e = G.edges["sp", "bu:2"]
    assert e["passages"] == 2
    assert e["kinds_verbatim"] == 1 and e["kinds_near_verbatim"] == 1 and e["kinds_paraphrase"] == 0
    assert e["quoted"] == 1 and e["attributed"] == 1  # 评论员说 is no attribution to the leader
    assert e["reused_chars"] == len(P) + len(R)  # non-space characters of both target spans
    assert 0 < e["share_of_target"] < 1
    assert e["via"] == "bu#1" and e["via_passages"] == 1  # came through the reprint in the same bundle
    assert e["example_target"] in (P, R)
    assert G.edges["sp", "en"]["kinds_translation"] == 1
    assert G.edges["sp", "po"]["direction_rules"] == "speech is source"


def test_reused_chars_count_non_space_characters_once(world: tuple[World, list[Alignment]]) -> None:
    w, als = world
    G = build_graph(als, w.articles, w.documents)
    bu2 = G.nodes["bu:2"]
    assert bu2["reused_chars"] == len(P) + len(R)
    assert bu2["characters"] == len(
        w.articles["bu#2"].span.of(w.documents["bu"].raw).replace("\n", "").replace(" ", "")
    )
    assert bu2["reused_share"] == round(bu2["reused_chars"] / bu2["characters"], 6)


def test_document_graph_aggregates_articles(world: tuple[World, list[Alignment]]) -> None:
    w, als = world
    G = build_graph(als, w.articles, w.documents, level="document")
    assert set(G.nodes) == {"sp", "bu", "po", "en"}
    assert G.nodes["bu"]["articles"] == 2
    e = G.edges["sp", "bu"]
    assert e["passages"] == 3
    assert e["reused_chars"] == G.nodes["bu"]["reused_chars"]


def test_passage_graph_has_a_node_per_passage(world: tuple[World, list[Alignment]]) -> None:
    w, als = world
    G = build_graph(als, w.articles, w.documents, level="passage")
    assert G.number_of_edges() == len(als)
    for a in als:
        u, v = node_key(passage_id(a.source)), node_key(passage_id(a.target))
        assert G.has_edge(u, v)
        assert G.nodes[v]["text"] == w.text(a.target)[:200]
        assert G.nodes[v]["id"] == passage_id(a.target)
        assert (G.nodes[v]["span_start"], G.nodes[v]["span_end"]) == (a.target.span.start, a.target.span.end)
        assert G.edges[u, v]["kind"] == str(a.kind)


def test_unknown_level_and_format_are_input_errors(world: tuple[World, list[Alignment]]) -> None:
    w, als = world
    with pytest.raises(InputError):
        build_graph(als, w.articles, w.documents, level="sentence")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        graph_bytes(nx.DiGraph(), format="dot")


def test_values_that_graphml_cannot_type_are_refused() -> None:
    G = nx.DiGraph()
    G.add_node("a", date=None)
    with pytest.raises(InputError):
        graphml_bytes(G)
    H = nx.DiGraph()
    H.add_edge("a", "b", score=math.nan)
    with pytest.raises(InputError):
        graphml_bytes(H)


# --------------------------------------------------------------------------- round trips


def test_graphml_round_trip_is_equal(graph: nx.DiGraph, tmp_path: Path) -> None:
    path = tmp_path / "out" / "citations.graphml"
    to_graphml(graph, path)
    back = nx.read_graphml(path)
    assert isinstance(back, nx.DiGraph) and back.is_directed()
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))
    assert {(u, v): d for u, v, d in back.edges(data=True)} == {
        (u, v): d for u, v, d in graph.edges(data=True)
    }
    # read_graphml adds empty node_default / edge_default dicts
    assert {k: v for k, v in back.graph.items() if not k.endswith("_default")} == graph.graph
    assert not list(tmp_path.glob("out/.*.tmp"))  # the temporary file was renamed away


def test_graphml_to_a_file_object(graph: nx.DiGraph) -> None:
    buf = io.BytesIO()
    to_graphml(graph, buf)
    assert buf.getvalue() == graphml_bytes(graph)


def test_json_and_gexf_writers(graph: nx.DiGraph, tmp_path: Path) -> None:
    data = json.loads(json_bytes(graph))
    back = nx.node_link_graph(data, name="node", edges="edges")
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))
    assert back.number_of_edges() == graph.number_of_edges()
    write_graph(graph, tmp_path / "g.gexf", format="gexf")
    g2 = nx.read_gexf(tmp_path / "g.gexf")
    assert g2.number_of_nodes() == graph.number_of_nodes()
    assert g2.number_of_edges() == graph.number_of_edges()
    assert gexf_bytes(graph).startswith(b"<?xml")


def test_graphml_values_parse_as_their_declared_types(graph: nx.DiGraph) -> None:
    """The XSD does not check these: every <data> must parse as its key's attr.type and sit on
    an element its key is declared `for`."""
    from lxml import etree

    root = etree.fromstring(graphml_bytes(graph))
    keys = {k.get("id"): (k.get("for"), k.get("attr.type")) for k in root.iter(f"{GRAPHML_NS}key")}
    assert {t for _, t in keys.values()} <= {"string", "long", "int", "double"}
    for data in root.iter(f"{GRAPHML_NS}data"):
        where, typ = keys[data.get("key")]
        assert etree.QName(data.getparent()).localname == where
        text = data.text or ""
        if typ in ("long", "int"):
            int(text)
        elif typ == "double":
            assert math.isfinite(float(text)) and text.lower() not in ("nan", "inf", "-inf")


def test_graphml_validates_against_the_schema(graph: nx.DiGraph) -> None:
    xsd = SCHEMA_DIR / "graphml.xsd"
    if not xsd.exists():
        pytest.skip(f"GraphML schema not found at {SCHEMA_DIR} (shared folder absent)")
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(xsd)))
    doc = etree.parse(io.BytesIO(graphml_bytes(graph)))
    assert schema.validate(doc), schema.error_log


def test_empty_graph_is_valid_graphml() -> None:
    G = build_graph([], {}, {}, level="article")
    assert G.number_of_nodes() == 0
    back = nx.read_graphml(io.BytesIO(graphml_bytes(G)))
    assert back.number_of_nodes() == 0 and back.graph["level"] == "article"


def test_node_keys_are_nmtokens() -> None:
    assert node_key("bit-bulletin#2") == "bit-bulletin:2"
    assert node_key("speech-2023#1@10-20") == "speech-2023:1:10-20"
    assert node_key("会议 纪要（2024）") == "会议_纪要_2024_"
    assert node_key("") == "_"


def test_ids_that_escape_alike_stay_distinct() -> None:
    w = World()
    w.doc("a b", "甲。" + R)
    w.doc("a_b", "乙。" + R)
    G = build_graph(orient_all([w.al("a b", "a_b", R)], w.articles, w.documents), w.articles, w.documents)
    assert G.number_of_nodes() == 2 and G.number_of_edges() == 1
    assert sorted(G.nodes[n]["id"] for n in G) == ["a b", "a_b"]
