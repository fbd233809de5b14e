"""Legacy Word 97–2003 ``.doc``: text and table cells read from the binary file itself.

The file is an OLE2 compound file (opened with ``olefile``). Its ``WordDocument`` stream starts
with the FIB, which points into the table stream (``0Table`` or ``1Table``) at the CLX; the CLX's
piece table (PlcPcd) maps the document's characters to byte runs of the WordDocument stream, each
either 8-bit ("compressed", cp1252 with Word's own substitutions) or UTF-16. Of the text, the main
document is the first ``ccpText`` characters.

Paragraphs end with ``\\r``; a table cell ends with ``\\x07`` and so does a table row (its end
mark). An empty cell and a row end look alike in the text, so the row ends are taken from the
paragraph properties (PAPX in the FKP pages listed by PlcBtePapx): a paragraph whose properties
say ``fTtp`` (sprmPFTtp) ends a row (properties too large for the page, e.g. a wide table's
definition, sit in the ``Data`` stream behind sprmPHugePapx). When those properties cannot be read, a row ends at the
second of two consecutive cell marks (empty cells are then lost, and a warning says so).

Vertically merged cells are printed as empty continuation cells, as in the PDF reader's grid; the
parser copes with that. Encrypted (password-protected) files and WPS files are refused with a
one-line reason. No LibreOffice or antiword is used at run time.
"""

from __future__ import annotations

import io
import struct

from ..document import Cell, Document, Paragraph, ReportError, Table

_CP1252_FIX = {0x82: "‚", 0x83: "ƒ", 0x84: "„", 0x85: "…", 0x86: "†", 0x87: "‡", 0x88: "ˆ", 0x89: "‰",
               0x8A: "Š", 0x8B: "‹", 0x8C: "Œ", 0x91: "‘", 0x92: "’", 0x93: "“", 0x94: "”", 0x95: "•",
               0x96: "–", 0x97: "—", 0x98: "˜", 0x99: "™", 0x9A: "š", 0x9B: "›", 0x9C: "œ", 0x9F: "Ÿ"}
_SPRM_TTP = (0x2417, 0x244C)  # sprmPFTtp, sprmPFInnerTtp
_SPRM_HUGE_PAPX = 0x6646  # properties too large for the FKP, stored in the Data stream
MAX_CHARS = 5_000_000


def _u16(b: bytes, o: int) -> int:
    return struct.unpack_from("<H", b, o)[0]


def _u32(b: bytes, o: int) -> int:
    return struct.unpack_from("<I", b, o)[0]


class _Fib:
    """The parts of the File Information Block used here."""

    def __init__(self, wd: bytes):
        if len(wd) < 0x200 or _u16(wd, 0) != 0xA5EC:
            raise ValueError("not a Word 97–2003 document (no FIB)")
        flags = _u16(wd, 0x0A)
        self.encrypted = bool(flags & 0x0100)
        self.table = "1Table" if flags & 0x0200 else "0Table"
        csw = _u16(wd, 32)
        lw = 34 + csw * 2
        cslw = _u16(wd, lw)
        rg_lw = lw + 2
        self.ccp_text = _u32(wd, rg_lw + 3 * 4)
        fc = rg_lw + cslw * 4 + 2
        self.n_fclcb = _u16(wd, fc - 2)

        def pair(i: int) -> tuple[int, int]:
            return _u32(wd, fc + 8 * i), _u32(wd, fc + 8 * i + 4)

        self.papx = pair(13)  # fcPlcfBtePapx, lcbPlcfBtePapx
        self.clx = pair(33)  # fcClx, lcbClx


