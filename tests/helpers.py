"""Tiny builders for aligner tests: articles from plain strings without the real segmenter,
so aligner tests exercise the aligner alone."""

from __future__ import annotations

import re

from quotetrace.model import Article, NormText, ParsedArticle, Sentence, Span

_SENT = re.compile(r"[^。！？]+[。！？]?”?")
_QUOTE = re.compile(r"“([^”]*)”")


def article(doc_id: str, text: str) -> tuple[ParsedArticle, str]:
    """One article over `text` (raw == normalised), split on 。！？ with quote regions."""
    norm = NormText(text, tuple(range(len(text) + 1)))
    sents = []
    for m in _SENT.finditer(text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        if s >= e:
            continue
        quoted = tuple(Span(q.start(1), q.end(1)) for q in _QUOTE.finditer(text, s, e))
        sents.append(Sentence(doc_id, doc_id, Span(s, e), Span(s, e), 0, quoted=quoted))
    art = Article(doc_id, doc_id, Span(0, len(text)))
    return ParsedArticle(art, norm, tuple(sents)), text
