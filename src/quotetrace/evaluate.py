"""`evaluate`: gold annotation + detections → PAN-style precision, recall, granularity, plagdet.

Why: the aligner is judged on character overlap of *target* spans against a hand annotation
(design.md §7), per kind and overall, in the manner of the PAN text-alignment measures
(Potthast et al. 2010). Whitespace never counts: only non-whitespace characters are scored, so
PDF line breaks neither help nor hurt.

Definitions (R = scored detections, S = gold records; d ⊓ s = their overlapping target chars):
- a detection *matches* a record when the target spans share a non-whitespace character in the
  same file and the detection's source is the record's source text or a copy of it: the source
  spans overlap in one file, or the two source texts are the same text once whitespace,
  punctuation and markup are removed (`same_text`). Nothing is keyed to file names, so reprints
  of a source anywhere in the corpus count as that source. The detection's `origin` (its earliest
  occurrence, when the immediate source is itself a reuse) counts as its source too: the gold
  records a reuse at its earliest location.
- recall = mean over S of |∪ matching d ⊓ s| / |s|.
- precision = mean over the *scored* detections of |∪ matching s ⊓ d| / |d|; a scored detection
  that matches nothing scores 0. A detection is scored when its target lies in the annotated
  part of the corpus (see `in_scope`): the annotation covers only some targets, and a detection
  elsewhere is neither right nor wrong as far as this gold knows.
- granularity = mean over detected records of the number of matching detections *per source
  file* (one piece from each copy of a source is not fragmentation; cutting a case into pieces is).
- plagdet = F1 / log2(1 + granularity).

The loaders (`load_gold`, `hash_folder`) are the only functions here that read files.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import GoldFormatError, InputError, UnknownDocument
from .model import Corpus, Kind, Span

__all__ = [
    "BUCKETS",
    "DetectionResult",
    "EvalResult",
    "Gold",
    "GoldRecord",
    "Negative",
    "RecordResult",
    "Scores",
    "SourceScores",
    "annotated_regions",
    "evaluate",
    "evaluate_corpus",
    "in_scope",
    "hash_folder",
    "load_gold",
    "resolve_gold",
    "same_text",
]

#: Score buckets: name → kinds of gold records (recall) and of detections (precision) it holds.
BUCKETS: tuple[tuple[str, frozenset[str]], ...] = (
    ("verbatim", frozenset({"verbatim"})),
    ("near_verbatim", frozenset({"near_verbatim"})),
    ("paraphrase", frozenset({"paraphrase"})),
    ("translation", frozenset({"translation"})),
    ("verbatim+near_verbatim", frozenset({"verbatim", "near_verbatim"})),
    ("all", frozenset(k.value for k in Kind)),
)

_GRAM = 4  # n-gram length used to find shared stretches of compact text
MIN_CHARS = 10  # shorter non-quotation detections are reported (gold README: minimum size)


# =========================================================================== gold data


@dataclass(frozen=True, slots=True)
class GoldRecord:
    """One annotated reuse: target span ← source span, in gold file names (seed names)."""

    id: str
    target_file: str
    target: Span
    target_text: str
    source_label: str
    source_file: str
    source: Span
    source_text: str
    kind: Kind
    quoted: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class Negative:
    """A topical target span that is reused nowhere: a false-positive probe."""

    id: str
    target_file: str
    target: Span
    target_text: str
    reason: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Gold:
    """A gold annotation. `file_sha256` maps the gold's file names to the sha256 of their bytes,
    which is how they are found in a corpus whose files carry other names."""

    path: str
    records: tuple[GoldRecord, ...]
    negatives: tuple[Negative, ...] = ()
    file_sha256: tuple[tuple[str, str], ...] = ()

    def target_files(self) -> frozenset[str]:
        return frozenset(r.target_file for r in self.records) | frozenset(
            n.target_file for n in self.negatives
        )


_REC_FIELDS: tuple[tuple[str, type], ...] = (
    ("id", str),
    ("target_file", str),
    ("target_start", int),
    ("target_end", int),
    ("target_text", str),
    ("source_label", str),
    ("source_file", str),
    ("source_start", int),
    ("source_end", int),
    ("source_text", str),
    ("kind", str),
    ("quoted", bool),
)
_NEG_FIELDS: tuple[tuple[str, type], ...] = (
    ("id", str),
    ("target_file", str),
    ("target_start", int),
    ("target_end", int),
    ("target_text", str),
)
_KINDS = frozenset(k.value for k in Kind)


def _check_fields(obj: Any, fields: Sequence[tuple[str, type]]) -> str | None:
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    for key, typ in fields:
        if key not in obj:
            return f"missing field '{key}'"
        v = obj[key]
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            return f"field '{key}' must be {typ.__name__}, got {type(v).__name__}"
    for key in ("note", "reason"):
        if key in obj and not isinstance(obj[key], str):
            return f"field '{key}' must be str, got {type(obj[key]).__name__}"
    return None


def _span(obj: dict[str, Any], side: str) -> tuple[Span | None, str | None]:
    start, end = obj[f"{side}_start"], obj[f"{side}_end"]
    if not 0 <= start < end:
        return None, f"invalid {side} span [{start}, {end})"
    if len(obj[f"{side}_text"]) != end - start:
        return None, f"{side}_text has {len(obj[f'{side}_text'])} characters but the span has {end - start}"
    return Span(start, end), None


def _parse_jsonl(path: Path, parse: Any) -> list[Any]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as e:
        raise GoldFormatError(path, "no such file") from e
    except UnicodeDecodeError as e:
        raise GoldFormatError(path, f"not UTF-8 ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise GoldFormatError(path, f"cannot read: {e.strerror or e}") from e
    out: list[Any] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldFormatError(path, f"line {n}: invalid JSON ({e.msg} at column {e.colno})") from e
        item, problem = parse(obj)
        if problem is None and item.id in seen:
            problem = f"duplicate id {item.id!r}"
        if problem is not None:
            raise GoldFormatError(path, f"line {n}: {problem}")
        seen.add(item.id)
        out.append(item)
    return out


def _parse_record(obj: Any) -> tuple[GoldRecord | None, str | None]:
    if problem := _check_fields(obj, _REC_FIELDS):
        return None, problem
    if obj["kind"] not in _KINDS:
        return None, f"unknown kind {obj['kind']!r} (expected one of {', '.join(sorted(_KINDS))})"
    target, problem = _span(obj, "target")
    if problem:
        return None, problem
    source, problem = _span(obj, "source")
    if problem:
        return None, problem
    assert target is not None and source is not None
    return (
        GoldRecord(
            id=obj["id"],
            target_file=obj["target_file"],
            target=target,
            target_text=obj["target_text"],
            source_label=obj["source_label"],
            source_file=obj["source_file"],
            source=source,
            source_text=obj["source_text"],
            kind=Kind(obj["kind"]),
            quoted=obj["quoted"],
            note=obj.get("note", ""),
        ),
        None,
    )


def _parse_negative(obj: Any) -> tuple[Negative | None, str | None]:
    if problem := _check_fields(obj, _NEG_FIELDS):
        return None, problem
    target, problem = _span(obj, "target")
    if problem:
        return None, problem
    assert target is not None
    return (
        Negative(
            id=obj["id"],
            target_file=obj["target_file"],
            target=target,
            target_text=obj["target_text"],
            reason=obj.get("reason", ""),
            note=obj.get("note", ""),
        ),
        None,
    )


def _default_seed_dirs(gold_dir: Path) -> list[Path]:
    repo = Path(__file__).resolve().parents[2]
    return [gold_dir.parent / "seeds", repo.parent / "shared" / "seeds"]


def hash_folder(folder: str | Path) -> dict[str, str]:
    """sha256 of the bytes of every regular file in `folder` (recursively), by '/'-separated
    relative name. Hidden files and folders (such as `.quotetrace/`) are skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "not a folder")
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        out[rel.as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def load_gold(path: str | Path, *, seeds: str | Path | None = None) -> Gold:
    """Read `gold.jsonl` (a file, or a folder holding it) and `negatives.jsonl` beside it.

    `seeds` is the folder holding the files the gold names (default: `seeds/` beside the gold
    folder, else `../shared/seeds` next to the repository). Their sha256 is what later finds them
    in a corpus under other names; when the folder has them, every record's texts are checked
    against the bytes. Problems raise `GoldFormatError(path, "line N: …")`.
    """
    path = Path(path)
    gold_path = path / "gold.jsonl" if path.is_dir() else path
    records = tuple(_parse_jsonl(gold_path, _parse_record))
    neg_path = gold_path.with_name("negatives.jsonl")
    negatives = tuple(_parse_jsonl(neg_path, _parse_negative)) if neg_path.is_file() else ()

    if seeds is None:
        seed_dir = next((d for d in _default_seed_dirs(gold_path.parent) if d.is_dir()), None)
    else:
        seed_dir = Path(seeds)
        if not seed_dir.is_dir():
            raise InputError(seed_dir, "seed folder not found (it holds the files the gold annotation names)")
    hashes: dict[str, str] = {}
    if seed_dir is not None:
        named = {r.target_file for r in records} | {r.source_file for r in records}
        named |= {n.target_file for n in negatives}
        raws: dict[str, str] = {}
        for name in sorted(named):
            p = seed_dir / name
            if p.is_file():
                data = p.read_bytes()
                hashes[name] = hashlib.sha256(data).hexdigest()
                with suppress(UnicodeDecodeError):
                    raws[name] = data.decode("utf-8-sig")
        _check_texts(gold_path, records, raws)
        _check_texts(neg_path, negatives, raws)
    return Gold(str(gold_path), records, negatives, tuple(sorted(hashes.items())))


def _check_texts(path: Path, items: Sequence[GoldRecord | Negative], raws: Mapping[str, str]) -> None:
    for it in items:
        sides = [("target", it.target_file, it.target, it.target_text)]
        if isinstance(it, GoldRecord):
            sides.append(("source", it.source_file, it.source, it.source_text))
        for side, file, span, text in sides:
            raw = raws.get(file)
            if raw is not None and span.of(raw) != text:
                raise GoldFormatError(path, f"{it.id}: {side}_text is not {file}[{span.start}:{span.end}]")


def resolve_gold(gold: Gold, corpus_files: Mapping[str, str]) -> Gold:
    """Rename the gold's files to corpus files, matched by sha256 of their bytes.

    `corpus_files` maps sha256 → corpus file name. A gold file name that is already a corpus file
    name is kept (a gold written against the corpus itself). No counterpart → UnknownDocument.
    """
    sha = dict(gold.file_sha256)
    names = set(corpus_files.values())
    cache: dict[str, str] = {}

    def rename(name: str) -> str:
        if name not in cache:
            h = sha.get(name)
            if h is not None and h in corpus_files:
                cache[name] = corpus_files[h]
            elif name in names:
                cache[name] = name
            else:
                why = (
                    f"sha256 {h[:12]}… is in no corpus file"
                    if h
                    else "no seed copy to hash, and no corpus file of that name"
                )
                raise UnknownDocument(gold.path, f"gold file {name} has no counterpart in the corpus ({why})")
        return cache[name]

    records = tuple(
        replace(r, target_file=rename(r.target_file), source_file=rename(r.source_file)) for r in gold.records
    )
    negatives = tuple(replace(n, target_file=rename(n.target_file)) for n in gold.negatives)
    renamed = tuple(sorted((cache.get(f, f), h) for f, h in gold.file_sha256))
    return Gold(gold.path, records, negatives, renamed)


# =========================================================================== text helpers


@lru_cache(maxsize=4096)
def _compact(text: str) -> str:
    """Letters and digits only, width-folded and lower-cased: what survives reprinting."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@lru_cache(maxsize=4096)
def _grams(c: str, n: int = _GRAM) -> frozenset[str]:
    return frozenset(c[i : i + n] for i in range(len(c) - n + 1))


def _run_covered(a: str, b: str, *, min_run: int, n: int = _GRAM) -> int:
    """Characters of `a` inside stretches of at least `min_run` characters that also occur in `b`
    (approximated by runs of consecutive shared n-grams)."""
    bg = _grams(b, n)
    covered = 0
    run = 0  # consecutive n-grams of a found in b
    for i in range(len(a) - n + 1):
        if a[i : i + n] in bg:
            run += 1
            continue
        if run and run + n - 1 >= min_run:
            covered += run + n - 1
        run = 0
    if run and run + n - 1 >= min_run:
        covered += run + n - 1
    return covered


def same_text(
    text: str,
    gold_text: str,
    *,
    covered_share: float = 1.0,
    contained: float = 0.8,
    part: float = 0.5,
    min_run: int = 12,
) -> bool:
    """Whether a detection's source text and a gold source text are copies of the same text.

    Both are compacted (letters and digits only), so line breaks, page furniture, markup and
    punctuation variants do not matter. True when one is (nearly) inside the other — a detection
    from part of a reprinted paragraph, or one merging several paragraphs — or when the detection's
    source holds at least `part` of the gold source text it should hold: `covered_share` is the
    share of the gold record's target that the detection covers, so a detection that starts
    mid-paragraph needs only the matching part of the source. Only stretches of `min_run`
    characters count, so stock formulas scattered through unrelated texts never make a copy.
    """
    a, b = _compact(text), _compact(gold_text)
    if not a or not b:
        return False
    if len(a) < _GRAM or len(b) < _GRAM:
        return a in b or b in a
    run_a = min(min_run, len(a))
    run_b = min(min_run, len(b))
    cov_b = _run_covered(b, a, min_run=run_b)
    if cov_b >= contained * len(b) or _run_covered(a, b, min_run=run_a) >= contained * len(a):
        return True
    expected = min(len(b) * covered_share, len(a))
    return cov_b >= max(part * expected, run_b)


class _Chars:
    """Counts non-whitespace characters in raw spans of files whose text is partly known."""

    def __init__(self) -> None:
        self._ws: dict[str, set[int]] = defaultdict(set)
        self._full: set[str] = set()
        self._sorted: dict[str, list[int]] = {}

    def add(self, file: str, start: int, text: str, *, full: bool = False) -> None:
        if file in self._full and not full:
            return
        if full:
            self._full.add(file)
            self._ws[file] = set()
        ws = self._ws[file]
        ws.update(start + i for i, ch in enumerate(text) if ch.isspace())
        self._sorted.pop(file, None)

    def count(self, file: str, spans: Iterable[tuple[int, int]]) -> int:
        """Non-whitespace characters in the union of `spans`."""
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if e <= s:
                continue
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        if not merged:
            return 0
        ws = self._sorted.get(file)
        if ws is None:
            ws = self._sorted[file] = sorted(self._ws.get(file, ()))
        return sum((e - s) - (bisect_left(ws, e) - bisect_left(ws, s)) for s, e in merged)


# =========================================================================== results


@dataclass(frozen=True, slots=True)
class Scores:
    """One bucket's numbers. `n_detections` counts scored detections of the bucket's kinds."""

    bucket: str
    precision: float
    recall: float
    f1: float
    granularity: float
    plagdet: float
    n_gold: int
    n_detected: int  # gold records with at least one matching detection
    n_detections: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "granularity": round(self.granularity, 4),
            "plagdet": round(self.plagdet, 4),
            "gold": self.n_gold,
            "detected": self.n_detected,
            "detections": self.n_detections,
        }


@dataclass(frozen=True, slots=True)
class RecordResult:
    """How one gold record fared: covered share, pieces per source file, detected kind."""

    id: str
    kind: str
    recall: float
    pieces: float  # mean matching detections per source file (0 when undetected)
    detected_kind: str | None  # kind of the detections covering most of it


@dataclass(frozen=True, slots=True)
class DetectionResult:
    id: str
    kind: str
    scored: bool  # inside the annotated region
    precision: float  # share of its characters inside matching gold records
    matches: tuple[str, ...]  # ids of matching gold records


@dataclass(frozen=True, slots=True)
class SourceScores:
    """Character overlap of *source* spans (design.md §7), over the matched pairs whose
    detection takes the passage from the record's own source file: did the tool point at the
    right place in the source? (A detection sourced in a copy of the source — a reprint — is
    right about the text but has other offsets; it is counted in `via_copy`, not scored here.)"""

    precision: float  # mean over detections: share of their source chars inside matched records' sources
    recall: float  # mean over records: share of their source chars covered by matched detections' sources
    n_records: int
    n_detections: int
    via_copy: int  # matched detections whose source lies in another file (a copy of the source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "records": self.n_records,
            "detections": self.n_detections,
            "via_copy": self.via_copy,
        }


@dataclass(frozen=True, slots=True)
class EvalResult:
    overall: Scores
    by_kind: tuple[Scores, ...]  # the four kinds, then verbatim+near_verbatim
    negatives_total: int
    negatives_touched: float  # share of negative probes overlapped by any detection
    touched_negatives: tuple[str, ...]
    short_detections: int  # non-quotation detections under MIN_CHARS non-space characters
    short_ids: tuple[str, ...]
    detections_total: int
    detections_scored: int
    kind_confusion: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # gold kind → detected kind → n
    records: tuple[RecordResult, ...] = field(default=(), repr=False)
    detections: tuple[DetectionResult, ...] = field(default=(), repr=False)
    source: SourceScores | None = None

    def bucket(self, name: str) -> Scores:
        if name == "all":
            return self.overall
        for s in self.by_kind:
            if s.bucket == name:
                return s
        raise KeyError(name)

    def to_dict(self, *, details: bool = False) -> dict[str, Any]:
        """The `eval --json` object (docs/formats.md). `details` adds per-record/-detection rows."""
        out: dict[str, Any] = {
            "overall": self.overall.to_dict(),
            "by_kind": {s.bucket: s.to_dict() for s in self.by_kind},
            "negatives": {
                "total": self.negatives_total,
                "touched": len(self.touched_negatives),
                "touched_share": round(self.negatives_touched, 4),
                "touched_ids": list(self.touched_negatives),
            },
            "short_detections": {"count": self.short_detections, "ids": list(self.short_ids)},
            "detections": {"total": self.detections_total, "scored": self.detections_scored},
            "kind_confusion": {g: dict(row) for g, row in self.kind_confusion},
        }
        if self.source is not None:
            out["source_spans"] = self.source.to_dict()
        if details:
            out["records"] = [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "recall": round(r.recall, 4),
                    "pieces": round(r.pieces, 4),
                    "detected_kind": r.detected_kind,
                }
                for r in self.records
            ]
            out["detection_scores"] = [
                {
                    "id": d.id,
                    "kind": d.kind,
                    "scored": d.scored,
                    "precision": round(d.precision, 4),
                    "matches": list(d.matches),
                }
                for d in self.detections
            ]
        return out

    def table(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """(header, rows) of formatted strings, one row per bucket and `all` last; cli renders it."""
        header: tuple[str, ...] = (
            "kind",
            "precision",
            "recall",
            "F1",
            "granularity",
            "plagdet",
            "gold",
            "detected",
            "detections",
        )
        rows: list[tuple[str, ...]] = [
            (
                s.bucket,
                f"{s.precision:.3f}",
                f"{s.recall:.3f}",
                f"{s.f1:.3f}",
                f"{s.granularity:.3f}",
                f"{s.plagdet:.3f}",
                str(s.n_gold),
                str(s.n_detected),
                str(s.n_detections),
            )
            for s in (*self.by_kind, self.overall)
        ]
        return header, rows


# =========================================================================== scoring


@dataclass(frozen=True, slots=True)
class _Det:
    id: str
    kind: str
    tfile: str
    tstart: int
    tend: int
    ttext: str | None
    sfile: str
    sstart: int
    send: int
    stext: str | None
    quoted: bool
    origin: tuple[str, int, int] | None = None  # (file, start, end) of the earliest occurrence


def _parse_detection(i: int, d: Mapping[str, Any]) -> _Det:
    try:
        t, s = d["target"], d["source"]
        det = _Det(
            id=str(d.get("id", f"#{i + 1}")),
            kind=str(d["kind"]),
            tfile=t["file"],
            tstart=int(t["start"]),
            tend=int(t["end"]),
            ttext=t.get("text"),
            sfile=s["file"],
            sstart=int(s["start"]),
            send=int(s["end"]),
            stext=s.get("text"),
            quoted=bool(d.get("quoted", False)),
            origin=(
                (str(o["file"]), int(o["start"]), int(o["end"]))
                if isinstance(o := d.get("origin"), Mapping) and "file" in o
                else None
            ),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(None, f"detection {d.get('id', i + 1)}: bad or missing field {e}") from e
    if det.kind not in _KINDS:
        raise InputError(None, f"detection {det.id}: unknown kind {det.kind!r}")
    return det


def _overlap(a0: int, a1: int, b0: int, b1: int) -> tuple[int, int] | None:
    s, e = max(a0, b0), min(a1, b1)
    return (s, e) if s < e else None


def in_scope(
    tfile: str,
    tspan: tuple[int, int],
    *,
    annotated: Mapping[str, Sequence[tuple[int, int]]],
    regions: Mapping[str, Sequence[Span]] | None,
) -> bool:
    """Whether a detection's target lies in the annotated part of the corpus: it overlaps a gold
    record or a negative probe, or an annotated region (an article holding any of them)."""
    s, e = tspan
    if any(_overlap(s, e, a, b) for a, b in annotated.get(tfile, ())):
        return True
    return regions is not None and any(_overlap(s, e, r.start, r.end) for r in regions.get(tfile, ()))


def annotated_regions(
    gold: Gold, articles: Iterable[tuple[str, Span]], *, corpus_files: Mapping[str, str] | None = None
) -> dict[str, tuple[Span, ...]]:
    """The articles (as `(corpus file, raw span)`) that hold a gold record's target or a negative
    probe: the parts of the corpus the annotators read in full, where any detection is judged."""
    if corpus_files is not None:
        gold = resolve_gold(gold, corpus_files)
    marks: dict[str, list[Span]] = defaultdict(list)
    for r in gold.records:
        marks[r.target_file].append(r.target)
    for n in gold.negatives:
        marks[n.target_file].append(n.target)
    out: dict[str, list[Span]] = defaultdict(list)
    for file, span in articles:
        if any(span.overlaps(m) for m in marks.get(file, ())):
            out[file].append(span)
    return {f: tuple(sorted(spans)) for f, spans in out.items()}


def _safe_div(a: float, b: float) -> float:
    return a / b if b else 0.0


def _scores(
    bucket: str,
    kinds: frozenset[str],
    recs: Sequence[GoldRecord],
    rec_recall: Mapping[str, float],
    rec_pieces: Mapping[str, float],
    dets: Sequence[_Det],
    det_prec: Mapping[int, float],
) -> Scores:
    gold_in = [r for r in recs if r.kind.value in kinds]
    det_in = [i for i, d in enumerate(dets) if d.kind in kinds and i in det_prec]
    recall = _safe_div(sum(rec_recall[r.id] for r in gold_in), len(gold_in))
    precision = _safe_div(sum(det_prec[i] for i in det_in), len(det_in))
    detected = [r for r in gold_in if rec_pieces[r.id] > 0]
    gran = _safe_div(sum(rec_pieces[r.id] for r in detected), len(detected)) if detected else 1.0
    f1 = _safe_div(2 * precision * recall, precision + recall)
    return Scores(
        bucket=bucket,
        precision=precision,
        recall=recall,
        f1=f1,
        granularity=gran,
        plagdet=f1 / math.log2(1 + gran),
        n_gold=len(gold_in),
        n_detected=len(detected),
        n_detections=len(det_in),
    )


def evaluate(
    gold: Gold,
    detections: Sequence[Mapping[str, Any]],
    *,
    corpus_files: Mapping[str, str] | None = None,
    regions: Mapping[str, Sequence[Span]] | None = None,
    texts: Mapping[str, str] | None = None,
    min_chars: int = MIN_CHARS,
) -> EvalResult:
    """Score detections (alignments.jsonl records, design.md §4) against a gold annotation.

    Parameters
    ----------
    corpus_files: sha256 → corpus file name; renames the gold's files to the corpus's
        (`resolve_gold`). None when the gold already uses corpus names.
    regions: corpus file → annotated raw regions (`annotated_regions`); every detection whose
        target overlaps one is scored for precision. Without it only detections that overlap a gold
        record or a negative probe are scored.
    texts: corpus file → raw text, to tell whitespace from text; without it the texts carried by
        the gold records and the detections are used (positions of unknown text count as text).
    """
    if corpus_files is not None:
        gold = resolve_gold(gold, corpus_files)
    dets = [_parse_detection(i, d) for i, d in enumerate(detections)]
    recs = gold.records

    chars = _Chars()
    if texts:
        for file, raw in texts.items():
            chars.add(file, 0, raw, full=True)
    for r in recs:
        chars.add(r.target_file, r.target.start, r.target_text)
        chars.add(r.source_file, r.source.start, r.source_text)
    for n in gold.negatives:
        chars.add(n.target_file, n.target.start, n.target_text)
    for d in dets:
        if d.ttext is not None and len(d.ttext) == d.tend - d.tstart:
            chars.add(d.tfile, d.tstart, d.ttext)
        if d.stext is not None and len(d.stext) == d.send - d.sstart:
            chars.add(d.sfile, d.sstart, d.stext)

    def source_text(d: _Det) -> str:
        if d.stext is not None:
            return d.stext
        if texts and d.sfile in texts:
            return texts[d.sfile][d.sstart : d.send]
        return ""

    by_file: dict[str, list[GoldRecord]] = defaultdict(list)
    for r in recs:
        by_file[r.target_file].append(r)

    def source_matches(d: _Det, r: GoldRecord, share: float) -> bool:
        if d.sfile == r.source_file and _overlap(d.sstart, d.send, r.source.start, r.source.end):
            return True
        if same_text(source_text(d), r.source_text, covered_share=share):
            return True
        # the gold sources a reuse at its earliest location, which is the detection's `origin`
        # when its immediate source is itself a reuse (design.md §4)
        if d.origin is None:
            return False
        ofile, o0, o1 = d.origin
        if ofile == r.source_file and _overlap(o0, o1, r.source.start, r.source.end):
            return True
        return (
            texts is not None
            and ofile in texts
            and same_text(texts[ofile][o0:o1], r.source_text, covered_share=share)
        )

    # matches[i] = gold records detection i matches
    matches: list[list[GoldRecord]] = []
    for d in dets:
        m = []
        for r in by_file.get(d.tfile, ()):
            ov = _overlap(d.tstart, d.tend, r.target.start, r.target.end)
            if not ov or (n_ov := chars.count(d.tfile, [ov])) == 0:
                continue
            share = n_ov / max(1, chars.count(r.target_file, [(r.target.start, r.target.end)]))
            if source_matches(d, r, share):
                m.append(r)
        matches.append(m)

    # which detections are scored for precision
    annotated: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in recs:
        annotated[r.target_file].append((r.target.start, r.target.end))
    for n in gold.negatives:
        annotated[n.target_file].append((n.target.start, n.target.end))
    det_prec: dict[int, float] = {}
    det_results: list[DetectionResult] = []
    for i, d in enumerate(dets):
        scored = bool(matches[i]) or in_scope(
            d.tfile, (d.tstart, d.tend), annotated=annotated, regions=regions
        )
        prec = 0.0
        if scored:
            inside = [
                ov for r in matches[i] if (ov := _overlap(d.tstart, d.tend, r.target.start, r.target.end))
            ]
            prec = _safe_div(chars.count(d.tfile, inside), chars.count(d.tfile, [(d.tstart, d.tend)]))
            det_prec[i] = prec
        det_results.append(DetectionResult(d.id, d.kind, scored, prec, tuple(r.id for r in matches[i])))

    # recall, pieces per source file, detected kind per record
    per_rec: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(matches):
        for r in m:
            per_rec[r.id].append(i)
    rec_recall: dict[str, float] = {}
    rec_pieces: dict[str, float] = {}
    rec_results: list[RecordResult] = []
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in recs:
        idx = per_rec.get(r.id, [])
        f, s0, e0 = r.target_file, r.target.start, r.target.end
        covered = [ov for i in idx if (ov := _overlap(dets[i].tstart, dets[i].tend, s0, e0))]
        rec_recall[r.id] = _safe_div(chars.count(f, covered), chars.count(f, [(s0, e0)]))
        per_source = Counter(dets[i].sfile for i in idx)
        rec_pieces[r.id] = _safe_div(sum(per_source.values()), len(per_source))
        by_kind: Counter[str] = Counter()
        for i in idx:
            ov = _overlap(dets[i].tstart, dets[i].tend, s0, e0)
            by_kind[dets[i].kind] += chars.count(f, [ov]) if ov else 0
        detected_kind = min(by_kind, key=lambda k: (-by_kind[k], k)) if by_kind else None
        confusion[r.kind.value][detected_kind or "missed"] += 1
        rec_results.append(
            RecordResult(r.id, r.kind.value, rec_recall[r.id], rec_pieces[r.id], detected_kind)
        )

    scores = [_scores(name, kinds, recs, rec_recall, rec_pieces, dets, det_prec) for name, kinds in BUCKETS]
    source = _source_scores(recs, dets, matches, chars)

    # negative probes touched by any detection (scored or not: a probe is annotated by definition)
    det_by_file: dict[str, list[_Det]] = defaultdict(list)
    for d in dets:
        det_by_file[d.tfile].append(d)
    touched = tuple(
        n.id
        for n in gold.negatives
        if any(
            (ov := _overlap(d.tstart, d.tend, n.target.start, n.target.end))
            and chars.count(n.target_file, [ov]) > 0
            for d in det_by_file.get(n.target_file, ())
        )
    )
    short = tuple(
        d.id for d in dets if not d.quoted and chars.count(d.tfile, [(d.tstart, d.tend)]) < min_chars
    )

    return EvalResult(
        overall=scores[-1],
        by_kind=tuple(scores[:-1]),
        negatives_total=len(gold.negatives),
        negatives_touched=_safe_div(len(touched), len(gold.negatives)),
        touched_negatives=touched,
        short_detections=len(short),
        short_ids=short,
        detections_total=len(dets),
        detections_scored=len(det_prec),
        kind_confusion=tuple(
            (k, tuple(sorted(confusion[k].items()))) for k in (k.value for k in Kind) if k in confusion
        ),
        records=tuple(rec_results),
        detections=tuple(det_results),
        source=source,
    )


def _source_scores(
    recs: Sequence[GoldRecord], dets: Sequence[_Det], matches: Sequence[Sequence[GoldRecord]], chars: _Chars
) -> SourceScores:
    """Source-span precision and recall over matched pairs in the same source file."""
    rec_cover: dict[str, list[tuple[int, int]]] = defaultdict(list)
    det_prec: list[float] = []
    via_copy = 0
    for d, ms in zip(dets, matches, strict=True):
        same = [r for r in ms if r.source_file == d.sfile]
        if ms and not same:
            via_copy += 1
        if not same:
            continue
        inside = [ov for r in same if (ov := _overlap(d.sstart, d.send, r.source.start, r.source.end))]
        det_prec.append(_safe_div(chars.count(d.sfile, inside), chars.count(d.sfile, [(d.sstart, d.send)])))
        for r in same:
            if ov := _overlap(d.sstart, d.send, r.source.start, r.source.end):
                rec_cover[r.id].append(ov)
            else:
                rec_cover.setdefault(r.id, [])
    by_id = {r.id: r for r in recs}
    rec_recall = [
        _safe_div(
            chars.count(r.source_file, cov), chars.count(r.source_file, [(r.source.start, r.source.end)])
        )
        for rid, cov in rec_cover.items()
        if (r := by_id[rid])
    ]
    return SourceScores(
        precision=_safe_div(sum(det_prec), len(det_prec)),
        recall=_safe_div(sum(rec_recall), len(rec_recall)),
        n_records=len(rec_recall),
        n_detections=len(det_prec),
        via_copy=via_copy,
    )


def evaluate_corpus(
    gold: Gold, detections: Sequence[Mapping[str, Any]], corpus: Corpus, **kw: Any
) -> EvalResult:
    """`evaluate` with file names, texts and annotated regions taken from a loaded corpus."""
    files = {d.id: d.file for d in corpus.documents}
    corpus_files = {d.sha256: d.file for d in corpus.documents}
    gold = resolve_gold(gold, corpus_files)
    regions = annotated_regions(gold, ((files[p.article.doc_id], p.article.span) for p in corpus.articles))
    texts = {d.file: d.raw for d in corpus.documents}
    return evaluate(gold, detections, regions=regions, texts=texts, **kw)
