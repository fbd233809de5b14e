"""Precision and recall of the narrative-figure extractor against hand labels, per label set and measure.

Usage:
    python bench/narrative_eval.py                       # every set of bench/narrative_labels.csv
    python bench/narrative_eval.py --set dev -v          # dev only, with every miss and false positive
    python bench/narrative_eval.py --labels L.csv --corpus DIR   # labels whose paths are relative to DIR

Labels follow ``bench/labelling-guide.md``: file + measure + value + channel, no copied sentences. A
figure matches a label with the same file, measure, value and channel (as multisets). Reports marked
``dev`` are the ones the vocabulary was written against; ``blind1``/``blind2`` were labelled by other
people before the extractor ever ran on them. For those sets this script prints aggregate figures only:
never a file name, a sentence or a single figure (``-v`` is refused), so scoring them cannot leak into
the rules. docs/benchmarks.md records the rounds.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DETAIL_SETS = {"dev"}  # the only sets whose per-file detail may be printed


def _key(measure: str, value: str, channel: str) -> tuple[str, float, str | None]:
    return measure, float(value), channel or None


def _gold(rows: list[dict]) -> Counter:
    return Counter(_key(r["measure"], r["value"], r["channel"]) for r in rows if r["measure"] != "none")


def _extracted(path: Path) -> Counter | None:
    from xxgk import parse_file
    from xxgk.document import ReportError

    try:
        rep = parse_file(path)
    except ReportError:
        return None
    return Counter((f.measure, float(f.value), f.channel) for f in rep.figures)


def evaluate(labels_path: Path, corpus: Path, sets: set[str] | None = None, detail: list | None = None
             ) -> dict[str, dict[str, list[int]]]:
    """Per label set and measure, plus ``blind`` (every blind set) and ``all``: [true positives, extracted,
    labelled, files, unparsed] (measure ``*``: every measure).

    ``detail``, when given, receives (set, file, 'missed'|'false positive', figure) for sets in
    DETAIL_SETS only.
    """
    rows = [r for r in csv.DictReader(open(labels_path, encoding="utf-8")) if not sets or r["set"] in sets]
    by_file: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_file[r["file"]].append(r)
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0, 0]))
    for file, frows in sorted(by_file.items()):
        kind = frows[0]["set"]
        gold = _gold(frows)
        got = _extracted(corpus / file)
        groups = (kind, "blind", "all") if kind.startswith("blind") else (kind, "all")
        for k in groups:
            out[k]["*"][3] += 1
            if got is None:
                out[k]["*"][4] += 1
        got = got or Counter()
        for measure in {m for m, _, _ in gold} | {m for m, _, _ in got}:
            g = Counter({x: n for x, n in gold.items() if x[0] == measure})
            e = Counter({x: n for x, n in got.items() if x[0] == measure})
            for k in groups:
                for m in (measure, "*"):
                    out[k][m][0] += sum((g & e).values())
                    out[k][m][1] += sum(e.values())
                    out[k][m][2] += sum(g.values())
        if detail is not None and kind in DETAIL_SETS:
            detail += [(kind, file, "false positive", x) for x in sorted((got - gold).elements())]
            detail += [(kind, file, "missed", x) for x in sorted((gold - got).elements())]
    order = sorted(out, key=lambda k: (k == "all", k == "blind", k != "dev", k))
    return {k: dict(out[k]) for k in order}


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  —  "


def report(res: dict[str, dict[str, list[int]]]) -> str:
    """The table printed by main(): one block per set, one line per measure."""
    lines = []
    for name, per in res.items():
        tp, got, gold, files, unparsed = per["*"]
        lines.append(f"{name}: {files} reports ({unparsed} not parsed), labelled {gold}, extracted {got}, "
                     f"correct {tp}, precision {_ratio(tp, got)}, recall {_ratio(tp, gold)}")
        lines.append(f"  {'measure':24} {'labelled':>8} {'extracted':>9} {'correct':>7} {'precision':>9} "
                     f"{'recall':>7}")
        for m in sorted(k for k in per if k != "*"):
            tp, got, gold = per[m][:3]
            lines.append(f"  {m:24} {gold:8d} {got:9d} {tp:7d} {_ratio(tp, got):>9} {_ratio(tp, gold):>7}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", default=str(ROOT / "bench" / "narrative_labels.csv"))
    ap.add_argument("--corpus", default=str(Path(os.environ.get("XXGK_SHARED") or ROOT.parent / "shared") / "corpus"),
                    help="folder the labels' file paths are relative to")
    ap.add_argument("--set", action="append", help="only these label sets (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses and false positives (dev only)")
    a = ap.parse_args()
    sets = set(a.set) if a.set else None
    if a.verbose and (sets is None or not sets <= DETAIL_SETS):
        sys.exit(f"-v prints single figures; allowed only with --set {' / '.join(sorted(DETAIL_SETS))}")
    sys.path.insert(0, str(ROOT / "lib"))
    detail: list = []
    res = evaluate(Path(a.labels), Path(a.corpus), sets, detail if a.verbose else None)
    print(report(res))
    for _kind, file, what, fig in detail:
        print(f"  {what:14} {file}: {fig}")


if __name__ == "__main__":
    main()
