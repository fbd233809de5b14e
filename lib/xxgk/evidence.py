"""Evidence from outside a table, for the cells the table itself leaves open.

The first tier is the table's own arithmetic (:mod:`xxgk.digits`, :mod:`xxgk.options`, R1–R4). When
several readings of a row survive it, three kinds of evidence may remove some of them:

- ``text``: the report's own prose, e.g. ``动态更新本年度制发的规范性文件88件`` for 行政规范性文件 本年制发件数
  (patterns in ``metadata/evidence_rules.csv``), or the applications received that the text states;
- ``neighbour``: the same agency's reports of the neighbouring years in the same build: 上年结转 of year
  N equals 结转下年度 of N−1 (Table 3); documents in force at the end of N−1, plus those issued in N,
  minus those repealed in N, are in force at the end of N (2021 Table 2); 上一年项目数量 of N+1 equals
  上一年项目数量 + 本年增/减 of N (2019 Table 2);
- ``other_format``: the same report in another file of the same build (a page's HTML and its scraped
  text): what that file prints directly.

Rules of evidence: evidence never overrides a direct read, it only removes readings of open rows. A
piece of evidence that rules out every reading of a row (the text says 393 in force, the table's cuts
say 470 or 2470…), or pieces that rule each other out, leave the row open with a note. Cells on which the
surviving readings agree are known and flagged ``inferred``, with the evidence named and the table's
candidates kept. Only a unique surviving value is ever accepted.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import metadata as md
from .options import OpenRow

RELATIONS = ("equals", "in_force_after", "in_force_before", "items_after", "items_before")
_TABLE_WORDS = re.compile(r"信息内容|勾稽|申请人情况|第二十条|本年制发件数|结果维持")
_SENTENCE = re.compile(r"[^。;!?\n]+")


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence about one template row.

    Attributes:
        kind: ``text``, ``neighbour`` or ``other_format``.
        table: ``table2``, ``table3`` or ``table4``.
        row: the row (Table 2 item, Table 3 row code, ``table4``).
        relation: ``equals`` (the cell ``measure`` takes one of ``values``); ``in_force_after`` (``values``:
            documents in force at the end of the year before); ``in_force_before`` (``values``: the next
            year's readings ``(issued, repealed, in_force)``); ``items_after`` (``values``: the year before's
            ``(items_prev_year, items_change)`` readings); ``items_before`` (``values``: the next year's
            ``items_prev_year`` readings).
        measure: for ``equals``, the cell's second code (Table 2 measure, Table 3 applicant, Table 4
            ``proceeding.outcome``).
        values: see ``relation``.
        source: where it comes from, in words (the sentence, or the other report).
    """

    kind: str
    table: str
    row: str
    relation: str
    measure: str | None
    values: tuple
    source: str

    def claim(self) -> str:
        """What this evidence says, in a few words (e.g. ``issued = 88``)."""
        def fmt(v):
            return "/".join(str(int(x) if isinstance(x, float) and x.is_integer() else x) for x in v)

        if self.relation == "equals":
            return f"{self.measure} = {fmt(self.values)}"
        if self.relation == "in_force_after":
            return f"in force the year before = {fmt(self.values)}"
        if self.relation == "in_force_before":
            return "in force the year after = " + fmt(sorted({f for _, _, f in self.values}))
        if self.relation == "items_after":
            return "items the year before (+ change) = " + fmt(sorted({p + c for p, c in self.values}))
        return "items the year after = " + fmt(self.values)

    def allows(self, cells: dict[str, float]) -> bool:
        """Whether a reading of the row (second code → number, no value as 0) agrees with this evidence."""
        v = self.values
        if self.relation == "equals":
            return cells.get(self.measure) in v
        if self.relation == "in_force_after":
            return any(cells["in_force"] == p + cells["issued"] - cells["repealed"] for p in v)
        if self.relation == "in_force_before":
            return any(n_force == cells["in_force"] + n_issued - n_repealed for n_issued, n_repealed, n_force in v)
        if self.relation == "items_after":
            return any(cells["items_prev_year"] == p + c for p, c in v)
        if self.relation == "items_before":
            return cells["items_prev_year"] + cells["items_change"] in v
        raise ValueError(self.relation)


