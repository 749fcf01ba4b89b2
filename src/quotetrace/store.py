"""`store`: the I/O edge — atomic file writes, alignments.jsonl, JSON and CSV.

Why: every output the pipeline writes goes through here so that nothing is ever half-written
(style.md §3.11): data goes to a temporary file in the target's directory, is fsynced, then
`os.replace`d over the target. Record layout follows design.md §4; `docs/formats.md` documents it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from .errors import InputError
from .model import Alignment, Direction, Document, Kind, Side, Span

__all__ = [
    "alignment_records",
    "alignment_to_record",
    "atomic_open",
    "atomic_write",
    "read_alignments",
    "read_jsonl",
    "record_to_alignment",
    "sort_alignments",
    "write_alignments",
    "write_csv",
    "write_json",
    "write_jsonl",
]

_KINDS = frozenset(k.value for k in Kind)
_DIRECTIONS = frozenset(d.value for d in Direction)


# --------------------------------------------------------------------------- atomic writes


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary sibling of `path` for writing; on success it replaces `path`.

    Why: readers (and a crash) never see a half-written file. If the body raises, the temporary
    file is removed and the old `path` is untouched. Text mode is UTF-8 with no newline
    translation. Parent directories are created.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open supports modes 'w' and 'wb', not {mode!r}")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_name(path)
        # 0o666 lets the umask decide the permissions, like a plain open() would.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise InputError(path, f"cannot write: {e.strerror or e}") from e
    try:
        if mode == "wb":
            f: IO[Any] = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding="utf-8", newline="")
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _install(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _install(tmp: Path, path: Path) -> None:
    """Move a written temporary file over `path`, keeping the old file's permissions."""
    try:
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as e:
        raise InputError(path, f"cannot write: {e.strerror or e}") from e


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable where the platform allows opening directories."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(dfd)
    finally:
        os.close(dfd)


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write `data` (str as UTF-8, or bytes) to `path` atomically."""
    if isinstance(data, bytes):
        with atomic_open(path, "wb") as f:
            f.write(data)
    else:
        with atomic_open(path, "w") as f:
            f.write(data)


def atomic_write_many(files: Mapping[Path, str | bytes]) -> None:
    """Write several files as one set: every one goes to a temporary sibling first, and only
    when all are written do they replace their targets. A target that cannot be written (a
    folder in the way, a full disk) leaves every old file as it was."""
    for path in files:
        if Path(path).is_dir():
            raise InputError(path, "cannot write: a folder is in the way")
    done: list[tuple[Path, Path]] = []
    try:
        for target, data in files.items():
            target = Path(target)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = Path(_temp_name(target))
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except OSError as e:
                raise InputError(target, f"cannot write: {e.strerror or e}") from e
            done.append((tmp, target))
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
                f.flush()
                os.fsync(f.fileno())
    except BaseException:
        for tmp, _ in done:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    for tmp, target in done:
        _install(tmp, target)
    for folder in {target.parent for _, target in done}:
        _fsync_dir(folder)


def json_text(obj: Any) -> str:
    """Pretty JSON (Chinese kept readable), newline-terminated: how every .json output reads."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def jsonl_text(records: Iterable[Mapping[str, Any]]) -> str:
    """One compact JSON object per line: how every .jsonl output reads."""
    return "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)


def write_json(path: str | Path, obj: Any) -> None:
    """Pretty UTF-8 JSON (Chinese kept readable), newline-terminated, written atomically."""
    atomic_write(path, json_text(obj))


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> int:
    """One compact JSON object per line, UTF-8, atomically. Returns the number of lines."""
    n = 0
    with atomic_open(path, "w") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str]) -> None:
    """CSV with a header row, UTF-8, '\\n' line ends, atomically. Unknown keys are an error."""
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(fieldnames), lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow(row)
    atomic_write(path, buf.getvalue())


