"""HTML pages and fragments: real ``<table>`` markup (rowspan/colspan), Word span soup, ``&nbsp;``.

Tables become :class:`~xxgk.document.Table` with each row holding the cells that start in it;
every other block element becomes a paragraph. Scripts, styles and comments are dropped.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from ..document import Cell, Document, Paragraph, ReportError, Table

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "header",
          "footer", "blockquote", "pre", "center", "title", "dd", "dt"}
_DROP = ("script", "style", "noscript", "template", "meta", "link")


def _span(el, name: str) -> int:
    try:
        return max(1, min(int(str(el.get(name, "1")).strip().strip('"') or 1), 1000))
    except ValueError:
        return 1


def _text(el) -> str:
    return "".join(el.itertext())


def _table(el) -> Table:
    rows = []
    for tr in el.iter("tr"):
        # cells of nested tables belong to the nested table, which is read as its own block
        if tr.getparent() is not None and next(tr.iterancestors("table"), None) is not el:
            continue
        rows.append([Cell(_text(td), _span(td, "rowspan"), _span(td, "colspan"))
                     for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")])
    return Table(rows)


def _walk(el, out: list) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "table":
        out.append(_table(el))
        for inner in el.iter("table"):
            if inner is not el:
                out.append(_table(inner))
    elif tag in _BLOCK and el.find(".//table") is None:
        text = _text(el)
        if text.strip():
            out.append(Paragraph(text))
    else:
        if el.text and el.text.strip():
            out.append(Paragraph(el.text))
        for child in el:
            _walk(child, out)
            if child.tail and child.tail.strip():
                out.append(Paragraph(child.tail))


def read(text: str, source: str) -> Document:
    """Read an HTML page or fragment."""
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ReportError(source, f"unreadable HTML: {exc}", "unreadable") from None
    etree.strip_elements(root, *_DROP, etree.Comment, with_tail=False)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks: list = []
    _walk(root, blocks)
    return Document(blocks, "html", source)
