"""Figures stated in a report's prose: items published by channel and category, interpretations, fees …

Sections 一 to 六 often state what the tables do not: ``累计在区政府门户网站发布信息11640条，其中“工作
报告”7591条…``. Extraction works in two steps, with the vocabulary kept as data
(``metadata/narrative_vocabulary.csv``; measures, their nouns, verbs and units in
``metadata/narrative_measures.csv``):

1. **Find** every count mention in the prose: a number and a counting unit (``7700余条``, ``近30个``,
   ``2.9万余次``) — :func:`mentions`. Each keeps its sentence.
2. **Attribute** a measure from the clause around the number: a noun of the measure next to it
   (``解读``, ``发布会``, ``留言``, ``申请`` …), the verb the measure needs (published, received,
   answered), a unit the measure is counted in, and no blocking word (another year, views,
   followers, outcomes, …). Measures are tried in a fixed priority, the specific before the generic.
   Sentence structure then adds what a single clause cannot say: the items of a ``其中`` / ``涵盖`` /
   ``在…的N条…中`` list break down the total before them (same measure and channel, a category);
   a count of messages received counts as answered only when all were handled; counts to date
   (``截至目前``) and counts of a named sub-unit in a higher level's report are not the agency's.
   The channel (portal, disclosure platform, new media, gazette) comes from the clause, else from
   the total a breakdown item belongs to, else from earlier clauses of the sentence.

Whatever fits no measure is kept with measure ``other`` and the reason, so an analyst can search
what was left out (the ``text_counts`` table); a figure attributed to the wrong measure is worse than
one left in ``other``. :func:`extract` returns the attributed ones (``narrative_figures``).

The vocabulary (each ``word`` a regular expression; ``value`` as the kind says): ``unit`` counting
units; ``approx_before``/``approx_after`` approximation marks; ``noun`` (value: noun group of
narrative_measures.csv ``nouns``); ``verb`` (value: role — publish, receive, answer, collect);
``strong_verb`` a verb that names a measure alone (主动公开); ``blocker`` words that rule a measure out
(value: the measure, ``*`` for every one); ``channel`` (value: channel) and ``venue`` (outlets that are
none of the channels); ``opener`` words that open a breakdown; ``cumulative`` counts to date;
``all_handled`` all messages handled; ``zero`` statements that no fee was collected; ``subunit`` a named
unit; ``filler`` words stripped from categories; ``enumerator`` paragraph numbers. Labelling guide:
``bench/labelling-guide.md``; precision and recall: ``bench/narrative_eval.py``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

HERE = Path(__file__).parent / "metadata"
ITEMS = "items_published"
INTERP = "policy_interpretations"
OTHER = "other"
LIST_UNITS = ("条", "篇", "件", "份", "个", "期")  # units the items of a breakdown are counted in
_DELIM = ",;。!?()"  # clause breaks (text is NFKC-normalised: ，；（） are ASCII here; ： opens a list)
_TABLE_START = re.compile(r"第二十条第\(?[一二三四五六七八九十]+\)?项|\(本列数据的勾稽关系|申请人情况|"
                          r"信息处理费收取情况通知收取")
_SENTENCE = re.compile(r"[^。!?]+[。!?]?")
_QUOTES = "“”\"'‘’《》「」 "


# --- vocabulary ------------------------------------------------------------------------------

@cache
def measures() -> dict[str, dict]:
    """The narrative measures of metadata/narrative_measures.csv (display order), ``other`` last."""
    with open(HERE / "narrative_measures.csv", encoding="utf-8", newline="") as fh:
        return {r["measure"]: r for r in csv.DictReader(fh)}


@dataclass(frozen=True)
class Frame:
    """What a measure needs in the clause around a number (from narrative_measures.csv)."""

    measure: str
    nouns: re.Pattern | None
    verbs: tuple[str, ...]
    units: tuple[str, ...]
    sentence_nouns: bool
    has_channel: bool


@dataclass(frozen=True)
class Vocabulary:
    """narrative_vocabulary.csv, compiled."""

    mention: re.Pattern
    nouns: dict[str, re.Pattern]
    verbs: list[tuple[str, re.Pattern]]
    strong_verbs: dict[str, re.Pattern]
    blockers: dict[str, re.Pattern]
    channels: list[tuple[str, re.Pattern]]
    venue: re.Pattern
    opener: re.Pattern
    cumulative: re.Pattern
    all_handled: re.Pattern
    zero: list[tuple[str, re.Pattern]]
    subunit: re.Pattern
    filler: re.Pattern
    enumerator: re.Pattern
    frames: tuple[Frame, ...] = field(default=())


def _alt(words) -> str:
    return "|".join(f"(?:{w})" for w in sorted(words, key=len, reverse=True))


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary of metadata/narrative_vocabulary.csv (each word a regular expression), compiled."""
    with open(HERE / "narrative_vocabulary.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["kind"], []).append(r)

    def words(kind: str, value: str | None = None) -> list[str]:
        return [r["word"] for r in by.get(kind, []) if value is None or r["value"] == value]

    units = _alt(words("unit"))
    mention = re.compile(
        rf"(?P<before>{_alt(words('approx_before'))})?(?<![\d.第])(?P<num>\d{{1,3}}(?:,\d{{3}})+(?![\d])|\d+)"
        rf"(?P<dec>\.\d+)?(?P<after>余|多)?(?P<mult>万|亿)?(?P<after2>余|多)?(?P<unit>{units})"
        rf"(?P<tail>{_alt(words('approx_after'))})?")
    groups = {r["value"] for r in by["noun"]}
    nouns = {g: re.compile(_alt(words("noun", g))) for g in groups}
    verbs = [(r["value"], re.compile(r["word"])) for r in by["verb"]]
    strong = {}
    for r in by.get("strong_verb", []):
        strong[r["value"]] = re.compile(_alt([r["word"]] + ([strong[r["value"]].pattern]
                                                            if r["value"] in strong else [])))
    blockers = {}
    for m in {r["value"] for r in by["blocker"]}:
        blockers[m] = re.compile(_alt(words("blocker", m)))
    channels = [(c, re.compile(_alt(words("channel", c)))) for c in
                dict.fromkeys(r["value"] for r in by["channel"])]
    frames = []
    for m, r in sorted(measures().items(), key=lambda kv: int(kv[1]["priority"])):
        if m == OTHER:
            continue
        frames.append(Frame(m, nouns.get(r["nouns"]), tuple(v for v in r["verbs"].split("|") if v),
                            tuple(r["units"].split("|")), r["noun_scope"] == "sentence", r["has_channel"] == "yes"))
    return Vocabulary(
        mention=mention, nouns=nouns, verbs=verbs, strong_verbs=strong, blockers=blockers, channels=channels,
        venue=re.compile(_alt(words("venue"))), opener=re.compile(_alt(words("opener"))), cumulative=re.compile(_alt(words("cumulative"))),
        all_handled=re.compile(_alt(words("all_handled"))),
        zero=[(r["value"], re.compile(r["word"])) for r in by["zero"]],
        subunit=re.compile(_alt(words("subunit"))), filler=re.compile(words("filler")[0]),
        enumerator=re.compile(_alt(words("enumerator"))), frames=tuple(frames))


# --- results ---------------------------------------------------------------------------------

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
    is_approximate: bool = False
    mention: int | None = None  # order of its count mention in the section (Mention.index)

    def as_dict(self) -> dict:
        """The JSON form (``narrative_figures`` of ``xxgk parse --json``)."""
        return {"measure": self.measure, "value": self.value, "unit": self.unit, "channel": self.channel,
                "category": self.category, "section": self.section, "evidence": self.evidence,
                "is_approximate": self.is_approximate, "mention": self.mention}


@dataclass(slots=True)
class Mention:
    """A count stated in the prose — a number with a counting unit — and what it was attributed to.

    ``measure`` is a narrative measure or ``other``; ``reason`` says how it was attributed or why it
    was left out; ``start``/``end`` are offsets in ``sentence``.
    """

    section: int
    index: int
    text: str
    value: float | int
    unit: str
    is_approximate: bool
    sentence: str
    start: int
    end: int
    measure: str = OTHER
    channel: str | None = None
    category: str | None = None
    reason: str = "no measure fits"
    verb: str | None = field(default=None, repr=False)
    blocked: tuple[str, ...] = field(default=(), repr=False)  # measures a blocking word ruled out ('*': all)
    head: bool = field(default=False, repr=False)  # a total that a breakdown may follow

    def figure(self) -> Figure:
        """The figure of an attributed mention."""
        return Figure(self.measure, self.value, self.unit, self.channel, self.category, self.section,
                      self.sentence, self.is_approximate, self.index)

    def as_dict(self) -> dict:
        """The JSON form (``text_counts``)."""
        return {"section": self.section, "mention": self.index, "text": self.text, "value": self.value,
                "unit": self.unit, "is_approximate": self.is_approximate, "measure": self.measure,
                "channel": self.channel, "category": self.category, "reason": self.reason,
                "sentence": self.sentence}


# --- step 1: find ----------------------------------------------------------------------------

def _num(text: str, mult: str | None = None) -> float | int:
    """A printed number as a value: thousands separators dropped, 万/亿 multiplied out (3.5万 → 35000)."""
    value = Decimal(text.replace(",", "")) * {None: 1, "万": 10_000, "亿": 100_000_000}[mult]
    return int(value) if value == value.to_integral_value() else float(value)


def sentences(text: str) -> list[str]:
    """The sentences of a section's text (lines joined; a statistical table starts a new sentence)."""
    text = _TABLE_START.sub(lambda m: "。" + m.group(0), text.replace("\n", ""))
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" 。")]


