"""Build the background table of stock phrases shipped in src/quotetrace/data/.

Why: a 6-gram that recurs across many independent official documents (government work
reports, congress reports, resolutions) is a stock formula (以习近平同志为核心的党中央 …),
not evidence that one text reused another. We learn that table once from an independent
reference corpus of official texts (../shared/corpora/cn-official by default), never from the
documents being traced, and the aligner discounts characters covered only by stock 6-grams.

    python tools/build_stock_ngrams.py [TEXTS_DIR] [--min-df 5]
"""

from __future__ import annotations

import argparse
import collections
import gzip
from pathlib import Path

from quotetrace.index import compact as index_compact

K = 6


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    p = argparse.ArgumentParser()
    p.add_argument("texts", nargs="?", default=str(here.parent / "shared/corpora/cn-official/texts"))
    p.add_argument("--min-df", type=int, default=5)
    p.add_argument("--out", default=str(here / "src/quotetrace/data/stock_6grams.txt.gz"))
    a = p.parse_args()
    df: collections.Counter[str] = collections.Counter()
    files = sorted(Path(a.texts).glob("*.txt"))
    for f in files:
        text = f.read_text(encoding="utf-8")
        compact, _ = index_compact(text)  # the aligner's keys: lower-cased, script-folded
        df.update({compact[i : i + K] for i in range(len(compact) - K + 1)})
    grams = sorted(g for g, n in df.items() if n >= a.min_df)
    with gzip.open(a.out, "wt", encoding="utf-8") as fh:
        fh.write(f"# {K}-grams in >= {a.min_df} of {len(files)} reference documents\n")
        fh.write("\n".join(grams) + "\n")
    print(f"{len(grams)} stock {K}-grams from {len(files)} files -> {a.out}")


if __name__ == "__main__":
    main()
