"""Synthetic corpora with known injected reuse, for the benchmarks (issue 3 §Speed, issue 2 §Floors).

Why: the aligner must be measured at 10k, 100k and 1M sentences, with recall of reuse whose
location is known exactly. Real seed sentences are too few and repeat each other, so this
module builds *background* sentences by recombining clauses of real official prose (the seeds
in ``data/raw`` and the ``cn-official`` corpus) and replacing about a quarter of their
characters, spaced so that no run of more than six original characters survives. Two
background sentences therefore share no long verbatim run even when they were built from the
same real clause. Into later-dated documents it then copies spans of earlier ones as
verbatim, near-verbatim, quoted-clause and paraphrase-like reuse and records every copy, with
exact raw code-point offsets on both sides, in ``truth.jsonl``.

Public API::

    generate(n_sentences, out_dir, *, seed=0, reuse_rate=0.07) -> SynthInfo
    generate_bytes(n_bytes, out_dir, *, seed=0) -> BytesInfo
    verify(out_dir) -> int                       # re-reads files, checks every truth span
    accidental_overlap(out_dir, *, k=8) -> OverlapStats

CLI::

    python bench/synth.py --sentences 100000 --out /tmp/synth100k --seed 0
    python bench/synth.py --bytes 100000000 --out /tmp/bulk100m

Everything is deterministic given the seed, and output is written document by document.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "data" / "raw"
BACKGROUND_DIR = ROOT.parent / "shared" / "corpora" / "cn-official"

_SENT_END_RE = re.compile(r"(?<=[。！？])")
_NON_CJK_RE = re.compile(r"[^\u4e00-\u9fff]")
_CLAUSE_SPLIT_RE = re.compile(r"[，；：,;:、…—]+")
_STRIP_RE = re.compile(r"[“”‘’「」『』《》〈〉【】（）()\[\]〔〕\s\u200b-\u200d\ufeff*#★]")
_CJK_LO, _CJK_HI = 0x4E00, 0x9FFF
_PAGE_LINE_RE = re.compile(r"^\s*[-—－]*\s*\d{1,4}\s*[-—－]*\s*$")

# Paraphrase-like rewording: a small synonym table (applied in both directions) and modifiers.
SYNONYMS: tuple[tuple[str, str], ...] = (
    ("加强", "强化"),
    ("推动", "推进"),
    ("提升", "提高"),
    ("坚持", "始终坚持"),
    ("重要", "关键"),
    ("完善", "健全"),
    ("积极", "主动"),
    ("深入", "深度"),
    ("构建", "建设"),
    ("促进", "带动"),
)
MODIFIERS: tuple[str, ...] = ("进一步", "切实", "不断", "全面", "大力", "持续", "着力")
QUOTE_CUES: tuple[str, ...] = (
    "正如讲话所强调的，",
    "文件明确指出：",
    "会议强调，",
    "我们要深刻领会",
    "讲话指出，",
    "要牢记",
    "报告提出：",
)
MIN_SOURCE_CHARS = 12  # shortest injected source passage (quoted clauses: 8, prefer ≥ 10)
DOC_KINDS: tuple[str, ...] = ("speech", "commentary", "policy", "report", "reprint")
TITLE_SUFFIXES: tuple[str, ...] = ("的意见", "的通知", "的讲话", "的报告", "的实施方案", "工作要点")
PUBLISHERS: tuple[str, ...] = ("新华社", "《人民日报》", "《求是》", "《光明日报》", "中国政府网")

# Injection kinds (the truth file's "inject" field) and their share of injections.
INJECT_KINDS: tuple[str, ...] = ("verbatim", "near_verbatim", "quoted_clause", "paraphrase")
_INJECT_P = (0.35, 0.25, 0.2, 0.2)
# Sentences copied per injection, by kind: (choices, weights).
_RUN_LEN: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "verbatim": ((1, 2, 3, 4), (0.5, 0.25, 0.15, 0.1)),
    "near_verbatim": ((1, 2, 3), (0.6, 0.3, 0.1)),
    "quoted_clause": ((1,), (1.0,)),
    "paraphrase": ((1, 2), (0.8, 0.2)),
}
_MEAN_RUN = sum(
    p * sum(c * w for c, w in zip(*_RUN_LEN[k], strict=True))
    for k, p in zip(INJECT_KINDS, _INJECT_P, strict=True)
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class SynthInfo:
    """What `generate` wrote; counts are exact, `seconds` is wall time."""

    out_dir: Path
    files: tuple[str, ...]
    n_documents: int
    n_sentences: int
    n_target_sentences: int  # sentences that are (part of) an injected reuse target
    n_reuse: int  # truth records
    by_kind: tuple[tuple[str, int], ...]  # injection kind -> records
    n_chars: int
    n_bytes: int
    truth_path: Path
    manifest_path: Path
    seconds: float


@dataclass(frozen=True, slots=True)
class BytesInfo:
    """What `generate_bytes` wrote."""

    out_dir: Path
    n_files: int
    n_bytes: int
    n_chars: int
    by_encoding: tuple[tuple[str, int], ...]
    by_layout: tuple[tuple[str, int], ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class OverlapStats:
    """Accidental verbatim overlap between documents outside the injected spans.

    Measured on compact text (whitespace and punctuation removed, as the index shingles it):
    `shared_grams` distinct k-grams that occur in two or more documents, and `covered_share` the
    share of compact characters (outside truth spans) covered by such a k-gram."""

    k: int
    n_docs: int
    n_grams: int
    shared_grams: int
    covered_chars: int
    total_chars: int

    @property
    def covered_share(self) -> float:
        return self.covered_chars / self.total_chars if self.total_chars else 0.0


# --------------------------------------------------------------------------- material


@dataclass(frozen=True, slots=True)
class _Pool:
    clauses: tuple[str, ...]
    cp: np.ndarray  # concatenated clause code points (+1 padding), uint32
    off: np.ndarray  # clause start in cp, int64
    length: np.ndarray  # clause length, int64
    chars: np.ndarray  # replacement characters, uint32
    char_cdf: np.ndarray  # cumulative weights for `chars`, float64 ending at 1.0


def _real_sentences(text: str, *, joined_lines: bool) -> Iterator[str]:
    """Rough sentences of a real text: a regex on 。！？ is enough for material."""
    lines = [ln for ln in text.splitlines() if not _PAGE_LINE_RE.match(ln)]
    if joined_lines:  # PDF extractions: hard line breaks inside sentences
        blocks = ["".join(ln.strip() for ln in lines)]
    else:  # one paragraph per line
        blocks = [ln.strip() for ln in lines if ln.strip()]
    for block in blocks:
        yield from _split_sentences(block)


def _split_sentences(text: str) -> list[str]:
    """Pieces ending in 。！？ (a trailing unterminated piece is dropped)."""
    return [p for p in _SENT_END_RE.split(text) if p and p[-1] in "。！？"]


def _clauses_of(sentence: str) -> Iterator[str]:
    for part in _CLAUSE_SPLIT_RE.split(sentence.rstrip("。！？")):
        clause = _STRIP_RE.sub("", part)
        n = len(clause)
        if not 4 <= n <= 40:
            continue
        if len(_NON_CJK_RE.sub("", clause)) >= 0.85 * n:
            yield clause


def _source_files(seed_dir: Path, background_dir: Path | None) -> list[tuple[Path, bool]]:
    """(path, joined_lines) for every material file, sorted for determinism."""
    files: list[tuple[Path, bool]] = [(p, True) for p in sorted(seed_dir.glob("*.txt"))]
    if background_dir is not None and (background_dir / "texts").is_dir():
        skip: set[str] = set()
        manifest = background_dir / "manifest.csv"
        if manifest.is_file():
            with manifest.open(encoding="utf-8", newline="") as fh:
                skip = {Path(r["file"]).name for r in csv.DictReader(fh) if r.get("script") == "Hant"}
        files += [(p, False) for p in sorted((background_dir / "texts").glob("*.txt")) if p.name not in skip]
    return files


@lru_cache(maxsize=4)
def _load_pool(seed_dir: Path = SEED_DIR, background_dir: Path | None = BACKGROUND_DIR) -> _Pool:
    """Clause pool and replacement-character distribution from the real texts."""
    seen: set[str] = set()
    clauses: list[str] = []
    for path, joined in _source_files(seed_dir, background_dir):
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        for sent in _real_sentences(text, joined_lines=joined):
            for clause in _clauses_of(sent):
                if clause not in seen:
                    seen.add(clause)
                    clauses.append(clause)
    if len(clauses) < 100:
        raise FileNotFoundError(f"too little Chinese material under {seed_dir} and {background_dir}")
    joined_text = "".join(clauses)
    cp = np.frombuffer((joined_text + "\0").encode("utf-32-le"), dtype=np.uint32).copy()
    length = np.fromiter((len(c) for c in clauses), dtype=np.int64, count=len(clauses))
    off = np.cumsum(length) - length
    cjk = cp[(cp >= _CJK_LO) & (cp <= _CJK_HI)]
    uniq, counts = np.unique(cjk, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:4000]
    chars = uniq[order]
    weights = np.sqrt(counts[order].astype(np.float64))  # flatter than Zipf: fewer chance repeats
    cdf = np.cumsum(weights) / weights.sum()
    cdf[-1] = 1.0
    return _Pool(tuple(clauses), cp, off, length, chars, cdf)


class _Background:
    """Fresh background sentences, built vectorised in batches (numpy) for speed.

    Each sentence joins 1-5 random clauses with ，and ends with 。; then the clause characters
    are replaced at gaps drawn uniformly from 1..7 (25% on average, never more than six original
    characters in a row), by CJK characters drawn from the corpus's own distribution."""

    def __init__(self, pool: _Pool, rng: np.random.Generator, batch: int = 20000) -> None:
        self.pool = pool
        self.rng = rng
        self.batch = batch
        self._buf: list[str] = []
        self._i = 0

    def sentence(self) -> str:
        if self._i >= len(self._buf):
            self._buf = self._make(self.batch)
            self._i = 0
        s = self._buf[self._i]
        self._i += 1
        return s

    def clause(self) -> str:
        """One mutated clause without punctuation (for framing quotations)."""
        return max(self.sentence()[:-1].split("，"), key=len)

    def _make(self, n: int) -> list[str]:
        p, rng = self.pool, self.rng
        k = rng.choice(np.array([1, 2, 3, 4, 5]), size=n, p=[0.05, 0.2, 0.35, 0.25, 0.15])
        ids = rng.integers(0, len(p.length), size=int(k.sum()))
        lens = p.length[ids] + 1  # clause + separator
        total = int(lens.sum())
        out_start = np.cumsum(lens) - lens
        idx = np.repeat(p.off[ids] - out_start, lens) + np.arange(total, dtype=np.int64)
        out = p.cp[idx]
        sep = out_start + lens - 1
        out[sep] = ord("，")
        last = np.cumsum(k) - 1
        out[sep[last]] = ord("。")
        cjk_pos = np.flatnonzero((out != ord("，")) & (out != ord("。")))  # digits too, not only CJK
        m = len(cjk_pos)
        gaps = rng.integers(1, 8, size=m // 4 + 64)
        sel = np.cumsum(gaps) - 1
        while sel[-1] < m:
            more = np.cumsum(rng.integers(1, 8, size=m // 4 + 64)) + sel[-1]
            sel = np.concatenate([sel, more])
        sel = sel[sel < m]
        pick = np.searchsorted(p.char_cdf, rng.random(len(sel)), side="right")
        out[cjk_pos[sel]] = p.chars[np.minimum(pick, len(p.chars) - 1)]
        text = out.astype("<u4").tobytes().decode("utf-32-le")
        ends = (sep[last] + 1).tolist()
        starts = [0, *ends[:-1]]
        sents = [text[a:b] for a, b in zip(starts, ends, strict=True)]
        # Official prose leans on a few verbs (加强, 推动 ...); put table words back after mutation
        # so that paraphrase-like rewording has synonyms to swap.
        words = _SYN_WORDS
        for i, w in zip(
            np.flatnonzero(rng.random(n) < 0.3).tolist(),
            rng.integers(0, len(words), size=n).tolist(),
            strict=False,
        ):
            s = sents[i]
            j = s.find("，") + 1 if rng.random() < 0.5 else 0
            sents[i] = s[:j] + words[w] + s[j:]
        return sents


# --------------------------------------------------------------------------- rewriting


def _near_verbatim(text: str, rnd: random.Random, pool: _Pool) -> str:
    """1-3 small edits per sentence: substitute/insert/delete a character, add or drop a short word."""
    out: list[str] = []
    for sent in _split_sentences(text):
        body, end = sent[:-1], sent[-1]
        n_edits = min(rnd.choices((1, 2, 3), (0.5, 0.3, 0.2))[0], max(1, len(body) // 15))
        orig = body
        for _ in range(n_edits):
            cjk = [i for i, ch in enumerate(body) if _CJK_LO <= ord(ch) <= _CJK_HI]
            if len(cjk) < 4:
                break
            i = rnd.choice(cjk)
            op = rnd.choices(("sub", "ins", "del", "word+", "word-"), (0.35, 0.15, 0.2, 0.2, 0.1))[0]
            if op == "word-":
                hits = [m for m in MODIFIERS if m in body]
                op = "del2" if not hits else op
                if hits:
                    body = body.replace(rnd.choice(hits), "", 1)
                    continue
            if op == "sub":
                body = body[:i] + _pool_char(pool, rnd, avoid=body[i]) + body[i + 1 :]
            elif op == "ins":
                body = body[:i] + _pool_char(pool, rnd) + body[i:]
            elif op == "del":
                body = body[:i] + body[i + 1 :]
            elif op == "del2":
                body = body[:i] + body[i + 2 :]
            else:  # word+: a modifier at a clause start
                starts = [0] + [j + 1 for j, ch in enumerate(body) if ch == "，"]
                j = rnd.choice(starts)
                body = body[:j] + rnd.choice(MODIFIERS) + body[j:]
        if body == orig:
            body = _pool_char(pool, rnd, avoid=body[0]) + body[1:]
        out.append(body + end)
    return "".join(out)


def _pool_char(pool: _Pool, rnd: random.Random, avoid: str = "") -> str:
    while True:
        j = min(int(np.searchsorted(pool.char_cdf, rnd.random(), side="right")), len(pool.chars) - 1)
        ch = chr(int(pool.chars[j]))
        if ch != avoid:
            return ch


_SYN_MAP = {a: b for a, b in SYNONYMS} | {b: a for a, b in SYNONYMS if b not in dict(SYNONYMS)}
_SYN_WORDS: tuple[str, ...] = tuple(sorted(_SYN_MAP))
_SYN_RE = re.compile("|".join(sorted(map(re.escape, _SYN_MAP), key=len, reverse=True)))


def _paraphrase(text: str, rnd: random.Random) -> str:
    """Reword each sentence: synonym swaps, clause reorder, a dropped clause, or an added modifier."""
    out: list[str] = []
    for sent in _split_sentences(text):
        clauses = sent[:-1].split("，")
        changed = False
        swaps = 0
        for ci, c in enumerate(clauses):
            if swaps < 2 and _SYN_RE.search(c):
                clauses[ci] = _SYN_RE.sub(lambda m: _SYN_MAP[m.group(0)], c, count=1)
                swaps += 1
                changed = True
        if len(clauses) >= 3 and rnd.random() < 0.5:
            # Drop a clause, but only a minor one: the rest must still carry the proposition.
            body = sum(len(c) for c in clauses)
            minor = [i for i, c in enumerate(clauses) if len(c) <= 0.3 * body]
            if minor:
                del clauses[rnd.choice(minor)]
                changed = True
        if len(clauses) >= 2:
            i = rnd.randrange(len(clauses) - 1)
            clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
            changed = True
        if not changed or rnd.random() < 0.5:
            i = rnd.randrange(len(clauses))
            clauses[i] = rnd.choice(MODIFIERS) + clauses[i]
        out.append("，".join(clauses) + "。")
    return "".join(out)


# --------------------------------------------------------------------------- generation


@dataclass(slots=True)
class _Unit:
    """A run of sentences in a paragraph; `target` is (rel start, rel end, truth record) if injected."""

    text: str
    n_sentences: int
    target: tuple[int, int, dict[str, object]] | None = None


def _doc_sizes(n: int, rnd: random.Random) -> list[int]:
    """Document sizes in sentences: 50-400, scaled down for tiny corpora so there are ≥ ~20 docs."""
    lo, hi = 50, 400
    if n < 20 * 225:
        scale = n / (20 * 225)
        lo = max(6, int(lo * scale))
        hi = max(lo + 4, int(hi * scale))
    sizes: list[int] = []
    left = n
    while left > 0:
        s = min(left, rnd.randint(lo, hi))
        if 0 < left - s < lo:  # fold a too-small tail into this document
            s = left
        sizes.append(s)
        left -= s
    return sizes


def _paragraph_sizes(n: int, rnd: random.Random) -> list[int]:
    sizes: list[int] = []
    while n > 0:
        s = min(n, rnd.randint(2, 6))
        sizes.append(s)
        n -= s
    return sizes


def _prepare_dir(out_dir: Path, *, overwrite: bool, patterns: Sequence[str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = [p for p in out_dir.iterdir()]
    if not existing:
        return
    if not overwrite:
        raise FileExistsError(f"{out_dir} is not empty (pass overwrite=True / --overwrite)")
    for pat in patterns:
        for p in out_dir.glob(pat):
            if p.is_file():
                p.unlink()


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings


def _title(bg: _Background, rnd: random.Random) -> str:
    return "关于" + bg.clause()[:14] + rnd.choice(TITLE_SUFFIXES)


def generate(
    n_sentences: int,
    out_dir: str | Path,
    *,
    seed: int = 0,
    reuse_rate: float = 0.07,
    check: bool = True,
    overwrite: bool = False,
    seed_dir: Path = SEED_DIR,
    background_dir: Path | None = BACKGROUND_DIR,
) -> SynthInfo:
    """Write a corpus of about `n_sentences` sentences with injected reuse and its truth file.

    `reuse_rate` is the share of sentences that are injected reuse targets. Each injected
    source is a background passage of an earlier-dated document used once only, so every
    reused text occurs exactly twice and `truth.jsonl` lists all cross-document reuse there is.
    With `check`, every truth span is re-read from the written files (raises AssertionError)."""
    t0 = time.perf_counter()
    if n_sentences < 1:
        raise ValueError("n_sentences must be positive")
    out = Path(out_dir)
    _prepare_dir(out, overwrite=overwrite, patterns=("synth_*.txt", "manifest.toml", "truth.jsonl"))
    pool = _load_pool(seed_dir, background_dir)
    ss = np.random.SeedSequence(seed)
    bg = _Background(pool, np.random.default_rng(ss.spawn(1)[0]), batch=min(20000, max(2000, n_sentences)))
    rnd = random.Random(seed)

    sizes = _doc_sizes(n_sentences, rnd)
    p_start = min(0.95, reuse_rate / _MEAN_RUN / max(1e-9, 1 - reuse_rate))
    reservoir: list[tuple[str, str, list[tuple[int, int, str]]]] = []
    cap = 8192
    seen_entries = 0
    day = date(2000, 1, 1)
    files: list[str] = []
    by_kind = dict.fromkeys(INJECT_KINDS, 0)
    n_written = n_target = n_slots = n_chars = n_bytes = 0
    rid = 0

    manifest_path = out / "manifest.toml"
    truth_path = out / "truth.jsonl"
    with (
        manifest_path.open("w", encoding="utf-8", newline="\n") as mf,
        truth_path.open("w", encoding="utf-8", newline="\n") as tf,
    ):
        mf.write(
            "# Synthetic corpus written by bench/synth.py (design.md §3). Reuse goes from earlier to later dates.\n"
        )
        mf.write(f"# seed = {seed}, n_sentences = {n_sentences}, reuse_rate = {reuse_rate}\n")
        for d, size in enumerate(sizes):
            doc_id = f"synth_{d:06d}"
            fname = f"{doc_id}.txt"
            day += timedelta(days=rnd.randint(1, 3))
            title = _title(bg, rnd)
            paragraphs: list[list[_Unit]] = []
            for psize in _paragraph_sizes(size, rnd):
                units: list[_Unit] = []
                slot = 0
                while slot < psize:
                    unit = None
                    # Feedback keeps the realised share of target sentences near reuse_rate.
                    p = p_start if n_target >= reuse_rate * n_slots else 2 * p_start
                    if reservoir and rnd.random() < p:
                        unit = _inject(reservoir, rnd, bg, pool, psize - slot)
                    if unit is None:
                        unit = _Unit(bg.sentence(), 1)
                    units.append(unit)
                    slot += unit.n_sentences
                    n_slots += unit.n_sentences
                    if unit.target is not None:
                        n_target += unit.n_sentences
                paragraphs.append(units)

            # Assemble the file, computing raw offsets as we go.
            pieces = [title, "\n\n"]
            pos = len(title) + 2
            new_entries: list[list[tuple[int, int, str]]] = []
            for pi, units in enumerate(paragraphs):
                run: list[tuple[int, int, str]] = []
                for u in units:
                    if u.target is None:
                        run.append((pos, pos + len(u.text), u.text))
                    else:
                        if run:
                            new_entries.append(run)
                        run = []
                        a, b, rec = u.target
                        rec["target_file"] = fname
                        rec["target_doc"] = doc_id
                        rec["target_start"] = pos + a
                        rec["target_end"] = pos + b
                        rec["target_text"] = u.text[a:b]
                        rid += 1
                        rec["id"] = f"r{rid:07d}"
                        tf.write(json.dumps(rec, ensure_ascii=False) + "\n")
                        by_kind[str(rec["inject"])] += 1
                    pieces.append(u.text)
                    pos += len(u.text)
                if run:
                    new_entries.append(run)
                if pi < len(paragraphs) - 1:
                    pieces.append("\n\n")
                    pos += 2
            pieces.append("\n")
            text = "".join(pieces)
            data = text.encode("utf-8")
            (out / fname).write_bytes(data)
            files.append(fname)
            n_written += size
            n_chars += len(text)
            n_bytes += len(data)
            mf.write(
                f"\n[[document]]\nid = {_toml_str(doc_id)}\nfile = {_toml_str(fname)}\n"
                f'title = {_toml_str(title)}\ndate = "{day.isoformat()}"\nlanguage = "zh"\n'
                f'kind = "{rnd.choice(DOC_KINDS)}"\n'
            )
            # Only now are this document's background passages eligible sources (strictly earlier date).
            for entry in new_entries:
                seen_entries += 1
                item = (fname, doc_id, entry)
                if len(reservoir) < cap:
                    reservoir.append(item)
                else:
                    j = rnd.randrange(seen_entries)
                    if j < cap:
                        reservoir[j] = item

    info = SynthInfo(
        out_dir=out,
        files=tuple(files),
        n_documents=len(files),
        n_sentences=n_written,
        n_target_sentences=n_target,
        n_reuse=rid,
        by_kind=tuple(by_kind.items()),
        n_chars=n_chars,
        n_bytes=n_bytes,
        truth_path=truth_path,
        manifest_path=manifest_path,
        seconds=time.perf_counter() - t0,
    )
    if check:
        verify(out)
    return info


def _inject(
    reservoir: list[tuple[str, str, list[tuple[int, int, str]]]],
    rnd: random.Random,
    bg: _Background,
    pool: _Pool,
    room: int,
) -> _Unit | None:
    """Take one source passage out of the reservoir and build its rewritten target unit."""
    kind = rnd.choices(INJECT_KINDS, _INJECT_P)[0]
    choices, weights = _RUN_LEN[kind]
    want = min(room, rnd.choices(choices, weights)[0])
    j = rnd.randrange(len(reservoir))
    sfile, sdoc, sents = reservoir[j]
    reservoir[j] = reservoir[-1]
    reservoir.pop()  # each source passage is used once: reused text occurs exactly twice
    rec: dict[str, object] = {
        "id": "",
        "inject": kind,
        "kind": kind,
        "quoted": False,
        "source_label": "synthetic",
        "source_file": sfile,
        "source_doc": sdoc,
    }
    if kind == "quoted_clause":
        options = []
        for s_start, _s_end, s_text in sents:
            off = 0
            for c in s_text[:-1].split("，"):
                if len(c) >= 8:
                    options.append((s_start + off, c))
                off += len(c) + 1
        if not options:
            return None
        longer = [o for o in options if len(o[1]) >= 10]  # design.md: ≥ 10 chars unless quoted
        c_start, clause = rnd.choice(longer or options)
        cue = rnd.choice(QUOTE_CUES)
        head = bg.clause() + "，" + cue + "“"
        tail = "”，" + bg.clause() + "。" if rnd.random() < 0.6 else "”。"
        rec |= {
            "kind": "verbatim",
            "quoted": True,
            "source_start": c_start,
            "source_end": c_start + len(clause),
            "source_text": clause,
            "n_sentences": 1,
        }
        text = head + clause + tail
        return _Unit(text, 1, (len(head), len(head) + len(clause), rec))
    k = min(want, len(sents))
    i = rnd.randrange(len(sents) - k + 1)
    run = sents[i : i + k]
    src_text = "".join(s for _, _, s in run)
    if len(src_text) < MIN_SOURCE_CHARS:  # too short to count as reuse (design.md: ≥ 10 chars)
        return None
    if kind == "verbatim":
        text = src_text
    elif kind == "near_verbatim":
        text = _near_verbatim(src_text, rnd, pool)
    else:
        text = _paraphrase(src_text, rnd)
    rec |= {
        "source_start": run[0][0],
        "source_end": run[-1][1],
        "source_text": src_text,
        "n_sentences": k,
    }
    return _Unit(text, k, (0, len(text), rec))


# --------------------------------------------------------------------------- checks


def read_truth(out_dir: str | Path) -> list[dict[str, object]]:
    with (Path(out_dir) / "truth.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def verify(out_dir: str | Path) -> int:
    """Check `text[start:end]` of both sides of every truth record against the written files.

    Reads each file once (checks grouped by file). Returns the number of records checked;
    raises AssertionError on the first mismatch."""
    out = Path(out_dir)
    checks: dict[str, list[tuple[int, int, str, str]]] = {}
    n = 0
    with (out / "truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            n += 1
            for side in ("source", "target"):
                checks.setdefault(r[f"{side}_file"], []).append(
                    (r[f"{side}_start"], r[f"{side}_end"], r[f"{side}_text"], r["id"])
                )
    for fname, items in checks.items():
        raw = (out / fname).read_text(encoding="utf-8")
        for a, b, want, rid in items:
            if raw[a:b] != want:
                raise AssertionError(f"{rid}: {fname}[{a}:{b}] = {raw[a:b]!r}, truth says {want!r}")
    return n


_DROP_CHARS = "\n\r\t 　，。！？；：、“”‘’（）《》…—,.;:!?()\"'"
_DROP_CP = np.array(sorted(ord(c) for c in _DROP_CHARS), dtype=np.uint64)


def _gram_hashes(cp: np.ndarray, bad: np.ndarray, k: int) -> np.ndarray:
    """Polynomial hash of every k-gram (uint64, wrapping); 0 where the gram touches a bad position."""
    m = len(cp) - k + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(m, dtype=np.uint64)
    base = np.uint64(1_000_003)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * base + cp[j : j + m]
    cb = np.concatenate([[0], np.cumsum(bad)])
    ok = (cb[k:] - cb[:m]) == 0
    return np.where(ok & (h != 0), h, np.uint64(0))


def accidental_overlap(out_dir: str | Path, *, k: int = 8, max_docs: int | None = None) -> OverlapStats:
    """Measure verbatim k-gram overlap between documents outside truth spans (see OverlapStats).

    Memory is about 24 bytes per character of the measured documents; use `max_docs` on huge corpora."""
    out = Path(out_dir)
    files = sorted(out.glob("synth_*.txt"))[:max_docs]
    excl: dict[str, list[tuple[int, int]]] = {}
    for r in read_truth(out):
        for side in ("source", "target"):
            excl.setdefault(str(r[f"{side}_file"]), []).append(
                (int(r[f"{side}_start"]), int(r[f"{side}_end"]))  # type: ignore[call-overload]
            )
    docs: list[tuple[np.ndarray, np.ndarray]] = []
    total = 0
    for f in files:
        raw = f.read_text(encoding="utf-8")
        cp = np.frombuffer(raw.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        bad = np.zeros(len(cp), dtype=bool)
        for a, b in excl.get(f.name, ()):
            bad[a:b] = True
        keep = ~np.isin(cp, _DROP_CP)
        cp, bad = cp[keep], bad[keep]
        total += int((~bad).sum())
        docs.append((_gram_hashes(cp, bad, k), ~bad))
    uniq = [np.unique(h[h != 0]) for h, _ in docs]
    vals, counts = np.unique(np.concatenate(uniq) if uniq else np.zeros(0, np.uint64), return_counts=True)
    shared = vals[counts >= 2]
    covered = 0
    for h, good in docs:
        starts = np.flatnonzero(np.isin(h, shared) & (h != 0))
        if len(starts):
            mark = np.zeros(len(good) + 1, dtype=np.int64)
            np.add.at(mark, starts, 1)
            np.add.at(mark, starts + k, -1)
            covered += int(((np.cumsum(mark)[:-1] > 0) & good).sum())
    return OverlapStats(k, len(files), int(len(vals)), int(len(shared)), covered, total)


# --------------------------------------------------------------------------- bytes corpus


def _damage_pdf(paragraphs: list[str], rnd: random.Random) -> str:
    """Hard line breaks every ~30 characters, blank lines between lines, page-number lines."""
    lines: list[str] = []
    page = 1
    for para in paragraphs:
        i = 0
        while i < len(para):
            w = rnd.randint(28, 34)
            lines.append(para[i : i + w])
            i += w
            if len(lines) % 40 == 0:
                page += 1
                lines.append(rnd.choice((f"{page}", f"— {page} —", f"- {page} -")))
    return "\n\n".join(lines) + "\n"


def _date_phrase(rnd: random.Random, *, spaced: bool) -> str:
    y, m, d = rnd.randint(1990, 2026), rnd.randint(1, 12), rnd.randint(1, 28)
    if spaced:
        return f"{y} 年 {m:02d} 月 {d:02d} 日"
    return f"{y}年{m}月{d}日"


def generate_bytes(
    n_bytes: int,
    out_dir: str | Path,
    *,
    seed: int = 0,
    overwrite: bool = False,
    seed_dir: Path = SEED_DIR,
    background_dir: Path | None = BACKGROUND_DIR,
) -> BytesInfo:
    """Write at least `n_bytes` of plain ingestion-throughput corpus (no reuse, no manifest).

    Layouts: clean paragraphs, PDF-damaged (hard breaks, blank lines, page numbers, spaced
    CJK-digit dates), markdown (`# ` headings, `**bold**`); most files carry a
    `（来源：…，YYYY年M月D日）` line. About 20% of files are GB18030, 5% UTF-8 with BOM."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    _prepare_dir(out, overwrite=overwrite, patterns=("bulk_*.txt",))
    pool = _load_pool(seed_dir, background_dir)
    bg = _Background(pool, np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1]))
    rnd = random.Random(seed + 1)
    written = chars = 0
    n = 0
    enc_count: dict[str, int] = {}
    layout_count: dict[str, int] = {}
    while written < n_bytes:
        layout = rnd.choices(("clean", "pdf", "markdown"), (0.4, 0.3, 0.3))[0]
        size = rnd.randint(50, 400)
        paragraphs: list[str] = []
        for psize in _paragraph_sizes(size, rnd):
            sents = [bg.sentence() for _ in range(psize)]
            if rnd.random() < 0.15:
                sents[0] = _date_phrase(rnd, spaced=layout == "pdf") + "，" + sents[0]
            paragraphs.append("".join(sents))
        title = _title(bg, rnd)
        head: list[str] = []
        if layout == "markdown":
            head.append("# " + title)
            for i in range(len(paragraphs)):
                if rnd.random() < 0.12:
                    paragraphs[i] = "## " + bg.clause()[:12] + "\n\n" + paragraphs[i]
                elif rnd.random() < 0.1:
                    paragraphs[i] = "**" + paragraphs[i][:12] + "**" + paragraphs[i][12:]
        else:
            head.append(title)
        if rnd.random() < 0.8:
            head.append(f"（来源：{rnd.choice(PUBLISHERS)}，{_date_phrase(rnd, spaced=False)}）")
        if layout == "pdf":
            text = "\n\n".join(head) + "\n\n" + _damage_pdf(paragraphs, rnd)
        else:
            text = "\n\n".join(head + paragraphs) + "\n"
        r = rnd.random()
        enc = "gb18030" if r < 0.2 else ("utf-8-sig" if r < 0.25 else "utf-8")
        data = text.encode(enc)
        (out / f"bulk_{n:06d}.txt").write_bytes(data)
        n += 1
        written += len(data)
        chars += len(text)
        enc_count[enc] = enc_count.get(enc, 0) + 1
        layout_count[layout] = layout_count.get(layout, 0) + 1
    return BytesInfo(
        out_dir=out,
        n_files=n,
        n_bytes=written,
        n_chars=chars,
        by_encoding=tuple(sorted(enc_count.items())),
        by_layout=tuple(sorted(layout_count.items())),
        seconds=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- CLI


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="bench/synth.py")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--sentences", type=int, help="sentences of a reuse corpus (with truth.jsonl)")
    what.add_argument("--bytes", type=int, help="bytes of a plain ingestion-throughput corpus")
    ap.add_argument("--out", type=Path, required=True, help="output folder (created; must be empty)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--reuse-rate", type=float, default=0.07, help="share of sentences that are reuse targets"
    )
    ap.add_argument("--overwrite", action="store_true", help="replace earlier synthetic files in --out")
    ap.add_argument("--no-verify", action="store_true", help="skip re-reading the truth spans")
    ap.add_argument(
        "--overlap", type=int, default=0, metavar="K", help="also measure accidental K-gram overlap"
    )
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.bytes is not None:
        b = generate_bytes(args.bytes, args.out, seed=args.seed, overwrite=args.overwrite)
        print(
            f"{b.n_files} files, {b.n_bytes / 1e6:.1f} MB, {b.n_chars / 1e6:.1f} M chars in {b.seconds:.1f} s; "
            f"encodings {dict(b.by_encoding)}; layouts {dict(b.by_layout)} -> {b.out_dir}"
        )
        return 0
    info = generate(
        args.sentences,
        args.out,
        seed=args.seed,
        reuse_rate=args.reuse_rate,
        check=not args.no_verify,
        overwrite=args.overwrite,
    )
    print(
        f"{info.n_documents} docs, {info.n_sentences} sentences ({info.n_target_sentences} reuse targets, "
        f"{info.n_target_sentences / info.n_sentences:.1%}), {info.n_reuse} truth records {dict(info.by_kind)}, "
        f"{info.n_chars / 1e6:.2f} M chars, {info.n_bytes / 1e6:.1f} MB in {info.seconds:.1f} s -> {info.out_dir}"
    )
    if args.overlap:
        t = time.perf_counter()
        st = accidental_overlap(args.out, k=args.overlap)
        print(
            f"accidental overlap k={st.k}: {st.shared_grams} of {st.n_grams} distinct grams shared across docs, "
            f"{st.covered_share:.4%} of {st.total_chars} chars covered ({time.perf_counter() - t:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
