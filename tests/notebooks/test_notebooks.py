"""Every notebook executed through papermill on the bundled data, exported to HTML, and checked."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import warnings

import papermill as pm
import pytest

import xxgk
from tests.conftest import ROOT, gold_files, load_gold
from xxgk import plots
from xxgk.builder import build
from xxgk.render import Job, notebooks_dir, run

PARAMS = {
    "agency_year": ["agency", "year", "lang", "data"],
    "trends": ["agencies", "first_year", "last_year", "lang", "data"],
    "compare_agencies": ["year", "level", "region", "top_n", "min_handled", "lang", "data"],
    "data_quality": ["year", "lang", "data"],
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("nbdata") / "processed"
    build([ROOT / "data" / "raw"], out, workers=1, progress=False)
    return out


@pytest.mark.parametrize("name", list(PARAMS))
def test_parameters_cell(name):
    found = pm.inspect_notebook(str(notebooks_dir() / f"{name}.ipynb"))
    assert list(found) == PARAMS[name]
    assert all(p["inferred_type_name"] != "None" and p["help"] for p in found.values())
    nb = json.loads((notebooks_dir() / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert not any(c.get("outputs") for c in nb["cells"]), "outputs must be cleared before commit"


def _outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


JOBS = {
    "agency_year": {"agency": "平潭综合实验区", "year": 2023, "lang": "zh"},
    "trends": {"agencies": ["平潭综合实验区", "平潭综合实验区市场监督管理局"], "first_year": 2019, "last_year": 2025,
               "lang": "zh"},
    "compare_agencies": {"year": 2024, "level": "", "region": "", "top_n": 20, "min_handled": 10, "lang": "en"},
    "data_quality": {"year": 0, "lang": "zh"},
}


@pytest.mark.parametrize("name", list(JOBS))
def test_notebook_runs_and_renders(name, dataset, tmp_path):
    job = Job(name, {**JOBS[name], "data": str(dataset)}, name, name)
    html_path = run(job, tmp_path)
    outs = _outputs(tmp_path / f"{name}.ipynb")
    assert not [o for o in outs if o["output_type"] == "error"]
    stderr = "".join(o.get("text", "") for o in outs if o.get("name") == "stderr")
    assert not stderr.strip(), stderr  # no warning (a missing glyph would say "missing from font")
    html_out = "".join("".join(o["data"]["text/html"]) for o in outs if "text/html" in o.get("data", {}))
    assert html_out.count('<figure class="chart"><svg') >= 2
    page = html_path.read_text(encoding="utf-8")
    assert page.count("<svg") >= 2 and "data:image/png" not in page  # charts as inline SVG
    assert "import xxgk" not in page and "display(" not in page  # code hidden
    assert "<h2" in page and 'class="top"' in page and "<style>" in page


def test_agency_year_summary_numbers_match_gold(dataset, tmp_path):
    gold = [load_gold(p) for p in gold_files() if p.stem == "pingtan-2023"]
    if not gold:
        pytest.skip("../shared/corpus is not present")
    g = gold[0]["table3"]
    page = run(Job("agency_year", {**JOBS["agency_year"], "data": str(dataset)}, "ay", "ay"), tmp_path)
    md = page.read_text(encoding="utf-8")
    n = lambda k: f"{g[k]:,}"  # noqa: E731
    assert f"本年新收政府信息公开申请 <strong>{n('new_received.total')} 件</strong>" in md
    assert f"自然人 {n('new_received.natural_person')} 件" in md
    assert f"共办理 <strong>{n('total_processed.total')} 件</strong>" in md
    assert f"予以公开 {n('granted.total')} 件" in md and f"部分公开 {n('partially_granted.total')} 件" in md
    assert f"结转下年度 {n('carried_forward.total')} 件" in md
    assert f'<div class="v">{n("new_received.total")}<span class="u">件</span></div>' in md  # headline figure


def test_charts_have_no_missing_glyphs(dataset):
    from xxgk.dataset import quality

    q = quality(dataset)
    ds = xxgk.load(dataset)
    rid = ds.report_of("平潭综合实验区", 2023)["report_id"]
    aid = ds.report_of("平潭综合实验区", 2023)["agency_id"]
    figs = [plots.publication_volumes(ds, rid), plots.applications_by_applicant(ds, rid), plots.outcomes(ds, rid),
            plots.review_litigation(ds, rid), plots.outcome_shares_by_year(ds, aid), plots.reasons_by_year(ds, aid),
            plots.correction_rates_by_year(ds, aid), plots.failed_rules(q["per_rule"]),
            plots.flagged_cells(q["flags"]),
            plots.trend_lines(ds, "new_received", "zh", "本年新收申请")]
    figs = [f for f in figs if f is not None]
    assert len(figs) >= 8
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for boxes
        for fig in figs:
            fig.savefig(io.BytesIO(), format="png")
            plots.to_svg(fig)
    assert plots.setup() == "Noto Sans CJK SC"


def test_unknown_agency_fails_fast_with_nearest_names(dataset, tmp_path):
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "report", "agency_year", "--agency", "平潭实验区",
                        "--year", "2023", "--data", str(dataset), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "平潭综合实验区" in p.stderr and "nearest" in p.stderr
    assert not list(tmp_path.rglob("*"))  # nothing rendered: no kernel was started
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "report", "agency_year", "--agency", "平潭综合实验区",
                        "--year", "2011", "--data", str(dataset), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stderr == "xxgk: no report of 平潭综合实验区 for 2011; years known: 2019–2025\n"


def test_report_text_is_escaped(tmp_path):
    import random

    from xxgk import summaries
    from xxgk.synth import random_report, render

    raw = tmp_path / "raw"
    raw.mkdir()
    rep = random_report(random.Random(1), "2021", agency="<script>alert(1)</script>区人民政府", year=2023)
    (raw / "x.txt").write_text(render(rep, "pipe-text"), encoding="utf-8")
    build([raw], tmp_path / "out", workers=1, progress=False)
    ds = xxgk.load(tmp_path / "out")
    text = summaries.agency_year(ds, ds.reports["agency"].iloc[0], 2023)
    assert "<script>" not in text
    from xxgk.pages import prose

    assert "&lt;script&gt;alert(1)&lt;/script&gt;区人民政府" in prose(text)
    from xxgk.render import write_index

    jobs = [Job("agency_year", {}, "agency_year/x", "x", {"agency": ds.reports["agency"].iloc[0],
                                                          "agency_id": "x", "year": 2023})]
    page = write_index(jobs, tmp_path, set()).read_text(encoding="utf-8")
    assert "<script>alert" not in page and re.search("&lt;script&gt;", page)


def test_report_subset_by_year_and_unknown_agency(dataset, tmp_path):
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "report", "--agency", "不存在的机关", "--data", str(dataset),
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "known" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "report", "--year", "1999", "--data", str(dataset),
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stderr) == (2, "xxgk: no report for 1999; years known: 2019–2025\n")
    assert not list(tmp_path.rglob("*.html"))  # nothing rendered, not even an index


def test_load_reads_tables_on_demand(dataset):
    ds = xxgk.load(dataset, agency="平潭综合实验区", year=2023)
    assert "applications" not in vars(ds)  # nothing but reports read yet
    assert len(ds.applications) == 25 * 7 and "applications" in vars(ds)


def test_explore_notebook_answers_five_questions_in_three_lines(dataset, tmp_path):
    """The getting-started notebook runs on the bundled data; each question is answered in at most three
    lines, and the answers agree with the same figures taken the long way from the stored cells."""
    from openpyxl import load_workbook

    src = notebooks_dir() / "explore.ipynb"
    nb = json.loads(src.read_text(encoding="utf-8"))
    assert not any(c.get("outputs") for c in nb["cells"]), "outputs must be cleared before commit"
    found = pm.inspect_notebook(str(src))
    assert list(found) == ["data", "out"] and all(p["help"] for p in found.values())
    questions = [c for c in nb["cells"][3:] if c["cell_type"] == "code"]
    assert len(questions) == 6 and all(len("".join(c["source"]).strip().splitlines()) <= 3 for c in questions)

    out = tmp_path / "executed.ipynb"
    pm.execute_notebook(str(src), str(out), parameters={"data": str(dataset), "out": str(tmp_path / "xlsx")},
                        cwd=str(notebooks_dir()), progress_bar=False, kernel_name="python3")
    outs = _outputs(out)
    assert not [o for o in outs if o["output_type"] == "error"]
    assert not "".join(o.get("text", "") for o in outs if o.get("name") == "stderr").strip()  # no glyph warning
    text = "\n".join("".join(o.get("data", {}).get("text/plain", "")) for o in outs)

    ds = xxgk.load(dataset)
    a = ds.applications.merge(ds.reports[["report_id", "agency", "year"]], on="report_id")
    total = a[(a["applicant"] == "total")].pivot_table(index=["agency", "year"], columns="row", values="value",
                                                        aggfunc="first", observed=True)
    y23 = total.xs(2023, level="year")
    y23 = y23[y23["total_processed"] >= 5]
    share = (100 * y23["unable_not_held"] / y23["total_processed"]).astype(float).sort_values(ascending=False)
    assert share.index[0] == "平潭综合实验区管委会办公室" and round(share.iloc[0], 1) == 66.7
    assert f"{share.index[0]}    {share.iloc[0]:.1f}" in text  # question 1
    new = total.xs("平潭综合实验区", level="agency")["new_received"]
    assert list(new) == [23, 21, 70, 74, 81, 218, 154] and "2024    218" in text  # question 2
    r = ds.review_litigation.merge(ds.reports[["report_id", "year"]], on="report_id")
    corrected = r[(r["proceeding"] == "review") & (r["outcome"] == "corrected")].groupby("year")["value"].sum()
    assert corrected.to_dict() == {2019: 0, 2020: 0, 2021: 0, 2022: 2, 2023: 1, 2024: 1, 2025: 5}
    assert "2022    2\n2023    1\n2024    1\n2025    5\nName: corrected_count" in text  # question 3
    book = load_workbook(tmp_path / "xlsx" / "xxgk.xlsx", read_only=True)  # question 4
    assert {"reports", "applications", "tidy"} <= set(book.sheetnames)
    rows = list(book["applications"].iter_rows(values_only=True))
    assert "数值 (value)" in rows[0] and len(rows) == 1 + len(xxgk.load(dataset, year=2023).applications)
    values = [r[rows[0].index("数值 (value)")] for r in rows[1:]]
    assert 218 not in values and 81 in values and all(v is None or type(v) is int for v in values)  # whole numbers
    assert "<Figure size" in text  # question 5 drew its chart
