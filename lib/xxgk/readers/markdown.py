"""Markdown, typically text extracted from a PDF: ``| a | b |`` tables, headings, broken lines.

Separator lines (``|---|---|``) are dropped; heading marks are stripped. Labels broken over lines
and rows that lost their labels are the parser's business, not the reader's.
"""

from __future__ import annotations

import re

from ..document import Document, Paragraph, Table
from .pipe import split_row

_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def read(text: str, source: str) -> Document:
    """Read markdown into paragraphs and tables."""
    blocks: list = []
    table: Table | None = None
    for line in text.splitlines():
        if not line.strip():
            table = None
            continue
        if _SEP.match(line):
            continue
        if line.lstrip().startswith("|"):
            if table is None:
                table = Table()
                blocks.append(table)
            table.rows.append(split_row(line))
        else:
            table = None
            blocks.append(Paragraph(line.lstrip("#").strip()))
    return Document(blocks, "markdown", source)
