"""Read a report file in whatever format it comes in into a :class:`~xxgk.document.Document`.

The format is detected from the content (magic bytes, markup, table syntax), not from the file
extension. The limits of :mod:`xxgk.limits` are checked first (:mod:`.guards`): a path must be a
regular file within the size cap, a text no more lines, cells or tags than a report can have. Each format has its own module with a ``read(text, source) -> Document`` function;
adding a format means adding a module and one line in :data:`READERS` and :func:`detect`.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from ..document import Document, ReportError
from ..limits import current
from ..text import CELL
from . import html, markdown, pipe, plaintext
from .decode import decode
from .doc import read_doc
from .docx import read_docx
from .guards import check_text, read_path, too_large
from .ocr import read_image
from .pdf import read_pdf

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # PNG, JPEG, TIFF: scans

READERS = {
    "html": html.read,
    "markdown": markdown.read,
    "pipe-text": pipe.read,
    "crawler-text": plaintext.read,
    "text": plaintext.read,
}

_HTML = re.compile(r"<\s*(?:html|body|table|tr|td|p|div|span|br)\b", re.I)
_MD_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M)
_MD_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)


def detect(data: bytes, text: str | None) -> str:
    """Name the format of a file from its bytes (and decoded text, when it is text)."""
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:200000] else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if text is None:
        return "binary"
    sample = text[:200000]
    if sum(1 for _ in itertools.islice(_HTML.finditer(sample, 0, 50000), 3)) >= 3:
        return "html"
    if _MD_SEP.search(sample) and sum(1 for _ in itertools.islice(_MD_ROW.finditer(sample), 3)) >= 3:
        return "markdown"
    if sum(1 for line in sample.splitlines() if line.count("|") >= 2) >= 5:
        return "pipe-text"
    if "==== 正文 ====" in sample or "原文链接" in sample[:2000]:
        return "crawler-text"
    return "text"


BINARY_READERS = {"pdf": read_pdf, "docx": read_docx, "doc": read_doc, "image": read_image}
OCR_READERS = {"pdf", "image"}  # readers that take ``ocr=`` (None: only where there is no text layer)

_UNSUPPORTED = {
    "zip": "a ZIP archive, not a report",
    "binary": "binary data, not a text, HTML, PDF or Word report",
}


def read_bytes(data: bytes, source: str, ocr: bool | None = None) -> Document:
    """Read a report from bytes already in memory.

    ``ocr``: None runs OCR only on scanned pages and images; True on every PDF page; False never.

    Raises:
        ReportError: empty, too large, binary, undecodable, beyond the limits or unsupported input.
    """
    lim = current()
    if len(data) > lim.max_file_bytes:
        raise too_large(source, len(data), lim)
    if not data.strip():
        raise ReportError(source, "empty file", "empty")
    text: str | None = None
    if not data.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0") + _IMAGE_MAGIC):
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = None
        else:
            try:
                text, encoding = decode(data)
            except UnicodeError as exc:
                raise ReportError(source, f"unreadable text: {exc}", "unreadable") from None
            if CELL in text:
                text = text.replace(CELL, " ")  # the parser's cell separator must not come from the file
    fmt = detect(data, text)
    if fmt in OCR_READERS:
        if fmt == "image" and ocr is False:
            raise ReportError(source, "an image (a scan) and OCR is turned off", "unsupported_format")
        return BINARY_READERS[fmt](data, source, **({"ocr": ocr} if fmt == "pdf" else {}))
    if fmt in BINARY_READERS:
        return BINARY_READERS[fmt](data, source)
    if fmt in _UNSUPPORTED:
        raise ReportError(source, _UNSUPPORTED[fmt], "unsupported_format")
    assert text is not None
    check_text(text, fmt, source)
    doc = READERS[fmt](text, source)
    doc.format = fmt
    doc.encoding = encoding
    return doc


def read_file(path: str | Path, ocr: bool | None = None) -> Document:
    """Read a report file into a Document.

    Raises:
        ReportError: missing file, a folder, device or FIFO, too large, empty, unreadable or unsupported.
    """
    return read_bytes(read_path(path), str(path), ocr)
