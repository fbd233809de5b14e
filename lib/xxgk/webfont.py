"""Chinese glyphs that travel with a page.

A page's text and its charts' labels (inline SVG, text as text) are drawn in the reader's fonts. A
machine without a CJK font (a headless Linux server, a minimal container) would show boxes. Each page
therefore carries, as a ``data:`` URI in its stylesheet, a font holding only the CJK characters that page
uses, drawn from Noto Sans CJK SC (the file the ``mplfonts`` package ships; SIL Open Font License, whose
copyright and licence notices the font keeps): about 25 KB for an agency page. The family is named
``xxgk CJK`` and comes first in the house font stack: it holds only the page's CJK characters, so Latin
text and digits keep the reader's fonts, and every reader sees the same Chinese face as the charts (a
family reached only as a fallback is not re-applied, in Chromium, to text laid out while the font was
still loading: those runs stay boxes).

The font is built, not cut with fontTools' subsetter (0.1–0.35 s a page): each glyph's outline is drawn
once per process into a hint-free CFF charstring and kept, and a page's font is assembled from those
(a few milliseconds).
"""

from __future__ import annotations

import base64
import io
from functools import cache, lru_cache

FAMILY = "xxgk CJK"
#: The first code point served from the embedded font (CJK radicals onwards: ideographs, CJK
#: punctuation, full-width forms). Latin text, digits and general punctuation use the system fonts.
FIRST = 0x2E80
_NOTICES = {0: "copyright", 13: "licenseDescription", 14: "licenseInfoURL"}  # kept from the source (OFL)


def characters(text: str) -> frozenset[int]:
    """The code points of ``text`` that the embedded font serves."""
    return frozenset(ord(c) for c in set(text) if ord(c) >= FIRST)


class _Source:
    """The source font, read once per process: its character map, metrics, outlines and notices."""

    def __init__(self):
        from fontTools.ttLib import TTFont

        from .plots import font_path

        self.font = TTFont(str(font_path()), lazy=True)
        self.cmap = self.font.getBestCmap()
        self.glyphs = self.font.getGlyphSet()
        self.hmtx = self.font["hmtx"].metrics
        name = self.font["name"]
        self.notices = {key: str(name.getDebugName(i)) for i, key in _NOTICES.items() if name.getDebugName(i)}
        self.version = str(name.getDebugName(5) or "")
        self._charstrings: dict = {}

    def charstring(self, glyph: str):
        """The glyph's outline as a compiled, hint-free Type 2 charstring (made once)."""
        cs = self._charstrings.get(glyph)
        if cs is None:
            from fontTools.pens.t2CharStringPen import T2CharStringPen

            pen = T2CharStringPen(self.hmtx[glyph][0], self.glyphs)
            self.glyphs[glyph].draw(pen)
            cs = pen.getCharString()
            cs.compile()
            self._charstrings[glyph] = cs
        return cs


@cache
def _source() -> _Source:
    return _Source()


@lru_cache(maxsize=256)
def woff(chars: frozenset[int]) -> bytes:
    """A WOFF font with the glyphs of ``chars`` that the source font has (the others are left out)."""
    from fontTools.fontBuilder import FontBuilder

    src = _source()
    cmap = {c: src.cmap[c] for c in sorted(chars) if c in src.cmap}
    order = [".notdef", *sorted(set(cmap.values()))]
    fb = FontBuilder(src.font["head"].unitsPerEm, isTTF=False)
    fb.font.recalcBBoxes = False  # measuring every outline costs more than building the font: copied instead
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(cmap)
    fb.setupCFF("xxgkCJK-Regular", {"FullName": FAMILY, "FamilyName": FAMILY},
                {g: src.charstring(g) for g in order}, {})
    fb.setupHorizontalMetrics({g: src.hmtx[g] for g in order})
    hhea, os2, head = src.font["hhea"], src.font["OS/2"], src.font["head"]
    fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap,
                             advanceWidthMax=hhea.advanceWidthMax, minLeftSideBearing=hhea.minLeftSideBearing,
                             minRightSideBearing=hhea.minRightSideBearing, xMaxExtent=hhea.xMaxExtent)
    fb.setupNameTable({"familyName": FAMILY, "styleName": "Regular", "psName": "xxgkCJK-Regular",
                       "version": src.version, **src.notices})
    fb.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                usWeightClass=os2.usWeightClass, achVendID=os2.achVendID)
    fb.setupPost()
    for k in ("xMin", "yMin", "xMax", "yMax", "created", "modified"):  # the source's dates, not today's:
        setattr(fb.font["head"], k, getattr(head, k))  # the same page text gives the same bytes on any day
    fb.font.recalcTimestamp = False
    fb.font.flavor = "woff"
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def font_face(text: str) -> str:
    """The ``@font-face`` rule that gives ``text``'s Chinese characters a glyph ("" when it has none)."""
    chars = characters(text)
    if not chars:
        return ""
    data = base64.b64encode(woff(chars)).decode("ascii")
    return (f'@font-face{{font-family:"{FAMILY}";src:url(data:font/woff;base64,{data}) format("woff");'
            "font-display:swap}")


def embed(page: str) -> str:
    """``page`` (HTML with a ``<style>`` element) with its font rule added to the first stylesheet."""
    rule = font_face(page)
    if not rule:
        return page
    i = page.find("<style>")
    if i < 0:
        raise ValueError("the page has no <style> element to hold its font")
    i += len("<style>")
    return page[:i] + rule + page[i:]
