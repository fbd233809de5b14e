"""Values read by OCR: carried from the reader to the cells, then checked against the template's arithmetic.

The parser works on linearised text (:func:`xxgk.parse.linearize`), so what the recogniser knew
about a cell travels inside the text, as a tag after the cell's text: private-use characters (never
in a real report; NFKC and the traditional→simplified mapping leave them alone) that encode the
confidence and the other readings of the same glyphs. :func:`xxgk.values.parse_cell` reads the tag
back into the :class:`~xxgk.values.CellValue` (``confidence``, ``alternatives``) and flags the value
``ocr``. Then :func:`resolve` never lets a recognition guess pass silently:

* a value read with a confidence below :data:`LOW`, or one in a failed R1–R3 (Table 3) or R4 (Table 4)
  check whose alternatives could make the check pass, is uncertain;
* for each group of uncertain cells tied by the rules, every combination of their readings is tried
  (like :mod:`xxgk.digits` tries every cut of run-together digits): when exactly one value of a cell
  survives, it stands — flagged ``ocr`` when it is what was read, ``recovered`` (with a note) when it
  is an alternative; when several survive, the cell is ``ambiguous`` with its candidates; when none
  does, a low-confidence cell is ``ambiguous`` with all its readings, a confident one stays as read
  and the failed check says so;
* Table 2 has no arithmetic: a low-confidence value there is ``ambiguous``;
* a value from OCR text that was not a cell of its own (e.g. a table printed without rules) is
  flagged ``ocr`` too, its confidence unknown. In a PDF that mixes a text layer with scanned pages,
  every value is treated as possibly recognised.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from . import metadata as md

LOW = 0.90  # a reading less sure than this is checked against the rules before it is used
COMBOS = 20_000  # most steps of the search for readings of one group of uncertain cells
OPEN, CLOSE, SEP = "\ue000", "\ue001", "\ue002"
_INT = re.compile(r"[+\-]?[0-9]+")
_VALUEISH = re.compile(r"|[/／\-—–－]+|无|不涉及|[^\u4e00-\u9fff]*[0-9０-９][^\u4e00-\u9fff]*|"
                       r"[^0-9]{0,2}[0-9]+[^0-9]{0,2}")
_BASE = 0xE100  # ASCII characters of the payload are shifted to U+E100…


def _enc(s: str) -> str:
    return "".join(chr(_BASE + ord(c)) for c in s)


def _dec(s: str) -> str:
    return "".join(chr(ord(c) - _BASE) for c in s)


def tag(text: str, confidence: float | None, alternatives: Iterable[str] = (), in_values: bool = False) -> str:
    """The tag appended to a cell's text in linearised text.

    Only a cell read by OCR that may hold a value gets one: empty (ink read as nothing), '/', '-',
    '无', any text with a digit and no Chinese (a garbled number such as '1I' stays a value cell,
    to be flagged invalid, instead of breaking its row), or anything the reader saw in a column of
    numbers (``in_values``). Labels and remarks get none.
    """
    if confidence is None or not (in_values or _VALUEISH.fullmatch(text.strip())):
        return ""
    body = [_enc(f"{confidence:.3f}")] + [_enc(a) for a in alternatives if _INT.fullmatch(a)]
    return OPEN + SEP.join(body) + CLOSE


def has_tag(text: str) -> bool:
    """Whether a piece of linearised text carries a recognition tag."""
    return OPEN in text


def split(text: str) -> tuple[str, float | None, tuple[str, ...]]:
    """A tagged cell → (text without the tag, confidence, alternatives)."""
    i = text.find(OPEN)
    if i < 0:
        return text, None, ()
    j = text.find(CLOSE, i)
    body = text[i + 1:j if j >= 0 else len(text)]
    rest = text[:i] + (text[j + 1:] if j >= 0 else "")
    parts = [_dec(p) for p in body.split(SEP)]
    try:
        conf = float(parts[0])
    except ValueError:
        conf = 0.0
    return strip(rest), conf, tuple(parts[1:])


def strip(text: str) -> str:
    """Text with every recognition tag removed."""
    if OPEN not in text:
        return text
    out, i = [], 0
    while True:
        j = text.find(OPEN, i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = text.find(CLOSE, j)
        if k < 0:
            break
        i = k + 1
    return "".join(out)


# --- checking readings against the rules ---------------------------------------------------------

def _rules(table3: dict, table4: dict, template: str) -> list[tuple[str, list, list]]:
    """(name, lhs keys, rhs keys) of R1–R4 over the printed cells."""
    out = []
    rows = {r for r, _ in table3}
    cols = md.TABLE3_APPLICANTS
    leaves = [r for r in md.table3_rows(template) if r in md.outcome_leaves(template) or r == "other_handling"]
    leaves = [r for r in leaves if r in rows] + (["other_handling"] if "other_handling" in rows and
                                                  "other_handling" not in leaves else [])
    if "other_handling" in rows:  # a 2021 table printing the single 2019-style （六） row in place of the
        group = md.groups()  # three rows of its group, which are then not printed
        leaves = [r for r in leaves if r == "other_handling" or group[("table3_row", r)] != "other"
                  or any(table3[(r, c)].flag != "missing" for c in cols)]
    for c in cols:
        out.append((f"R1 table3.{c}", [("t3", ("new_received", c)), ("t3", ("carried_over", c))],
                    [("t3", ("total_processed", c)), ("t3", ("carried_forward", c))]))
        out.append((f"R2 table3.{c}", [("t3", (r, c)) for r in leaves], [("t3", ("total_processed", c))]))
    for r in sorted(rows):
        out.append((f"R3 table3.{r}", [("t3", (r, c)) for c in cols[:-1]], [("t3", (r, cols[-1]))]))
    for p in md.TABLE4_PROCEEDINGS:
        out.append((f"R4 table4.{p}", [("t4", (p, o)) for o in md.TABLE4_OUTCOMES[:4]],
                    [("t4", (p, "total"))]))
    return out


def _number(cv) -> int | float | None:
    """A cell's number for the rules, or None when the rule cannot use it (not printed, not known)."""
    if cv is None or cv.flag in ("missing", "ambiguous", "invalid"):
        return None
    return cv.value if cv.value is not None else 0


