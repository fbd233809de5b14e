"""Recover cells whose digits ran together when a crawler dropped the table's cell boundaries.

A Table 3 row printed as ``801000081`` is seven cells; only some ways of cutting it give seven
valid numbers (no leading zeros) whose first six add up to the seventh. This module enumerates the
cuts (:func:`splits`), keeps those that satisfy a rule, and combines rows under rules that span
several rows (:func:`solve_joint`). It never picks one of several valid answers: the caller gets
every survivor and flags the cells on which they disagree as ambiguous.

Whitespace inside a run is a hard boundary (a cell never contains a space); a sign starts a cell.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

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
    """More candidate splits than :data:`MAX_CANDIDATES`: the run is treated as unrecoverable."""


def splits(run: str, kinds: Sequence[str], limit: int = MAX_CANDIDATES,
           prune: Callable[[list[str]], bool] | None = None) -> list[tuple[str, ...]]:
    """Every way to cut ``run`` into ``len(kinds)`` cells, each valid for its kind.

    Args:
        run: the printed digits, possibly with spaces (hard boundaries), signs, decimals, 元/万元.
        kinds: one of ``count``, ``signed``, ``amount``, ``money`` per cell, in order.
        limit: stop with :class:`TooMany` beyond this many candidates.
        prune: called with the cells cut so far; returning False abandons that branch (a rule
            checked as soon as its cells exist, e.g. each Table 4 group total).

    Returns:
        The candidate cell texts, in lexicographic order of cut positions.
    """
    s = run.strip()
    n = len(kinds)
    if len(s) == n and s.isdigit():  # one digit per cell: the only cut
        return [tuple(s)] if prune is None or all(prune(list(s[:i + 1])) for i in range(n)) else []
    pats = [_KIND[k] for k in kinds]
    counts = [k == "count" for k in kinds]
    out: list[tuple[str, ...]] = []

    def rec(i: int, k: int, acc: list[str]) -> None:
        if k == n:
            if i == len(s):
                out.append(tuple(acc))
                if len(out) > limit:
                    raise TooMany(run)
            return
        if i >= len(s):
            return
        remaining = n - k - 1
        for j in range(i + 1, len(s) + 1):
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

    rec(0, 0, [])
    return out


def sum_splits(run: str, n_parts: int, limit: int = MAX_CANDIDATES) -> list[tuple[str, ...]]:
    """Cuts of ``run`` into ``n_parts`` counts followed by their total (a Table 3 row under R3).

    A direct search with the running sum: the digits left for the total must be able to hold the
    sum so far, which keeps long rows (``35212035012512001067``) cheap. Spaces are hard boundaries.
    """
    s = run.strip()
    if len(s) == n_parts + 1 and s.isdigit():  # one digit per cell
        return [tuple(s)] if sum(int(c) for c in s[:-1]) == int(s[-1]) else []
    digits = s.replace(" ", "")
    if not digits.isdigit():
        return []
    forced = set()  # positions in ``digits`` where a space stood: a cell must end there
    k = 0
    for ch in s:
        if ch == " ":
            forced.add(k)
        else:
            k += 1
    n = len(digits)
    out: list[tuple[str, ...]] = []
    acc: list[str] = []
    nexts = [min([f for f in forced if f > i] + [n]) for i in range(n + 1)]  # next hard boundary after i

    def rec(i: int, k: int, total: int) -> None:
        if k == n_parts:
            t = digits[i:]
            if t and nexts[i] >= n and (t[0] != "0" or len(t) == 1) and int(t) == total:
                out.append(tuple(acc) + (t,))
                if len(out) > limit:
                    raise TooMany(run)
            return
        stop = nexts[i]
        if digits[i] == "0":
            ends = (i + 1,)
        else:
            ends = range(i + 1, stop + 1)
        for j in ends:
            if j > stop:
                break
            left = n - j  # digits left for the remaining parts and the total
            if left < n_parts - k:
                break
            value = int(digits[i:j])
            if len(str(total + value)) > left - (n_parts - k - 1):
                break  # the total could not hold the sum any more (and longer cells only make it worse)
            acc.append(digits[i:j])
            rec(j, k + 1, total + value)
            acc.pop()

    rec(0, 0, 0)
    return out


def token_count(run: str) -> int:
    """Number of space-separated tokens in a run (when it equals the cell count, nothing is inferred)."""
    return len(run.split())


def solve_joint(
    candidates: Sequence[Sequence[tuple]],
    check: Callable[[Sequence[tuple]], bool],
    limit: int = 200_000,
) -> list[tuple[tuple, ...]] | None:
    """Combinations of one candidate per slot that satisfy ``check``.

    Args:
        candidates: per slot (e.g. per table row), its candidate value tuples.
        check: rule over one full combination.
        limit: give up (return None) when the product of choices exceeds this.

    Returns:
        The surviving combinations, or None when there are too many to try.
    """
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
