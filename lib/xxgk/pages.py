"""Page building blocks in the house look: headers with headline figures, tables for reading, charts,
sentences for empty sections, folded details — HTML fragments the notebooks display.

Everything here returns :class:`Html` (a ``str`` that Jupyter shows as HTML). Text that comes from
reports or sources.csv (agency names, titles, printed cells, sentences, URLs) is HTML-escaped here and
never passed through Markdown, so a title like ``[点击](javascript:…)`` stays text. UI text comes in
Chinese or English from ``metadata/page_text.csv``; code labels from ``codes.csv``; flag badges from
``metadata/flags.csv`` (a new flag gets a badge without a code change).

Numbers are formatted for reading whatever their dtype (Int64 with ``<NA>``, Float64, float with
NaN): whole numbers with thousands separators, percentages with one decimal, "—" for no value, and
"?" for a value that is not known (an ambiguous or unreadable cell), which never enters a total.
Tables are rendered with pandas' Styler (no extra dependency, plain ``<table>`` markup styled by the
page's one stylesheet; see docs/pages.md for the comparison with great-tables).
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import metadata as md
from .site import Site, canonical, href

UNKNOWN = ("ambiguous", "invalid")
QUIET = ("blank", "na", "missing")  # flags that only say how a cell was printed; not listed as flagged
TONES = md.FLAG_TONES  # a flag's badge colour (metadata/flags.csv)


class Html(str):
    """A fragment of trusted HTML (built here, with every piece of report text escaped)."""

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(f"<xxgk page fragment, {len(self)} characters>")

    def __add__(self, other) -> Html:
        return Html(str(self) + (other if isinstance(other, Html) else esc(other)))


_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|livescript|data)(\s*):")


def defang(text: str) -> str:
    """Write the colon of ``javascript:``, ``vbscript:`` and ``data:`` in page text as ``&#58;``.

    The reader sees the same characters; the page's source no longer holds anything that looks like
    a script URL, whatever a report's title says. (Links are never built from report text: only
    http(s) URLs from :func:`safe_url` and the site's own relative links become ``href``.)
    """
    return _SCHEME.sub(lambda m: m.group(1) + m.group(2) + "&#58;", text)


_RAW_BLOCK = re.compile(r"(<(style|script)\b[^>]*>.*?</\2>)", re.S | re.I)


def defang_page(page: str) -> str:
    """:func:`defang` over a whole page, leaving ``<style>`` and ``<script>`` (raw text) alone."""
    parts = _RAW_BLOCK.split(page)
    out, i = [], 0
    while i < len(parts):
        out.append(defang(parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
        i += 3
    return "".join(out)


def esc(text) -> str:
    """HTML-escape report text (quotes too: it may end up in an attribute)."""
    return defang(html.escape("" if text is None else str(text), quote=True))


def join(*parts) -> Html:
    """Concatenate fragments (plain strings are escaped)."""
    return Html("".join(p if isinstance(p, Html) else esc(p) for p in parts if p is not None))


# --- UI text ---------------------------------------------------------------------------------

@cache
def _texts() -> dict[str, tuple[str, str]]:
    with open(Path(md.__file__).parent / "page_text.csv", encoding="utf-8", newline="") as fh:
        return {r["key"]: (r["zh"], r["en"]) for r in csv.DictReader(fh)}


def has_text(key: str) -> bool:
    """Whether ``key`` is a UI text of page_text.csv."""
    return key in _texts()


def _template(key: str, lang: str, n=None) -> str:
    """A UI text's template in the page's language: ``KEY_one`` instead of ``KEY`` when the count ``n``
    is 1 and page_text.csv has that row ("1 check fails", not "1 checks fail")."""
    texts = _texts()
    if n is not None and str(n).strip() == "1" and f"{key}_one" in texts:
        key = f"{key}_one"
    zh, en = texts[key]
    return zh if lang == "zh" else en


def plain(key: str, lang: str = "zh", **kw) -> str:
    """A UI text as plain text (for chart titles and other non-HTML uses)."""
    return _template(key, lang, kw.get("n")).format(**kw)


def T(key: str, lang: str = "zh", **kw) -> Html:
    """A UI text in the page's language with its placeholders filled (values escaped unless Html)."""
    tmpl = _template(key, lang, kw.get("n"))
    return Html(tmpl.format(**{k: v if isinstance(v, Html) else esc(v) for k, v in kw.items()}))


@cache
def _note_patterns() -> list[tuple[re.Pattern, str, str]]:
    with open(Path(md.__file__).parent / "check_notes.csv", encoding="utf-8", newline="") as fh:
        return [(re.compile(r["pattern"]), r["zh"], r["en"]) for r in csv.DictReader(fh)]


@cache
def _note_phrases() -> list[tuple[re.Pattern, str]]:
    with open(Path(md.__file__).parent / "note_phrases.csv", encoding="utf-8", newline="") as fh:
        phrases = [(re.compile(r["pattern"]), r["zh"]) for r in csv.DictReader(fh)
                   if r["pattern"] and not r["pattern"].startswith("#")]
    codes = [(re.compile(rf"\b{re.escape(code)}\b"), label(kind, code, "zh").replace("\\", "\\\\"))
             for kind, code in md.labels("zh") if kind == "table2_measure"]
    return phrases + codes


def note_text(text, lang: str = "zh") -> str:
    """A cell's note or evidence (the parser writes them in English) in the page's language: on Chinese
    pages the phrases of metadata/note_phrases.csv are put into Chinese; numbers, quoted report text and
    file names stay as they are, and a phrase the table does not know stays English."""
    s = str(text)
    if lang != "zh":
        return s
    for pat, zh in _note_phrases():
        s = pat.sub(zh, s)
    return s


def check_note(note, lang: str = "zh") -> Html:
    """A check's note (written in English by the checks) in the page's language, escaped."""
    if is_na(note):
        return Html("")
    s = str(note)
    for pat, zh, en in _note_patterns():
        m = pat.match(s)
        if m:
            groups = [esc(_clip(g, 60)) for g in m.groups()]
            return Html((zh if lang == "zh" else en).format(*groups))
    return Html(esc(s))


# --- numbers ---------------------------------------------------------------------------------