def _numbered_jsonl(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; bad JSON → InputError(path, 'line N: …')."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise InputError(path, "no such file") from e
    except IsADirectoryError as e:
        raise InputError(path, "is a directory, expected a JSONL file") from e
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from e
    out: list[tuple[int, dict[str, Any]]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(path, f"line {n}: invalid JSON ({e.msg} at column {e.colno})") from e
        if not isinstance(obj, dict):
            raise InputError(path, f"line {n}: expected a JSON object, got {type(obj).__name__}")
        out.append((n, obj))
    return out


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file of objects; blank lines are skipped."""
    return [obj for _, obj in _numbered_jsonl(path)]


# --------------------------------------------------------------------------- alignment records


def _side_record(
    side: Side, docs: Mapping[str, Document], *, text: bool, article: bool = True
) -> dict[str, Any]:
    doc = docs[side.doc_id]
    rec: dict[str, Any] = {"doc": side.doc_id, "file": doc.file}
    if article:
        rec["article"] = side.article_id
    rec["start"] = side.span.start
    rec["end"] = side.span.end
    if text:
        rec["text"] = side.span.of(doc.raw)
    return rec


def alignment_to_record(a: Alignment, *, docs: Mapping[str, Document], id: str) -> dict[str, Any]:
    """One alignments.jsonl object (design.md §4); `text` fields are `raw[start:end]`.

    Extra fields beyond §4: `via` (present when the reuse came through an intermediate) and
    `direction_rule` (always present; "" when no rule was recorded).
    """
    rec: dict[str, Any] = {
        "id": id,
        "source": _side_record(a.source, docs, text=True),
        "target": _side_record(a.target, docs, text=True),
        "kind": Kind(a.kind).value,
        "score": round(float(a.score), 4),
        "quoted": bool(a.quoted),
        "attributed": bool(a.attributed),
        "direction": Direction(a.direction).value,
        "direction_rule": a.direction_rule,
    }
    if a.origin is not None:
        rec["origin"] = _side_record(a.origin, docs, text=False, article=False)
    if a.via is not None:
        rec["via"] = _side_record(a.via, docs, text=False)
    return rec


def _sort_key(a: Alignment) -> tuple[Any, ...]:
    return (
        a.target.doc_id,
        a.target.span.start,
        a.source.doc_id,
        a.source.span.start,
        a.target.span.end,
        a.source.span.end,
        a.target.article_id,
        a.source.article_id,
        str(a.kind),
    )


def sort_alignments(alignments: Iterable[Alignment]) -> list[Alignment]:
    """The stable output order: target doc, target start, source doc, source start (then ends)."""
    return sorted(alignments, key=_sort_key)


def _docs_by_id(docs: Mapping[str, Document] | Iterable[Document]) -> Mapping[str, Document]:
    if isinstance(docs, Mapping):
        return docs
    return {d.id: d for d in docs}


def alignment_records(
    alignments: Iterable[Alignment], docs: Mapping[str, Document] | Iterable[Document]
) -> list[dict[str, Any]]:
    """The alignments.jsonl records, in stable order with ids a000001…, without writing them."""
    by_id = _docs_by_id(docs)
    return [
        alignment_to_record(a, docs=by_id, id=f"a{i:06d}")
        for i, a in enumerate(sort_alignments(alignments), 1)
    ]


def write_alignments(
    path: str | Path, alignments: Iterable[Alignment], docs: Mapping[str, Document] | Iterable[Document]
) -> int:
    """Write alignments.jsonl atomically (see `alignment_records`); return the number written.

    `docs` maps document id → Document (a sequence of Documents works too).
    """
    return write_jsonl(path, alignment_records(alignments, docs))


_SIDE_FIELDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("doc", str),
    ("file", str),
    ("article", str),
    ("start", int),
    ("end", int),
    ("text", str),
)


def _check_side(rec: Any, name: str, fields: Sequence[tuple[str, type | tuple[type, ...]]]) -> str | None:
    if not isinstance(rec, dict):
        return f"'{name}' must be an object"
    for key, typ in fields:
        if key not in rec:
            return f"missing field '{name}.{key}'"
        v = rec[key]
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            return f"field '{name}.{key}' has the wrong type ({type(v).__name__})"
    if not 0 <= rec["start"] <= rec["end"]:
        return f"'{name}' has an invalid span [{rec['start']}, {rec['end']})"
    return None


def _check_record(rec: dict[str, Any]) -> str | None:
    """The first problem of an alignment record, or None when it follows design.md §4."""
    for key in ("id", "source", "target", "kind", "score", "quoted", "attributed", "direction"):
        if key not in rec:
            return f"missing field '{key}'"
    for name in ("source", "target"):
        if problem := _check_side(rec[name], name, _SIDE_FIELDS):
            return problem
    if rec["kind"] not in _KINDS:
        return f"unknown kind {rec['kind']!r}"
    if rec["direction"] not in _DIRECTIONS:
        return f"unknown direction {rec['direction']!r}"
    score = rec["score"]
    if isinstance(score, bool) or not isinstance(score, int | float):
        return "field 'score' must be a number"
    for key in ("quoted", "attributed"):
        if not isinstance(rec[key], bool):
            return f"field '{key}' must be true or false"
    if "origin" in rec and (
        problem := _check_side(rec["origin"], "origin", _SIDE_FIELDS[:2] + _SIDE_FIELDS[3:5])
    ):
        return problem
    if "via" in rec and (problem := _check_side(rec["via"], "via", _SIDE_FIELDS[:5])):
        return problem
    return None


def read_alignments(path: str | Path) -> list[dict[str, Any]]:
    """Read and check alignments.jsonl; a bad line raises InputError(path, 'line N: …')."""
    out: list[dict[str, Any]] = []
    for n, rec in _numbered_jsonl(path):
        if problem := _check_record(rec):
            raise InputError(path, f"line {n}: {problem}")
        out.append(rec)
    return out


def _side_from(rec: Mapping[str, Any], article: bool = True) -> Side:
    return Side(
        doc_id=rec["doc"],
        article_id=rec["article"] if article else rec.get("article", rec["doc"]),
        span=Span(rec["start"], rec["end"]),
    )


def record_to_alignment(rec: Mapping[str, Any]) -> Alignment:
    """Back from a (checked) alignments.jsonl record to an Alignment; texts are dropped."""
    return Alignment(
        source=_side_from(rec["source"]),
        target=_side_from(rec["target"]),
        kind=Kind(rec["kind"]),
        score=float(rec["score"]),
        quoted=rec["quoted"],
        attributed=rec["attributed"],
        direction=Direction(rec["direction"]),
        origin=_side_from(rec["origin"], article=False) if rec.get("origin") else None,
        via=_side_from(rec["via"]) if rec.get("via") else None,
        direction_rule=rec.get("direction_rule", ""),
    )