def measure_of(table: str, key: tuple) -> str:
    """The name evidence uses for a cell: the second code (``proceeding.outcome`` for Table 4)."""
    return ".".join(key) if table == "table4" else key[1]


def reading(row: OpenRow, option) -> dict[str, float]:
    """One option of an open row as cell name → number (no value counts as 0)."""
    return {measure_of(row.table, k): v for k, v in zip(row.keys, row.numbers(option), strict=True)}


# --- the report's own text ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Rule:
    templates: tuple[str, ...]
    table: str
    row: str
    measure: str
    pattern: re.Pattern
    exclude: re.Pattern | None


@cache
def rules() -> tuple[_Rule, ...]:
    """The text rules of ``metadata/evidence_rules.csv``, compiled."""
    with open(Path(__file__).parent / "metadata" / "evidence_rules.csv", encoding="utf-8", newline="") as fh:
        return tuple(_Rule(tuple(r["template"].split(";")), r["table"], r["row"], r["measure"],
                           re.compile(r["pattern"]), re.compile(r["exclude"]) if r["exclude"] else None)
                     for r in csv.DictReader(fh))


def text_evidence(report) -> list[Evidence]:
    """What the report's prose states about cells of its tables (sentences inside a table are skipped)."""
    out: list[Evidence] = []
    t2 = report.table_templates.get("table2")
    for n in sorted(report.sections):
        text = report.sections[n]["text"].replace("\n", "")
        for sm in _SENTENCE.finditer(text):
            sentence = sm.group(0)
            if _TABLE_WORDS.search(sentence) or not re.search(r"\d", sentence):
                continue
            for r in rules():
                if r.table == "table2" and t2 not in r.templates:
                    continue
                for m in r.pattern.finditer(sentence):
                    if r.exclude and r.exclude.search(sentence, 0, m.start()):
                        continue
                    v = float(m.group("v")) if "." in m.group("v") else int(m.group("v"))
                    out.append(Evidence("text", r.table, r.row, "equals", r.measure, (v,),
                                        f"the report's text: '{sentence.strip()[:120]}'"))
    over = report.table3.get(("carried_over", "total"))
    if ("table3", "new_received") in report.open_rows and over is not None and not over.is_open:
        for f in report.figures:
            if f.measure == "applications_received" and not getattr(f, "is_approximate", False):
                v = int(f.value)
                out.append(Evidence("text", "table3", "new_received", "equals", "total",
                                    tuple(sorted({v, v - over.number})), f"the report's text: '{f.evidence[:120]}'"))
    return out


# --- settling ------------------------------------------------------------------------------

def describe(evidence: list[Evidence]) -> list[str]:
    """Pieces of evidence in words, one line per source: what it says, and where it says it."""
    by_source: dict[str, list[str]] = {}
    for ev in evidence:
        claims = by_source.setdefault(ev.source, [])
        if ev.claim() not in claims:
            claims.append(ev.claim())
    return [f"{', '.join(claims)} per {source}" for source, claims in by_source.items()]


@dataclass
class Verdict:
    """What a row's evidence says about its readings: those kept, the evidence that removed some, the
    evidence that fits none of them (contradicting), and whether the useful pieces rule each other out."""

    kept: list[int]
    used: list[Evidence]
    contradicting: list[Evidence]
    disagreeing: bool


def judge(readings: list[dict], evidence: list[Evidence]) -> Verdict:
    """The rules of evidence for one row, over its readings (cell name → number): see the module docstring."""
    every = set(range(len(readings)))
    kept, used, contradicting = set(every), [], []
    for ev in evidence:
        ok = {i for i, r in enumerate(readings) if ev.allows(r)}
        if not ok:
            contradicting.append(ev)
        elif ok != every:
            used.append(ev)
            kept &= ok
    disagreeing = bool(used) and not kept
    if contradicting or disagreeing:
        kept = every
    return Verdict(sorted(kept), used, contradicting, disagreeing)


