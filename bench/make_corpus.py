"""Write a synthetic corpus: N reports across agencies, years and formats, plus sources.csv.

Usage: python bench/make_corpus.py N OUT [--formats pipe-text,crawler-text,html,markdown] [--seed 0]

Agencies each publish a run of consecutive years (2019–2025), so cross-year checks have work to do;
tables obey the template's arithmetic (xxgk.synth). Files go 1,000 to a sub-folder.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from pathlib import Path

from xxgk.synth import random_report, render_bytes

EXT = {"pipe-text": ".txt", "crawler-text": ".txt", "html": ".html", "markdown": ".md", "docx": ".docx", "pdf": ".pdf"}
DIGITS = "〇一二三四五六七八九"
LEVELS = ["province", "city", "county", "district", "township", "department"]
SUFFIX = {"province": "省人民政府", "city": "市人民政府", "county": "县人民政府", "district": "区人民政府",
          "township": "镇人民政府", "department": "市市场监督管理局"}


def agency_name(i: int, level: str) -> str:
    """A unique agency name without Arabic digits (they would look like a year in a title)."""
    return "样例" + "".join(DIGITS[int(d)] for d in str(i)) + SUFFIX[level]


def make_corpus(n: int, out: Path, formats: list[str], seed: int = 0) -> float:
    """Write n reports under out; return the seconds it took."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    k = i = 0
    while k < n:
        level = LEVELS[i % len(LEVELS)]
        name = agency_name(i, level)
        first = rng.randint(2019, 2024)
        for year in range(first, min(2025, first + rng.randint(1, 7)) + 1):
            if k >= n:
                break
            template = "2019" if year <= 2020 else "2021"
            fmt = formats[k % len(formats)]
            rep = random_report(rng, template, agency=name, year=year)
            rel = f"{k // 1000:04d}/{k:07d}{EXT[fmt]}"
            path = out / rel
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(render_bytes(rep, fmt))
            rows.append({"file": rel, "agency": name, "level": level, "region": f"样例省{DIGITS[i % 10]}市",
                         "year": year, "format": fmt})
            k += 1
        i += 1
    with open(out / "sources.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "agency", "level", "region", "year", "format"])
        w.writeheader()
        w.writerows(rows)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--formats", default="pipe-text,crawler-text,html,markdown")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    secs = make_corpus(a.n, Path(a.out), a.formats.split(","), a.seed)
    print(f"wrote {a.n} reports to {a.out} in {secs:.1f} s")


if __name__ == "__main__":
    main()
