"""`ingest`: files → Document (raw text + metadata). Why: every later offset points into the
raw text, so decoding must be exact (BOM removed, no newline translation, design.md §2) and
every `.txt`/`.md` file a user drops into the corpus folder must be read, manifest or not.

`decode` and the metadata helpers are pure; `read_manifest` and `load_documents` are the
shell that touches the file system.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import hashlib
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .dates import document_date, is_iso_date
from .errors import CorpusNotFound, DecodeError, EmptyCorpus, ManifestError
from .model import Document, DocumentMeta
from .split import clean_title, head_title

__all__ = [
    "MANIFEST",
    "TEXT_SUFFIXES",
    "decode",
    "detect_language",
    "load_documents",
    "read_manifest",
    "slugify",
]

MANIFEST = "manifest.toml"
TEXT_SUFFIXES = (".txt", ".md")

# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1a")
_MAX_CONTROL_SHARE = 0.01
_MIN_PLAUSIBLE_SHARE = 0.9  # of GB18030 / guessed text that must be CJK, ASCII, punctuation or space
_SNIFF = 65536


_COMMON = re.compile("[^\t\n\r\x0b\x0c\x20-\x7e\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def _control_share(text: str) -> float:
    """Share of C0/C1 control characters other than whitespace (vectorised: big files are common)."""
    if not text:
        return 0.0
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ctrl = (cp < 0x20) | ((cp >= 0x7F) & (cp < 0xA0))
    allowed = (cp == 9) | (cp == 10) | (cp == 13) | (cp == 12) | (cp == 11) | (cp == 0x1A)
    return int(np.count_nonzero(ctrl & ~allowed)) / len(text)


def _plausible_share(text: str) -> float:
    """Share of characters a Chinese or English text is made of; GB18030 decodes almost any bytes,
    so a wrong guess shows up as rare symbols, private-use and unassigned code points."""
    if not text:
        return 1.0
    rare = _COMMON.findall(text)  # everything outside ASCII, CJK and CJK punctuation
    bad = 0
    for c in rare:
        if c.isascii():
            bad += not (c.isprintable() or c in _ALLOWED_CONTROLS)
        else:
            cat = unicodedata.category(c)
            bad += not (cat[0] in "LPNZ" and cat not in ("Co", "Cn"))
    return (len(text) - bad) / len(text)


def _is_text(text: str, *, strict: bool) -> bool:
    sample = text[:_SNIFF]
    if "\x00" in sample or _control_share(sample) > _MAX_CONTROL_SHARE:
        return False
    return not strict or _plausible_share(sample) >= _MIN_PLAUSIBLE_SHARE


def _utf16_without_bom(data: bytes) -> str | None:
    """ASCII-heavy UTF-16 without a BOM shows NULs at every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros > 0.3 * half and (even if codec == "utf-16-le" else odd) == 0:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            return codec if _is_text(text, strict=True) else None
    return None


