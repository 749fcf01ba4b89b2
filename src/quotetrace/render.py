"""`render`: rich tables and JSON shapes for the CLI. Presentation only — no computation
that a script consuming `--json` could not reproduce from the library's data."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

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
                t.add_row(
                    "  " + a["id"],
                    "  " + (a["title"] or ""),
                    a["source"] or "",
                    a["date"] or "?",
                    str(a["sentences"]),
                )
    return t


def progress_bar(console: Console) -> Any:
    """A rich progress context whose object is callable as progress(stage, done, total)."""
    return _Progress(console)


class _Progress:
    def __init__(self, console: Console) -> None:
        self._p = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            # a pipe or a log file gets no bar, and no stray blank line before an error
            disable=not console.is_terminal,
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
    keep = [i for i, h in enumerate(header) if h != "detections"]  # in --json; keeps 80 columns
    header = tuple(header[i] for i in keep)
    rows = [tuple(r[i] for i in keep) for r in rows]
    short = {
        "precision": "P",
        "recall": "R",
        "granularity": "gran",
        "plagdet": "pdet",
        "detected": "hit",
        "detections": "dets",
    }
    from rich import box

    t = Table(title="alignment quality (character level, PAN measures)", box=box.SIMPLE_HEAD, pad_edge=False)
    for h in header:
        if h == "kind":
            t.add_column(h, justify="left", no_wrap=True)
        else:
            t.add_column(short.get(h, h), justify="right", no_wrap=True, min_width=5)
    for r in rows:
        t.add_row(*r)
    extra = f"negatives touched: {result.negatives_touched:.3f}   short detections: {result.short_detections}"
    src = getattr(result, "source", None)
    if src is not None:
        extra += (
            f"\nsource spans: P {src.precision:.3f}  R {src.recall:.3f}  ({src.n_records} records, "
            f"{src.n_detections} detections in the record's source file; {src.via_copy} via a copy)"
        )
    t.caption = extra
    return t


_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _one_line(text: str) -> str:
    """Raw text on one line for a table cell: PDF line breaks inside Chinese vanish, runs of
    whitespace between Latin words become one space."""
    return " ".join(_CJK_GAP.sub("", text).split())


def summary_tables(s: dict[str, Any]) -> list[Table]:
    t = Table(title=f"quotetrace: {s['corpus']}", show_header=False)
    t.add_column("what")
    t.add_column("n", justify="right")
    for k in ("documents", "articles", "sentences", "passages"):
        t.add_row(k, str(s[k]))
    for k, v in s["passages_by_kind"].items():
        t.add_row(f"  {k}", str(v))
    src = Table(title="top sources (origins)")
    for col in ("document", "passages", "reused by articles"):
        src.add_column(col)
    for row in s["top_sources"]:
        src.add_row(row["doc"], str(row["passages"]), str(row["target_articles"]))
    most = Table(title="most reused sentences of each source")
    for col in ("source", "reused by", "sentence"):
        most.add_column(col, overflow="fold")
    for doc, rows in s["most_reused_sentences"].items():
        for r in rows:
            text = _one_line(r["text"])
            shown = text if len(text) <= 120 else text[:119] + "…"  # a cut sentence says so
            most.add_row(f"{doc} [{r['start']}:{r['end']}]", str(r["reused_by"]), shown)
    return [t, src, most]


def _highlight(hit: Any) -> Text:
    """The hit's raw text, with the characters that differ from the query in bold red.

    The diff is on compact keys; each key character knows its offset in the raw text
    (`Hit.key_pos`), so punctuation and spaces show as in the file, characters the key does not
    hold (a page number dropped inside the sentence) show unstyled, and the red lands exactly
    on the differing characters. PDF line breaks inside Chinese are not shown."""
    red_keys = {i for tag, _q0, _q1, h0, h1 in hit.diff if tag != "equal" for i in range(h0, h1)}
    pos = hit.key_pos or ()
    red = {pos[i] for i in red_keys if i < len(pos)}
    text = hit.text
    cjk = not hit.hit_key.isascii()
    out = Text()
    last_space = False
    for off, ch in enumerate(text):
        if ch.isspace():
            if cjk and ch in "\r\n":
                continue
            if last_space:
                continue
            out.append(" ")
            last_space = True
            continue
        last_space = False
        out.append(ch, style="bold red" if off in red else "")
    return out


def where_table(query: str, hits: Sequence[Any]) -> Table:
    q = " ".join(query.split())
    t = Table(title=f"{len(hits)} places for: {q if len(q) <= 60 else q[:59] + '…'}", show_lines=True)
    t.add_column("date", no_wrap=True)
    t.add_column("where", overflow="fold", max_width=34)
    t.add_column("match", no_wrap=True)
    t.add_column("text (differences from the query in red)", overflow="fold")
    for h in hits:
        flags = ", ".join(f for f, on in (("quoted", h.quoted), ("attributed", h.attributed)) if on)
        where = f"{h.article_id}\n{h.file}:{h.line} [{h.span.start}:{h.span.end}]"
        if h.title:
            where += f"\n{h.title[:30]}"
        t.add_row(
            ("[bold green]origin[/]\n" if h.origin else "") + (h.date or "?"),
            where,
            f"{h.kind}\n{h.score:.2f}"
            + (f"\n{h.coverage:.0%} of query" if h.coverage < 0.995 else "")
            + (f"\n{flags}" if flags else ""),
            _highlight(h),
        )
    return t


def report_tables(reports: Sequence[Any]) -> list[Table]:
    tables = []
    for r in reports:
        t = Table(
            title=f"{r.doc_id}: {r.reused_share:.0%} reused ({r.reused_chars}/{r.characters} chars) — {r.file}"
        )
        for col in ("article", "title", "date", "chars", "reused", "share", "by source", "by kind"):
            t.add_column(col, overflow="fold")
        for a in r.articles:
            t.add_row(
                a.article_id,
                (a.title or "")[:40],
                a.date or "?",
                str(a.characters),
                str(a.reused_chars),
                f"{a.reused_share:.0%}",
                ", ".join(f"{k} {v}" for k, v in sorted(a.by_source.items(), key=lambda kv: -kv[1])),
                ", ".join(f"{k} {v}" for k, v in a.by_kind.items()),
            )
        tables.append(t)
    return tables
