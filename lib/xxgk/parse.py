"""Find the template's three tables in a Document and map every printed cell to its canonical code.

The document is first linearised: paragraphs become lines, table rows become lines whose cells
are joined by :data:`~xxgk.text.CELL`. Every format then looks alike, and one procedure serves all:

1. locate the regions of Table 2, 3 and 4 by their markers (version detection reads the same regions);
2. inside a region, find the printed row labels (patterns in ``metadata/labels.csv``) in document order;
3. a label's values are the cells that follow it on its line, or, where cell boundaries were lost,
   the first run of digits after it, cut into cells by :mod:`xxgk.digits` under the arithmetic rules;
4. rows whose labels were lost (PDF → markdown) are placed by order between labelled neighbours,
   only when their count fits the gap exactly; rows not printed are ``missing``, never filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache

from . import metadata as md
from .digits import TooMany, agreement, first_run, solve_joint, splits, sum_splits, token_count
from .document import Document, Paragraph, ReportError
from .narrative import extract_meta, find_sections
from .recognition import has_tag, resolve, strip, tag
from .text import CELL, normalize, to_simplified
from .values import CellValue, is_value_like, missing, parse_cell, run_cell

T3_ALL_ROWS = tuple(md.codes_of("table3_row"))
_DIGIT = re.compile(r"[0-9]")
_ENUM_BEFORE = re.compile(r"(?:[1-9]\.|\([一二三四五六七八九十]\)|[一二三四五六七八九十]、)$")
_ORPHAN = re.compile(r"[0-9]{1,6}")


@dataclass
class Report:
    """A parsed report: metadata, template, every template cell, sections and warnings."""

    source: str
    format: str
    template: str
    table_templates: dict[str, str]
    meta: dict
    table2: dict[tuple[str, str], CellValue]
    table3: dict[tuple[str, str], CellValue]
    table4: dict[tuple[str, str], CellValue]
    sections: dict[int, dict]
    warnings: list[str] = field(default_factory=list)
    checks: list = field(default_factory=list)
    ocr_pages: int = 0  # pages whose text came from OCR
    _figures: list | None = field(default=None, repr=False)

    @property
    def figures(self) -> list:
        """Figures stated in the prose (xxgk.figures), extracted on first use."""
        if self._figures is None:
            from .figures import extract

            self._figures = extract(self.sections)
        return self._figures


# --- linearisation and segmentation ---------------------------------------------------------

def linearize(doc: Document) -> str:
    """The document as normalised text: one line per paragraph line or table row, cells joined by CELL.

    The text is normalised once, as a whole (spaces next to a cell separator go with the rest).
    """
    parts: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text.replace(CELL, " "))
        else:
            for row in block.rows:  # readers never leave CELL in a cell (read_bytes removes it)
                line = CELL.join([c.text + tag(c.text, c.confidence, c.alternatives) for c in row])
                parts.append(line.replace("\n", " ").replace("\r", " ") if "\n" in line or "\r" in line else line)
    return normalize("\n".join(parts))


@dataclass
class Segment:
    """A row label found in a region, what follows it on its line, and the lines after it."""

    code: str | None
    label: str
    kind: str | None  # "cells", "run" or None (no values on the label's line)
    values: list[str] | str | None
    vrows: list[list[str]]
    orphans: list[str]
    pos: int

    rank: int = 0  # 2: numbers follow the label; 1: only blank cells; 0: nothing

    def __post_init__(self):
        if self.kind == "run":
            self.rank = 2
        elif self.kind == "cells":
            self.rank = 2 if any(_DIGIT.search(c) for c in self.values) else 1


def _first_chars(pattern: str) -> set[str] | None:
    """Literal first characters of a pattern's top-level alternatives (None when one is not literal)."""
    out = set()
    depth, alt_start = 0, True
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if alt_start:
            if ch == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
                out.add(pattern[i + 1])
            elif ch in "([.^$*+?{|\\":
                return None
            else:
                out.add(ch)
            alt_start = False
        if ch == "\\":
            i += 2
            continue
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == "|" and depth == 0:
            alt_start = True
        i += 1
    return out