def decode(data: bytes, *, file: str) -> tuple[str, str]:
    """Bytes → (raw text, encoding name). BOM first, then strict UTF-8, then GB18030 (covers
    GBK and GB2312) if the result is plausible text, then legacy CJK encodings and Windows-1252.

    Raises DecodeError(file, problem) for binary data or text no supported encoding reads.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec.removesuffix("-sig"))
            except UnicodeDecodeError as e:
                raise DecodeError(file, f"invalid {codec} data at byte {e.start + len(bom)}") from None
            if not _is_text(text, strict=False):
                raise DecodeError(file, "not a text file (binary data)")
            return text, codec
    if b"\x00" in data[:_SNIFF]:
        codec16 = _utf16_without_bom(data)
        if codec16:
            return data.decode(codec16), codec16
        raise DecodeError(file, "not a text file (binary data)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _is_text(text, strict=False):
            raise DecodeError(file, "not a text file (binary data)")
        return text, "utf-8"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if _is_text(text, strict=True):
            return text, "gb18030"
    guess = _legacy_guess(data)
    if guess is not None:
        return guess
    sample = data[:_SNIFF]
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\f\v\x1a")
    if controls > _MAX_CONTROL_SHARE * len(sample):
        raise DecodeError(file, "not a text file (binary data)")
    raise DecodeError(file, "cannot decode as UTF-8, UTF-16 or GB18030")


_LEGACY_CJK = ["big5", "big5hkscs", "cp950", "cp932", "shift_jis", "euc_jp", "euc_kr"]
_MAX_CHAOS = 0.1
_MAX_HIGH_RUNS_CP1252 = 0.1  # share of high bytes next to another high byte


def _legacy_guess(data: bytes) -> tuple[str, str] | None:
    """Last resorts: a legacy CJK encoding (Big5, Shift-JIS, EUC) that charset-normalizer finds
    with little mess, or Windows-1252 for Western text (single accents and curly quotes between
    ASCII letters). Other guesses are refused: single-byte codecs 'decode' any bytes into
    nonsense, and mojibake would silently break every offset-based output."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # an optional helper only
        best = None
    else:
        best = from_bytes(data, cp_isolation=_LEGACY_CJK).best()
    if best is not None and best.chaos <= _MAX_CHAOS:
        try:
            text = data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and _is_text(text, strict=True):
            return text, best.encoding
    high = sum(1 for b in data if b >= 0x80)
    runs = sum(1 for a, b in zip(data, data[1:], strict=False) if a >= 0x80 and b >= 0x80)
    if runs <= _MAX_HIGH_RUNS_CP1252 * high:  # accents and curly quotes sit between ASCII letters
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
        if _is_text(text, strict=True):
            return text, "cp1252"
    return None


# --------------------------------------------------------------------------- metadata helpers


def slugify(name: str) -> str:
    """File stem → document id: lower case, ASCII letters/digits and CJK kept, others → '-'."""
    s = unicodedata.normalize("NFKC", name).lower()
    s = re.sub(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff_-]+", "-", s)
    s = re.sub(r"-{2,}", "-", s).strip("-_")
    return s or "doc"


def detect_language(text: str) -> str:
    """Language from the share of CJK characters: 'zh' when there are at least as many CJK
    characters as Latin words ('ja'/'ko' when kana/hangul dominate), else 'en' for Latin
    script, 'und' when there are no letters. A Chinese title over an English text stays 'en'."""
    cp = np.frombuffer(text[:200_000].encode("utf-32-le"), dtype=np.uint32)
    han = int(np.count_nonzero(((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF))))
    kana = int(np.count_nonzero((cp >= 0x3040) & (cp <= 0x30FF)))
    hangul = int(np.count_nonzero((cp >= 0xAC00) & (cp <= 0xD7AF)))
    latin = int(np.count_nonzero(((cp >= 0x41) & (cp <= 0x5A)) | ((cp >= 0x61) & (cp <= 0x7A))))
    cjk = han + kana + hangul
    if cjk and cjk >= latin / 5:  # ~5 letters to an English word
        if kana > 0.1 * cjk:
            return "ja"
        if hangul > 0.3 * cjk:
            return "ko"
        return "zh"
    return "en" if latin else "und"


# --------------------------------------------------------------------------- manifest

_FIELDS = ("title", "publisher", "date", "language", "kind", "description")
_DATE_KEYS = re.compile(r"(?:^|_)(?:date|published|delivered|issued|created|updated|modified|released)$")


def _as_date(value: Any, *, where: str, key: str, path: Path) -> str:
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1000 <= value <= 2999:
        return str(value)
    if isinstance(value, str) and is_iso_date(value):
        return value
    raise ManifestError(path, f"{where}: invalid {key} {value!r} (want YYYY-MM-DD, YYYY-MM or YYYY)")


