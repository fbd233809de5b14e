"""Figures stated in a report's prose: items published by channel, interpretations, messages, fees …

Sections 一 to 六 often say what the tables do not: ``累计在区政府门户网站发布信息11640条，其中“工作
报告”7591条…``. The rules (``metadata/narrative_rules.csv``) match one clearly worded statement each;
the clause before the verb names the channel (portal, disclosure platform, new media, gazette); a
``其中…`` list after a total gives its breakdown. Every figure keeps the sentence it came from.
Precision over recall: a figure is extracted only when a rule matches its wording exactly.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DIGIT = re.compile(r"\d")
_NONE = re.compile(r"未|无|没有|不")
_SENTENCE = re.compile(r"[^。!?!？\n]+[。!?!？]?")
_CLAUSE_START = re.compile(r"[,;:，；：。]")
_LIST_ITEM = re.compile(r"(?P<cat>[^,;:，；：。()（）]{1,32}?)(?:共计|共)?(?P<v>\d[\d,]*)(?P<unit>条|件|篇|个)")
CHANNELS = (  # (channel, keywords in the clause before the verb); the first that matches wins
    ("disclosure_platform", ("信息公开平台", "公开平台", "信息公开专栏", "公开专栏")),
    ("gazette", ("公报",)),
    ("new_media", ("公众号", "微博", "视频号", "抖音", "头条号", "新媒体", "客户端")),
    ("portal", ("门户网站", "政府网站", "网站")),
)


@dataclass(slots=True)
class Figure:
    """One figure from the prose."""

    measure: str
    value: float | int
    unit: str
    channel: str | None
    category: str | None
    section: int
    evidence: str

    def as_dict(self) -> dict:
        """The JSON form (``narrative_figures`` of ``xxgk parse --json``)."""
        return {"measure": self.measure, "value": self.value, "unit": self.unit, "channel": self.channel,
                "category": self.category, "section": self.section, "evidence": self.evidence}


@cache
def measures() -> dict[str, dict]:
    """The narrative measures declared in metadata/narrative_measures.csv."""
    path = Path(__file__).parent / "metadata" / "narrative_measures.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["measure"]: r for r in csv.DictReader(fh)}


@cache
def rules() -> tuple[tuple[str, tuple[str, ...], re.Pattern], ...]:
    """The extraction rules of metadata/narrative_rules.csv, compiled: (measure, words one of which the
    sentence must contain for the rule to be tried, pattern)."""
    path = Path(__file__).parent / "metadata" / "narrative_rules.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple((r["measure"], tuple(r["needs"].split("|")), re.compile(r["pattern"]))
                     for r in csv.DictReader(fh))


@cache
def _needs_regex() -> re.Pattern:
    words = sorted({w for _, needs, _ in rules() for w in needs}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


def _num(text: str):
    text = text.replace(",", "")
    return float(text) if "." in text else int(text)


def channel_of(before: str) -> str | None:
    """The channel named in the clause before a verb; None when none or several are named."""
    found = [ch for ch, words in CHANNELS if any(w in before for w in words)]
    if "portal" in found and len(found) > 1 and not {"disclosure_platform", "gazette", "new_media"} & set(found[:1]):
        found.remove("portal")
    if len(found) == 1:
        return found[0]
    if len(found) > 1 and found[0] in ("disclosure_platform", "new_media") and "portal" in found:
        return found[0]  # 政府网站信息公开平台 / 网站公众号: the more specific one
    return None


def _clause_before(sentence: str, pos: int) -> str:
    """Text of the clause that ends at ``pos`` (back to the previous clause break, at most 40 chars)."""
    start = max(0, pos - 40)
    cut = [m.end() for m in _CLAUSE_START.finditer(sentence, start, pos)]
    return sentence[cut[-1] if cut else start:pos]


def _breakdown(rest: str, measure: str, unit_default: str, channel, section, evidence) -> tuple[list[Figure], int]:
    """Items of a ``其中…`` list right after a total: each ``<category><number><unit>``, in order,
    stopping at the first element that is not one. Returns the figures and how much text they used."""
    m = re.match(r"\s*[,，]?[(（]?[,，]?其中(?:包括)?[:：]?[,，]?", rest)
    if not m:
        return [], 0
    out = []
    unit = None
    text = rest[m.end():]
    pos = 0
    while True:
        item = _LIST_ITEM.match(text, pos)
        if not item:
            break
        cat = item.group("cat").strip(" 、,，;；“”\"'")
        cat = re.sub(r"(?:发布|公开|编发)$", "", cat).strip("“”\"'")
        value = _num(item.group("v"))
        if re.search(r"\d", cat) or len(cat) < 2:
            break
        if unit is not None and item.group("unit") != unit:
            break  # the items of a breakdown share one unit: 条 … 条; '办理…30件' after them is not one
        unit = item.group("unit")
        m2 = "policy_interpretations" if "解读" in cat and measure == "items_published" else measure
        out.append(Figure(m2, value, item.group("unit"), channel, cat, section, evidence))
        pos = item.end()
        sep = re.match(r"[,，、;；]", text[pos:])
        if not sep:
            break
        pos += 1
    return out, (m.end() + pos if out else 0)


def extract(sections: dict[int, dict]) -> list[Figure]:
    """Every figure the rules find in sections 一–六 (text normalised by the parser)."""
    out: list[Figure] = []
    for n in sorted(sections):
        text = sections[n]["text"]
        text = text.replace("\n", "")  # lines hard-wrapped by PDF extraction belong together
        for sm in _SENTENCE.finditer(text):
            sentence = sm.group(0).strip()
            if _DIGIT.search(sentence) or ("费" in sentence and _NONE.search(sentence)):
                out += _sentence_figures(sentence, n)
    return _dedupe(out)


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _sentence_figures(sentence: str, section: int) -> list[Figure]:
    """The figures of one sentence: rule matches, 其中 breakdowns after totals, category lists."""
    present = set(_needs_regex().findall(sentence))
    found = sorted(((m, measure) for measure, needs, rx in rules() if present.intersection(needs)
                    for m in rx.finditer(sentence)), key=lambda t: t[0].start())
    rule_spans = [(m.start(), m.end() + 1) for m, _ in found]
    lists = [lst for lst in _lists(sentence, section) if not _inside(lst[0], rule_spans)]  # a rule read it
    list_spans = [(a, b) for a, b, _ in lists]
    breakdowns: list[tuple[int, int]] = []
    out: list[Figure] = []
    for m, measure in found:
        if _inside(m.start(), list_spans + breakdowns):
            continue  # already read as an item of a list or a breakdown
        unit = measures()[measure]["unit"]
        if m.groupdict().get("v") is not None:
            value = _num(m.group("v"))
            printed = re.search(r"(条|件|篇|个|场|次|期|份|万元|元)$", m.group(0))
            unit = m.groupdict().get("unit") or (printed.group(1) if printed else unit)
        else:
            value = 0  # a statement that none was collected
        channel = None
        if measure in ("items_published", "policy_interpretations"):
            channel = channel_of(_clause_before(sentence, m.start()) + m.group(0))
            if measure == "items_published" and channel is None and "政府信息" not in m.group(0) \
                    and not _inside(m.start(), breakdowns):
                continue  # '全年共发布信息68条' in a programme paragraph: whose, and where, is not said
        out.append(Figure(measure, value, unit, channel, None, section, sentence))
        if m.groupdict().get("u"):
            out.append(Figure("new_media_units", _num(m.group("u")), "家", None, None, section, sentence))
        if measure == "items_published":
            figs, used = _breakdown(sentence[m.end():], measure, unit, channel, section, sentence)
            out += figs
            if used:
                breakdowns.append((m.end(), m.end() + used))
    for start, _end, figs in lists:
        if not _inside(start, breakdowns):
            out += figs
    return out


_LIST_VERB = re.compile(r"(?:主动公开|刊登|刊发)(?=[^\d,，;；。“”\"]{1,12}\d+(?:件|条))")


def _lists(sentence: str, section: int) -> list[tuple[int, int, list[Figure]]]:
    """``主动公开规章13件，行政规范性文件60件…`` / ``刊登…112件，…``: category counts after a verb; the
    channel comes from everything said before the verb in the sentence."""
    out: list[tuple[int, int, list[Figure]]] = []
    for m in _LIST_VERB.finditer(sentence):
        if any(a <= m.start() < b for a, b, _ in out):
            continue  # inside the list just read
        channel = channel_of(sentence[:m.start()])
        figs, used = _breakdown("其中" + sentence[m.end():], "items_published", "件", channel, section, sentence)
        if figs:
            end = m.end() + used - 2
            more, used2 = _breakdown(sentence[end:], "items_published", "件", channel, section, sentence)
            out.append((m.end(), end + used2, figs + more))  # a 其中 list after the last item breaks it down
    return out


def _dedupe(figs: list[Figure]) -> list[Figure]:
    out, seen = [], set()
    for f in figs:
        key = (f.measure, f.value, f.channel, f.category, f.evidence)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
