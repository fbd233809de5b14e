"""The whole site of the bundled data, rendered as ``make reports`` renders it and read as a reader would.

Every page (both languages) must pass :func:`tests.pages.reader.problems`; agency pages stay light; the
index knows every agency; a second run with nothing changed renders nothing, and a changed report
renders exactly the pages that show it.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.pages.reader import check_site
from xxgk.builder import build


def _report(data, out, *extra):
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "report", "--data", str(data), "--out", str(out),
                        "--no-progress", *extra], capture_output=True, text=True, timeout=1200)
    assert p.returncode == 0, p.stdout + p.stderr
    m = re.search(r"(\d+) pages: (\d+) rendered, (\d+) unchanged, (\d+) failed", p.stdout)
    assert m, p.stdout
    return {"pages": int(m[1]), "rendered": int(m[2]), "unchanged": int(m[3]), "failed": int(m[4])}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    raw = root / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    data = root / "data"
    build([raw], data, progress=False)
    out = root / "reports"
    first = _report(data, out)
    return {"root": root, "raw": raw, "data": data, "out": out, "first": first}


def test_every_page_reads_well(site):
    assert site["first"]["failed"] == 0 and site["first"]["rendered"] == site["first"]["pages"]
    bad = check_site(site["out"])
    assert not bad, "\n".join(f"{p.relative_to(site['out'])}: {m}" for p, ms in list(bad.items())[:20] for m in ms[:3])


def test_site_layout_names_and_sizes(site):
    import xxgk

    out = site["out"]
    ds = xxgk.load(site["data"])
    n = len(ds.reports)
    for tree in (out, out / "en"):
        assert len(list((tree / "agency_year").glob("*.html"))) == n
        assert (tree / "index.html").exists() and (tree / "data_quality.html").exists()
        assert len(list((tree / "compare").glob("*.html"))) == ds.reports["year"].nunique()
    names = {p.name for p in (out / "agency_year").glob("*.html")}
    assert "平潭综合实验区-2023.html" in names and "山海关区人民政府办公室-2023.html" in names  # readable
    sizes = [p.stat().st_size for p in (out / "agency_year").glob("*.html")]
    assert statistics.median(sizes) <= 250 * 1024, statistics.median(sizes)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(a in index for a in ds.reports["agency"].unique())
    assert 'id="q"' in index and "<script>" in index  # the filter box, inline
    assert not list(out.rglob("*.ipynb")) and not list(out.rglob("*.part"))


def test_pages_link_index_siblings_and_language(site):
    page = (site["out"] / "agency_year" / "平潭综合实验区-2023.html").read_text(encoding="utf-8")
    for target in ("../index.html", "2022.html", "../trends/", "../compare/2023.html", "../en/agency_year/"):
        assert target in page.replace("%E5%B9%B3%E6%BD%AD%E7%BB%BC%E5%90%88%E5%AE%9E%E9%AA%8C%E5%8C%BA-", ""), target


def test_second_run_renders_nothing_and_a_change_renders_its_pages(site):
    again = _report(site["data"], site["out"])
    assert again["rendered"] == 0 and again["unchanged"] == again["pages"]
    manifest = json.loads((site["out"] / ".xxgk-pages.json").read_text(encoding="utf-8"))
    assert len(manifest) == again["pages"]
    # one report changes (its file): its agency's pages, those years' comparisons and the quality page
    f = site["raw"] / "pingtan-2023.txt"
    f.write_text(f.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build([site["raw"]], site["data"], progress=False)
    import xxgk

    reps = xxgk.load(site["data"]).reports
    mine = reps[reps["agency"] == "平潭综合实验区"]
    expected = 2 * (len(mine) + 1 + 1 + 1)  # its years, its trends, 2023's comparison, quality; zh and en
    changed = _report(site["data"], site["out"])
    assert changed["rendered"] == expected and changed["failed"] == 0
