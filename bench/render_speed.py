"""Rendering speed, incremental re-runs and page sizes.

Usage: python bench/render_speed.py [--n 280] [--year 2023] [--workers 2] [--skip-synthetic] [--skip-bundled]

1. Synthetic corpus (bench/make_corpus.py N): build it, then render every agency page of one year
   (``xxgk report --year Y``'s agency_year pages, one language) on warm kernels, and print agency
   pages per second — from the start, kernel start-up included, and once the kernels are warm.
2. The bundled data (data/raw, what ``make reports`` renders): the whole site in both languages from
   nothing, then the same command again with nothing changed (the second ``make reports``: build and
   report, each a fresh process), and the page sizes per kind.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "render"
BIN = Path(sys.executable).parent


def synthetic(n: int, year: int, workers: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import xxgk
    from make_corpus import make_corpus
    from xxgk import render

    raw, data, site = OUT / f"raw-{n}", OUT / f"data-{n}", OUT / f"site-{n}"
    if not (raw / "sources.csv").exists():
        make_corpus(n, raw, ["pipe-text", "crawler-text", "html", "markdown"])
    xxgk.build([raw], data, progress=False)
    ds = xxgk.load(data)
    jobs = [j for j in render.plan(ds, str(data.resolve()), ("zh",))
            if j.notebook == "agency_year" and j.group["year"] == year]
    shutil.rmtree(site, ignore_errors=True)
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    with render.quiet_kernels():
        results = render.render_all(jobs, site, workers, progress=False)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0  # the workers and their kernels, start-up included
    failed = [r for r in results if r[1]]
    secs = sorted(r[2] for r in results if not r[1])
    warm = secs[workers:]  # each worker's first page carries its kernel's start-up
    print(f"synthetic corpus: {n} reports, {len(jobs)} agency pages of {year}, {workers} workers")
    print("| measure | value |\n|---|---:|")
    print(f"| agency pages rendered | {len(jobs) - len(failed)} (failed {len(failed)}) |")
    print(f"| wall time, kernel start-up included | {wall:.1f} s |")
    print(f"| agency pages/s, start-up included | {len(jobs) / wall:.2f} |")
    if warm:
        print(f"| agency pages/s once warm ({workers} × 1 / median page time) | "
              f"{workers / statistics.median(warm):.2f} |")
        print(f"| median seconds per page in a worker | {statistics.median(warm):.2f} |")
    print(f"| CPU seconds per page (workers + kernels, start-up included) | {cpu / len(jobs):.2f} |")
    print(f"| agency pages/s the CPU time allows on {workers} free cores | {workers * len(jobs) / cpu:.2f} |")
    print(f"| load average while measuring (the machine is shared when above ~{workers}) | "
          f"{os.getloadavg()[0]:.1f} |")
    for r in failed[:5]:
        print(f"  failed: {r[0]}: {r[1]}")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def bundled(workers: int) -> None:
    data, site = OUT / "bundled-data", OUT / "bundled-site"
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    build = [str(BIN / "xxgk"), "build", "data/raw", "--out", str(data), "--no-progress"]
    report = [str(BIN / "xxgk"), "report", "--data", str(data), "--out", str(site), "--no-progress",
              "--workers", str(workers)]
    first = _run(build) + _run(report)
    second_build = _run(build)
    second_report = _run(report)
    pages = list(site.rglob("*.html"))
    print(f"\nbundled data (data/raw): {len(pages)} pages in zh and en")
    print("| measure | value |\n|---|---:|")
    print(f"| first run: build + render everything | {first:.1f} s ({(len(pages) - 2) / first:.2f} pages/s) |")
    print(f"| second run, nothing changed: build | {second_build:.1f} s |")
    print(f"| second run, nothing changed: report | {second_report:.1f} s |")
    print(f"| second run, nothing changed: total (the second `make reports`) | {second_build + second_report:.1f} s |")
    print("\n| page kind | pages | median KB | max KB |\n|---|---:|---:|---:|")
    kinds = {"agency_year": "agency-year", "trends": "trends", "compare": "comparison"}
    for d, name in kinds.items():
        sizes = [p.stat().st_size / 1024 for p in pages if p.parent.name == d]
        if sizes:
            print(f"| {name} | {len(sizes)} | {statistics.median(sizes):.0f} | {max(sizes):.0f} |")
    for name in ("data_quality.html", "index.html"):
        sizes = [p.stat().st_size / 1024 for p in pages if p.name == name]
        print(f"| {name} | {len(sizes)} | {statistics.median(sizes):.0f} | {max(sizes):.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=280, help="synthetic reports (default 280, as in issue 10)")
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--skip-bundled", action="store_true")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not a.skip_synthetic:
        synthetic(a.n, a.year, a.workers)
    if not a.skip_bundled:
        bundled(a.workers)


if __name__ == "__main__":
    main()
