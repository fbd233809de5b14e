"""Rows the printed text leaves open: every reading of a row, and the cells those readings give.

Two things leave a row open. Digits of adjacent cells that ran together (a crawler dropped the
boundaries; :mod:`xxgk.digits` cuts them), and a row printed with more or fewer cells than the
template has (a PDF extraction dropped an empty cell, a tool added a 小计 column; aligned here). Each
*option* is one complete reading of the row: the printed text of every template cell, or None where
that reading puts no printed cell. The template's arithmetic (R3 and R4 per row, R1 and R2 across
Table 3 rows) removes options, then evidence from outside the table may (:mod:`xxgk.evidence`).

A cell on which every surviving option agrees is known; the others stay open, value null, with
their candidates. Nothing here ever picks one of several readings. Flags say how a cell was read:
``recovered`` (cut out of a run), ``unaligned`` (from a row of the wrong shape: the value only where
one alignment survives), ``ambiguous`` (several cuts survive), ``inferred`` (settled by evidence).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .digits import TooMany, splits, token_count
from .values import CellValue, parse_cell, run_cell

MAX_ALIGNMENTS = 5000  # ways to place printed cells on template cells; beyond this, nothing is guessed

Option = tuple  # one reading: the printed text of each template cell (None: no printed cell there)


@dataclass
class OpenRow:
    """A template row that the printed text does not pin down, with every reading still possible.

    Attributes:
        table: ``table2``, ``table3`` or ``table4``.
        code: the row (Table 2 item, Table 3 row code, or ``table4``).
        keys: the cell keys of the row in template order, e.g. ``(("granted", "natural_person"), …)``.
        kinds: the kind of each cell (``count``, ``signed``, ``amount``, ``money``).
        raw: the row as printed (the run of digits, or the printed cells joined by `` | ``).
        origin: ``run`` (digits ran together) or ``unaligned`` (wrong number of cells).
        options: the readings that survive so far.
        table_options: the readings that survived the table's own arithmetic (before evidence).
        inferred_cut: for a run, whether the cut is inferred (fewer space-separated tokens than cells).
        evidence: what removed readings after the table's arithmetic (sentences, other reports).
        notes: why the row is open, in words (kept in the cells' ``note``).
    """

    table: str
    code: str
    keys: tuple
    kinds: tuple[str, ...]
    raw: str
    origin: str
    options: list[Option]
    table_options: list[Option] = field(default_factory=list)
    inferred_cut: bool = False
    evidence: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.table_options:
            self.table_options = list(self.options)

    def freeze(self) -> OpenRow:
        """Record the options that survive the table's own arithmetic (call once the table rules ran)."""
        self.table_options = list(self.options)
        return self

    @property
    def is_open(self) -> bool:
        """Whether readings that disagree on some cell survive."""
        return len(self.options) > 1 and not all(same for same, _ in self._agreement(self.options))

    def reading(self, option: Option) -> tuple:
        """The values of one option (None where no value is printed or the text is not a number)."""
        return tuple(None if p is None else parse_cell(p, k).value for p, k in zip(option, self.kinds, strict=True))

    def readings(self, options: Sequence[Option] | None = None) -> list[tuple]:
        """The values of several options (default: the surviving ones)."""
        return [self.reading(o) for o in (self.options if options is None else options)]

    def numbers(self, option: Option) -> tuple:
        """The values of one option for arithmetic: a cell without a value counts as 0."""
        return tuple(0 if v is None else v for v in self.reading(option))

    def keep(self, test: Callable[[Option], bool]) -> bool:
        """Keep the options that pass ``test`` when some do; return whether any did."""
        good = [o for o in self.options if test(o)]
        if good:
            self.options = good
        return bool(good)

    def _agreement(self, options: Sequence[Option]) -> list[tuple[bool, list]]:
        """Per cell: whether the options agree on its number (no value counts as 0), and the candidates."""
        out = []
        for values in zip(*self.readings(options), strict=True):
            same = len({0 if v is None else v for v in values}) == 1
            out.append((same, sorted(set(values), key=lambda v: (v is None, v if v is not None else 0))))
        return out

    def cells(self) -> list[CellValue]:
        """The row's cells from the surviving options (see the module docstring for the flags)."""
        n = len(self.kinds)
        note = "; ".join(self.notes) or None
        if not self.options:
            flag = "invalid" if self.origin == "run" else "unaligned"
            return [CellValue(None, self.raw, flag, note=note) for _ in range(n)]
        before = self._agreement(self.table_options)
        now = self._agreement(self.options)
        out = []
        for pos in range(n):
            same, values = now[pos]
            if not same:
                flag = "ambiguous" if self.origin == "run" else "unaligned"
                out.append(CellValue(None, self.raw, flag, candidates=values, note=note,
                                     evidence="; ".join(self.evidence) or None))  # what narrowed the candidates
                continue
            # the options agree; take the text of one that prints something here (blank and 0 are both 0)
            piece = next((o[pos] for o in self.options if o[pos] is not None and o[pos] != ""),
                         self.options[0][pos])
            if self.origin == "run":
                cv = run_cell(piece, self.kinds[pos], self.inferred_cut)
            else:
                cv = parse_cell(piece or "", self.kinds[pos])
                cv.value = None if piece is None else cv.value
                cv.flag, cv.raw = "unaligned", piece or ""
            cv.note = "; ".join(x for x in (cv.note, note) if x) or None
            if not before[pos][0]:  # open after the table's arithmetic, settled by evidence
                cv.flag = "inferred"
                cv.candidates = before[pos][1]
                cv.evidence = "; ".join(self.evidence)
            out.append(cv)
        return out


def run_row(table: str, code: str, keys: tuple, kinds: Sequence[str], run: str, options: list[Option],
            note: str | None = None) -> OpenRow:
    """An open row from the cuts of a run of digits."""
    row = OpenRow(table, code, tuple(keys), tuple(kinds), run, "run", list(options),
                  inferred_cut=token_count(run) < len(kinds))
    if note:
        row.notes.append(note)
    return row


def alignments(cells: Sequence[str], kinds: Sequence[str]) -> list[Option] | None:
    """Every way to place ``cells`` (printed in order) on the template's ``len(kinds)`` cells.

    Fewer printed cells than template cells: each choice of positions for them, the other positions
    getting no printed cell (None). More: each choice of which printed cells are the template's.
    Options whose text does not read as a value of its cell's kind are dropped (unless every one would
    be). Returns None when there are more than :data:`MAX_ALIGNMENTS` ways (nothing can be said).
    """
    n, k = len(kinds), len(cells)
    if k < n:
        if math.comb(n, k) > MAX_ALIGNMENTS:
            return None
        opts = []
        for pos in itertools.combinations(range(n), k):
            o: list = [None] * n
            for p, c in zip(pos, cells, strict=True):
                o[p] = c
            opts.append(tuple(o))
    else:
        if math.comb(k, n) > MAX_ALIGNMENTS:
            return None
        opts = [tuple(cells[i] for i in pos) for pos in itertools.combinations(range(k), n)]
    valid = [o for o in opts if all(p is None or parse_cell(p, kd).flag != "invalid" for p, kd in zip(o, kinds, strict=True))]
    return list(dict.fromkeys(valid or opts))


def unaligned_row(table: str, code: str, keys: tuple, kinds: Sequence[str], cells: Sequence[str],
                  where: str, warnings: list[str]) -> OpenRow:
    """An open row from printed cells that do not match the template's shape."""
    n = len(kinds)
    opts = alignments(cells, kinds)
    raw = " | ".join(cells)
    row = OpenRow(table, code, tuple(keys), tuple(kinds), raw, "unaligned", opts or [])
    row.notes.append(f"row printed with {len(cells)} cells where the template has {n}")
    if opts is None:
        row.notes.append("too many ways to align them")
    warnings.append(f"{where}: {len(cells)} cells where {n} were expected; every cell of the row is flagged "
                    "unaligned")
    return row


def short_run_row(table: str, code: str, keys: tuple, kinds: Sequence[str], run: str, where: str,
                  warnings: list[str], max_missing: int = 3) -> OpenRow | None:
    """A run with fewer digits than the row has cells (a crawler lost empty cells, or blank ones): every
    cut of it into fewer cells, placed on the template's cells in order, the others getting no value.

    Returns None when the run has as many digits as cells (then a cut that fits is the question, not an
    alignment), or when more than ``max_missing`` cells would be missing.
    """
    n = len(kinds)
    digits = sum(ch.isdigit() for ch in run)
    if digits >= n or n - digits > max_missing:
        return None
    opts: list[Option] = []
    for k in range(digits, 0, -1):
        if n - k > max_missing or math.comb(n, k) > MAX_ALIGNMENTS:
            break
        for pos in itertools.combinations(range(n), k):
            try:
                cuts = splits(run, [kinds[p] for p in pos], limit=MAX_ALIGNMENTS)
            except TooMany:
                return None
            for cut in cuts:
                o: list = [None] * n
                for p, c in zip(pos, cut, strict=True):
                    o[p] = c
                opts.append(tuple(o))
            if len(opts) > MAX_ALIGNMENTS:
                return None
    row = OpenRow(table, code, tuple(keys), tuple(kinds), run, "unaligned", list(dict.fromkeys(opts)))
    row.notes.append(f"'{run}' has {digits} digits for {n} cells: cells were lost")
    warnings.append(f"{where}: '{run}' has fewer digits than the row has cells; every cell of the row is "
                    "flagged unaligned")
    return row