def is_na(v) -> bool:
    """True for None, NaN, pd.NA, NaT (and anything pandas calls missing)."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _f(v) -> float:
    return np.nan if is_na(v) else float(v)


def num(v) -> str:
    """A count: thousands separators, no decimals for whole numbers; '—' for no value."""
    if is_na(v):
        return "—"
    x = float(v)
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def pct(v, digits: int = 1) -> str:
    """A percentage with one decimal: '12.3%'; '—' for no value."""
    return "—" if is_na(v) else f"{float(v):.{digits}f}%"


def signed(v, digits: int = 0) -> str:
    """A change with its sign: '+12', '−3' (a real minus), '0'."""
    if is_na(v):
        return "—"
    x = float(v)
    body = num(abs(x)) if digits == 0 else f"{abs(x):,.{digits}f}"
    return ("+" if x > 0 else "−" if x < 0 else "") + body


def amount(v, digits: int = 4) -> str:
    """A figure that need not be whole (a rate per 100, money): thousands separators, up to ``digits``
    decimals, no trailing zeros; '—' for none."""
    if is_na(v):
        return "—"
    return f"{float(v):,.{digits}f}".rstrip("0").rstrip(".")


def money_text(v) -> str:
    """An amount of money as printed (the 万元 of 行政事业性收费 often carry six decimals): thousands
    separators, every decimal the report gave, none added."""
    return amount(v, 6)


def _clip(text, n: int) -> str:
    s = "" if is_na(text) else str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


# --- small blocks ----------------------------------------------------------------------------

def section(key: str, lang: str = "zh", level: int = 2) -> Html:
    """A section heading of the page."""
    return Html(f'<h{level} class="sec">{T(f"sec.{key}", lang)}</h{level}>')


def sentence(what, lang: str = "zh", **kw) -> Html:
    """One sentence standing for a section or chart with nothing to show."""
    if what is None or what == "":
        return Html("")
    body = T(f"empty.{what}", lang, **kw) if isinstance(what, str) and has_text(f"empty.{what}") else \
        (what if isinstance(what, Html) else esc(what))
    return Html(f'<p class="empty">{body}</p>')


def note(text, cls: str = "note") -> Html:
    """A short explanatory note (escaped unless Html)."""
    return Html(f'<p class="{cls}">{text if isinstance(text, Html) else esc(text)}</p>')


def fold(summary, body: str, open_: bool = False) -> Html:
    """A folded block (``<details>``): long tables and full listings stay out of the way."""
    if not body:
        return Html("")
    s = summary if isinstance(summary, Html) else esc(summary)
    return Html(f'<details class="fold"{" open" if open_ else ""}><summary>{s}</summary>{body}</details>')


@cache
def _markdown():
    import mistune

    return mistune.create_markdown(escape=True, plugins=[])


def prose(markdown: str) -> Html:
    """Sentences from :mod:`xxgk.summaries` (Markdown with report text already escaped) as HTML.

    Raw HTML in the input is escaped again and unsafe link targets are dropped by the renderer, so
    even an unescaped title could not become a live link or image.
    """
    return Html(f'<div class="prose">{defang(_markdown()(markdown or ""))}</div>')


def flag_label(flag: str, lang: str = "zh") -> str:
    """The short name of a flag in the page's language (metadata/flags.csv; the code for an unknown flag)."""
    names = md.FLAG_LABELS.get(flag)
    return names[0 if lang == "zh" else 1] if names else str(flag)


def flag_help(flag: str, lang: str = "zh") -> str:
    """What a flag means, in one line (metadata/flags.csv), else its description in metadata.FLAGS."""
    text = md.FLAG_HELP.get(flag)
    return text[0 if lang == "zh" else 1] if text else md.FLAGS.get(flag, "")


def flag_labels(lang: str = "zh") -> dict[str, str]:
    """Every flag of metadata.FLAGS with its short name in the page's language."""
    return {f: flag_label(f, lang) for f in md.FLAGS}


def badge(flag, lang: str = "zh") -> Html:
    """A flag as a small labelled badge; its meaning on hover."""
    if is_na(flag) or not str(flag):
        return Html("")
    f = str(flag)
    return Html(f'<span class="badge {TONES.get(f, "plain")}" title="{esc(flag_help(f, lang))}">'
                f'{esc(flag_label(f, lang))}</span>')


def pill(text, tone: str = "plain", title: str = "") -> Html:
    t = f' title="{esc(title)}"' if title else ""
    return Html(f'<span class="pill {tone}"{t}>{text if isinstance(text, Html) else esc(text)}</span>')


def link(site_from: str, site_to: str, text) -> Html:
    """A relative link between two pages of the site."""
    return Html(f'<a href="{esc(href(site_from, site_to))}">{text if isinstance(text, Html) else esc(text)}</a>')


def safe_url(url) -> str | None:
    """An http(s) URL from sources.csv or a report, or None (javascript:, data: … are never linked)."""
    if is_na(url):
        return None
    u = str(url).strip()
    return u if re.match(r"^https?://[^\s<>\"']+$", u, flags=re.I) else None


def label(kind: str, code, lang: str = "zh") -> str:
    """A code's label from codes.csv in the page's language, without bracketed annotations."""
    text = md.labels(lang).get((kind, str(code)), str(code))
    return text.split(" (")[0]


def level_label(level, lang: str = "zh") -> str:
    return str(T(f"level.{level}" if not is_na(level) and has_text(f"level.{level}") else "level.none", lang))


def rule_label(rule: str, lang: str = "zh") -> str:
    key = f"rule.{rule}"
    return f"{rule} {T(key, lang)}" if has_text(key) else str(rule)


def scope_label(scope, lang: str = "zh") -> str:
    """'table3.natural_person' → '表三 · 自然人'; 'section3.applications_received' → '正文第 3 部分'."""
    s = "" if is_na(scope) else str(scope)
    head, _, code = s.partition(".")
    m = re.match(r"section(\d+)$", head)
    if m:
        return str(T("tbl.section", lang, n=m.group(1)))
    name = str(T(f"tbl.{head}", lang)) if has_text(f"tbl.{head}") else head
    if not code:
        return name
    kinds = {"table2": ("table2",), "table3": ("table3_applicant", "table3_row"),
             "table4": ("table4_proceeding",)}.get(head, ())
    labels = md.labels(lang)
    for k in kinds:
        if (k, code) in labels:
            return f"{name} · {label(k, code, lang)}"
    return f"{name} · {code}"


# --- tables ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    """A column of a reading table: the frame's column, its header, and how to show its values.

    kind: ``text`` (escaped), ``html`` (trusted fragment), ``count``, ``pct``, ``signed``,
    ``signed_pct``, ``amount``, ``year``, ``flag`` (a badge).
    """

    key: str
    head: str
    kind: str = "text"


_NUMERIC = {"count", "pct", "signed", "signed_pct", "amount", "year"}


def _fmt_cell(kind: str, lang: str):
    if kind == "html":
        return lambda v: "" if is_na(v) else str(v)
    if kind == "count":
        return num
    if kind == "pct":
        return pct
    if kind == "signed":
        return signed
    if kind == "signed_pct":
        return lambda v: "—" if is_na(v) else signed(v, 1) + "%"
    if kind == "amount":
        return amount
    if kind == "year":
        return lambda v: "—" if is_na(v) else str(int(float(v)))
    if kind == "flag":
        return lambda v: str(badge(v, lang))
    return lambda v: "—" if is_na(v) or str(v) == "" else esc(v)


_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)


def table(df: pd.DataFrame, cols: list[Col], lang: str = "zh", cls: str = "") -> Html:
    """A table for reading (pandas Styler): no index, labelled headers, formatted numbers right-aligned."""
    from pandas.io.formats.style import Styler

    if df is None or df.empty:
        return Html("")
    data = pd.DataFrame({c.key: (df[c.key].astype("object") if c.key in df else pd.Series([None] * len(df),
                                                                                            index=df.index))
                         for c in cols}).reset_index(drop=True)
    data.columns = [f"c{i}" for i in range(len(cols))]
    classes = pd.DataFrame({f"c{i}": ["n" if c.kind in _NUMERIC else ""] * len(data) for i, c in enumerate(cols)})
    sty = Styler(data, uuid="t", cell_ids=False)
    sty = sty.hide(axis="index").format({f"c{i}": _fmt_cell(c.kind, lang) for i, c in enumerate(cols)})
    sty = sty.set_td_classes(classes).relabel_index([esc(c.head) for c in cols], axis="columns")
    out = _STYLE.sub("", sty.to_html(doctype_html=False))
    out = re.sub(r' id="T_t"', "", out)
    out = re.sub(r' class="data row\d+ col\d+ n"', ' class="n"', out)
    out = re.sub(r' class="data row\d+ col\d+"', "", out)
    heads = iter(cols)
    out = re.sub(r' class="col_heading level0 col\d+" ',
                 lambda m: ' class="n"' if next(heads).kind in _NUMERIC else "", out)
    out = re.sub(r">\s+<", "><", out).strip()
    out = re.sub(r"\s+>", ">", out)  # cell text is escaped: a bare '>' only closes a tag
    return Html(out.replace("<table", f'<div class="tw"><table class="{("t " + cls).strip()}"', 1)
                .replace("</table>", "</table></div>"))


# --- charts ----------------------------------------------------------------------------------

def chart(fig, lang: str = "zh", empty=None, **kw) -> Html:
    """A chart as inline SVG in a ``<figure>``; the ``empty`` sentence (a key of page_text.csv's
    ``empty.*`` or a text) when the chart function had nothing to show (``None`` or an empty figure)."""
    from . import plots

    if isinstance(fig, plots.NoChart):
        return sentence(fig.key, lang, **fig.values)
    if plots.is_empty(fig):
        return sentence(empty, lang, **kw)
    return Html(f'<figure class="chart">{plots.to_svg(fig)}</figure>')


def cards(items: list[dict]) -> Html:
    """Headline figures: label, value (with unit), a sub-line and the change on the previous year."""
    out = []
    for it in items:
        title = f' title="{esc(it["help"])}"' if it.get("help") else ""
        unit = f'<span class="u">{esc(it["unit"])}</span>' if it.get("unit") and it["value"] not in ("—", "?") else ""
        sub = f'<div class="s">{it["sub"]}</div>' if it.get("sub") else ""
        chg = f'<div class="c {it.get("tone", "")}">{it["change"]}</div>' if it.get("change") else ""
        out.append(f'<div class="card"{title}><div class="k">{esc(it["label"])}</div>'
                   f'<div class="v">{esc(it["value"])}{unit}</div>{sub}{chg}</div>')
    return Html(f'<div class="cards">{"".join(out)}</div>') if out else Html("")


def header(kicker, title, meta: list, status: list, extra: str = "") -> Html:
    """The page's header: kicker line, title, meta line, status pills."""
    m = "".join(f"<span>{x if isinstance(x, Html) else esc(x)}</span>" for x in meta if x)
    s = "".join(str(x) for x in status if x)
    return Html(f'<header class="page-head"><p class="kicker">{kicker}</p><h1>{esc(title)}</h1>'
                + (f'<p class="meta">{m}</p>' if m else "") + (f'<p class="status">{s}</p>' if s else "")
                + extra + "</header>")