@cache
def _label_regex(table: str) -> tuple[re.Pattern, tuple[str | None, ...]]:
    """One alternation of a table's label patterns, guarded by a lookahead on their first characters.

    The lookahead lets the regex engine skip positions that cannot start a label, which makes the
    scan about ten times faster than the bare alternation.
    """
    pats = md.label_patterns(table)
    body = "|".join(f"(?P<g{i}>{p.pattern})" for i, p in enumerate(pats))
    firsts: set[str] | None = set()
    for p in pats:
        f = _first_chars(p.pattern)
        if f is None:
            firsts = None
            break
        firsts |= f
    if firsts:
        body = "(?=[" + "".join(re.escape(c) for c in sorted(firsts)) + "])(?:" + body + ")"
    return re.compile(body), tuple(p.code for p in pats)


def _own_values(own: str) -> tuple[str | None, list[str] | str | None]:
    if CELL in own:
        pieces = own.split(CELL)
        head, cells = pieces[0], [c.strip() for c in pieces[1:]]
        if head:
            m = first_run(head)
            if m and not head[m.end():].strip():
                cells.insert(0, m.group(0))
        start = 0
        while start < len(cells) and cells[start] and not is_value_like(cells[start]):
            start += 1  # sub-label cells after the label
        end = start
        for c in cells[start:]:
            if c and not is_value_like(c):
                break
            end += 1
        cells = cells[start:end]
        return ("cells", cells) if cells else (None, None)
    m = first_run(own)
    return ("run", m.group(0)) if m else (None, None)


def _value_rows(text: str) -> tuple[list[list[str]], list[str]]:
    """Rows of separated value cells with no label, and bare numbers standing on their own line."""
    vrows, orphans = [], []
    for line in text.split("\n"):
        if CELL in line:
            cells = line.split(CELL)
            if has_tag(line):  # OCR: a label the recogniser garbled leaves its row's values unlabelled
                cells = cells[next((i for i, c in enumerate(cells) if has_tag(c)), 0):]
            filled = [c for c in cells if c.strip()]
            if filled and all(is_value_like(c) for c in filled) and any(_DIGIT.search(c) for c in filled):
                vrows.append(cells)
        elif _ORPHAN.fullmatch(line.strip()):
            orphans.append(line.strip())
    return vrows, orphans


def segments(region: str, table: str) -> tuple[list[list[str]], list[Segment]]:
    """Split a table region at its row labels.

    Returns:
        The unlabelled value rows before the first label, and one Segment per label in document order.
    """
    rx, codes = _label_regex(table)
    ms = list(rx.finditer(region))
    starts = []
    for m in ms:  # a label starts at its enumerator (1. / (一) / 一、) where one is printed
        e = _ENUM_BEFORE.search(region, max(0, m.start() - 4), m.start())
        starts.append(e.start() if e else m.start())
    lead_text = region[: starts[0]] if ms else region
    lead_rows = _value_rows(lead_text)[0] if CELL in lead_text else []
    segs = []
    for i, m in enumerate(ms):
        stop = starts[i + 1] if i + 1 < len(ms) else len(region)
        body = region[m.end():stop]
        nl = body.find("\n")
        own, rest = (body, "") if nl < 0 else (body[:nl], body[nl + 1:])
        kind, values = _own_values(own)
        vrows, orphans = _value_rows(rest) if rest and _DIGIT.search(rest) else ([], [])
        segs.append(Segment(codes[int(m.lastgroup[1:])], region[starts[i]:m.end()], kind, values, vrows, orphans,
                            starts[i]))
    return lead_rows, segs


