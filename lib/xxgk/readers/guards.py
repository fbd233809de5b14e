"""Checks that run before a reader's expensive call: opening a path, counting a text's lines and cells,
a .docx package's members and nodes, a PDF page's area, objects and glyphs.

Each check costs a small fraction of what it protects against (a byte count, a streamed scan of a ZIP
member, a look at a page's object boxes) and raises :class:`~xxgk.document.ReportError` with kind
``too_large``, ``over_limit`` or ``not_a_file`` and one line naming the limit. The numbers are
:class:`xxgk.limits.Limits`.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile

from ..document import ReportError
from ..limits import Limits, current

_FILE_TYPES = {stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device", stat.S_ISFIFO: "a FIFO (named pipe)",
               stat.S_ISSOCK: "a socket", stat.S_ISDIR: "a folder"}


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} KB"


def file_type(mode: int) -> str:
    """What a stat mode is, in words ("a FIFO (named pipe)", "a character device" …)."""
    for test, name in _FILE_TYPES.items():
        if test(mode):
            return name
    return "not a regular file"


def too_large(source: str, size: int, limits: Limits) -> ReportError:
    """The error for a file over the size cap."""
    return ReportError(source, f"file too large ({_mb(size)} > {_mb(limits.max_file_bytes)})", "too_large")


def read_path(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file. Devices, FIFOs, sockets and folders are refused by type and files over
    the size cap by size, before anything is read (a FIFO is opened non-blocking, so it cannot hang).

    Raises:
        ReportError: no such file, not a regular file, too large, or unreadable.
    """
    lim = current()
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ReportError(p, "no such file", "not_found") from None
    except OSError as exc:
        raise ReportError(p, f"cannot read: {exc.strerror or exc}", "unreadable") from None
    if stat.S_ISDIR(st.st_mode):
        raise ReportError(p, "is a folder, not a file", "not_found")
    if not stat.S_ISREG(st.st_mode):
        raise ReportError(p, f"{file_type(st.st_mode)}, not a regular file; not read", "not_a_file")
    if st.st_size > lim.max_file_bytes:
        raise too_large(p, st.st_size, lim)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ReportError(p, f"cannot read: {exc.strerror or exc}", "unreadable") from None
    try:
        st = os.fstat(fd)  # the file opened is a regular file too (not swapped for a FIFO since the stat)
        if not stat.S_ISREG(st.st_mode):
            raise ReportError(p, f"{file_type(st.st_mode)}, not a regular file; not read", "not_a_file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(lim.max_file_bytes + 1)
    except OSError as exc:
        raise ReportError(p, f"cannot read: {exc.strerror or exc}", "unreadable") from None
    finally:
        os.close(fd)
    if len(data) > lim.max_file_bytes:  # it grew while being read
        raise too_large(p, len(data), lim)
    return data


def check_text(text: str, fmt: str, source: str) -> None:
    """Refuse a text whose element count (tags of HTML, lines and cells of text) is beyond any report's."""
    lim = current()
    if fmt == "html":
        n, what = text.count("<"), "tags"
    else:
        n, what = text.count("\n") + text.count("|"), "lines and cells"
    if n > lim.max_nodes:
        raise ReportError(source, f"{n:,} {what}, more than the {lim.max_nodes:,} a report can have; not read",
                          "over_limit")


def _count_stream(fh, patterns: tuple[bytes, ...]) -> dict[bytes, int]:
    """Occurrences of each pattern in a stream read in 1 MB chunks (a match across two chunks counts once)."""
    counts = dict.fromkeys(patterns, 0)
    keep = max(len(p) for p in patterns) - 1
    prev = b""
    while chunk := fh.read(1 << 20):
        buf = prev + chunk
        for p in patterns:
            counts[p] += buf.count(p) - prev.count(p)
        prev = buf[-keep:] if keep else b""
    return counts


_XML_PATTERNS = (b"<", b"</", b"<w:p>", b"<w:p ", b"<w:p/>")


def check_docx(data: bytes, source: str) -> None:
    """Refuse a .docx package beyond the limits before python-docx reads it: member count, uncompressed
    sizes (ZIP headers; :mod:`zipfile` never returns more than a member declares), and the elements and
    paragraphs of its XML parts, counted by streaming them without building a tree.

    A file that is not a ZIP archive passes: the reader names that problem itself.
    """
    lim = current()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    if len(infos) > lim.docx_max_parts:
        raise ReportError(source, f"Word package of {len(infos):,} parts (limit {lim.docx_max_parts:,}); not read",
                          "over_limit")
    total = 0
    for info in infos:
        if info.file_size > lim.docx_max_member_bytes:
            raise ReportError(source, f"Word package part {info.filename} unpacks to {_mb(info.file_size)} "
                                      f"(limit {_mb(lim.docx_max_member_bytes)}); not read", "over_limit")
        total += info.file_size
    if total > lim.docx_max_total_bytes:
        raise ReportError(source, f"Word package unpacks to {_mb(total)} (limit {_mb(lim.docx_max_total_bytes)}); "
                                  "not read", "over_limit")
    nodes = paragraphs = 0
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        try:
            with z.open(info) as fh:
                c = _count_stream(fh, _XML_PATTERNS)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
            return  # damaged or encrypted: the reader says so
        nodes += c[b"<"] - c[b"</"]
        if info.filename.startswith("word/"):
            paragraphs += c[b"<w:p>"] + c[b"<w:p "] + c[b"<w:p/>"]
        if nodes > lim.max_nodes:
            raise ReportError(source, f"Word package of more than {lim.max_nodes:,} XML elements; not read",
                              "over_limit")
        if paragraphs > lim.docx_max_paragraphs:
            raise ReportError(source, f"Word document of more than {lim.docx_max_paragraphs:,} paragraphs; not read",
                              "over_limit")


def pdf_page_area_problem(width: float, height: float, number: int) -> str | None:
    """Why a PDF page is too large to read (None when it is not); from its size, before it is loaded."""
    lim = current()
    if width * height > lim.pdf_max_page_area_pt2:
        return (f"page {number} is {width:,.0f} × {height:,.0f} pt, larger than any report page "
                f"(limit {lim.pdf_max_page_area_pt2:,.0f} pt²); not read")
    return None


def pdf_page_content_problem(page, raw, number: int) -> str | None:
    """Why a loaded PDF page holds too much to read (None when it does not), before PDFium's text page
    is built (that call costs ~250 bytes a glyph).

    The glyphs are estimated from the text objects' boxes, forms included: a line of text is about as
    many glyphs as its length is times its height (ems), which undercounts only glyphs drawn on top of
    each other. Raw PDFium calls, as this runs on every page (~1 µs an object).
    """
    import ctypes

    lim = current()
    n_objects = raw.FPDFPage_CountObjects(page)
    if n_objects > lim.pdf_max_page_objects:
        return f"page {number} has {n_objects:,} objects (limit {lim.pdf_max_page_objects:,}); not read"
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    boxes = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    text, form = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_FORM
    glyphs, seen = 0.0, 0
    stack = [(raw.FPDFPage_GetObject, page, n_objects, 0)]
    while stack:
        get, parent, count, depth = stack.pop()
        seen += count
        if seen > lim.pdf_max_page_objects:
            return f"page {number} has more than {lim.pdf_max_page_objects:,} objects with its forms; not read"
        for k in range(count):
            obj = get(parent, k)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == text:
                if raw.FPDFPageObj_GetBounds(obj, *boxes):
                    w, h = abs(right.value - left.value), abs(top.value - bottom.value)
                    if w and h:
                        glyphs += max(w, h) / min(w, h)
            elif kind == form and depth < 4:
                stack.append((raw.FPDFFormObj_GetObject, obj, raw.FPDFFormObj_CountObjects(obj), depth + 1))
        if glyphs > lim.pdf_max_page_glyphs:
            return f"page {number} holds more than {lim.pdf_max_page_glyphs:,} glyphs (estimated); not read"
    return None


def pdf_glyph_problem(count: int, total: int, number: int) -> str | None:
    """Why a page's characters are too many to read (None when they are not), from its text page."""
    lim = current()
    if count > lim.pdf_max_page_glyphs:
        return f"page {number} holds {count:,} characters (limit {lim.pdf_max_page_glyphs:,}); not read"
    if total + count > lim.pdf_max_glyphs:
        return f"the document holds more than {lim.pdf_max_glyphs:,} characters; page {number} and later not read"
    return None
