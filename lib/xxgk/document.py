"""What a reader hands to the parser: blocks of text and tables of cells, in document order.

A reader knows one input format and nothing about the report template; the parser knows the
template and nothing about formats. :class:`Document` is the line between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReportError(Exception):
    """A file that is not a report, cannot be read, or is in an unsupported format.

    Attributes:
        path: the file concerned.
        reason: one line saying what is wrong.
        kind: short machine-readable category (``not_a_report``, ``pre2019``, ``unreadable``,
            ``unsupported_format``, ``empty``, ``too_large``, ``over_limit``, ``not_a_file``,
            ``not_found``).
    """

    def __init__(self, path: str, reason: str, kind: str = "not_a_report"):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
        self.kind = kind


@dataclass(slots=True)
class Cell:
    """One table cell as printed, with its span in the source grid.

    A cell read by OCR also carries the recogniser's ``confidence`` (0–1, the least sure character)
    and ``alternatives``: other readings of the same glyphs, most likely first (digits only);
    ``in_values`` says the reader saw it in a column of numbers (whatever it reads as, it stands where
    a value goes: a seal or noise made a number unreadable).
    """

    text: str
    rowspan: int = 1
    colspan: int = 1
    confidence: float | None = None
    alternatives: tuple[str, ...] = ()
    in_values: bool = False


@dataclass(slots=True)
class Paragraph:
    """A run of text (a paragraph, a heading, a line, or a whole crawler page)."""

    text: str


@dataclass
class Table:
    """A table: rows of the cells that start in that row (spanned cells are not repeated)."""

    rows: list[list[Cell]] = field(default_factory=list)


Block = Paragraph | Table


@dataclass
class Document:
    """A report file read into blocks, plus what the reader learnt about the file.

    ``warnings`` says what the reader could not read whole (pages beyond the limit, a page skipped,
    nesting beyond lxml's default, pages left unread by OCR): the parser passes them on, and names them
    when no report is found. ``ocr_pages`` counts the pages whose text came from OCR.
    """

    blocks: list[Block]
    format: str
    source: str
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    ocr_pages: int = 0