def _fit(cells: list[str], n: int) -> tuple[list[str], str | None]:
    """Bring separated cells to the expected count: surplus empty cells go, first at the end."""
    if len(cells) == n:
        return cells, None
    cells = [c.strip() for c in cells]
    while len(cells) > n and cells[-1] == "":
        cells.pop()
    while len(cells) > n and cells[0] == "":
        cells.pop(0)
    if len(cells) > n:
        return cells[:n], f"{len(cells)} cells where {n} were expected; the first {n} were used"
    if len(cells) < n:
        return cells, f"{len(cells)} cells where {n} were expected; the rest are missing"
    return cells, None


def _best(segs: list[Segment], warnings: list[str], table: str) -> dict[str, Segment]:
    best: dict[str, Segment] = {}
    for s in segs:
        if s.code is None:
            continue
        cur = best.get(s.code)
        if cur is None or s.rank > cur.rank:
            best[s.code] = s
        elif s.rank == 2 and cur.rank == 2:
            warnings.append(f"{table}: row {s.code} printed twice; the first is used")
    return best


# --- cells from values ----------------------------------------------------------------------

def _cells_from_separated(cells: list[str], kinds: list[str], where: str, warnings: list[str]) -> list[CellValue]:
    n = len(kinds)
    if len(cells) > n:
        while len(cells) > n and not cells[-1].strip():
            cells = cells[:-1]  # merged-cell pipes after the last value
    if len(cells) == n and all(c.isdigit() and c.isascii() and (c[0] != "0" or len(c) == 1) for c in cells):
        return [CellValue(int(c), c) for c in cells]  # the common case: plain counts
    fitted, problem = _fit(cells, n)
    if problem:
        warnings.append(f"{where}: {problem}")
    out = [parse_cell(t, k) for t, k in zip(fitted, kinds, strict=False)]
    out += [missing() for _ in range(len(kinds) - len(out))]
    return out


def _convert(piece: str, kind: str) -> float | int | None:
    return parse_cell(piece, kind).value


def _resolve(run: str, kinds: list[str], options: list[tuple[str, ...]], where: str,
             warnings: list[str]) -> list[CellValue]:
    """Cells of a run from its surviving splits: agreed cells recovered, the others ambiguous."""
    inferred = token_count(run) < len(kinds)
    if len(options) == 1:
        return [run_cell(p, k, inferred) for p, k in zip(options[0], kinds, strict=True)]
    if not options:
        warnings.append(f"{where}: the digits '{run}' cannot be cut into {len(kinds)} valid cells")
        return [CellValue(None, run, "invalid") for _ in kinds]
    out = []
    values = [tuple(_convert(p, k) for p, k in zip(o, kinds, strict=True)) for o in options]
    for pos, (same, vals) in enumerate(agreement(values)):
        if same:
            cv = run_cell(options[0][pos], kinds[pos], inferred)
            cv.raw = options[0][pos]
            out.append(cv)
        else:
            out.append(CellValue(None, run, "ambiguous", candidates=vals))
    n_amb = sum(1 for c in out if c.flag == "ambiguous")
    warnings.append(f"{where}: '{run}' splits {len(options)} ways under the rules; {n_amb} cells ambiguous")
    return out


def _candidates(run: str, kinds: list[str], rule=None, prune=None) -> tuple[list[tuple[str, ...]], bool]:
    """Splits of a run, filtered by a rule when any satisfy it. Returns (options, rule_held).

    With ``prune`` (the rule checked on partial cuts) the search is first run pruned; only when no
    cut satisfies the rule is it repeated unpruned, so that an inconsistent published table still
    yields its cuts (flagged) instead of nothing.
    """
    try:
        if prune is not None:
            good = splits(run, kinds, prune=prune)
            if good:
                return good, True
        opts = splits(run, kinds)
    except TooMany:
        return [], False
    if rule is None:
        return opts, True
    good = [o for o in opts if rule(o)]
    return (good, True) if good else (opts, False)


# --- regions and version --------------------------------------------------------------------

_T2_START = re.compile(r"第二十条第?\(一\)项|第二十条")
_T3_START = re.compile(r"勾稽关系|本年新收政府信息公开申请")
_T4_START = re.compile(r"行政法?复议")
_T4_VALUES_AFTER = re.compile(r"复议后起诉|行政诉讼")


