"""PDF with a text layer: table rows rebuilt from character positions and the table's ruling lines.

The text stream of a PDF interleaves a vertically printed group label (三/、/本/年/度…) with the
numbers, and puts a two-line label's values between its lines. So rows are not read from the stream:
every character's box and the page's thin path objects (the ruling lines) go to
:mod:`xxgk.readers.layout`, which rebuilds the rows and cells (shared with the OCR reader).

Library choice: pypdfium2 (PDFium) gives every character's box and every path's bounds in ~5 ms a
page; pdfplumber (pdfminer) reads the same table correctly but takes ~80 ms a page (see
bench/parse_speed.py and docs/benchmarks.md), so the grid is rebuilt here on PDFium's output.
"""

from __future__ import annotations

from ..document import Document, ReportError
from ..limits import current
from . import ocr as ocr_reader
from .guards import pdf_glyph_problem, pdf_page_area_problem, pdf_page_content_problem
from .layout import Piece, Rule, page_blocks

THIN = 2.0  # a path thinner than this (pt) is a rule
SCAN_MAX_CHARS = 20  # a page with at most this many characters and mostly images is a scan


def _rules(page, raw) -> tuple[list[Rule], list[Rule]]:
    """Horizontal rules (y, x0, x1) and vertical rules (x, y0, y1) of a page, from thin path objects."""
    hs, vs = [], []
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=4):
        x0, y0, x1, y1 = obj.get_bounds()
        w, h = x1 - x0, y1 - y0
        if h <= THIN and w > 3 * THIN:
            hs.append(((y0 + y1) / 2, x0, x1))
        elif w <= THIN and h > 3 * THIN:
            vs.append(((x0 + x1) / 2, y0, y1))
    return hs, vs


def _scanned(page, raw, count: int) -> bool:
    """A page with (almost) no text whose area is mostly covered by images: a scan."""
    if count > SCAN_MAX_CHARS:
        return False
    w, h = page.get_size()
    covered = 0.0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        x0, y0, x1, y1 = obj.get_bounds()
        covered += max(0.0, min(x1, w) - max(x0, 0)) * max(0.0, min(y1, h) - max(y0, 0))
    return covered >= 0.3 * w * h


def read_pdf(data: bytes, source: str, ocr: bool | None = None) -> Document:
    """Read a PDF's text layer into paragraphs and tables; pages that are scans go to OCR.

    Args:
        data: the file's bytes.
        source: the file's name, for messages.
        ocr: None recognises only pages without a usable text layer; True recognises every page;
            False never runs OCR.

    Raises:
        ReportError: not a readable PDF, encrypted, or a scan that cannot be read (OCR not installed).
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = "encrypted PDF (password required)" if "password" in str(exc).lower() else f"unreadable PDF ({exc})"
        raise ReportError(source, reason, "unreadable") from None
    try:
        n = len(pdf)
        if n == 0:
            raise ReportError(source, "PDF has no pages", "unreadable")
        blocks: list = []
        total_chars = 0
        max_pages = current().pdf_max_pages
        skipped: list[str] = []  # pages beyond a limit, said in the warnings
        ocr_pages = 0
        scans_unread = 0
        for i in range(min(n, max_pages)):
            try:
                problem = pdf_page_area_problem(*pdf.get_page_size(i), i + 1)
                if problem:
                    skipped.append(problem)
                    continue
                page = pdf[i]
                problem = pdf_page_content_problem(page, raw, i + 1)
                if problem:
                    skipped.append(problem)
                    page.close()
                    continue
                tp = page.get_textpage()
            except pdfium.PdfiumError as exc:
                raise ReportError(source, f"damaged PDF: page {i + 1} cannot be read ({exc})", "unreadable") from None
            count = tp.count_chars()
            if ocr or (ocr is None and _scanned(page, raw, count)):
                if ocr is False or not ocr_reader.available() or ocr_pages >= ocr_reader.MAX_PAGES:
                    scans_unread += 1
                else:
                    rgb, dpi = ocr_reader.pdf_page_image(page, ocr_reader.MAX_DPI)
                    page_blocks_, _ = ocr_reader.read_page(rgb, dpi)
                    blocks += page_blocks_
                    ocr_pages += 1
                    total_chars += 1
                tp.close()
                page.close()
                continue
            problem = pdf_glyph_problem(count, total_chars, i + 1)
            if problem:
                skipped.append(problem)
                tp.close()
                page.close()
                if total_chars + count > current().pdf_max_glyphs:
                    break
                continue
            text = tp.get_text_range(0, count) if count else ""
            chars = []
            for k in range(min(count, len(text))):
                ch = text[k]
                if ch in "\r\n" or ch.isspace():
                    continue
                left, _, right, _ = tp.get_charbox(k)  # tight box: where the glyph is
                _, bottom, _, top = tp.get_charbox(k, loose=True)  # loose box: the line it sits on
                chars.append(Piece(ch, (left + right) / 2, (bottom + top) / 2, top - bottom))
            total_chars += len(chars)
            hs, vs = _rules(page, raw)
            blocks += page_blocks(chars, hs, vs)
            tp.close()
            page.close()
        if scans_unread:
            if ocr is not False and not ocr_reader.available():
                if total_chars == 0:
                    raise ReportError(source, f"no text layer (scanned PDF); {ocr_reader.INSTALL_HINT}",
                                      "no_text_layer")
                skipped.append(f"{scans_unread} scanned page(s) not read: {ocr_reader.INSTALL_HINT}")
            elif ocr is not False:
                skipped.append(f"{scans_unread} scanned page(s) beyond the OCR limit of {ocr_reader.MAX_PAGES} "
                               "pages not read")
        if n > max_pages:
            skipped.append(f"only the first {max_pages} of {n} pages were read; the report may lie beyond them")
        if total_chars == 0:
            if skipped and not scans_unread:
                raise ReportError(source, "; ".join(skipped[:3]), "over_limit")
            why = "and OCR is turned off" if scans_unread else "and no scanned page images (nothing to read)"
            raise ReportError(source, f"no text layer {why}", "no_text_layer")
        return Document(blocks, "pdf", source, warnings=skipped, ocr_pages=ocr_pages)
    finally:
        pdf.close()
