"""`render`: rich tables and JSON shapes for the CLI. Presentation only — no computation
that a script consuming `--json` could not reproduce from the library's data."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .model import Corpus, Role


def corpus_json(c: Corpus) -> dict[str, Any]:
    docs = []
    by_doc: dict[str, list[Any]] = {}
    for pa in c.articles:
        a = pa.article
        by_doc.setdefault(a.doc_id, []).append(
            {
                "id": a.id,
                "title": a.title,
                "source": a.source,
                "date": a.date,
                "issue": a.issue,
                "start": a.span.start,
                "end": a.span.end,
                "sentences": sum(1 for s in pa.sentences if s.role == Role.BODY),
                "segments": len(pa.sentences),
                "characters": sum(1 for ch in pa.norm.text if not ch.isspace()),
            }
        )
    for d in c.documents:
        docs.append(
            {
                "id": d.id,
                "file": d.file,
                "title": d.meta.title,
                "publisher": d.meta.publisher,
                "date": d.meta.date,
                "language": d.meta.language,
                "kind": d.meta.kind,
                "encoding": d.encoding,
                "sha256": d.sha256,
                "characters": len(d.raw),
                "articles": by_doc.get(d.id, []),
            }
        )
    return {"corpus": c.folder, "documents": docs, "issues": list(c.issues)}


def corpus_table(c: Corpus) -> Table:
    data = corpus_json(c)
    t = Table(title=f"corpus {c.folder}: {len(c.documents)} documents, {len(c.articles)} articles")
    for col in ("id", "title", "source", "date", "sentences"):
        t.add_column(col, overflow="fold")
    for d in data["documents"]:
        t.add_row(
            f"[bold]{d['id']}[/]",
            f"[bold]{d['title'] or ''}[/] [dim]{d['file']}[/]",
            d["publisher"] or "",
            d["date"] or "?",
            str(sum(a["sentences"] for a in d["articles"])),
        )
        if len(d["articles"]) > 1:
            for a in d["articles"]:
                t.add_row("  " + a["id"], "  " + (a["title"] or ""), a["source"] or "", a["date"] or "?", str(a["sentences"]))
    return t


def progress_bar(console: Console) -> Any:
    """A rich progress context whose object is callable as progress(stage, done, total)."""
    return _Progress(console)


class _Progress:
    def __init__(self, console: Console) -> None:
        self._p = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _Progress:
        self._p.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._p.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._p.add_task(stage, total=total)
        self._p.update(self._tasks[stage], completed=done, total=total)


def eval_table(result: Any) -> Table:
    header, rows = result.table()
    t = Table(title="alignment quality (character level, PAN measures)")
    for h in header:
        t.add_column(h, justify="left" if h == "kind" else "right")
    for r in rows:
        t.add_row(*r)
    extra = f"negatives touched: {result.negatives_touched:.3f}   short detections: {result.short_detections}"
    t.caption = extra
    return t
