"""Parsing on small hand-made inputs: versions, blank/missing rows, unlabelled rows, stray numbers."""

import pytest

from xxgk import ReportError, parse_bytes
from xxgk.parse import detect_template, find_regions, linearize
from xxgk.readers import read_bytes

T2_2021 = ("第二十条第(一)项 | |||\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n规章 | 0 | 0 | 1 |\n"
           "行政规范性文件 | 2 | 0 | 9 |\n")
T2_2019 = ("第二十条第(一)项 | |||\n信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |\n规章 | 0 | 0 | 1 |\n"
           "规范性文件 | 2 | 2 | 9 |\n第二十条第(九)项 | ||\n信息内容 | 采购项目数量 | 采购总金额 |\n政府集中采购 | 3 | 11.876 |\n")


def t3(rows):
    head = "三、收到和处理政府信息公开申请情况\n(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 |\n"
    return head + "".join(f"{label} | " + " | ".join(map(str, vals)) + " |\n" for label, vals in rows)


ROWS_2021 = [("一、本年新收政府信息公开申请数量", [3, 0, 0, 0, 0, 0, 3]),
             ("二、上年结转政府信息公开申请数量", [0] * 7),
             ("(一)予以公开", [2, 0, 0, 0, 0, 0, 2]),
             ("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", [0] * 7),
             ("(四)无法提供 | 1.本机关不掌握相关政府信息", [1, 0, 0, 0, 0, 0, 1]),
             ("(六)其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", [0] * 7),
             ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", [0] * 7),
             ("3.其他", [0] * 7),
             ("(七)总计", [3, 0, 0, 0, 0, 0, 3]),
             ("四、结转下年度继续办理", [0] * 7)]
T4 = "四、政府信息公开行政复议、行政诉讼情况\n行政复议 | 行政诉讼 |\n" + " | ".join(["1", "0", "0", "0", "1"] + ["0"] * 10) + " |\n"
TITLE = "某某区人民政府2023年政府信息公开工作年度报告\n一、总体情况\n概述。\n二、主动公开政府信息情况\n"


def parse(text):
    return parse_bytes(text.encode(), "t.txt")


def test_2021_report_with_unprinted_rows_marks_them_missing():
    rep = parse(TITLE + T2_2021 + t3(ROWS_2021) + T4 + "五、存在的主要问题及改进情况\n无。\n")
    assert rep.template == "2021"
    assert rep.meta["agency"] == "某某区人民政府" and rep.meta["year"] == 2023
    assert rep.table3[("new_received", "total")].value == 3
    assert rep.table3[("unable_not_held", "natural_person")].value == 1
    assert rep.table3[("denied_state_secret", "total")].flag == "missing"
    assert rep.table3[("denied_state_secret", "total")].value is None
    assert rep.table2[("normative_documents", "in_force")].value == 9
    assert rep.table2[("licensing", "decisions")].flag == "missing"
    assert rep.table4[("review", "upheld")].value == 1
    assert len(rep.table3) == 25 * 7 and len(rep.table2) == 10 and len(rep.table4) == 15
    assert all(c.passed for c in rep.checks)
    assert rep.sections[5]["text"] == "无。"


def test_2019_tables_and_money_without_unit():
    rows = [r for r in ROWS_2021 if "逾期" not in r[0] and "缴纳" not in r[0] and r[0] != "3.其他"]
    rows.insert(5, ("(六)其他处理", [0] * 7))
    rep = parse(TITLE.replace("2023", "2020") + T2_2019 + t3(rows) + T4)
    assert rep.template == "2019"
    cv = rep.table2[("procurement", "procurement_amount")]
    assert (cv.value, cv.flag) == (11.876, "unit_unknown")
    assert rep.table2[("normative_documents", "newly_published")].value == 2
    assert rep.table3[("other_handling", "total")].value == 0
    assert len(rep.table2) == 22 and len(rep.table3) == 23 * 7


def test_mixed_template_reads_each_table_by_its_own_labels():
    rep = parse(TITLE + T2_2019 + t3(ROWS_2021) + T4)
    assert rep.template == "mixed"
    assert rep.table_templates == {"table2": "2019", "table3": "2021"}
    assert ("procurement", "procurement_items") in rep.table2
    assert ("other_other", "total") in rep.table3