@dataclass
class Regions:
    """Character spans of the three tables in the linearised text (None: not printed)."""

    t2: tuple[int, int] | None
    t3: tuple[int, int] | None
    t4: tuple[int, int] | None


def find_regions(text: str, sections: list) -> Regions:
    """Locate the tables by their markers; Table 4 ends at the next section heading."""
    m3 = _T3_START.search(text)
    t3_start = m3.start() if m3 else None
    m2 = _T2_START.search(text, 0)
    t2 = None
    if m2 and (t3_start is None or m2.start() < t3_start):
        t2 = (m2.start(), t3_start if t3_start is not None else min(len(text), m2.start() + 4000))
    t3 = t4 = None
    if t3_start is not None:
        m4 = _T4_START.search(text, t3_start)
        t3_end = m4.start() if m4 else len(text)
        t3 = (t3_start, t3_end)
        if m4:
            ends = [s.start for s in sections if s.start > m4.start() + 10 and s.number >= 5]
            t4 = (m4.start(), min(ends) if ends else min(len(text), m4.start() + 4000))
    elif (m4 := _T4_START.search(text)) and "复议后起诉" in text:
        t4 = (m4.start(), min(len(text), m4.start() + 4000))
    return Regions(t2, t3, t4)


def _count_markers(text: str, scope: str) -> dict[str, int]:
    counts = {"2019": 0, "2021": 0, "common": 0, "pre2019": 0}
    for marker, template, mscope in md.markers():
        if (scope == "" or mscope == scope) and marker in text:
            counts[template] += 1
    return counts


def detect_template(text: str, regions: Regions, year: int | None) -> tuple[str, dict[str, str], list[str]]:
    """Template of the report and of each table, from the labels printed in the tables.

    Returns:
        ``(template, {"table2": v, "table3": v}, warnings)`` where template is 2019, 2021 or mixed.
    """
    notes: list[str] = []
    t2v = t3v = None
    if regions.t2:
        c = _count_markers(text[regions.t2[0]:regions.t2[1]], "table2")
        if c["2021"] != c["2019"]:
            t2v = "2021" if c["2021"] > c["2019"] else "2019"
        if c["2021"] and c["2019"]:
            notes.append(f"table2 prints labels of both templates (2021: {c['2021']}, 2019: {c['2019']}); "
                         f"read as {t2v}")
    if regions.t3:
        c = _count_markers(text[regions.t3[0]:regions.t3[1]], "table3")
        if c["2021"]:
            t3v = "2021"
    if t2v and t3v and t2v != t3v:
        return "mixed", {"table2": t2v, "table3": t3v}, notes
    template = t2v or t3v
    if template is None:
        template = "2021" if (year or 2021) >= 2021 else "2019"
        notes.append(f"template not evident from the labels; assumed {template} from the report year")
    return template, {"table2": t2v or template, "table3": t3v or template}, notes


# --- the three tables -----------------------------------------------------------------------

def parse_table2(region: str | None, template: str, warnings: list[str]) -> dict:
    """Table 2 cells of a template from its region (all ``missing`` when there is no region)."""
    layout = md.table2_layout(template)
    out: dict[tuple[str, str], CellValue] = {}
    if region is None:
        warnings.append("table2 not found in the document")
        for item, measures in layout:
            for m in measures:
                out[(item, m.measure)] = missing()
        return out
    _, segs = segments(region, "table2")
    best = _best(segs, warnings, "table2")
    known = {item for item, _ in layout}
    for code, seg in best.items():
        if code not in known and seg.rank == 2:
            warnings.append(f"table2: row {code} is not in the {template} template; ignored")
    for item, measures in layout:
        kinds = [m.kind for m in measures]
        seg = best.get(item)
        where = f"table2.{item}"
        if seg is None:
            cells = [missing() for _ in kinds]
        elif seg.kind == "cells":
            cells = _cells_from_separated(seg.values, kinds, where, warnings)
        elif seg.kind == "run":
            opts, _ = _candidates(seg.values, kinds)
            cells = _resolve(seg.values, kinds, opts, where, warnings)
        else:
            cells = [CellValue(None, "", "blank") for _ in kinds]
        for m, cv in zip(measures, cells, strict=True):
            if m.kind == "amount" and cv.unit is None and cv.value is not None:
                cv.unit = m.unit
            elif m.kind in ("count", "signed") and cv.value is not None:
                cv.unit = m.unit
            out[(item, m.measure)] = cv
    return out


