"""The CJK font subset a page carries: exactly its characters, inside its stylesheet, and the reader
check that would catch a page whose Chinese text has no glyph."""

from __future__ import annotations

import base64
import io
import re

import pytest
from fontTools.ttLib import TTFont

from tests.pages.reader import _glyphs_missing
from xxgk import webfont


def _cmap(rule: str) -> set[int]:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", rule).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    assert font.flavor == "woff"
    return set(font.getBestCmap())


def test_a_page_gets_the_glyphs_it_uses_and_no_others():
    rule = webfont.font_face("办理结果：予以公开 22 件（27.2%）")
    assert rule.startswith('@font-face{font-family:"xxgk CJK";src:url(data:font/woff;base64,')
    assert _cmap(rule) == {ord(c) for c in "办理结果：予以公开件（）"}  # Latin, digits and % stay with the system font
    assert webfont.font_face("Annual report 2023: 81 applications") == ""


def test_the_same_text_gives_the_same_font_on_any_day(monkeypatch):
    """A page rendered again is byte for byte the same: the font carries the source font's dates, not
    the time it was built."""
    import time

    chars = webfont.characters("政府信息公开工作年度报告")
    today = webfont.woff(chars)
    webfont.woff.cache_clear()
    later = time.time() + 400 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    assert webfont.woff(chars) == today
    webfont.woff.cache_clear()
    head = TTFont(io.BytesIO(today))["head"]
    source = webfont._source().font["head"]
    assert (head.created, head.modified) == (source.created, source.modified)


def test_rare_characters_get_their_glyph_and_the_font_keeps_its_notices():
    rare = "堃镕䶮"  # names' characters outside GB 2312 (the last from CJK Extension A); the source font has them
    rule = webfont.font_face("申请" + rare)
    assert _cmap(rule) == {ord(c) for c in "申请" + rare}
    font = TTFont(io.BytesIO(base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", rule).group(1))))
    names = {n.nameID: n.toUnicode() for n in font["name"].names}
    assert names[1] == "xxgk CJK" and "Adobe" in names[0] and "Open Font License" in names[13]  # SIL OFL
    glyph = font.getBestCmap()[ord("申")]
    assert font["hmtx"][glyph][0] == 1000 and font.getGlyphSet()[glyph] is not None
    # a character the source font itself lacks has no glyph to carry: the reader check names it
    page = webfont.embed("<html><head><style></style></head><body>申请𠀀</body></html>")
    assert _glyphs_missing(page, "申请𠀀") == ["1 Chinese characters without a glyph in the page's own font: '𠀀'"]


def test_a_glyph_is_drawn_as_in_the_source_font():
    from fontTools.pens.boundsPen import BoundsPen

    font = TTFont(io.BytesIO(webfont.woff(webfont.characters("政"))))
    src = webfont._source()
    mine, theirs = BoundsPen(font.getGlyphSet()), BoundsPen(src.glyphs)
    font.getGlyphSet()[font.getBestCmap()[ord("政")]].draw(mine)
    src.glyphs[src.cmap[ord("政")]].draw(theirs)
    assert mine.bounds == theirs.bounds and mine.bounds[2] > mine.bounds[0]


def test_embed_puts_the_rule_in_the_first_stylesheet():
    page = "<html><head><style>body{color:red}</style></head><body><p>政府信息公开</p></body></html>"
    out = webfont.embed(page)
    assert out.startswith("<html><head><style>@font-face{") and out.endswith("body{color:red}</style></head>"
                                                                             "<body><p>政府信息公开</p></body></html>")
    assert webfont.embed("<p>no Chinese</p>") == "<p>no Chinese</p>"
    with pytest.raises(ValueError, match="no <style>"):
        webfont.embed("<p>政府</p>")


def test_the_reader_sees_chinese_without_glyphs():
    page = "<html><head><style>body{color:red}</style></head><body><p>政府信息公开</p></body></html>"
    assert _glyphs_missing(page, "政府信息公开") == [
        "6 Chinese characters without a glyph in the page's own font: '信公府开息政'"]
    assert _glyphs_missing(webfont.embed(page), "政府信息公开") == []
    assert _glyphs_missing(webfont.embed(page), "政府信息公开年报") == [
        "2 Chinese characters without a glyph in the page's own font: '年报'"]
