"""Text normalisation shared by every stage: NFKC, full-width space, whitespace that carries no meaning.

Chinese is never folded to ASCII; only compatibility forms are unified (full-width digits and
brackets become ASCII digits and brackets, as NFKC defines). A space survives only between a digit
and a digit or sign, where it may be the last trace of a cell boundary.
"""

from __future__ import annotations

import re
import unicodedata

CELL = "\x1f"  # separates the cells of one table row in linearised text
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2002-\u200b\ufeff]+")
_SPACE_WITHOUT_MEANING = re.compile(r"(?<![0-9]) | (?![0-9+\-])")


def normalize(text: str) -> str:
    """NFKC, strip full-width/no-break spaces, and drop spaces that are not between digits.

    Newlines and the cell separator are kept: they are structure, not noise.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", text)
    return _SPACE_WITHOUT_MEANING.sub("", text)


def clean_cell(text: str) -> str:
    """Normalise one table cell: :func:`normalize`, then trim."""
    return normalize(text).strip()
