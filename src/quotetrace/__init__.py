"""quotetrace: where every sentence of official Chinese texts came from and where it went.

The Python API is the one the command line uses (`cli.py` only parses and prints)::

    import quotetrace

    result = quotetrace.trace("data/raw")            # ingest → align → orient, in memory
    for a in result.alignments:                      # quotetrace.model.Alignment, raw spans
        print(a.kind, a.source.doc_id, "→", a.target.doc_id, a.target.span)
    quotetrace.write_outputs(result, "out")          # alignments.jsonl, GraphML, report.json/html

    corpus = quotetrace.load_corpus("data/raw")      # or step by step
    passages = quotetrace.align_corpus(corpus)       # not yet oriented
    oriented = quotetrace.orient_alignments(passages, corpus)
    hits = quotetrace.where_indexed("基础研究是整个科学体系的源头", "data/raw")

Names are imported on first use, so `import quotetrace` stays cheap (the CLI's cold start).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

#: public name → module that defines it. Never the name of a submodule: `from . import report`
#: inside the package would then get this attribute instead of the module.
_API = {
    "trace": "pipeline",
    "trace_indexed": "pipeline",
    "load_corpus": "pipeline",
    "align_corpus": "pipeline",
    "orient_alignments": "pipeline",
    "write_outputs": "pipeline",
    "where_indexed": "pipeline",
    "citation_graph": "pipeline",
    "Config": "config",
    "Alignment": "model",
    "Corpus": "model",
    "Document": "model",
    "Span": "model",
    "QuotetraceError": "errors",
    "InputError": "errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
