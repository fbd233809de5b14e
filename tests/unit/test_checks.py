"""Each rule of checks.py on synthetic tables: holds on a valid table, fails where it should."""

import random

from xxgk import parse_bytes
from xxgk.synth import random_report, render


def _report(seed=7, template="2021", edit=None):
    rep = random_report(random.Random(seed), template)
    if edit:
        edit(rep)
    return parse_bytes(render(rep, "pipe-text").encode(), "t.txt")


def _failed(r):
    return {(c.rule, c.scope) for c in r.checks if not c.passed}


def test_valid_tables_pass_every_rule():
    for seed in range(20):
        r = _report(seed, ("2019", "2021")[seed % 2])
        assert _failed(r) == set(), r.checks
        rules = {c.rule for c in r.checks}
        assert rules == {"R1", "R2", "R3", "R4", "R6"}


def test_r1_fails_on_carried_forward():
    def edit(rep):
        rep.table3[("carried_forward", "natural_person")] += 1
        rep.table3[("carried_forward", "total")] += 1
    assert _failed(_report(edit=edit)) == {("R1", "table3.natural_person"), ("R1", "table3.total")}


def test_r2_fails_on_outcome_total():
    def edit(rep):
        rep.table3[("total_processed", "research")] += 2
        rep.table3[("new_received", "research")] += 2
        rep.table3[("total_processed", "total")] += 2
        rep.table3[("new_received", "total")] += 2
    assert _failed(_report(edit=edit)) == {("R2", "table3.research"), ("R2", "table3.total")}


def test_r3_fails_on_row_total():
    def edit(rep):
        rep.table3[("granted", "total")] += 1
    got = _failed(_report(edit=edit))
    assert ("R3", "table3.granted") in got and ("R2", "table3.total") in got


def test_r4_and_r6():
    def edit(rep):
        rep.table4[("litigation_direct", "total")] += 3
        rep.table3[("denied_third_party", "social_org")] = -1
        rep.table3[("denied_third_party", "total")] = 5  # one negative cell only
    r = _report(edit=edit)
    got = _failed(r)
    assert ("R4", "table4.litigation_direct") in got
    assert ("R6", "table3") in got
    r6 = next(c for c in r.checks if c.rule == "R6" and c.scope == "table3")
    assert r6.actual == 1 and r6.expected == 0


def test_blank_total_reported_separately():
    text = render(random_report(random.Random(3), "2021"), "pipe-text")
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("三、本年度办理结果"))
    cells = lines[i].split(" | ")
    if cells[-2] != "0":
        cells[-2] = ""
        lines[i] = " | ".join(cells)
        r = parse_bytes("\n".join(lines).encode(), "t.txt")
        res = next(c for c in r.checks if c.rule == "R3" and c.scope == "table3.granted")
        assert not res.passed and res.note == "total cell printed blank"
