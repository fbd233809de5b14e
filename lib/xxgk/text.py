"""Text normalisation shared by every stage: NFKC, full-width space, whitespace that carries no meaning.

Chinese is never folded to ASCII; only compatibility forms are unified (full-width digits and
brackets become ASCII digits and brackets, as NFKC defines). A space survives only between a digit
and a digit or sign, where it may be the last trace of a cell boundary.

NFKC over a whole report is slow in CPython when the text is full of full-width punctuation (the
slow path runs for every character), so the characters NFKC changes are looked up in a table built
once; the result is NFKC of each character, which equals NFKC of the text for Chinese reports
(there is no canonical composition across characters to speak of).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

CELL = "\x1f"  # separates the cells of one table row in linearised text
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2002-\u200b\ufeff]+")
_SPACE_WITHOUT_MEANING = re.compile(r"(?<![0-9]) | (?![0-9+\-])")


@cache
def _compat() -> tuple[re.Pattern, dict[str, str]]:
    changed = {}
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c)
        if n != c:
            changed[c] = n
    return re.compile("[" + "".join(re.escape(c) for c in changed) + "]"), changed


def nfkc(text: str) -> str:
    """NFKC, fast for text that is mostly already normal (see the module docstring)."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    rx, table = _compat()
    out = rx.sub(lambda m: table[m.group()], text)
    if not unicodedata.is_normalized("NFKC", out):  # characters beyond the BMP, combining marks
        out = unicodedata.normalize("NFKC", out)
    return out


def normalize(text: str) -> str:
    """NFKC, strip full-width/no-break spaces, and drop spaces that are not between digits.

    Newlines and the cell separator are kept: they are structure, not noise.
    """
    text = _SPACES.sub(" ", nfkc(text))
    return _SPACE_WITHOUT_MEANING.sub("", text)


# characters that occur only in traditional Chinese and are frequent in these reports
_TRADITIONAL = re.compile("[開關與處請報資訊條規發會國機統計數這對為從當說問們過時實現經產務體區點應態網監審規範檔結轉總務復議訴訟據]")


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@cache
def _variants() -> list[tuple[re.Pattern, str]]:
    import csv
    from pathlib import Path

    path = Path(__file__).parent / "metadata" / "variants.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return [(re.compile(r["pattern"]), r["replacement"]) for r in csv.DictReader(fh)]


def to_simplified(text: str) -> tuple[str, bool]:
    """Map traditional-Chinese mirror text to simplified (OpenCC t2s) and undo the mirrors' vocabulary
    swaps (``metadata/variants.csv``). Returns ``(text, changed)``; simplified text is left alone."""
    if len(_TRADITIONAL.findall(text[:20000])) < 8:
        return text, False
    out = _converter().convert(text)
    for rx, repl in _variants():
        out = rx.sub(repl, out)
    return out, out != text


def clean_cell(text: str) -> str:
    """Normalise one table cell: :func:`normalize`, then trim."""
    return normalize(text).strip()
