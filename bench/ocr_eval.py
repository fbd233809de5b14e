"""OCR accuracy and speed on scans with known answers, per resolution and degradation.

Usage: python bench/ocr_eval.py [--dpi 100 150 200] [--profiles clean degraded] [--synthetic 3]
                                [--seeds 1] [--gold ../shared/corpus]

Sources with known cells: the real ``hongze-2024.pdf`` (gold values in ../shared/corpus/gold; skipped
when ../shared is absent) and synthetic reports (:func:`xxgk.synth.render_pdf`, truth from the
generator). Each is rendered to page images at each resolution, degraded (:mod:`xxgk.scans`:
``clean``, or ``degraded`` = blur + JPEG 40–70 + rotation ±1–2° + noise + grey paper + a red seal
over the tables) and wrapped as an image-only PDF, then parsed by ``xxgk.parse_bytes`` in this one
process with one onnxruntime thread (so reports/s is per core).

Printed per source kind × resolution × profile:

* ``right%``: share of template cells whose value equals the truth (a blank or '/' cell for a true 0
  counts as right; a ``missing`` cell only where the text-layer original does not print the row
  either: the scan must parse to the same cells as its original);
* ``unflagged_wrong``: cells with a wrong number and no warning flag — flag null or ``ocr`` (a value
  flagged only as OCR-read counts as unflagged here: the worst outcome, which must stay 0);
* ``flagged``: cells not right but flagged ambiguous / invalid / missing / recovered-wrong;
* ``recovered``: cells the rules corrected (right value, flag recovered);
* ``reports_per_s``: reports parsed per second on one core (pages rendered beforehand).

Also prints the confidence of right and wrong readings, which sets ``xxgk.recognition.LOW``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("XXGK_OCR_THREADS", "1")

from xxgk import ReportError, parse_bytes  # noqa: E402
from xxgk.scans import PROFILES, scan  # noqa: E402
from xxgk.synth import random_report, render_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
UNFLAGGED = (None, "ocr")


def sources(gold_root: Path, n_synth: int) -> list[tuple[str, str, bytes, dict]]:
    """(kind, name, text-layer PDF, truth {table: {key: value}})."""
    out = []
    gold = gold_root / "gold" / "hongze-2024.json"
    if gold.exists():
        g = json.loads(gold.read_text(encoding="utf-8"))
        pdf = (gold_root / g["file"]).read_bytes()
        original = parse_bytes(pdf, g["file"])  # rows the text layer does not print stay missing
        truth = {t: {tuple(k.split(".")): None if getattr(original, t)[tuple(k.split("."))].flag == "missing"
                     else v for k, v in g[t].items()} for t in ("table2", "table3", "table4")}
        out.append(("hongze-2024", "hongze-2024", pdf, truth))
    for i in range(n_synth):
        rep = random_report(random.Random(1000 + i), "2021" if i % 2 == 0 else "2019")
        truth = {t: dict(getattr(rep, t)) for t in ("table2", "table3", "table4")}
        out.append(("synthetic", f"synthetic-{i}", render_pdf(rep), truth))
    return out


def score(report, truth: dict) -> dict:
    """Per-cell comparison of a parsed report with the truth."""
    s = {"cells": 0, "right": 0, "unflagged_wrong": 0, "flagged": 0, "recovered": 0, "conf_right": [],
         "conf_wrong": [], "wrong": []}
    for table, cells in truth.items():
        got = getattr(report, table)
        for key, want in cells.items():
            cv = got.get(key)
            s["cells"] += 1
            v = None if cv is None else cv.value
            right = cv is not None and ((v is not None and want is not None and float(v) == float(want)) or
                                        (v is None and want == 0 and cv.flag in ("blank", "na")) or
                                        (want is None and cv.flag == "missing"))
            if cv is not None and cv.confidence is not None and v is not None:
                (s["conf_right"] if right else s["conf_wrong"]).append(cv.confidence)
            if right:
                s["right"] += 1
                s["recovered"] += cv.flag == "recovered"
            elif v is not None and cv.flag in UNFLAGGED:
                s["unflagged_wrong"] += 1
                s["wrong"].append(f"{table}.{'.'.join(key)} want {want} got {v} ({cv.raw!r} {cv.confidence})")
            else:
                s["flagged"] += 1
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dpi", type=int, nargs="+", default=[100, 150, 200])
    ap.add_argument("--profiles", nargs="+", default=list(PROFILES), choices=list(PROFILES))
    ap.add_argument("--synthetic", type=int, default=3, help="synthetic reports per setting")
    ap.add_argument("--seeds", type=int, default=1, help="degradation seeds per source")
    ap.add_argument("--gold", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--verbose", "-v", action="store_true", help="list unflagged wrong cells")
    a = ap.parse_args()
    srcs = sources(Path(a.gold), a.synthetic)
    print(f"{'source':<12} {'dpi':>4} {'profile':<9} {'reports':>7} {'cells':>9} {'right%':>7} "
          f"{'unflagged_wrong':>15} {'flagged':>7} {'recovered':>9} {'reports/s':>9}")
    conf_right, conf_wrong = [], []
    for kind in dict.fromkeys(k for k, *_ in srcs):
        for dpi in a.dpi:
            for profile in a.profiles:
                tot = {"cells": 0, "right": 0, "unflagged_wrong": 0, "flagged": 0, "recovered": 0}
                secs, n, failed = 0.0, 0, 0
                for _, name, pdf, truth in (s for s in srcs if s[0] == kind):
                    for seed in range(a.seeds):
                        data = scan(pdf, dpi, PROFILES[profile], seed=seed)
                        t0 = time.perf_counter()
                        try:
                            rep = parse_bytes(data, f"{name}-{dpi}-{profile}-{seed}.pdf")
                        except ReportError as exc:
                            failed += 1
                            print(f"  {name} {dpi} {profile}: {exc.reason}")
                            continue
                        finally:
                            secs += time.perf_counter() - t0
                        n += 1
                        s = score(rep, truth)
                        for k in tot:
                            tot[k] += s[k]
                        conf_right += s["conf_right"]
                        conf_wrong += s["conf_wrong"]
                        if a.verbose:
                            for w in s["wrong"]:
                                print(f"    UNFLAGGED {name} {dpi} {profile}: {w}")
                pct = 100 * tot["right"] / max(1, tot["cells"])
                print(f"{kind:<12} {dpi:>4} {profile:<9} {n:>7} {tot['cells']:>9} {pct:>6.1f}% "
                      f"{tot['unflagged_wrong']:>15} {tot['flagged']:>7} {tot['recovered']:>9} "
                      f"{n / max(secs, 1e-9):>9.2f}" + (f"  ({failed} failed)" if failed else ""))
    bins = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01]
    print("\nconfidence of OCR readings kept as values: right / wrong per bin")
    for lo, hi in zip(bins, bins[1:], strict=False):
        r = sum(lo <= c < hi for c in conf_right)
        w = sum(lo <= c < hi for c in conf_wrong)
        print(f"  [{lo:.2f}, {min(hi, 1):.2f}{')' if hi <= 1 else ']'}: {r:>6} right {w:>4} wrong")


if __name__ == "__main__":
    main()