def _alt_values(cv) -> list:
    """The value as read, then the values of its alternative readings."""
    vals = [cv.value]
    for a in cv.alternatives:
        v = int(a)
        if v not in vals:
            vals.append(v)
    return vals


def _near(read: str, value: int) -> bool:
    """Whether ``value`` is another reading of the digits ``read``: one digit changed, dropped or added."""
    a, b = read, str(abs(value))
    if abs(len(a) - len(b)) > 1 or not a.isdigit():
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def resolve(table2: dict, table3: dict, table4: dict, template: str) -> list[str]:
    """Check OCR readings against the rules (see the module docstring); returns warnings.

    A row of recognised cells with more or fewer cells than the template's columns (a rule lost under a
    seal, a stroke taken for a rule) is already open when this runs: the parser keeps every alignment
    and flags its cells ``unaligned`` (:mod:`xxgk.options`).
    """
    warnings: list[str] = []
    cells = {("t2", k): cv for k, cv in table2.items()}
    cells.update({("t3", k): cv for k, cv in table3.items()})
    cells.update({("t4", k): cv for k, cv in table4.items()})
    for cv in cells.values():  # a value from OCR text that was not a separate cell (a line of prose, a
        if cv.confidence is None and cv.value is not None:  # remark, a table without rules): flagged too
            if cv.flag is None:
                cv.flag = "ocr"
            cv.note = _join(cv.note, "read by OCR; the recogniser's confidence is not known for this cell")

    def reading(k) -> bool:  # an OCR reading (also one in a row placed by order, flagged recovered)
        cv = cells.get(k)
        return cv is not None and cv.flag in ("ocr", "recovered") and cv.confidence is not None \
            and cv.value is not None

    rules = _rules(table3, table4, template)
    uncertain = {k for k in cells if reading(k) and cells[k].confidence < LOW}
    # value cells whose ink the recogniser could not read as a number (a seal, noise): unknowns the
    # rules may settle, never guessed from their glyphs
    unread = {k for k, cv in cells.items() if k[0] != "t2" and cv.flag == "invalid" and cv.confidence is not None}

    def value(k, vals):
        return vals[k] if k in vals else _number(cells.get(k))

    def ok(rule, vals: dict) -> bool | None:
        """The rule with some cells given other values; None when a cell it needs is not known."""
        _, lhs, rhs = rule
        sides = [0, 0]
        for side, keys in ((0, lhs), (1, rhs)):
            for k in keys:
                v = value(k, vals)
                if v is None:
                    return None
                sides[side] += v
        return sides[0] == sides[1]

    for rule in rules:  # a confident reading in a failed rule is open to its alternatives too
        if ok(rule, {}) is False:
            uncertain |= {k for k in rule[1] + rule[2] if reading(k) and cells[k].alternatives}
    options = {k: _alt_values(cells[k]) for k in uncertain}
    for rule in rules:  # the value a rule implies, when it is another reading of the same digits
        ks = [k for k in rule[1] + rule[2] if k in uncertain]
        if len(ks) != 1:
            continue
        k = ks[0]
        others = [value(j, {}) for j in rule[1] + rule[2] if j != k]
        if any(v is None for v in others):
            continue
        lhs = sum(value(j, {}) for j in rule[1] if j != k)
        rhs = sum(value(j, {}) for j in rule[2] if j != k)
        implied = (rhs - lhs) if k in rule[1] else (lhs - rhs)
        digits = split_raw(cells[k].raw)
        if implied >= 0 and implied not in options[k] and _near(digits, implied):
            options[k].append(implied)
    # groups of uncertain and unread cells tied together by rules whose other cells are known
    open_ = uncertain | unread
    touching = [r for r in rules if any(k in open_ for k in r[1] + r[2])
                and all(k in open_ or _number(cells.get(k)) is not None for k in r[1] + r[2])]
    parent = {k: k for k in open_}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for r in touching:
        ks = [k for k in r[1] + r[2] if k in open_]
        for a, b in itertools.pairwise(ks):
            parent[find(a)] = find(b)
    groups: dict = {}
    for k in open_:
        groups.setdefault(find(k), []).append(k)
    for group in groups.values():
        group.sort()
        finite = [k for k in group if k in uncertain]
        unknown = [k for k in group if k in unread]
        its_rules = [r for r in touching if any(k in group for k in r[1] + r[2])]
        survivors, exhausted = _survivors(finite, options, its_rules, unknown, value)
        dropped: list = []  # unsure readings no rule allows: solved like unread cells, if the rules can
        for limit in (0.5, LOW) if its_rules and not survivors and not exhausted else ():
            weak = [k for k in finite if cells[k].confidence < limit]
            rest = [k for k in finite if k not in weak]
            found, over = _survivors(rest, options, its_rules, unknown + weak, value) if weak else ([], False)
            if found and not over:
                finite, survivors, dropped = rest, found, weak
                break
        for k in dropped:
            if not _settle_unread(k, cells[k], survivors, its_rules, warnings):
                _ambiguous(cells[k], options[k], "no reading of its glyphs satisfies the rules, and they do not "
                                                 "settle it")
        opts = [options[k] for k in finite]
        for pos, k in enumerate(finite):
            cv = cells[k]
            mine = sorted(r[0] for r in its_rules if k in r[1] + r[2])
            where = ", ".join(mine[:4]) + ("…" if len(mine) > 4 else "")
            values = sorted({c[pos] for c, _, checked in survivors})
            if not mine:  # no rule can check it
                if cv.confidence < LOW:
                    _ambiguous(cv, opts[pos], "no rule can check it")
            elif exhausted:
                _ambiguous(cv, opts[pos], f"too many readings to check (over {COMBOS} steps)")
            elif survivors and not all(any(k in r[1] + r[2] for r in checked) for _, _, checked in survivors):
                if cv.confidence < LOW:  # its rules hold an unread cell that they cannot settle
                    _ambiguous(cv, values, f"{where} cannot be checked: a cell in them could not be read")
            elif len(values) == 1 and values[0] == cv.value:
                cv.note = _join(cv.note, f"OCR confidence {cv.confidence:.2f}; {where} hold with this reading")
            elif len(values) == 1:
                read = cv.raw  # the raw text stays what OCR read; the note says which reading was taken
                cv.value, cv.flag = values[0], "recovered"
                cv.note = _join(cv.note, f"OCR read '{read}' (confidence {cv.confidence:.2f}); '{values[0]}' is "
                                f"the only reading of those glyphs with which {where} hold")
                warnings.append(f"{_name(k)}: OCR read '{read}'; {where} hold only with '{values[0]}'")
            elif values:
                _ambiguous(cv, values, f"{len(values)} readings satisfy {where}")
            elif cv.confidence < LOW:
                _ambiguous(cv, opts[pos], f"no reading satisfies {where}")
        for k in unknown if not exhausted else ():
            _settle_unread(k, cells[k], survivors, its_rules, warnings)
        # the rules fail with every reading of the unsure cells, unless dropping some of them let the
        # rules settle every one: then a confident reading may be the wrong one, and a rule that cannot
        # hold with any reading of its own unsure cells puts each of its confident readings in doubt
        if its_rules and not exhausted and _dropped_or_none(survivors, dropped, cells):
            for r in its_rules:
                if _can_hold(r, options, unread, value):
                    continue
                for k in r[1] + r[2]:
                    cv = cells[k]
                    if k not in open_ and cv.flag == "ocr" and cv.confidence is not None and cv.value is not None:
                        _ambiguous(cv, _alt_values(cv), f"{r[0]} cannot hold with any reading of its unsure cells, "
                                                        "so this confident reading may be the wrong one")
                        warnings.append(f"{_name(k)}: {r[0]} cannot hold with any reading of its unsure cells; "
                                        f"OCR's confident '{cv.raw}' is left open")
        if len(survivors) > 1 and finite:
            warnings.append(f"OCR: {len(finite)} unsure cell(s) ({', '.join(_name(k) for k in finite[:3])}"
                            f"{'…' if len(finite) > 3 else ''}) fit the rules in {len(survivors)} ways")
    return warnings


