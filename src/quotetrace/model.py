"""Plain data passed between pipeline stages (design.md §1-§4).

A Document's `raw` string is the one owner of the text; everything else holds
`Span`s into it (design.md §2). The only logic here checks invariants.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """[start, end) in code points of the document's *raw* text (design.md §2)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def of(self, raw: str) -> str:
        return raw[self.start : self.end]

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What the manifest (or the text itself) says about a document."""

    title: str | None = None
    publisher: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD or a prefix (YYYY, YYYY-MM); None when unknown
    language: str = "zh"  # "zh" | "en" | other ISO 639-1
    kind: str | None = None  # speech, reprint, bundle, commentary, policy, translation, readout ...
    description: str | None = None
    dates: tuple[tuple[str, str], ...] = ()  # extra named dates, e.g. (("delivered", "2023-02-21"),)


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    file: str  # path relative to the corpus folder, '/'-separated
    raw: str  # decoded text, BOM removed, no newline translation
    encoding: str
    sha256: str  # of the file's bytes
    meta: DocumentMeta = field(default_factory=DocumentMeta)


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a document; a plain document is one article whose id is the document id."""

    id: str  # "DOCID#N" for bundles (N from 1), else "DOCID"
    doc_id: str
    span: Span  # raw span of the whole article (heading and source line included)
    title: str | None = None
    source: str | None = None  # publisher as the text states it (新华社, 《求是》 ...)
    date: str | None = None  # ISO or prefix; None when the text gives none
    title_span: Span | None = None
    source_span: Span | None = None  # raw span of the source line (（来源：…）)
    issue: str | None = None  # e.g. "2023年第15期" for journals


@dataclass(frozen=True, slots=True)
class NormText:
    """Text for comparison only. `to_raw[i]` is the raw offset of normalised character i;
    `to_raw[len(text)]` is the raw end. Non-decreasing, len(text) + 1 entries."""

    text: str
    to_raw: tuple[int, ...]

    def raw_span(self, start: int, end: int) -> Span:
        """Raw span covering normalised [start, end): from the first char's raw start to just
        after the last char's raw position."""
        if start >= end:
            p = self.to_raw[start]
            return Span(p, p)
        return Span(self.to_raw[start], self.to_raw[end - 1] + 1)

    def norm_index(self, raw_pos: int) -> int:
        """First normalised index whose raw offset is >= raw_pos."""
        return bisect_right(self.to_raw, raw_pos - 1, 0, len(self.text))


class Role(StrEnum):
    BODY = "body"
    HEADING = "heading"
    SOURCE = "source"  # （来源：…） lines, ※ notes, bylines


@dataclass(frozen=True, slots=True)
class Sentence:
    doc_id: str
    article_id: str
    span: Span  # raw
    norm: Span  # into the article's NormText.text
    paragraph: int  # index of the paragraph within the article (sentences never cross one)
    role: Role = Role.BODY
    quoted: tuple[Span, ...] = ()  # raw spans of quoted regions inside the sentence (marks excluded)


class Kind(StrEnum):
    VERBATIM = "verbatim"
    NEAR_VERBATIM = "near_verbatim"
    PARAPHRASE = "paraphrase"
    TRANSLATION = "translation"


class Direction(StrEnum):
    DATED = "dated"
    INFERRED = "inferred"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Side:
    doc_id: str
    article_id: str
    span: Span  # raw


@dataclass(frozen=True, slots=True)
class Alignment:
    source: Side
    target: Side
    kind: Kind
    score: float  # 0..1
    quoted: bool = False
    attributed: bool = False
    direction: Direction = Direction.UNKNOWN
    origin: Side | None = None
    via: Side | None = None  # intermediate (e.g. a reprint) the evidence says the reuse came through
    direction_rule: str = ""  # which rule decided the direction (article date, document date, quote cue ...)


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """An article with its normalised text and sentences: what later stages consume."""

    article: Article
    norm: NormText
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True, slots=True)
class Corpus:
    folder: str
    documents: tuple[Document, ...]
    articles: tuple[ParsedArticle, ...]
    issues: tuple[str, ...] = ()  # recoverable oddities (skipped files, undated articles)

    def document(self, doc_id: str) -> Document:
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise KeyError(doc_id)
