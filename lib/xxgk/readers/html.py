"""HTML pages and fragments: real ``<table>`` markup (rowspan/colspan), Word span soup, ``&nbsp;``.

Tables become :class:`~xxgk.document.Table` with each row holding the cells that start in it;
every other block element becomes a paragraph. Scripts, styles and comments are dropped.
"""

from __future__ import annotations

from lxml import etree

from ..document import Cell, Document, Paragraph, ReportError, Table

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "header",
          "footer", "blockquote", "pre", "center", "title", "dd", "dt"}
_DROP = ("script", "style", "noscript", "template", "meta", "link")


_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)


def _span(el, name: str) -> int:
    v = el.get(name)
    if v is None:
        return 1
    try:
        return max(1, min(int(v.strip().strip('"') or 1), 1000))
    except ValueError:
        return 1


def _text(el) -> str:
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _table(el) -> Table:
    rows = []
    for tr in el.iter("tr"):
        # cells of nested tables belong to the nested table, which is read as its own block
        if tr.getparent() is not None and next(tr.iterancestors("table"), None) is not el:
            continue
        rows.append([Cell(_text(td), _span(td, "rowspan"), _span(td, "colspan"))
                     for td in tr if td.tag == "td" or td.tag == "th"])
    return Table(rows)


def _walk(el, out: list, holds_table: set) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "table":
        out.append(_table(el))
        for inner in el.iter("table"):
            if inner is not el:
                out.append(_table(inner))
    elif tag in _BLOCK and el not in holds_table:
        text = _text(el)
        if text.strip():
            out.append(Paragraph(text))
    else:
        if el.text and el.text.strip():
            out.append(Paragraph(el.text))
        for child in el:
            _walk(child, out, holds_table)
            if child.tail and child.tail.strip():
                out.append(Paragraph(child.tail))


def read(text: str, source: str) -> Document:
    """Read an HTML page or fragment."""
    try:
        try:
            root = etree.fromstring(text, _PARSER)
        except ValueError:  # a str with an XML encoding declaration: hand lxml the bytes
            root = etree.fromstring(text.encode("utf-8"), etree.HTMLParser(encoding="utf-8", recover=True))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ReportError(source, f"unreadable HTML: {exc}", "unreadable") from None
    if root is None:
        raise ReportError(source, "unreadable HTML: no content", "unreadable")
    etree.strip_elements(root, *_DROP, with_tail=False)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    holds_table = {a for t in root.iter("table") for a in t.iterancestors()}
    blocks: list = []
    _walk(root, blocks, holds_table)
    return Document(blocks, "html", source)