@lru_cache(maxsize=256)
def _shape(sentence: str) -> str:
    """``sentence`` with what does not break a clause masked (same length): titles in 《》 and short
    brackets without numbers (``发布政府信息(文件)575份``) become plain text."""
    out = list(sentence)
    for m in re.finditer(r"《[^《》]{0,60}》", sentence):
        out[m.start():m.end()] = "书" * (m.end() - m.start())
    for m in re.finditer(r"\([^()\d]{1,10}\)", sentence):
        out[m.start()] = out[m.end() - 1] = "_"
    return "".join(out)


_UNITLESS = re.compile(r"(?<=[\u4e00-\u9fff])(?<![第])(?P<num>[1-9]\d*)(?=[,;。])")


def _find(sentence: str, section: int, first: int) -> list[Mention]:
    """The count mentions of a sentence: every number with a counting unit (not in a title), and the
    numbers printed without a unit (kept only if a measure's noun is right before them)."""
    voc = vocabulary()
    out = []
    shape = _shape(sentence)
    for m in voc.mention.finditer(sentence):
        if shape[m.start("num")] == "书":
            continue  # a number in a title: 《…二十条措施》
        value = _num(m.group("num") + (m.group("dec") or ""), m.group("mult"))
        unit = m.group("unit")
        approx = bool(m.group("before") or m.group("after") or m.group("after2") or m.group("tail"))
        start = m.start("num") if not m.group("before") else m.start()
        out.append(Mention(section, 0, m.group(0), value, unit, approx, sentence, start, m.end()))
    taken = {i for m in out for i in range(m.start, m.end)}
    for m in _UNITLESS.finditer(sentence if not _TABLE_START.match(sentence) else ""):
        if m.start() not in taken and shape[m.start()] != "书":
            out.append(Mention(section, 0, m.group(0), int(m.group(0)), "", False, sentence, m.start(), m.end()))
    out.sort(key=lambda x: x.start)
    for i, m in enumerate(out):
        m.index = first + i
    return out


