"""Make the committed scanned test fixture: the Table 3 page of a synthetic report, scanned.

The page is rendered at 150 dpi from :func:`xxgk.synth.render_pdf` and degraded by
:mod:`xxgk.scans` (grey paper, a 1–2° skew, a red seal over the table, noise, JPEG), then saved as a
JPEG. tests/unit/test_ocr.py regenerates the truth from the same seed. Run once:

    python scripts/make_scan_fixtures.py
"""

from __future__ import annotations

import random
from pathlib import Path

from xxgk.scans import degrade, page_images
from xxgk.synth import random_report, render_pdf

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "scan"
SEED, TEMPLATE, DPI = 21, "2019", 150
NAME = "synth-table3.jpg"


def report():
    """The synthetic report the fixture shows (its Table 3 is the truth)."""
    return random_report(random.Random(SEED), TEMPLATE)


def table3_page(pdf: bytes) -> int:
    """Index of the page that prints Table 3's first row."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return next(i for i in range(len(doc)) if "本年新收" in doc[i].get_textpage().get_text_range())
    finally:
        doc.close()


def main() -> None:
    pdf = render_pdf(report())
    page = page_images(pdf, DPI, [table3_page(pdf)])[0]
    img = degrade(page, DPI, ("grey", "rotate", "stamp", "noise"), random.Random(SEED))
    OUT.mkdir(parents=True, exist_ok=True)
    img.save(OUT / NAME, "JPEG", quality=60, dpi=(DPI, DPI))
    print(OUT / NAME, (OUT / NAME).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
