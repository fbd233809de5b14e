"""Find the template's three tables in a Document and map every printed cell to its canonical code.

The document is first linearised: paragraphs become lines, table rows become lines whose cells
are joined by :data:`~xxgk.text.CELL`. Every format then looks alike, and one procedure serves all:

1. locate the regions of Table 2, 3 and 4 by their markers (version detection reads the same regions);
2. inside a region, find the printed row labels (patterns in ``metadata/labels.csv``) in document order;
3. a label's values are the cells that follow it on its line, or, where cell boundaries were lost,
   the first run of digits after it, cut into cells by :mod:`xxgk.digits` under the arithmetic rules;
4. rows whose labels were lost (PDF → markdown) are placed by order between labelled neighbours,
   only when their count fits the gap exactly; rows not printed are ``missing``, never filled in;
   a label printed with no value after it is ``unread``, not ``blank``;
5. a row printed with more or fewer cells than the template is *open*, like a run of digits: every
   reading of it is kept (:mod:`xxgk.options`), the arithmetic removes readings, and every cell of
   the row is flagged ``unaligned`` (a value only where one reading survives).

Open rows stay on the Report (``open_rows``) so that evidence from outside the table
(:mod:`xxgk.evidence`) can settle them later, never over a direct read.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field, replace
from functools import cache

from . import metadata as md
from .digits import UNIT_BOUNDARY, TooMany, document_budget, first_run, solve_joint, splits, sum_splits
from .document import Document, Paragraph, ReportError
from .limits import current
from .narrative import extract_meta, find_sections
from .options import OpenRow, run_row, short_run_row, unaligned_row
from .recognition import has_tag, resolve, strip, tag
from .text import CELL, normalize, to_simplified
from .values import CellValue, is_value_like, missing, parse_cell

T3_ALL_ROWS = tuple(md.codes_of("table3_row"))
GRID_FORMATS = ("html", "docx", "pdf")  # formats whose tables keep every cell in its column
_DIGIT = re.compile(r"[0-9]")
_ENUM_BEFORE = re.compile(r"(?:[1-9]\.|\([一二三四五六七八九十]\)|[一二三四五六七八九十]、)$")
_ORPHAN = re.compile(r"[0-9]{1,6}")
_HEADER_CELLS = re.compile(r"自然人\x1f|法人或其他组织\x1f|申请人情况")
OCR_LABEL_MIN = 6  # shortest label that OCR may misread by one character and still match (see _label_regex)
_PROSE_BREAK = re.compile(r"[。,;:!?]")  # (normalised text) between a label and its digits: not a table row


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
    open_rows: dict[tuple[str, str], OpenRow] = field(default_factory=dict, repr=False)
    ocr_pages: int = 0  # pages whose text came from OCR
    _counts: list | None = field(default=None, repr=False)

    @property
    def counts(self) -> list:
        """Every count mention of the prose, attributed or not (xxgk.figures.Mention), found on first use."""
        if self._counts is None:
            from .figures import mentions

            self._counts = mentions(self.sections, self.meta.get("agency"))
        return self._counts

    @property
    def figures(self) -> list:
        """Figures stated in the prose (xxgk.figures.Figure): the count mentions attributed to a measure."""
        return [m.figure() for m in self.counts if m.measure != "other"]


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
                line = CELL.join([c.text + tag(c.text, c.confidence, c.alternatives, c.in_values) for c in row])
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
    width: int = 0  # cells in the label's line (separated formats)
    misread: bool = False  # OCR: the label matched with one character read otherwise (see _label_regex)

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


_LITERAL = re.compile(rf"[\u4e00-\u9fff]{{{OCR_LABEL_MIN},}}")


def _misread_variants(pattern: str) -> list[str]:
    """Patterns for a label OCR read with one character wrong: its leading run of at least
    :data:`OCR_LABEL_MIN` Chinese characters, each character in turn free (never a line or cell break)."""
    m = _LITERAL.match(pattern)
    if not m:
        return []
    lit, rest = m.group(0), pattern[m.end():]
    return [lit[:i] + "[^\n" + CELL + "]" + lit[i + 1:] + rest for i in range(len(lit))]


@cache
def _label_regex(table: str, ocr: bool = False) -> tuple[re.Pattern, tuple[str | None, ...]]:
    """One alternation of a table's label patterns, guarded by a lookahead on their first characters.

    The lookahead lets the regex engine skip positions that cannot start a label, which makes the
    scan about ten times faster than the bare alternation. For text read by OCR (``ocr``), every label
    of at least :data:`OCR_LABEL_MIN` characters also matches with one of them read otherwise
    ('属子国家秘密'): those alternatives come after every exact pattern, and their group names end in
    ``m``. Distinct labels of the template differ in more than one character, so a misread one still
    names one row.
    """
    pats = md.label_patterns(table)
    body = "|".join(f"(?P<g{i}>{p.pattern})" for i, p in enumerate(pats))
    if ocr:
        body += "".join(f"|(?P<g{i}m{j}>{v})" for i, p in enumerate(pats)
                        for j, v in enumerate(_misread_variants(p.pattern)))
        return re.compile(body), tuple(p.code for p in pats)
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
    if m is None or m.start() > 6 or _PROSE_BREAK.search(own, 0, m.start()):
        return None, None  # digits further on belong to the prose, not to this row
    return "run", UNIT_BOUNDARY.sub(" ", m.group(0))


def _value_rows(text: str) -> tuple[list[list[str]], list[str]]:
    """Rows of separated value cells with no label, and bare numbers standing on their own line."""
    vrows, orphans = [], []
    for line in text.split("\n"):
        if CELL in line:
            cells = line.split(CELL)
            if has_tag(line):  # OCR: a label the recogniser garbled (or cut up, where a seal's strokes
                # passed for rules) leaves its row's values unlabelled: the values are the cells after
                # the last piece of label, from the first one read by OCR
                last = max((i for i, c in enumerate(cells) if c.strip() and not is_value_like(c)), default=-1)
                cells = cells[last + 1:]
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
    rx, codes = _label_regex(table, has_tag(region))
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
        code = codes[int(m.lastgroup[1:].split("m")[0])]
        if kind is None and own.strip(" " + CELL):
            code = None  # a label word in a sentence or heading (text, not values, follows it): not a row
        elif kind is None and _HEADER_CELLS.search(region, region.rfind("\n", 0, starts[i]) + 1, starts[i]):
            code = None  # 总计 in the table's header line (自然人 | 法人或其他组织 | 总计), not the row （七）总计
        vrows, orphans = _value_rows(rest) if rest and _DIGIT.search(rest) else ([], [])
        line_start = region.rfind("\n", 0, starts[i]) + 1
        width = region.count(CELL, line_start, m.end() + len(own)) + 1 if kind == "cells" else 0
        segs.append(Segment(code, region[starts[i]:m.end()], kind, values, vrows, orphans, starts[i], width,
                            "m" in m.lastgroup))
    return lead_rows, segs


def grid_width(region: str) -> int:
    """The usual number of cells in a row of a table region (0 when its cells are not separated)."""
    counts: dict[int, int] = {}
    for line in region.split("\n"):
        if CELL in line:
            w = line.count(CELL) + 1
            counts[w] = counts.get(w, 0) + 1
    return max(counts, key=lambda w: (counts[w], -w)) if counts else 0  # a tie: the narrower (fewer rows pass as padded)


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
    for code, s in best.items():
        if s.misread:
            warnings.append(f"{table}: label '{s.label}' (OCR) taken for row {code}: one character was read "
                            "otherwise")
    return best


# --- cells from values ----------------------------------------------------------------------

def _separated(cells: list[str], kinds: list[str], where: str, warnings: list[str], table: str, code: str,
               keys: list, rule=None, padded: bool = True, grid: bool = False) -> list[CellValue] | OpenRow:
    """Cells of a row printed with its cells separated; an open row when their count is not the template's.

    Surplus *empty* cells are merged-cell pipes (padding to the table's grid, an empty label column of a
    PDF grid). Which of the empty cells are the surplus does not matter when every choice gives the same
    numbers (padding after the last value, say), or when the row's own rule (``rule``: R3 or R4 over the
    values) allows only one of them; then the row is read as printed. Otherwise, or when the row is wider
    than the table's other rows (``padded`` False: a cell too many, not padding), or when the surplus is
    not all empty, the row is open: every alignment is kept and the cells are flagged ``unaligned``.

    In a real table grid (``grid``: HTML, Word, PDF ruling lines) every cell keeps its column, so empty
    cells after the row's values are merged-cell padding: they go first, when the row's rule allows.
    """
    n = len(kinds)
    widest = current().max_value_digits
    if len(cells) == n and all(c.isdigit() and c.isascii() and (c[0] != "0" or len(c) == 1) and len(c) <= widest
                               for c in cells):
        return [CellValue(int(c), c) for c in cells]  # the common case: plain counts
    printed = [c.strip() for c in cells]
    if len(printed) == n:
        return [parse_cell(t, k) for t, k in zip(printed, kinds, strict=True)]
    surplus = len(printed) - n
    if grid and surplus > 0 and padded and all(c == "" for c in printed[n:]):
        out = [parse_cell(t, k) for t, k in zip(printed[:n], kinds, strict=True)]
        if rule is None or any(cv.flag == "invalid" for cv in out) or rule([cv.number for cv in out]):
            return out
    empties = [i for i, c in enumerate(printed) if c == ""]
    if surplus > 0 and padded and len(empties) >= surplus and math.comb(len(empties), surplus) <= 500:
        readings: dict[tuple, list[CellValue]] = {}
        for drop in itertools.combinations(empties[::-1], surplus):  # padding after the values first
            cvs = [parse_cell(c, k) for c, k in zip((c for i, c in enumerate(printed) if i not in drop), kinds,
                                                    strict=True)]
            readings.setdefault(tuple(cv.number for cv in cvs), cvs)
        sound = [cvs for cvs in readings.values() if not any(cv.flag == "invalid" for cv in cvs)]
        fits = [cvs for cvs in sound if rule is None or rule([cv.number for cv in cvs])]
        if len(fits) == 1 and (len(sound) == 1 or rule is not None):
            return fits[0]  # the same numbers whichever empty cells are the surplus, or the only ones the rule allows
        if not sound and len(readings) == 1:
            return next(iter(readings.values()))  # one reading, with a cell that is not a number (flagged invalid)
    return unaligned_row(table, code, tuple(keys), kinds, printed, where, warnings)


def _r3_values(v) -> bool:
    return v[6] == sum(v[:6])


def _unread(n: int) -> list[CellValue]:
    return [CellValue(None, "", "unread", note="the row's label is printed but no value follows it") for _ in range(n)]


def _run_warning(row: OpenRow, where: str, warnings: list[str], reason: str | None = None) -> None:
    if row.origin != "run":
        return
    if not row.options:
        warnings.append(f"{where}: {reason}" if reason else
                        f"{where}: the digits '{row.raw}' cannot be cut into {len(row.kinds)} valid cells")
    elif row.is_open:
        n_open = sum(1 for cv in row.cells() if cv.value is None and cv.candidates)
        warnings.append(f"{where}: '{row.raw}' splits {len(row.options)} ways under the rules; {n_open} cells "
                        "ambiguous")


def _candidates(run: str, kinds: list[str], rule=None,
                prune=None) -> tuple[list[tuple[str, ...]], bool, str | None]:
    """Splits of a run, filtered by a rule when any satisfy it. Returns (options, rule_held, why the
    solver gave up or None).

    With ``prune`` (the rule checked on partial cuts) the search is first run pruned; only when no
    cut satisfies the rule is it repeated unpruned, so that an inconsistent published table still
    yields its cuts (flagged) instead of nothing.
    """
    try:
        if prune is not None:
            good = splits(run, kinds, prune=prune)
            if good:
                return good, True, None
        opts = splits(run, kinds)
    except TooMany as exc:
        return [], False, str(exc)
    if rule is None:
        return opts, True, None
    good = [o for o in opts if rule(o)]
    return (good, True, None) if good else (opts, False, None)


# --- regions and version --------------------------------------------------------------------

_T2_START = re.compile(r"第二十条第?\(一\)项|第二十条|本年制发件数|本年新制作数量")  # or (一)'s header: a
# caption under a seal or lost in a scan still leaves the header of its columns
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

def parse_table2(region: str | None, template: str, warnings: list[str],
                 open_rows: dict | None = None, grid: bool = False) -> dict:
    """Table 2 cells of a template from its region (all ``missing`` when there is no region); rows the
    text leaves open are added to ``open_rows``."""
    layout = md.table2_layout(template)
    open_rows = {} if open_rows is None else open_rows
    out: dict[tuple[str, str], CellValue] = {}
    if region is None:
        warnings.append("table2 not found in the document")
        for item, measures in layout:
            for m in measures:
                out[(item, m.measure)] = missing()
        return out
    _, segs = segments(region, "table2")
    best = _best(segs, warnings, "table2")
    width = grid_width(region)
    known = {item for item, _ in layout}
    for code, seg in best.items():
        if code not in known and seg.rank == 2:
            warnings.append(f"table2: row {code} is not in the {template} template; ignored")
    for item, measures in layout:
        kinds = [m.kind for m in measures]
        keys = [(item, m.measure) for m in measures]
        seg = best.get(item)
        where = f"table2.{item}"
        if seg is None:
            res: list[CellValue] | OpenRow = [missing() for _ in kinds]
        elif seg.kind == "cells":
            res = _separated(seg.values, kinds, where, warnings, "table2", item, keys, padded=seg.width <= width,
                             grid=grid)
        elif seg.kind == "run":
            opts, _, why = _candidates(seg.values, kinds)
            res = (not opts and not why and short_run_row("table2", item, tuple(keys), kinds, seg.values, where,
                                                          warnings)) \
                or run_row("table2", item, tuple(keys), kinds, seg.values, opts, why)
            _run_warning(res, where, warnings, why)
        else:
            res = _unread(len(kinds))
        if isinstance(res, OpenRow):
            open_rows[("table2", item)] = res.freeze()
            res = res.cells()
        out.update(zip(keys, res, strict=True))
    table2_units(out, template)
    return out


def table2_units(cells: dict, template: str) -> None:
    """Give Table 2 values the unit of their measure (money keeps the unit printed with it)."""
    for item, measures in md.table2_layout(template):
        for m in measures:
            cv = cells.get((item, m.measure))
            if cv is None or cv.value is None or m.kind == "money":
                continue
            if m.kind != "amount" or cv.unit is None:
                cv.unit = m.unit


def _r3(option: tuple[str, ...]) -> bool:
    return int(option[6]) == sum(int(x) for x in option[:6])


def parse_table3(region: str | None, template: str, warnings: list[str], open_rows: dict | None = None,
                 grid: bool = False) -> dict:
    """Table 3 cells (rows × 7 applicant columns) of a template from its region; rows the text leaves
    open are added to ``open_rows``."""
    open_rows = {} if open_rows is None else open_rows
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

    open3: dict[str, OpenRow] = {}
    kinds = ["count"] * 7
    width = grid_width(region)
    for code in rows:
        where = f"table3.{code}"
        keys = [(code, c) for c in cols]
        if code in values:
            kind, vals, placed = values[code]
            if kind == "cells":
                seg = best.get(code)
                padded = placed or seg is None or seg.width <= width
                res = _separated(vals, kinds, where, warnings, "table3", code, keys, _r3_values, padded, grid)
                if isinstance(res, OpenRow):
                    if placed:
                        res.notes.append("printed without its label, placed by order")
                    if not res.keep(lambda o, r=res: _r3_values(r.numbers(o))):
                        warnings.append(f"{where}: no alignment of the printed cells satisfies R3 (row total)")
                    open3[code] = res
                    continue
                if placed:
                    for cv in res:
                        if cv.flag in (None, "ocr"):
                            cv.flag = "recovered"
                cells = res
            else:
                open3[code] = _table3_run(code, keys, vals, where, warnings)
                continue
        elif code in best:  # the label is printed: with empty cells (rank 1), or with nothing after it
            cells = [CellValue(None, "", "blank") for _ in cols] if best[code].rank == 1 else _unread(len(cols))
        else:
            cells = [missing() for _ in cols]
        for c, cv in zip(cols, cells, strict=True):
            out[(code, c)] = cv
    if open3:
        fixed = {r: tuple(out[(r, c)].number for c in cols) for r in rows if (r, cols[0]) in out}
        solve_table3(open3, fixed, rows, template, warnings)
        for code, row in open3.items():
            out.update(zip(row.keys, row.freeze().cells(), strict=True))
            open_rows[("table3", code)] = row
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


def _table3_run(code: str, keys: list, run: str, where: str, warnings: list[str]) -> OpenRow:
    """A run-together Table 3 row and its cuts under R3 (every cut when none satisfies it)."""
    kinds = ["count"] * 7
    why = None
    try:
        opts, held = sum_splits(run, 6), True
    except TooMany as exc:
        opts, held, why = [], True, str(exc)
    if not opts and why is None:
        opts, held, why = _candidates(run, kinds, _r3)
    if not held and opts:
        warnings.append(f"{where}: no cut of '{run}' satisfies R3 (row total); every cut is kept")
    if why:
        warnings.append(f"{where}: {why}")
    if not opts and not why:
        row = short_run_row("table3", code, tuple(keys), kinds, run, where, warnings)
        if row is not None:
            if not row.keep(lambda o, r=row: _r3_values(r.numbers(o))):
                warnings.append(f"{where}: no alignment of '{run}' satisfies R3 (row total)")
            return row
    return run_row("table3", code, tuple(keys), kinds, run, opts, why)


def solve_table3(open_rows: dict[str, OpenRow], fixed: dict[str, tuple], rows: list[str], template: str,
                 warnings: list[str]) -> None:
    """Narrow open Table 3 rows under R1 and R2 across rows (in place): only combinations of readings
    that satisfy both, with the other rows as printed (``fixed``: their values, blank as 0), survive."""
    leaves = [r for r in rows if r in md.outcome_leaves(template) or r == "other_handling"]
    vals0 = {r: v for r, v in fixed.items() if r not in open_rows}
    multi = []
    for code, row in open_rows.items():
        if len(row.options) == 1:
            vals0[code] = row.numbers(row.options[0])
        elif row.options:
            multi.append((code, row))
    if not multi:
        for code, row in open_rows.items():
            if row.origin == "run" and row.options:
                _run_warning(row, f"table3.{code}", warnings)
        return
    zero = (0,) * 7
    readings = [sorted({row.numbers(o) for o in row.options}) for _, row in multi]

    def check(combo) -> bool:
        vals = dict(vals0)
        vals.update({code: c for (code, _), c in zip(multi, combo, strict=True)})
        for j in range(7):
            if vals.get("new_received", zero)[j] + vals.get("carried_over", zero)[j] != \
                    vals.get("total_processed", zero)[j] + vals.get("carried_forward", zero)[j]:
                return False
            if vals.get("total_processed", zero)[j] != sum(vals.get(r, zero)[j] for r in leaves):
                return False
        return True

    survivors = solve_joint(readings, check)
    for k, (code, row) in enumerate(multi):
        if survivors:
            chosen = {combo[k] for combo in survivors}
            before = len(row.options)
            row.keep(lambda o, r=row, c=chosen: r.numbers(o) in c)
            if len(row.options) == 1 and before > 1:
                warnings.append(f"table3.{code}: '{row.raw}' fits R3 in several ways; R1/R2 across rows leave one")
        if row.origin == "run":
            _run_warning(row, f"table3.{code}", warnings)


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
    return _r4_values([int(x) for x in option])


def _r4_values(v) -> bool:
    return all(v[g + 4] == sum(v[g:g + 4]) for g in (0, 5, 10))


def _r4_partial(acc: list[str]) -> bool:
    if len(acc) % 5:
        return True
    g = acc[-5:]
    return int(g[4]) == sum(int(x) for x in g[:4])


def parse_table4(region: str | None, warnings: list[str], open_rows: dict | None = None, grid: bool = False) -> dict:
    """Table 4's 15 cells (3 proceedings × 5 outcomes) from its region; an open row goes to ``open_rows``."""
    open_rows = {} if open_rows is None else open_rows
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
        res = _separated(cells_text, kinds, "table4", warnings, "table4", "table4", keys, _r4_values, grid=grid)
        if isinstance(res, OpenRow) and not res.keep(lambda o, r=res: _r4_values(r.numbers(o))):
            warnings.append("table4: no alignment of the printed cells satisfies R4")
    else:
        m = _T4_VALUES_AFTER.search(region)
        run = first_run(region[m.end() if m else 0:], min_digits=15)  # fifteen cells: at least fifteen digits
        if run is None:
            warnings.append("table4: header printed but no values found")
            return {k: missing() for k in keys}
        opts, held, why = _candidates(run.group(0), kinds, _r4, _r4_partial)
        if not held and opts:
            warnings.append(f"table4: no cut of '{run.group(0)}' satisfies R4; every cut is kept")
        res = (not opts and not why and short_run_row("table4", "table4", tuple(keys), kinds, run.group(0), "table4",
                                                      warnings)) \
            or run_row("table4", "table4", tuple(keys), kinds, run.group(0), opts, why)
        if res.origin == "unaligned" and not res.keep(lambda o, r=res: _r4_values(r.numbers(o))):
            warnings.append("table4: no alignment of the digits satisfies R4")
        _run_warning(res, "table4", warnings, why)
    if isinstance(res, OpenRow):
        open_rows[("table4", "table4")] = res.freeze()
        res = res.cells()
    return dict(zip(keys, res, strict=True))


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
        if doc.warnings:  # what the reader could not read may be where the tables are
            what += "; " + "; ".join(doc.warnings)
        raise ReportError(doc.source, what, "not_a_report")
    warnings: list[str] = ["traditional Chinese text mapped to simplified before matching"] if converted else []
    warnings += doc.warnings
    template, per_table, notes = detect_template(text, regions, meta.get("year"))
    warnings += notes

    def cut(span):
        return text[span[0]:span[1]] if span else None

    open_rows: dict = {}
    grid = doc.format in GRID_FORMATS
    with document_budget():  # the digit solver's steps, for all the runs of this report
        t2 = parse_table2(cut(regions.t2), per_table["table2"], warnings, open_rows, grid)
        t3 = parse_table3(cut(regions.t3), per_table["table3"], warnings, open_rows, grid)
        t4 = parse_table4(cut(regions.t4), warnings, open_rows, grid)
    if not meta.get("title") and not any(cv.value is not None or cv.candidates for t in (t2, t3, t4)
                                         for cv in t.values()):
        raise ReportError(doc.source, "not a 政府信息公开工作年度报告: no report title, and the template's tables hold "
                                      "no value (a blank template, or a file that only mentions them)", "not_a_report")
    if doc.ocr_pages:  # OCR readings: flagged, and checked against the rules (xxgk.recognition)
        warnings += resolve(t2, t3, t4, per_table["table3"])
        sections = [replace(s, heading=strip(s.heading), text=strip(s.text)) for s in sections]
    secs = {s.number: {"heading": s.heading, "text": s.text} for s in sections}
    return Report(doc.source, doc.format, template, per_table, meta, t2, t3, t4, secs, warnings,
                  open_rows=open_rows, ocr_pages=doc.ocr_pages)