# --- step 2: attribute -----------------------------------------------------------------------

def _clause_start(sentence: str, pos: int) -> int:
    shape = _shape(sentence)
    i = pos
    while i > 0 and shape[i - 1] not in _DELIM:
        i -= 1
    return i


_FUNCTION = re.compile(r"[均已全都并的余多以占同比较次为是中内上下左后前至到在等达共约,;:。、]|其中|进行|予以|被")


def _post(sentence: str, end: int) -> str:
    """The noun phrase after a count: up to the next clause break, number or 并 (at most 40
    characters); in a list of counts (``128条、依申请公开130条``) up to the 、 that starts the next item."""
    shape = _shape(sentence)
    n = re.match(r"[^" + re.escape(_DELIM) + r"\d并]{0,40}", shape[end:]).end()
    text = sentence[end:end + n]
    if "、" in text and shape[end + n:end + n + 1].isdigit():
        text = text[:text.index("、")]
    return text


def _counts_what_follows(post: str) -> bool:
    """``发布251条…公众号文章`` / ``26个试点领域``: the count counts the noun right after it."""
    return bool(post) and not _FUNCTION.match(post)


def _last_verb(text: str, roles: tuple[str, ...]) -> tuple[str | None, int]:
    """The role of the last verb of ``roles`` in ``text`` (the one that governs a number after it) and
    how far before the end of ``text`` it ends."""
    best, pos, end = None, -1, 0
    for role, rx in vocabulary().verbs:
        if role not in roles:
            continue
        for m in rx.finditer(text):
            if m.start() >= pos:
                best, pos, end = role, m.start(), m.end()
    return best, len(text) - end