def _dropped_or_none(survivors: list, dropped: list, cells: dict) -> bool:
    """Whether a group's rules held only by dropping readings the rules then did not all settle, or
    not at all."""
    return not survivors or any(cells[k].flag != "recovered" for k in dropped)


def _can_hold(rule, options: dict, unread: set, value) -> bool:
    """Whether ``rule`` alone can hold with some reading of its unsure cells (``options``), its unread
    cells free (any count ≥ 0). True when there are too many readings to try (nothing is blamed)."""
    keys = rule[1] + rule[2]
    unsure = [k for k in keys if k in options]
    free_l = any(k in unread for k in rule[1])
    free_r = any(k in unread for k in rule[2])
    total = 1
    for k in unsure:
        total *= len(options[k])
    if total > COMBOS:
        return True
    for combo in itertools.product(*(options[k] for k in unsure)):
        vals = dict(zip(unsure, combo, strict=True))
        known = [(k, value(k, vals)) for k in keys if k not in unread]
        if any(v is None for _, v in known):
            return True  # a cell it needs is not known: nothing to blame
        diff = sum(v for k, v in known if k in rule[2]) - sum(v for k, v in known if k in rule[1])
        if (free_l and free_r) or (free_l and diff >= 0) or (free_r and diff <= 0) or diff == 0:
            return True
    return False


