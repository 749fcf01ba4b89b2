"""`pipeline`: the only module that knows the stage order (design.md §1).

Each stage is a pure function from the module named after it; this module strings
them together, times them, and reports progress through an injected callback so the
CLI can draw progress bars without the library importing rich.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import align as align_mod
from . import index as index_mod
from . import ingest
from .config import Config
from .ingest import load_documents
from .model import Alignment, Corpus, Document, ParsedArticle
from .normalise import normalise
from .segment import segment
from .split import split_articles

ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk construction of many small objects.

    Why: the corpus is millions of long-lived sentences, units and spans with no cycles;
    each full collection would walk all of them again (quadratic-looking growth at 1M
    sentences). Collection resumes afterwards and surviving objects are frozen."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        gc.freeze()


@dataclass
class Timings:
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - t


def parse_document(doc: Document) -> tuple[ParsedArticle, ...]:
    """split → normalise → segment for one document (pure; usable as a map step)."""
    out = []
    lang = doc.meta.language or "zh"
    for art in split_articles(doc):
        norm = normalise(doc.raw, art.span, language=lang)
        sents = segment(
            doc.raw,
            norm,
            doc_id=doc.id,
            article_id=art.id,
            language=lang,
            title_span=art.title_span,
            source_span=art.source_span,
        )
        out.append(ParsedArticle(art, norm, sents))
    return tuple(out)


def load_corpus(
    folder: str | Path,
    *,
    skip_bad: bool = False,
    progress: ProgressFn | None = None,
    timings: Timings | None = None,
) -> Corpus:
    """Ingest a corpus folder: documents, their articles, normalised text and sentences."""
    tm = timings or Timings()
    with tm("ingest"):
        docs, issues = load_documents(Path(folder), skip_bad=skip_bad)
    arts: list[ParsedArticle] = []
    with tm("split+normalise+segment"), _quiet_gc():
        for i, d in enumerate(docs):
            arts.extend(parse_document(d))
            if progress:
                progress("parse", i + 1, len(docs))
    return Corpus(str(folder), tuple(docs), tuple(arts), tuple(issues))


def align_corpus(
    corpus: Corpus,
    *,
    config: Config | None = None,
    progress: ProgressFn | None = None,
    timings: Timings | None = None,
    cache: Any = None,
) -> list[Alignment]:
    """Every reuse between two different articles of the corpus, one record per passage
    (not yet oriented: see provenance)."""
    cfg = config or Config()
    tm = timings or Timings()
    langs = {d.id: d.meta.language or "zh" for d in corpus.documents}
    raws = {d.id: d.raw for d in corpus.documents}
    with tm("units"), _quiet_gc():
        units = index_mod.make_units(corpus.articles, langs)
    with tm("index"):
        shingles = index_mod.ShingleIndex.build(units)
        cands = index_mod.lexical_candidates(
            units,
            max_postings=cfg.index.max_postings,
            max_df=cfg.index.max_df,
            shingles=shingles,
        )
    matches: list[align_mod.Match] = []
    with tm("verify"), _quiet_gc():
        for i, c in enumerate(cands):
            matches.extend(
                align_mod.verify(
                    c,
                    units,
                    near_cutoff=cfg.align.near_verbatim_cutoff,
                    min_chars=cfg.align.min_chars,
                    word_boundaries=align_mod.jieba_boundaries,
                    raws=raws,
                )
            )
            if progress and i % 1000 == 0:
                progress("verify", i, len(cands))
    with tm("set phrases"):
        matches = align_mod.drop_set_phrases(matches, units, shingles)
    with tm("paraphrase channel"):
        para = index_mod.paraphrase_candidates(
            units, exclude={(c.a, c.b) for c in cands}, min_weight=cfg.index.paraphrase_min_weight
        )
    extra: list[Alignment] = []
    if semantic_enabled(cfg):
        with tm("semantic"):
            sem_matches, extra = _semantic_channel(corpus, units, [*cands, *para], matches, cfg, cache)
            matches.extend(sem_matches)
    else:
        matches.extend(m for c in para if (m := align_mod.verify_reworded(c, units)) is not None)
    with tm("merge"):
        return align_mod.merge_passages(matches, units, raws, max_gap=cfg.align.max_gap) + extra


_CACHE: Any = None


def _process_cache() -> Any:
    """One in-memory embedding cache per process, so repeated traces do not re-encode."""
    global _CACHE
    if _CACHE is None:
        from . import semantic

        _CACHE = semantic.MemoryCache()
    return _CACHE


def semantic_enabled(cfg: Config) -> bool:
    from . import semantic

    if cfg.semantic is None:
        return semantic.available()
    if cfg.semantic and not semantic.available():
        raise semantic.SemanticUnavailable()
    return cfg.semantic


def _semantic_pairs(
    cands: Sequence[index_mod.Candidate], matches: Sequence[align_mod.Match], budget: int, units: Any
) -> list[index_mod.Candidate]:
    """The candidate pairs the semantic channel checks for paraphrase: those the lexical
    channel could not verify, with the most partial lexical evidence (shared shingles /
    content bigrams) first, until `budget` sentences are to be encoded (~5 ms each)."""
    # a weak clause alone proves nothing, but two sentences the lexical channel found equal
    # (a set-phrase heading of a reprint) are settled: a paraphrase verdict would only
    # duplicate the weak match and cut the reprint's passage there
    verified = {
        (m.a, m.b)
        for m in matches
        if not m.weak
        or (m.a1 - m.a0 >= 0.9 * len(units[m.a].key) and m.b1 - m.b0 >= 0.9 * len(units[m.b].key))
    }
    partial = sorted((c for c in cands if (c.a, c.b) not in verified), key=lambda c: (-c.shared, c.a, c.b))
    kept = []
    chosen: set[int] = set()
    for c in partial:
        new = {c.a, c.b} - chosen
        if len(chosen) + len(new) > budget:
            continue
        chosen |= new
        kept.append(c)
    return kept


def _semantic_channel(
    corpus: Corpus,
    units: Sequence[index_mod.Unit],
    cands: Sequence[index_mod.Candidate],
    matches: Sequence[align_mod.Match],
    cfg: Config,
    cache: Any,
) -> tuple[list[align_mod.Match], list[Alignment]]:
    """Translations across languages and paraphrase among pairs the lexical channel could not
    verify; encodes only those sentences (see semantic_align)."""
    from collections import Counter

    from . import semantic, semantic_align

    norm_text = {i: pa.norm.text for i, pa in enumerate(corpus.articles)}

    def text_of(u: index_mod.Unit) -> str:
        s = u.sentence.norm
        return norm_text[u.article_idx][s.start : s.end]

    # translations: only documents written in another language than the corpus's main one
    # (a stray English fragment in a Chinese report does not make it a translation)
    doc_lang = {d.id: d.meta.language or "zh" for d in corpus.documents}
    langs = Counter(doc_lang.values())
    majority = langs.most_common(1)[0][0] if langs else "zh"
    want: set[int] = set()
    minority = [u.idx for u in units if doc_lang.get(u.doc_id) != majority and u.language != majority]
    if len(minority) >= 3:
        want.update(minority)
        major = [u.idx for u in units if u.language == majority]
        want.update(major[: cfg.semantic_max_units])
    partial = _semantic_pairs(
        cands, matches, max(cfg.semantic_min_units, int(cfg.semantic_budget * len(units))), units
    )
    want |= {i for c in partial for i in (c.a, c.b)}
    ids = sorted(want)
    enc = semantic.Encoder()
    vecs = semantic.encode_cached(enc, [text_of(units[i]) for i in ids], cache or _process_cache())
    vectors = {i: vecs[n] for n, i in enumerate(ids)}
    from .provenance import best_date

    arts = {pa.article.id: pa.article for pa in corpus.articles}
    docs = documents_by_id(corpus.documents)
    dates = {a: best_date(a, arts, docs) for a in arts}
    trans = semantic_align.translation_alignments(units, [], vectors, dates=dates, max_gap=2)
    para = semantic_align.paraphrase_matches(partial, units, vectors)
    raws = {d.id: d.raw for d in corpus.documents}
    para += _clause_channel(units, raws, [*matches, *para], enc, cache or _process_cache(), cfg)
    return para, trans


def _clause_channel(
    units: Sequence[Any],
    raws: Mapping[str, str],
    matches: Sequence[align_mod.Match],
    enc: Any,
    cache: Any,
    cfg: Config,
    focus: set[int] | None = None,
) -> list[align_mod.Match]:
    """The semantic channel's clause test (semantic_align.clause_paraphrases) over every
    clause of the corpus, or with `focus` (unit positions) only the pairs involving them."""
    from . import semantic, semantic_align

    clauses = semantic_align.clauses_of(units, raws)
    cands = index_mod.paraphrase_candidates(
        clauses,
        min_weight=cfg.semantic_clause_weight,
        max_postings=cfg.semantic_clause_postings,
        whole=[c.whole for c in clauses],
        focus=None if focus is None else [c.idx for c in clauses if c.unit in focus],
    )
    verified = {(m.a, m.b) for m in matches if not m.weak}
    by_idx = {u.idx: u for u in units}
    return semantic_align.clause_paraphrases(
        cands, clauses, by_idx, lambda texts: semantic.encode_cached(enc, texts, cache), verified=verified
    )


def articles_by_id(corpus: Corpus) -> dict[str, ParsedArticle]:
    return {pa.article.id: pa for pa in corpus.articles}


def documents_by_id(docs: Sequence[Document]) -> dict[str, Document]:
    return {d.id: d for d in docs}


@dataclass(frozen=True)
class TraceResult:
    corpus: Corpus
    alignments: list[Alignment]
    timings: dict[str, float]
    n_sentences: int | None = None  # when the corpus was loaded without all its sentences

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.corpus.documents


def orient_alignments(
    alignments: Sequence[Alignment], corpus: Corpus, *, min_chars: int = 10, cues: Any = None
) -> list[Alignment]:
    """Direction by date then evidence, origins and chains (provenance stage). `cues`: see
    provenance.orient_all."""
    from . import provenance

    arts = {pa.article.id: pa.article for pa in corpus.articles}
    docs = documents_by_id(corpus.documents)
    oriented = provenance.orient_all(alignments, arts, docs, cues=cues)
    # once the reuser is known: a passage under 10 characters counts only as a quotation,
    # and a short edited clause only as a quotation or beside other reuse of the same article
    kept = [
        a for a in oriented if a.quoted or _alnum(a.target.span.of(docs[a.target.doc_id].raw)) >= min_chars
    ]
    return align_mod.drop_lone_edits(kept, {d: doc.raw for d, doc in docs.items()}, min_chars=2 * min_chars)


def _alnum(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


def trace(
    folder: str | Path | Corpus,
    *,
    config: Config | None = None,
    skip_bad: bool = False,
    progress: ProgressFn | None = None,
) -> TraceResult:
    """ingest → split → normalise → segment → index → align → orient: the whole trace."""
    tm = Timings()
    corpus = (
        folder
        if isinstance(folder, Corpus)
        else load_corpus(folder, skip_bad=skip_bad, progress=progress, timings=tm)
    )
    raw_alignments = align_corpus(corpus, config=config, progress=progress, timings=tm)
    with tm("orient"):
        oriented = orient_alignments(raw_alignments, corpus)
    return TraceResult(corpus, oriented, dict(tm.stages))


def evaluate_files(
    gold: str | Path,
    *,
    alignments: str | Path | None = None,
    corpus: str | Path = "data/raw",
    seeds: str | Path | None = None,
    config: Config | None = None,
) -> Any:
    """Score an alignments file (or a fresh trace of the corpus) against a gold annotation."""
    from . import evaluate, store

    g = evaluate.load_gold(gold, seeds=seeds)
    c = load_corpus(corpus)
    if alignments is not None:
        records = store.read_alignments(alignments)
    else:
        result = trace(c, config=config)
        records = store.alignment_records(result.alignments, c.documents)
    return evaluate.evaluate_corpus(g, records, c)


# --------------------------------------------------------------------------- commands


#: report.html holds every document's full text: above this many characters it would be a page
#: no browser opens comfortably, so `trace` leaves it out (`report --format html DOC…` still works)
HTML_MAX_CHARS = 20_000_000


def write_outputs(
    result: TraceResult, out_dir: str | Path, *, html_max_chars: int = HTML_MAX_CHARS
) -> dict[str, Path]:
    """alignments.jsonl, citations.graphml, report.json and report.html, each written atomically
    (report.html only for corpora up to `html_max_chars` characters)."""
    from . import graph as graph_mod
    from . import html_report, store
    from . import report as report_mod

    out = Path(out_dir)
    docs = documents_by_id(result.corpus.documents)
    arts = {pa.article.id: pa.article for pa in result.corpus.articles}
    files = {
        "alignments": out / "alignments.jsonl",
        "graph": out / "citations.graphml",
        "report": out / "report.json",
    }
    if sum(len(d.raw) for d in result.corpus.documents) <= html_max_chars:
        files["html"] = out / "report.html"
    # rendered first, then written as one set: a failure leaves the previous outputs, not a mix
    data: dict[Path, str | bytes] = {
        files["alignments"]: store.jsonl_text(store.alignment_records(result.alignments, docs))
    }
    g = graph_mod.build_graph(result.alignments, arts, docs, level="article")
    data[files["graph"]] = graph_mod.graph_bytes(g, format="graphml")
    reports = report_mod.summarise(result.alignments, result.corpus)
    data[files["report"]] = store.json_text(report_mod.report_json(reports))
    if "html" in files:
        data[files["html"]] = html_report.render_html(reports, result.corpus)
    store.atomic_write_many(data)
    return files


def summary(result: TraceResult, *, top: int = 5) -> dict[str, Any]:
    """What `trace` prints: counts, passages by kind, top sources, most reused sentences."""
    from collections import Counter, defaultdict

    c = result.corpus
    kinds = Counter(str(a.kind) for a in result.alignments)
    src_docs: Counter[str] = Counter()
    tgt_by_src: dict[str, set[str]] = defaultdict(set)
    for a in result.alignments:
        origin = a.origin or a.source
        src_docs[origin.doc_id] += 1
        tgt_by_src[origin.doc_id].add(a.target.article_id)
    # most reused sentences of each source: sentences reached by the most target articles
    sentence_reach: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    sentences_by_doc: dict[str, list[Any]] = defaultdict(list)
    for pa in c.articles:
        sentences_by_doc[pa.article.doc_id].extend(pa.sentences)
    for a in result.alignments:
        origin = a.origin or a.source
        for s in sentences_by_doc.get(origin.doc_id, ()):
            if s.span.overlaps(origin.span):
                sentence_reach[(origin.doc_id, s.span.start, s.span.end)].add(a.target.article_id)
    raws = {d.id: d.raw for d in c.documents}
    most: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (doc_id, st, en), targets in sorted(sentence_reach.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(most[doc_id]) < top and doc_id in dict(src_docs.most_common(top)):
            most[doc_id].append(
                {"start": st, "end": en, "text": raws[doc_id][st:en], "reused_by": len(targets)}
            )
    return {
        "corpus": c.folder,
        "documents": len(c.documents),
        "articles": len(c.articles),
        "sentences": (
            result.n_sentences
            if result.n_sentences is not None
            else sum(len(pa.sentences) for pa in c.articles)
        ),
        "passages": len(result.alignments),
        "passages_by_kind": dict(sorted(kinds.items())),
        "top_sources": [
            {"doc": d, "passages": n, "target_articles": len(tgt_by_src[d])}
            for d, n in src_docs.most_common(top)
        ],
        "most_reused_sentences": dict(most),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "issues": list(c.issues),
    }


def where(query: str, corpus: str | Path, *, min_score: float = 0.6) -> list[Any]:
    """Hits for a query sentence over a corpus folder (see where.where)."""
    from . import cues
    from . import where as where_mod

    c = load_corpus(corpus)
    langs = {d.id: d.meta.language or "zh" for d in c.documents}
    units = index_mod.make_units(c.articles, langs)
    shingles = index_mod.ShingleIndex.build(units)
    return where_mod.where(
        query,
        units,
        where_mod.memory_candidates(units, shingles),
        documents_by_id(c.documents),
        {pa.article.id: pa.article for pa in c.articles},
        min_score=min_score,
        quoted=cues.is_quoted,
        attributed=cues.is_attributed,
    )


def _traced_reports(
    corpus: str | Path, *, docs: Sequence[str] | None, index: str | Path | None, rebuild: bool
) -> tuple[TraceResult, list[Any]]:
    from . import report as report_mod
    from .errors import UnknownDocument

    result = trace_indexed(corpus, index=index, rebuild=rebuild)
    known = [d.id for d in result.corpus.documents]
    for d in docs or ():
        if d not in known:
            import difflib

            close = difflib.get_close_matches(d, known, n=3, cutoff=0.3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known)}"
            raise UnknownDocument(None, f"unknown document id {d!r}{hint}")
    return result, report_mod.summarise(result.alignments, result.corpus, docs=docs)


def report(
    corpus: str | Path,
    *,
    docs: Sequence[str] | None = None,
    index: str | Path | None = None,
    rebuild: bool = False,
) -> list[Any]:
    """Per-document reuse reports (design.md §6) for the named documents (default: all)."""
    return _traced_reports(corpus, docs=docs, index=index, rebuild=rebuild)[1]


def report_html(
    corpus: str | Path,
    *,
    docs: Sequence[str] | None = None,
    index: str | Path | None = None,
    rebuild: bool = False,
) -> str:
    """The reuse reports as one self-contained HTML page, raw texts highlighted (html_report)."""
    from . import html_report

    result, reports = _traced_reports(corpus, docs=docs, index=index, rebuild=rebuild)
    return html_report.render_html(reports, result.corpus)


def citation_graph(
    corpus: str | Path,
    *,
    level: str = "article",
    fmt: str = "graphml",
    output: str | Path | None = None,
    index: str | Path | None = None,
    rebuild: bool = False,
) -> Any:
    """Build the citation graph at `level`; write it to `output` in `fmt` when given."""
    from . import graph as graph_mod
    from . import store
    from .errors import InputError

    if level not in graph_mod.LEVELS:
        raise InputError(None, f"unknown level {level!r}: use document, article or passage")
    if fmt not in graph_mod.FORMATS:
        raise InputError(None, f"unknown format {fmt!r}: use graphml, gexf or json")
    result = trace_indexed(corpus, index=index, rebuild=rebuild)
    docs = documents_by_id(result.corpus.documents)
    arts = {pa.article.id: pa.article for pa in result.corpus.articles}
    g = graph_mod.build_graph(result.alignments, arts, docs, level=level)  # type: ignore[arg-type,unused-ignore]
    if output is not None:
        store.atomic_write(output, graph_mod.graph_bytes(g, format=fmt))
    return g


# --------------------------------------------------------------------------- persistent index

ALIGN_STATE = "alignments_fingerprint"


class _IndexEmbeddings:
    """semantic.EmbeddingCache backed by the corpus index: a second trace re-encodes nothing."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        from . import indexdb

        return indexdb.get_embeddings(self.db, keys)

    def put_many(self, items: Any) -> None:
        from . import indexdb

        indexdb.put_embeddings(self.db, items)