def settle(report, evidence: list[Evidence]) -> list[str]:
    """Remove the readings of the report's open rows that the evidence rules out (in place).

    Cells are recomputed for every row that changed; Table 3 rows are solved again under R1/R2 so that
    a settled row can settle others. Returns notes (also added to the report's warnings).
    """
    from .parse import solve_table3

    notes: list[str] = []
    by_row: dict[tuple[str, str], list[Evidence]] = {}
    for ev in evidence:
        by_row.setdefault((ev.table, ev.row), []).append(ev)
    changed: list[OpenRow] = []
    for key, evs in by_row.items():
        row = report.open_rows.get(key)
        if row is None or not row.is_open:
            continue  # a direct read, or a row the table already settles: evidence is not needed
        where = f"{key[0]}.{key[1]}"
        v = judge([reading(row, o) for o in row.options], evs)
        if v.contradicting:
            said = "; ".join(describe(v.contradicting))
            notes.append(f"{where}: evidence fits no reading of '{row.raw}', row left open: {said}")
            row.notes.append(f"evidence outside the table contradicts it: {said}")
            changed.append(row)
            continue
        if v.disagreeing:
            notes.append(f"{where}: pieces of evidence rule each other out, row left open: "
                         + "; ".join(describe(v.used)))
            row.notes.append("the evidence outside the table disagrees with itself")
            changed.append(row)
            continue
        if not v.used:
            continue
        row.options = [row.options[i] for i in v.kept]
        row.evidence += [d for d in describe(v.used) if d not in row.evidence]
        notes.append(f"{where}: {len(row.table_options)} readings narrowed to {len(row.options)} by "
                     + "; ".join(describe(v.used)))
        changed.append(row)
    t3_rows = {code: r for (table, code), r in report.open_rows.items() if table == "table3"}
    if any(r.table == "table3" for r in changed) and len(t3_rows) > 1:
        rows = [r for r, _ in report.table3 if _ == md.TABLE3_APPLICANTS[0]]
        fixed = {r: tuple(report.table3[(r, c)].number for c in md.TABLE3_APPLICANTS) for r in rows
                 if r not in t3_rows}
        before = {code: len(r.options) for code, r in t3_rows.items()}
        sources = [s for r in changed if r.table == "table3" for s in r.evidence]
        solve_table3(t3_rows, fixed, rows, report.table_templates["table3"], [])
        for code, r in t3_rows.items():
            if len(r.options) < before[code]:
                r.evidence += [f"R1/R2 across rows after {s}" for s in sources if s not in r.evidence]
                changed.append(r)
    if changed:
        from .parse import table2_units

        for row in {id(r): r for r in changed}.values():
            cells = getattr(report, row.table)
            cells.update(zip(row.keys, row.cells(), strict=True))
        table2_units(report.table2, report.table_templates["table2"])
    report.warnings += notes
    return notes


def has_open_rows(report) -> bool:
    """Whether some row of the report has readings that disagree (evidence could still help)."""
    return any(r.is_open for r in report.open_rows.values())


# --- across reports (xxgk.builder) --------------------------------------------------------------

RELATION_ROWS = {"2021": ("regulations", "normative_documents"),  # documents in force carry over
                 "2019": ("licensing", "other_admin_services", "punishment", "coercion", "fees")}  # item counts


def readings_of(report, table: str, code: str) -> list[dict] | None:
    """The readings of one row of a report (one when it was read directly; None when it was not printed,
    or holds a cell that is not known)."""
    row = report.open_rows.get((table, code))
    if row is not None and row.options:
        seen: dict[tuple, dict] = {}
        for o in row.options:
            r = reading(row, o)
            seen.setdefault(tuple(sorted(r.items())), r)
        return list(seen.values())
    cells = {k: cv for k, cv in getattr(report, table).items() if table == "table4" or k[0] == code}
    if not cells or any(cv.flag in ("missing", "unread") or cv.is_open for cv in cells.values()):
        return None
    return [{measure_of(table, k): cv.number for k, cv in cells.items()}]


