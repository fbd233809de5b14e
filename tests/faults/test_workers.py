"""A build survives its workers: dead, out of memory, stuck."""

from __future__ import annotations

import time

from tests.faults import inputs
from tests.faults.conftest import CAP_MB
from tests.faults.helpers import behave, failed
from xxgk import pool
from xxgk.limits import Limits


def test_pool_reports_every_item_whatever_happens_to_its_worker():
    items = ["a", "kill", "b", "abort", "c", "hog", "d", "hang"] + [f"x{i}" for i in range(12)]
    t0 = time.perf_counter()
    got = list(pool.imap(behave, items, workers=2, failed=failed,
                         limits=Limits(worker_memory_mb=300, file_timeout_s=1, kill_grace_s=0.5)))
    assert time.perf_counter() - t0 < 20
    assert sorted(got) == sorted(
        [f"ok:{i}" for i in items if i not in ("kill", "abort", "hog", "hang")]
        + ["worker_died:kill:worker died (killed by SIGKILL; out of memory?)",
           "worker_died:abort:worker died (killed by SIGABRT; out of memory?)",
           "out_of_memory:hog:needs more memory than the 300 MiB a worker may use",
           "timeout:hang:gave up after 1 s (worker stopped)"])


def test_pool_replaces_workers_and_keeps_going():
    items = ["kill1", "kill2", "kill3"] + [f"slow{i}" for i in range(6)]
    got = list(pool.imap(behave, items, workers=2, failed=failed, limits=Limits(worker_memory_mb=300)))
    assert sorted(g.split(":")[0] for g in got) == ["ok"] * 6 + ["worker_died"] * 3


def test_worker_killed_by_pdfium_is_an_error_row(faulty):
    # ~11 million glyphs on one A4 page: with the glyph limits lifted, PDFium needs 1.6 GB for the text
    # page and aborts the worker when its cap refuses it: a real death, not a simulated one
    faulty.add("dense.pdf", inputs.pdf_dense_a4())
    lifted = Limits(worker_memory_mb=400, pdf_max_page_glyphs=10**9, pdf_max_glyphs=10**9)
    res, ds = faulty.build(lifted)
    err = faulty.error(ds, "dense.pdf")
    assert err["kind"] == "worker_died" and "killed by SIGABRT" in err["reason"]
    assert len(ds.reports) == 4 and res.errors == 1


def test_memory_cap_stops_a_docx_bomb_that_passes_the_limits(faulty):
    # a million tiny paragraphs (100 KB of ZIP): lxml needs ~550 MB; under a 300 MiB cap it fails
    faulty.add("tiny.docx", inputs.docx_tiny_paragraphs(1_000_000))
    lifted = Limits(worker_memory_mb=300, docx_max_member_bytes=10**9, docx_max_total_bytes=10**9,
                    max_nodes=10**9, docx_max_paragraphs=10**9)
    res, ds = faulty.build(lifted)
    err = faulty.error(ds, "tiny.docx")
    assert err["kind"] == "out_of_memory", err
    assert err["reason"] == "needs more memory than the 300 MiB a worker may use"
    assert res.worker_peak_mb < 300


def test_the_limits_stop_it_first_at_no_cost(faulty):
    faulty.add("tiny.docx", inputs.docx_tiny_paragraphs(6_000_000))  # the 645 KB file: 3.5 GB
    res, ds = faulty.build()
    err = faulty.error(ds, "tiny.docx")
    assert err["kind"] == "over_limit" and "word/document.xml unpacks to" in err["reason"]
    assert res.worker_peak_mb < 200 < CAP_MB


def test_a_file_that_takes_too_long_is_given_up(faulty):
    # the solver's limits lifted, so that these 120-digit runs would take a minute: the time limit stops it
    faulty.add("runs.txt", inputs.long_digit_runs(runs=2, length=120))
    lifted = Limits(worker_memory_mb=CAP_MB, file_timeout_s=1, run_cell_digits=1000, solver_steps=10**12,
                    solver_document_steps=10**12)
    t0 = time.perf_counter()
    _, ds = faulty.build(lifted)
    assert time.perf_counter() - t0 < 30
    err = faulty.error(ds, "runs.txt")
    assert err["kind"] == "timeout" and err["reason"].startswith("gave up after 1 s")


def test_errors_that_depend_on_the_machine_are_retried(faulty):
    faulty.add("runs.txt", inputs.long_digit_runs(runs=2, length=120))
    faulty.add("notes.txt", "会议纪要，没有表格。")
    lifted = Limits(worker_memory_mb=CAP_MB, file_timeout_s=1, run_cell_digits=1000, solver_steps=10**12,
                    solver_document_steps=10**12)
    first, ds = faulty.build(lifted)
    assert faulty.error(ds, "runs.txt")["kind"] == "timeout"
    second, ds = faulty.build()  # default limits: the timed-out file is tried again, the other error reused
    assert second.parsed - second.again == 1 and second.reused + second.again == 5
    assert "runs.txt" in set(ds.reports["source_file"]) and faulty.error(ds, "notes.txt")["kind"] == "not_a_report"


def test_a_forked_worker_too(tmp_path):
    """`xxgk parse` forks its worker: the same outcomes (run in a fresh process, which has no threads)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("from xxgk.pool import run_one; from xxgk.limits import Limits; "
            "from tests.faults.helpers import behave, failed; "
            "lim = Limits(worker_memory_mb=300, file_timeout_s=1, kill_grace_s=0.5); "
            "print([run_one(behave, i, limits=lim, failed=failed) for i in ('a', 'kill', 'abort', 'hog', 'hang')])")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(["ok:a", "worker_died:kill:worker died (killed by SIGKILL; out of memory?)",
                                    "worker_died:abort:worker died (killed by SIGABRT; out of memory?)",
                                    "out_of_memory:hog:needs more memory than the 300 MiB a worker may use",
                                    "timeout:hang:gave up after 1 s (worker stopped)"])


def test_a_script_without_main_guard_can_build(previous, tmp_path):
    """Workers are fresh interpreters that never import the caller's __main__ (multiprocessing's spawn
    and forkserver would run this script again in every worker)."""
    import subprocess
    import sys

    script = tmp_path / "mine.py"
    script.write_text(f"import xxgk\nres = xxgk.build([{str(previous / 'in')!r}], {str(tmp_path / 'out')!r}, "
                      "workers=2, progress=False)\nprint(res.reports, res.errors)\n", encoding="utf-8")
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["4", "0"]
