"""The library as an analyst meets it: Chinese in any chart after ``import xxgk``, whole-number counts in
every export, reports named by agency and year, and a CLI that answers with help, a version, one line
on stderr and exit 2 for what is not a report."""

from __future__ import annotations

import csv
import re
import subprocess
import sys

import pytest

import xxgk
from tests.conftest import ROOT
from xxgk import plots, summaries
from xxgk.builder import build


def cli(*args):
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("analyst") / "processed"
    build([ROOT / "data" / "raw"], out, workers=1, progress=False)
    return out


def test_import_xxgk_is_enough_for_chinese_in_a_plain_matplotlib_chart():
    code = ("import xxgk, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
            "import seaborn as sns, pandas as pd\n"
            "fig, ax = plt.subplots(); ax.bar(['予以公开', '部分公开'], [3, 4]); ax.set_title('办理结果构成', fontweight='bold')\n"
            "sns.barplot(x=['不予公开', '无法提供'], y=[1, 2], ax=ax)\n"
            "pd.Series([1, 2], index=['新收申请', '上年结转']).plot.barh()\n"
            "fig.savefig('/dev/null', format='png')\n"
            "print(plt.rcParams['font.sans-serif'][0])")
    p = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr  # a missing glyph warns "Glyph … missing from font(s)": -W error fails it
    assert p.stdout.strip() == "Noto Sans CJK SC" and "missing from font" not in p.stderr
    assert "findfont" not in p.stderr, p.stderr  # the font has one weight: a bold title is no cause for a warning
    without = subprocess.run([sys.executable, "-c", code.replace("import xxgk, ", "import ")],
                             capture_output=True, text=True, timeout=120)
    assert "missing from font" in without.stderr  # the check can fail: without xxgk the glyphs are boxes


def test_build_stays_the_function_after_its_module_is_imported():
    import xxgk.builder

    assert callable(xxgk.build) and xxgk.build is not xxgk.builder and xxgk.builder.build.__module__ == "xxgk.builder"


def test_plots_and_summaries_take_agency_names_and_years(data):
    ds = xxgk.load(data)
    rid = ds.report_of("平潭综合实验区", 2023)["report_id"]
    assert ds.report_id("平潭综合实验区", 2023) == rid == ds.report_id(rid)
    assert ds.agency_id("平潭综合实验区") == ds.reports.set_index("report_id").loc[rid, "agency_id"]
    by_name = plots.outcomes(ds, "平潭综合实验区", year=2023)
    by_id = plots.outcomes(ds, rid)
    assert plots.to_svg(by_name) == plots.to_svg(by_id)
    assert plots.outcome_shares_by_year(ds, "平潭综合实验区") is not None
    assert summaries.narrative_summary(ds, "平潭综合实验区", year=2023) == summaries.narrative_summary(ds, rid)
    with pytest.raises(LookupError, match=r"has reports for 2019–2025: give the year"):
        plots.outcomes(ds, "平潭综合实验区")
    with pytest.raises(LookupError, match=r"no 2011 report for '平潭综合实验区'; years known: 2019–2025"):
        plots.reasons(ds, "平潭综合实验区", year=2011)
    with pytest.raises(LookupError, match=r"unknown agency '平潭实验区'; nearest known agencies: 平潭综合实验区"):
        plots.reasons_by_year(ds, "平潭实验区")


def test_export_csv_opens_in_excel_and_counts_are_whole(data, tmp_path):
    p = cli("export", "--data", str(data), "--out", str(tmp_path / "csv"), "--year", "2023")
    assert p.returncode == 0 and p.stderr == "", p.stderr
    raw = (tmp_path / "csv" / "applications.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the Chinese right
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows and not any(re.fullmatch(r"\d+\.0", r["value"]) for r in rows)
    assert "81" in {r["value"] for r in rows}  # 平潭 2023: 81 new applications, printed whole


def test_export_xlsx_one_sheet_per_table_with_frozen_labelled_headers(data, tmp_path):
    from openpyxl import load_workbook

    p = cli("export", "--format", "xlsx", "--data", str(data), "--out", str(tmp_path), "--agency", "平潭综合实验区",
            "--year", "2023")
    assert p.returncode == 0, p.stderr
    book = load_workbook(tmp_path / "xxgk.xlsx")
    assert book.sheetnames == ["reports", "tidy", "active_disclosure", "applications", "review_litigation",
                               "checks", "narrative_figures"]
    ws = book["applications"]
    head = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b and "数值 (value)" in head
    values = [r[head.index("数值 (value)")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 175 and 81 in values and all(v is None or type(v) is int for v in values)
    assert cli("export", "--format", "ods", "--data", str(data), "--out", str(tmp_path)).returncode == 2


def test_cli_help_version_and_errors(data, tmp_path):
    p = cli()
    assert p.returncode == 0 and p.stdout.startswith("usage: xxgk") and "export" in p.stdout and p.stderr == ""
    p = cli("--version")
    assert (p.returncode, p.stdout) == (0, f"xxgk {xxgk.__version__}\n")
    p = cli("export", "--data", str(tmp_path / "none"))
    assert p.returncode == 2 and p.stderr.startswith("xxgk: no dataset in ") and len(p.stderr.splitlines()) == 1
    p = cli("sql", "select nope from reports", "--data", str(data))
    assert p.returncode == 2 and p.stderr.startswith("xxgk: sql: Binder Error") and "Traceback" not in p.stderr
    p = cli("export", "--data", str(data), "--year", "2030", "--out", str(tmp_path / "x"))
    assert (p.returncode, p.stderr) == (2, f"xxgk: no report for 2030 in {data}; years known: 2019–2025\n")


def test_what_is_not_a_report_exits_2_with_one_line(tmp_path):
    p = cli("parse", str(ROOT / "data" / "raw" / "sources.csv"))
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "sources.csv: not a 政府信息公开工作年度报告" in p.stderr
    # the 2021 template with every value blank: the tables are found, nothing is in them
    lines = (ROOT / "data" / "raw" / "shanhaiguan-2023.txt").read_text(encoding="utf-8").splitlines()[20:]
    blank = [re.sub(r"(?:^|(?<=\|))\s*\d+\s*(?=\|)", "  ", s) for s in lines
             if "|" in s or re.match(r"^[一二三四五六]、", s)]
    f = tmp_path / "template.txt"
    f.write_text("\n".join(blank), encoding="utf-8")
    p = cli("parse", str(f), "--json")
    assert p.returncode == 2 and p.stdout == "" and p.stderr.count("\n") == 1
    assert f"{f}: not a 政府信息公开工作年度报告: no report title, and the template's tables hold no value" in p.stderr


def test_a_closed_pipe_ends_quietly(seed_file):
    # `true` exits at once without reading: the parse writes its JSON into a pipe nobody reads any more
    p = subprocess.run(f"{sys.executable} -m xxgk.cli parse {seed_file} --json | true", shell=True,
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.stderr == ""  # no BrokenPipeError traceback
    p = subprocess.run(f"{sys.executable} -m xxgk.cli parse {seed_file} --json | head -c 10", shell=True,
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.stdout == '{\n "report' and p.stderr == ""


def test_load_says_what_it_does_not_have(data):
    with pytest.raises(LookupError, match=r"no report for 2030 in .*; years known: 2019–2025"):
        xxgk.load(data, year=2030)
    with pytest.raises(LookupError, match=r"no report of '平潭实验区' in .*; nearest known agencies: 平潭综合实验区"):
        xxgk.load(data, agency="平潭实验区")
    assert set(xxgk.load(data, agency="平潭综合实验区", year=[2023, 2024]).reports["year"]) == {2023, 2024}
