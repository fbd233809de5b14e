"""HTML pages and fragments: real ``<table>`` markup (rowspan/colspan), Word span soup, ``&nbsp;``.

Tables become :class:`~xxgk.document.Table` with each row holding the cells that start in it;
every other block element becomes a paragraph. Scripts, styles and comments are dropped.

lxml stops reading a page nested deeper than 255 elements (unclosed ``<span>``/``<font>`` tags of some
CMS pages pile up that deep); such a page is read again with lxml's huge-tree option and a warning,
and a page nested deeper than ``html_max_depth`` is refused with that reason.
"""

from __future__ import annotations

from lxml import etree

from ..document import Cell, Document, Paragraph, ReportError, Table
from ..limits import current

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "header",
          "footer", "blockquote", "pre", "center", "title", "dd", "dt"}
_DROP = ("script", "style", "noscript", "template", "meta", "link")


_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)
_DEEP_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True, huge_tree=True)


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


def _parse(text: str, parser, source: str) -> tuple[etree._Element | None, bool]:
    """The page's root element, and whether lxml stopped at its depth limit."""
    try:
        try:
            root = etree.fromstring(text, parser)
        except ValueError:  # a str with an XML encoding declaration: hand lxml the bytes
            parser = etree.HTMLParser(encoding="utf-8", recover=True, huge_tree=parser is _DEEP_PARSER)
            root = etree.fromstring(text.encode("utf-8"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        if getattr(exc, "code", None) == etree.ErrorTypes.ERR_NO_MEMORY:  # libxml2 hit the memory cap
            raise MemoryError(f"{source}: lxml ran out of memory") from None
        raise ReportError(source, f"unreadable HTML: {exc}", "unreadable") from None
    too_deep = any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message for e in parser.error_log)
    return root, too_deep


def _depth(root) -> int:
    best, stack = 0, [(root, 1)]
    while stack:
        el, d = stack.pop()
        best = max(best, d)
        stack.extend((child, d + 1) for child in el)
    return best


def read(text: str, source: str) -> Document:
    """Read an HTML page or fragment."""
    warnings: list[str] = []
    root, too_deep = _parse(text, _PARSER, source)
    if too_deep:
        limit = current().html_max_depth
        root, still = _parse(text, _DEEP_PARSER, source)
        depth = _depth(root) if root is not None else 0
        if still or depth > limit:
            raise ReportError(source, f"HTML nested more than {limit} elements deep; not read", "over_limit")
        warnings.append(f"HTML nested {depth} elements deep (beyond lxml's default 255); read in huge-tree mode")
    if root is None:
        raise ReportError(source, "unreadable HTML: no content", "unreadable")
    etree.strip_elements(root, *_DROP, with_tail=False)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    holds_table = {a for t in root.iter("table") for a in t.iterancestors()}
    blocks: list = []
    _walk(root, blocks, holds_table)
    return Document(blocks, "html", source, warnings=warnings)
