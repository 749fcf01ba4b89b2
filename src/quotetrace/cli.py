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
from typing import Annotated

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
SkipBadOpt = Annotated[bool, typer.Option("--skip-bad", help="Skip files that cannot be read instead of stopping.")]


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    try:
        yield
    except QuotetraceError as e:
        err.print(f"quotetrace: error: {e}")
        raise typer.Exit(e.exit_code) from None


def _progress():  # type: ignore[no-untyped-def]
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
) -> None:
    """Find every reuse between documents and write alignments as JSONL (design.md §4).

    Example: quotetrace align data/raw -o alignments.jsonl
    """
    from . import pipeline, store

    with _errors_to_exit(), _progress() as progress:
        result = pipeline.trace(corpus, skip_bad=skip_bad, progress=progress)
        n = store.write_alignments(output, result.alignments, result.documents)
    err.print(f"{n} alignments -> {output}")


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Option("--gold", help="gold.jsonl (negatives.jsonl beside it is used too).")],
    alignments: Annotated[
        Path | None, typer.Option("--alignments", help="alignments.jsonl to score; default: align the corpus now.")
    ] = None,
    corpus: Annotated[Path, typer.Option("--corpus", help="Corpus the alignments refer to.")] = DEFAULT_CORPUS,
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