def _pieces(table: bytes, fc: int, lcb: int) -> list[tuple[int, int, int, bool]]:
    """Pieces (cp start, cp end, byte offset, compressed) from the CLX."""
    clx = table[fc:fc + lcb]
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
        i += 3 + _u16(clx, i + 1)
    if i >= len(clx) or clx[i] != 0x02:
        raise ValueError("no piece table in the CLX")
    size = _u32(clx, i + 1)
    plc = clx[i + 5:i + 5 + size]
    n = (len(plc) - 4) // 12
    cps = [_u32(plc, 4 * k) for k in range(n + 1)]
    out = []
    for k in range(n):
        fcv = _u32(plc, 4 * (n + 1) + 8 * k + 2)
        compressed = bool(fcv & 0x40000000)
        offset = (fcv & 0x3FFFFFFF) // 2 if compressed else fcv & 0x3FFFFFFF
        out.append((cps[k], cps[k + 1], offset, compressed))
    return out


def _text(wd: bytes, pieces, limit: int) -> tuple[str, list[tuple[int, int, int, bool]]]:
    """The first ``limit`` characters, and per piece (cp start, cp end, byte offset, compressed)."""
    parts = []
    for cp0, cp1, off, comp in pieces:
        if cp0 >= limit:
            break
        n = min(cp1, limit) - cp0
        if comp:
            raw = wd[off:off + n]
            parts.append("".join(_CP1252_FIX.get(b, chr(b)) for b in raw))
        else:
            parts.append(wd[off:off + 2 * n].decode("utf-16-le", errors="replace"))
    return "".join(parts), pieces