# --- the site as seen from inside a notebook --------------------------------------------------

@lru_cache(maxsize=4)
def _site_cached(path: str, stamp: float) -> tuple[Site, pd.DataFrame]:
    from .dataset import load

    reps = canonical(load(path).reports)
    return Site.of(reps), reps


def site_of(data: str | None) -> tuple[Site, pd.DataFrame]:
    """The file names of the site for a dataset (the same as ``xxgk report`` writes) and its
    canonical reports; cached while the dataset does not change."""
    from .dataset import default_path

    p = Path(data) if data else default_path()
    f = p / "reports.parquet"
    return _site_cached(str(p.resolve()), f.stat().st_mtime if f.exists() else 0.0)


# --- one report ------------------------------------------------------------------------------

def _report(ds, rid: str) -> pd.Series:
    return ds.reports.set_index("report_id").loc[rid]


def _memo(ds) -> dict:
    """Per-dataset scratch space: a page asks the same questions of the same report many times."""
    return ds.__dict__.setdefault("_xxgk_pages", {})


def _canon(ds) -> pd.DataFrame:
    m = _memo(ds)
    if "canonical" not in m:
        m["canonical"] = canonical(ds.reports)
    return m["canonical"]


def _rows(ds, table: str, rid: str) -> pd.DataFrame:
    """One report's rows of a stored table (computed once per page)."""
    m = _memo(ds)
    key = (table, rid)
    if key not in m:
        d = getattr(ds, table)
        m[key] = d[d["report_id"] == rid]
    return m[key]


_KEYS = (("row", "applicant"), ("item", "measure"), ("proceeding", "outcome"))
_INDEX: dict[int, dict] = {}


def cell_index(df: pd.DataFrame) -> dict:
    """(report_id, key1, key2) → (value, flag) for a table of cells, built once per frame (a page looks
    up dozens of cells; filtering the frame for each costs a millisecond)."""
    import weakref

    k = id(df)
    if k not in _INDEX:
        c1, c2 = next(p for p in _KEYS if p[0] in df.columns and p[1] in df.columns)
        idx = {}
        for r, a, b, v, f in zip(df["report_id"], df[c1].astype("object"), df[c2].astype("object"), df["value"],
                                 df["flag"].astype("object"), strict=True):
            idx.setdefault((r, a, b), (_f(v), "" if is_na(f) else str(f)))
        _INDEX[k] = idx
        weakref.finalize(df, _INDEX.pop, k, None)
    return _INDEX[k]


def _cell(df: pd.DataFrame, rid: str, **keys) -> tuple[float, str]:
    """A cell's value (NaN when none) and flag ('' when read directly, 'missing' when not there)."""
    c1, c2 = next(p for p in _KEYS if p[0] in keys)
    return cell_index(df).get((rid, keys[c1], keys[c2]), (np.nan, "missing"))


def _t3_total(ds, rid: str, row: str) -> tuple[float, bool]:
    """A Table 3 总计 value as the dataset's derived tables use it (a blank 总计 falls back to the
    sum of the columns), and whether it is unknown (an ambiguous or unreadable cell)."""
    v, flag = _cell(_rows(ds, "applications", rid), rid, row=row, applicant="total")
    if flag in UNKNOWN:
        return np.nan, True
    wide = ds._t3_total()
    if rid in wide.index and row in wide.columns:
        v = _f(wide.loc[rid, row])
    if np.isnan(v) and flag in ("blank", "na"):
        v = 0.0
    return v, False


def _previous(ds, rid: str) -> str | None:
    m = _memo(ds)
    if ("previous", rid) not in m:
        rep = _report(ds, rid)
        reps = _canon(ds)
        hit = reps[(reps["agency_id"] == rep["agency_id"]) & (reps["year"] == int(rep["year"]) - 1)]
        m[("previous", rid)] = None if hit.empty else str(hit["report_id"].iloc[0])
    return m[("previous", rid)]


def _metrics(ds, rid: str) -> dict[str, tuple[float, bool, dict]]:
    """The headline figures of one report: name → (value, unknown, extras)."""
    m = _memo(ds)
    if ("metrics", rid) not in m:
        m[("metrics", rid)] = _compute_metrics(ds, rid)
    return m[("metrics", rid)]


def _compute_metrics(ds, rid: str) -> dict[str, tuple[float, bool, dict]]:
    out: dict[str, tuple[float, bool, dict]] = {}
    out["new"] = (*_t3_total(ds, rid, "new_received"), {})
    g, gu = _t3_total(ds, rid, "granted")
    p, pu = _t3_total(ds, rid, "partially_granted")
    tot, tu = _t3_total(ds, rid, "total_processed")
    share = (g + p) / tot * 100 if tot and tot > 0 and not (gu or pu or tu) else np.nan
    out["disclosed"] = (share, bool(gu or pu or tu), {"handled": tot})
    rates = ds.review_litigation_rates
    rates = rates[rates["report_id"] == rid].set_index("proceeding")
    rl = _rows(ds, "review_litigation", rid)
    for key, procs in (("review", ["review"]), ("lit", ["litigation_direct", "litigation_after_review"])):
        name = "review" if key == "review" else "litigation"
        cells = rl[rl["proceeding"].isin(procs)]
        unknown = bool(cells["flag"].astype("object").isin(UNKNOWN).any())
        if name in rates.index:
            out[key] = (_f(rates.loc[name, "total_count"]), unknown, {"corrected": _f(rates.loc[name, "correction_pct"])})
        else:
            out[key] = (np.nan, unknown, {"missing": True})
    t2 = _rows(ds, "active_disclosure", rid)
    measure = "newly_made" if (t2["measure"] == "newly_made").any() else "issued"
    v, flag = _cell(t2, rid, item="normative_documents", measure=measure)
    out["issued"] = (0.0 if np.isnan(v) and flag in ("blank", "na") else v, flag in UNKNOWN, {"measure": measure,
                                                                                             "missing": flag == "missing"})
    f = ds.narrative_figures
    f = f[(f["report_id"] == rid) & (f["measure"] == "items_published") & f["category"].isna()]
    out["items"] = (float(np.nanmax([_f(x) for x in f["value"]])) if len(f) else np.nan, False, {"stated": len(f) > 0})
    return out


