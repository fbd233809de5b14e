"""Hostile inputs of issue 12, rebuilt from their descriptions (used by tests/faults and bench/hostile.py).

Each function returns the bytes of one file. Sizes are parameters so that the tests can use small,
fast versions while the benchmark measures the sizes the issue reported.
"""

from __future__ import annotations

import io
import zipfile
import zlib

_CT = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       b'<Default Extension="xml" ContentType="application/xml"/>'
       b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       b'wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         b'officeDocument" Target="word/document.xml"/></Relationships>')
_DOC_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
_DOC_TAIL = b"</w:body></w:document>"


def _docx(body_chunks, chunk_repeats: int, before: bytes = b"", after: bytes = b"") -> bytes:
    """A minimal .docx whose document.xml body is ``body_chunks`` written ``chunk_repeats`` times between
    ``before`` and ``after`` (streamed into the ZIP, so that a file of gigabytes uncompressed is built in
    little memory)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(_DOC_HEAD + before)
            for _ in range(chunk_repeats):
                fh.write(body_chunks)
            fh.write(after + _DOC_TAIL)
    return buf.getvalue()


def docx_tiny_paragraphs(paragraphs: int = 6_000_000) -> bytes:
    """A .docx of millions of one-character paragraphs (the issue's 645 KB file needed 3.5 GB)."""
    chunk = b"<w:p><w:r><w:t>1</w:t></w:r></w:p>" * 1000
    return _docx(chunk, paragraphs // 1000)


def docx_whitespace(megabytes: int = 2000) -> bytes:
    """A .docx whose document.xml is mostly whitespace inside one text run (the issue's 2 MB file: 4.2 GB)."""
    return _docx(b" " * (1 << 20), megabytes, b'<w:p><w:r><w:t xml:space="preserve">', b"</w:t></w:r></w:p>")


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file from its numbered objects (1-based), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _stream(content: bytes) -> bytes:
    data = zlib.compress(content, 9)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"


def pdf_glyph_flood(side_pt: int = 14400, glyphs: int = 23_000_000) -> bytes:
    """One huge page (``side_pt`` square) holding ``glyphs`` tiny glyphs (the issue's 70 KB PDF: 4.9 GB)."""
    per_line = max(1, min(glyphs, int(side_pt / 0.3)))
    lines = max(1, glyphs // per_line)
    line = b"(" + b"1" * per_line + b") '\n"
    content = b"BT /F1 0.5 Tf 0.5 TL 0 %d Td\n" % side_pt + line * lines + b"ET"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>" % (side_pt, side_pt),
        _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def deep_html(depth: int = 300, inner: str = "") -> bytes:
    """An HTML page nested ``depth`` levels deep around ``inner`` (lxml stops at 255 levels)."""
    return ("<html><body>" + "<div>" * depth + inner + "</div>" * depth + "</body></html>").encode("utf-8")


def utf16_declared_utf8(html: str) -> bytes:
    """A page that declares utf-16 in its meta tag but is written in UTF-8 (no BOM)."""
    meta = "<meta http-equiv='Content-Type' content='text/html; charset=utf-16'>"
    page = html.replace("<head>", "<head>" + meta, 1) if "<head>" in html else meta + html
    return page.encode("utf-8")


def long_digit_runs(runs: int = 8, length: int = 400) -> bytes:
    """A ~3 KB crawler page of 400-digit runs after Table 3 row labels (burned the 60 s limit)."""
    labels = ["本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "（一）予以公开", "（二）部分公开",
              "四、结转下年度继续办理", "（七）总计", "1.属于国家秘密", "2.其他法律行政法规禁止公开"]
    rows = "".join(lab + ("1234567890" * (length // 10 + 1))[:length] for lab in labels[:runs])
    return ("标题: 某局2023年政府信息公开工作年度报告\n==================== 正文 ====================\n"
            "三、收到和处理政府信息公开申请情况" + rows + "四、政府信息公开行政复议、行政诉讼情况").encode("utf-8")


def pdf_dense_a4(lines: int = 2800, per_line: int = 570) -> bytes:
    """An A4 page of ``lines`` distinct lines of tiny glyphs (~11 million): PDFium's text page alone needs
    1.6 GB for it, and aborts the process when it cannot have it."""
    body = b"".join(b"(" + (b"%07d" % i) * per_line + b") '\n" for i in range(lines))
    content = b"BT /F1 0.3 Tf 0.3 TL 1 841 Td\n" + body + b"ET"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def pdf_after_pages(report_pdf: bytes, filler_pages: int) -> bytes:
    """``filler_pages`` pages of other text, then the report (a report bound after a long annex)."""
    import pypdfium2 as pdfium

    filler = _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(b"BT /F1 12 Tf 72 770 Td (Annex page: statistics of other matters) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])
    doc = pdfium.PdfDocument.new()
    one = pdfium.PdfDocument(filler)
    for _ in range(filler_pages):
        doc.import_pages(one)
    doc.import_pages(pdfium.PdfDocument(report_pdf))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def html_nested(html: str, depth: int) -> bytes:
    """A page (or fragment) whose content sits inside ``depth`` unclosed ``<span>`` tags, as some CMS
    pages pile them up."""
    head, body = html.split("<body>", 1) if "<body>" in html else ("<html><body>", html)
    return (head + "<body>" + "<span>" * depth + body).encode("utf-8")


def sparse_file(path, size: int, head: bytes) -> None:
    """A file of ``size`` bytes that starts with ``head`` (sparse: costs no disk and no time to make)."""
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)


def many_cells(cells: int = 3_000_000) -> bytes:
    """A few MB of pipe text with millions of empty cells (each a Python object once read)."""
    return b"|" * cells + b"\n"


def pdf_form_flood(uses: int = 20_000, per_form: int = 1000) -> bytes:
    """A small form (one line of ``per_form`` glyphs) drawn ``uses`` times on one A4 page: 20 million
    glyphs from a few KB of content, each use parsed again by PDFium."""
    content = b"q 1 0 0 1 0 0 cm /Fm1 Do Q\n" * uses
    data = zlib.compress(b"BT /F1 0.5 Tf 10 400 Td (" + b"1" * per_form + b") Tj ET", 9)
    form = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
            b"/Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >> >>",
        _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        form,
    ])
