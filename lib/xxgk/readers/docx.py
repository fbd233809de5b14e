"""Word .docx: paragraphs and real tables in document order, merged cells kept as spans.

python-docx opens the package; the body is then walked as XML, because python-docx's ``row.cells``
repeats a merged cell in every grid position it covers. Here a horizontally merged cell
(``w:gridSpan``) is one cell with a colspan, and the continuation of a vertically merged cell
(``w:vMerge`` without ``restart``) is left out of its row, like HTML's rowspan.

The package is checked before python-docx opens it (:func:`~xxgk.readers.guards.check_docx`): a few
hundred KB of ZIP can unpack to gigabytes of XML, which lxml would hold in memory whole.
"""

from __future__ import annotations

import io
import zipfile

from ..document import Cell, Document, Paragraph, ReportError, Table
from .guards import check_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text(el) -> str:
    parts = []
    for node in el.iter(W + "t", W + "tab", W + "br", W + "p"):
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "tab":
            parts.append(" ")
        elif node.tag == W + "br":
            parts.append("\n")
        elif node.tag == W + "p" and parts:
            parts.append("\n")
    return "".join(parts).strip()


def _table(tbl) -> Table:
    rows = []
    for tr in tbl.iterchildren(W + "tr"):
        cells = []
        for tc in tr.iterchildren(W + "tc"):
            pr = tc.find(W + "tcPr")
            span = 1
            if pr is not None:
                gs = pr.find(W + "gridSpan")
                if gs is not None:
                    try:
                        span = max(1, int(gs.get(W + "val", "1")))
                    except ValueError:
                        span = 1
                vm = pr.find(W + "vMerge")
                if vm is not None and vm.get(W + "val", "continue") != "restart":
                    continue  # covered by the cell above
            cells.append(Cell(_text(tc), 1, span))
        rows.append(cells)
    return Table(rows)


def read_docx(data: bytes, source: str) -> Document:
    """Read a .docx file's paragraphs and tables.

    Raises:
        ReportError: not a readable Word document.
    """
    import docx

    check_docx(data, source)
    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReportError(source, f"unreadable Word document ({type(exc).__name__})", "unreadable") from None
    except Exception as exc:  # python-docx raises its own errors for broken packages
        from lxml import etree

        if getattr(exc, "code", None) == etree.ErrorTypes.ERR_NO_MEMORY:  # libxml2 hit the memory cap
            raise MemoryError(f"{source}: lxml ran out of memory") from None
        raise ReportError(source, f"unreadable Word document ({exc})", "unreadable") from None
    blocks: list = []
    for el in d.element.body.iterchildren():
        if el.tag == W + "p":
            text = _text(el)
            if text:
                blocks.append(Paragraph(text))
        elif el.tag == W + "tbl":
            blocks.append(_table(el))
            for inner in el.iter(W + "tbl"):
                if inner is not el:
                    blocks.append(_table(inner))
    return Document(blocks, "docx", source)