def _change_text(cur, prev, prev_year: int, lang: str, kind: str = "count") -> tuple[Html, str]:
    """The change on the previous year as text, and a tone for the card."""
    if prev is None:
        return T("chg.noprev", lang, prev=prev_year), "na"
    (c, cu, _), (p, pu, _) = cur, prev
    if cu or np.isnan(c):
        return Html(""), "na"
    if pu or np.isnan(p):
        return T("chg.unknown_prev", lang, prev=prev_year), "na"
    d = c - p
    tone = "up" if d > 0 else "down" if d < 0 else "flat"
    if kind == "pp":
        if abs(d) < 0.05:
            return T("chg.same", lang, prev=prev_year), "flat"
        return T("chg.pp", lang, d=signed(d, 1), prev=prev_year), tone
    if d == 0:
        return T("chg.same", lang, prev=prev_year), "flat"
    if p == 0:
        return T("chg.up", lang, d=signed(d), prev=prev_year), tone
    return T("chg.up_pct", lang, d=signed(d), p=signed(d / p * 100, 1) + "%", prev=prev_year), tone


def headline(ds, rid: str, lang: str = "zh") -> Html:
    """4–6 headline figures of a report with their change on the previous year."""
    rep = _report(ds, rid)
    year = int(rep["year"])
    cur = _metrics(ds, rid)
    prid = _previous(ds, rid)
    prev = _metrics(ds, prid) if prid else None

    def pv(k):
        return None if prev is None else prev[k]

    def val(m, fmt=num):
        v, unknown, _ = m
        return "?" if unknown else fmt(v)

    def _change(c, p, prev_year, lang, kind="count"):
        if prev is None:  # one line under the cards instead of "no previous report" on every card
            return Html(""), "na"
        return _change_text(c, p, prev_year, lang, kind)

    items = []
    for key, lab in (("new", "card.new"),):
        ch, tone = _change(cur[key], pv(key), year - 1, lang)
        items.append({"label": T(lab, lang), "value": val(cur[key]), "unit": T("unit.count", lang), "change": ch,
                      "tone": tone})
    sh = cur["disclosed"]
    ch, tone = _change(sh, pv("disclosed"), year - 1, lang, "pp")
    handled = sh[2].get("handled")
    items.append({"label": T("card.disclosed", lang), "value": val(sh, pct), "help": T("card.disclosed.help", lang),
                  "sub": T("card.disclosed.sub", lang, n=num(handled)) if not is_na(handled) else "",
                  "change": ch, "tone": tone})
    for key, lab in (("review", "card.review"), ("lit", "card.lit")):
        v, unknown, extra = cur[key]
        sub = T("card.corrected", lang, pct=pct(extra["corrected"])) if not is_na(extra.get("corrected")) else ""
        ch, tone = _change(cur[key], pv(key), year - 1, lang)
        items.append({"label": T(lab, lang), "value": val(cur[key]), "unit": T("unit.count", lang), "sub": sub,
                      "change": ch, "tone": tone})
    v, unknown, extra = cur["issued"]
    if not extra.get("missing"):
        same = prev is not None and prev["issued"][2].get("measure") == extra["measure"]
        ch, tone = _change(cur["issued"], pv("issued") if same else None, year - 1, lang)
        items.append({"label": T("card.made" if extra["measure"] == "newly_made" else "card.issued", lang),
                      "value": val(cur["issued"]), "unit": T("unit.count", lang), "change": ch, "tone": tone})
    if cur["items"][2]["stated"]:
        p = pv("items")
        ch, tone = _change(cur["items"], p if p is None or p[2]["stated"] else (np.nan, True, {}), year - 1, lang)
        items.append({"label": T("card.items", lang), "value": val(cur["items"]), "unit": T("unit.items", lang),
                      "sub": T("card.items.help", lang), "change": ch, "tone": tone})
    out = cards(items[:6])
    if prev is None:
        out += Html(f'<p class="cards-note">{T("chg.noprev_all", lang, prev=year - 1)}</p>')
    return out


def _report_flags(ds, rid: str) -> pd.Series:
    fl = pd.concat([_rows(ds, t, rid)["flag"].astype("object")
                    for t in ("active_disclosure", "applications", "review_litigation")])
    return fl.dropna()


def agency_year_header(ds, rid: str, lang: str = "zh") -> Html:
    """Agency, year, template, where it comes from (link to the original) and its state, then the
    headline figures."""
    rep = _report(ds, rid)
    year = int(rep["year"])
    meta = []
    region = "" if is_na(rep.get("region")) else str(rep["region"])
    meta.append(" · ".join(x for x in (region, level_label(rep.get("level"), lang)) if x))
    tmpl = "" if is_na(rep.get("template")) else str(rep["template"])
    meta.append(T("head.mixed", lang) if tmpl == "mixed" else T("head.template", lang, t=tmpl) if tmpl else "")
    if not is_na(rep.get("published")):
        meta.append(T("head.published", lang, d=rep["published"]))
    fmt = "" if is_na(rep.get("format")) else str(rep["format"])
    if fmt:
        meta.append(T("head.format", lang, f=T(f"format.{fmt}", lang) if has_text(f"format.{fmt}") else fmt))
    url = safe_url(rep.get("source_url"))
    if url:
        meta.append(Html(f'<a class="ext" href="{esc(url)}" rel="noopener noreferrer">{T("head.original", lang)} ↗</a>'))
    status = []
    checks = ds.checks[ds.checks["report_id"] == rid]
    failed = checks[~checks["is_passed"].astype(bool) & ~checks["is_warning"].astype(bool)]
    warned = checks[~checks["is_passed"].astype(bool) & checks["is_warning"].astype(bool)]
    status.append(pill(T("status.failed", lang, n=len(failed)), "bad") if len(failed)
                  else pill(T("status.ok", lang), "ok"))
    if len(warned):
        status.append(pill(T("status.warn", lang, n=len(warned)), "warn"))
    flags = _report_flags(ds, rid)
    unknown = int(flags.isin(UNKNOWN).sum())
    recovered = int((flags == "recovered").sum())
    if unknown:
        status.append(pill(T("status.unknown", lang, n=unknown), "warn"))
    if recovered:
        status.append(pill(T("status.recovered", lang, n=recovered), "info"))
    if "is_complete" in rep.index and not is_na(rep["is_complete"]) and bool(rep["is_complete"]):
        status.append(pill(T("status.complete", lang), "ok", str(T("status.complete.help", lang))))
    extra = ""
    if not is_na(rep.get("title")) and str(rep["title"]).strip():
        extra += f'<p class="doc-title">《{esc(str(rep["title"]).strip())}》</p>'
    notes = []
    if recovered and recovered >= 0.5 * len(flags[flags != "missing"]):
        notes.append(T("flg.all_recovered", lang, n=num(recovered)))
    if unknown:
        notes.append(T("flg.unknown", lang, n=num(unknown)))
    extra += "".join(f'<p class="note">{n}</p>' for n in notes)
    h = header(T("head.kicker_ay", lang, year=year), str(rep["agency"]), meta, status, extra)
    return Html(h + headline(ds, rid, lang))


