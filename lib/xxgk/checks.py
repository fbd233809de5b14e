"""The template's own arithmetic (勾稽关系), as data: rule ids, what they say, and their results.

Per report (report-format.md §5): R1 (Table 3 per column: 一+二 = （七）+四), R2 (（七）总计 = Σ outcome
rows), R3 (row total = Σ six applicant columns), R4 (Table 4 group total = Σ four results), R6
(non-negative cells). Blank and '/' cells count as 0; a rule that touches an ambiguous or invalid
cell is not evaluated (a warning says so). Published tables are sometimes wrong: the result says so,
the values are never adjusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import metadata as md

RULES: dict[str, str] = {
    "R1": "Table 3, per applicant column: 一 new_received + 二 carried_over = （七） total_processed + 四 carried_forward",
    "R2": "Table 3, per applicant column: （七） total_processed = sum of the outcome rows",
    "R3": "Table 3, per row: 总计 = sum of the six applicant columns",
    "R4": "Table 4, per proceeding: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
    "R6": "Table 2 (2021 template), Table 3 and Table 4: no negative cells",
}
_UNUSABLE = {"ambiguous", "invalid"}


@dataclass
class CheckResult:
    """One rule applied at one place: what the rule implies (expected) against what is printed (actual)."""

    rule: str
    scope: str
    expected: float
    actual: float
    passed: bool
    note: str | None = None

    def as_dict(self) -> dict:
        """The CLI/JSON form."""
        d = {"rule": self.rule, "scope": self.scope, "expected": self.expected, "actual": self.actual,
             "passed": self.passed}
        if self.note:
            d["note"] = self.note
        return d


def _sum_rule(rule, scope, parts, total, cells, skipped) -> CheckResult | None:
    involved = [cells[k] for k in parts + [total] if k in cells]
    if not involved or all(c.flag == "missing" for c in involved):
        return None
    bad = [k for k in parts + [total] if k in cells and cells[k].flag in _UNUSABLE]
    if bad:
        skipped.append(f"{rule} {scope} not evaluated: {'.'.join(bad[0])} is {cells[bad[0]].flag}")
        return None
    expected = sum(cells[k].number for k in parts if k in cells)
    actual = cells[total].number if total in cells else 0
    passed = expected == actual
    note = None
    if not passed and total in cells and cells[total].flag in ("blank", "na"):
        note = "total cell printed blank" if cells[total].flag == "blank" else "total cell printed as n/a"
    return CheckResult(rule, scope, _plain(expected), _plain(actual), passed, note)


def _plain(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


def table3_results(cells: dict, rows: list[str], template: str, skipped: list[str]) -> list[CheckResult]:
    """R1, R2 and R3 over Table 3 cells keyed ``(row, applicant)``."""
    out: list[CheckResult] = []
    leaves = [r for r in rows if r in md.outcome_leaves(template) or r == "other_handling"]
    for col in md.TABLE3_APPLICANTS:
        lhs = [("new_received", col), ("carried_over", col)]
        rhs = [("total_processed", col), ("carried_forward", col)]
        inv = [cells[k] for k in lhs + rhs if k in cells]
        if inv and not all(c.flag == "missing" for c in inv):
            bad = [k for k in lhs + rhs if k in cells and cells[k].flag in _UNUSABLE]
            if bad:
                skipped.append(f"R1 table3.{col} not evaluated: {'.'.join(bad[0])} is {cells[bad[0]].flag}")
            else:
                e = sum(cells[k].number for k in lhs if k in cells)
                a = sum(cells[k].number for k in rhs if k in cells)
                out.append(CheckResult("R1", f"table3.{col}", _plain(e), _plain(a), e == a))
    for col in md.TABLE3_APPLICANTS:
        r = _sum_rule("R2", f"table3.{col}", [(x, col) for x in leaves], ("total_processed", col), cells, skipped)
        if r:
            out.append(r)
    for row in rows:
        r = _sum_rule("R3", f"table3.{row}", [(row, c) for c in md.TABLE3_PARTS], (row, "total"), cells, skipped)
        if r:
            out.append(r)
    return out


def table3_rules_for_cell(cells: dict, rows: list[str], template: str, key, value) -> dict[str, bool]:
    """Which Table 3 rules involving ``key`` hold if that cell had ``value`` (used to place stray numbers)."""
    from .values import CellValue

    trial = dict(cells)
    trial[key] = CellValue(value, str(value))
    row, col = key
    out = {}
    for res in table3_results(trial, rows, template, []):
        if res.scope in (f"table3.{col}", f"table3.{row}"):
            involved = (res.rule == "R3" and res.scope == f"table3.{row}") or (
                res.rule == "R1" and row in ("new_received", "carried_over", "total_processed", "carried_forward")) or (
                res.rule == "R2" and row != "new_received" and row != "carried_over" and row != "carried_forward")
            if involved:
                out[f"{res.rule} {res.scope}"] = res.passed
    return out


def check_report(report) -> tuple[list[CheckResult], list[str]]:
    """All per-report rule results of a parsed report, and notes on rules that could not be evaluated."""
    skipped: list[str] = []
    rows = sorted({r for r, _ in report.table3}, key=list(md.codes_of("table3_row")).index)
    out = table3_results(report.table3, rows, report.table_templates["table3"], skipped)
    for p in md.TABLE4_PROCEEDINGS:
        r = _sum_rule("R4", f"table4.{p}", [(p, o) for o in md.TABLE4_OUTCOMES[:4]], (p, "total"),
                      report.table4, skipped)
        if r:
            out.append(r)
    for name, cells in (("table2", report.table2 if report.table_templates["table2"] == "2021" else {}),
                        ("table3", report.table3), ("table4", report.table4)):
        usable = [c for c in cells.values() if c.flag not in ("missing",)]
        if not usable:
            continue
        negatives = sum(1 for c in usable if c.value is not None and c.value < 0)
        out.append(CheckResult("R6", name, 0, negatives, negatives == 0,
                               None if negatives == 0 else f"{negatives} negative cell(s)"))
    return out, skipped
