"""One printed cell to a value: numbers, blanks, '/', signed deltas, money with units, remarks.

The policy is the spec's §6: blank → null + ``blank``; '/', '-', '—', '无', '不涉及' → null + ``na``;
a number with a remark (``55（含自然失效29件）``) → the number + ``note``; text → null + ``invalid``;
a number with more integer digits than ``max_value_digits`` (no count in these tables comes near;
Float64 holds integers exactly only up to 2^53) → null + ``invalid``, with a note saying so.
A cell read by OCR (tagged, see :mod:`xxgk.recognition`) is flagged ``ocr`` with its confidence.
The raw text always travels with the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .limits import current
from .recognition import has_tag, split
from .text import clean_cell

_NA = {"/", "-", "—", "——", "–", "无", "不涉及", "x", "X", "×", "\\"}
_NUMBER = re.compile(r"([+\-]?)([0-9][0-9,]*(?:\.[0-9]+)?)(万元|元)?")
_NOTE = re.compile(r"([+\-]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:件|个|项|条)?\s*([(\[（【].*[)\]）】]|[,;:].*)$")
VALUE_LIKE = re.compile(
    r"(?:[+\-]?[0-9][0-9,]*(?:\.[0-9]+)?(?:万元|元|件)?|/|-|—+|–|无|不涉及|x|X|×|\\|"
    r"[0-9]+\s*[(（][^)）]*[)）])?"
)


@dataclass(slots=True)
class CellValue:
    """A template cell: the number, the text as printed, and why it needs attention (flag)."""

    value: float | int | None
    raw: str
    flag: str | None = None
    candidates: list | None = None
    note: str | None = None
    unit: str | None = None
    confidence: float | None = None  # OCR: the recogniser's confidence (0–1)
    alternatives: tuple[str, ...] = ()  # OCR: other readings of the same glyphs
    evidence: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the value is not known: several readings remain (ambiguous, or an unaligned row), or the
        text is not a number."""
        return self.value is None and (self.flag in ("ambiguous", "invalid") or self.candidates is not None)

    @property
    def number(self) -> float | int:
        """The value for arithmetic: null counts as 0 (blank and '/' mean none)."""
        return self.value if self.value is not None else 0


def missing() -> CellValue:
    """A cell whose row or table the document does not print."""
    return CellValue(None, "", "missing")


def _num(text: str) -> int | float:
    text = text.replace(",", "")
    if "." in text:
        f = float(text)
        return f
    return int(text)


def out_of_range(digits: str) -> bool:
    """Whether a printed number has more integer digits than any value of these tables may have."""
    return len(digits.split(".", 1)[0].replace(",", "").lstrip("+-")) > current().max_value_digits


def _too_long(raw: str) -> CellValue:
    return CellValue(None, raw, "invalid",
                     note=f"more than {current().max_value_digits} digits: out of range for a count or amount")


def parse_cell(text: str, kind: str = "count") -> CellValue:
    """Read one separated cell.

    Args:
        text: the cell as printed (normalised or not).
        kind: ``count``, ``signed``, ``amount`` or ``money`` (see :mod:`xxgk.metadata`).
    """
    if has_tag(text):
        return _recognised(text, kind)
    raw = text.strip()
    if (raw.isdigit() and raw.isascii() and (len(raw) == 1 or raw[0] != "0" or kind != "count")
            and len(raw) <= current().max_value_digits):
        return CellValue(int(raw), raw)  # the common case, already normalised
    if not raw:
        return CellValue(None, raw, "blank")
    t = clean_cell(text)
    if t == "":
        return CellValue(None, raw, "blank")
    if t in _NA:
        return CellValue(None, raw, "na")
    m = _NUMBER.fullmatch(t)
    if m:
        sign, digits, unit = m.groups()
        if "," in digits and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", digits):
            return CellValue(None, raw, "invalid")
        if out_of_range(digits):
            return _too_long(raw)
        value = _num(digits)
        if sign == "-":
            value = -value
        if kind in ("count", "signed") and (unit or isinstance(value, float)):
            return CellValue(None, raw, "invalid", note="not a whole count")
        cv = CellValue(value, raw)
        if kind == "money":
            if unit:
                cv.unit = unit
            else:
                cv.flag = "unit_unknown"
        elif unit and kind == "amount" and unit == "元":
            cv.note = "printed in 元 under a 万元 header"
            cv.flag = "note"
        return cv
    m = _NOTE.match(t)
    if m:
        if out_of_range(m.group(1)):
            return _too_long(raw)
        return CellValue(_num(m.group(1)), raw, "note", note=m.group(2))
    return CellValue(None, raw, "invalid")


def _recognised(text: str, kind: str) -> CellValue:
    """A cell read by OCR: the value of its text, flagged ``ocr``, with the recogniser's confidence."""
    clean, conf, alts = split(text)
    cv = parse_cell(clean, kind)
    cv.confidence, cv.alternatives = conf, alts
    if cv.flag == "blank" and conf is not None:
        cv.flag, cv.note = "invalid", "ink in the cell that the recogniser could not read"
    elif cv.flag is None:
        cv.flag = "ocr"
    return cv


def run_cell(piece: str, kind: str, inferred: bool) -> CellValue:
    """A cell cut out of a run of digits: its value, with flag ``recovered`` when the cut was inferred."""
    cv = parse_cell(piece, kind)
    if inferred and cv.flag in (None, "unit_unknown"):
        if cv.flag == "unit_unknown":
            cv.note = "unit not printed"
        cv.flag = "recovered"
    return cv


def is_value_like(text: str) -> bool:
    """Whether a separated cell holds a value (number, blank, '/' …) rather than a label."""
    t = text.strip()
    if not t or (t.isdigit() and t.isascii()):
        return True
    if has_tag(t):
        return True  # the OCR reader tags only cells that may hold a value (xxgk.recognition.tag)
    return bool(VALUE_LIKE.fullmatch(clean_cell(t)))