def open_corpus_index(
    corpus: str | Path,
    *,
    index: str | Path | None = None,
    rebuild: bool = False,
    skip_bad: bool = False,
    progress: ProgressFn | None = None,
) -> tuple[Any, Any]:
    """Open (or build) the corpus's persistent index and bring it up to date with the folder."""
    from . import indexdb
    from .errors import CorpusNotFound

    folder = Path(corpus)
    if not folder.exists():
        raise CorpusNotFound(folder, "no such file or directory")
    path = Path(index) if index is not None else _index_path(folder)
    new_dir = not path.parent.exists()
    new_file = not path.exists()
    # a rebuild is built beside the old index and replaces it only once it succeeded: a
    # failed --rebuild (a broken manifest) leaves the previous index as it was
    target = path.with_name(path.name + ".rebuild") if rebuild and not new_file else path
    db = indexdb.open_index(target, rebuild=rebuild)
    try:
        res = indexdb.sync(db, folder, skip_bad=skip_bad, progress=progress)
    except BaseException:
        db.close()
        if new_file or target != path:  # a first run that failed leaves no trace in the user's folder
            import shutil

            for leftover in (target, *target.parent.glob(target.name + "-*")):  # -wal, -shm, -journal
                leftover.unlink(missing_ok=True)
            if new_dir:
                shutil.rmtree(path.parent, ignore_errors=True)
        raise
    if target != path:
        db.close()  # (checkpoints and removes the rebuilt index's WAL)
        indexdb.replace_index(target, path)
        db = indexdb.open_index(path)
    return db, res


