"""Hostile inputs of issue 12, each among good reports: refused before the expensive call, with a reason,
the same way in `xxgk build`, `xxgk parse` and the library."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest

from tests.faults import inputs
from tests.faults.conftest import RAW
from xxgk import ReportError, parse_bytes
from xxgk.limits import Limits, using

HTML = (RAW / "shanghai-gov-office-2019.html").read_text(encoding="utf-8")
SEED = (RAW / "shanhaiguan-2023.txt").read_text(encoding="utf-8")
CRAWLER = (RAW / "pingtan-2023.txt").read_text(encoding="utf-8")


def cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *args], capture_output=True, text=True, timeout=timeout)


def one_line_error(p, path, fragment):
    assert p.returncode == 2 and p.stdout == "", (p.returncode, p.stdout[:200])
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and fragment in lines[0], p.stderr
    return lines[0]


def synthetic_pdf() -> bytes:
    from xxgk.synth import random_report, render_pdf

    return render_pdf(random_report(random.Random(3), "2021"))


# --- files that cost memory in one call ----------------------------------------------------------

@pytest.mark.parametrize("name, make, fragment", [
    ("paragraphs.docx", lambda: inputs.docx_tiny_paragraphs(6_000_000), "word/document.xml unpacks to 204 MB"),
    ("whitespace.docx", lambda: inputs.docx_whitespace(300), "word/document.xml unpacks to 315 MB"),
    ("flood.pdf", inputs.pdf_glyph_flood, "page 1 is 14,400 × 14,400 pt, larger than any report page"),
    ("dense.pdf", inputs.pdf_dense_a4, "page 1 holds more than 50,000 glyphs (estimated)"),
    ("forms.pdf", inputs.pdf_form_flood, "page 1 holds more than 50,000 glyphs (estimated)"),
    ("cells.txt", inputs.many_cells, "3,000,001 lines and cells, more than the 1,000,000"),
])
def test_memory_bombs_refused_before_parsing(faulty, name, make, fragment):
    faulty.add(name, make())
    res, ds = faulty.build()
    err = faulty.error(ds, name)
    assert err["kind"] == "over_limit" and fragment in err["reason"], err
    assert res.worker_peak_mb < 400  # the expensive call never ran (PDFium's page of 20,000 forms: ~300 MB)


def test_memory_bomb_one_line_from_parse(tmp_path):
    f = tmp_path / "flood.pdf"
    f.write_bytes(inputs.pdf_glyph_flood())
    one_line_error(cli("parse", str(f)), f, "larger than any report page")


def test_huge_html_refused_by_size_in_build(faulty):
    inputs.sparse_file(faulty.src / "huge.html", 210 * 1000 * 1000, HTML.encode("utf-8"))
    _, ds = faulty.build()
    err = faulty.error(ds, "huge.html")
    assert err["kind"] == "too_large" and err["reason"] == "file too large (210 MB > 40 MB)"


def test_size_cap_in_the_library_too():
    with pytest.raises(ReportError, match="file too large"):
        parse_bytes(b"<html>" + b" " * (41 * 1000 * 1000), "big.html")


# --- numbers and metadata -----------------------------------------------------------------------

def test_number_beyond_int64_is_invalid_not_a_crash(faulty):
    text = SEED.replace("新收政府信息公开申请数量 | 2 |", "新收政府信息公开申请数量 | 12345678901234567890123 |")
    faulty.add("huge-cell.txt", text)
    _, ds = faulty.build()
    rid = ds.reports.loc[ds.reports["source_file"] == "huge-cell.txt", "report_id"].iloc[0]
    a = ds.applications
    cell = a[(a["report_id"] == rid) & (a["row"] == "new_received") & (a["applicant"] == "natural_person")].iloc[0]
    assert cell["flag"] == "invalid" and cell["raw"] == "12345678901234567890123" and cell["value"] is pd_na()
    assert not ds.reports.loc[ds.reports["report_id"] == rid, "is_complete"].iloc[0]


def pd_na():
    import pandas as pd

    return pd.NA


def test_sources_csv_gbk_and_years_written_with_nian(faulty):
    csv = (faulty.src / "sources.csv").read_text(encoding="utf-8").replace(",2023,", ",2023年,")
    (faulty.src / "sources.csv").write_bytes(csv.encode("gb18030"))  # as Excel saves it on a Chinese system
    _, ds = faulty.build()
    r = ds.reports.set_index("source_file")
    assert r.loc["pingtan-2023.txt", "agency"] == "平潭综合实验区" and r.loc["pingtan-2023.txt", "year"] == 2023
    assert r.loc["shanhaiguan-2023.txt", "agency"] == "山海关区人民政府办公室"
    assert len(ds.errors) == 0


def test_bad_sources_line_is_named_and_the_rest_builds(faulty):
    csv = (faulty.src / "sources.csv").read_text(encoding="utf-8")
    lines = csv.splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("pingtan-2023.txt"))
    lines[n] = lines[n].replace(",2023,", ",二〇二三,")
    (faulty.src / "sources.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, ds = faulty.build(bad=("pingtan-2023.txt",))
    err = faulty.error(ds, "pingtan-2023.txt")
    assert err["kind"] == "bad_metadata"
    assert err["reason"] == f"sources.csv line {n + 1}: year '二〇二三' is not a year (write 2019 or 2019年)"
    assert len(ds.reports) == 3


def test_unreadable_sources_csv_is_an_error_and_reports_still_build(faulty):
    (faulty.src / "sources.csv").write_bytes(b"file,agency\n\xff\xfe\xff.txt,x\n")  # no encoding reads 0xFF
    _, ds = faulty.build()
    err = faulty.error(ds, "sources.csv")
    assert err == {"source_file": "sources.csv", "sha256": None, "reason": "neither UTF-8 nor GB18030 text",
                   "kind": "bad_metadata", "build_key": None}
    assert len(ds.reports) == 4  # with the agency as printed in each report, and a warning saying why
    assert (ds.reports["warnings_count"] > 0).all()
    r = ds.reports.set_index("source_file")
    assert r.loc["shanhaiguan-2023.txt", "agency"] == r.loc["shanhaiguan-2023.txt", "agency_parsed"]


def test_unsafe_agency_id_is_refused(faulty):
    csv = (faulty.src / "sources.csv").read_text(encoding="utf-8").splitlines()
    csv[0] += ",agency_id"
    csv[1:] = [ln + (",../../../escaped" if ln.startswith("pingtan-2023.txt") else ",") for ln in csv[1:]]
    (faulty.src / "sources.csv").write_text("\n".join(csv) + "\n", encoding="utf-8")
    _, ds = faulty.build(bad=("pingtan-2023.txt",))  # checks that nothing was written outside --out
    err = faulty.error(ds, "pingtan-2023.txt")
    assert err["kind"] == "bad_metadata" and "agency_id '../../../escaped' is not a safe id" in err["reason"]
    assert not ds.reports["agency_id"].str.contains("/").any()


# --- the digit solver ----------------------------------------------------------------------------

def test_digit_runs_longer_than_a_row_are_refused_at_once(faulty):
    # pingtan 2023 is crawler text: its Table 3 rows are runs of digits; make one 60, 80 and 100 digits long
    runs = {"60.txt": "1" * 60, "80.txt": "2" * 80, "100.txt": "12345678901" * 9 + "1"}
    row = "本年新收政府信息公开申请数量"
    i = CRAWLER.index(row) + len(row)
    j = i
    while CRAWLER[j].isdigit():
        j += 1
    for name, run in runs.items():
        faulty.add(name, CRAWLER[:i] + run + CRAWLER[j:])
    faulty.add("runs.txt", inputs.long_digit_runs())  # the 3 KB file of 400-digit runs
    t0 = time.perf_counter()
    _, ds = faulty.build()
    assert time.perf_counter() - t0 < 30
    a = ds.applications.merge(ds.reports[["report_id", "source_file"]], on="report_id")
    for name, run in runs.items():
        cells = a[(a["source_file"] == name) & (a["row"] == "new_received")]
        assert (cells["flag"] == "invalid").all() and (cells["raw"] == run).all()
        warnings = parse_bytes((faulty.src / name).read_bytes(), name).warnings
        assert any(f"({len(run)} digits) are longer than any plausible row of 7 cells" in w for w in warnings)


def test_the_library_api_is_bounded_too():
    data = inputs.long_digit_runs(runs=8, length=400)
    t0 = time.perf_counter()
    rep = parse_bytes(data, "runs.txt")  # no time limit here: the solver's own bounds hold
    assert time.perf_counter() - t0 < 2
    assert rep.table3[("new_received", "total")].flag == "invalid"
    # runs of a plausible length but hard to cut: the step budget stops each, and the report's budget all
    hard = inputs.long_digit_runs(runs=8, length=56)
    t0 = time.perf_counter()
    rep = parse_bytes(hard, "hard.txt")
    assert time.perf_counter() - t0 < 10
    assert any("search steps" in w for w in rep.warnings)


def test_solver_budget_is_a_setting():
    with using(solver_steps=100):
        rep = parse_bytes(inputs.long_digit_runs(runs=1, length=40), "x.txt")
    assert any("needs more than 100 search steps to cut" in w for w in rep.warnings)


# --- files that are not files --------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_devices_and_fifos_refused_by_type(faulty):
    os.mkfifo(faulty.src / "pipe.txt")
    os.symlink("/dev/zero", faulty.src / "zero.txt")
    t0 = time.perf_counter()
    _, ds = faulty.build()
    assert time.perf_counter() - t0 < 30
    assert faulty.error(ds, "pipe.txt")["reason"] == "a FIFO (named pipe), not a regular file; not read"
    assert faulty.error(ds, "zero.txt")["reason"] == "a character device, not a regular file; not read"
    os.unlink(faulty.src / "pipe.txt")  # a FIFO left behind would trouble whoever cleans the folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_parse_refuses_devices_and_fifos_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    t0 = time.perf_counter()
    one_line_error(cli("parse", "/dev/zero"), "/dev/zero", "a character device, not a regular file")
    one_line_error(cli("parse", str(fifo)), fifo, "a FIFO (named pipe), not a regular file")
    assert time.perf_counter() - t0 < 20


# --- what used to become "not a report" silently ----------------------------------------------

def test_deep_html_is_read_and_said(faulty):
    faulty.add("deep.html", inputs.html_nested(HTML, 300))
    faulty.add("deeper.html", inputs.html_nested(HTML, 3000))
    _, ds = faulty.build()
    r = ds.reports.set_index("source_file")
    assert "deep.html" in r.index and r.loc["deep.html", "template"] == "2019"
    rep = parse_bytes((faulty.src / "deep.html").read_bytes(), "deep.html")
    assert rep.table3[("new_received", "total")].value == 859
    assert any("HTML nested 308 elements deep" in w for w in rep.warnings)
    assert faulty.error(ds, "deeper.html")["reason"] == "HTML nested more than 500 elements deep; not read"


def test_pdf_report_beyond_the_pages_read_is_said(faulty):
    pdf = inputs.pdf_after_pages(synthetic_pdf(), 61)
    faulty.add("annex.pdf", pdf)
    _, ds = faulty.build()
    err = faulty.error(ds, "annex.pdf")
    assert "only the first 60 of 6" in err["reason"] and "the report may lie beyond them" in err["reason"]
    with using(pdf_max_pages=80):
        rep = parse_bytes(pdf, "annex.pdf")
    assert rep.format == "pdf" and rep.table3[("new_received", "total")].flag is None


def test_utf16_declared_but_utf8_written(faulty):
    faulty.add("utf16.html", inputs.utf16_declared_utf8(HTML))
    _, ds = faulty.build()
    assert "utf16.html" in set(ds.reports["source_file"])
    assert parse_bytes(inputs.utf16_declared_utf8(HTML), "x.html").table3[("new_received", "total")].value == 859


def test_limits_are_settings_not_constants():
    assert Limits().max_file_bytes == 40 * 1000 * 1000
    with using(max_file_bytes=100), pytest.raises(ReportError, match=r"file too large \(1 KB > 0 KB\)"):
        parse_bytes(SEED.encode()[:1000], "seed.txt")


def test_texts_beyond_any_real_one_are_cut_when_stored_and_said(faulty):
    i = SEED.index("二、")
    prose = "本机关认真贯彻落实政府信息公开条例，" * 200  # 3,600 characters of section 一
    faulty.add("long.txt", SEED[:i] + prose + "\n" + SEED[i:])
    _, ds = faulty.build(Limits(worker_memory_mb=1024, max_section_chars=1000))
    rid = ds.reports.loc[ds.reports["source_file"] == "long.txt", "report_id"].iloc[0]
    sec = ds.sections[(ds.sections["report_id"] == rid) & (ds.sections["section"] == 1)].iloc[0]
    assert len(sec["text"]) == 1000
    rep = parse_bytes((faulty.src / "long.txt").read_bytes(), "long.txt")
    assert len(rep.sections[1]["text"]) > 3600  # the parser keeps it all; only the stored copy is cut