def _cell_text(value, flag: str, raw, lang: str, blank_total=None) -> str:
    """How one printed cell reads in a table: its number, or what stands for it, with its badge."""
    if flag in UNKNOWN:
        tip = esc(f"{flag_help(flag, lang)}: {raw}" if not is_na(raw) else flag_help(flag, lang))
        return f'<span class="q" title="{tip}">?</span> {badge(flag, lang)}'
    if flag == "missing":
        return f'<span class="mute">{T("t3.not_printed", lang)}</span>'
    if flag in ("blank", "na"):
        if blank_total is not None and blank_total > 0:
            return f'<span class="mute">{T("t3.blank_total", lang, n=num(blank_total))}</span>'
        shown = esc(raw) if flag == "na" and not is_na(raw) and str(raw).strip() else T("t3.blank", lang)
        return f'<span class="mute" title="{esc(flag_help(flag, lang))}">{shown}</span>'
    text = num(value)
    if flag and flag != "recovered":
        text += " " + str(badge(flag, lang))
    return text


def table2(ds, rid: str, lang: str = "zh") -> Html:
    """Table 2 as the template prints it (items × measures); a sentence when it is all zero or missing."""
    t2 = _rows(ds, "active_disclosure", rid)
    if t2.empty or (t2["flag"].astype("object") == "missing").all():
        return sentence("t2_missing", lang)
    money = md.table2_money_measures()
    is_money = t2["measure"].astype(str).isin(money).to_numpy()
    # a money measure's number is in ``amount`` (``value`` holds counts only)
    vals = np.array([_f(a if m else v) for v, a, m in zip(t2["value"], t2["amount"], is_money, strict=True)])
    flags = ["" if is_na(f) else str(f) for f in t2["flag"]]
    if np.nansum(np.abs(vals)) == 0 and not any(f in UNKNOWN or f == "note" for f in flags):
        return sentence("t2_zero", lang)
    measures = [m for m in dict.fromkeys(t2["measure"].astype(str))]
    rows = []
    for item, g in t2.groupby("item", observed=True, sort=True):
        r = {"item": label("table2", item, lang)}
        for m, v, a, f, raw, unit in zip(g["measure"].astype(str), g["value"], g["amount"], g["flag"], g["raw"],
                                         g["unit"], strict=True):
            f = "" if is_na(f) else str(f)
            if m in money and f not in UNKNOWN and f not in ("blank", "na", "missing") and not is_na(a):
                cell = money_text(a) + (f" {esc(unit)}" if m == "procurement_amount" and not is_na(unit) else "")
                if f and f != "recovered":
                    cell += " " + str(badge(f, lang))
            else:
                cell = _cell_text(v, f, raw, lang)
            r[m] = Html(cell)
        rows.append(r)
    df = pd.DataFrame(rows)
    labels = md.labels(lang)  # a money column keeps its unit in brackets ("fees collected (10k yuan)")
    cols = [Col("item", str(T("th.item", lang)))] + [
        Col(m, labels.get(("table2_measure", m), m) if m in money else label("table2_measure", m, lang), "html")
        for m in measures]
    return table(df, cols, lang, "t2")


def table3(ds, rid: str, lang: str = "zh") -> Html:
    """Table 3 in full (rows × the seven applicant columns), folded."""
    a = _rows(ds, "applications", rid)
    if a.empty or (a["flag"].astype("object") == "missing").all():
        return sentence("t3_missing", lang)
    parts = a[a["applicant"] != "total"].assign(v=[_f(x) for x in a[a["applicant"] != "total"]["value"]])
    sums = parts.groupby("row", observed=True)["v"].sum(min_count=1)
    rows = []
    for row, g in a.groupby("row", observed=True, sort=True):
        if (g["flag"].astype("object") == "missing").all():
            continue
        r = {"row": label("table3_row", row, lang)}
        for ap, v, f, raw in zip(g["applicant"].astype(str), g["value"], g["flag"], g["raw"], strict=True):
            f = "" if is_na(f) else str(f)
            bt = _f(sums.get(row)) if ap == "total" and f == "blank" else None
            r[ap] = Html(_cell_text(v, f, raw, lang, blank_total=bt))
        rows.append(r)
    df = pd.DataFrame(rows)
    cols = [Col("row", str(T("th.row", lang)))] + [Col(ap, label("table3_applicant", ap, lang), "html")
                                                   for ap in md.TABLE3_APPLICANTS]
    return fold(T("fold.t3", lang, n=len(df)), table(df, cols, lang, "t3"))


def table4(ds, rid: str, lang: str = "zh") -> Html:
    """Table 4 (proceedings × results); a sentence when it is all zero or not printed."""
    r = _rows(ds, "review_litigation", rid)
    if r.empty or (r["flag"].astype("object") == "missing").all():
        return sentence("t4_missing", lang)
    vals = np.array([_f(v) for v in r["value"]])
    if np.nansum(vals) == 0 and not r["flag"].astype("object").isin(UNKNOWN).any():
        return sentence("no_review", lang)
    rows = []
    for p, g in r.groupby("proceeding", observed=True, sort=True):
        row = {"p": label("table4_proceeding", p, lang)}
        for o, v, f, raw in zip(g["outcome"].astype(str), g["value"], g["flag"], g["raw"], strict=True):
            row[o] = Html(_cell_text(v, "" if is_na(f) else str(f), raw, lang))
        rows.append(row)
    cols = [Col("p", "")] + [Col(o, label("table4_outcome", o, lang), "html") for o in md.TABLE4_OUTCOMES]
    return table(pd.DataFrame(rows), cols, lang, "t4")


def yoy(ds, rid: str, lang: str = "zh") -> Html:
    """The year-over-year measures of one report against the previous year's."""
    from .summaries import MEASURE_NAMES

    rep = _report(ds, rid)
    year = int(rep["year"])
    if _previous(ds, rid) is None:
        return sentence("no_previous", lang, year=year - 1)
    y = yoy_rows(ds, rid)
    y = y[y["value"].notna() | y["previous_value"].notna()]
    if y.empty:
        return sentence("no_previous", lang, year=year - 1)
    prid = _previous(ds, rid)
    unknown = _unknown_measures(ds, [rid, prid])
    y["name"] = [MEASURE_NAMES.get(str(m), (str(m), str(m)))[0 if lang == "zh" else 1] for m in y["measure"]]
    cur_u = [(rid, str(m)) in unknown for m in y["measure"]]
    prev_u = [(prid, str(m)) in unknown for m in y["measure"]]
    y["v"] = [("?" if u else num(v)) for u, v in zip(cur_u, y["value"], strict=True)]
    y["p"] = [("?" if u else num(v)) for u, v in zip(prev_u, y["previous_value"], strict=True)]
    y["c"] = [("—" if a or b else signed(v)) for a, b, v in zip(cur_u, prev_u, y["change"], strict=True)]
    y["cp"] = [("—" if a or b or is_na(v) else signed(v, 1) + "%") for a, b, v in
               zip(cur_u, prev_u, y["change_pct"], strict=True)]
    cols = [Col("name", str(T("th.measure", lang))), Col("v", f"{year}", "count"), Col("p", f"{year - 1}", "count"),
            Col("c", str(T("th.change", lang)), "count"), Col("cp", str(T("th.change_pct", lang)), "count")]
    return table(y, [Col(c.key, c.head, "text" if c.key == "name" else "html") for c in cols[:1]] +
                 [Col(c.key, c.head, "html") for c in cols[1:]], lang, "num-cols")


def yoy_rows(ds, rid: str) -> pd.DataFrame:
    """One report's rows of :attr:`Dataset.year_over_year` (the same measures and values, from its
    cells and the previous year's: a page needs two reports, not every report of the agency)."""
    from .dataset import YOY_MEASURES

    prid = _previous(ds, rid)
    rows = []
    for m, (tbl, keys) in YOY_MEASURES.items():
        d = _rows(ds, tbl, rid)
        v = _cell(d, rid, **keys)[0]
        p = _cell(_rows(ds, tbl, prid), prid, **keys)[0] if prid else np.nan
        c = v - p
        rows.append({"measure": m, "value": v, "previous_value": p, "change": c,
                     "change_pct": c / p * 100 if not np.isnan(p) and p != 0 else np.nan})
    return pd.DataFrame(rows)


