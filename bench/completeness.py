"""How complete the parsed reports are, and how much evidence outside the tables settles.

Usage: python bench/completeness.py [--shared ../shared]

Prints, for the real reports of ../shared/corpus:
- bulk: the share of the 77 bulk reports that are complete (every check passed, no ambiguous cell) when
  built together (so that neighbouring years can settle each other), and the cells settled by evidence;
- gold: exact reports and wrong cells against the hand-verified gold, parsing each file alone (what
  `xxgk parse FILE --json` and score_gold.py see) and building them with the bulk reports of the same
  agencies (the build's evidence across years), with the number of inferred cells that differ from gold.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _complete(out: Path) -> tuple[int, int, int]:

    import xxgk

    r = xxgk.sql("select count(*) n, count(*) filter (where is_complete) c, "
                 "(select count(*) from (select flag from active_disclosure union all select flag from applications "
                 "union all select flag from review_litigation) where flag = 'inferred') i from reports", out)
    return int(r["n"].iloc[0]), int(r["c"].iloc[0]), int(r["i"].iloc[0])


def _score(golds: list[dict], cells_of) -> tuple[int, int, int]:
    """(exact reports, cells not known or wrong, inferred cells differing from gold) over the gold reports,
    ``cells_of(gold)`` giving a report's cells as {(table, key): (value, flag)}."""
    exact = wrong = bad = 0
    for g in golds:
        w, bi = _compare(cells_of(g), g)
        exact += w == 0
        wrong += w
        bad += bi
    return exact, wrong, bad


def _gold_cells(gold: dict) -> dict:
    return {(t, tuple(k.split("."))): v for t in ("table2", "table3", "table4") for k, v in gold[t].items()}


def _compare(cells: dict, gold: dict) -> tuple[int, int]:
    """Wrong cells and inferred cells that differ from gold."""
    wrong = inferred_wrong = 0
    for key, g in _gold_cells(gold).items():
        value, flag = cells.get(key, (None, "missing"))
        good = (value is not None and float(value) == float(g)) or (value is None and g in (0, None))
        wrong += not good
        inferred_wrong += (not good) and flag == "inferred"
    return wrong, inferred_wrong


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    a = ap.parse_args()
    corpus = Path(a.shared) / "corpus"
    import pandas as pd

    import xxgk
    from xxgk.builder import build

    tmp = Path(tempfile.mkdtemp(prefix="xxgk-completeness-"))
    try:
        build([corpus / "bulk"], tmp / "bulk", progress=False)
        n, c, i = _complete(tmp / "bulk")
        print(f"bulk: {c} of {n} reports complete ({c / n:.1%}); {i} cells inferred from evidence outside the tables")

        golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((corpus / "gold").glob("*.json"))]
        def parsed_alone(g: dict) -> dict:
            rep = xxgk.parse_file(corpus / g["file"])
            return {(t, k): (cv.value, cv.flag) for t in ("table2", "table3", "table4")
                    for k, cv in getattr(rep, t).items()}

        exact, wrong_cells, bad_inferred = _score(golds, parsed_alone)
        print(f"gold, each file alone: {exact} of {len(golds)} reports exact, {wrong_cells} cells not known or "
              f"wrong, {bad_inferred} inferred cells differing from gold")

        both = tmp / "both"
        both.mkdir()
        rows = []
        for folder, sources in ((corpus, corpus / "sources.csv"), (corpus / "bulk", corpus / "bulk" / "sources.csv")):
            with open(sources, encoding="utf-8", newline="") as fh:
                for r in csv.DictReader(fh):
                    name = Path(r["file"]).name
                    if (folder / r["file"]).exists():
                        shutil.copy(folder / r["file"], both / name)
                        rows.append({"file": name, "agency": r["agency"], "level": r["level"],
                                     "region": r["region"], "year": r["year"]})
        with open(both / "sources.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, ["file", "agency", "level", "region", "year"])
            w.writeheader()
            w.writerows(rows)
        build([both], tmp / "both-ds", progress=False)
        ds = xxgk.load(tmp / "both-ds")
        by_file = ds.reports.set_index("source_file")["report_id"]
        frames = {"table2": (ds.active_disclosure, "item", "measure"), "table3": (ds.applications, "row", "applicant"),
                  "table4": (ds.review_litigation, "proceeding", "outcome")}
        def built(g: dict) -> dict:
            rid = by_file.get(Path(g["file"]).name)
            cells = {}
            for t, (df, k1, k2) in frames.items():
                sub = df[df["report_id"] == rid]
                values = sub["value"].astype("Float64").fillna(sub["amount"]) if "amount" in sub else sub["value"]
                for x, y, v, f in zip(sub[k1], sub[k2], values, sub["flag"], strict=True):
                    cells[(t, (str(x), str(y)))] = (None if pd.isna(v) else v, f)
            return cells

        exact, wrong_cells, bad_inferred = _score(golds, built)
        print(f"gold, built with the bulk reports: {exact} of {len(golds)} reports exact, {wrong_cells} cells not known "
              f"or wrong, {bad_inferred} inferred cells differing from gold")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
