"""Typed errors. The library raises these; `cli.py` turns them into one line and an exit code."""

from __future__ import annotations

from pathlib import Path


class QuotetraceError(Exception):
    """Base class: an internal failure (exit code 1)."""

    exit_code = 1

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = str(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class InputError(QuotetraceError):
    """Bad input or usage (exit code 2)."""

    exit_code = 2


class CorpusNotFound(InputError):
    pass


class EmptyCorpus(InputError):
    pass


class ManifestError(InputError):
    pass


class DecodeError(InputError):
    pass


class GoldFormatError(InputError):
    pass


class UnknownDocument(InputError):
    pass


class IndexCorrupt(InputError):
    pass


class EmptyQuery(InputError):
    pass