def _unknown_measures(ds, rids) -> set[tuple[str, str]]:
    """(report_id, year-over-year measure) pairs whose cell is ambiguous or unreadable."""
    from .dataset import YOY_MEASURES

    out = set()
    for m, (tbl, keys) in YOY_MEASURES.items():
        d = getattr(ds, tbl)
        mask = d["report_id"].isin([r for r in rids if r]) & d["flag"].astype("object").isin(UNKNOWN)
        for k, v in keys.items():
            mask &= d[k] == v
        out |= {(r, m) for r in d[mask]["report_id"]}
    return out


def checks(ds, report_ids, lang: str = "zh") -> Html:
    """The checks of some reports summarised ('全部 43 项校验通过'); only the failures listed."""
    c = ds.checks[ds.checks["report_id"].isin(list(report_ids))]
    if c.empty:
        return sentence("no_checks", lang)
    hard = c[~c["is_warning"].astype(bool)]
    soft = c[c["is_warning"].astype(bool)]
    out = []
    for part, ok_key, bad_key in ((hard, "chk.all_pass", "chk.some_fail"), (soft, "chk.w_all_pass", "chk.w_some_fail")):
        if part.empty:
            continue
        bad = part[~part["is_passed"].astype(bool)]
        if bad.empty:
            out.append(note(T(ok_key, lang, n=len(part)), "ok-line"))
        else:
            out.append(note(T(bad_key, lang, n=len(part), k=len(bad)), "bad-line" if part is hard else "warn-line"))
            out.append(_failures(bad, lang))
    return Html("".join(out))


def _failures(bad: pd.DataFrame, lang: str) -> Html:
    df = pd.DataFrame({
        "rule": [rule_label(str(r), lang) for r in bad["rule"]],
        "where": [scope_label(s, lang) for s in bad["scope"]],
        "expected": [num(v) for v in bad["expected"]], "actual": [num(v) for v in bad["actual"]],
        "note": [check_note(n, lang) for n in bad["note"]],
    })
    if "year" in bad.columns:
        df.insert(0, "year", [str(int(y)) for y in bad["year"]])
    cols = ([Col("year", str(T("th.year", lang)))] if "year" in df else []) + [
        Col("rule", str(T("th.rule", lang))), Col("where", str(T("th.where", lang))),
        Col("expected", str(T("th.expected", lang)), "html"), Col("actual", str(T("th.actual", lang)), "html")]
    if any(str(x) for x in df["note"]):
        cols.append(Col("note", str(T("th.note", lang)), "html"))
    body = table(df, cols, lang)
    return body if len(df) <= 12 else fold(T("fold.failures", lang, n=len(df)), body)


def _flag_order(flag: str) -> int:
    return 0 if flag in UNKNOWN else 2 if flag == "recovered" else 1


def flagged(ds, rid: str, lang: str = "zh") -> Html:
    """Every flagged cell of a report (printed text, flag, candidates or note), the ones that matter
    first (unknown values, then remarks and units, then recovered digits), folded."""
    rows = []
    for tbl, k1, k2, kinds in (("active_disclosure", "item", "measure", ("table2", "table2_measure")),
                               ("applications", "row", "applicant", ("table3_row", "table3_applicant")),
                               ("review_litigation", "proceeding", "outcome", ("table4_proceeding", "table4_outcome"))):
        d = getattr(ds, tbl)
        d = d[(d["report_id"] == rid) & d["flag"].notna() & ~d["flag"].astype("object").isin(QUIET)]
        extra_cols = [c for c in ("candidates", "note", "evidence") if c in d.columns]
        for pos, r in enumerate(d.itertuples(index=False)):
            flag = str(r.flag)
            detail = ("；" if lang == "zh" else "; ").join(
                note_text(_detail(getattr(r, c)), lang) for c in extra_cols if not _empty_detail(getattr(r, c)))
            rows.append({"o": (_flag_order(flag), tbl, pos), "table": str(T(f"tbl.{tbl}", lang)),
                         "row": label(kinds[0], getattr(r, k1), lang), "col": label(kinds[1], getattr(r, k2), lang),
                         "value": "?" if flag in UNKNOWN else money_text(r.amount)
                         if tbl == "active_disclosure" and str(r.measure) in md.table2_money_measures()
                         else num(r.value), "raw": _clip(r.raw, 80), "flag": flag,
                         "detail": _clip(detail, 160)})
    if not rows:
        return sentence("no_flagged", lang)
    df = pd.DataFrame(rows).sort_values("o", kind="stable")
    counts = df["flag"].value_counts()
    items = ("、" if lang == "zh" else ", ").join(
        str(T("flg.item", lang, label=flag_label(f, lang), n=num(n)))
        for f, n in sorted(counts.items(), key=lambda kv: (_flag_order(kv[0]), -kv[1])))
    cols = [Col("table", str(T("th.table", lang))), Col("row", str(T("th.row", lang))),
            Col("col", str(T("th.column", lang))), Col("value", str(T("th.value", lang)), "html"),
            Col("raw", str(T("th.raw", lang))), Col("flag", str(T("th.flag", lang)), "flag")]
    if df["detail"].astype(bool).any():
        cols.append(Col("detail", str(T("th.detail", lang))))
    return join(note(T("flg.summary", lang, n=num(len(df)), items=items)),
                fold(T("fold.flagged", lang, n=num(len(df))), table(df, cols, lang, "flagged")))


def _empty_detail(v) -> bool:
    if isinstance(v, list | tuple | np.ndarray):
        return len(v) == 0
    return is_na(v) or str(v) == ""


