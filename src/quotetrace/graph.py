"""`graph`: directed alignments → networkx citation graph → GraphML / GEXF / JSON bytes.

Why: users open the citation network in Gephi or Cytoscape, or load it with networkx, to see
which texts reuse which (design.md §1 graph, §5 `quotetrace graph`). Three levels: documents,
articles (default) and passages. Every attribute is a GraphML type (string, long, double) and
never None — unknown text is "", unknown numbers are -1 — so the file validates against the
GraphML schema and reads back equal. This is the only module that imports networkx.

`build_graph` and the `*_bytes` writers are pure; `write_graph` / `to_graphml` write a file
atomically (temporary file in the same folder, then `os.replace`).
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Literal

import networkx as nx

from .errors import InputError
from .model import Alignment, Article, Document, Kind, Side, Span
from .provenance import best_date, reprints, sort_key

__all__ = [
    "FORMATS",
    "LEVELS",
    "Level",
    "build_graph",
    "gexf_bytes",
    "graph_bytes",
    "graphml_bytes",
    "json_bytes",
    "node_key",
    "passage_id",
    "to_graphml",
    "write_graph",
]

Level = Literal["document", "article", "passage"]
LEVELS: tuple[str, ...] = ("document", "article", "passage")
FORMATS: tuple[str, ...] = ("graphml", "gexf", "json")
EXAMPLE_CHARS = 200  # example passage texts on edges are cut to this many characters
LABEL_CHARS = 40  # passage node labels


def passage_id(side: Side) -> str:
    """Id of a passage: 'ARTICLE@START-END' (raw offsets)."""
    return f"{side.article_id}@{side.span.start}-{side.span.end}"


def _nmtoken_char(ch: str) -> bool:
    # ASCII name characters and CJK ideographs: NMTOKEN under every XML 1.0 edition
    return (ch.isascii() and (ch.isalnum() or ch in "-._:")) or "\u4e00" <= ch <= "\u9fa5"


def node_key(text_id: str) -> str:
    """The graph's node key for an id: GraphML ids must be XML NMTOKENs, so '#' and '@'
    (article and passage ids) become ':' and any other character outside ASCII letters,
    digits, '-', '.', '_', ':' and CJK ideographs becomes '_'. The `id` attribute keeps the
    id unchanged. E.g. 'bit-bulletin#2' → 'bit-bulletin:2'."""
    out = "".join(ch if _nmtoken_char(ch) else (":" if ch in "#@" else "_") for ch in text_id)
    return out or "_"


def _cut(text: str, n: int = EXAMPLE_CHARS) -> str:
    text = " ".join(text.split()) if any(c in text for c in "\n\r\t") else text
    return text if len(text) <= n else text[: n - 1] + "…"


class _Raw:
    """Non-space counts over raw texts, cached per document (one per build)."""

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.documents = documents
        self._prefix: dict[str, list[int]] = {}

    def text(self, doc_id: str, span: Span) -> str:
        d = self.documents.get(doc_id)
        return span.of(d.raw) if d is not None else ""

    def nonspace(self, doc_id: str, spans: Iterable[Span]) -> int:
        d = self.documents.get(doc_id)
        if d is None:
            return 0
        pre = self._prefix.get(doc_id)
        if pre is None:
            pre = [0]
            n = 0
            for ch in d.raw:
                n += not ch.isspace()
                pre.append(n)
            self._prefix[doc_id] = pre
        top = len(pre) - 1
        total = 0
        last = 0
        for sp in sorted(spans):  # union of intervals
            s, e = max(min(sp.start, top), last), min(sp.end, top)
            if e > s:
                total += pre[e] - pre[s]
                last = e
        return total


def _share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole > 0 else 0.0


# --------------------------------------------------------------------------- nodes


def _doc_node(doc_id: str, documents: Mapping[str, Document], n_articles: int, raw: _Raw) -> dict[str, Any]:
    d = documents.get(doc_id)
    meta = d.meta if d is not None else None
    title = (meta.title if meta else None) or doc_id
    return {
        "id": doc_id,
        "label": title,
        "title": title,
        "date": (meta.date if meta else None) or "",
        "publisher": (meta.publisher if meta else None) or "",
        "kind": (meta.kind if meta else None) or "",
        "language": meta.language if meta else "",
        "file": d.file if d is not None else "",
        "articles": n_articles,
        "characters": raw.nonspace(doc_id, [Span(0, len(d.raw))]) if d is not None else -1,
    }


def _article_node(
    art_id: str,
    doc_id: str,
    articles: Mapping[str, Article],
    documents: Mapping[str, Document],
    raw: _Raw,
    reprint_of: tuple[str, float] | None,
) -> dict[str, Any]:
    a = articles.get(art_id)
    d = documents.get(doc_id)
    meta = d.meta if d is not None else None
    title = (a.title if a else None) or (meta.title if meta else None) or art_id
    if a is not None:
        chars = raw.nonspace(doc_id, [a.span])
    elif d is not None and art_id == doc_id:
        chars = raw.nonspace(doc_id, [Span(0, len(d.raw))])
    else:
        chars = -1
    return {
        "id": art_id,
        "label": title,
        "doc": doc_id,
        "title": title,
        "date": best_date(art_id, articles, documents, doc_id) or "",
        "publisher": (a.source if a else None) or (meta.publisher if meta else None) or "",
        "kind": (meta.kind if meta else None) or "",
        "file": d.file if d is not None else "",
        "characters": chars,
        "reprint_of": reprint_of[0] if reprint_of else "",
        "reprint_share": round(reprint_of[1], 6) if reprint_of else 0.0,
    }


def _passage_node(
    side: Side, articles: Mapping[str, Article], documents: Mapping[str, Document], raw: _Raw
) -> dict[str, Any]:
    a = articles.get(side.article_id)
    d = documents.get(side.doc_id)
    meta = d.meta if d is not None else None
    text = raw.text(side.doc_id, side.span)
    return {
        "id": passage_id(side),
        "label": _cut(text, LABEL_CHARS),
        "doc": side.doc_id,
        "article": side.article_id,
        "span_start": side.span.start,
        "span_end": side.span.end,
        "text": _cut(text),
        "title": (a.title if a else None) or (meta.title if meta else None) or side.article_id,
        "date": best_date(side.article_id, articles, documents, side.doc_id) or "",
        "publisher": (a.source if a else None) or (meta.publisher if meta else None) or "",
        "kind": (meta.kind if meta else None) or "",
        "file": d.file if d is not None else "",
        "characters": raw.nonspace(side.doc_id, [side.span]) if d is not None else -1,
    }


# --------------------------------------------------------------------------- edges


def _edge_attrs(
    group: Sequence[Alignment], raw: _Raw, target_chars: int, id_of: Any, level: str
) -> dict[str, Any]:
    kinds = Counter(a.kind for a in group)
    tgt = group[0].target
    reused = raw.nonspace(tgt.doc_id, [a.target.span for a in group])
    example = max(group, key=lambda a: (len(a.target.span), a.score, -a.target.span.start))
    vias = sorted({id_of(a.via) for a in group if a.via is not None})
    origins = sorted({id_of(a.origin) for a in group if a.origin is not None})
    directions = Counter(str(a.direction) for a in group)
    rules = sorted({a.direction_rule for a in group if a.direction_rule})
    attrs: dict[str, Any] = {
        "passages": len(group),
        "reused_chars": reused,
        "share_of_target": _share(reused, target_chars),
        "weight": float(reused),
        "kinds_verbatim": kinds.get(Kind.VERBATIM, 0),
        "kinds_near_verbatim": kinds.get(Kind.NEAR_VERBATIM, 0),
        "kinds_paraphrase": kinds.get(Kind.PARAPHRASE, 0),
        "kinds_translation": kinds.get(Kind.TRANSLATION, 0),
        "quoted": sum(a.quoted for a in group),
        "attributed": sum(a.attributed for a in group),
        "score_max": round(max(a.score for a in group), 6),
        "score_mean": round(sum(a.score for a in group) / len(group), 6),
        "direction": directions.most_common(1)[0][0] if len(directions) == 1 else "mixed",
        "direction_rules": ";".join(rules),
        "via": ";".join(vias),
        "via_passages": sum(a.via is not None for a in group),
        "origin": ";".join(origins),
        "origin_passages": sum(a.origin is not None for a in group),
        "example_source": _cut(raw.text(example.source.doc_id, example.source.span)),
        "example_target": _cut(raw.text(example.target.doc_id, example.target.span)),
        "example_kind": str(example.kind),
    }
    if level == "passage":
        a = group[0]
        attrs["kind"] = str(a.kind)
        attrs["score"] = round(a.score, 6)
        attrs["direction_rule"] = a.direction_rule
    return attrs


def build_graph(
    alignments: Iterable[Alignment],
    articles: Mapping[str, Article],
    documents: Mapping[str, Document],
    *,
    level: Level = "article",
) -> nx.DiGraph:
    """The citation graph: an edge source → target per pair of texts that share passages.

    Document and article levels hold every document / article given (isolated ones too) and
    one edge per ordered pair, aggregating its alignments; the passage level has a node per
    aligned passage and an edge per alignment. See docs/graph.md for the attributes.
    """
    if level not in LEVELS:
        raise InputError(None, f"unknown graph level {level!r} (expected one of: {', '.join(LEVELS)})")
    items = sorted(alignments, key=sort_key)
    raw = _Raw(documents)
    G = nx.DiGraph(level=level, generator="quotetrace")

    keys: dict[str, str] = {}  # id → node key, unique even when two ids escape alike
    taken: set[str] = set()

    def key_of(text_id: str) -> str:
        if text_id not in keys:
            k = base = node_key(text_id)
            n = 1
            while k in taken:
                n += 1
                k = f"{base}.{n}"
            keys[text_id] = k
            taken.add(k)
        return keys[text_id]

    def id_of(side: Side) -> str:
        if level == "document":
            return side.doc_id
        if level == "article":
            return side.article_id
        return passage_id(side)

    def node_of(side: Side) -> str:
        return key_of(id_of(side))

    # nodes
    if level == "document":
        n_articles = Counter(a.doc_id for a in articles.values())
        doc_ids = set(documents) | {s.doc_id for a in items for s in (a.source, a.target)}
        for doc_id in sorted(doc_ids):
            G.add_node(key_of(doc_id), **_doc_node(doc_id, documents, n_articles.get(doc_id, 0), raw))
    elif level == "article":
        rep = reprints(items, articles, documents)
        arts = {a.id: a.doc_id for a in articles.values()}
        for al in items:
            for s in (al.source, al.target):
                arts.setdefault(s.article_id, s.doc_id)
        for d in documents.values():  # a document without articles is one article
            if not any(doc == d.id for doc in arts.values()):
                arts[d.id] = d.id
        for art_id in sorted(arts):
            G.add_node(
                key_of(art_id),
                **_article_node(art_id, arts[art_id], articles, documents, raw, rep.get(art_id)),
            )
    else:
        sides = sorted(
            {s for al in items for s in (al.source, al.target)},
            key=lambda s: (s.doc_id, s.article_id, s.span),
        )
        for s in sides:
            G.add_node(key_of(passage_id(s)), **_passage_node(s, articles, documents, raw))

    # reused characters of nodes: covered as a target
    covered: dict[str, list[Span]] = defaultdict(list)
    node_doc: dict[str, str] = {}
    for al in items:
        n = node_of(al.target)
        covered[n].append(al.target.span)
        node_doc[n] = al.target.doc_id
    for n, data in G.nodes(data=True):
        chars = data["characters"]
        used = raw.nonspace(node_doc[n], covered[n]) if n in covered else 0
        data["reused_chars"] = used
        data["reused_share"] = _share(used, chars)

    # edges
    groups: dict[tuple[str, str], list[Alignment]] = defaultdict(list)
    for al in items:
        key = (node_of(al.source), node_of(al.target))
        if level == "passage" and key in groups:
            # one edge per passage pair: keep the strongest alignment
            if (al.score, str(al.kind)) <= (groups[key][0].score, str(groups[key][0].kind)):
                continue
            groups[key] = []
        groups[key].append(al)
    for (u, v), group in sorted(groups.items()):
        G.add_edge(u, v, **_edge_attrs(group, raw, G.nodes[v]["characters"], id_of, level))
    return G


# --------------------------------------------------------------------------- writers


def _check_attributes(G: nx.Graph) -> None:
    """Only GraphML-typable values: str, int, finite float (bool is written as True/False by
    networkx, which GraphML readers disagree on, so build_graph never emits it)."""

    def ok(v: object) -> bool:
        if isinstance(v, bool):
            return False
        if isinstance(v, float):
            return math.isfinite(v)
        return isinstance(v, (str, int))

    for where, data in [("graph", G.graph), *((f"node {n}", d) for n, d in G.nodes(data=True))]:
        for k, v in data.items():
            if not ok(v):
                raise InputError(None, f"{where}: attribute {k!r} has a value GraphML cannot type: {v!r}")
    for u, v, d in G.edges(data=True):
        for k, val in d.items():
            if not ok(val):
                raise InputError(
                    None, f"edge {u}->{v}: attribute {k!r} has a value GraphML cannot type: {val!r}"
                )


def graphml_bytes(G: nx.Graph) -> bytes:
    """GraphML 1.0 (UTF-8) that validates against the schema and `networkx.read_graphml`
    reads back equal."""
    if G.is_multigraph():
        raise InputError(
            None, "multigraphs are not written: their repeated edge keys make invalid GraphML ids"
        )
    _check_attributes(G)
    buf = io.BytesIO()
    nx.write_graphml(G, buf, encoding="utf-8", prettyprint=True, named_key_ids=False)
    return buf.getvalue()


def gexf_bytes(G: nx.Graph) -> bytes:
    """GEXF 1.2 for Gephi (networkx.write_gexf)."""
    _check_attributes(G)
    buf = io.BytesIO()
    nx.write_gexf(G, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def json_bytes(G: nx.Graph) -> bytes:
    """networkx node-link JSON ({"nodes": [...], "edges": [...]}), UTF-8, keys sorted; each
    node's key is under "node" (its "id" attribute keeps the unescaped id)."""
    data = nx.node_link_data(G, name="node", edges="edges")
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def graph_bytes(G: nx.Graph, *, format: str = "graphml") -> bytes:
    """The graph serialised in `format` (graphml | gexf | json)."""
    writers = {"graphml": graphml_bytes, "gexf": gexf_bytes, "json": json_bytes}
    if format not in writers:
        raise InputError(None, f"unknown graph format {format!r} (expected one of: {', '.join(FORMATS)})")
    return writers[format](G)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_graph(
    G: nx.Graph, path_or_file: str | os.PathLike[str] | BinaryIO, *, format: str = "graphml"
) -> None:
    """Write the graph to a path (atomically) or to a binary file object."""
    data = graph_bytes(G, format=format)
    if hasattr(path_or_file, "write"):
        path_or_file.write(data)
    else:
        _write_atomic(Path(path_or_file), data)


def to_graphml(G: nx.Graph, path_or_file: str | os.PathLike[str] | BinaryIO) -> None:
    """Write GraphML to a path (atomically) or to a binary file object."""
    write_graph(G, path_or_file, format="graphml")
