"""HTML pages and fragments: real ``<table>`` markup (rowspan/colspan), Word span soup, ``&nbsp;``.

Tables become :class:`~xxgk.document.Table` with each row holding the cells that start in it;
every other block element becomes a paragraph. Scripts, styles and comments are dropped.

lxml stops reading a page nested deeper than 255 elements (unclosed ``<span>``/``<font>`` tags of some
CMS pages pile up that deep); such a page is read again with lxml's huge-tree option and a warning,
and a page nested deeper than ``html_max_depth`` is refused with that reason.

Some portals publish the tables as pictures. When the page's text has none of the tables' markers
and it holds images, the images are read by OCR (:mod:`xxgk.readers.ocr`) in their place in the
page: ``data:`` URIs, and files named relative to the page (or by ``file:`` URL) on the local disk.
Nothing is ever fetched from the network.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from lxml import etree

from ..document import Cell, Document, Paragraph, ReportError, Table
from ..limits import current

_MARKERS = re.compile(r"本年新收|第二十条|行政复议|勾稽关系")
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGES = 12


@dataclass
class _Image:
    """An <img> in the page, read by OCR only when the page's text holds no tables."""

    src: str

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
    if tag == "img" and el.get("src"):
        out.append(_Image(el.get("src").strip()))
    elif tag == "table":
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
    images = [b for b in blocks if isinstance(b, _Image)]
    blocks = [b for b in blocks if not isinstance(b, _Image)]
    if not images or any(_MARKERS.search(_block_text(b)) for b in blocks):
        return Document(blocks, "html", source, warnings=warnings)
    return _with_images(root, source, images, warnings)


def _block_text(b) -> str:
    return b.text if isinstance(b, Paragraph) else " ".join(c.text for r in b.rows for c in r)


def _image_bytes(src: str, source: str) -> bytes | None:
    """An image's bytes from a data: URI or a local file next to the page; None for anything else."""
    if src.startswith("data:"):
        head, _, body = src.partition(",")
        if len(body) > MAX_IMAGE_BYTES * 4 // 3 + 4:
            return None
        try:
            return base64.b64decode(body) if head.endswith(";base64") else unquote(body).encode("latin-1")
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return None
    url = urlparse(src)
    if url.scheme not in ("", "file") or url.netloc or src.startswith("//"):
        return None  # never a network fetch
    path = Path(unquote(url.path))
    if not path.is_absolute():
        path = Path(source).parent / path
    try:
        if not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _with_images(root, source: str, images: list[_Image], warnings: list[str]) -> Document:
    """The page read again with its images recognised in place."""
    from . import ocr

    if not ocr.available():
        raise ReportError(source, f"the page's tables are images; {ocr.INSTALL_HINT}", "unsupported_format")
    blocks: list = []
    holds_table = {a for t in root.iter("table") for a in t.iterancestors()}
    _walk(root, blocks, holds_table)
    out: list = []
    notes: list[str] = list(warnings)
    pages = read = 0
    for b in blocks:
        if not isinstance(b, _Image):
            out.append(b)
            continue
        if read >= MAX_IMAGES:
            notes.append(f"images beyond the first {MAX_IMAGES} not read")
            continue
        data = _image_bytes(b.src, source)
        if data is None or ocr.image_size(data) is None:
            continue
        w, h, _ = ocr.image_size(data)
        if w < 200 or h < 80:
            continue  # an icon or a logo, not a table
        read += 1
        try:
            doc = ocr.read_image(data, f"{source} <img {b.src[:40]}>")
        except ReportError as exc:
            notes.append(f"image {b.src[:60]!r} not read: {exc.reason}")
            continue
        out += doc.blocks
        pages += doc.ocr_pages
        notes += doc.warnings
    return Document(out, "html", source, ocr_pages=pages, warnings=list(dict.fromkeys(notes)))
