"""Hostile input: every broken file gives a one-line error naming the file and the reason (exit 2 from
`xxgk parse`, an errors row from `xxgk build`), never a traceback, never a hang."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest

from tests.conftest import CORPUS, ROOT
from xxgk import ReportError, parse_bytes, parse_file
from xxgk.builder import build

SEED = ROOT / "data" / "raw" / "shanhaiguan-2023.txt"
HTML = ROOT / "data" / "raw" / "shanghai-gov-office-2019.html"


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *args], capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(p, path, fragment):
    assert p.returncode == 2, p.stdout[:200]
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert str(path) in lines[0] and fragment in lines[0], lines[0]
    assert "Traceback" not in p.stderr


def _blank_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)  # a drawing, as a scan would be an image: no text at all
    return bytes(pdf.output())


CASES = {
    "empty.txt": (b"", "empty file"),
    "garbage.bin": (bytes(range(256)) * 40, "binary"),
    "notes.html": ("<html><body><p>会议通知</p><p>请各单位准时参加。</p><div>联系人</div></body></html>".encode(),
                   "not a 政府信息公开工作年度报告"),
    "legacy.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "unreadable OLE2 file"),
    "scan.pdf": (None, "no text layer and no scanned page images"),
    "broken.pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nendobj\ntrailer<<>>\n%%EOF", "unreadable PDF"),
    "broken.docx": (b"PK\x03\x04" + b"word/document.xml" + b"\x00" * 300, "unreadable Word document"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_files_one_line_error(tmp_path, name):
    content, fragment = CASES[name]
    f = tmp_path / name
    f.write_bytes(_blank_pdf() if content is None else content)
    assert_one_line_error(cli("parse", str(f), "--json"), f, fragment)


def test_too_large(tmp_path):
    f = tmp_path / "huge.txt"
    with open(f, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # a 50 MB file (sparse)
    assert_one_line_error(cli("parse", str(f)), f, "file too large")


def test_missing_path_and_folder(tmp_path):
    assert_one_line_error(cli("parse", str(tmp_path / "nope.html")), tmp_path / "nope.html", "no such file")
    assert_one_line_error(cli("parse", str(tmp_path)), tmp_path, "is a folder")


def test_wrong_extension_is_read_by_content(tmp_path):
    f = tmp_path / "report.pdf"
    f.write_bytes(SEED.read_bytes())
    rep = parse_file(f)
    assert rep.format == "pipe-text" and rep.table3[("new_received", "total")].value == 2


def test_truncated_html_page(tmp_path):
    data = HTML.read_bytes()
    cut = data[: int(len(data) * 0.8)]  # stops inside Table 3
    rep = parse_bytes(cut, "truncated.html")
    assert rep.table3[("new_received", "total")].value == 859
    assert rep.table4[("review", "total")].flag == "missing"
    assert any("table4 not found" in w for w in rep.warnings)


def test_report_with_a_table_missing():
    text = SEED.read_text(encoding="utf-8")
    start, end = text.index("四、政府信息公开行政复议"), text.index("五、存在的主要问题")
    rep = parse_bytes((text[:start] + text[end:]).encode(), "no-table4.txt")
    assert all(cv.flag == "missing" and cv.value is None for cv in rep.table4.values())
    assert not any(c.rule == "R4" for c in rep.checks)
    assert rep.table3[("new_received", "total")].value == 2


def test_duplicated_tables_first_is_used_and_said():
    text = SEED.read_text(encoding="utf-8")
    start, end = text.index("三、收到和处理政府信息公开申请情况"), text.index("四、政府信息公开行政复议")
    twice = text[:end] + text[start:end].replace("| 2 | 0 | 0 | 0 | 0 | 0 | 2 |", "| 9 | 0 | 0 | 0 | 0 | 0 | 9 |") + text[end:]
    rep = parse_bytes(twice.encode(), "twice.txt")
    assert rep.table3[("new_received", "total")].value == 2
    assert any("printed twice" in w for w in rep.warnings)


def test_folder_with_no_reports_builds_nothing_and_says_so(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "readme.txt").write_text("这里没有报告。", encoding="utf-8")
    p = cli("build", str(folder), "--out", str(tmp_path / "out"), "--no-progress")
    assert "0 reports from 1 files" in p.stdout and "1 errors" in p.stdout
    assert "readme.txt" in p.stdout


def test_build_records_every_bad_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (content, _) in CASES.items():
        (folder / name).write_bytes(_blank_pdf() if content is None else content)
    (folder / "good.txt").write_bytes(SEED.read_bytes())
    res = build([folder], tmp_path / "out", workers=2, progress=False)
    assert res.reports == 1 and res.errors == len(CASES)
    import xxgk

    ds = xxgk.load(tmp_path / "out")
    assert set(ds.errors["source_file"]) == set(CASES)
    assert ds.errors["reason"].str.len().gt(0).all()


def test_time_limit_gives_up(monkeypatch):
    from xxgk import worker
    from xxgk.limits import using

    def slow(*a, **k):
        time.sleep(5)

    monkeypatch.setattr("xxgk.parse_bytes", slow)
    t0 = time.perf_counter()
    with using(file_timeout_s=0.5):
        res = worker.process(worker.Task(str(SEED), "seed.txt"))
    assert time.perf_counter() - t0 < 3
    assert res["error"]["kind"] == "timeout"


def test_pdf_matches_gold(corpus):
    import json

    gold = json.loads((corpus / "gold" / "hongze-2024.json").read_text(encoding="utf-8"))
    rep = parse_file(corpus / gold["file"])
    assert rep.template == gold["template"] and rep.format == "pdf"
    for table in ("table2", "table3", "table4"):
        cells = getattr(rep, table)
        for key, value in gold[table].items():
            cv = cells[tuple(key.split("."))]
            got = 0 if cv.value is None and cv.flag == "missing" else cv.value
            assert got == value, (table, key, cv)
    assert all(c.passed for c in rep.checks)


def test_traditional_big5_mirror_page():
    import random

    import opencc

    from xxgk.synth import random_report, render

    rep = random_report(random.Random(5), "2021")
    trad = opencc.OpenCC("s2t").convert(render(rep, "html")).replace("信息", "資訊").replace("規範性文件", "規範性檔案")
    parsed = parse_bytes(trad.encode("big5", errors="replace"), "mirror.html")
    assert any("traditional" in w for w in parsed.warnings)
    for key, value in rep.table3.items():
        assert parsed.table3[key].value == value
    assert parsed.table2[("normative_documents", "issued")].value == rep.table2[("normative_documents", "issued")]


def test_unreadable_error_is_reporterror_in_process():
    with pytest.raises(ReportError):
        parse_bytes(b"%PDF-1.4 not really", "x.pdf")
    with pytest.raises(ReportError):
        parse_bytes(io.BytesIO(b"PK\x03\x04word/").getvalue(), "x.docx")
    if CORPUS.is_dir():
        assert parse_file(CORPUS / "raw" / "hongze-2024.pdf").table3[("granted", "total")].value == 50


def test_damaged_pdf_page(tmp_path):
    """A PDF whose page object is broken (found by fuzzing): one line, not PDFium's exception."""
    f = ROOT / "tests" / "fixtures" / "damaged-page.pdf"
    assert_one_line_error(cli("parse", str(f)), f, "damaged PDF: page")