def _blocker(measure: str, text: str) -> str | None:
    rx = vocabulary().blockers.get(measure)
    hit = rx.search(text) if rx else None
    return hit.group(0) if hit else None


NOUN_REACH = 16  # a noun before a count names it when it ends at most this many characters before
UNITLESS_REACH = 3  # … and a number printed without a unit only when the noun is this close
VERB_REACH = 8  # a verb alone (its noun earlier in the sentence) governs a count this close after it


def _noun_near(f: Frame, local: str, post: str, unit: str) -> bool:
    """Whether a noun of the measure is attached to the count: in the phrase after it when the count
    counts what follows it, else just before it or in the phrase after it."""
    if f.nouns is None:
        return False
    if not unit:
        return any(len(local) - h.end() <= UNITLESS_REACH for h in f.nouns.finditer(local))
    hit = f.nouns.search(post)
    if hit and (unit != "个" or hit.start() <= 1):  # 个 counts the noun right after it: 26个试点领域…信息
        return True
    if _counts_what_follows(post):
        return False
    return any(len(local) - h.end() <= NOUN_REACH for h in f.nouns.finditer(local))


def _attribute(m: Mention, prev_end: int) -> None:
    """Step 2 for one mention on its own: the first measure (by priority) whose frame fits — first
    with a noun of the measure attached to the count, then with the noun earlier in the sentence."""
    s = m.sentence
    cstart = _clause_start(s, m.start)
    local = s[max(cstart, prev_end):m.start]
    cpre = s[cstart:m.start]
    post = _post(s, m.end)
    voc = vocabulary()
    hit = _blocker("*", local + "|" + post)
    if hit:
        m.reason, m.blocked = f"blocked by '{hit}'", ("*",)
        return
    for scope in ("local", "sentence"):
        for f in voc.frames:
            if f.measure == "new_media_units" or (m.unit and m.unit not in f.units):
                continue  # units: only beside an account count (see _units_beside_accounts)
            near = _noun_near(f, local, post, m.unit)
            strong = voc.strong_verbs.get(f.measure)
            strong = bool(m.unit and strong and any(len(cpre) - h.end() <= VERB_REACH for h in strong.finditer(cpre)))
            if scope == "local" and not (near or (strong and not _counts_what_follows(post))):
                continue  # (the thing counted is named right after the count: 增设2个条目)
            if scope == "sentence" and (near or strong or not m.unit or not f.sentence_nouns or f.nouns is None
                                        or _counts_what_follows(post) or not f.nouns.search(s[:m.start])):
                continue
            hit = _blocker(f.measure, cpre + "|" + post)
            if hit:
                m.blocked += (f.measure,)
                m.reason = f"not {f.measure}: '{hit}'"
                continue
            if f.verbs:
                role, dist = _last_verb(cpre, f.verbs)
                if role is None and not strong:
                    handled = voc.all_handled.search(s[m.end:])
                    if f.measure == "messages_answered" and near and handled and handled.start() <= VERB_REACH:
                        role, dist = "receive", 0  # 网民留言120条,已全部回复
                    else:
                        continue
                if scope == "sentence" and dist > VERB_REACH:
                    continue  # the verb governs something else in between
                m.verb = role
            m.measure = f.measure
            m.reason = ("noun attached to the count" if near else "measure named by its verb") \
                if scope == "local" else "its noun earlier in the sentence, its verb just before"
            return


