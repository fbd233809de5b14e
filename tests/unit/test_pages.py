"""Page building blocks: numbers for reading, escaping, badges, tables, charts and empty sections."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from xxgk import metadata as md
from xxgk import pages, plots
from xxgk.builder import build


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    import xxgk

    out = tmp_path_factory.mktemp("pagesdata") / "processed"
    build([ROOT / "data" / "raw"], out, workers=1, progress=False)
    return xxgk.load(out)


@pytest.mark.parametrize("value, text", [
    (10690.0, "10,690"), (10690, "10,690"), (0.0, "0"), (None, "—"), (np.nan, "—"), (pd.NA, "—"),
    (pd.array([3, None], dtype="Int64")[0], "3"), (pd.array([3, None], dtype="Int64")[1], "—"), (2.5, "2.5"),
])
def test_counts_read_as_whole_numbers(value, text):
    assert pages.num(value) == text


def test_percentages_changes_and_amounts():
    assert pages.pct(366.201483) == "366.2%" and pages.pct(None) == "—" and pages.pct(pd.NA) == "—"
    assert pages.signed(12.0) == "+12" and pages.signed(-3) == "−3" and pages.signed(0) == "0"
    assert pages.signed(-2.26, 1) == "−2.3"
    assert pages.amount(1.2500) == "1.25" and pages.amount(3.0) == "3" and pages.amount(np.nan) == "—"


def test_table2_shows_the_amounts_of_money_it_printed(ds):
    """Money is stored in ``amount`` (``value`` holds counts): the page prints it as the report did, not "—"."""
    rid = ds.reports.set_index(["agency", "year"]).loc[("平潭综合实验区", 2021), "report_id"]
    assert "24,252.311082" in str(pages.table2(ds, rid, "zh"))  # 行政事业性收费, 万元, six decimals printed
    rid = ds.reports.set_index(["agency", "year"]).loc[("上海市人民政府办公厅", 2019), "report_id"]
    html = str(pages.table2(ds, rid, "en"))
    assert "251,000 元" in html and "— 元" not in html  # 采购总金额, printed in 元
    assert "procurement amount (unit as printed)" in html
    rid = ds.reports.set_index(["agency", "year"]).loc[("平潭综合实验区", 2021), "report_id"]
    assert "fees collected (10k yuan)" in str(pages.table2(ds, rid, "en"))  # the unit stays in the header
    assert pages.money_text(9116.36) == "9,116.36" and pages.money_text(pd.NA) == "—"


def test_english_counts_of_one_are_singular():
    assert pages.T("status.failed", "en", n=1) == "1 check fails" and pages.T("status.failed", "en", n=2) == "2 checks fail"
    assert pages.T("status.failed", "zh", n=1) == "1 项校验未通过"
    assert pages.plain("empty.rank_single", "en", name="A", value="2.5", n=1).endswith("the other 1 agency is at 0.")
    assert pages.T("card.median_disclosed.help", "en", n=1, m=10) == "1 agency that handled ≥10"
    texts = pages._texts()
    for key in [k for k in texts if k.endswith("_one")]:  # a singular row stands beside its plural one,
        base = key[: -len("_one")]  # with the same placeholders in both languages
        assert base in texts, key
        for one, many in zip(texts[key], texts[base], strict=True):
            assert sorted(re.findall(r"{(\w+)}", one)) == sorted(re.findall(r"{(\w+)}", many)), key


def test_english_sentences_agree_with_a_count_of_one(ds):
    from xxgk import summaries

    assert summaries.count(1, "agency", "agencies") == "1 agency" and summaries.count(1200, "file", "files") == "1,200 files"
    one = ds.reports[ds.reports["year"] == 2024].head(1)
    table = pd.DataFrame({"agency": one["agency"].tolist(), "total_processed_count": [1], "disclosed_pct": [100.0]})
    assert summaries.compare(table, 2024, "en").startswith("**2024**: 1 agency, 1 application handled in all.")


def test_the_narrative_table_names_channels_in_the_page_language(ds):
    rid = ds.reports.set_index(["agency", "year"]).loc[("山海关区人民政府办公室", 2023), "report_id"]
    en, zh = str(pages.narrative(ds, rid, "en")), str(pages.narrative(ds, rid, "zh"))
    assert "disclosure platform" in en and "disclosure_platform" not in en
    assert "信息公开平台" in zh and "disclosure_platform" not in zh


@pytest.mark.parametrize("note, zh", [
    ("'0 00000' has 6 digits for 7 cells: cells were lost", "“0 00000”只有 6 位数字，却对应 7 个单元格：有单元格丢失"),
    ("row printed with 8 cells where the template has 7", "该行印出 8 个单元格，模板为 7 个"),
    ("evidence outside the table contradicts it: in force the year before = 3/23 per jtj-2024.txt (2024): "
     "in force at its end", "表外旁证与之矛盾：上年报告的现行有效件数 = 3/23 据 jtj-2024.txt（2024 年）：年末现行有效件数"),
    ("issued = 6, in_force = 698 per the report's text: '制发规范性文件6件'",
     "本年制发件数 = 6, 现行有效件数 = 698 据本报告正文：'制发规范性文件6件'"),
    ("OCR read '12' (confidence 0.42), which no rule allows; R2, R3 hold only with 17",
     "OCR 识别为“12”（置信度 0.42），任何规则都不允许该值；R2, R3 仅在取 17 时成立"),
    ("a note no row knows", "a note no row knows"),  # stays as written rather than half translated
])
def test_parser_notes_read_in_chinese_on_chinese_pages(note, zh):
    assert pages.note_text(note, "zh") == zh
    assert pages.note_text(note, "en") == note


def test_the_flagged_cells_of_a_chinese_page_carry_chinese_notes(ds):
    rid = ds.reports.set_index(["agency", "year"]).loc[("上海市科学技术委员会", 2024), "report_id"]
    zh, en = str(pages.flagged(ds, rid, "zh")), str(pages.flagged(ds, rid, "en"))
    assert "因此成立" in zh and "hold with it" not in zh and "hold with it" in en


def test_ui_text_escapes_what_it_is_given():
    out = pages.T("status.failed", "zh", n="<b>2</b>")
    assert "<b>" not in out and "&lt;b&gt;2&lt;/b&gt; 项校验未通过" == out
    assert pages.T("status.failed", "en", n=2) == "2 checks fail"


def test_flag_badges_come_from_the_metadata(monkeypatch):
    assert "已恢复" in pages.badge("recovered", "zh") and 'class="badge info"' in pages.badge("recovered", "zh")
    assert ">据旁证</span>" in pages.badge("inferred", "zh") and ">inferred</span>" in pages.badge("inferred", "en")
    for flag in md.FLAGS:  # every flag has a name and a meaning in both languages, none left in English on zh pages
        zh, en = md.FLAG_LABELS[flag], md.FLAG_HELP[flag]
        assert all(zh) and all(en) and any("\u4e00" <= c <= "\u9fff" for c in zh[0] + en[0]), flag
    monkeypatch.setitem(md.FLAGS, "rounded", "printed rounded to thousands")
    b = pages.badge("rounded", "zh")  # a flag added to metadata later still gets a badge, with its meaning
    assert ">rounded</span>" in b and 'title="printed rounded to thousands"' in b
    assert set(pages.flag_labels("en")) == set(md.FLAGS)
    assert pages.badge(None) == "" and pages.badge(float("nan")) == ""


def test_reading_table_has_no_index_and_formats_numbers():
    df = pd.DataFrame({"name": ["<b>甲</b>", "乙"], "n": pd.array([10690, None], dtype="Int64"),
                       "p": [12.345, np.nan], "f": ["recovered", None]}, index=[7, 9])
    out = pages.table(df, [pages.Col("name", "名称"), pages.Col("n", "件数", "count"), pages.Col("p", "占比", "pct"),
                           pages.Col("f", "标记", "flag")], "zh")
    assert "<th" in out and "名称" in out and "10,690" in out and "12.3%" in out and "—" in out
    assert "&lt;b&gt;甲" in out and "<b>" not in out
    assert ">7<" not in out and ">9<" not in out and "row_heading" not in out  # no index column
    assert '<td class="n">10,690</td>' in out and "T_t" not in out and "<style" not in out
    assert pages.table(df.iloc[:0], [pages.Col("name", "名称")]) == ""


def test_check_notes_and_scopes_in_the_page_language():
    assert pages.check_note("in_force 2021 + issued − repealed 2022", "zh") == "2021 年现行有效 + 2022 年制发 − 废止"
    assert pages.check_note("carried_forward 2022 (ag-1-2022) → carried_over 2023", "en") == \
        "carried forward 2022 → carried over 2023"
    assert pages.check_note("total cell printed blank", "zh") == "总计栏空白"
    assert pages.check_note(pd.NA) == ""
    assert pages.scope_label("table3.natural_person", "zh") == "表三 · 自然人"
    assert pages.scope_label("table3.granted", "en") == "Table 3 · granted in full"
    assert pages.scope_label("section3.applications_received", "zh") == "正文第 3 部分"
    assert pages.rule_label("R1", "zh").startswith("R1 ")


def test_a_chart_with_nothing_to_show_becomes_one_sentence():
    assert pages.chart(None, "zh", "no_review") == '<p class="empty">本年没有政府信息公开行政复议和行政诉讼。</p>'
    assert pages.chart(None, "zh") == ""
    assert "（七）总计为 2 件" in pages.chart(plots.NoChart("outcomes_zero", n="2"), "zh")
    fig, ax = plots._figure(4, 3)
    ax.barh([0, 1], [0, 0])  # bars of zero length: an empty panel
    assert pages.chart(fig, "en", "no_handled") == '<p class="empty">No application was handled this year.</p>'


def test_charts_are_inline_svg_with_text_and_marks(ds):
    rid = ds.report_of("平潭综合实验区", 2023)["report_id"]
    out = pages.chart(plots.outcomes(ds, rid, "zh"), "zh", "no_handled")
    assert out.startswith('<figure class="chart"><svg') and "办理结果" in out  # text stays text
    assert "mark1" in out and "<image" not in out and "http://" not in out.replace("http://www.w3.org", "")
    assert "无数据" not in out and ".0 " not in out


def test_chart_functions_return_nothing_for_nothing(ds):
    reps = ds.reports.set_index("report_id")
    zero = [r for r in reps.index if not plots._floats(ds.review_litigation[ds.review_litigation["report_id"] == r]
                                                       ["value"]).any()]
    assert zero and plots.review_litigation(ds, zero[0]) is None
    no_apps = [r for r in reps.index
               if np.nansum(plots._floats(ds.applications[(ds.applications["report_id"] == r)
                                                          & (ds.applications["row"] == "new_received")]["value"])) == 0]
    assert no_apps and plots.applications_by_applicant(ds, no_apps[0]) is None
    assert plots.ranked_bars(pd.DataFrame({"agency": ["a"], "v": [3.0]}), "v") is None  # one agency: no ranking
    one = plots.ranked_bars(pd.DataFrame({"agency": ["甲", "乙", "丙"], "v": [8.66, 0.0, 0.0]}), "v", fmt="{:.1f}")
    assert pages.chart(one, "zh") == '<p class="empty">只有甲一个机关不为 0（8.7），其余 2 个机关为 0。</p>'
    one = plots.ranked_bars(pd.DataFrame({"agency": ["甲", "乙", "丙"], "v": [8.66, 0.0, 0.0]}), "v", fmt="{:.1f}",
                            title="每百件申请的行政复议", unit="件/百件")  # the sentence says what the value is
    assert pages.chart(one, "zh") == ('<p class="empty">每百件申请的行政复议：只有甲一个机关不为 0（8.7 件/百件），'
                                      '其余 2 个机关为 0。</p>')
    two = plots.ranked_bars(pd.DataFrame({"agency": ["甲", "乙", "丙"], "v": [8.0, 2.0, 0.0]}), "v")
    assert "另有 1 个机关为 0" in pages.chart(two, "zh")
    assert plots.distribution(pd.Series([1.0, 2.0, 3.0])) is None  # a few agencies: the ranking shows them


def test_headline_figures_and_header(ds):
    rid = ds.report_of("平潭综合实验区", 2023)["report_id"]
    h = pages.agency_year_header(ds, rid, "zh")
    assert "<h1>平潭综合实验区</h1>" in h and "2021 年版模板" in h and "查看原文" in h
    assert h.count('class="card"') >= 4 and "较上年" in h
    assert 'href="https://' in h and "javascript" not in h
    first = ds.reports.sort_values("year").iloc[0]
    h0 = pages.agency_year_header(ds, first["report_id"], "en")
    assert f"No {int(first['year']) - 1} report" in h0 and "on " + str(int(first["year"]) - 1) not in h0


def test_checks_are_summarised_with_only_failures_listed(ds):
    c = ds.checks
    ok = [r for r, g in c.groupby("report_id") if g["is_passed"].astype(bool).all()]
    out = pages.checks(ds, ok[:1], "zh")
    n = int((c["report_id"] == ok[0]).sum() - (c[c["report_id"] == ok[0]]["is_warning"].astype(bool)).sum())
    assert f"全部 {n} 项校验通过" in out and "<table" not in out
    failing = c[~c["is_passed"].astype(bool)]
    hard = set(failing[~failing["is_warning"].astype(bool)]["report_id"])
    soft = set(failing[failing["is_warning"].astype(bool)]["report_id"])
    bad = sorted(hard - soft)[0]
    mine = c[(c["report_id"] == bad) & ~c["is_warning"].astype(bool)]
    failed = int((~mine["is_passed"].astype(bool)).sum())
    out = pages.checks(ds, [bad], "en")
    assert f"{failed} of {len(mine)} checks fail" in out
    assert out.count("<tr>") == failed + 1  # the failures only, under one header


def test_flagged_cells_table_is_complete_and_folded(ds):
    counts = ds.reports.set_index("report_id")["flagged_cells_count"].astype(int)
    rid = counts.idxmax()
    out = pages.flagged(ds, rid, "zh")
    assert out.count("<details") == 1 and f"全部 {counts[rid]:,} 个标记单元格" in out
    assert out.count("<tr>") == counts[rid] + 1  # every flagged cell, plus the header