def _r3(option: tuple[str, ...]) -> bool:
    return int(option[6]) == sum(int(x) for x in option[:6])


def parse_table3(region: str | None, template: str, warnings: list[str]) -> dict:
    """Table 3 cells (rows × 7 applicant columns) of a template from its region."""
    rows = list(md.table3_rows(template))
    cols = md.TABLE3_APPLICANTS
    out: dict[tuple[str, str], CellValue] = {}
    if region is None:
        warnings.append("table3 not found in the document")
        return {(r, c): missing() for r in rows for c in cols}
    lead, segs = segments(region, "table3")
    best = _best(segs, warnings, "table3")
    printed = [r for r in T3_ALL_ROWS if r in rows or (r == "other_handling" and r in best)]
    if "other_handling" in best and template == "2021":
        warnings.append("table3: the single 2019-style （六）其他处理 row is printed; the three 2021 "
                        "（六） rows are missing (kept as other_handling)")
        rows.insert(rows.index("other_overdue_correction"), "other_handling")
    elif template == "2019":
        for code in ("other_overdue_correction", "other_overdue_fee", "other_other"):
            if best.get(code) and best[code].rank:
                warnings.append(f"table3: 2021 row {code} printed in a 2019 table; ignored")

    values: dict[str, tuple[str, object, bool]] = {}  # code -> (kind, values, placed_by_order)
    for code in rows:
        s = best.get(code)
        if s is not None and s.rank == 2:
            values[code] = (s.kind, s.values, False)
    _place_unlabelled(lead, segs, best, rows, printed, values, warnings)
    orphans = [o for s in segs for o in s.orphans]

    run_rows: dict[str, str] = {}
    for code in rows:
        where = f"table3.{code}"
        if code in values:
            kind, vals, placed = values[code]
            if kind == "cells":
                cells = _cells_from_separated(vals, ["count"] * 7, where, warnings)
                if placed:
                    for cv in cells:
                        if cv.flag in (None, "ocr"):
                            cv.flag = "recovered"
            else:
                run_rows[code] = vals
                continue
        elif code in best:
            cells = [CellValue(None, "", "blank") for _ in cols]
        else:
            cells = [missing() for _ in cols]
        for c, cv in zip(cols, cells, strict=True):
            out[(code, c)] = cv
    if run_rows:
        _solve_table3_runs(run_rows, out, rows, template, warnings)
    if orphans:
        _place_orphans(orphans, out, rows, template, warnings)
    return {(r, c): out[(r, c)] for r in rows for c in cols}


def _place_unlabelled(lead, segs, best, rows, printed, values, warnings) -> None:
    """Give rows whose labels were lost the unlabelled value rows between their labelled neighbours."""
    index = {c: i for i, c in enumerate(T3_ALL_ROWS)}
    events: list[tuple[str, object]] = [("v", r) for r in lead]
    for s in segs:
        if s.code is not None and best.get(s.code) is s and s.rank == 2:
            events.append(("a", s.code))
        events += [("v", r) for r in s.vrows]
    if not any(e[0] == "v" for e in events):
        return
    events.append(("a", None))
    prev: str | None = None
    pending: list = []
    for kind, item in events:
        if kind == "v":
            pending.append(item)
            continue
        if pending:
            lo = index[prev] if prev else -1
            hi = index[item] if item else len(T3_ALL_ROWS)
            gap = [c for c in rows if lo < index[c] < hi and c not in values]
            if lo < hi and len(gap) == len(pending):
                for code, cells in zip(gap, pending, strict=True):
                    values[code] = ("cells", cells, True)
                warnings.append(f"table3: {len(gap)} row(s) printed without labels placed by order between "
                                f"{prev or 'the header'} and {item or 'the end'}: {', '.join(gap)}")
            else:
                warnings.append(f"table3: {len(pending)} unlabelled value row(s) between {prev or 'the header'} "
                                f"and {item or 'the end'} do not fit the {len(gap)} unlabelled row(s) there; "
                                "not used")
            pending = []
        prev = item