# --- image bombs: refused from the header, with bounded memory -----------------------------------------

def cli_rss(tmp_path, *args, timeout=300):
    """`xxgk` in a child process; returns the process and the child's peak memory (MB)."""
    rss = tmp_path / "rss.txt"
    code = ("import resource, sys; from xxgk.cli import main; rc = main(sys.argv[2:]); "
            "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)); sys.exit(rc)")
    p = subprocess.run([sys.executable, "-c", code, str(rss), *args], capture_output=True, text=True, timeout=timeout)
    return p, int(rss.read_text()) / 1024 if rss.exists() else 0.0


def _png_bomb(width: int, height: int) -> bytes:
    """A real PNG of width × height black-and-white pixels, all white: a few hundred kB that would
    decode to width × height pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    z = zlib.compressobj(9)
    body = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_png_bomb_refused_before_decoding(tmp_path):
    f = tmp_path / "bomb.png"
    f.write_bytes(_png_bomb(30_000, 30_000))
    assert f.stat().st_size < 2_000_000
    p, peak = cli_rss(tmp_path, "parse", str(f))
    assert_one_line_error(p, f, "image too large (30000 × 30000 px)")
    assert peak < 600, peak  # MB: never decoded (900 MB as grey, 2.7 GB as RGB); ~130 MB alone, more on a busy machine


def test_pdf_of_500_image_pages(tmp_path):
    from PIL import Image

    pages = [Image.new("L", (120, 170), 255) for _ in range(500)]
    f = tmp_path / "scans.pdf"
    pages[0].save(f, "PDF", save_all=True, append_images=pages[1:], resolution=20)
    t0 = time.perf_counter()
    p, peak = cli_rss(tmp_path, "parse", str(f))
    assert_one_line_error(p, f, "none of the template's tables found")
    assert time.perf_counter() - t0 < 120
    assert peak < 1500, peak  # MB: at most MAX_PAGES pages recognised, one at a time


def test_image_pages_beyond_the_ocr_limit_are_said(tmp_path):
    from xxgk.readers import ocr, read_bytes

    pages = [_blank_page() for _ in range(ocr.MAX_PAGES + 3)]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=20)
    doc = read_bytes(buf.getvalue(), "many.pdf")
    assert doc.ocr_pages == ocr.MAX_PAGES
    assert any("beyond the OCR limit" in n for n in doc.warnings)


def _blank_page():
    from PIL import Image

    return Image.new("L", (120, 170), 255)
