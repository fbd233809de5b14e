"""The CLI contract: JSON shape on stdout and exit 0 for reports; one stderr line and exit 2 otherwise."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_parse_json_contract(seed_file):
    p = run("parse", str(seed_file), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) >= {"report", "table2", "table3", "table4", "checks", "warnings"}
    assert set(out["report"]) >= {"agency", "year", "title", "template", "format", "source"}
    assert out["report"]["template"] == "2021" and out["report"]["format"] == "pipe-text"
    assert len(out["table2"]) == 10 and len(out["table3"]) == 175 and len(out["table4"]) == 15
    assert set(out["table3"][0]) >= {"row", "applicant", "value", "raw", "flag"}
    assert set(out["table2"][0]) >= {"item", "measure", "value", "raw", "flag"}
    assert set(out["table4"][0]) >= {"proceeding", "outcome", "value", "raw", "flag"}
    assert set(out["checks"][0]) >= {"rule", "scope", "expected", "actual", "passed"}
    codes = [(c["row"], c["applicant"]) for c in out["table3"]]
    assert len(codes) == len(set(codes))


def test_parse_summary(seed_file):
    p = run("parse", str(seed_file))
    assert p.returncode == 0
    assert "山海关区人民政府办公室" in p.stdout and "2021" in p.stdout and "FAIL R2" in p.stdout


@pytest.mark.parametrize("content,fragment", [
    (b"", "empty file"),
    ("今天天气很好，没有表格。".encode(), "not a 政府信息公开工作年度报告"),
    (b"%PDF-1.4 garbage", "PDF"),
    (b"\x00\x01\x02\x03binary", "binary"),
])
def test_bad_input_exit_2_one_line(tmp_path, content, fragment):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    p = run("parse", str(f), "--json")
    assert p.returncode == 2
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and str(f) in lines[0] and fragment in lines[0]
    assert "Traceback" not in p.stderr


def test_missing_file(tmp_path):
    p = run("parse", str(tmp_path / "nope.txt"))
    assert p.returncode == 2 and "no such file" in p.stderr


def test_legacy_exit_2(corpus):
    p = run("parse", str(corpus / "raw" / "pingtan-2018-legacy.txt"), "--json")
    assert p.returncode == 2 and p.stdout == "" and "pre-2019" in p.stderr