def _solve_table3_runs(run_rows: dict[str, str], out: dict, rows: list[str], template: str,
                       warnings: list[str]) -> None:
    """Cut run-together Table 3 rows: R3 per row first, then R1 and R2 across rows."""
    cols = md.TABLE3_APPLICANTS
    kinds = ["count"] * 7
    options: dict[str, list[tuple[str, ...]]] = {}
    for code, run in run_rows.items():
        try:
            opts, held = sum_splits(run, 6), True
        except TooMany:
            opts, held = [], True
        if not opts:
            opts, held = _candidates(run, kinds, _r3)
        if not held and opts:
            warnings.append(f"table3.{code}: no cut of '{run}' satisfies R3 (row total); every cut is kept")
        options[code] = opts
    leaves = [r for r in rows if r in md.outcome_leaves(template) or r == "other_handling"]
    fixed = {r: tuple(out[(r, c)].number for c in cols) for r in rows if (r, cols[0]) in out}
    multi = [(r, [tuple(int(x) for x in o) for o in opts]) for r, opts in options.items() if len(opts) > 1]
    zero = (0,) * 7
    for r, opts in options.items():
        if len(opts) == 1:
            fixed[r] = tuple(int(x) for x in opts[0])

    def check(combo) -> bool:
        vals = dict(fixed)
        vals.update({r: c for (r, _), c in zip(multi, combo, strict=True)})
        for j in range(7):
            if vals.get("new_received", zero)[j] + vals.get("carried_over", zero)[j] != \
                    vals.get("total_processed", zero)[j] + vals.get("carried_forward", zero)[j]:
                return False
            if vals.get("total_processed", zero)[j] != sum(vals.get(r, zero)[j] for r in leaves):
                return False
        return True

    survivors = solve_joint([o for _, o in multi], check) if multi else None
    for code, run in run_rows.items():
        opts = options[code]
        where = f"table3.{code}"
        if len(opts) > 1 and survivors:
            k = [r for r, _ in multi].index(code)
            chosen = sorted({combo[k] for combo in survivors})
            opts = [o for o in opts if tuple(int(x) for x in o) in chosen]
            if len(opts) == 1:
                warnings.append(f"{where}: '{run}' fits R3 in several ways; R1/R2 across rows leave one")
        cells = _resolve(run, kinds, opts, where, warnings)
        for c, cv in zip(cols, cells, strict=True):
            out[(code, c)] = cv


def _place_orphans(orphans: list[str], out: dict, rows: list[str], template: str, warnings: list[str]) -> None:
    """A lone number stranded in the table region fills the one blank cell whose rules it satisfies."""
    from .checks import table3_rules_for_cell

    blanks = [k for k in out if out[k].flag == "blank"]
    if len(orphans) != 1 or len(blanks) != 1:
        if orphans:
            warnings.append(f"table3: stray number(s) {', '.join(orphans)} in the table region not placed")
        return
    key = blanks[0]
    value = int(orphans[0])
    rules = table3_rules_for_cell(out, rows, template, key, value)
    if rules and all(rules.values()):
        out[key] = CellValue(value, orphans[0], "recovered",
                             note="stray number in the extracted text, placed in the only blank cell; "
                                  f"{', '.join(rules)} hold with it")
        warnings.append(f"table3.{key[0]}.{key[1]}: blank cell filled with the stray '{orphans[0]}' "
                        f"({', '.join(rules)} hold with it)")
    else:
        warnings.append(f"table3: stray number {orphans[0]} does not fit the blank cell {key[0]}.{key[1]}; "
                        "not placed")


