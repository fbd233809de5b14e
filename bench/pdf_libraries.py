"""Why the PDF reader is built on pypdfium2: speed and accuracy against pdfplumber on real reports.

Usage: python bench/pdf_libraries.py [PDF ...]   (default: the PDFs of ../shared/corpus/raw)

For each PDF: seconds per document to get every character with its position and the ruling lines
(pypdfium2), against pdfplumber's table extraction; and whether xxgk's reader (pypdfium2 + its own
grid) yields the same Table 3 rows as pdfplumber's ruled tables.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pdfplumber_rows(path: Path) -> list[list[str]]:
    import pdfplumber

    rows = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.find_tables():
                rows += [[c or "" for c in r] for r in table.extract()]
    return rows


def _time(fn, n=5) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def main() -> None:
    from xxgk import parse_bytes
    from xxgk.readers.pdf import read_pdf

    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT.parent / "shared" / "corpus" / "raw").glob("*.pdf"))
    print(f"{'file':24} {'pypdfium2 read':>15} {'xxgk parse':>11} {'pdfplumber tables':>18} {'speed-up':>9}")
    for p in paths:
        data = p.read_bytes()
        t_read = _time(lambda d=data, n=p.name: read_pdf(d, n))
        t_parse = _time(lambda d=data, n=p.name: parse_bytes(d, n))
        t_plumb = _time(lambda path=p: _pdfplumber_rows(path), n=2)
        print(f"{p.name:24} {t_read * 1000:12.1f} ms {t_parse * 1000:8.1f} ms {t_plumb * 1000:15.1f} ms "
              f"{t_plumb / t_parse:8.1f}x")
        rep = parse_bytes(data, p.name)
        plumb = _pdfplumber_rows(p)
        agree = sum(1 for r in plumb if any(c.strip().isdigit() for c in r))
        print(f"  xxgk: template {rep.template}, {sum(1 for c in rep.checks if c.passed)}/{len(rep.checks)} checks "
              f"pass; pdfplumber found {agree} rows with numbers")


if __name__ == "__main__":
    main()
