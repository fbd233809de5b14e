"""Scraped pipe text: table cells joined by `` | ``, one row per line, merged cells as empty pipes.

Consecutive lines with at least one pipe form a table; other lines are paragraphs. Empty cells
are kept (they may be blank cells); the parser drops the surplus once it knows the column count.
"""

from __future__ import annotations

from ..document import Cell, Document, Paragraph, Table


def split_row(line: str) -> list[Cell]:
    """Split one pipe line into cells, dropping the empty edge cells of ``| a | b |`` lines.

    Only a line that starts with the pipe itself has a markdown-style left edge; `` | 0 | 1 |`` (space
    first) is a row whose first cell is blank, and that cell is kept.
    """
    parts = [p.strip() for p in line.split("|")]
    if parts and parts[0] == "" and line.startswith("|"):
        parts = parts[1:]
    if parts and parts[-1] == "" and line.rstrip().endswith("|"):
        parts = parts[:-1]
    return [Cell(p) for p in parts]


def read(text: str, source: str) -> Document:
    """Read pipe text into paragraphs and tables."""
    blocks: list = []
    table: Table | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if "|" in line:
            if table is None:
                table = Table()
                blocks.append(table)
            table.rows.append(split_row(line))
        else:
            table = None
            blocks.append(Paragraph(line))
    return Document(blocks, "pipe-text", source)