def _r4(option: tuple[str, ...]) -> bool:
    v = [int(x) for x in option]
    return all(v[g + 4] == sum(v[g:g + 4]) for g in (0, 5, 10))


def _r4_partial(acc: list[str]) -> bool:
    if len(acc) % 5:
        return True
    g = acc[-5:]
    return int(g[4]) == sum(int(x) for x in g[:4])


def parse_table4(region: str | None, warnings: list[str]) -> dict:
    """Table 4's 15 cells (3 proceedings × 5 outcomes) from its region."""
    keys = [(p, o) for p in md.TABLE4_PROCEEDINGS for o in md.TABLE4_OUTCOMES]
    if region is None:
        warnings.append("table4 not found in the document")
        return {k: missing() for k in keys}
    vrows, _ = _value_rows(region)
    kinds = ["count"] * 15
    if vrows:
        cells_text: list[str] = []
        whole = [r for r in vrows if sum(1 for c in r if c.strip()) == 15]
        for r in whole[:1] or vrows:  # a row holding all 15 values beats stray numbers in the header
            cells_text += r
            if len(cells_text) >= 15:
                break
        cells = _cells_from_separated(cells_text, kinds, "table4", warnings)
    else:
        m = _T4_VALUES_AFTER.search(region)
        run = first_run(region) if m is None else first_run(region[m.end():])
        if run is None:
            warnings.append("table4: header printed but no values found")
            return {k: missing() for k in keys}
        opts, held = _candidates(run.group(0), kinds, _r4, _r4_partial)
        if not held and opts:
            warnings.append(f"table4: no cut of '{run.group(0)}' satisfies R4; every cut is kept")
        cells = _resolve(run.group(0), kinds, opts, "table4", warnings)
    return dict(zip(keys, cells, strict=True))


# --- the whole report ------------------------------------------------------------------------

def parse_document(doc: Document) -> Report:
    """Parse a read Document into a Report (cells, metadata, sections, warnings).

    Raises:
        ReportError: a pre-2019 report, or a document with none of the template's tables.
    """
    text, converted = to_simplified(linearize(doc))
    meta = extract_meta(text)
    sections = find_sections(text)
    regions = find_regions(text, sections)
    markers = _count_markers(text, "")
    if regions.t3 is None and regions.t2 is None and regions.t4 is None:
        year = meta.get("year")
        if markers["pre2019"] or (year is not None and year <= 2018):
            yr = f" (report year {year})" if year else ""
            raise ReportError(doc.source, f"pre-2019 report{yr} in the old 2007 条例 format, not the 2019/2021 "
                                          "national template; not parsed", "pre2019")
        what = "a 政府信息公开工作年度报告 without the template tables" if meta.get("title") else \
            "not a 政府信息公开工作年度报告 (none of the template's tables found)"
        raise ReportError(doc.source, what, "not_a_report")
    warnings: list[str] = ["traditional Chinese text mapped to simplified before matching"] if converted else []
    template, per_table, notes = detect_template(text, regions, meta.get("year"))
    warnings += notes

    def cut(span):
        return text[span[0]:span[1]] if span else None

    t2 = parse_table2(cut(regions.t2), per_table["table2"], warnings)
    t3 = parse_table3(cut(regions.t3), per_table["table3"], warnings)
    t4 = parse_table4(cut(regions.t4), warnings)
    warnings += doc.notes
    if doc.ocr_pages:  # OCR readings: flagged, and checked against the rules (xxgk.recognition)
        warnings += resolve(t2, t3, t4, per_table["table3"], warnings)
        sections = [replace(s, heading=strip(s.heading), text=strip(s.text)) for s in sections]
    secs = {s.number: {"heading": s.heading, "text": s.text} for s in sections}
    return Report(doc.source, doc.format, template, per_table, meta, t2, t3, t4, secs, warnings,
                  ocr_pages=doc.ocr_pages)
