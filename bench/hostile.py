"""Peak memory and time of every hostile input of issue 12, at the sizes the issue reported.

Usage: python bench/hostile.py [--workdir bench/out/hostile] [--skip-build]

Each input is written to the work folder (tests/faults/inputs.py rebuilds them from the issue's
descriptions), then `xxgk parse FILE` runs on it in a fresh process; the peak resident memory of that
process and its parsing child (wait4's rusage) and the wall time (including the start of Python) are
printed with the first line of the outcome. The digit-run inputs are also timed through the library (`xxgk.parse_bytes`, which has
no time limit: the solver's own bounds must hold). Last, all of them are built together with four good
reports (`xxgk build`), and the build's time and its workers' peak memory are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.faults import inputs  # noqa: E402

RAW = ROOT / "data" / "raw"
GOOD = ["shanhaiguan-2023.txt", "shanghai-gov-office-2019.html", "pingtan-2023.txt", "shanghai-stcsm-2024.md"]


def _crawler_row(length: int, digit: str) -> bytes:
    text = (RAW / "pingtan-2023.txt").read_text(encoding="utf-8")
    row = "本年新收政府信息公开申请数量"
    i = text.index(row) + len(row)
    j = i
    while text[j].isdigit():
        j += 1
    return (text[:i] + (digit * length)[:length] + text[j:]).encode("utf-8")


def _report_pdf() -> bytes:
    from xxgk.synth import random_report, render_pdf

    return render_pdf(random_report(random.Random(3), "2021"))


def cases() -> list[tuple[str, str, object]]:
    """(file name, what the issue reported, how to make it)."""
    html = (RAW / "shanghai-gov-office-2019.html").read_text(encoding="utf-8")
    seed = (RAW / "shanhaiguan-2023.txt").read_text(encoding="utf-8")
    return [
        ("paragraphs-645k.docx", "645 KB .docx of tiny paragraphs: 3.5 GB", lambda: inputs.docx_tiny_paragraphs(6_000_000)),
        ("paragraphs-6m.docx", "6 MB one: over 15 GB", lambda: inputs.docx_tiny_paragraphs(60_000_000)),
        ("whitespace-2m.docx", "2 MB .docx of whitespace: 4.2 GB", lambda: inputs.docx_whitespace(2000)),
        ("flood-14400pt.pdf", "70 KB PDF, one 14,400-pt page of 23 million glyphs: 4.9 GB, then internal error",
         inputs.pdf_glyph_flood),
        ("dense-a4.pdf", "(new) A4 page of 11 million glyphs: 1.6 GB in PDFium's text page", inputs.pdf_dense_a4),
        ("forms-a4.pdf", "(new) one form of 1,000 glyphs drawn 20,000 times", inputs.pdf_form_flood),
        ("huge-210mb.html", "210 MB HTML: the build ends in DuckDB's OutOfMemoryException", None),
        ("cells-3m.txt", "(new) 3 MB of pipe text: 3 million cells", inputs.many_cells),
        ("int64.txt", "pipe-text cell of 23 digits: build ends with ArrowInvalid",
         lambda: seed.replace("新收政府信息公开申请数量 | 2 |", "新收政府信息公开申请数量 | 12345678901234567890123 |")
         .encode("utf-8")),
        ("run-60.txt", "Table 3 row of 60 run-together digits: 3.3 s", lambda: _crawler_row(60, "1")),
        ("run-80.txt", "80 digits: 17.7 s", lambda: _crawler_row(80, "1")),
        ("run-100.txt", "100 digits: > 30 s", lambda: _crawler_row(100, "1")),
        ("runs-400.txt", "3 KB file of 400-digit runs: the whole 60 s", inputs.long_digit_runs),
        ("runs-56.txt", "(new) 8 rows of 56 digits, the longest plausible: the step budgets", lambda:
         inputs.long_digit_runs(runs=8, length=56)),
        ("deep-300.html", "HTML nested > 255 deep: silently 'not a report'", lambda: inputs.html_nested(html, 300)),
        ("deep-3000.html", "(new) nested 3,000 deep", lambda: inputs.html_nested(html, 3000)),
        ("after-61-pages.pdf", "report after page 60: 'not a report', pages not said",
         lambda: inputs.pdf_after_pages(_report_pdf(), 61)),
        ("utf16-meta.html", "declares utf-16, holds UTF-8: garbage, 'not a report'",
         lambda: inputs.utf16_declared_utf8(html)),
    ]


_LAUNCH = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); _, _, u = os.wait4(p.pid, 0); "
           "open(sys.argv[1], 'w').write(str(u.ru_maxrss))")


def run_parse(path: Path | str) -> tuple[float, float, str]:
    """Wall seconds, peak MB (the CLI and its child) and the first line of the outcome of `xxgk parse`.

    The peak is wait4's rusage of the command, taken by a small launcher process: Linux keeps a
    process's peak across exec, so a command started straight from this (larger) process would report
    this process's size as its own floor.
    """
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r") as peak:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", _LAUNCH, peak.name, sys.executable, "-m", "xxgk.cli", "parse",
                        str(path)], stdout=out, stderr=err, check=True)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        peak_mb = int(peak.read()) / 1024
    text = (stderr or stdout).strip().splitlines()
    line = text[0] if text else ""
    if not stderr:
        flags = next((ln.strip() for ln in text if "flagged cells" in ln), "")
        line = f"parsed; {flags}" if flags else "parsed"
    return seconds, peak_mb, line.replace(str(path), "FILE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default=str(ROOT / "bench" / "out" / "hostile"))
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    src = work / "in"
    src.mkdir(parents=True)
    made = []
    for name, before, make in cases():
        p = src / name
        if make is None:
            inputs.sparse_file(p, 210 * 1000 * 1000, (RAW / "shanghai-gov-office-2019.html").read_bytes())
        else:
            p.write_bytes(make())
        made.append((name, before, p))
    fifo = src / "pipe.fifo"
    os.mkfifo(fifo)
    made += [("/dev/zero", "xxgk parse /dev/zero: reads until memory runs out", Path("/dev/zero")),
             ("pipe.fifo", "a FIFO: waits the full 60 s", fifo)]

    print("| input | size | issue reported | now: outcome | time | peak memory |")
    print("|---|---:|---|---|---:|---:|")
    for name, before, p in made:
        size = p.stat().st_size if p.is_file() else 0
        seconds, peak, line = run_parse(p)
        print(f"| {name} | {size / 1e6:,.2f} MB | {before} | {line[:150]} | {seconds:.2f} s | {peak:,.0f} MB |")

    from xxgk import parse_bytes

    print("\nLibrary API (xxgk.parse_bytes, no time limit), best of 3:")
    for name in ("run-60.txt", "run-80.txt", "run-100.txt", "runs-400.txt", "runs-56.txt"):
        data = (src / name).read_bytes()
        best = min(_timed(parse_bytes, data, name) for _ in range(3))
        print(f"  {name}: {best * 1000:.1f} ms")

    if args.skip_build:
        return
    os.unlink(fifo)  # a FIFO is refused by type in a build too (see tests/faults), but here it would only add noise
    for g in GOOD:
        shutil.copy(RAW / g, src / g)
    from xxgk.builder import build

    t0 = time.perf_counter()
    res = build([src], work / "out", workers=2, progress=False)
    print(f"\nxxgk build of the {len(made) - 2} files above with {len(GOOD)} good reports, 2 workers: "
          f"{time.perf_counter() - t0:.1f} s, {res.reports} reports, {res.errors} errors, "
          f"workers' peak memory {res.worker_peak_mb:,.0f} MB")


def _timed(fn, *a) -> float:
    t0 = time.perf_counter()
    fn(*a)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
