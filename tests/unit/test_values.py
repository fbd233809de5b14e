"""The blank / '/' / note / money policy of report-format.md §6."""

import pytest

from xxgk.values import is_value_like, parse_cell


@pytest.mark.parametrize("raw,value,flag", [
    ("0", 0, None), ("０", 0, None), ("12", 12, None), ("1,234", 1234, None), ("1，234", 1234, None),
    ("", None, "blank"), ("\u00a0", None, "blank"), ("\u3000", None, "blank"),
    ("/", None, "na"), ("／", None, "na"), ("—", None, "na"), ("——", None, "na"), ("-", None, "na"),
    ("无", None, "na"), ("不涉及", None, "na"),
    ("55（含自然失效29件）", 55, "note"), ("abc", None, "invalid"), ("1,23", None, "invalid"),
])
def test_count_cells(raw, value, flag):
    cv = parse_cell(raw)
    assert (cv.value, cv.flag) == (value, flag)
    assert cv.raw == raw.strip()


def test_note_keeps_remark():
    assert parse_cell("55（含自然失效29件）").note == "(含自然失效29件)"


def test_signed_and_money():
    assert parse_cell("+173", "signed").value == 173
    assert parse_cell("－5", "signed").value == -5
    cv = parse_cell("251000元", "money")
    assert (cv.value, cv.unit, cv.flag) == (251000, "元", None)
    cv = parse_cell("160.5964万元", "money")
    assert (cv.value, cv.unit) == (160.5964, "万元")
    assert parse_cell("11.876", "money").flag == "unit_unknown"
    assert parse_cell("96171.6", "amount").value == 96171.6


def test_value_like():
    assert is_value_like("12") and is_value_like("") and is_value_like("/")
    assert not is_value_like("1.属于国家秘密") and not is_value_like("总计")