def context(report, rows=()) -> dict:
    """What the agency's other reports need to know about this one: the readings of the rows that relations
    across years tie (Table 3 carried over/forward; Table 2 documents or item counts), of its open rows,
    and of ``rows``. Small and picklable: a build keeps one per report."""
    t2 = report.table_templates.get("table2")
    open_keys = [k for k, r in report.open_rows.items() if r.is_open]
    wanted = [("table3", "carried_over"), ("table3", "carried_forward")]
    wanted += [("table2", r) for r in RELATION_ROWS.get(t2, ())] + open_keys + list(rows)
    out = {}
    for key in dict.fromkeys(wanted):
        rd = readings_of(report, *key)
        if rd is not None:
            out[key] = rd
    return {"t2": t2, "open": open_keys, "rows": out}


def _values(readings: list[dict], *names) -> tuple:
    vals = {tuple(r[n] for n in names) if len(names) > 1 else r[names[0]] for r in readings
            if all(n in r for n in names)}
    return tuple(sorted(vals))


def across(ctx: dict, previous: list[tuple[str, dict]], following: list[tuple[str, dict]],
           copies: list[tuple[str, dict]]) -> list[Evidence]:
    """Evidence for a report's open rows from the same agency's report of the year before (``previous``), of
    the year after (``following``), and other files of the same report (``copies``): ``(source, context)``
    pairs, the source naming the other file and year."""
    out: list[Evidence] = []
    for key in ctx["open"]:
        table, code = key
        if table == "table3" and code in ("carried_over", "carried_forward"):
            other, their = (previous, "carried_forward") if code == "carried_over" else (following, "carried_over")
            for src, o in other:
                rd = o["rows"].get(("table3", their))
                for a in md.TABLE3_APPLICANTS if rd else ():
                    out.append(Evidence("neighbour", "table3", code, "equals", a, _values(rd, a),
                                        f"{src}: {their} {a}"))
        if table == "table2" and code in RELATION_ROWS.get(ctx["t2"] or "", ()):
            for src, o in previous:
                rd = o["rows"].get(key) if o["t2"] == ctx["t2"] else None
                if not rd:
                    continue
                if ctx["t2"] == "2021":
                    out.append(Evidence("neighbour", table, code, "in_force_after", None, _values(rd, "in_force"),
                                        f"{src}: in force at its end"))
                else:
                    out.append(Evidence("neighbour", table, code, "items_after", None,
                                        _values(rd, "items_prev_year", "items_change"), f"{src}: items and change"))
            for src, o in following:
                rd = o["rows"].get(key) if o["t2"] == ctx["t2"] else None
                if not rd:
                    continue
                if ctx["t2"] == "2021":
                    out.append(Evidence("neighbour", table, code, "in_force_before", None,
                                        _values(rd, "issued", "repealed", "in_force"), f"{src}: issued, repealed, in force"))
                else:
                    out.append(Evidence("neighbour", table, code, "items_before", None,
                                        _values(rd, "items_prev_year"), f"{src}: items of the year before"))
        for src, o in copies:
            rd = o["rows"].get(key)
            for name in (rd[0] if rd else ()):
                out.append(Evidence("other_format", table, code, "equals", name, _values(rd, name),
                                    f"{src}: the same report"))
    return out


def narrow(ctx: dict, evidence: list[Evidence]) -> bool:
    """Apply evidence to a context's readings (as :func:`settle` would to the report); whether any changed."""
    changed = False
    by_row: dict[tuple, list[Evidence]] = {}
    for ev in evidence:
        by_row.setdefault((ev.table, ev.row), []).append(ev)
    for key, evs in by_row.items():
        rd = ctx["rows"].get(key)
        if not rd or len(rd) < 2:
            continue
        v = judge(rd, evs)
        if v.used and not v.contradicting and not v.disagreeing and len(v.kept) < len(rd):
            ctx["rows"][key] = [rd[i] for i in v.kept]
            changed = True
    return changed