def read_manifest(folder: Path) -> dict[str, tuple[str, DocumentMeta]]:
    """`folder/manifest.toml` → {file: (doc id, meta)}; {} when there is no manifest.

    Keys are '/'-separated paths relative to `folder`. Date-valued keys besides `date` (such as
    `published`) go into `meta.dates`; a missing `language` is "" (detected from the text later).
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ManifestError(path, f"not valid TOML: {e}") from None
    except OSError as e:
        raise ManifestError(path, f"cannot read: {e.strerror or e}") from None
    entries = data.get("document", [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ManifestError(path, "'document' must be an array of tables ([[document]])")
    out: dict[str, tuple[str, DocumentMeta]] = {}
    ids: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        where = f"document {n}"
        doc_id, file = entry.get("id"), entry.get("file")
        if not isinstance(file, str) or not file.strip():
            raise ManifestError(path, f"{where}: missing 'file'")
        where = f"document {n} ({file})"
        if doc_id is None or (isinstance(doc_id, str) and not doc_id.strip()):
            raise ManifestError(path, f"{where}: missing 'id'")
        if not isinstance(doc_id, str):
            raise ManifestError(path, f"{where}: 'id' must be a string (id = \"{doc_id}\")")
        if doc_id in ids:
            raise ManifestError(path, f"{where}: duplicate id {doc_id!r}")
        file = Path(file).as_posix()
        if Path(file).is_absolute() or ".." in Path(file).parts:
            raise ManifestError(path, f"{where}: 'file' must be a path inside the corpus folder")
        if file in out:
            raise ManifestError(path, f"{where}: file listed twice")
        if not (Path(folder) / file).is_file():
            raise ManifestError(path, f"{where}: file does not exist")
        ids.add(doc_id)
        out[file] = (doc_id, _meta(entry, where=where, path=path))
    return out


def _meta(entry: Mapping[str, Any], *, where: str, path: Path) -> DocumentMeta:
    fields: dict[str, Any] = {}
    for key in _FIELDS:
        value = entry.get(key)
        if key == "publisher" and value is None:
            value = entry.get("source")
        if value is None:
            continue
        if key == "date":
            fields[key] = _as_date(value, where=where, key=key, path=path)
        elif not isinstance(value, str):
            raise ManifestError(path, f"{where}: '{key}' must be a string")
        elif key == "language" and not re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", value):
            raise ManifestError(
                path, f"{where}: 'language' must be a language code such as zh or en, not {value!r}"
            )
        else:
            fields[key] = value
    extra: list[tuple[str, str]] = []
    for key, value in entry.items():
        if key in _FIELDS or key in ("id", "file"):
            continue
        is_date_value = isinstance(value, _dt.date) or (isinstance(value, str) and is_iso_date(value))
        if _DATE_KEYS.search(key) or is_date_value:
            extra.append((key, _as_date(value, where=where, key=key, path=path)))
    fields.setdefault("language", "")  # unknown: load_documents detects it from the text
    return DocumentMeta(**fields, dates=tuple(extra))


# --------------------------------------------------------------------------- corpus


def _text_files(folder: Path) -> list[Path]:
    """Every .txt/.md file under `folder`, sorted by relative path; hidden files/dirs skipped."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith(TEXT_SUFFIXES):
                found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def misnamed_folders(folder: Path) -> list[str]:
    """Issue lines for folders named like text files (notes.txt/): they are walked as folders,
    not read as documents, which a user who meant a file should hear about."""
    out = []
    for dirpath, dirnames, _ in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for d in dirnames:
            if d.lower().endswith(TEXT_SUFFIXES):
                out.append(f"{Path(dirpath) / d}: a folder, not a text file (its .txt/.md files are read)")
    return sorted(out)


_NAME_DATE = re.compile(
    r"(?<!\d)((?:1[89]|20)\d{2})[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12]\d|3[01]))?(?!\d)"
)


def date_from_name(name: str) -> str | None:
    """A date the file name carries (`2008-03-05_government-work-report.txt`, `report_200803.md`):
    archives name files by date more often than the texts state their own."""
    m = _NAME_DATE.search(Path(name).stem)
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{y}-{mo}-{d}" if d else f"{y}-{mo}"


_SOURCE_START = re.compile(r"[（(【\[]?\s*(?:来源|來源|稿源|出处|出處|source)\s*[：:]", re.I)


