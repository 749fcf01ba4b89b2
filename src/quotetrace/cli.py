"""`quotetrace` command line: parse arguments, call the library, print (design.md §5).

Library errors (QuotetraceError) become one line on stderr and their exit code (2 for bad
input); anything else is an internal error, exit 1 (QUOTETRACE_DEBUG=1 for a traceback).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from . import render
from .errors import QuotetraceError

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="Trace where every sentence of a corpus of (Chinese official) texts came from and where it went.",
)
out = Console(highlight=False)
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)

DEFAULT_CORPUS = Path("data/raw")

CorpusArg = Annotated[Path, typer.Argument(help="Corpus folder (or one file).", show_default=True)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (docs/formats.md).")]
SkipBadOpt = Annotated[
    bool, typer.Option("--skip-bad", help="Skip files that cannot be read instead of stopping.")
]


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    try:
        yield
    except QuotetraceError as e:
        err.print(f"quotetrace: error: {e}")
        raise typer.Exit(e.exit_code) from None


def _progress() -> Any:
    return render.progress_bar(err)


@app.command()
def ingest(
    corpus: CorpusArg = DEFAULT_CORPUS,
    json_out: JsonOpt = False,
    skip_bad: SkipBadOpt = False,
) -> None:
    """List the documents of a corpus and the articles found in them.

    Example: quotetrace ingest data/raw --json
    """
    from .pipeline import load_corpus

    with _errors_to_exit():
        c = load_corpus(corpus, skip_bad=skip_bad)
        for line in c.issues:
            err.print(f"quotetrace: warning: {line}")
        if json_out:
            out.print_json(json.dumps(render.corpus_json(c), ensure_ascii=False))
        else:
            out.print(render.corpus_table(c))


@app.command()
def align(
    corpus: CorpusArg = DEFAULT_CORPUS,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the JSONL.")] = Path(
        "alignments.jsonl"
    ),
    skip_bad: SkipBadOpt = False,
    semantic_channel: ChannelOpt = None,
) -> None:
    """Find every reuse between documents and write alignments as JSONL (design.md §4).

    Example: quotetrace align data/raw -o alignments.jsonl
    """
    from . import pipeline, store
    from .config import Config

    with _errors_to_exit(), _progress() as progress:
        result = pipeline.trace(
            corpus, skip_bad=skip_bad, progress=progress, config=Config(semantic=semantic_channel)
        )
        n = store.write_alignments(output, result.alignments, result.documents)
    err.print(f"{n} alignments -> {output}")


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Option("--gold", help="gold.jsonl (negatives.jsonl beside it is used too).")],
    alignments: Annotated[
        Path | None,
        typer.Option("--alignments", help="alignments.jsonl to score; default: align the corpus now."),
    ] = None,
    corpus: Annotated[
        Path, typer.Option("--corpus", help="Corpus the alignments refer to.")
    ] = DEFAULT_CORPUS,
    seeds: Annotated[
        Path | None, typer.Option("--seeds", help="Folder of the files the gold names (matched by sha256).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Score alignments against a gold annotation: precision, recall, F1, granularity, plagdet.

    Example: quotetrace eval --gold ../shared/gold-dev/gold.jsonl
    """
    from . import pipeline

    with _errors_to_exit():
        result = pipeline.evaluate_files(gold, alignments=alignments, corpus=corpus, seeds=seeds)
        if json_out:
            out.print_json(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            out.print(render.eval_table(result))


IndexOpt = Annotated[
    Path | None, typer.Option("--index", help="SQLite index file (default: CORPUS/.quotetrace/index.sqlite).")
]
RebuildOpt = Annotated[
    bool, typer.Option("--rebuild", help="Delete and rebuild the index (e.g. when it is corrupt).")
]
OutDirOpt = Annotated[
    Path,
    typer.Option(
        "--out", help="Folder for alignments.jsonl, citations.graphml, report.json and report.html."
    ),
]
CorpusOpt = Annotated[Path, typer.Option("--corpus", help="Corpus folder.")]
ChannelOpt = Annotated[
    bool | None,
    typer.Option(
        "--semantic/--no-semantic",
        help="The semantic channel (translations, paraphrase by embeddings); default: on when "
        "quotetrace\\[semantic] is installed. --no-semantic gives the lexical channels alone.",
    ),
]


@app.command()
def trace(
    corpus: CorpusArg = DEFAULT_CORPUS,
    out_dir: OutDirOpt = Path("out"),
    skip_bad: SkipBadOpt = False,
    json_out: JsonOpt = False,
    index: IndexOpt = None,
    rebuild: RebuildOpt = False,
    semantic_channel: ChannelOpt = None,
) -> None:
    """The main job: ingest → align → orient → graph → reports, written into --out.

    Uses the corpus's persistent index, updated incrementally. Example: quotetrace trace data/raw --out out
    """
    from . import pipeline, semantic
    from .config import Config

    if semantic_channel is not False and not semantic.available():
        err.print(
            "quotetrace: semantic channel off (install quotetrace[semantic] for translations and paraphrase)"
        )
    with _errors_to_exit(), _progress() as progress:
        result = pipeline.trace_indexed(
            corpus,
            index=index,
            rebuild=rebuild,
            skip_bad=skip_bad,
            progress=progress,
            config=Config(semantic=semantic_channel),
        )
        files = pipeline.write_outputs(result, out_dir)
    for line in result.corpus.issues:
        err.print(f"quotetrace: warning: {line}")
    summary = pipeline.summary(result)
    if json_out:
        out.print_json(
            json.dumps({"files": {k: str(v) for k, v in files.items()}, **summary}, ensure_ascii=False)
        )
        return
    for table in render.summary_tables(summary):
        out.print(table)
    out.print("wrote " + ", ".join(str(p) for p in files.values()))


@app.command()
def where(
    text: Annotated[
        str | None, typer.Argument(help="The sentence to look for; '-' or omitted reads stdin.")
    ] = None,
    corpus: CorpusOpt = DEFAULT_CORPUS,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from this file.")] = None,
    json_out: JsonOpt = False,
    min_score: Annotated[
        float, typer.Option("--min-score", help="Lowest similarity to report (0..1).")
    ] = 0.6,
    index: IndexOpt = None,
    rebuild: RebuildOpt = False,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic",
            help="Also find translations of the sentence in other languages and close paraphrases, "
            "by sentence embeddings (needs quotetrace\\[semantic]).",
        ),
    ] = False,
    max_encode: Annotated[
        int,
        typer.Option(
            "--max-encode", help="With --semantic: most sentences to embed now (the rest are cached)."
        ),
    ] = 20_000,
) -> None:
    """Every place a sentence, a close variant or a paraphrase of it occurs: origin first, then by date.

    Example: quotetrace where "基础研究是整个科学体系的源头"
    Example: quotetrace where --semantic "Basic research is the source of the entire scientific system"
    """
    from . import pipeline
    from .errors import EmptyQuery, InputError

    with _errors_to_exit():
        if file is not None:
            try:
                query = file.read_text(encoding="utf-8")
            except OSError as e:
                raise InputError(file, f"cannot read query file: {e.strerror or e}") from e
        elif text is None or text == "-":
            query = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        else:
            query = text
        if not query.strip():
            raise EmptyQuery(None, "empty query: give a sentence to look for")
        hits = pipeline.where_indexed(
            query,
            corpus,
            index=index,
            rebuild=rebuild,
            min_score=min_score,
            semantic=semantic,
            max_encode=max_encode,
        )
        if json_out:
            out.print_json(
                json.dumps({"query": query, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False)
            )
            return
        if not hits:
            from .index import only_set_phrases

            if only_set_phrases(query):
                out.print(
                    "not traced: the query is made only of set phrases common to official texts; "
                    "give a longer passage"
                )
            else:
                out.print(f"not found: the sentence occurs nowhere in {corpus}")
            return
        out.print(render.where_table(query, hits))


@app.command()
def report(
    docs: Annotated[list[str] | None, typer.Argument(help="Document ids (default: all).")] = None,
    corpus: CorpusOpt = DEFAULT_CORPUS,
    fmt: Annotated[
        str, typer.Option("--format", help="table | json | csv | html (one self-contained page)")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to a file instead of stdout.")
    ] = None,
    index: IndexOpt = None,
    rebuild: RebuildOpt = False,
) -> None:
    """Per document and article: characters reused versus original, by source and by kind.

    HTML is one self-contained page with each article's text, reused passages highlighted.

    Example: quotetrace report bit-bulletin --format json (or: --format html -o report.html)
    """
    from . import pipeline
    from . import report as report_mod
    from .errors import InputError

    with _errors_to_exit():
        if fmt not in ("table", "json", "csv", "html"):
            raise InputError(None, f"unknown format {fmt!r}: use table, json, csv or html")
        if fmt == "html":
            _emit(pipeline.report_html(corpus, docs=docs or None, index=index, rebuild=rebuild), output)
            return
        reports = pipeline.report(corpus, docs=docs or None, index=index, rebuild=rebuild)
        if fmt == "json":
            data = json.dumps(report_mod.report_json(reports), ensure_ascii=False, indent=2)
            _emit(data, output)
        elif fmt == "csv":
            _emit(report_mod.csv_text(reports), output)
        else:
            for t in render.report_tables(reports):
                out.print(t)


@app.command()
def graph(
    corpus: CorpusOpt = DEFAULT_CORPUS,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the graph.")] = Path(
        "citations.graphml"
    ),
    level: Annotated[str, typer.Option("--level", help="document | article | passage")] = "article",
    fmt: Annotated[str, typer.Option("--format", help="graphml | gexf | json")] = "graphml",
    index: IndexOpt = None,
    rebuild: RebuildOpt = False,
) -> None:
    """Write the citation graph (GraphML by default; opens in networkx, Gephi and Cytoscape).

    Example: quotetrace graph -o citations.graphml --level document
    """
    from . import pipeline

    with _errors_to_exit():
        g = pipeline.citation_graph(corpus, level=level, fmt=fmt, output=output, index=index, rebuild=rebuild)
    err.print(f"{g.number_of_nodes()} nodes, {g.number_of_edges()} edges -> {output}")


def _emit(data: str, output: Path | None) -> None:
    from . import store

    if output is None:
        sys.stdout.write(data if data.endswith("\n") else data + "\n")
    else:
        store.atomic_write(output, data)


def main() -> None:
    """Console-script entry point: internal errors become one line and exit code 1."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("quotetrace: interrupted")
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - the one place that turns crashes into a message
        if os.environ.get("QUOTETRACE_DEBUG"):
            raise
        err.print(f"quotetrace: internal error: {type(e).__name__}: {e} (QUOTETRACE_DEBUG=1 for a traceback)")
        sys.exit(1)
