"""Parse speed per input format: reports/second on one core, over the real corpus and synthetic reports.

Usage: python bench/parse_speed.py [--seconds 3] [--corpus ../shared/corpus/raw]

Each file is read from memory (bytes) and taken through read → parse → checks; the time budget per
format is split into 5 repeats and the median and best rates are printed (a shared virtual machine
is noisy; the best repeat is the least disturbed one, as timeit reports). One process, so the figure
is per core. Synthetic reports (random valid tables, see xxgk.synth) are measured too, so the
benchmark runs without ../shared.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from pathlib import Path

from xxgk import ReportError, parse_bytes
from xxgk.readers import detect
from xxgk.readers.decode import decode
from xxgk.synth import ALL_FORMATS, random_report, render_bytes

ROOT = Path(__file__).resolve().parents[1]


def _format_of(data: bytes) -> str:
    try:
        text = decode(data)[0]
    except UnicodeError:
        text = None
    return detect(data, text)


def measure(files: list[tuple[str, bytes]], seconds: float) -> tuple[int, float]:
    """Parse the files round-robin for ``seconds``; return (reports parsed, elapsed)."""
    n, t0 = 0, time.perf_counter()
    while True:
        for name, data in files:
            parse_bytes(data, name)
            n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return n, elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="time budget per format")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "raw"))
    a = ap.parse_args()
    groups: dict[str, list] = defaultdict(list)
    corpus = Path(a.corpus)
    skipped = []
    if corpus.is_dir():
        for p in sorted(corpus.iterdir()):
            data = p.read_bytes()
            try:
                parse_bytes(data, p.name)
            except ReportError as exc:
                skipped.append(f"{p.name} ({exc.reason})")
                continue
            groups[f"corpus {_format_of(data)}"].append((p.name, data))
    rng = random.Random(0)
    for fmt in ALL_FORMATS:
        for i in range(50 if fmt not in ("pdf", "docx") else 10):
            rep = random_report(rng)
            groups[f"synthetic {fmt}"].append((f"s{i}", render_bytes(rep, fmt)))
    print(f"{'input':28} {'files':>5} {'parsed':>8} {'median/s/core':>14} {'best/s/core':>12}")
    for name in sorted(groups):
        files = groups[name]
        runs = [measure(files, a.seconds / 5) for _ in range(5)]
        rates = sorted(n / elapsed for n, elapsed in runs)
        print(f"{name:28} {len(files):5d} {sum(n for n, _ in runs):8d} {rates[2]:14.0f} {rates[-1]:12.0f}")
    for s in skipped:
        print(f"not measured (rejected by the parser): {s}")


if __name__ == "__main__":
    main()
