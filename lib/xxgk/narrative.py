"""Where a report's sections start, what its title says (agency, year), and when it was published.

Works on the linearised, normalised text of a document (see :func:`xxgk.parse.linearize`), so it
serves every format: headings may stand on their own line or run inline in a crawler dump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import CELL

_NUM = "[一二三四五六七八九十]、"
# Section headings of the national skeleton, matched loosely (report-format.md §1).
SECTION_PATTERNS: dict[int, re.Pattern] = {
    1: re.compile(_NUM + r"(?:总体情况|概述|基本情况|总体概况|工作概况|概况)|(?<![\u4e00-\u9fff(])一总体情况"),  # 、 lost
    2: re.compile(_NUM + r"(?:行政机关)?主动公开政府信息(?:的)?情况"),
    3: re.compile(_NUM + r"(?:行政机关)?收到和处理政府信息公开(?:的)?申请(?:的)?情况"),
    4: re.compile(_NUM + r"[^。\n\x1f、0-9]{0,24}?行政法?复议[、和及与]?[^。\n\x1f]{0,8}?行政诉讼[^。\n\x1f]{0,4}?情况"),
    5: re.compile(_NUM + r"[^。\n\x1f]{0,16}?(?:存在的?主要问题|存在问题|主要问题)[^。\n\x1f]{0,12}?(?:改进情况|改进措施|整改情况)"),
    6: re.compile(_NUM + r"其他需要报告的事项"),
}

_TITLE_FIELD = re.compile(r"(?:标题|名称|题名)[:]\s*([^\n\x1f|]{4,120})")
_TITLE_ANY = re.compile(r"([^\n\x1f。:;!?]{0,60}?\d{4}年度?[^\n\x1f。:;!?]{0,60}?政府信息公开(?:工作)?年度?报告)")
_TITLE_SPLIT = re.compile(r"^(.*?)(\d{4})年度?(.*?)政府信息公开(?:工作)?年度?报告")
_PUBLISHER = re.compile(r"发布机构[:]([^\n\x1f|]{0,40})")
_DATE = re.compile(r"(?:发布时间|发布日期|发文日期|成文日期|公开日期|时间)[:]?(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})")
_URL = re.compile(r"原文链接[:]\s*(https?://[^\s\x1f|]+)")
_PERIOD = re.compile(r"统计(?:期限|周期|时限)[^0-9\n]{0,6}(\d{4})年")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOISE_PREFIX = re.compile(r"^(?:.*?(?:首页|当前位置|来源)[^\u4e00-\u9fff]*)+|^正文")


@dataclass
class Section:
    """A narrative section: its number in the national skeleton, heading as printed, text, span."""

    number: int
    heading: str
    start: int
    end: int
    text: str


def find_sections(text: str) -> list[Section]:
    """Locate the six section headings (in order) and cut the text between them."""
    found: list[tuple[int, int, int, str]] = []
    pos = 0
    for n in range(1, 7):
        m = SECTION_PATTERNS[n].search(text, pos)
        if m:
            found.append((m.start(), m.end(), n, m.group(0)))
            pos = m.end()
    found.sort()
    out = []
    for i, (start, end, n, heading) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text)
        # the narrative only: table rows (cells joined by CELL) are the tables' business
        body = "\n".join(line for line in text[end:stop].split("\n") if CELL not in line).strip()
        out.append(Section(n, heading, start, stop, body))
    return out


def _agency_from_title(title: str) -> tuple[str | None, int | None]:
    m = _TITLE_SPLIT.search(title)
    if not m:
        return None, None
    before, year, after = m.group(1), int(m.group(2)), m.group(3)
    agency = (after or before).strip(" -_:|")
    agency = re.sub(r"^(?:关于|的)|(?:关于|的)$", "", agency)
    return (agency if len(_CJK.findall(agency)) >= 2 else None), year


def extract_meta(text: str) -> dict:
    """Title, agency, year, publication date and URL from the head of a report's text.

    The agency comes from the title (``<机关><YYYY>年…年度报告`` or ``<YYYY>年<机关>…``) and falls back
    to the page's 发布机构 field; the year comes from the title, else the statistical period, else the
    publication year minus one.
    """
    head = text[:6000]
    title = None
    m = _TITLE_FIELD.search(head)
    if m and "年度报告" in m.group(1):
        title = m.group(1).strip()
    if title is None:
        joined = head[:3000].replace("\n", "")
        m = _TITLE_ANY.search(joined)
        if m:
            title = m.group(1).replace(CELL, "").strip()
    if title:
        title = _NOISE_PREFIX.sub("", title).strip()
    agency, year = _agency_from_title(title) if title else (None, None)
    m = _PUBLISHER.search(head)
    publisher = m.group(1).strip() if m else None
    if publisher and len(_CJK.findall(publisher)) < 2:
        publisher = None
    if agency is None:
        agency = publisher
    m = _DATE.search(head)
    published = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
    if year is None:
        m = _PERIOD.search(text[:20000])
        if m:
            year = int(m.group(1))
        elif published:
            year = int(published[:4]) - 1
    m = _URL.search(head)
    return {"title": title, "agency": agency, "publisher": publisher, "year": year,
            "published": published, "url": m.group(1) if m else None}
