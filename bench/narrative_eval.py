"""Precision and recall of the narrative-figure extractor against hand labels.

Usage: python bench/narrative_eval.py [--labels bench/narrative_labels.csv] [--corpus ../shared/corpus] [-v]

Labels are file + measure + value (+ channel) — no copied sentences. The rules were written looking
at the reports marked ``dev``; reports marked ``heldout`` are labelled before the extractor is run on
them (add new reports that way to measure out-of-sample accuracy; docs/benchmarks.md records the
rounds so far). A figure matches a label with the same file, measure, value and channel (multiset).
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def evaluate(labels_path: Path, corpus: Path, verbose: bool = False) -> dict[str, tuple[int, int, int]]:
    """Per label set (dev, heldout, all): (true positives, extracted, labelled)."""
    from xxgk import parse_file
    from xxgk.figures import extract

    rows = list(csv.DictReader(open(labels_path, encoding="utf-8")))
    out: dict[str, list[int]] = {"dev": [0, 0, 0], "heldout": [0, 0, 0], "all": [0, 0, 0]}
    for file in sorted({r["file"] for r in rows}):
        kind = next(r["set"] for r in rows if r["file"] == file)
        gold = Counter((r["measure"], float(r["value"]), r["channel"] or None) for r in rows if r["file"] == file)
        rep = parse_file(corpus / file)
        got = Counter((f.measure, float(f.value), f.channel) for f in extract(rep.sections))
        tp = sum((gold & got).values())
        for k in (kind, "all"):
            out[k][0] += tp
            out[k][1] += sum(got.values())
            out[k][2] += sum(gold.values())
        if verbose:
            for x in (got - gold).elements():
                print(f"  false positive {file}: {x}")
            for x in (gold - got).elements():
                print(f"  missed {file}: {x}")
    return {k: tuple(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", default=str(ROOT / "bench" / "narrative_labels.csv"))
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    for k, (tp, got, gold) in evaluate(Path(a.labels), Path(a.corpus), a.verbose).items():
        if not gold and not got:
            continue
        p = tp / got if got else 1.0
        r = tp / gold if gold else 1.0
        print(f"{k:8} labelled {gold:3d}  extracted {got:3d}  correct {tp:3d}  precision {p:.3f}  recall {r:.3f}")


if __name__ == "__main__":
    main()
