"""Scale benchmark: build N synthetic reports and time the typical queries.

Usage: python bench/scale.py [--n 10000 100000] [--workdir bench/out] [--workers 2] [--keep]

For each N: writes the corpus (bench/make_corpus.py), builds it with `xxgk.build` on all cores and
prints reports/second per format per core (CPU time in the workers), wall time, peak memory of the
whole build (main process and workers, sampled from /proc), the size of the output, and the time of
typical queries: one agency's trend and one year's comparison, each through `xxgk.load()` /
`xxgk.dataset` and through `xxgk.sql`, and the data-quality summary.
"""

from __future__ import annotations

import argparse
import os
import shutil
import threading
import time
from pathlib import Path

import xxgk
from make_corpus import make_corpus
from xxgk import dataset
from xxgk.builder import build

ROOT = Path(__file__).resolve().parents[1]


class PeakMemory:
    """Peak memory of this process and all its descendants, sampled from Linux /proc.

    Counts PSS (proportional set size): a page shared by the forked workers is split between them
    instead of being counted once per process, so the figure is the memory the build really uses.
    """

    def __init__(self, every: float = 0.1):
        self.every, self.peak, self._stop = every, 0, threading.Event()

    def _tree(self) -> int:
        me = os.getpid()
        children: dict[int, list[int]] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parts = fh.read().rsplit(")", 1)[1].split()
                children.setdefault(int(parts[1]), []).append(int(d))
            except (OSError, IndexError, ValueError):
                continue
        total, todo = 0, [me]
        tree = []
        while todo:
            p = todo.pop()
            tree.append(p)
            todo += children.get(p, [])
        for p in tree:
            try:
                with open(f"/proc/{p}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except (OSError, IndexError, ValueError):
                continue
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree())
            time.sleep(self.every)

    def __enter__(self):
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(n: int, work: Path, workers: int) -> None:
    raw, out = work / f"raw-{n}", work / f"processed-{n}"
    if not (raw / "sources.csv").exists():
        secs = make_corpus(n, raw, ["pipe-text", "crawler-text", "html", "markdown"])
        print(f"[{n}] corpus written in {secs:.0f} s ({size_of(raw) / 1e6:.0f} MB)")
    shutil.rmtree(out, ignore_errors=True)
    with PeakMemory() as mem:
        res = build([raw], out, workers=workers, progress=False)
    print(f"[{n}] build: {res.reports} reports, {res.errors} errors, wall {res.seconds:.1f} s "
          f"({res.reports / res.seconds:.0f} reports/s on {workers} workers), peak memory {mem.peak / 2**20:.0f} MB, "
          f"output {size_of(out) / 1e6:.1f} MB")
    for fmt, (count, cpu) in sorted(res.per_format.items()):
        print(f"[{n}]   {fmt:14} {count:7d} reports, {count / cpu:7.0f} reports/s per core (worker CPU time)")
    reps = xxgk.sql("select agency, count(*) n from reports group by agency order by n desc limit 1", out)
    agency = reps["agency"].iloc[0]
    t, ds = timed(lambda: xxgk.load(out, agency=agency))
    t2, _ = timed(lambda: ds.year_over_year)
    print(f"[{n}] one agency's trend via load(agency=…): {t:.3f} s load + {t2:.3f} s year_over_year")
    t, _ = timed(lambda: xxgk.sql(
        "select r.year, a.value from applications a join reports r using (report_id) "
        f"where r.agency = '{agency}' and a.row = 'new_received' and a.applicant = 'total' order by r.year", out))
    print(f"[{n}] one agency's trend via xxgk.sql: {t:.3f} s")
    t, table = timed(lambda: dataset.comparison(2023, out))
    print(f"[{n}] one year's comparison via xxgk.dataset.comparison: {t:.3f} s ({len(table)} agencies)")
    t, _ = timed(lambda: xxgk.sql(
        "select r.agency, sum(case when a.row = 'granted' then a.value end) / nullif(sum(case when "
        "a.row = 'total_processed' then a.value end), 0) as granted_share from applications a join reports r "
        "using (report_id) where r.year = 2023 and a.applicant = 'total' group by r.agency", out))
    print(f"[{n}] one year's comparison via xxgk.sql: {t:.3f} s")
    t, _ = timed(lambda: dataset.quality(out))
    print(f"[{n}] quality summary via xxgk.dataset.quality: {t:.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10000])
    ap.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", action="store_true", help="keep the corpus and datasets")
    a = ap.parse_args()
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in a.n:
            run(n, work, a.workers)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
