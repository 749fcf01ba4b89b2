"""`indexdb`: the persistent, incremental, atomic index — one SQLite file per corpus.

Why: parsing and shingling a large corpus takes minutes, but users add, edit and remove a few
files at a time and ask `where` questions in between. The index keeps every document's parse
(articles, normalised text, sentences), its matching units and their shingle postings, the
current alignments and an embedding cache, so a sync re-parses only the files whose bytes (or
manifest entry) changed and a query touches only the postings of its own shingles.

Guarantees:
- A sync runs in one `BEGIN IMMEDIATE … COMMIT` transaction in WAL mode: a killed build
  leaves the previous index intact, and readers keep querying the old state while it runs.
- A file that is not an index, a wrong schema version or different settings (k-gram size)
  raise `IndexCorrupt` — the index is never silently trusted; `open_index(rebuild=True)`
  starts again.

Ids: a document keeps its row number while it is unchanged; its articles, sentences and units
get ids `row << 24 | ordinal`, so everything of a document is one key range and a posting
(hash, uid) names its document without a join. `Unit.idx` — the position in `units(db)` — is
`documents.unit_base + ordinal`, with bases renumbered in file order at the end of each sync,
so positions equal those `index.make_units` gives over the corpus's articles.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

import numpy as np

from . import ingest
from .errors import CorpusNotFound, DecodeError, EmptyCorpus, IndexCorrupt, InputError
from .index import Candidate, Unit, _stock_hashes, compact, content_bigrams, make_units, shingle_hashes
from .model import (
    Alignment,
    Article,
    Corpus,
    Direction,
    Document,
    DocumentMeta,
    Kind,
    NormText,
    ParsedArticle,
    Role,
    Sentence,
    Side,
    Span,
)

__all__ = [
    "INDEX_DIR",
    "INDEX_FILE",
    "SCHEMA_VERSION",
    "IndexDB",
    "SyncResult",
    "candidates_for",
    "default_index_path",
    "doc_unit_ids",
    "embedding_key",
    "get_embeddings",
    "get_units",
    "load_articles",
    "load_corpus",
    "load_documents",
    "open_index",
    "put_embeddings",
    "query_candidates",
    "read_alignments",
    "read_cues",
    "read_oriented",
    "replace_alignments",
    "stats",
    "sync",
    "unaligned",
    "units",
    "write_cues",
    "write_oriented",
]

INDEX_DIR = ".quotetrace"
INDEX_FILE = "index.sqlite"
SCHEMA_VERSION = 2
UNALIGNED = "unaligned"  # meta key: JSON list of document ids whose alignments are stale
DEFAULT_K = 6  # the k-gram size pipeline.align_corpus uses (index.lexical_candidates' default)

_SHIFT = 24  # ordinal bits of an id: up to 16.7M units per document
_MASK = (1 << _SHIFT) - 1
_POSTINGS_CHUNK = 4_000_000  # postings buffered before a sorted bulk insert
_BATCH = 50_000

ParseFn = Callable[[Document], tuple[ParsedArticle, ...]]
ProgressFn = Callable[[str, int, int], None]  # (stage, done, total), as pipeline.ProgressFn

_ROLES = {r.value: r for r in Role}  # Role(value) is an enum lookup: slow over millions of rows
_TABLES = ("meta", "documents", "articles", "sentences", "units", "postings", "alignments", "embeddings")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    row INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    manifest TEXT,
    meta TEXT NOT NULL,
    n_articles INTEGER NOT NULL,
    n_units INTEGER NOT NULL,
    article_base INTEGER NOT NULL DEFAULT 0,
    unit_base INTEGER NOT NULL DEFAULT 0,
    raw TEXT NOT NULL  -- last: scans of the small columns never read its overflow pages
);
CREATE TABLE articles (
    aid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    title TEXT, source TEXT, date TEXT, issue TEXT,
    title_start INTEGER, title_end INTEGER, source_start INTEGER, source_end INTEGER,
    norm TEXT NOT NULL,
    to_raw BLOB NOT NULL
);
CREATE TABLE sentences (
    sid INTEGER PRIMARY KEY,
    art_ord INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL,
    nstart INTEGER NOT NULL, nend INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    role TEXT NOT NULL,
    quoted TEXT
);
CREATE TABLE units (
    uid INTEGER PRIMARY KEY,
    sid INTEGER NOT NULL,
    art_ord INTEGER NOT NULL,
    key TEXT NOT NULL,
    raw_pos BLOB NOT NULL,
    language TEXT NOT NULL
);
CREATE TABLE postings (
    hash INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    PRIMARY KEY (hash, uid)
) WITHOUT ROWID;
CREATE TABLE alignments (
    id INTEGER PRIMARY KEY,
    src_doc TEXT NOT NULL, src_art TEXT NOT NULL, src_start INTEGER NOT NULL, src_end INTEGER NOT NULL,
    tgt_doc TEXT NOT NULL, tgt_art TEXT NOT NULL, tgt_start INTEGER NOT NULL, tgt_end INTEGER NOT NULL,
    kind TEXT NOT NULL,
    score REAL NOT NULL,
    quoted INTEGER NOT NULL,
    attributed INTEGER NOT NULL,
    direction TEXT NOT NULL,
    origin TEXT,
    via TEXT,
    direction_rule TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alignments_src ON alignments (src_doc);
CREATE INDEX alignments_tgt ON alignments (tgt_doc);
CREATE TABLE embeddings (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, vec BLOB NOT NULL);
"""

# Modules whose code decides what a parse looks like: when any of them changes, the stored
# parses are stale and the next sync re-parses every document.
_PARSER_MODULES = ("ingest", "split", "normalise", "segment", "tokens", "dates", "index", "model", "pipeline")


# --------------------------------------------------------------------------- handle and opening


