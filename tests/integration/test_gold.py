"""Every report of ../shared/corpus/gold against its hand-verified values, cell for cell.

A cell passes when its value equals the gold value (a blank, '/' or missing cell counts as the
gold's 0), or when it is flagged ambiguous with the gold value among its candidates: run-together
Table 2 digits have no arithmetic to pin them down, and the gold settled them from the original
page, which the text does not carry. Tables 3 and 4 must match exactly.
"""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, gold_files, load_gold
from xxgk import ReportError, parse_file

GOLD = [p for p in gold_files() if not load_gold(p)["file"].endswith(".pdf")]


def _same(cv, gold) -> bool:
    if cv.value is None:
        return gold in (0, None) and cv.flag in ("blank", "na", "missing", "unread")
    return float(cv.value) == float(gold)


@pytest.mark.parametrize("gold_path", GOLD, ids=[p.stem for p in GOLD])
def test_report_matches_gold(gold_path):
    gold = load_gold(gold_path)
    rep = parse_file(CORPUS / gold["file"])
    assert rep.template == gold["template"]
    assert rep.meta["year"] == gold["year"]
    tables = {"table2": rep.table2, "table3": rep.table3, "table4": rep.table4}
    ambiguous = []
    for table, cells in tables.items():
        for key, value in gold[table].items():
            cv = cells[tuple(key.split("."))]
            if cv.flag == "ambiguous" and table == "table2":
                assert value in cv.candidates, (key, value, cv.candidates)
                ambiguous.append(key)
                continue
            assert _same(cv, value), (table, key, value, cv)
    # ambiguity is confined to crawler text, whose cell boundaries are lost
    assert not ambiguous or rep.format == "crawler-text"


def test_gold_set_is_present(corpus):
    assert len(GOLD) >= 16


def test_seed_report_parses_exactly(seed_file):
    rep = parse_file(seed_file)
    assert rep.template == "2021"
    assert all(cv.value == 0 and cv.flag is None for cv in rep.table2.values())
    assert all(cv.value == 0 for cv in rep.table4.values())
    nonzero = {k: cv.value for k, cv in rep.table3.items() if cv.value}
    assert nonzero == {("new_received", "natural_person"): 2, ("new_received", "total"): 2,
                       ("total_processed", "natural_person"): 2, ("total_processed", "total"): 2}
    assert all(cv.value == 0 and cv.flag is None for cv in rep.table3.values() if not cv.value)
    failed = {(c.rule, c.scope) for c in rep.checks if not c.passed}
    assert failed == {("R2", "table3.natural_person"), ("R2", "table3.total")}
    assert all(c.passed for c in rep.checks if c.rule == "R1") and sum(c.rule == "R1" for c in rep.checks) == 7
    assert rep.meta["agency"] == "山海关区人民政府办公室" and rep.meta["year"] == 2023


def test_legacy_report_rejected_with_pre2019_message(corpus):
    with pytest.raises(ReportError) as exc:
        parse_file(corpus / "raw" / "pingtan-2018-legacy.txt")
    assert exc.value.kind == "pre2019"
    assert "pre-2019" in exc.value.reason and "2018" in exc.value.reason
