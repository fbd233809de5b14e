"""Append a batch of hand labels to bench/narrative_labels.csv without showing them.

Usage: python bench/add_labels.py LABELS.csv --set blind1 [--prefix bulk/]

Blind batches are labelled by people who never saw the extractor's output; whoever adds them must not
read them either (docs/benchmarks.md). This script checks the batch (header, set name, measures,
channels, no sentence-length lines), rewrites its file paths relative to ../shared/corpus (``--prefix``),
refuses a set that is already there, appends it, and prints counts only — never a row.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["file", "measure", "value", "channel", "set", "note"]
CHANNELS = {"", "portal", "disclosure_platform", "new_media", "gazette"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("batch")
    ap.add_argument("--set", required=True, help="the batch's set name (every row must carry it)")
    ap.add_argument("--prefix", default="", help="prepended to each file path (e.g. bulk/ for corpus/bulk/raw)")
    ap.add_argument("--labels", default=str(ROOT / "bench" / "narrative_labels.csv"))
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    from xxgk.figures import measures

    with open(a.batch, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        if next(reader) != HEADER:
            sys.exit(f"{a.batch}: header is not {','.join(HEADER)}")
        rows = list(reader)
    problems = []
    for i, r in enumerate(rows, 2):
        if len(r) != len(HEADER):
            problems.append(f"line {i}: {len(r)} fields")
            continue
        if r[4] != a.set:
            problems.append(f"line {i}: set is not {a.set}")
        if r[1] not in set(measures()) - {"other"} | {"none"}:
            problems.append(f"line {i}: unknown measure")
        if r[3] not in CHANNELS:
            problems.append(f"line {i}: unknown channel")
        if r[1] != "none":
            try:
                float(r[2])
            except ValueError:
                problems.append(f"line {i}: value is not a number")
        if len(",".join(r)) >= 120:
            problems.append(f"line {i}: longer than a label (a sentence?)")
    if problems:
        sys.exit(f"{a.batch}: " + "; ".join(problems))
    existing = list(csv.DictReader(open(a.labels, encoding="utf-8")))
    if any(r["set"] == a.set for r in existing):
        sys.exit(f"{a.labels} already has set {a.set}")
    with open(a.labels, "a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        for r in rows:
            w.writerow([a.prefix + r[0]] + r[1:])
    print(f"appended {len(rows)} labels of {len({r[0] for r in rows})} reports as set {a.set}")


if __name__ == "__main__":
    main()