def _survivors(finite: list, options: dict, rules: list, unknown: list, value) -> tuple[list, bool]:
    """:func:`_search` over a group's rules; (survivors, whether the search gave up)."""
    if not rules:
        return [], False
    try:
        return _search(finite, [options[k] for k in finite], rules, unknown, value), False
    except _TooMany:
        return [], True


class _TooMany(Exception):
    """The search for readings that satisfy the rules took more than :data:`COMBOS` steps."""


def _search(finite: list, opts: list[list], rules: list, unknown: list, value) -> list[tuple]:
    """Every combination of the unsure cells' readings with which the rules hold (unread cells solved
    by :func:`_settle`), found depth first: a rule is checked as soon as its last unsure cell has a
    value, so a row or a column that fails is not extended. Returns (readings, solved, checked) per
    survivor.

    Raises:
        _TooMany: more than :data:`COMBOS` steps, or as many survivors.
    """
    pos = {k: i for i, k in enumerate(finite)}
    unknowns = set(unknown)
    closing: dict[int, list] = {}  # index of the last unsure cell of a rule without unread cells → rules
    for r in rules:
        keys = r[1] + r[2]
        if not any(k in unknowns for k in keys):
            closing.setdefault(max((pos[k] for k in keys if k in pos), default=-1), []).append(r)
    vals: dict = {}

    def holds(rule) -> bool:
        return sum(value(k, vals) for k in rule[1]) == sum(value(k, vals) for k in rule[2])

    if not all(holds(r) for r in closing.get(-1, ())):
        return []
    out: list[tuple] = []
    steps = 0

    def walk(i: int) -> None:
        nonlocal steps
        steps += 1
        if steps > COMBOS or len(out) > COMBOS:
            raise _TooMany
        if i == len(finite):
            got = _settle(rules, vals, unknown, value)
            if got is not None:
                out.append((tuple(vals[k] for k in finite), *got))
            return
        for v in opts[i]:
            vals[finite[i]] = v
            if all(holds(r) for r in closing.get(i, ())):
                walk(i + 1)
        del vals[finite[i]]

    walk(0)
    return out


