"""Plain text, including crawler dumps whose table cells have lost their boundaries.

Every line is a paragraph. Digits of adjacent cells may run together (``801000081``); the parser
recovers them (see :mod:`xxgk.digits`), this reader only keeps the text as it is.
"""

from __future__ import annotations

from ..document import Document, Paragraph


def read(text: str, source: str) -> Document:
    """Read plain text: one paragraph per non-empty line."""
    blocks = [Paragraph(line) for line in text.splitlines() if line.strip()]
    return Document(blocks, "text", source)
