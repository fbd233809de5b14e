"""PDF with a text layer: table rows rebuilt from character positions and the table's ruling lines.

The text stream of a PDF interleaves a vertically printed group label (三/、/本/年/度…) with the
numbers, and puts a two-line label's values between its lines. So rows are not read from the stream:
the horizontal rules of a table cut the page into row bands, the vertical rules that cross a band cut
it into cells, and every character goes to the cell that holds its centre. A band that no vertical
rules cross is ordinary text, split into lines by position. Tables running across pages simply
continue (a repeated header has no values and is ignored by the parser).

Library choice: pypdfium2 (PDFium) gives every character's box and every path's bounds in ~5 ms a
page; pdfplumber (pdfminer) reads the same table correctly but takes ~80 ms a page (see
bench/parse_speed.py and docs/benchmarks.md), so the grid is rebuilt here on PDFium's output.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..document import Cell, Document, Paragraph, ReportError, Table
from ..limits import current
from .guards import pdf_glyph_problem, pdf_page_area_problem, pdf_page_content_problem

THIN = 2.0  # a path thinner than this (pt) is a rule
MERGE = 1.5  # rules closer than this are one rule


@dataclass(slots=True)
class _Char:
    ch: str
    x: float
    y: float
    h: float


def _rules(page, raw) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
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


def _merge(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= MERGE:
            continue
        out.append(v)
    return out


def _lines(chars: list[_Char]) -> list[str]:
    """Text lines of loose characters: grouped by vertical extent, read left to right.

    ``y`` is the centre of the glyph's loose box (the font's ascent to descent), which every glyph of
    a line shares whatever its shape, so low punctuation (，。、.) and flat glyphs (一) stay in line.
    """
    if not chars:
        return []
    chars = sorted(chars, key=lambda c: (-c.y, c.x))
    lines: list[list[_Char]] = []
    for c in chars:
        if lines and abs(lines[-1][0].y - c.y) <= max(1.5, 0.25 * c.h):
            lines[-1].append(c)
        else:
            lines.append([c])
    out = []
    for line in lines:
        line.sort(key=lambda c: c.x)
        text = []
        prev = None
        for c in line:
            if prev is not None and c.x - prev.x > 2.5 * max(c.h, 1) and not text[-1].endswith(" "):
                text.append(" ")  # a wide gap between words
            text.append(c.ch)
            prev = c
        out.append("".join(text).strip())
    return [t for t in out if t]


def _page_blocks(chars: list[_Char], hs, vs) -> list:
    """Blocks of one page in reading order: table rows where rules make cells, text lines elsewhere."""
    if not hs or len(vs) < 2:
        return [Paragraph(t) for t in _lines(chars)]
    ys = _merge([h[0] for h in hs])[::-1]  # top to bottom (PDF y grows upwards)
    blocks: list = []
    table: Table | None = None
    used = [False] * len(chars)
    bands = list(zip(ys, ys[1:], strict=False))
    for top, bottom in bands:
        mid = (top + bottom) / 2
        xs = _merge([v[0] for v in vs if v[1] - MERGE <= mid <= v[2] + MERGE and v[1] <= top + MERGE
                     and v[2] >= bottom - MERGE])
        inside = [i for i, c in enumerate(chars) if bottom < c.y < top]
        if len(xs) < 2:
            table = None
            loose = [chars[i] for i in inside]
            for i in inside:
                used[i] = True
            blocks += [Paragraph(t) for t in _lines(loose)]
            continue
        cells: list[list[_Char]] = [[] for _ in range(len(xs) - 1)]
        for i in inside:
            c = chars[i]
            for k in range(len(xs) - 1):
                if xs[k] <= c.x < xs[k + 1]:
                    cells[k].append(c)
                    used[i] = True
                    break
        if table is None:
            table = Table()
            blocks.append(table)
        table.rows.append([Cell("".join(_lines(cs))) for cs in cells])
    # text above the first rule and below the last one
    above = [c for i, c in enumerate(chars) if not used[i] and c.y >= ys[0]]
    below = [c for i, c in enumerate(chars) if not used[i] and c.y <= ys[-1]]
    return [Paragraph(t) for t in _lines(above)] + blocks + [Paragraph(t) for t in _lines(below)]


def read_pdf(data: bytes, source: str) -> Document:
    """Read a PDF's text layer into paragraphs and tables.

    Raises:
        ReportError: not a readable PDF, encrypted, or without a text layer (a scan).
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
                chars.append(_Char(ch, (left + right) / 2, (bottom + top) / 2, top - bottom))
            total_chars += len(chars)
            hs, vs = _rules(page, raw)
            blocks += _page_blocks(chars, hs, vs)
            tp.close()
            page.close()
        if n > max_pages:
            skipped.append(f"only the first {max_pages} of {n} pages were read; the report may lie beyond them")
        if total_chars == 0:
            if skipped:
                raise ReportError(source, "; ".join(skipped[:3]), "over_limit")
            raise ReportError(source, "no text layer (scanned PDF?): OCR it first", "no_text_layer")
        return Document(blocks, "pdf", source, warnings=skipped)
    finally:
        pdf.close()