def _channel_in(text: str) -> tuple[str, str | None]:
    """What outlet a stretch of text names: (``none`` | ``venue`` | ``channel`` | ``several``, channel).

    Two outlets named together (``政府网站、微信公众号`` / ``栏目与政务新媒体``) are ``several``; a portal
    word joined to a more specific one (``门户网政府信息公开专栏``) is that one; an outlet that is none of
    the four channels (``“平潭网”…栏目``) is a ``venue``."""
    voc = vocabulary()
    found = []
    for ch, rx in voc.channels:
        found += [(h.start(), h.end(), ch) for h in rx.finditer(text)]
    taken = {i for a, b, _ in found for i in range(a, b)}
    found += [(h.start(), h.end(), None) for h in voc.venue.finditer(text) if h.start() not in taken]
    if not found:
        return "none", None
    found.sort()
    for (_, a1, ca), (b0, _, cb) in zip(found, found[1:], strict=False):
        if ca != cb and re.search(r"[、和及与或,]|以及", text[a1:b0]):
            return "several", None
    kinds = list(dict.fromkeys(ch for _, _, ch in found if ch))
    if not kinds:
        return "venue", None
    if len(kinds) == 1:
        return "channel", kinds[0]
    if len(kinds) == 2 and "portal" in kinds:
        return "channel", next(k for k in kinds if k != "portal")
    return "several", None


def _clauses_before(sentence: str, pos: int) -> list[str]:
    """The clauses of ``sentence`` before ``pos``, nearest first."""
    parts = re.split(r"[" + re.escape(_DELIM) + r"]", sentence[:_clause_start(sentence, pos)])
    return [p for p in reversed(parts) if p.strip()]


def _own_channel(m: Mention) -> tuple[str, str | None]:
    s = m.sentence
    return _channel_in(s[_clause_start(s, m.start):m.start] + "|" + _post(s, m.end))


def _category(text: str) -> str | None:
    voc = vocabulary()
    text = voc.opener.sub("", text)
    text = re.sub(r"^[" + re.escape(_DELIM) + r"、;\s]+|[、;\s]+$", "", text).strip(_QUOTES + ",、:")
    text = voc.filler.sub("", text).strip(_QUOTES + ",、:")
    text = re.sub(r"(?:发布|公开|编发)$", "", text).strip(_QUOTES)
    return text[-40:] or None


def _is_reference(m: Mention) -> bool:
    """``在主动公开的148条政府信息中``: a total stated before, named to open its breakdown."""
    s = m.sentence
    return bool(re.search(r"在[^,。;:]{0,12}?$", s[_clause_start(s, m.start):m.start])) and \
        bool(re.match(r"[^,。;:]{0,16}?中", s[m.end:]))


@dataclass
class _Context:
    """What is known of the report, and what carries from one sentence to the next."""

    agency: str | None = None
    head: Mention | None = None  # the last total of the previous sentence (a '。其中…' list continues it)
    subunit: bool = False  # inside a paragraph about a named sub-unit
    items: list[Mention] = field(default_factory=list)  # item totals so far (for 在…的N条…中)


def _subunit_sentence(sentence: str, ctx: _Context) -> None:
    """A paragraph number starts a new subject; a higher level's report that opens a paragraph with
    a named unit (``区经济发展局…``) is reporting that unit's figures, not its own."""
    voc = vocabulary()
    if voc.enumerator.search(sentence):
        ctx.subunit = False
    if not ctx.agency:
        return
    body = voc.enumerator.sub("", sentence, count=1) if voc.enumerator.match(sentence) else sentence
    body = re.sub(r"^[^,。]{0,30}?(?:方面|情况)(?=区)", "", body)  # a heading run into the text
    m = re.match(r"\s*(?:同时|此外|另外)?,?\s*(" + voc.subunit.pattern + ")", body)
    if m:
        core = m.group(1)[1:]
        if core not in ctx.agency and not core.endswith(ctx.agency[-3:]):
            ctx.subunit = True


def _sentence(sentence: str, section: int, first: int, ctx: _Context) -> list[Mention]:
    voc = vocabulary()
    _subunit_sentence(sentence, ctx)
    if not re.search(r"\d", sentence):
        return []
    found = _find(sentence, section, first)
    prev_end = 0
    for m in found:
        _attribute(m, prev_end)
        prev_end = m.end
    found = [m for m in found if m.unit or m.measure != OTHER]  # a bare number is a count only if named
    _units_beside_accounts(found)
    _messages(found)
    # counts to date, not the year's: from a cumulative marker until 其中 or a year
    for cue in voc.cumulative.finditer(sentence):
        reset = re.search(r"其中|\d{4}年|本年|全年|当年", sentence[cue.end():])
        stop = cue.end() + reset.start() if reset else len(sentence)
        for m in found:
            if cue.start() <= m.start < stop:
                m.measure, m.reason = OTHER, f"a count to date ('{cue.group(0)}'), not the year's"
    _channels(found)
    _lists(sentence, found, ctx)
    if ctx.subunit:
        for m in found:
            if m.measure != OTHER:
                m.measure, m.channel, m.category = OTHER, None, None
                m.reason = "a named sub-unit's figure, not the agency's"
    for i, m in enumerate(found):
        m.index = first + i
    return found