def _complete(meta: DocumentMeta | None, raw: str, file: str = "") -> DocumentMeta:
    """Fill what the manifest leaves out from the text itself (then from the file name)."""
    meta = meta or DocumentMeta(language="")
    title = meta.title
    if not title:
        head = head_title(raw)
        if head:
            title = head[0]
        else:
            first = next((ln for ln in raw.splitlines() if ln.strip()), "").strip()
            # a text that opens with its body (or its source line) has no title to show
            title = None if len(first) > 100 or _SOURCE_START.match(first) else (clean_title(first) or None)
    # the text's own dateline or source line, then a date in the file name, then a news lead
    date = (
        meta.date
        or document_date(raw, lead=False)
        or (date_from_name(file) if file else None)
        or document_date(raw)
    )
    return DocumentMeta(
        title=title,
        publisher=meta.publisher,
        date=date,
        language=meta.language or detect_language(raw),
        kind=meta.kind,
        description=meta.description,
        dates=meta.dates,
    )


def _date_clash(meta: DocumentMeta, raw: str, *, days: int = 31) -> str | None:
    """A warning when the manifest's date and the date the text gives itself (source line,
    dateline, signature) are full dates more than `days` apart: the manifest wins, and a wrong
    manifest date turns the direction of reuse around."""
    import datetime as dt

    own = document_date(raw, lead=False)
    if not own or len(own) != 10 or not meta.date or len(meta.date) != 10:
        return None
    if own in {d for _, d in meta.dates}:
        return None  # (a published date beside the delivery date)
    try:
        gap = abs((dt.date.fromisoformat(own) - dt.date.fromisoformat(meta.date)).days)
    except ValueError:
        return None
    if gap <= days:
        return None
    return f"manifest date {meta.date} but the text dates itself {own}; the manifest's date is used"


def load_documents(folder: Path, *, skip_bad: bool = False) -> tuple[tuple[Document, ...], tuple[str, ...]]:
    """Read a corpus folder (or a single file) → (documents in path order, issues).

    Files a manifest does not list are read too (id from the file name, date from the text).
    A file that will not decode raises DecodeError, or with `skip_bad` is left out and named
    in the returned issues.
    """
    folder = Path(folder)
    if folder.is_file():
        root, files = folder.parent, [folder]
        manifest = read_manifest(root)
    elif folder.is_dir():
        root = folder
        manifest = read_manifest(root)
        files = _text_files(root)
        if not files:
            raise EmptyCorpus(folder, "no .txt or .md files")
    else:
        raise CorpusNotFound(folder, "no such directory")

    taken = {doc_id for doc_id, _ in manifest.values()}
    docs: list[Document] = []
    issues: list[str] = misnamed_folders(root) if folder.is_dir() else []
    for path in files:
        rel = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
            if not data:  # nothing to trace: say so rather than carry an empty document
                issues.append(f"{path}: empty file (skipped)")
                continue
            raw, encoding = decode(data, file=str(path))
        except OSError as e:
            err = DecodeError(path, f"cannot read: {e.strerror or e}")
            if not skip_bad:
                raise err from None
            issues.append(f"{err} (skipped)")
            continue
        except DecodeError as e:
            if not skip_bad:
                raise
            issues.append(f"{e} (skipped)")
            continue
        listed = manifest.get(rel)
        if listed:
            doc_id, meta = listed
        else:
            doc_id, meta = _fresh_id(slugify(path.stem), taken), None
        taken.add(doc_id)
        if meta is not None and meta.date:
            clash = _date_clash(meta, raw)
            if clash:
                issues.append(f"{path}: {clash}")
        docs.append(
            Document(
                id=doc_id,
                file=rel,
                raw=raw,
                encoding=encoding,
                sha256=hashlib.sha256(data).hexdigest(),
                meta=_complete(meta, raw, rel),
            )
        )
    if not docs:
        raise EmptyCorpus(folder, f"no readable .txt or .md files ({len(issues)} skipped)")
    return tuple(docs), tuple(issues)


def _fresh_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
