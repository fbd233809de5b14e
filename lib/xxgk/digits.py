"""Recover cells whose digits ran together when a crawler dropped the table's cell boundaries.

A Table 3 row printed as ``801000081`` is seven cells; only some ways of cutting it give seven
valid numbers (no leading zeros) whose first six add up to the seventh. This module enumerates the
cuts (:func:`splits`), keeps those that satisfy a rule, and combines rows under rules that span
several rows (:func:`solve_joint`). It never picks one of several valid answers: the caller gets
every survivor and flags the cells on which they disagree as ambiguous.

Whitespace inside a run is a hard boundary (a cell never contains a space); a sign starts a cell.

The search is bounded (:class:`xxgk.limits.Limits`): a run with more digits than its cells could
plausibly hold is refused at once, and a search that takes more than ``solver_steps`` steps or finds
more than :data:`MAX_CANDIDATES` cuts stops; both raise :class:`TooMany` with the reason, and the
caller flags the cells ``invalid`` with that reason in the warnings.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from .limits import current

# What one cell may look like, by kind of measure.
_KIND = {
    "count": re.compile(r"0|[1-9][0-9]*"),
    "signed": re.compile(r"[+\-]?(?:0|[1-9][0-9]*)"),
    "amount": re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"),
    "money": re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:万元|元)?"),
}
RUN = re.compile(r"[+\-]?[0-9](?:[0-9]|\.(?=[0-9])|[ +\-](?=[0-9])|[个笔项件] ?(?=[0-9]))*(?:万元|元)?")
UNIT_BOUNDARY = re.compile(r"(?<=[0-9])[个笔项件] ?(?=[0-9])")  # '1个246900元': a count with its unit ends a cell
MAX_CANDIDATES = 5000


class TooMany(Exception):
    """A run not cut: longer than its cells could be, more cuts than :data:`MAX_CANDIDATES`, or more
    search steps than the limit. ``str(exc)`` says which, in one line."""


def _short(run: str) -> str:
    return run if len(run) <= 24 else f"{run[:20]}…"


def check_length(run: str, kinds: Sequence[str]) -> None:
    """Refuse at once a run with more digits than its cells could plausibly hold.

    Raises:
        TooMany: the run is longer than ``run_cell_digits`` digits a count cell (twice that for an
            amount with decimals).
    """
    width = current().run_cell_digits
    cap = sum(2 * width if k in ("amount", "money") else width for k in kinds)
    n = sum(ch.isdigit() for ch in run)
    if n > cap:
        raise TooMany(f"the digits '{_short(run)}' ({n} digits) are longer than any plausible row of "
                      f"{len(kinds)} cells (at most {cap}); not cut")


_document: list[int] | None = None  # search steps left for the report being parsed (document_budget)


@contextmanager
def document_budget(steps: int | None = None):
    """Share one budget of search steps among every run of a report (default: ``solver_document_steps``)."""
    global _document
    before = _document
    _document = [steps if steps is not None else current().solver_document_steps]
    try:
        yield
    finally:
        _document = before


class _Steps:
    """A countdown of search steps for one run (and the report's budget); raises TooMany when it runs out."""

    __slots__ = ("left", "start", "run", "limit", "doc")

    def __init__(self, run: str, limit: int | None):
        self.limit = limit if limit is not None else current().solver_steps
        self.doc = _document
        self.left = self.limit if self.doc is None else min(self.limit, self.doc[0])
        self.start = self.left
        self.run = run

    def take(self) -> None:
        self.left -= 1
        if self.left < 0:
            if self.start < self.limit:
                raise TooMany(f"'{_short(self.run)}' not cut: the digit runs of this report used up their "
                              f"{current().solver_document_steps:,} search steps")
            raise TooMany(f"'{_short(self.run)}' needs more than {self.limit:,} search steps to cut; not cut")

    def __enter__(self) -> _Steps:
        return self

    def __exit__(self, *exc) -> None:
        if self.doc is not None:
            self.doc[0] = max(0, self.doc[0] - (self.start - max(self.left, 0)))


def splits(run: str, kinds: Sequence[str], limit: int = MAX_CANDIDATES,
           prune: Callable[[list[str]], bool] | None = None, steps: int | None = None) -> list[tuple[str, ...]]:
    """Every way to cut ``run`` into ``len(kinds)`` cells, each valid for its kind.

    Args:
        run: the printed digits, possibly with spaces (hard boundaries), signs, decimals, 元/万元.
        kinds: one of ``count``, ``signed``, ``amount``, ``money`` per cell, in order.
        limit: stop with :class:`TooMany` beyond this many candidates.
        prune: called with the cells cut so far; returning False abandons that branch (a rule
            checked as soon as its cells exist, e.g. each Table 4 group total).
        steps: search steps allowed (default: the ``solver_steps`` limit).

    Returns:
        The candidate cell texts, in lexicographic order of cut positions.

    Raises:
        TooMany: the run is implausibly long, has more than ``limit`` cuts, or needs more steps.
    """
    s = run.strip()
    n = len(kinds)
    if len(s) == n and s.isdigit():  # one digit per cell: the only cut
        return [tuple(s)] if prune is None or all(prune(list(s[:i + 1])) for i in range(n)) else []
    check_length(s, kinds)
    pats = [_KIND[k] for k in kinds]
    counts = [k == "count" for k in kinds]
    out: list[tuple[str, ...]] = []

    def rec(i: int, k: int, acc: list[str]) -> None:
        budget.take()
        if k == n:
            if i == len(s):
                out.append(tuple(acc))
                if len(out) > limit:
                    raise TooMany(f"'{_short(run)}' can be cut more than {limit:,} ways; not cut")
            return
        if i >= len(s):
            return
        remaining = n - k - 1
        for j in range(i + 1, len(s) + 1):
            budget.take()
            piece = s[i:j]
            if " " in piece:
                break
            if len(s) - j < remaining:
                break
            if j < len(s) and s[j] == ".":
                continue  # a cell never ends just before a decimal point
            if counts[k]:
                if not piece.isdigit():
                    break
                if piece[0] == "0" and len(piece) > 1:
                    break
            elif not pats[k].fullmatch(piece):
                continue
            nxt = j + 1 if j < len(s) and s[j] == " " else j
            acc.append(piece)
            if prune is None or prune(acc):
                rec(nxt, k + 1, acc)
            acc.pop()

    with _Steps(s, steps) as budget:
        rec(0, 0, [])
    return out


def _cuts(digits: str, nexts: list[int], a: int, b: int, k: int, width: int, cap: int,
          budget: _Steps) -> dict[int, list[tuple[int, ...]]]:
    """Every cut of ``digits[a:b]`` into ``k`` counts of at most ``width`` digits that do not cross a
    hard boundary, keyed by their sum (sums above ``cap`` are left out); a cut is its cells' lengths."""
    out: dict[int, list[tuple[int, ...]]] = {}

    def rec(i: int, left: int, total: int, lens: tuple[int, ...]) -> None:
        if left == 0:
            if i == b:
                out.setdefault(total, []).append(lens)
            return
        room = b - i
        if room < left or room > left * width:
            return
        stop = min(nexts[i], i + width, b - (left - 1))
        ends = ((b,) if stop == b else ()) if left == 1 else range(i + 1, stop + 1)
        for j in ends:
            budget.take()
            if digits[i] == "0" and j > i + 1:
                break  # a count has no leading zero
            value = int(digits[i:j])
            if total + value > cap:
                break  # longer cells only make it larger
            rec(j, left - 1, total + value, lens + (j - i,))

    rec(a, k, 0, ())
    return out


def sum_splits(run: str, n_parts: int, limit: int = MAX_CANDIDATES, steps: int | None = None) -> list[tuple[str, ...]]:
    """Cuts of ``run`` into ``n_parts`` counts followed by their total (a Table 3 row under R3).

    For each length of the total (the run's last digits) the total is known, so no part is longer,
    and the parts meet in the middle: for each place where the first half of the parts ends, the cuts
    of the first half and of the second half are listed with their sums, and the pairs whose sums add
    up to the total are kept. That is a few thousand steps for a row of six-digit numbers, where
    trying every cut would take millions. Spaces are hard boundaries.

    Returns:
        The cuts, in lexicographic order of cut positions.

    Raises:
        TooMany: the run is implausibly long, has more than ``limit`` cuts, or needs more steps.
    """
    s = run.strip()
    if len(s) == n_parts + 1 and s.isdigit():  # one digit per cell
        return [tuple(s)] if sum(int(c) for c in s[:-1]) == int(s[-1]) else []
    digits = s.replace(" ", "")
    if not digits.isdigit():
        return []
    check_length(digits, ["count"] * (n_parts + 1))
    forced = set()  # positions in ``digits`` where a space stood: a cell must end there
    k = 0
    for ch in s:
        if ch == " ":
            forced.add(k)
        else:
            k += 1
    n = len(digits)
    nexts = [min([f for f in forced if f > i] + [n]) for i in range(n + 1)]  # next hard boundary after i
    with _Steps(s, steps) as budget:
        found = _meet(digits, nexts, n_parts, budget, run, limit)
    out = []
    for lens in found:
        cut, i = [], 0
        for ln in lens:
            cut.append(digits[i:i + ln])
            i += ln
        out.append(tuple(cut))
    return out


def _meet(digits: str, nexts: list[int], n_parts: int, budget: _Steps, run: str, limit: int) -> list[tuple[int, ...]]:
    """The cuts of :func:`sum_splits` as cell lengths, sorted."""
    n = len(digits)
    half = n_parts // 2
    found: list[tuple[int, ...]] = []
    for width in range(1, n - n_parts + 1):  # the total is the last ``width`` digits
        end = n - width
        if nexts[end] < n or (digits[end] == "0" and width > 1) or end > n_parts * width:
            continue  # the total would cross a space or start with a zero, or the parts could not fill the rest
        target = int(digits[end:])
        if target >= n_parts * 10 ** (end - n_parts + 1):
            continue  # even the largest parts the digits allow fall short of the total
        for mid in range(half, end - (n_parts - half) + 1):
            firsts = _cuts(digits, nexts, 0, mid, half, width, target, budget)
            if not firsts:
                continue
            for total, seconds in _cuts(digits, nexts, mid, end, n_parts - half, width, target, budget).items():
                for first in firsts.get(target - total, ()):
                    for second in seconds:
                        found.append(first + second + (width,))
                        if len(found) > limit:
                            raise TooMany(f"'{_short(run)}' can be cut more than {limit:,} ways; not cut")
    found.sort()
    return found


def token_count(run: str) -> int:
    """Number of space-separated tokens in a run (when it equals the cell count, nothing is inferred)."""
    return len(run.split())


def solve_joint(
    candidates: Sequence[Sequence[tuple]],
    check: Callable[[Sequence[tuple]], bool],
    limit: int | None = None,
) -> list[tuple[tuple, ...]] | None:
    """Combinations of one candidate per slot that satisfy ``check``.

    Args:
        candidates: per slot (e.g. per table row), its candidate value tuples.
        check: rule over one full combination.
        limit: give up (return None) when the product of choices exceeds this (default: the
            ``solver_combinations`` limit).

    Returns:
        The surviving combinations, or None when there are too many to try.
    """
    if limit is None:
        limit = current().solver_combinations
    total = 1
    for c in candidates:
        total *= max(1, len(c))
        if total > limit:
            return None
    return [combo for combo in itertools.product(*candidates) if check(combo)]


def agreement(options: Sequence[tuple]) -> list[tuple[bool, list]]:
    """Per position, whether every option has the same value there, and the distinct values."""
    out = []
    for pos in range(len(options[0])):
        vals = sorted({o[pos] for o in options}, key=lambda v: (v is None, v if v is not None else 0))
        out.append((len(vals) == 1, vals))
    return out


_YEAR_AFTER = re.compile(r"(?:19|20)[0-9]{2}$")


def first_run(text: str, min_digits: int = 1) -> re.Match | None:
    """The first numeric run in a piece of text (digits, spaces between digits, signs, decimals, 元) with
    at least ``min_digits`` digits (Table 4's fifteen cells need fifteen).

    Crawler text glues the paragraph after a table to its last value: ``行政事业性收费02025年，我局…``.
    A run followed by 年 that ends in a year loses the year (the cell is ``0``); a run that is only a
    year is not a run of cells.
    """
    for m in RUN.finditer(text):
        if text.startswith("年", m.end()) and (y := _YEAR_AFTER.search(m.group(0))):
            end = m.start() + y.start()
            m = RUN.match(text, m.start(), end) if end > m.start() else None
            if m is None:
                continue
        if sum(ch.isdigit() for ch in m.group(0)) >= min_digits:
            return m
        if min_digits == 1:
            return m
    return None