def _row_ends(wd: bytes, table: bytes, fib: _Fib, pieces, data: bytes = b"") -> set[int] | None:
    """Character positions of paragraph marks that end a table row (from the PAPX), or None."""
    fc, lcb = fib.papx
    if lcb < 8 or fc + lcb > len(table):
        return None
    plc = table[fc:fc + lcb]
    n = (len(plc) - 4) // 8
    ends_fc: set[int] = set()
    for k in range(n):
        pn = _u32(plc, 4 * (n + 1) + 4 * k) & 0x3FFFFF
        page = wd[pn * 512:(pn + 1) * 512]
        if len(page) < 512:
            return None
        crun = page[511]
        for r in range(crun):
            end_fc = _u32(page, 4 * (r + 1))  # the paragraph's mark is the byte(s) before this
            bx = page[4 * (crun + 1) + 13 * r]
            if not bx:
                continue
            o = bx * 2
            cb = page[o]
            if cb == 0:
                size, start = 2 * page[o + 1], o + 2
            else:
                size, start = 2 * cb - 1, o + 1
            grp = page[start + 2:start + size]  # after istd
            if _has_ttp(grp, data):
                ends_fc.add(end_fc)
    # byte offset just after a paragraph mark → that mark's character position
    out = set()
    for cp0, cp1, off, comp in pieces:
        width = 1 if comp else 2
        for e in ends_fc:
            if off < e <= off + (cp1 - cp0) * width:
                out.add(cp0 + (e - off) // width - 1)
    return out


def _has_ttp(grp: bytes, data: bytes = b"") -> bool:
    """Whether a paragraph's properties mark a table row end (following sprmPHugePapx into the Data stream)."""
    i = 0
    while i + 2 <= len(grp):
        sprm = _u16(grp, i)
        i += 2
        spra = sprm >> 13
        if spra in (0, 1):
            size = 1
        elif spra in (2, 4, 5):
            size = 2
        elif spra == 3:
            size = 4
        elif spra == 7:
            size = 3
        else:  # variable: a size byte (sprmTDefTable and sprmPChgTabs have their own forms)
            if i >= len(grp):
                return False
            size = (_u16(grp, i) + 1) if sprm == 0xD608 and i + 1 < len(grp) else grp[i] + 1
        if sprm in _SPRM_TTP and i < len(grp) and grp[i]:
            return True
        if sprm == _SPRM_HUGE_PAPX and i + 4 <= len(grp) and data:
            off = _u32(grp, i)
            if off + 2 <= len(data) and _has_ttp(data[off + 2:off + 2 + _u16(data, off)]):
                return True
        i += size
    return False


def _blocks(text: str, row_ends: set[int] | None) -> list:
    blocks: list = []
    table: Table | None = None
    row: list[Cell] = []
    cell: list[str] = []
    pending_mark = False  # heuristic mode: the last character was a cell mark
    for cp, ch in enumerate(text):
        if ch == "\x07":
            if row_ends is not None:
                if cp in row_ends:
                    if table is None:
                        table = Table()
                        blocks.append(table)
                    table.rows.append(row)
                    row, cell = [], []
                else:
                    row.append(Cell(_clean("".join(cell))))
                    cell = []
            else:
                if pending_mark and not cell:
                    if table is None:
                        table = Table()
                        blocks.append(table)
                    table.rows.append(row)
                    row = []
                    pending_mark = False
                    continue
                row.append(Cell(_clean("".join(cell))))
                cell = []
                pending_mark = True
            continue
        pending_mark = False
        if ch == "\r" and not row:
            para = _clean("".join(cell))
            cell = []
            table = None
            if para:
                blocks.append(Paragraph(para))
            continue
        cell.append("\n" if ch in "\r\x0b" else ch)
    tail = _clean("".join(cell))
    if row:
        if table is None:
            table = Table()
            blocks.append(table)
        table.rows.append(row + ([Cell(tail)] if tail else []))
    elif tail:
        blocks.append(Paragraph(tail))
    return blocks


def _clean(s: str) -> str:
    """Drop field codes (\\x13 code \\x14 result \\x15 keeps the result) and other control marks."""
    out = []
    depth = 0
    skipping = []
    for ch in s:
        if ch == "\x13":
            depth += 1
            skipping.append(True)
            continue
        if ch == "\x14" and depth:
            skipping[-1] = False
            continue
        if ch == "\x15" and depth:
            depth -= 1
            skipping.pop()
            continue
        if depth and skipping[-1]:
            continue
        if ch in "\x01\x08\x0c\x1e\x1f" or (ord(ch) < 32 and ch not in "\n\t"):
            continue
        out.append(ch)
    return "".join(out).strip()


def read_doc(data: bytes, source: str) -> Document:
    """Read a Word 97–2003 .doc file's paragraphs and tables.

    Raises:
        ReportError: not a Word document (another OLE2 file, e.g. WPS or Excel), password-protected,
            or damaged.
    """
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        raise ReportError(source, f"unreadable OLE2 file ({exc})", "unreadable") from None
    try:
        if not ole.exists("WordDocument"):
            what = "a WPS document" if ole.exists("WpsContent") or ole.exists("WPS") else \
                "an OLE2 file that is not a Word document (Excel, PowerPoint or WPS?)"
            raise ReportError(source, f"{what}: save it as .docx", "unsupported_format")
        try:
            wd = ole.openstream("WordDocument").read()
            fib = _Fib(wd)
            if fib.encrypted:
                raise ReportError(source, "password-protected Word document", "unreadable")
            if not ole.exists(fib.table):
                raise ValueError(f"no {fib.table} stream")
            table = ole.openstream(fib.table).read()
            pieces = _pieces(table, *fib.clx)
            text, _ = _text(wd, pieces, min(fib.ccp_text, MAX_CHARS))
            data_stream = ole.openstream("Data").read() if ole.exists("Data") else b""
            try:
                ends = _row_ends(wd, table, fib, pieces, data_stream)
            except (struct.error, IndexError):
                ends = None
        except ReportError:
            raise
        except (OSError, ValueError, struct.error, IndexError) as exc:
            raise ReportError(source, f"damaged Word document ({exc})", "unreadable") from None
    finally:
        ole.close()
    if not text.strip():
        raise ReportError(source, "Word document without text", "empty")
    doc = Document(_blocks(text, ends), "doc", source)
    if ends is None and "\x07" in text:
        doc.warnings.append("table row ends not readable from the paragraph properties; rows split at double "
                         "cell marks (empty cells may be lost)")
    return doc
