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
    "W4": "Text against table: a total of applications received stated in sections 一 or 三 equals Table 3 "
          "一 new_received (or 一+二) in the 总计 column (a warning)",
    "R1": "Table 3, per applicant column: 一 new_received + 二 carried_over = （七） total_processed + 四 carried_forward",
    "R2": "Table 3, per applicant column: （七） total_processed = sum of the outcome rows",
    "R3": "Table 3, per row: 总计 = sum of the six applicant columns",
    "R4": "Table 4, per proceeding: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
    "R6": "Table 2 (2021 template), Table 3 and Table 4: no negative cells",
}
_UNUSABLE = {"ambiguous", "invalid"}
_NOT_PRINTED = {"missing", "unread"}


@dataclass(slots=True)
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


def _plain(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _num(cv) -> float:
    v = cv.value
    return 0 if v is None else v


def _compare(rule: str, scope: str, lhs: list, rhs: list, skipped: list[str], total=None) -> CheckResult | None:
    """Σ lhs against Σ rhs over CellValues (None entries: rows not in the table)."""
    e = a = 0
    seen = printed = False
    for side, cells in ((0, lhs), (1, rhs)):
        for c in cells:
            if c is None:
                continue
            seen = True
            flag = c.flag
            if flag is None:
                printed = True
            elif flag in _UNUSABLE or c.is_open:
                skipped.append(f"{rule} {scope} not evaluated: a cell is {flag} ('{c.raw}')")
                return None
            elif flag not in _NOT_PRINTED:
                printed = True
            v = c.value
            if v is not None:
                if side:
                    a += v
                else:
                    e += v
    if not seen or not printed:
        return None
    passed = e == a
    note = None
    if not passed and total is not None and total.flag in ("blank", "na"):
        note = "total cell printed blank" if total.flag == "blank" else "total cell printed as n/a"
    return CheckResult(rule, scope, _plain(e), _plain(a), passed, note)


def table3_results(cells: dict, rows: list[str], template: str, skipped: list[str]) -> list[CheckResult]:
    """R1, R2 and R3 over Table 3 cells keyed ``(row, applicant)``."""
    out: list[CheckResult] = []
    cols = md.TABLE3_APPLICANTS
    grid = {r: [cells.get((r, c)) for c in cols] for r in rows}
    none = [None] * len(cols)
    leaves = [grid[r] for r in rows if r in md.outcome_leaves(template) or r == "other_handling"]
    new, over = grid.get("new_received", none), grid.get("carried_over", none)
    total, forward = grid.get("total_processed", none), grid.get("carried_forward", none)
    for j, col in enumerate(cols):
        r = _compare("R1", f"table3.{col}", [new[j], over[j]], [total[j], forward[j]], skipped)
        if r:
            out.append(r)
    for j, col in enumerate(cols):
        r = _compare("R2", f"table3.{col}", [lf[j] for lf in leaves], [total[j]], skipped, total[j])
        if r:
            out.append(r)
    for row in rows:
        g = grid[row]
        r = _compare("R3", f"table3.{row}", g[:-1], [g[-1]], skipped, g[-1])
        if r:
            out.append(r)
    return out


def table3_rules_for_cell(cells: dict, rows: list[str], template: str, key, value) -> dict[str, bool]:
    """Which Table 3 rules involving ``key`` hold if that cell had ``value`` (used to place stray numbers)."""
    from .values import CellValue

    trial = dict(cells)
    trial[key] = CellValue(value, str(value))
    row, col = key
    in_r1 = row in ("new_received", "carried_over", "total_processed", "carried_forward")
    in_r2 = row not in ("new_received", "carried_over", "carried_forward")
    out = {}
    for res in table3_results(trial, rows, template, []):
        if (res.rule == "R3" and res.scope == f"table3.{row}") or (
                res.scope == f"table3.{col}" and ((res.rule == "R1" and in_r1) or (res.rule == "R2" and in_r2))):
            out[f"{res.rule} {res.scope}"] = res.passed
    return out


def check_report(report) -> tuple[list[CheckResult], list[str]]:
    """All per-report rule results of a parsed report, and notes on rules that could not be evaluated."""
    skipped: list[str] = []
    rows = sorted({r for r, _ in report.table3}, key=list(md.codes_of("table3_row")).index)
    out = table3_results(report.table3, rows, report.table_templates["table3"], skipped)
    t4 = report.table4
    for p in md.TABLE4_PROCEEDINGS:
        parts = [t4.get((p, o)) for o in md.TABLE4_OUTCOMES[:4]]
        r = _compare("R4", f"table4.{p}", parts, [t4.get((p, "total"))], skipped, t4.get((p, "total")))
        if r:
            out.append(r)
    for name, cells in (("table2", report.table2 if report.table_templates["table2"] == "2021" else {}),
                        ("table3", report.table3), ("table4", report.table4)):
        usable = [c for c in cells.values() if c.flag not in _NOT_PRINTED]
        if not usable:
            continue
        negatives = sum(1 for c in usable if c.value is not None and c.value < 0)
        out.append(CheckResult("R6", name, 0, negatives, negatives == 0,
                               None if negatives == 0 else f"{negatives} negative cell(s)"))
    return out, skipped


def text_vs_table(report) -> list[CheckResult]:
    """W4: applications received as stated in the narrative (xxgk.figures) against Table 3.

    A statement that equals 一 (new) or 一+二 (new plus carried over) in the 总计 column passes; the
    note quotes the sentence.
    """
    new = report.table3.get(("new_received", "total"))
    over = report.table3.get(("carried_over", "total"))
    if new is None or new.flag in _NOT_PRINTED or new.is_open:
        return []
    a = new.number
    both = a + (over.number if over is not None and over.flag not in _UNUSABLE else 0)
    out, seen = [], set()
    for f in report.figures:
        if f.measure != "applications_received" or f.value in seen:
            continue
        seen.add(f.value)
        passed = f.value in (a, both)
        out.append(CheckResult("W4", f"section{f.section}.applications_received", f.value,
                               both if f.value == both and f.value != a else a, passed,
                               f"stated in section {f.section}: '{f.evidence[:80]}'"))
    return out