def test_2021_report_printing_the_single_2019_other_row():
    rows = [r for r in ROWS_2021 if "逾期" not in r[0] and "缴纳" not in r[0] and r[0] != "3.其他"]
    rows.insert(5, ("(六)其他处理 | ", [1, 0, 0, 0, 0, 0, 1]))
    rows[0] = ("一、本年新收政府信息公开申请数量", [4, 0, 0, 0, 0, 0, 4])
    rows[-2] = ("(七)总计", [4, 0, 0, 0, 0, 0, 4])
    rep = parse(TITLE + T2_2021 + t3(rows) + T4)
    assert rep.template == "2021"
    for code in ("other_overdue_correction", "other_overdue_fee", "other_other"):
        assert rep.table3[(code, "total")].flag == "missing"
    assert rep.table3[("other_handling", "total")].value == 1
    assert all(c.passed for c in rep.checks if c.rule == "R2")


def test_version_detection_markers_and_fallback():
    doc = read_bytes((TITLE + T2_2021 + t3(ROWS_2021)).encode(), "x")
    text = linearize(doc)
    regions = find_regions(text, [])
    assert detect_template(text, regions, 2019)[0] == "2021"  # labels beat the year
    doc = read_bytes((TITLE + t3(ROWS_2021[:4])).encode(), "x")
    text = linearize(doc)
    template, _, notes = detect_template(text, find_regions(text, []), 2020)
    assert template == "2019" and "assumed" in notes[0]


def test_not_a_report_and_pre2019_are_rejected():
    with pytest.raises(ReportError) as e:
        parse("今天天气很好。\n")
    assert e.value.kind == "not_a_report"
    with pytest.raises(ReportError) as e:
        parse("某市2017年政府信息公开工作年度报告\n一、概述\n政府信息公开情况统计表\n统计指标 | 单位 | 统计数\n")
    assert e.value.kind == "pre2019" and "pre-2019" in e.value.reason


def test_blank_slash_and_note_cells_in_table3():
    rows = list(ROWS_2021)
    rows[0] = ("一、本年新收政府信息公开申请数量", ["3", "", "/", "—", "0", "0", "3"])
    rep = parse(TITLE + T2_2021 + t3(rows) + T4)
    assert rep.table3[("new_received", "commercial")].flag == "blank"
    assert rep.table3[("new_received", "research")].flag == "na"
    assert rep.table3[("new_received", "social_org")].flag == "na"
    assert all(c.passed for c in rep.checks if c.scope == "table3.new_received")


def test_lost_separators_recovered_and_flagged():
    flat = "".join(f"{label.replace(' | ', '')}{''.join(map(str, v))}" for label, v in ROWS_2021)
    text = TITLE + T2_2021 + "三、收到和处理政府信息公开申请情况(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)" + \
        flat + "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼复议后起诉结果维持总计100010000000000五、存在的主要问题及改进情况"
    rep = parse(text)
    cv = rep.table3[("new_received", "total")]
    assert (cv.value, cv.flag) == (3, "recovered")
    assert rep.table4[("review", "total")].value == 1


def test_unlabelled_rows_placed_by_order_and_stray_number():
    text = TITLE + T2_2021 + (
        "三、收到和处理政府信息公开申请情况\n(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)\n"
        "| 一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n|---|---|---|---|---|---|---|---|\n"
        "| 二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
        "| (一)予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
        "| 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
        "(二)部分公开(区分处理的,只\n"
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
        "1\n"
        "| (七)总计 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
        "| 四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 |  |\n")
    rep = parse_bytes(text.replace(" | ", " | ").encode(), "t.md")
    cv = rep.table3[("partially_granted", "natural_person")]
    assert (cv.value, cv.flag) == (1, "recovered")
    # the stray '1' does not fit the blank carried_forward total (R1 and R3 want 0): not placed
    assert rep.table3[("carried_forward", "total")].flag == "blank"
    assert any("stray" in w for w in rep.warnings)