@dataclass(eq=False)
class IndexDB:
    """An open index: the connection, its file and the k-gram size its postings use."""

    path: Path
    conn: sqlite3.Connection
    k: int
    writes: int = 0  # own committed write transactions (data_version does not count them)
    docs_cache: tuple[tuple[int, int], list[_DocRow]] | None = None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> IndexDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class SyncResult:
    """Document ids by what the sync did, each in file order; `issues` names skipped files."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    issues: tuple[str, ...] = ()

    @property
    def touched(self) -> tuple[str, ...]:
        """Ids whose alignments must be recomputed (added and changed; removed ones are gone)."""
        return self.added + self.changed


def default_index_path(corpus: str | Path) -> Path:
    """`CORPUS/.quotetrace/index.sqlite` (a single-file corpus: next to the file)."""
    corpus = Path(corpus)
    root = corpus.parent if corpus.is_file() else corpus
    return root / INDEX_DIR / INDEX_FILE


def _corrupt(path: Path, problem: str) -> IndexCorrupt:
    return IndexCorrupt(path, f"corrupt index ({problem}); run with --rebuild")


def _remove_files(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal", ".bigrams.npz"))):
        with suppress(FileNotFoundError):
            p.unlink()


def replace_index(new: Path, path: Path) -> None:
    """Move a closed, fully built index file over `path` (its old WAL and shared-memory files
    go first: a stale WAL must never meet the new file)."""
    for suffix in ("-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()
    os.replace(new, path)
    for suffix in ("-wal", "-shm", "-journal", ".bigrams.npz"):
        with suppress(FileNotFoundError):
            new.with_name(new.name + suffix).unlink()


def _fingerprint(k: int) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, "k": k}, sort_keys=True)


def open_index(
    path: str | Path, *, rebuild: bool = False, k: int = DEFAULT_K, check: bool = False
) -> IndexDB:
    """Open (creating if needed) the index at `path`.

    Raises IndexCorrupt when the file is not a quotetrace index of this schema and k-gram size
    (or, with `check`, fails SQLite's quick_check, which reads the whole file). `rebuild`
    deletes the file (and its WAL) first, so a corrupt index can be started again.
    """
    path = Path(path)
    if rebuild:
        _remove_files(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(path, f"cannot create index folder: {e.strerror or e}") from None
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as e:
        raise _corrupt(path, str(e)) from None
    db = IndexDB(path, conn, k)
    try:
        with _guard(db):
            _setup(db, check=check)
    except BaseException:
        conn.close()
        raise
    return db


def _setup(db: IndexDB, *, check: bool) -> None:
    c = db.conn
    c.execute("PRAGMA busy_timeout = 10000")
    version = c.execute("PRAGMA user_version").fetchone()[0]  # reads the header: garbage fails here
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and not tables:
        c.execute("PRAGMA journal_mode = WAL")
        c.execute("BEGIN IMMEDIATE")
        try:
            if c.execute("PRAGMA user_version").fetchone()[0] == 0:  # another process may have won
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        c.execute(stmt)
                c.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("fingerprint", _fingerprint(db.k)), ("parser", ""), ("folder", ""), ("issues", "[]")],
                )
                c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        version = SCHEMA_VERSION
        tables = set(_TABLES)
    if version != SCHEMA_VERSION:
        raise _corrupt(db.path, f"schema version {version}, expected {SCHEMA_VERSION}")
    missing = [t for t in _TABLES if t not in tables]
    if missing:
        raise _corrupt(db.path, f"missing table {missing[0]}")
    if c.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA synchronous = NORMAL")
    c.execute("PRAGMA cache_size = -262144")  # 256 MiB
    c.execute("PRAGMA temp_store = MEMORY")
    c.execute("PRAGMA mmap_size = 1073741824")
    fp = _meta_get(db, "fingerprint")
    want = _fingerprint(db.k)
    if fp != want:
        raise _corrupt(db.path, f"built with settings {fp}, expected {want}")
    if check:
        res = [r[0] for r in c.execute("PRAGMA quick_check")]
        if res != ["ok"]:
            raise _corrupt(db.path, f"quick_check: {res[0]}")


@contextmanager
def _guard(db: IndexDB) -> Iterator[None]:
    """SQLite errors → typed errors: damage → IndexCorrupt, a held lock → InputError."""
    try:
        yield
    except sqlite3.OperationalError as e:
        msg = str(e)
        if "locked" in msg or "busy" in msg:
            raise InputError(db.path, "index is locked by another quotetrace process; try again") from None
        if "no such table" in msg or "no such column" in msg:
            raise _corrupt(db.path, msg) from None
        if "readonly" in msg or "read-only" in msg or "unable to open" in msg:
            raise InputError(
                db.path,
                "cannot write the index or its -wal/-shm files (read-only file or folder): fix the permissions or use --index PATH",
            ) from None
        raise
    except sqlite3.DatabaseError as e:  # "file is not a database", "database disk image is malformed"
        raise _corrupt(db.path, str(e)) from None


@contextmanager
def _txn(db: IndexDB, *, write: bool) -> Iterator[sqlite3.Connection]:
    """One transaction (a consistent snapshot for readers); nested use joins the outer one."""
    c = db.conn
    if c.in_transaction:
        yield c
        return
    c.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        if write:
            db.writes += 1  # before any change: cached reads inside the transaction are refreshed
        yield c
    except BaseException:
        with suppress(sqlite3.Error):
            c.execute("ROLLBACK")
        raise
    c.execute("COMMIT")
    if write:
        db.writes += 1


def _meta_get(db: IndexDB, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def _meta_set(db: IndexDB, key: str, value: str) -> None:
    db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


@cache
def _parser_fingerprint() -> str:
    """Hash of the parsing modules' code and data tables: a change makes stored parses stale. Computed once per
    process, so it describes the code this process runs even if files are edited meanwhile."""
    import importlib

    h = hashlib.sha1()
    for name in _PARSER_MODULES:
        try:
            mod = importlib.import_module(f"{__package__}.{name}")
            h.update(Path(mod.__file__ or "").read_bytes())
        except (ImportError, OSError):
            h.update(name.encode())
    # the shipped tables decide keys (script fold) and which shingles are evidence (stock)
    data = Path(__file__).with_name("data")
    for table in sorted(data.glob("*.txt*")) if data.is_dir() else []:
        h.update(table.name.encode())
        h.update(table.read_bytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- compact encodings


def _pack(values: Sequence[int] | np.ndarray, base: int, *, z: bool = False) -> bytes:
    """Non-decreasing offsets → deltas from `base`, as uint8 when they fit, else uint32 (LE);
    anything else verbatim as int64.

    Plain Python for the short per-unit arrays (NumPy's per-call overhead dominates there)."""
    vals: list[int] = values.tolist() if isinstance(values, np.ndarray) else list(values)
    d = [b - a for a, b in zip(chain((base,), vals), vals, strict=False)]
    if d and (min(d) < 0 or max(d) > 0xFFFFFFFF):  # not monotone from base: store as is
        body = b"8" + np.asarray(vals, dtype="<i8").tobytes()
    elif not d or max(d) < 256:
        body = b"1" + bytes(d)
    else:
        body = b"4" + np.asarray(d, dtype="<u4").tobytes()
    return b"z" + zlib.compress(body, 1) if z else body


def _unpack(blob: bytes, base: int) -> tuple[int, ...]:
    if blob[:1] == b"z":
        blob = zlib.decompress(blob[1:])
    if blob[:1] == b"1":
        return tuple(accumulate(blob[1:], initial=base))[1:]
    if blob[:1] == b"8":
        return tuple(np.frombuffer(blob, dtype="<i8", offset=1).tolist())
    d = np.frombuffer(blob, dtype="<u4", offset=1).astype(np.int64)
    return tuple((np.cumsum(d) + base).tolist())


def _unpack_array(blob: bytes, base: int) -> np.ndarray:
    """As `_unpack`, as an int64 array (Unit.raw_pos)."""
    if blob[:1] == b"z":
        blob = zlib.decompress(blob[1:])
    if blob[:1] == b"8":
        return np.frombuffer(blob, dtype="<i8", offset=1).astype(np.int64)
    d = np.frombuffer(blob, dtype=np.uint8 if blob[:1] == b"1" else "<u4", offset=1)
    out = np.cumsum(d, dtype=np.int64)
    out += base
    return out


def _spans_json(spans: Iterable[Span]) -> str | None:
    flat = [x for s in spans for x in (s.start, s.end)]
    return json.dumps(flat) if flat else None


def _spans_from(text: str | None) -> tuple[Span, ...]:
    if not text:
        return ()
    flat = json.loads(text)
    return tuple(Span(flat[i], flat[i + 1]) for i in range(0, len(flat), 2))


def _meta_json(meta: DocumentMeta) -> str:
    return json.dumps(
        {
            "title": meta.title,
            "publisher": meta.publisher,
            "date": meta.date,
            "language": meta.language,
            "kind": meta.kind,
            "description": meta.description,
            "dates": [list(p) for p in meta.dates],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _meta_from(text: str) -> DocumentMeta:
    d = json.loads(text)
    d["dates"] = tuple((a, b) for a, b in d.get("dates", ()))
    return DocumentMeta(**d)


def _manifest_json(listed: tuple[str, DocumentMeta] | None) -> str | None:
    if listed is None:
        return None
    return json.dumps(
        {"id": listed[0], "meta": json.loads(_meta_json(listed[1]))}, ensure_ascii=False, sort_keys=True
    )


def _signed(h: np.ndarray) -> np.ndarray:
    """uint64 shingle hashes as the int64 SQLite stores (same bits)."""
    return np.ascontiguousarray(h, dtype=np.uint64).view(np.int64)


def _postings_of(keys: Sequence[str], uids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (hash as int64, uid) of the keys' k-grams."""
    h, unit, _ = shingle_hashes(keys, k)
    if len(h) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return _distinct(_signed(h), uids[unit])


def _distinct(h: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((u, h))
    h, u = h[order], u[order]
    keep = np.ones(len(h), dtype=bool)
    keep[1:] = (h[1:] != h[:-1]) | (u[1:] != u[:-1])
    return h[keep], u[keep]


# --------------------------------------------------------------------------- sync


@dataclass(slots=True)
class _Old:
    row: int
    id: str
    file: str
    sha256: str
    size: int
    mtime_ns: int
    manifest: str | None
    meta: str


@dataclass(slots=True)
class _Plan:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    to_parse: list[tuple[Document, int, int, str | None]] = field(
        default_factory=list
    )  # doc, size, mtime, manifest
    keep_rows: set[int] = field(default_factory=set)
    touch: list[tuple[int, int, str | None, int]] = field(default_factory=list)  # size, mtime, manifest, row


def sync(
    db: IndexDB,
    folder: str | Path,
    *,
    parse: ParseFn | None = None,
    skip_bad: bool = False,
    progress: ProgressFn | None = None,
) -> SyncResult:
    """Bring the index up to date with the corpus folder, in one transaction.

    Files are found and given ids exactly as `ingest.load_documents` does (manifest or not).
    A file whose size and mtime are unchanged is not even read; otherwise its sha256 decides.
    A document counts as changed when its bytes, its id or its (completed) metadata changed,
    or when the parsing code changed since the last sync. Removed and changed documents lose
    their articles, units, postings and every alignment with them on either side; added and
    changed ones are parsed (`parse`, default `pipeline.parse_document`) and indexed.
    """
    if parse is None:
        from .pipeline import parse_document  # lazily: pipeline may come to import this module

        parse = parse_document
    folder = Path(folder)
    if folder.is_file():
        root, files = folder.parent, [folder]
    elif folder.is_dir():
        root = folder
        files = ingest._text_files(root)
        if not files:
            raise EmptyCorpus(folder, "no .txt or .md files")
    else:
        raise CorpusNotFound(folder, "no such directory")
    manifest = ingest.read_manifest(root)
    notes = ingest.misnamed_folders(root) if folder.is_dir() else []
    parser_fp = _parser_fingerprint()
    # nothing changed (the common case for `where`, `report`, `graph`): answer from a read
    # transaction, so readers never queue behind another process's long build
    with _guard(db), _txn(db, write=False) as c:
        if _meta_get(db, "parser") == parser_fp:
            old = [
                _Old(*r)
                for r in c.execute(
                    "SELECT row, id, file, sha256, size, mtime_ns, manifest, meta FROM documents"
                )
            ]
            plan = _plan(db, root, files, manifest, old, reparse_all=False, skip_bad=skip_bad, notes=notes)
            if (
                old
                and not plan.added
                and not plan.changed
                and not plan.touch
                and len(plan.unchanged) == len(old)
                and _meta_get(db, "folder") == str(folder)
            ):
                return SyncResult((), (), (), tuple(plan.unchanged), tuple(plan.issues))
    with _guard(db), _txn(db, write=True) as c:
        reparse_all = _meta_get(db, "parser") != parser_fp
        old = [
            _Old(*r)
            for r in c.execute("SELECT row, id, file, sha256, size, mtime_ns, manifest, meta FROM documents")
        ]
        plan = _plan(db, root, files, manifest, old, reparse_all=reparse_all, skip_bad=skip_bad, notes=notes)
        if not plan.added and not plan.changed and not plan.unchanged:
            raise EmptyCorpus(folder, f"no readable .txt or .md files ({len(plan.issues)} skipped)")
        gone = [o for o in old if o.row not in plan.keep_rows]
        new_ids = set(plan.added) | set(plan.changed) | set(plan.unchanged)
        removed = sorted({o.id for o in gone} - new_ids)
        c.executemany("UPDATE documents SET size = ?, mtime_ns = ?, manifest = ? WHERE row = ?", plan.touch)
        if gone and len(gone) == len(old):  # everything goes (e.g. new parser code): truncate
            for table in ("postings", "units", "sentences", "articles", "documents", "alignments"):
                c.execute(f"DELETE FROM {table}")
            gone_rows: list[_Old] = []
        else:
            gone_rows = gone
        for i, o in enumerate(gone_rows):
            _delete_document(db, o.row)
            if progress:
                progress("remove", i + 1, len(gone_rows))
        dropped = sorted({o.id for o in gone})
        for j in range(0, len(dropped), 500):
            ids = dropped[j : j + 500]
            marks = ",".join("?" * len(ids))
            c.execute(f"DELETE FROM alignments WHERE src_doc IN ({marks}) OR tgt_doc IN ({marks})", ids + ids)
        _insert_documents(db, plan.to_parse, parse, progress)
        _renumber(db)
        _meta_set(db, "parser", parser_fp)
        _meta_set(db, "folder", str(folder))
        _meta_set(db, "issues", json.dumps(plan.issues, ensure_ascii=False))
        # documents whose alignments are not computed yet: a later trace must align them even
        # when this sync was run by someone else (a `where` query) and it sees nothing new
        pending = set(json.loads(_meta_get(db, UNALIGNED) or "[]")) | set(plan.added) | set(plan.changed)
        _meta_set(db, UNALIGNED, json.dumps(sorted(pending & new_ids), ensure_ascii=False))
    return SyncResult(
        tuple(plan.added), tuple(plan.changed), tuple(removed), tuple(plan.unchanged), tuple(plan.issues)
    )


def _plan(
    db: IndexDB,
    root: Path,
    files: Sequence[Path],
    manifest: Mapping[str, tuple[str, DocumentMeta]],
    old: Sequence[_Old],
    *,
    reparse_all: bool,
    skip_bad: bool,
    notes: Sequence[str] = (),
) -> _Plan:
    """Decide per file: unchanged (kept row), added or changed (parsed again)."""
    by_file = {o.file: o for o in old}
    old_ids = {o.id for o in old}
    taken = {doc_id for doc_id, _ in manifest.values()}
    plan = _Plan()
    plan.issues.extend(notes)
    for path in files:
        rel = path.relative_to(root).as_posix()
        prev = by_file.get(rel)
        try:
            st = path.stat()
            if st.st_size == 0:  # nothing to trace (ingest.load_documents skips it the same way)
                plan.issues.append(f"{path}: empty file (skipped)")
                continue
            fast = prev is not None and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns
            data = None if fast else path.read_bytes()
        except OSError as e:
            err = DecodeError(path, f"cannot read: {e.strerror or e}")
            if not skip_bad:
                raise err from None
            plan.issues.append(f"{err} (skipped)")
            continue
        sha = prev.sha256 if data is None and prev is not None else hashlib.sha256(data or b"").hexdigest()
        same_bytes = prev is not None and prev.sha256 == sha
        raw = encoding = None
        if not same_bytes:
            try:
                raw, encoding = ingest.decode(data or b"", file=str(path))
            except DecodeError as e:
                if not skip_bad:
                    raise
                plan.issues.append(f"{e} (skipped)")
                continue
        listed = manifest.get(rel)
        doc_id = listed[0] if listed else ingest._fresh_id(ingest.slugify(path.stem), taken)
        taken.add(doc_id)
        man = _manifest_json(listed)
        if prev is not None and same_bytes and prev.id == doc_id and not reparse_all and prev.manifest == man:
            plan.unchanged.append(doc_id)
            plan.keep_rows.add(prev.row)
            if (prev.size, prev.mtime_ns) != (st.st_size, st.st_mtime_ns):
                plan.touch.append((st.st_size, st.st_mtime_ns, man, prev.row))
            continue
        if raw is None:
            assert prev is not None
            raw, encoding = db.conn.execute(
                "SELECT raw, encoding FROM documents WHERE row = ?", (prev.row,)
            ).fetchone()
        meta = ingest._complete(listed[1] if listed else None, raw, rel)
        if (
            prev is not None
            and same_bytes
            and prev.id == doc_id
            and not reparse_all
            and prev.meta == _meta_json(meta)
        ):
            plan.unchanged.append(doc_id)
            plan.keep_rows.add(prev.row)
            plan.touch.append((st.st_size, st.st_mtime_ns, man, prev.row))
            continue
        doc = Document(id=doc_id, file=rel, raw=raw, encoding=encoding or "utf-8", sha256=sha, meta=meta)
        (plan.changed if doc_id in old_ids else plan.added).append(doc_id)
        plan.to_parse.append((doc, st.st_size, st.st_mtime_ns, man))
    return plan


def _uid_range(row: int) -> tuple[int, int]:
    return row << _SHIFT, (row << _SHIFT) | _MASK


def _delete_document(db: IndexDB, row: int) -> None:
    """Everything of one document row: postings (recomputed from its unit keys), units,
    sentences, articles and the row itself."""
    c = db.conn
    lo, hi = _uid_range(row)
    rows = c.execute("SELECT uid, key FROM units WHERE uid BETWEEN ? AND ? ORDER BY uid", (lo, hi)).fetchall()
    if rows:
        uids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        h, u = _postings_of([r[1] for r in rows], uids, db.k)
        c.executemany(
            "DELETE FROM postings WHERE hash = ? AND uid = ?", zip(h.tolist(), u.tolist(), strict=True)
        )
    for table, col in (("units", "uid"), ("sentences", "sid"), ("articles", "aid")):
        c.execute(f"DELETE FROM {table} WHERE {col} BETWEEN ? AND ?", (lo, hi))
    c.execute("DELETE FROM documents WHERE row = ?", (row,))


class _PostingBuffer:
    """Postings collected across documents, inserted in sorted chunks (B-tree friendly)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.h: list[np.ndarray] = []
        self.u: list[np.ndarray] = []
        self.n = 0

    def add(self, h: np.ndarray, u: np.ndarray) -> None:
        self.h.append(h)
        self.u.append(u)
        self.n += len(h)
        if self.n >= _POSTINGS_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.n:
            return
        h, u = _distinct(np.concatenate(self.h), np.concatenate(self.u))
        self.h, self.u, self.n = [], [], 0
        hl, ul = h.tolist(), u.tolist()
        for i in range(0, len(hl), 1_000_000):
            self.conn.executemany(
                "INSERT OR IGNORE INTO postings (hash, uid) VALUES (?, ?)",
                zip(hl[i : i + 1_000_000], ul[i : i + 1_000_000], strict=True),
            )


def _insert_documents(
    db: IndexDB,
    docs: Sequence[tuple[Document, int, int, str | None]],
    parse: ParseFn,
    progress: ProgressFn | None,
) -> None:
    c = db.conn
    buf = _PostingBuffer(c)
    arts_rows: list[tuple[Any, ...]] = []
    sent_rows: list[tuple[Any, ...]] = []
    unit_rows: list[tuple[Any, ...]] = []

    def flush_rows() -> None:
        c.executemany("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", arts_rows)
        c.executemany("INSERT INTO sentences VALUES (?,?,?,?,?,?,?,?,?)", sent_rows)
        c.executemany("INSERT INTO units VALUES (?,?,?,?,?,?)", unit_rows)
        arts_rows.clear()
        sent_rows.clear()
        unit_rows.clear()

    for i, (doc, size, mtime, man) in enumerate(docs):
        parsed = parse(doc)
        us = make_units(parsed, {doc.id: doc.meta.language or "zh"})
        cur = c.execute(
            "INSERT INTO documents (id, file, sha256, size, mtime_ns, encoding, manifest, meta, raw,"
            " n_articles, n_units) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.id,
                doc.file,
                doc.sha256,
                size,
                mtime,
                doc.encoding,
                man,
                _meta_json(doc.meta),
                doc.raw,
                len(parsed),
                len(us),
            ),
        )
        row = int(cur.lastrowid or 0)
        base = row << _SHIFT
        sid_of: dict[int, int] = {}  # id(Sentence) → sid: units hold the very Sentence objects
        n_sent = 0
        for ai, pa in enumerate(parsed):
            a = pa.article
            ts, ss = a.title_span, a.source_span
            arts_rows.append(
                (
                    base | ai,
                    a.id,
                    a.span.start,
                    a.span.end,
                    a.title,
                    a.source,
                    a.date,
                    a.issue,
                    ts.start if ts else None,
                    ts.end if ts else None,
                    ss.start if ss else None,
                    ss.end if ss else None,
                    pa.norm.text,
                    _pack(pa.norm.to_raw, a.span.start, z=True),
                )
            )
            for s in pa.sentences:
                sid = base | n_sent
                n_sent += 1
                sid_of[id(s)] = sid
                sent_rows.append(
                    (
                        sid,
                        ai,
                        s.span.start,
                        s.span.end,
                        s.norm.start,
                        s.norm.end,
                        s.paragraph,
                        str(s.role.value),
                        _spans_json(s.quoted),
                    )
                )
        for u in us:
            s = u.sentence
            unit_rows.append(
                (
                    base | u.idx,
                    sid_of[id(s)],
                    u.article_idx,
                    u.key,
                    _pack(u.raw_pos, s.span.start),
                    u.language,
                )
            )
        if len(sent_rows) >= _BATCH:
            flush_rows()
        if us:
            buf.add(*_postings_of([u.key for u in us], base | np.arange(len(us), dtype=np.int64), db.k))
        if progress:
            progress("index", i + 1, len(docs))
    flush_rows()
    buf.flush()


def _renumber(db: IndexDB) -> None:
    """Article and unit bases in file order, so positions match make_units over the corpus."""
    c = db.conn
    rows = sorted(
        c.execute("SELECT file, row, n_articles, n_units, article_base, unit_base FROM documents").fetchall()
    )
    updates = []
    a_base = u_base = 0
    for _file, row, n_a, n_u, old_a, old_u in rows:
        if (old_a, old_u) != (a_base, u_base):
            updates.append((a_base, u_base, row))
        a_base += n_a
        u_base += n_u
    c.executemany("UPDATE documents SET article_base = ?, unit_base = ? WHERE row = ?", updates)


# --------------------------------------------------------------------------- readers


@dataclass(frozen=True, slots=True)
class _DocRow:
    row: int
    id: str
    n_articles: int
    n_units: int
    article_base: int
    unit_base: int
    language: str


def _doc_rows(db: IndexDB) -> list[_DocRow]:
    """Documents in file order (the corpus order of load_documents); cached per handle until
    this or another connection commits (PRAGMA data_version, plus our own write counter)."""
    stamp = (db.conn.execute("PRAGMA data_version").fetchone()[0], db.writes)
    if db.docs_cache is not None and db.docs_cache[0] == stamp:
        return db.docs_cache[1]
    rows = db.conn.execute(
        "SELECT file, row, id, n_articles, n_units, article_base, unit_base,"
        " json_extract(meta, '$.language') FROM documents"
    ).fetchall()
    docs = [_DocRow(r[1], r[2], r[3], r[4], r[5], r[6], r[7] or "zh") for r in sorted(rows)]
    db.docs_cache = (stamp, docs)
    return docs


def _select_docs(db: IndexDB, doc_ids: Iterable[str] | None) -> list[_DocRow]:
    docs = _doc_rows(db)
    if doc_ids is None:
        return docs
    want = set(doc_ids)
    return [d for d in docs if d.id in want]


def load_documents(db: IndexDB, doc_ids: Iterable[str] | None = None) -> tuple[Document, ...]:
    """Stored documents (all, or those named) in corpus order."""
    with _guard(db), _txn(db, write=False) as c:
        out = []
        for d in _select_docs(db, doc_ids):
            r = c.execute(
                "SELECT id, file, raw, encoding, sha256, meta FROM documents WHERE row = ?", (d.row,)
            ).fetchone()
            out.append(Document(r[0], r[1], r[2], r[3], r[4], _meta_from(r[5])))
        return tuple(out)


def _articles_of(c: sqlite3.Connection, d: _DocRow, *, sentences: bool = True) -> list[ParsedArticle]:
    lo, hi = _uid_range(d.row)
    sents: list[list[Sentence]] = [[] for _ in range(d.n_articles)]
    arts = c.execute(
        "SELECT aid, id, start, end, title, source, date, issue, title_start, title_end,"
        " source_start, source_end, norm, to_raw FROM articles WHERE aid BETWEEN ? AND ? ORDER BY aid",
        (lo, hi),
    ).fetchall()
    art_ids = [a[1] for a in arts]
    rows = (
        c.execute(
            "SELECT sid, art_ord, start, end, nstart, nend, paragraph, role, quoted FROM sentences"
            " WHERE sid BETWEEN ? AND ? ORDER BY sid",
            (lo, hi),
        )
        if sentences
        else ()
    )
    for _sid, ai, s0, s1, n0, n1, para, role, quoted in rows:
        sents[ai].append(
            Sentence(d.id, art_ids[ai], Span(s0, s1), Span(n0, n1), para, _ROLES[role], _spans_from(quoted))
        )
    out = []
    for ai, a in enumerate(arts):
        art = Article(
            id=a[1],
            doc_id=d.id,
            span=Span(a[2], a[3]),
            title=a[4],
            source=a[5],
            date=a[6],
            title_span=Span(a[8], a[9]) if a[8] is not None else None,
            source_span=Span(a[10], a[11]) if a[10] is not None else None,
            issue=a[7],
        )
        out.append(ParsedArticle(art, NormText(a[12], _unpack(a[13], a[2])), tuple(sents[ai])))
    return out


def load_articles(
    db: IndexDB, doc_ids: Iterable[str] | None = None, *, sentences: bool = True
) -> tuple[ParsedArticle, ...]:
    """Stored parses (all documents, or those named) in corpus order; `sentences=False` leaves
    each article's sentences out (most of the cost), for readers that need only text and spans."""
    with _guard(db), _txn(db, write=False) as c:
        return tuple(pa for d in _select_docs(db, doc_ids) for pa in _articles_of(c, d, sentences=sentences))


def load_corpus(db: IndexDB, *, sentences: bool = True) -> Corpus:
    """The corpus as `pipeline.load_corpus` would give it, rebuilt from the index (no parsing)."""
    with _guard(db), _txn(db, write=False):
        docs = load_documents(db)
        arts = load_articles(db, sentences=sentences)
        folder = _meta_get(db, "folder") or ""
        issues = tuple(json.loads(_meta_get(db, "issues") or "[]"))
    return Corpus(folder, docs, arts, issues)


def _units_of(c: sqlite3.Connection, d: _DocRow, ords: Sequence[int] | None = None) -> list[Unit]:
    lo, hi = _uid_range(d.row)
    art_ids = [
        r[0] for r in c.execute("SELECT id FROM articles WHERE aid BETWEEN ? AND ? ORDER BY aid", (lo, hi))
    ]
    sql = (
        "SELECT u.uid, u.art_ord, u.key, u.raw_pos, u.language, s.start, s.end, s.nstart, s.nend,"
        " s.paragraph, s.role, s.quoted FROM units u JOIN sentences s ON s.sid = u.sid"
    )
    if ords is None or len(ords) >= d.n_units:
        rows = c.execute(sql + " WHERE u.uid BETWEEN ? AND ? ORDER BY u.uid", (lo, hi)).fetchall()
        if ords is not None:
            rows = [rows[o] for o in ords]
    else:
        by_uid = {}
        uids = sorted({(d.row << _SHIFT) | o for o in ords})
        for k in range(0, len(uids), 500):  # (SQLite's bound-parameter limit)
            part = uids[k : k + 500]
            for r in c.execute(sql + f" WHERE u.uid IN ({','.join('?' * len(part))})", part):
                by_uid[r[0]] = r
        rows = [by_uid[(d.row << _SHIFT) | o] for o in ords]
    out = []
    for uid, ai, key, raw_pos, lang, s0, s1, n0, n1, para, role, quoted in rows:
        ordinal = uid & _MASK
        sent = Sentence(
            d.id, art_ids[ai], Span(s0, s1), Span(n0, n1), para, _ROLES[role], _spans_from(quoted)
        )
        out.append(
            Unit(
                d.unit_base + ordinal,
                d.id,
                art_ids[ai],
                d.article_base + ai,
                sent,
                key,
                _unpack_array(raw_pos, s0),
                lang,
            )
        )
    return out


def units(db: IndexDB) -> list[Unit]:
    """Every unit, equal to `index.make_units(corpus.articles, languages)`; idx = list position."""
    with _guard(db), _txn(db, write=False) as c:
        return [u for d in _doc_rows(db) for u in _units_of(c, d)]


def get_units(db: IndexDB, ids: Iterable[int]) -> list[Unit]:
    """The units at the given positions (as `units(db)[i]`), without loading the rest."""
    with _guard(db), _txn(db, write=False) as c:
        docs = _doc_rows(db)
        bases = np.array([d.unit_base for d in docs], dtype=np.int64)
        ids = list(ids)
        wanted: dict[int, list[int]] = {}  # document → ordinals, one query per document
        for i in ids:
            j = int(np.searchsorted(bases, i, side="right")) - 1
            if j < 0 or not 0 <= i - docs[j].unit_base < docs[j].n_units:
                raise IndexError(f"unit {i} out of range")
            # empty documents share a base with the next one; searchsorted picks the last
            wanted.setdefault(j, []).append(i - docs[j].unit_base)
        found = {u.idx: u for j, ords in wanted.items() for u in _units_of(c, docs[j], ords)}
        return [found[i] for i in ids]


@dataclass(frozen=True, slots=True)
class UnitSpan:
    """What the clause channel (semantic_align.clauses_of) reads of a unit: position, document,
    article position, key, raw positions and language — no sentence."""

    idx: int
    doc_id: str
    article_idx: int
    key: str
    raw_pos: np.ndarray
    language: str


def unit_spans(db: IndexDB) -> list[UnitSpan]:
    """Every Chinese unit as a `UnitSpan`, in position order: cheaper than `units` (no join with
    the sentences table, no Sentence objects)."""
    out: list[UnitSpan] = []
    with _guard(db), _txn(db, write=False) as c:
        for d in _doc_rows(db):
            lo, hi = _uid_range(d.row)
            rows = c.execute(
                "SELECT u.uid, u.art_ord, u.key, u.raw_pos, s.start FROM units u JOIN sentences s"
                " ON s.sid = u.sid WHERE u.uid BETWEEN ? AND ? AND u.language = 'zh' ORDER BY u.uid",
                (lo, hi),
            )
            for uid, ai, key, raw_pos, s0 in rows:
                out.append(
                    UnitSpan(
                        d.unit_base + (uid & _MASK),
                        d.id,
                        d.article_base + ai,
                        key,
                        _unpack_array(raw_pos, s0),
                        "zh",
                    )
                )
    return out


def bigram_path(db: IndexDB) -> Path:
    """The paraphrase channel's per-document cache of content bigrams, beside the index."""
    return db.path.with_name(db.path.name + ".bigrams.npz")


def bigram_postings(db: IndexDB) -> tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray, int]:
    """What `index.paraphrase_from_bigrams` reads for the whole corpus: the content-bigram
    postings (code, unit position), the number of Chinese keys of ≥ 10 characters, their
    positions and article positions, and the number of units. An update needs them for its
    corpus-wide statistics; reading every key and cutting it again took most of an update, so
    each document's bigrams are cached (`bigram_path`) under a stamp of its row, bytes,
    metadata and the parser, and only new or changed documents are read and cut."""
    with _guard(db), _txn(db, write=False) as c:
        docs = _doc_rows(db)
        stamps = {
            r[0]: hashlib.sha1(repr(r).encode()).hexdigest()
            for r in c.execute("SELECT row, id, sha256, meta, n_units FROM documents")
        }
        parser = _meta_get(db, "parser") or ""
        cached = _read_bigrams(bigram_path(db), parser)
        parts: dict[str, tuple[np.ndarray, ...]] = {}
        fresh = False
        for d in docs:
            stamp = stamps[d.row]
            if stamp in cached:
                parts[stamp] = cached[stamp]
                continue
            lo, hi = _uid_range(d.row)
            rows = c.execute(
                "SELECT uid, art_ord, key FROM units WHERE uid BETWEEN ? AND ?"
                " AND language = 'zh' AND length(key) >= 10 ORDER BY uid",
                (lo, hi),
            ).fetchall()
            keys = [r[2] for r in rows]
            h, which = content_bigrams(keys)
            ords = np.array([r[0] & _MASK for r in rows], dtype=np.int64)
            arts = np.array([r[1] for r in rows], dtype=np.int64)
            parts[stamp] = (ords, arts, h, which)
            fresh = True
    if fresh or len(cached) != len(parts):
        _write_bigrams(bigram_path(db), parser, parts)
    pos, art, hs, uids = [], [], [], []
    for d in docs:
        ords, arts, h, which = parts[stamps[d.row]]
        p = d.unit_base + ords
        pos.append(p)
        art.append(d.article_base + arts)
        hs.append(h)
        uids.append(p[which])
    n_units = sum(d.n_units for d in docs)
    if not docs:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.uint64), empty, 0, empty, empty, n_units
    positions = np.concatenate(pos)
    return np.concatenate(hs), np.concatenate(uids), len(positions), positions, np.concatenate(art), n_units


def _read_bigrams(path: Path, parser: str) -> dict[str, tuple[np.ndarray, ...]]:
    """The cached per-document bigrams, or nothing when the file is missing, unreadable,
    inconsistent or from another parser (a cache: any doubt means recomputing)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("parser") != parser or meta.get("version") != 1:
                return {}
            ords, arts, h, which = (
                z[name].astype(np.uint64 if name == "h" else np.int64)
                for name in ("ords", "arts", "h", "which")
            )
        out: dict[str, tuple[np.ndarray, ...]] = {}
        k_at = b_at = 0
        for stamp, n_keys, n_bigrams in meta["docs"]:
            part = (
                ords[k_at : k_at + n_keys],
                arts[k_at : k_at + n_keys],
                h[b_at : b_at + n_bigrams],
                which[b_at : b_at + n_bigrams],
            )
            if (
                len(part[0]) != n_keys
                or len(part[2]) != n_bigrams
                or (n_bigrams and not 0 <= part[3].min() <= part[3].max() < n_keys)
            ):
                return {}
            out[str(stamp)] = part
            k_at += n_keys
            b_at += n_bigrams
        if k_at != len(ords) or len(arts) != len(ords) or b_at != len(h) or len(which) != len(h):
            return {}
        return out
    except Exception:  # noqa: BLE001 — truncated, empty (EOFError), bad CRC (BadZipFile), tampered
        return {}


def _write_bigrams(path: Path, parser: str, parts: Mapping[str, tuple[np.ndarray, ...]]) -> None:
    """Write the cache atomically (temp file, rename); a cache that cannot be written is
    simply not kept."""
    meta = {
        "version": 1,
        "parser": parser,
        "docs": [[stamp, len(p[0]), len(p[2])] for stamp, p in parts.items()],
    }
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")

    def cat(i: int, dtype: Any) -> np.ndarray:
        return np.concatenate([p[i] for p in parts.values()]).astype(dtype) if parts else np.zeros(0, dtype)

    try:
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                meta=np.array(json.dumps(meta)),
                ords=cat(0, np.int32),  # ordinals stay under 2**24 (_SHIFT)
                arts=cat(1, np.int32),
                h=cat(2, np.uint64),
                which=cat(3, np.int32),
            )
        os.replace(tmp, path)
    except OSError:
        with suppress(OSError):
            tmp.unlink()


def doc_unit_ids(db: IndexDB, doc_ids: Iterable[str]) -> list[int]:
    """Positions of the units of the named documents (e.g. `SyncResult.touched`)."""
    with _guard(db), _txn(db, write=False):
        return [i for d in _select_docs(db, doc_ids) for i in range(d.unit_base, d.unit_base + d.n_units)]


def stats(db: IndexDB) -> dict[str, int]:
    """Row counts and file size, for progress lines and benchmarks."""
    with _guard(db), _txn(db, write=False) as c:
        out = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _TABLES[1:]}
    out["bytes"] = db.path.stat().st_size if db.path.exists() else 0
    return out


# --------------------------------------------------------------------------- candidates


class _PosMap:
    """uid ↔ unit position through the documents' bases."""

    def __init__(self, docs: Sequence[_DocRow]) -> None:
        rows = np.array([d.row for d in docs], dtype=np.int64)
        order = np.argsort(rows)
        self.rows = rows[order]
        self.ubase = np.array([d.unit_base for d in docs], dtype=np.int64)[order]
        self.docs = docs
        self.pos_bases = np.array([d.unit_base for d in docs], dtype=np.int64)

    def pos(self, uid: np.ndarray) -> np.ndarray:
        j = np.searchsorted(self.rows, uid >> _SHIFT)
        return self.ubase[j] + (uid & _MASK)

    def uid(self, pos: Sequence[int]) -> np.ndarray:
        p = np.asarray(pos, dtype=np.int64)
        counts = np.array([d.n_units for d in self.docs], dtype=np.int64)
        # skip empty documents: the owner is the last doc whose base <= p and that has units
        nz = np.nonzero(counts)[0]
        j = nz[np.searchsorted(self.pos_bases[nz], p, side="right") - 1]
        if len(p) and (np.any(p < 0) or np.any(p - self.pos_bases[j] >= counts[j])):
            raise IndexError("unit position out of range")
        rows = np.array([d.row for d in self.docs], dtype=np.int64)[j]
        return (rows << _SHIFT) | (p - self.pos_bases[j])


def _query_postings(
    c: sqlite3.Connection,
    hashes: np.ndarray,
    *,
    max_postings: int,
    max_articles: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hash, uid, art_ord) of every posting of the informative query hashes: hashes with more
    than `max_postings` postings (or in more than `max_articles` articles) are dropped."""
    c.execute("CREATE TEMP TABLE IF NOT EXISTS qh (hash INTEGER PRIMARY KEY)")
    c.execute("DELETE FROM temp.qh")
    c.executemany("INSERT OR IGNORE INTO temp.qh VALUES (?)", ((int(h),) for h in hashes.tolist()))
    c.execute(
        "DELETE FROM temp.qh WHERE (SELECT count(*) FROM"
        " (SELECT 1 FROM postings p WHERE p.hash = qh.hash LIMIT ?)) > ?",
        (max_postings + 1, max_postings),
    )
    rows = c.execute(
        "SELECT p.hash, p.uid, u.art_ord FROM temp.qh q CROSS JOIN postings p ON p.hash = q.hash"
        " CROSS JOIN units u ON u.uid = p.uid"  # CROSS JOIN: query hashes drive the loop
    ).fetchall()
    c.execute("DELETE FROM temp.qh")
    if not rows:
        z = np.zeros(0, np.int64)
        return z, z, z
    arr = np.array(rows, dtype=np.int64)
    h, uid, art = arr[:, 0], arr[:, 1], arr[:, 2]
    if max_articles is not None:
        # distinct (document row, article) per hash
        akey = ((uid >> _SHIFT) << 20) | art
        order = np.lexsort((akey, h))
        hs, ak = h[order], akey[order]
        new = np.ones(len(hs), dtype=bool)
        new[1:] = (hs[1:] != hs[:-1]) | (ak[1:] != ak[:-1])
        uh, inv = np.unique(hs, return_inverse=True)
        n_art = np.bincount(inv[new], minlength=len(uh))
        bad = uh[n_art > max_articles]
        keep = ~np.isin(h, bad)
        h, uid, art = h[keep], uid[keep], art[keep]
    return h, uid, art


@cache
def _stock_set(k: int) -> frozenset[int]:
    return frozenset(_signed(_stock_hashes(k)).tolist())


def _not_stock(h: np.ndarray, k: int) -> np.ndarray:
    stock = _stock_set(k)
    return np.array([x for x in h.tolist() if x not in stock], dtype=np.int64) if stock else h


def candidates_for(
    db: IndexDB,
    unit_ids: Iterable[int],
    *,
    k: int | None = None,
    max_postings: int = 64,
    min_shared: int = 2,
    max_articles: int | None = None,
) -> list[Candidate]:
    """Candidates between the given units (positions) and every unit of another article.

    Same rules as `index.lexical_candidates`: background stock k-grams and k-grams with more
    than `max_postings` postings (or, when given, in more than `max_articles` articles —
    lexical_candidates' `max_df` share times the article count) are no evidence; a pair needs
    `min_shared` shared k-grams. Returns Candidate(a < b) sorted by (a, b), positions as in
    `units(db)`.
    """
    _check_k(db, k)
    ids = sorted(set(unit_ids))
    if not ids:
        return []
    with _guard(db), _txn(db, write=False) as c:
        docs = _doc_rows(db)
        pm = _PosMap(docs)
        q_uid = pm.uid(ids)
        keys: list[str] = []
        arts: list[int] = []
        for i in range(0, len(q_uid), 900):
            chunk = q_uid[i : i + 900].tolist()
            got = {
                r[0]: (r[1], r[2])
                for r in c.execute(
                    f"SELECT uid, key, art_ord FROM units WHERE uid IN ({','.join('?' * len(chunk))})", chunk
                )
            }
            keys.extend(got[u][0] for u in chunk)
            arts.extend(got[u][1] for u in chunk)
        qh, qu = _postings_of(keys, q_uid, db.k)
        stock = _signed(_stock_hashes(db.k))
        if len(stock):
            keep = ~np.isin(qh, stock)
            qh, qu = qh[keep], qu[keep]
        ph, pu, pa = _query_postings(c, np.unique(qh), max_postings=max_postings, max_articles=max_articles)
    if len(ph) == 0:
        return []
    q_art = dict(zip(q_uid.tolist(), arts, strict=True))
    # join query postings with stored postings on hash
    order = np.argsort(ph, kind="stable")
    ph, pu, pa = ph[order], pu[order], pa[order]
    lo = np.searchsorted(ph, qh, side="left")
    hi = np.searchsorted(ph, qh, side="right")
    n = hi - lo
    qi = np.repeat(np.arange(len(qh)), n)
    starts = np.repeat(lo, n)
    offs = np.arange(len(qi)) - np.repeat(np.cumsum(n) - n, n)
    pj = starts + offs
    a_uid, b_uid, b_art, hh = qu[qi], pu[pj], pa[pj], qh[qi]
    a_art = np.fromiter((q_art[u] for u in a_uid.tolist()), dtype=np.int64, count=len(a_uid))
    same = ((a_uid >> _SHIFT) == (b_uid >> _SHIFT)) & (a_art == b_art)
    a_pos, b_pos, hh = pm.pos(a_uid[~same]), pm.pos(b_uid[~same]), hh[~same]
    x, y = np.minimum(a_pos, b_pos), np.maximum(a_pos, b_pos)
    # one count per (pair, hash): pairs inside the query set are seen from both sides
    trip = np.unique(np.stack([x, y, hh], axis=1), axis=0)
    if len(trip) == 0:
        return []
    pairs, counts = np.unique(trip[:, :2], axis=0, return_counts=True)
    sel = counts >= min_shared
    return [
        Candidate(int(a), int(b), int(s))
        for (a, b), s in zip(pairs[sel].tolist(), counts[sel].tolist(), strict=True)
    ]


def query_candidates(
    db: IndexDB,
    key: str,
    *,
    k: int | None = None,
    max_postings: int = 1000,
    min_shared: int = 1,
) -> list[tuple[int, int]]:
    """Units sharing k-grams with an ad-hoc query text: [(unit position, shared)], most shared
    first. The text is compacted like unit keys (letters and digits, lower case); pass it
    normalised (normalise.normalise) for full-width or damaged input. Stock k-grams and k-grams
    with more than `max_postings` postings are ignored."""
    _check_k(db, k)
    ckey, _ = compact(key)
    h, _, _ = shingle_hashes([ckey], db.k)
    hashes = _not_stock(np.unique(_signed(h)), db.k)
    if len(hashes) == 0:
        return []
    c = db.conn
    counts: dict[int, int] = {}
    with _guard(db), _txn(db, write=False):
        for hv in hashes.tolist():
            got = c.execute(
                "SELECT uid FROM postings WHERE hash = ? LIMIT ?", (hv, max_postings + 1)
            ).fetchall()
            if len(got) > max_postings:
                continue
            for (u,) in got:
                counts[u] = counts.get(u, 0) + 1
        if not counts:
            return []
        pm = _PosMap(_doc_rows(db))
    uids = np.fromiter(counts, dtype=np.int64, count=len(counts))
    pos = pm.pos(uids).tolist()
    hits = [(p, counts[u]) for p, u in zip(pos, uids.tolist(), strict=True) if counts[u] >= min_shared]
    return sorted(hits, key=lambda t: (-t[1], t[0]))


def units_with(db: IndexDB, key: str, *, probes: int = 3) -> np.ndarray:
    """`index.ShingleIndex.units_with` over the persistent index, with the same answer: the
    units holding a few of the key's k-grams (first, middle, last), every k-gram counted —
    stock ones too (the set-phrase filter asks exactly where a phrase recurs)."""
    if len(key) < db.k:
        return np.zeros(0, dtype=np.int64)
    h, _, _ = shingle_hashes([key], db.k)
    picks = np.unique(np.linspace(0, len(h) - 1, num=min(probes, len(h))).astype(int))
    hashes = [int(v) for v in _signed(h[picks])]
    sql = " INTERSECT ".join(["SELECT uid FROM postings WHERE hash = ?"] * len(hashes))
    with _guard(db), _txn(db, write=False) as c:
        found = [u for (u,) in c.execute(sql, hashes)]
        if not found:
            return np.zeros(0, dtype=np.int64)
        pm = _PosMap(_doc_rows(db))
    return np.unique(pm.pos(np.array(found, dtype=np.int64)))


def units_containing(db: IndexDB, key: str, *, limit: int = 5000) -> list[tuple[int, int]]:
    """Units whose compact key contains `key`, for queries shorter than a shingle (两弹一星):
    [(unit position, 1)]. A scan of the keys, so bounded by `limit`."""
    ckey, _ = compact(key)
    if not ckey:
        return []
    with _guard(db), _txn(db, write=False) as c:
        uids = [
            u for (u,) in c.execute("SELECT uid FROM units WHERE instr(key, ?) > 0 LIMIT ?", (ckey, limit))
        ]
        if not uids:
            return []
        pm = _PosMap(_doc_rows(db))
    pos = pm.pos(np.asarray(uids, dtype=np.int64)).tolist()
    return [(p, 1) for p in pos]


def _check_k(db: IndexDB, k: int | None) -> None:
    if k is not None and k != db.k:
        raise ValueError(f"index uses {db.k}-grams, not {k}")


# --------------------------------------------------------------------------- alignments


def _side_json(s: Side | None) -> str | None:
    return (
        None
        if s is None
        else json.dumps([s.doc_id, s.article_id, s.span.start, s.span.end], ensure_ascii=False)
    )


def _side_from(text: str | None) -> Side | None:
    if text is None:
        return None
    d, a, s, e = json.loads(text)
    return Side(d, a, Span(s, e))


def _alignment_row(a: Alignment) -> tuple[Any, ...]:
    return (
        a.source.doc_id,
        a.source.article_id,
        a.source.span.start,
        a.source.span.end,
        a.target.doc_id,
        a.target.article_id,
        a.target.span.start,
        a.target.span.end,
        Kind(a.kind).value,
        float(a.score),
        int(a.quoted),
        int(a.attributed),
        Direction(a.direction).value,
        _side_json(a.origin),
        _side_json(a.via),
        a.direction_rule,
    )


def _alignment_from(r: Sequence[Any]) -> Alignment:
    return Alignment(
        source=Side(r[0], r[1], Span(r[2], r[3])),
        target=Side(r[4], r[5], Span(r[6], r[7])),
        kind=Kind(r[8]),
        score=r[9],
        quoted=bool(r[10]),
        attributed=bool(r[11]),
        direction=Direction(r[12]),
        origin=_side_from(r[13]),
        via=_side_from(r[14]),
        direction_rule=r[15],
    )


def replace_alignments(
    db: IndexDB, doc_ids_touched: Iterable[str] | None, alignments: Iterable[Alignment]
) -> int:
    """Delete the alignments with a touched document on either side (all when None), then store
    `alignments`, in one transaction. Returns the number stored."""
    rows = [_alignment_row(a) for a in alignments]
    with _guard(db), _txn(db, write=True) as c:
        if doc_ids_touched is None:
            c.execute("DELETE FROM alignments")
        else:
            ids = sorted(set(doc_ids_touched))
            for j in range(0, len(ids), 400):
                part = ids[j : j + 400]
                marks = ",".join("?" * len(part))
                c.execute(
                    f"DELETE FROM alignments WHERE src_doc IN ({marks}) OR tgt_doc IN ({marks})", part + part
                )
        c.executemany(
            "INSERT INTO alignments (src_doc, src_art, src_start, src_end, tgt_doc, tgt_art, tgt_start,"
            " tgt_end, kind, score, quoted, attributed, direction, origin, via, direction_rule)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        pending = set(json.loads(_meta_get(db, UNALIGNED) or "[]"))
        left = set() if doc_ids_touched is None else pending - set(doc_ids_touched)
        if left != pending:
            _meta_set(db, UNALIGNED, json.dumps(sorted(left), ensure_ascii=False))
    return len(rows)


def unaligned(db: IndexDB) -> tuple[str, ...]:
    """Documents added or changed by a sync whose alignments have not been stored since
    (`replace_alignments` clears them), sorted."""
    with _guard(db), _txn(db, write=False):
        return tuple(json.loads(_meta_get(db, UNALIGNED) or "[]"))


def read_alignments(db: IndexDB, doc_ids: Iterable[str] | None = None) -> list[Alignment]:
    """Stored alignments (all, or those with a named document on either side), in storage order."""
    sql = (
        "SELECT src_doc, src_art, src_start, src_end, tgt_doc, tgt_art, tgt_start, tgt_end, kind, score,"
        " quoted, attributed, direction, origin, via, direction_rule FROM alignments"
    )
    with _guard(db), _txn(db, write=False) as c:
        if doc_ids is None:
            rows = c.execute(sql + " ORDER BY id").fetchall()
        else:
            ids = sorted(set(doc_ids))
            rows = []
            for j in range(0, len(ids), 400):
                part = ids[j : j + 400]
                marks = ",".join("?" * len(part))
                rows += c.execute(
                    sql + f" WHERE src_doc IN ({marks}) OR tgt_doc IN ({marks}) ORDER BY id", part + part
                ).fetchall()
    return [_alignment_from(r) for r in rows]


def write_oriented(db: IndexDB, stamp: str, alignments: Iterable[Alignment]) -> None:
    """Keep the provenance result (oriented alignments) for `stamp`, a digest of everything it
    was computed from, so a trace that finds nothing changed does not orient again."""
    body = zlib.compress(json.dumps([_alignment_row(a) for a in alignments], ensure_ascii=False).encode(), 1)
    with _guard(db), _txn(db, write=True):
        _meta_set(db, "oriented", body.hex())
        _meta_set(db, "oriented_stamp", stamp)


def read_oriented(db: IndexDB, stamp: str) -> list[Alignment] | None:
    """The oriented alignments stored for `stamp`, or None when there are none for it."""
    with _guard(db), _txn(db, write=False):
        if _meta_get(db, "oriented_stamp") != stamp:
            return None
        body = _meta_get(db, "oriented")
    if body is None:
        return None
    return [_alignment_from(r) for r in json.loads(zlib.decompress(bytes.fromhex(body)))]


@cache
def _cue_code() -> str:
    """Hash of the code that computes quotation cues: stored cues from other code are stale."""
    h = hashlib.sha1()
    for name in ("cues", "provenance"):
        h.update(Path(__file__).with_name(f"{name}.py").read_bytes())
    return h.hexdigest()


def write_cues(
    db: IndexDB, cues: Mapping[tuple[str, int, int], tuple[bool, bool]], shas: Mapping[str, str]
) -> None:
    """Keep the quotation / attribution cues of the last orientation, per document and its
    content hash (cues depend on nothing but the document's raw text)."""
    by_doc: dict[str, list[list[int]]] = {}
    for (doc, start, end), (q, a) in cues.items():
        if doc in shas:
            by_doc.setdefault(doc, []).append([start, end, int(q), int(a)])
    body: dict[str, Any] = {doc: {"sha": shas[doc], "cues": rows} for doc, rows in by_doc.items()}
    body = {"code": _cue_code(), "docs": body}
    blob = zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 1)
    with _guard(db), _txn(db, write=True):
        _meta_set(db, "cues", blob.hex())


def read_cues(db: IndexDB, shas: Mapping[str, str]) -> dict[tuple[str, int, int], tuple[bool, bool]]:
    """The stored cues of the documents whose content hash is still `shas[doc]`."""
    with _guard(db), _txn(db, write=False):
        body = _meta_get(db, "cues")
    if not body:
        return {}
    try:
        stored = json.loads(zlib.decompress(bytes.fromhex(body)))
    except (ValueError, zlib.error):
        return {}  # a cache, not data: start afresh
    if not isinstance(stored, dict) or stored.get("code") != _cue_code():
        return {}  # computed by other cue code: recompute
    out: dict[tuple[str, int, int], tuple[bool, bool]] = {}
    for doc, entry in stored["docs"].items():
        if shas.get(doc) == entry.get("sha"):
            for start, end, q, a in entry["cues"]:
                out[(doc, start, end)] = (bool(q), bool(a))
    return out


# --------------------------------------------------------------------------- embedding cache


def embedding_key(text: str, model: str = "") -> str:
    """sha1 of model name and text: the cache key of one embedding."""
    return hashlib.sha1(f"{model}\x00{text}".encode()).hexdigest()


def get_embeddings(db: IndexDB, keys: Iterable[str]) -> dict[str, np.ndarray]:
    """Cached float32 vectors for the keys that have one."""
    ks = list(dict.fromkeys(keys))
    out: dict[str, np.ndarray] = {}
    with _guard(db), _txn(db, write=False) as c:
        for j in range(0, len(ks), 900):
            part = ks[j : j + 900]
            for key, _dim, vec in c.execute(
                f"SELECT key, dim, vec FROM embeddings WHERE key IN ({','.join('?' * len(part))})", part
            ):
                out[key] = np.frombuffer(vec, dtype=np.float32).copy()
    return out


def put_embeddings(db: IndexDB, vectors: Mapping[str, np.ndarray]) -> None:
    """Store vectors (as float32), replacing any under the same key, in one transaction."""
    rows = []
    for key, v in vectors.items():
        a = np.ascontiguousarray(v, dtype=np.float32).ravel()
        rows.append((key, len(a), a.tobytes()))
    with _guard(db), _txn(db, write=True) as c:
        c.executemany("INSERT OR REPLACE INTO embeddings (key, dim, vec) VALUES (?, ?, ?)", rows)


get_many = get_embeddings
put_many = put_embeddings
