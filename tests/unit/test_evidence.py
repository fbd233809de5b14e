"""Evidence from outside a table settles only what the table leaves open, names itself, and never guesses."""

from __future__ import annotations

from xxgk import parse_bytes
from xxgk.evidence import Evidence, settle

HEAD = "标题: 某某区人民政府2022年政府信息公开工作年度报告\n==================== 正文 ====================\n"
T2 = ("二、主动公开政府信息情况第二十条第(一)项信息内容本年制发件数本年废止件数现行有效件数规章000"
      "行政规范性文件{run}第二十条第(五)项信息内容本年处理决定数量行政许可5")
T3 = ("三、收到和处理政府信息公开申请情况(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
      "一、本年新收政府信息公开申请数量1000001二、上年结转政府信息公开申请数量0000000"
      "三、本年度办理结果(一)予以公开1000001(七)总计1000001四、结转下年度继续办理0000000")


def crawler(run: str, prose: str = "") -> bytes:
    return (HEAD + "一、总体情况" + prose + T2.format(run=run) + T3).encode()


def nd(rep):
    return [rep.table2[("normative_documents", m)] for m in ("issued", "repealed", "in_force")]


def test_run_left_open_by_the_table():
    cells = nd(parse_bytes(crawler("8855698"), "t.txt"))
    assert [c.flag for c in cells] == ["ambiguous"] * 3
    assert 88 in cells[0].candidates and 698 in cells[2].candidates


def test_text_settles_the_run_and_names_the_sentence():
    prose = "集中公开现行有效行政规范性文件698件,动态更新本年度制发的规范性文件88件。"
    rep = parse_bytes(crawler("8855698", prose), "t.txt")
    cells = nd(rep)
    assert [(c.value, c.flag) for c in cells] == [(88, "inferred"), (55, "inferred"), (698, "inferred")]
    assert all("本年度制发的规范性文件88件" in c.evidence for c in cells)
    assert 8855 in cells[0].candidates  # the table's candidates are kept beside the settled value
    assert any("narrowed to 1" in w for w in rep.warnings)


def test_text_that_narrows_but_does_not_settle():
    rep = parse_bytes(crawler("6233440", "本年度制发行政规范性文件62件。"), "t.txt")
    issued, repealed, in_force = nd(rep)
    assert (issued.value, issued.flag) == (62, "inferred")
    assert repealed.value is None and repealed.flag == "ambiguous" and sorted(repealed.candidates) == [3, 33, 334, 3344]


def test_text_contradicting_every_reading_leaves_the_row_open_with_a_note():
    rep = parse_bytes(crawler("77132470", "集中发布现行有效行政规范性文件393件。"), "t.txt")
    cells = nd(rep)
    assert all(c.flag == "ambiguous" and c.value is None for c in cells)
    assert any("fits no reading" in w and "393" in w for w in rep.warnings)
    assert "contradicts" in cells[0].note


def test_cumulative_statements_are_not_this_years_issues():
    rep = parse_bytes(crawler("8855698", "历年累计制定规范性文件88件。"), "t.txt")
    assert nd(rep)[0].flag == "ambiguous"


def test_evidence_never_overrides_a_direct_read():
    text = ("某某区人民政府2022年政府信息公开工作年度报告\n一、总体情况\n本年度制发的规范性文件88件。\n"
            "二、主动公开政府信息情况\n第二十条第(一)项 |\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
            "规章 | 0 | 0 | 0 |\n行政规范性文件 | 7 | 1 | 30 |\n第二十条第(五)项 |\n信息内容 | 本年处理决定数量 |\n"
            "行政许可 | 5 |\n")
    rep = parse_bytes(text.encode(), "t.txt")
    assert [(c.value, c.flag) for c in nd(rep)] == [(7, None), (1, None), (30, None)]
    extra = Evidence("neighbour", "table2", "normative_documents", "equals", "issued", (9,), "x.txt (2021)")
    assert settle(rep, [extra]) == [] and nd(rep)[0].value == 7


def test_neighbour_continuity_and_conflicting_pieces():
    rep = parse_bytes(crawler("693665"), "t.txt")  # 6|93|665, 69|3|665, 69|36|65 …
    after = Evidence("neighbour", "table2", "normative_documents", "in_force_before", None,
                     ((88, 55, 698),), "next.txt (2022)")
    settle(rep, [after])
    issued, repealed, in_force = nd(rep)
    assert (in_force.value, in_force.flag) == (665, "inferred") and "next.txt (2022)" in in_force.evidence
    assert issued.flag == "ambiguous" and sorted(issued.candidates) == [6, 69]  # continuity cannot tell these
    rep = parse_bytes(crawler("693665"), "t.txt")
    a = Evidence("text", "table2", "normative_documents", "equals", "issued", (6,), "sentence one")
    b = Evidence("text", "table2", "normative_documents", "equals", "repealed", (3,), "sentence two")
    notes = settle(rep, [a, b])  # 6 issued leaves 6|93|665 …; 3 repealed leaves 69|3|665: no reading has both
    assert any("rule each other out" in n for n in notes)
    assert all(c.flag == "ambiguous" for c in nd(rep))


def test_table3_evidence_propagates_through_r1_and_r2():
    t3 = ("三、收到和处理政府信息公开申请情况(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
          "一、本年新收政府信息公开申请数量110000011二、上年结转政府信息公开申请数量0000000"
          "三、本年度办理结果(一)予以公开110000011(七)总计110000011四、结转下年度继续办理0000000")
    rep = parse_bytes((HEAD + T2.format(run="000") + t3).encode(), "t.txt")
    new = [rep.table3[("new_received", c)] for c in ("natural_person", "commercial", "total")]
    assert all(c.flag == "ambiguous" for c in new[:2])  # 11|0|…|11 or 1|10|…|11: R1/R2 hold either way
    assert (new[2].value, new[2].flag) == (11, "recovered")
    ev = Evidence("neighbour", "table3", "granted", "equals", "natural_person", (11,), "other.html: the same report")
    settle(rep, [ev])
    assert (rep.table3[("granted", "natural_person")].value, rep.table3[("granted", "natural_person")].flag) == \
        (11, "inferred")
    got = rep.table3[("new_received", "natural_person")]
    assert (got.value, got.flag) == (11, "inferred") and "R1/R2 across rows" in got.evidence