def _detail(v) -> str:
    if isinstance(v, list | tuple | np.ndarray):
        return " / ".join(_detail(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}={_detail(x)}" for k, x in v.items())
    return num(v) if isinstance(v, int | float) else str(v)


def narrative(ds, rid: str, lang: str = "zh") -> Html:
    """The figures stated in the prose, with the sentence each came from (folded); nothing when none."""
    from .plots import channel_name

    f = ds.narrative_figures
    f = f[f["report_id"] == rid]
    if f.empty:
        return Html("")
    from .figures import measures

    key = "label_zh" if lang == "zh" else "label_en"
    df = pd.DataFrame({
        "measure": [measures().get(str(m), {}).get(key, str(m)) for m in f["measure"]],
        "where": [" · ".join(x for x in (channel_name(c, lang) if not is_na(c) else "",
                                         "" if is_na(k) else str(k)) if x) or "—"
                  for c, k in zip(f["channel"].astype("object"), f["category"], strict=True)],
        "value": [num(v) for v in f["value"]], "unit": ["" if is_na(u) else str(u) for u in f["unit"]],
        "sentence": [_clip(e, 160) for e in f["evidence"]],
    })
    cols = [Col("measure", str(T("th.measure", lang))), Col("where", str(T("th.channel", lang))),
            Col("value", str(T("th.value", lang)), "html"), Col("unit", str(T("th.unit", lang))),
            Col("sentence", str(T("th.sentence", lang)))]
    return fold(T("fold.narrative", lang, n=len(df)), table(df, cols, lang, "narr"))


# --- one agency across years -----------------------------------------------------------------

def trends_header(ds, agency_ids: list[str], first_year: int, last_year: int, lang: str = "zh") -> Html:
    """Agency (or agencies), the span of years, and the first and last year's headline figures."""
    reps = _canon(ds)
    reps = reps[reps["agency_id"].isin(agency_ids)].sort_values("year")
    if reps.empty:
        return header(T("head.kicker_trends", lang, y0=first_year, y1=last_year), "—", [], [])
    names = list(dict.fromkeys(reps["agency"].astype(str)))
    y0, y1 = int(reps["year"].min()), int(reps["year"].max())
    first = reps[reps["year"] == y0]
    last = reps[reps["year"] == y1]
    meta = [" · ".join(x for x in ("" if is_na(reps["region"].iloc[0]) else str(reps["region"].iloc[0]),
                                   level_label(reps["level"].iloc[0], lang)) if x),
            T("head.reports_n", lang, n=len(reps))]
    failed = int(pd.to_numeric(reps["failed_checks_count"], errors="coerce").fillna(0).sum())
    status = [pill(T("status.failed", lang, n=failed), "bad") if failed else pill(T("status.ok", lang), "ok")]
    items = []
    if len(agency_ids) == 1 and y1 > y0:
        a, b = _metrics(ds, str(first["report_id"].iloc[0])), _metrics(ds, str(last["report_id"].iloc[0]))
        for key, lab, kind in (("new", "card.new", "count"), ("disclosed", "card.disclosed", "pp"),
                               ("review", "card.review", "count"), ("lit", "card.lit", "count")):
            (va, ua, _), (vb, ub, _) = a[key], b[key]
            f = pct if kind == "pp" else num
            value = "?" if ub else f(vb)
            if ua or ub or np.isnan(va) or np.isnan(vb):
                ch, tone = Html(""), "na"
            else:
                d = vb - va
                ch = T("chg.since_pp" if kind == "pp" else "chg.since", lang, y=y0,
                       d=signed(d, 1) if kind == "pp" else signed(d))
                tone = "up" if d > 0 else "down" if d < 0 else "flat"
            items.append({"label": f"{T(lab, lang)} · {y1}", "value": value,
                          "unit": T("unit.count", lang) if kind == "count" else "", "change": ch, "tone": tone,
                          "sub": T("card.first_last", lang, y0=y0, a="?" if ua else f(va), y1=y1, b=value)})
    title = "、".join(names) if lang == "zh" else ", ".join(names)
    return Html(header(T("head.kicker_trends", lang, y0=y0, y1=y1), title, meta, status) + cards(items))


def years_table(ds, agency_id: str, lang: str = "zh", page: str = "", site: Site | None = None) -> Html:
    """One row per year: applications, outcomes, reviews, checks — each year linked to its page."""
    reps = _canon(ds)
    reps = reps[reps["agency_id"] == agency_id].sort_values("year")
    rows = []
    for r in reps.itertuples(index=False):
        m = _metrics(ds, r.report_id)
        year = int(r.year)
        y = link(page, site.agency_year(agency_id, year), str(year)) if site is not None else Html(str(year))
        failed = 0 if is_na(r.failed_checks_count) else int(r.failed_checks_count)
        rows.append({"year": y, "template": str(r.template), "new": "?" if m["new"][1] else num(m["new"][0]),
                     "handled": num(m["disclosed"][2].get("handled")),
                     "disclosed": "?" if m["disclosed"][1] else pct(m["disclosed"][0]),
                     "review": "?" if m["review"][1] else num(m["review"][0]),
                     "lit": "?" if m["lit"][1] else num(m["lit"][0]),
                     "checks": Html(f'<span class="ok-text">{T("chk.passed", lang)}</span>') if failed == 0 else
                     Html(f'<span class="bad-text">{T("chk.failed_n", lang, n=failed)}</span>')})
    cols = [Col("year", str(T("th.year", lang)), "html"), Col("template", str(T("th.template", lang))),
            Col("new", str(T("th.new", lang)), "html"), Col("handled", str(T("th.handled", lang)), "html"),
            Col("disclosed", str(T("th.disclosed", lang)), "html"), Col("review", str(T("th.reviews", lang)), "html"),
            Col("lit", str(T("th.lawsuits", lang)), "html"), Col("checks", str(T("th.checks", lang)), "html")]
    return table(pd.DataFrame(rows), cols, lang, "num-cols")


def yoy_changes(ds, lang: str = "zh") -> Html:
    """Every year-over-year change of the loaded agencies, the largest moves first, folded when long."""
    from .summaries import MEASURE_NAMES

    y = ds.year_over_year
    y = y[y["previous_value"].notna() & y["value"].notna()].copy()
    if y.empty:
        return sentence("trend_yoy", lang)
    unknown = _unknown_measures(ds, list(ds.reports["report_id"]))
    rid = {(a, int(yr)): r for r, a, yr in zip(ds.reports["report_id"], ds.reports["agency_id"], ds.reports["year"],
                                               strict=True) if not is_na(yr)}
    keep = [((rid.get((a, int(yr))), str(m)) not in unknown and (rid.get((a, int(yr) - 1)), str(m)) not in unknown)
            for a, yr, m in zip(y["agency_id"], y["year"], y["measure"], strict=True)]
    y = y[keep]
    y["abs"] = [abs(_f(v)) for v in y["change"]]
    y = y[y["abs"] > 0].sort_values(["abs", "year"], ascending=[False, True])
    if y.empty:
        return sentence("trend_yoy", lang)
    y["name"] = [MEASURE_NAMES.get(str(m), (str(m), str(m)))[0 if lang == "zh" else 1] for m in y["measure"]]
    many = y["agency"].nunique() > 1
    cols = ([Col("agency", str(T("th.agency", lang)))] if many else []) + [
        Col("year", str(T("th.year", lang)), "year"), Col("name", str(T("th.measure", lang))),
        Col("value", str(T("th.this_year", lang)), "count"), Col("previous_value", str(T("th.prev_year", lang)), "count"),
        Col("change", str(T("th.change", lang)), "signed"), Col("change_pct", str(T("th.change_pct", lang)), "signed_pct")]
    body = table(y, cols, lang)
    return body if len(y) <= 12 else Html(table(y.head(8), cols, lang) + fold(T("fold.rows", lang, n=len(y)), body))


def cross_year(ds, lang: str = "zh") -> Html:
    """The cross-year checks (W1, in-force continuity) summarised; only disagreements listed."""
    c = ds.checks[ds.checks["rule"].astype(str).isin(["W1", "W_IN_FORCE"])]
    if c.empty:
        return sentence(Html(T("chk.cross_none", lang)), lang)
    bad = c[~c["is_passed"].astype(bool)]
    if bad.empty:
        return note(T("chk.cross_all", lang, n=len(c)), "ok-line")
    bad = bad.merge(ds.reports[["report_id", "year"]], on="report_id")
    return join(note(T("chk.cross_some", lang, n=len(c), k=len(bad)), "warn-line"), _failures(bad, lang))


# --- one year across agencies ----------------------------------------------------------------

def compare_header(table_: pd.DataFrame, year: int, lang: str = "zh", level: str = "", region: str = "",
                   min_handled: int = 0) -> Html:
    """The year, how many agencies, and the year's headline figures across them."""
    meta = []
    if level:
        meta.append(T("head.filter_level", lang, x=level_label(level, lang)))
    if region:
        meta.append(T("head.filter_region", lang, x=region))
    n = len(table_)
    items = []
    if n:
        handled = pd.to_numeric(table_["total_processed_count"], errors="coerce")
        rated = table_[handled.fillna(0) >= min_handled]
        rates = pd.to_numeric(rated["disclosed_pct"], errors="coerce").dropna()
        rev = pd.to_numeric(table_["review_count"], errors="coerce")
        lit = pd.to_numeric(table_["litigation_count"], errors="coerce")
        items = [{"label": T("card.agencies", lang), "value": num(n)},
                 {"label": T("card.handled_total", lang), "value": num(handled.sum()), "unit": T("unit.count", lang)},
                 {"label": T("card.median_disclosed", lang), "value": pct(rates.median()) if len(rates) else "—",
                  "sub": T("card.median_disclosed.help", lang, n=len(rates), m=min_handled)},
                 {"label": T("card.reviews_total", lang), "value": num(rev.sum()), "unit": T("unit.count", lang)},
                 {"label": T("card.lawsuits_total", lang), "value": num(lit.sum()), "unit": T("unit.count", lang)}]
    return Html(header(T("head.kicker_compare", lang, year=year), str(T("head.compare_title", lang, year=year, n=n)),
                       meta, []) + cards(items))


def compare_table(table_: pd.DataFrame, year: int, lang: str = "zh", data: str | None = None) -> Html:
    """Every agency of the year, most applications first, each linked to its page; folded when long."""
    if table_.empty:
        return sentence("cmp_none", lang)
    site, reps = site_of(data)
    aid = dict(zip(reps["report_id"], reps["agency_id"], strict=True))
    page = Site.compare(year)
    d = table_.copy()
    d["name"] = [link(page, site.agency_year(aid[r], year), a) if r in aid else Html(esc(a))
                 for r, a in zip(d["report_id"], d["agency"], strict=True)]
    d["lvl"] = [level_label(x, lang) for x in d["level"]]
    flagged = pill(T("cmp.flagged", lang), "plain", plain("cmp.flagged.help", lang))
    d["flagged"] = [str(flagged) if not is_na(x) and bool(x) else "" for x in d["has_flagged_cells"]]
    d = d.sort_values(["new_received_count", "agency"], ascending=[False, True], na_position="last")
    cols = [Col("name", str(T("th.agency", lang)), "html"), Col("lvl", str(T("th.level", lang))),
            Col("new_received_count", str(T("th.new", lang)), "count"),
            Col("total_processed_count", str(T("th.handled", lang)), "count"),
            Col("disclosed_pct", str(T("th.disclosed", lang)), "pct"),
            Col("review_per_100", str(T("th.review_100", lang)), "amount"),
            Col("litigation_per_100", str(T("th.lit_100", lang)), "amount"),
            Col("flagged", str(T("th.flag", lang)), "html")]
    for c in ("review_per_100", "litigation_per_100"):
        d[c] = [np.nan if is_na(v) else round(float(v), 1) for v in d[c]]
    body = table(d, cols, lang)
    return body if len(d) <= 25 else fold(T("fold.rows", lang, n=len(d)), body)


# --- data quality ----------------------------------------------------------------------------

def quality_header(q: dict, year: int | None, lang: str = "zh") -> Html:
    """The dataset's state in five figures: reports, complete share, failing, unparsed, flagged."""
    t = q["totals"].iloc[0]
    reports = _f(t["reports"])
    complete = _f(t["complete_reports"]) if "complete_reports" in t.index else np.nan
    flags = q["flags"]
    flagged = flags[~flags["flag"].astype(str).isin(QUIET)]["cells"].sum() if len(flags) else 0
    items = [{"label": T("card.reports", lang), "value": num(reports)},
             {"label": T("card.complete", lang), "value": num(complete),
              "sub": pct(complete / reports * 100) if reports else "", "help": T("status.complete.help", lang)},
             {"label": T("card.failing", lang), "value": num(t["failing_reports"]),
              "sub": pct(_f(t["failing_reports"]) / reports * 100) if reports else ""},
             {"label": T("card.errors", lang), "value": num(t["errors"])},
             {"label": T("card.flagged", lang), "value": num(flagged)}]
    title = T("head.quality_year", lang, year=year) if year else T("head.quality_all", lang)
    return Html(header(T("head.kicker_quality", lang), str(title), [], []) + cards(items))


def rules_table(per_rule: pd.DataFrame, lang: str = "zh") -> Html:
    """Reports and results failing each rule, with what the rule says (nothing when none fails: the
    chart's sentence says so)."""
    if per_rule.empty:
        return Html("")
    d = per_rule.copy()
    d["name"] = [rule_label(str(r), lang) for r in d["rule"]]
    cols = [Col("name", str(T("th.rule", lang))), Col("reports", str(T("th.reports", lang)), "count"),
            Col("results", str(T("th.results", lang)), "count")]
    return table(d, cols, lang)


def flags_table(flags: pd.DataFrame, lang: str = "zh", flag_reports: pd.DataFrame | None = None) -> Html:
    """Cells by flag and table, every flag with its badge and meaning."""
    if flags.empty:
        return sentence("q_flags", lang)
    piv = flags.pivot_table(index="flag", columns="tbl", values="cells", aggfunc="sum", observed=True).fillna(0)
    order = [f for f in md.FLAGS if f in piv.index] + sorted(set(piv.index) - set(md.FLAGS))
    piv = piv.loc[order]
    d = pd.DataFrame({"flag": piv.index, "meaning": [flag_help(f, lang) for f in piv.index]})
    cols = [Col("flag", str(T("th.flag", lang)), "flag"), Col("meaning", str(T("th.description", lang)))]
    for tbl in ("active_disclosure", "applications", "review_litigation"):
        d[tbl] = piv[tbl].to_numpy() if tbl in piv else 0
        cols.append(Col(tbl, str(T(f"tbl.{tbl}", lang)), "count"))
    d["total"] = d[["active_disclosure", "applications", "review_litigation"]].sum(axis=1)
    cols.append(Col("total", str(T("th.cells", lang)), "count"))
    if flag_reports is not None and len(flag_reports):
        rep = flag_reports.set_index("flag")["reports"]
        d["reports"] = [rep.get(f) for f in d["flag"]]
        cols.append(Col("reports", str(T("th.reports", lang)), "count"))
    return table(d, cols, lang)


def failing_table(failing: pd.DataFrame, lang: str = "zh", data: str | None = None) -> Html:
    """Reports failing a rule: agency (linked), year, the rules and where; folded when long."""
    if failing.empty:
        return sentence("q_failing", lang)
    site, reps = site_of(data)
    ids = {(a, int(y)): i for a, y, i in zip(reps["agency"], reps["year"], reps["agency_id"], strict=True)
           if not is_na(y)}
    page = Site.QUALITY
    rows = []
    for (agency, year), g in failing.groupby(["agency", "year"], sort=True):
        aid = ids.get((agency, int(year)))
        name = link(page, site.agency_year(aid, int(year)), agency) if aid else Html(esc(agency))
        rules = "、".join(f"{r}×{int(n)}" if int(n) > 1 else str(r) for r, n in zip(g["rule"], g["failed_results"],
                                                                                   strict=True))
        scopes = ", ".join(scope_label(s, lang) for sc in g["scopes"] for s in str(sc).split(", "))
        rows.append({"agency": name, "year": int(year), "rules": rules, "n": int(g["failed_results"].sum()),
                     "where": _clip(scopes, 120)})
    d = pd.DataFrame(rows)
    cols = [Col("agency", str(T("th.agency", lang)), "html"), Col("year", str(T("th.year", lang)), "year"),
            Col("rules", str(T("th.rule", lang))), Col("n", str(T("th.failed", lang)), "count"),
            Col("where", str(T("th.scopes", lang)))]
    body = table(d, cols, lang)
    return body if len(d) <= 15 else fold(T("fold.rows", lang, n=len(d)), body)


def errors_table(errors: pd.DataFrame, reports: int, lang: str = "zh") -> Html:
    if errors.empty:
        return sentence("q_errors", lang, n=num(reports))
    cols = [Col("source_file", str(T("th.file", lang))), Col("kind", str(T("th.kind", lang))),
            Col("reason", str(T("th.reason", lang)))]
    body = table(errors, cols, lang)
    return body if len(errors) <= 15 else fold(T("fold.rows", lang, n=len(errors)), body)