def _settle(rules: list, vals: dict, unknown: list, value) -> tuple[dict, list] | None:
    """Unread cells solved from the rules, given values for the unsure ones; None when a rule fails.

    A rule with one unknown left gives it (a negative count fails); a rule whose unknowns are all on one
    side and must sum to 0 makes them all 0 (counts are not negative). Returns the solved unknowns and
    the rules checked in full (every cell known).
    """
    vals = dict(vals)
    left = set(unknown)
    changed = True
    while changed and left:
        changed = False
        for _, lhs, rhs in rules:
            unk = [k for k in lhs + rhs if k in left]
            if not unk:
                continue
            known = [value(k, vals) for k in lhs + rhs if k not in left]
            if any(v is None for v in known):
                continue
            diff = sum(value(k, vals) for k in rhs if k not in left) - sum(value(k, vals) for k in lhs if k not in left)
            on_left = [k for k in unk if k in lhs]
            on_right = [k for k in unk if k in rhs]
            if len(unk) == 1:
                v = diff if on_left else -diff
                if v < 0:
                    return None
                vals[unk[0]] = v
            elif on_left and on_right:
                continue
            elif (diff if on_left else -diff) < 0:
                return None
            elif diff == 0:
                vals.update({k: 0 for k in unk})
            else:
                continue
            left -= set(unk)
            changed = True
    checked = []
    for rule in rules:
        keys = rule[1] + rule[2]
        if any(k in left for k in keys):
            continue
        sides = [sum(value(k, vals) for k in rule[1]), sum(value(k, vals) for k in rule[2])]
        if sides[0] != sides[1]:
            return None
        checked.append(rule)
    return {k: vals[k] for k in unknown if k not in left}, checked


def _settle_unread(k, cv, survivors: list, rules: list, warnings: list[str]) -> bool:
    """An unread cell (or a reading no rule allows) takes the value the rules give it when every reading
    of the others gives the same one and, besides the rule that gives it, another rule holds with it (a
    check, not just a sum). Returns whether it did."""
    mine = sorted(r[0] for r in rules if k in r[1] + r[2])
    where = ", ".join(mine[:4]) + ("…" if len(mine) > 4 else "")
    read = (f"OCR read '{cv.raw}' (confidence {cv.confidence:.2f}), which no rule allows" if cv.value is not None
            else f"OCR could not read '{cv.raw}' as a number")
    solved = {s[1].get(k) for s in survivors}
    if not survivors or None in solved:
        return False
    if len(solved) > 1:
        cv.candidates = sorted(solved)
        cv.value, cv.flag = None, "ambiguous"
        cv.note = _join(cv.note, f"{read}; {len(solved)} values satisfy {where}")
        return True
    v = solved.pop()
    if not all(sum(1 for r in checked if k in r[1] + r[2]) >= 2 for _, _, checked in survivors):
        cv.note = _join(cv.note, f"{read}; only one rule settles it ({v}), with nothing to check it against")
        return False
    cv.value, cv.flag = v, "recovered"  # the raw text stays what OCR read
    cv.note = _join(cv.note, f"{read}; {where} hold only with {v}")
    warnings.append(f"{_name(k)}: {read}; {where} hold only with {v}")
    return True


def split_raw(raw: str) -> str:
    """The digits of a cell's printed text."""
    return "".join(c for c in raw if c.isdigit())


def _ambiguous(cv, candidates: list, why: str) -> None:
    cv.note = _join(cv.note, f"OCR read '{cv.raw}' with confidence {cv.confidence:.2f}; {why}")
    cv.candidates = sorted(set(candidates))
    cv.value, cv.flag = None, "ambiguous"


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b


def _name(k) -> str:
    table = {"t2": "table2", "t3": "table3", "t4": "table4"}[k[0]]
    return f"{table}.{k[1][0]}.{k[1][1]}"