def _index_path(folder: Path) -> Path:
    """CORPUS/.quotetrace/index.sqlite, or — for a corpus folder the user cannot write to (a
    read-only archive) — a per-corpus file under the user's cache directory."""
    import hashlib
    import os

    from . import indexdb

    default = indexdb.default_index_path(folder)
    root = folder if folder.is_dir() else folder.parent
    if default.parent.exists() or os.access(root, os.W_OK):
        return default
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quotetrace"
    tag = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
    return cache / tag / "index.sqlite"


def _align_fingerprint(cfg: Config, semantic_on: bool) -> str:
    import hashlib

    from . import indexdb

    text = f"{cfg!r}|semantic={semantic_on}|{indexdb._parser_fingerprint()}"
    h = hashlib.sha1(text.encode())
    # the aligning code itself: an upgraded aligner must not serve alignments the old one made
    for name in ("align", "cues", "semantic", "semantic_align"):
        mod = importlib.import_module(f"{__package__}.{name}")
        h.update(Path(mod.__file__ or "").read_bytes())
    return h.hexdigest()


class _DBShingles:
    """ShingleIndex.units_with over the persistent index (for the set-phrase filter)."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def units_with(self, text: str) -> Any:
        from . import indexdb

        return indexdb.units_with(self.db, text)


class _LazyUnits(dict):  # type: ignore[type-arg]
    """Units by position, fetched from the index on first use."""

    def __init__(self, db: Any) -> None:
        super().__init__()
        self.db = db

    def __missing__(self, key: int) -> Any:
        from . import indexdb

        (u,) = indexdb.get_units(self.db, [key])
        self[key] = u
        return u


def _align_touched(db: Any, corpus: Corpus, touched: Sequence[str], cfg: Config) -> list[Alignment]:
    """Alignments of the touched documents against the whole corpus, from the index alone."""
    from . import indexdb

    n_articles = len(corpus.articles)
    positions = indexdb.doc_unit_ids(db, touched)
    max_articles = int(cfg.index.max_df * n_articles) if n_articles >= 8 else None
    cands = indexdb.candidates_for(
        db, positions, max_postings=cfg.index.max_postings, max_articles=max_articles
    )
    units = _LazyUnits(db)
    raws = {d.id: d.raw for d in corpus.documents}
    involved = sorted({p for c in cands for p in (c.a, c.b)} | set(positions))
    # whole documents, so passages can span the sentences between two matches
    docs_involved = {u.doc_id for u in indexdb.get_units(db, involved)} if involved else set()
    for u in indexdb.get_units(db, indexdb.doc_unit_ids(db, sorted(docs_involved))):
        units[u.idx] = u
    matches: list[align_mod.Match] = []
    for c in cands:
        matches.extend(
            align_mod.verify(
                c,
                units,  # type: ignore[arg-type]
                near_cutoff=cfg.align.near_verbatim_cutoff,
                min_chars=cfg.align.min_chars,
                word_boundaries=align_mod.jieba_boundaries,
                raws=raws,
            )
        )
    matches = align_mod.drop_set_phrases(matches, units, _DBShingles(db))  # type: ignore[arg-type]
    matches.extend(_paraphrase_touched(db, corpus, units, set(positions), cands, matches, cfg))
    return align_mod.merge_passages(matches, units, raws, max_gap=cfg.align.max_gap)  # type: ignore[arg-type]


def _paraphrase_touched(
    db: Any,
    corpus: Corpus,
    units: Any,
    touched: set[int],
    cands: Sequence[index_mod.Candidate],
    matches: Sequence[align_mod.Match],
    cfg: Config,
) -> list[align_mod.Match]:
    """The paraphrase channel (and, when on, the semantic one) for the pairs that involve a
    touched unit, as align_corpus runs them. Their statistics are corpus-wide (the content
    bigrams' IDF, the encoding budget), so pairs between unchanged documents keep the verdict
    of the last full alignment; `trace --rebuild` recomputes those too."""
    from . import indexdb

    h, uid, n_keys, positions, articles, n_units = indexdb.bigram_postings(db)
    para = index_mod.paraphrase_from_bigrams(
        h,
        uid,
        n_keys,
        positions,
        articles,
        n_units,
        exclude={(c.a, c.b) for c in cands},
        min_weight=cfg.index.paraphrase_min_weight,
        focus=touched,
    )
    if not semantic_enabled(cfg):
        return [m for c in para if (m := align_mod.verify_reworded(c, units)) is not None]
    from . import semantic, semantic_align

    budget = max(cfg.semantic_min_units, int(cfg.semantic_budget * n_units))
    partial = _semantic_pairs([*cands, *para], matches, budget, units)
    ids = sorted({i for c in partial for i in (c.a, c.b)})
    enc = semantic.Encoder()
    out: list[align_mod.Match] = []
    if ids:
        norm_text = {i: pa.norm.text for i, pa in enumerate(corpus.articles)}
        texts = []
        for i in ids:
            u = units[i]
            texts.append(norm_text[u.article_idx][u.sentence.norm.start : u.sentence.norm.end])
        vecs = semantic.encode_cached(enc, texts, _IndexEmbeddings(db))
        out = semantic_align.paraphrase_matches(partial, units, {i: vecs[n] for n, i in enumerate(ids)})
    # the clause channel reads every clause (its statistics are corpus-wide), so every unit
    raws = {d.id: d.raw for d in corpus.documents}
    every = indexdb.unit_spans(db)
    out += _clause_channel(every, raws, [*matches, *out], enc, _IndexEmbeddings(db), cfg, focus=touched)
    return out


def _orient_stamp(fp: str, corpus: Corpus, alignments: Sequence[Alignment]) -> str:
    """Digest of orient_alignments' inputs: the alignments, the documents (bytes and metadata)
    and the code that parses them and aligns (fp)."""
    import hashlib

    from . import cues, provenance

    h = hashlib.sha1(fp.encode())
    for mod in (provenance, cues):  # the orienting code itself (parsing code is in fp)
        h.update(Path(mod.__file__ or "").read_bytes())
    for d in corpus.documents:
        h.update(f"{d.id}\x00{d.file}\x00{d.sha256}\x00{d.meta!r}\x01".encode())
    for a in alignments:
        h.update(repr(a).encode())
    return h.hexdigest()


def trace_indexed(
    corpus: str | Path,
    *,
    index: str | Path | None = None,
    rebuild: bool = False,
    config: Config | None = None,
    skip_bad: bool = False,
    progress: ProgressFn | None = None,
) -> TraceResult:
    """trace() on the persistent index: unchanged documents are not re-parsed, and when only a
    few documents changed only they are re-aligned against the rest."""
    from . import indexdb

    cfg = config or Config()
    tm = Timings()
    with tm("sync"):
        db, res = open_corpus_index(
            corpus, index=index, rebuild=rebuild, skip_bad=skip_bad, progress=progress
        )
    try:
        sem = semantic_enabled(cfg)
        fp = _align_fingerprint(cfg, sem)
        current = indexdb._meta_get(db, ALIGN_STATE) == fp
        documents = indexdb.load_documents(db)
        langs = {d.meta.language for d in documents}
        # not just this sync's changes: an earlier sync (a `where` query's) may have re-indexed
        # documents without aligning them
        touched = sorted(set(indexdb.unaligned(db)) | set(res.touched))
        new_language = (
            any(d.meta.language != "zh" for d in documents if d.id in touched) or len(langs) > 1 and sem
        )
        full_align = not current or (touched and (len(touched) > max(1, len(documents) // 5) or new_language))
        with tm("load"):
            # sentences are needed only to align from scratch (the index holds the units)
            c = indexdb.load_corpus(db, sentences=bool(full_align))
            clashes = [
                f"{Path(corpus) / d.file}: {msg}"
                for d in c.documents
                if (msg := ingest._date_clash(d.meta, d.raw))
            ]
            c = Corpus(str(corpus), c.documents, c.articles, (*res.issues, *clashes))
        if current and not touched:
            with tm("read alignments"):
                als = indexdb.read_alignments(db)
        elif current and len(touched) <= max(1, len(c.documents) // 5) and not new_language:
            with tm("align (incremental)"):
                fresh = _align_touched(db, c, touched, cfg)
                indexdb.replace_alignments(db, touched, fresh)
                als = indexdb.read_alignments(db)
        else:
            als = align_corpus(c, config=cfg, progress=progress, timings=tm, cache=_IndexEmbeddings(db))
            with tm("store"):
                indexdb.replace_alignments(db, None, als)
                indexdb._meta_set(db, ALIGN_STATE, fp)
                indexdb.bigram_postings(db)  # the next update's paraphrase statistics, per document
        with tm("orient"):
            # provenance is a pure function of the alignments, the documents and their parse:
            # reuse the stored result when none of them changed
            stamp = _orient_stamp(fp, c, als)
            cached = indexdb.read_oriented(db, stamp)
            if cached is None:
                # quotation cues of unchanged documents are kept from the last run
                cues = indexdb.read_cues(db, {d.id: d.sha256 for d in c.documents})
                oriented = orient_alignments(als, c, cues=cues)
                indexdb.write_oriented(db, stamp, oriented)
                indexdb.write_cues(db, cues, {d.id: d.sha256 for d in c.documents})
            else:
                oriented = cached
        if not full_align:
            # the summary lists the most reused sentences of the top sources: load theirs
            from collections import Counter

            top = [d for d, _ in Counter((a.origin or a.source).doc_id for a in oriented).most_common(5)]
            with_sents = {pa.article.id: pa for pa in indexdb.load_articles(db, top)}
            c = Corpus(
                c.folder, c.documents, tuple(with_sents.get(pa.article.id, pa) for pa in c.articles), c.issues
            )
            n_sentences = db.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
        else:
            n_sentences = None
    finally:
        db.close()
    return TraceResult(c, oriented, dict(tm.stages), n_sentences)


def where_in_index(db: Any, query: str, *, min_score: float = 0.6) -> list[Any]:
    """`where` on an open index: only the candidate sentences and their documents are read."""
    from dataclasses import replace as _replace

    from . import cues, indexdb
    from . import where as where_mod

    def fetch_units(ids: Sequence[int]) -> dict[int, Any]:
        return {u.idx: u for u in indexdb.get_units(db, ids)}

    def fetch_docs(doc_ids: Sequence[str]) -> dict[str, Document]:
        return {d.id: d for d in indexdb.load_documents(db, doc_ids)}

    hits = where_mod.where(
        query,
        fetch_units,
        lambda key: (
            indexdb.query_candidates(db, key, max_postings=5000)
            if len(key) >= db.k
            else indexdb.units_containing(db, key)
        ),
        fetch_docs,
        {},
        min_score=min_score,
        quoted=cues.is_quoted,
        attributed=cues.is_attributed,
    )
    # article titles, sources and dates for the hits
    arts = {pa.article.id: pa.article for pa in indexdb.load_articles(db, sorted({h.doc_id for h in hits}))}
    out = []
    for h in hits:
        a = arts.get(h.article_id)
        if a is not None:
            h = _replace(h, title=a.title or h.title, source=a.source or h.source, date=a.date or h.date)
        out.append(_replace(h, origin=False))
    return where_mod.order_hits(out)


def where_indexed(
    query: str,
    corpus: str | Path,
    *,
    index: str | Path | None = None,
    rebuild: bool = False,
    min_score: float = 0.6,
    semantic: bool = False,
    max_encode: int = 20_000,
) -> list[Any]:
    """`where` on the corpus's persistent index, brought up to date first. With `semantic`,
    also the sentences whose embeddings are close to the query's: its translations in another
    language and close paraphrases (needs the semantic extra; see where_semantic)."""
    db, _res = open_corpus_index(corpus, index=index, rebuild=rebuild)
    try:
        hits = where_in_index(db, query, min_score=min_score)
        if not semantic:
            return hits
        from . import where as where_mod

        extra = where_semantic(db, query, max_encode=max_encode)
        seen = [(h.doc_id, h.span) for h in hits]
        hits += [h for h in extra if not any(d == h.doc_id and s.overlaps(h.span) for d, s in seen)]
        return where_mod.order_hits([replace(h, origin=False) for h in hits])
    finally:
        db.close()


def where_semantic(db: Any, query: str, *, max_encode: int = 20_000, limit: int = 10) -> list[Any]:
    """Sentences of the index whose embeddings are close to the query's (where.semantic_hits).

    Every sentence needs an embedding: those a trace already encoded come from the index's
    cache, the rest are encoded now (about 200 sentences/s on one core) and cached — unless
    more than `max_encode` are missing, which is refused rather than left running for hours."""
    from . import cues, indexdb
    from . import semantic as sem
    from . import where as where_mod
    from .errors import InputError

    if not sem.available():
        raise sem.SemanticUnavailable()
    c = indexdb.load_corpus(db)
    langs = {d.id: d.meta.language or "zh" for d in c.documents}
    units = index_mod.make_units(c.articles, langs)
    norm = [pa.norm.text for pa in c.articles]
    texts = [norm[u.article_idx][u.sentence.norm.start : u.sentence.norm.end] for u in units]
    enc = sem.Encoder()
    cache = _IndexEmbeddings(db)
    keys = list(dict.fromkeys(sem.cache_key(t, enc.name) for t in texts))
    missing = len(keys) - len(cache.get_many(keys))
    if missing > max_encode:
        raise InputError(
            None,
            f"semantic where would encode {missing:,} sentences not yet embedded (about "
            f"{missing / 200 / 60:.0f} min); raise --max-encode, or trace with the semantic channel first",
        )
    vectors = sem.encode_cached(enc, texts, cache)
    qvec = enc.encode([" ".join(query.split())])[0]
    return where_mod.semantic_hits(
        query,
        qvec,
        units,
        vectors,
        {d.id: d for d in c.documents},
        {pa.article.id: pa.article for pa in c.articles},
        translation_min=sem.TRANSLATION_ACCEPT,
        paraphrase_min=sem.PARAPHRASE_ACCEPT,
        limit=limit,
        quoted=cues.is_quoted,
        attributed=cues.is_attributed,
    )
