"""Table rows from positioned text and ruling lines: the grid logic shared by the PDF and OCR readers.

The text stream of a page cannot be trusted to give rows (a PDF interleaves a vertically printed
group label with the numbers; OCR returns boxes in no useful order). So rows are rebuilt from
geometry: the horizontal rules of a table cut the page into row bands, the vertical rules that
cross a band cut it into cells, and every piece of text goes to the cell that holds its centre. A
band that no vertical rules cross is ordinary text, split into lines by position. Tables running
across pages simply continue (a repeated header has no values and is ignored by the parser).

Coordinates are in points with y growing upwards (PDF space); a reader of images converts pixels
(y down) by ``y_pt = -y_px * 72 / dpi``. A text piece is one glyph for the PDF reader and one
recognised line fragment for OCR; the OCR reader also builds the cell (confidence, alternatives)
through the ``make_cell`` hook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..document import Cell, Paragraph, Table

MERGE = 1.5  # rules closer than this (pt) are one rule


@dataclass(slots=True)
class Piece:
    """Positioned text: a glyph (PDF) or a recognised fragment (OCR), centred at (x, y), h high."""

    ch: str
    x: float
    y: float
    h: float
    info: object = None  # reader-specific (OCR: the recognition result)


Rule = tuple[float, float, float]  # horizontal (y, x0, x1) or vertical (x, y0, y1)


def merge_close(values: list[float], tol: float = MERGE) -> list[float]:
    """Sorted values with those within ``tol`` of the previous kept one dropped."""
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def lines(pieces: Sequence[Piece]) -> list[str]:
    """Text lines of loose pieces: grouped by vertical position, read left to right.

    ``y`` is the centre of the piece's line box, which every glyph of a line shares whatever its
    shape, so low punctuation (，。、.) and flat glyphs (一) stay in line.
    """
    return ["".join(_joined(line)).strip() for line in line_groups(pieces) if _joined(line)]


def line_groups(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """Pieces grouped into lines (top to bottom), each line sorted left to right."""
    if not pieces:
        return []
    ordered = sorted(pieces, key=lambda c: (-c.y, c.x))
    groups: list[list[Piece]] = []
    for c in ordered:
        if groups and abs(groups[-1][0].y - c.y) <= max(1.5, 0.25 * c.h):
            groups[-1].append(c)
        else:
            groups.append([c])
    for g in groups:
        g.sort(key=lambda c: c.x)
    return groups


def _joined(line: list[Piece]) -> list[str]:
    text: list[str] = []
    prev = None
    for c in line:
        if prev is not None and c.x - prev.x > 2.5 * max(c.h, 1) and text and not text[-1].endswith(" "):
            text.append(" ")  # a wide gap between words
        text.append(c.ch)
        prev = c
    return text


def text_cell(pieces: list[Piece], span: tuple[float, float] | None = None) -> Cell:
    """A cell holding the lines of its pieces (the PDF reader's cell); ``span`` (its sides) is not used."""
    return Cell("".join(lines(pieces)))


def bands(hs: Sequence[Rule], vs: Sequence[Rule], tol: float = MERGE) -> list[tuple[float, float, list[float]]]:
    """Row bands between consecutive horizontal rules, top to bottom, with the x of the vertical
    rules that cross each band's middle (fewer than two: not a table row)."""
    ys = merge_close([h[0] for h in hs], tol)[::-1]
    out = []
    for top, bottom in zip(ys, ys[1:], strict=False):
        mid = (top + bottom) / 2
        xs = merge_close([v[0] for v in vs if v[1] - tol <= mid <= v[2] + tol and v[1] <= top + tol
                          and v[2] >= bottom - tol], tol)
        out.append((top, bottom, xs))
    return out


def page_blocks(pieces: list[Piece], hs: Sequence[Rule], vs: Sequence[Rule], tol: float = MERGE,
                make_cell: Callable[[list[Piece], tuple[float, float]], Cell] = text_cell) -> list:
    """Blocks of one page in reading order: table rows where rules make cells, text lines elsewhere.

    ``make_cell`` builds a cell from its pieces and its sides (x of the rules left and right of it).
    """
    if not hs or len(vs) < 2:
        return [Paragraph(t) for t in lines(pieces)]
    rows = bands(hs, vs, tol)
    ys = merge_close([h[0] for h in hs], tol)[::-1]
    blocks: list = []
    table: Table | None = None
    used = [False] * len(pieces)
    for top, bottom, xs in rows:
        inside = [i for i, c in enumerate(pieces) if bottom < c.y < top]
        if len(xs) < 2:
            table = None
            for i in inside:
                used[i] = True
            blocks += [Paragraph(t) for t in lines([pieces[i] for i in inside])]
            continue
        cells: list[list[Piece]] = [[] for _ in range(len(xs) - 1)]
        for i in inside:
            c = pieces[i]
            for k in range(len(xs) - 1):
                if xs[k] <= c.x < xs[k + 1]:
                    cells[k].append(c)
                    used[i] = True
                    break
        if table is None:
            table = Table()
            blocks.append(table)
        table.rows.append([make_cell(cs, (xs[k], xs[k + 1])) for k, cs in enumerate(cells)])
    # text above the first rule and below the last one
    above = [c for i, c in enumerate(pieces) if not used[i] and c.y >= ys[0]]
    below = [c for i, c in enumerate(pieces) if not used[i] and c.y <= ys[-1]]
    return [Paragraph(t) for t in lines(above)] + blocks + [Paragraph(t) for t in lines(below)]