def _units_beside_accounts(found: list[Mention]) -> None:
    """``20家单位26个政务新媒体``: the units that run the accounts counted right after."""
    units = vocabulary().nouns.get("organisation")
    for a, b in zip(found, found[1:], strict=False):
        between = a.sentence[a.end:b.start]
        if a.unit in ("家", "个") and units and units.match(between) and b.measure == "new_media_accounts" \
                and len(between) <= 4:
            a.measure, a.reason = "new_media_units", "units stated beside the accounts"


def _messages(found: list[Mention]) -> None:
    """A count of messages received is the count answered only when all were handled and no count
    answered is given."""
    msgs = [m for m in found if m.measure == "messages_answered"]
    answered = any(m.verb == "answer" for m in msgs)
    for m in msgs:
        if m.verb != "receive":
            continue
        if answered:
            m.measure, m.reason = OTHER, "messages received; the count answered is given"
        elif vocabulary().all_handled.search(m.sentence):
            m.reason = "messages received, all handled"
        else:
            m.measure, m.reason = OTHER, "messages received, not said to be answered"


def _category_like(text: str) -> bool:
    """A list item's label: short, and no verb of any measure in it."""
    t = re.sub(r"应(?:主动)?公开", "", text.strip(_DELIM + ":、 "))  # 其他应主动公开的政府信息 is a category
    return 0 < len(t) <= 40 and not any(rx.search(t) for _, rx in vocabulary().verbs)


def _lists(sentence: str, found: list[Mention], ctx: _Context) -> None:
    """Breakdowns: the counts after a total (``其中`` / ``涵盖`` / a reference ``在…的N条…中`` / plain
    category counts right after it) take its measure and channel and get a category."""
    voc = vocabulary()
    head = ctx.head if re.match(r"\(?其中", sentence) else None
    opened = head is not None
    paren = None
    pos = 0
    for m in found:
        between = sentence[pos:m.start]
        if head is not None and paren is not None and ")" in between:
            head, opened, paren = None, False, None  # a (其中…) list ends with its bracket
        if head is not None and opened and "*" in m.blocked:
            head, opened, paren = None, False, None  # 其中原创文章294篇,关注人数…: the breakdown is over
        if head is not None and voc.opener.search(between):
            opened = True
            paren = sentence.rfind("(", 0, m.start) if "(" in between else paren
        if _is_reference(m) and m.unit in LIST_UNITS:
            ref = next((x for x in reversed(ctx.items) if x.value == m.value), None)
            m.measure, m.reason = OTHER, "a reference to a total stated before (在…中)"
            m.head, m.channel = True, ref.channel if ref else None
            m.verb = ITEMS
            head, opened, paren = m, True, None
            pos = m.end
            continue
        local = sentence[max(_clause_start(sentence, m.start), pos):m.start]
        opener = list(voc.opener.finditer(local))
        label = local[opener[-1].end():] if opener else local  # 主要涉及|政策规范性文件类信息4条
        label = re.sub(r"^[,、;:\s]*(?:和|及|以及|与)|(?:发布|公开|编发)$", "", label)  # …和|其他类信息36条
        own = m.measure
        listable = (head is not None and m.unit in LIST_UNITS and isinstance(m.value, int)
                    and (opened or _category_like(label))
                    and own in (OTHER, ITEMS, INTERP)
                    and "*" not in m.blocked and ITEMS not in m.blocked
                    and not m.reason.startswith("a count to date"))
        if listable and own == OTHER:
            measure = INTERP if ("解读" in label and not _blocker(INTERP, label)) else (
                head.measure if head.measure != OTHER else head.verb or ITEMS)
            m.measure, m.reason = measure, "an item of the breakdown of a total"
            m.category = _category(label)
            kind, ch = _own_channel(m)
            m.channel = ch if kind in ("channel", "several") else head.channel  # a column: the total's
        elif listable:
            m.reason += "; within a breakdown"
            if m.value != head.value and _category_like(label):
                m.category = _category(label)  # a category, not the total said again (全文电子化的…共148条)
            kind, ch = _own_channel(m)
            m.channel = ch if kind in ("channel", "several") else head.channel
        elif own in (ITEMS, INTERP):
            head, opened, paren = m, False, None
            m.head = True
        elif head is not None and (own != OTHER or not opened):
            head, opened = None, False  # another measure ends a list; any other count one without 其中
        pos = m.end
    heads = [m for m in found if m.head]
    ctx.head = heads[-1] if heads else None
    ctx.items += [m for m in found if m.measure == ITEMS]


def _channels(found: list[Mention]) -> None:
    """Channel of items and interpretations: the clause's own; else — for items — that of the nearest
    earlier clause of the sentence that names a channel (breakdowns take their total's, in _lists)."""
    for m in found:
        if m.measure not in (ITEMS, INTERP):
            m.channel = None
            continue
        kind, m.channel = _own_channel(m)
        if kind != "none" or m.measure != ITEMS:
            continue
        for clause in _clauses_before(m.sentence, m.start):
            kind, ch = _channel_in(clause)
            if kind in ("channel", "several"):
                m.channel = ch
                break


def _zero_statements(sentence: str, section: int, first: int) -> list[Mention]:
    """``本年度没有产生信息处理费``: a statement that none was collected, as a count of 0."""
    out = []
    for measure, rx in vocabulary().zero:
        for hit in rx.finditer(sentence):
            unit = measures()[measure]["unit"]
            out.append(Mention(section, first + len(out), hit.group(0), 0, unit, False, sentence, hit.start(),
                               hit.end(), measure, None, None, "a statement that none was collected"))
    return out


def mentions(sections: dict[int, dict], agency: str | None = None) -> list[Mention]:
    """Every count mention of sections 一–六, attributed (``measure`` is ``other`` when none fits).

    Args:
        sections: ``{number: {"text": …}}`` as parsed (normalised text).
        agency: the reporting agency's name; lets figures of a named sub-unit be told apart.
    """
    out: list[Mention] = []
    ctx = _Context(agency)
    for n in sorted(sections):
        ctx.head, ctx.subunit = None, False
        index = 0
        for sentence in sentences(sections[n]["text"]):
            found = _sentence(sentence, n, index, ctx)
            found += _zero_statements(sentence, n, index + len(found))
            index += len(found)
            out += found
    return out


def extract(sections: dict[int, dict], agency: str | None = None) -> list[Figure]:
    """The figures of sections 一–六: every count mention attributed to a measure."""
    return [m.figure() for m in mentions(sections, agency) if m.measure != OTHER]


# --- stated volumes, for pages ---------------------------------------------------------------

def has_prose(texts) -> bool:
    """Whether section texts hold narrative sentences at all (a table-only extract holds none), so
    that "states no figure" is told apart from "the text is not there"."""
    return any(len(s) >= 15 and s.endswith("。") and not _TABLE_START.match(s)
               for t in texts if isinstance(t, str) for s in sentences(t))


def published_by_channel(figures: pd.DataFrame) -> pd.DataFrame:
    """Items published as the prose states them, per report and channel: the total (the largest figure
    stated for that channel without a category — reports often state the same total twice) and its
    breakdown by category, each once, in the order stated.

    Args:
        figures: rows of the ``narrative_figures`` table (any reports).

    Returns:
        Columns report_id, channel (None: not stated), category (None for the total), value,
        is_approximate, order; empty when no items published are stated.
    """
    import pandas as pd

    cols = ["report_id", "channel", "category", "value", "is_approximate", "order"]
    f = figures[figures["measure"].astype(str) == ITEMS].copy()
    if f.empty:
        return pd.DataFrame(columns=cols)
    f["channel"] = f["channel"].astype("object").where(f["channel"].notna(), None)
    f["category"] = f["category"].astype("object").where(f["category"].notna(), None)
    f["order"] = f["section"].astype(int) * 100_000 + f["mention"].fillna(0).astype(int)
    f["is_approximate"] = f["is_approximate"].fillna(False).astype(bool)
    totals = (f[f["category"].isna()].sort_values(["value", "order"], ascending=[False, True])
              .drop_duplicates(["report_id", "channel"], keep="first"))
    parts = f[f["category"].notna()].sort_values("order").drop_duplicates(["report_id", "channel", "category",
                                                                           "value"])
    out = pd.concat([totals, parts])[cols].sort_values(["report_id", "order"]).reset_index(drop=True)
    out["value"] = out["value"].astype(float)
    return out
