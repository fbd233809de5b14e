"""Charts of the dataset, in one house style, with Chinese that renders (never boxes).

:func:`setup` registers Noto Sans CJK SC (shipped by the ``mplfonts`` package) with matplotlib and
sets the style once; every chart function takes a :class:`~xxgk.dataset.Dataset` and parameters and
returns a matplotlib Figure (no pyplot state, so notebooks show each chart exactly once) with a
title, units and a source line, in Chinese (``lang="zh"``) or English (``lang="en"``).

A chart is drawn only where it shows something: when there is nothing to show (no applications, an
all-zero table, a year without lawsuits) the function returns ``None`` and the page says so in a
sentence (:func:`xxgk.pages.chart`). Values recovered from run-together digits are marked so the
mark still means something: when every value of a chart is recovered one note says so; when only
some are, those bars are hatched; a value that could not be determined gets a "?", never a bar.

Functions for one report take it as a report_id or as an agency with ``year=`` (``outcomes(ds, "平潭综合实验区",
year=2023)``); functions for one agency take its canonical name, the name its report printed, or its id.

Figures are laid out by :class:`HouseFigure` (margins from the measured width of the tick labels and
titles, without the extra drawing passes of constrained layout) and embedded in pages as SVG with
the text kept as text (:func:`to_svg`): a third of the size of a PNG and sharp at any zoom.
"""

from __future__ import annotations

import io
import logging
import re
from functools import cache
from hashlib import sha1
from pathlib import Path

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from . import metadata as md

PALETTE = ["#2f5d8a", "#d98c3f", "#6a9f58", "#b5534b", "#8a6bb0", "#7f7f7f", "#c9a227", "#4bb5b5"]
OUTCOME_COLORS = {"granted": "#2f5d8a", "partially_granted": "#6f9fd0", "denied": "#b5534b", "unable": "#d98c3f",
                  "not_processed": "#8a6bb0", "other": "#9a9a9a"}
FONT_STACK = ("'xxgk CJK', -apple-system, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', "
              "'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Helvetica Neue', Arial, sans-serif")
TEXT = {
    "outcome.granted": ("予以公开", "disclosed in full"), "outcome.partially_granted": ("部分公开", "disclosed in part"),
    "outcome.denied": ("不予公开", "refused"), "outcome.unable": ("无法提供", "unable to provide"),
    "outcome.not_processed": ("不予处理", "not processed"), "outcome.other": ("其他处理", "other handling"),
    "count": ("件数", "count"), "pct": ("占比（%）", "share (%)"), "year": ("年度", "year"),
    "source": ("来源：{what}；xxgk 解析", "Source: {what}; parsed by xxgk"),
    "report": ("{agency}{year}年政府信息公开工作年度报告", "{agency} {year} annual disclosure report"),
    "reports": ("各机关政府信息公开工作年度报告", "agencies' annual disclosure reports"),
    "all_recovered": ("图中数值均由表内勾稽关系恢复（粘连数字的唯一拆分，或扫描件中看不清的数字）",
                      "All values recovered by the table's arithmetic (the only split of run-together digits, or "
                      "unclear scanned digits)"),
    "some_recovered": ("斜线条：数值由表内勾稽关系恢复（粘连数字的唯一拆分，或扫描件中看不清的数字）",
                       "Hatched bars: values recovered by the arithmetic (run-together or unclear scanned digits)"),
    "unknown": ("?：原表数字有多种拆分或无法识别，数值不能确定", "?: the printed digits split in more than one way "
                "or are unreadable; the value is not known"),
    "flag_note": ("* 含由勾稽关系恢复或无法唯一确定的数值", "* includes values recovered by the arithmetic "
                  "or not uniquely determined"),
    "no_data": ("无数据", "no data"),
}
_RECOVERED = ("recovered",)
_UNKNOWN = ("ambiguous", "invalid")
_SUSPECT = _RECOVERED + _UNKNOWN


def _count(k, one: str, many: str | None = None) -> str:
    """An English count and its noun (:func:`xxgk.summaries.count`); a count already written out ('?',
    '1,234') is taken as it is."""
    from .summaries import count

    return count(k, one, many or one + "s")


def t(key: str, lang: str = "zh", **kw) -> str:
    """A UI string in Chinese or English."""
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**kw)


def label(kind: str, code: str, lang: str = "zh") -> str:
    """The label of a code of codes.csv, without the annotations in brackets."""
    text = md.labels(lang).get((kind, code), code)
    return text.split(" (")[0]


@cache
def font_path() -> Path:
    """Noto Sans CJK SC as shipped by mplfonts."""
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


@cache
def setup() -> str:
    """Register the CJK font and set the house style (idempotent). Returns the font family name."""
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    logging.getLogger("matplotlib.font_manager").addFilter(_OneWeight(family))
    _inline_figures()
    # a light grid style (the rc that seaborn's "whitegrid" sets, written out: importing seaborn only for
    # its theme costs most of a kernel's start-up)
    matplotlib.rcParams.update({
        "figure.facecolor": "white", "axes.facecolor": "white", "axes.grid": True, "axes.axisbelow": True,
        "grid.linestyle": "-", "grid.linewidth": 1, "lines.solid_capstyle": "round", "patch.edgecolor": "w",
        "patch.force_edgecolor": True, "patch.linewidth": 1, "axes.linewidth": 1.25, "lines.linewidth": 1.5,
        "xtick.direction": "out", "ytick.direction": "out", "xtick.top": False, "ytick.right": False,
        "xtick.bottom": False, "ytick.left": False, "xtick.major.size": 6, "ytick.major.size": 6,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "legend.frameon": False,
        "font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"], "font.size": 10,
        "axes.unicode_minus": False, "axes.titlesize": 11.5, "axes.titleweight": "normal", "axes.titlelocation": "left",
        "axes.titlepad": 8, "axes.labelsize": 9, "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "legend.fontsize": 8,
        "figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#9aa3ab",
        "grid.color": "#e6e9ec", "text.color": "#1d2329", "axes.labelcolor": "#3c464f",
        "xtick.color": "#3c464f", "ytick.color": "#3c464f", "svg.fonttype": "none", "svg.hashsalt": "xxgk",
    })
    return family


class _OneWeight(logging.Filter):
    """Drops matplotlib's "Failed to find font weight bold for <the CJK font>": the font ships one weight,
    so a bold title (``fontweight="bold"``) is drawn in it at its regular weight, and Chinese still shows.
    Every other font message (a missing glyph, another font not found) still gets through."""

    def __init__(self, family: str):
        super().__init__()
        self.family = family

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not (msg.startswith("findfont: Failed to find font weight") and f" for {self.family}," in msg)


def _inline_figures() -> None:
    """In IPython/Jupyter, show returned Figures as SVG (charts here never touch pyplot)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg")


# --- layout --------------------------------------------------------------------------------

@cache
def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height in inches of one line of text in the house font (cached: labels repeat)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    fp = FontProperties(family=matplotlib.rcParams["font.sans-serif"], size=size)
    w, h, _ = text_to_path.get_text_width_height_descent(text or " ", fp, ismath=False)
    return w / 72, max(h, size * 0.9) / 72


def _lines_height(texts, size: float, spacing: float = 1.35) -> float:
    return sum(len(str(x).split("\n")) for x in texts if str(x)) * size * spacing / 72


def _widest(texts, size: float) -> float:
    return max([_text_size(line, size)[0] for s in texts for line in str(s).split("\n")] or [0.0])


def _tick_texts(axis) -> list[str]:
    if not axis.get_visible() or not axis.get_major_ticks():
        return []
    locs = axis.get_majorticklocs()
    lo, hi = sorted(axis.get_view_interval())
    locs = [v for v in locs if lo - 1e-9 <= v <= hi + 1e-9]
    try:
        return [s for s in axis.get_major_formatter().format_ticks(locs) if s]
    except Exception:  # a formatter that needs a drawn figure: fall back to the locations
        return [f"{v:g}" for v in locs]


class HouseFigure(Figure):
    """A Figure that lays itself out just before it is drawn (:func:`fit`): margins from the measured
    size of tick labels, axis labels, titles, legends and notes.

    One pass over the text, no drawing: constrained layout (or any layout engine, for which
    ``savefig`` draws once more first) costs most of a chart's rendering time. Enough for the charts
    here: one axes, maybe a twin on the right, legends above or below the plot.
    """

    def draw(self, renderer):
        for ax in self.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if type(axis.get_major_formatter()) is matplotlib.ticker.ScalarFormatter:
                    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: tidy(v)))
        fit(self)
        super().draw(renderer)


def tidy(v) -> str:
    """A number for a tick or a label: thousands separators, no trailing '.0' (a count is never 3.0)."""
    v = float(v)
    if v.is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


PAD = 0.1  # inches around everything


class _Fit:
    PAD = PAD

    def execute(self, fig):
        w, h = fig.get_size_inches()
        axes = [ax for ax in fig.axes if ax.get_visible()]
        if not axes:
            return
        left = right = bottom = top = self.PAD
        rc = matplotlib.rcParams
        for ax in axes:
            on_right = ax.yaxis.get_label_position() == "right"
            ywidth = _widest(_tick_texts(ax.yaxis), rc["ytick.labelsize"]) + 0.07
            if ax.get_ylabel():
                ywidth += rc["axes.labelsize"] * 1.5 / 72
            if on_right:
                right = max(right, self.PAD + ywidth)
            else:
                left = max(left, self.PAD + ywidth)
            xt = _tick_texts(ax.xaxis)
            lines = max((len(t.split("\n")) for t in xt), default=0)
            xh = (lines * rc["xtick.labelsize"] * 1.35 / 72 + 0.12) if xt else 0
            if ax.get_xlabel():
                xh += rc["axes.labelsize"] * 1.5 / 72
            notes = getattr(fig, "_xxgk_notes", [])
            nh = _lines_height(notes, 7.5) + (0.05 if notes else 0)
            leg = ax.get_legend()
            below = above = 0.0
            if leg is not None:
                rows = getattr(leg, "_xxgk_rows", 1)
                lh = rows * rc["legend.fontsize"] * 1.9 / 72 + 0.06
                if getattr(leg, "_xxgk_where", "") == "below":
                    below = lh
                elif getattr(leg, "_xxgk_where", "") == "above":
                    above = lh
            bottom = max(bottom, self.PAD + xh + nh + below)
            title = ax.get_title(loc="left") or ax.get_title()
            th = _lines_height([title], rc["axes.titlesize"], 1.3) + 0.1 if title else 0.05
            top = max(top, self.PAD + th + above)
        if fig._suptitle is not None and fig._suptitle.get_text():
            top += _lines_height([fig._suptitle.get_text()], 12) + 0.05
        lf, rf = min(left / w, 0.6), 1 - min(right / w, 0.3)
        bf, tf = min(bottom / h, 0.6), 1 - min(top / h, 0.35)
        if rf - lf < 0.15 or tf - bf < 0.15:
            return
        fig.subplots_adjust(left=lf, right=rf, bottom=bf, top=tf)
        for ax in axes:
            leg = ax.get_legend()
            where = getattr(leg, "_xxgk_where", "") if leg is not None else ""
            title = ax.get_title(loc="left")
            if where == "above" and title:  # the title goes above the legend
                lh = getattr(leg, "_xxgk_rows", 1) * rc["legend.fontsize"] * 1.9 / 72 + 0.08
                ax.set_title(title, loc="left", y=1 + lh / max((tf - bf) * h, 0.5))
            elif where == "below":  # under the tick labels (and the axis label), above the notes
                xt = _tick_texts(ax.xaxis)
                lines = max((len(t.split("\n")) for t in xt), default=0)
                gap = (lines * rc["xtick.labelsize"] * 1.35 / 72 + 0.12 if xt else 0) + (
                    rc["axes.labelsize"] * 1.5 / 72 if ax.get_xlabel() else 0)
                leg.set_bbox_to_anchor((lf, bf - gap / h), transform=fig.transFigure)
        notes = getattr(fig, "_xxgk_notes", [])
        for txt in getattr(fig, "_xxgk_note_artists", []):
            txt.set_position((self.PAD / w, self.PAD / h))
        if notes and not getattr(fig, "_xxgk_note_artists", None):
            fig._xxgk_note_artists = [fig.text(self.PAD / w, self.PAD / h, "\n".join(notes), fontsize=7.5,
                                               color="#5b6670", ha="left", va="bottom", linespacing=1.35)]


def fit(fig: Figure) -> None:
    """Set a figure's margins from its text (see :class:`HouseFigure`)."""
    _Fit().execute(fig)


def _figure(width: float = 8, height: float = 4.2) -> tuple[Figure, object]:
    setup()
    fig = HouseFigure(figsize=(width, height))
    fig._xxgk_notes = []
    return fig, fig.add_subplot()


def _note(fig: Figure, text: str) -> None:
    if text and text not in fig._xxgk_notes:
        fig._xxgk_notes.append(text)


def _source(fig: Figure, what: str, lang: str, flagged: bool = False) -> None:
    """The source line under a chart (notes about flagged values go above it)."""
    if flagged and not any(k in n for n in fig._xxgk_notes for k in ("?", "粘连", "run-together")):
        _note(fig, t("flag_note", lang))
    _note(fig, t("source", lang, what=what))


def _legend(ax, where: str = "below", ncols: int = 4, **kw):
    """A legend above or below the plot, out of the data's way; the layout leaves room for it."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    n = min(ncols, len(handles))
    if where == "below":
        leg = ax.legend(handles, labels, ncols=n, loc="upper left", bbox_to_anchor=(0, -0.12 if ax.get_xlabel() else -0.07),
                        frameon=False, borderaxespad=0, handlelength=1.2, columnspacing=1.2, **kw)
    else:
        leg = ax.legend(handles, labels, ncols=n, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False,
                        borderaxespad=0.2, handlelength=1.2, columnspacing=1.2, **kw)
    leg._xxgk_where = where
    leg._xxgk_rows = -(-len(handles) // n)
    return leg


def _source_below(fig: Figure, what: str, lang: str) -> None:
    """The source line of a figure laid out by matplotlib's constrained layout (several stacked axes)."""
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))
    fig.text(0.01, 0.01, t("source", lang, what=what), fontsize=7.5, color="#555555", ha="left", va="bottom")


def _empty(ax, lang: str) -> None:
    """Mark a figure as showing nothing (pages print a sentence instead); library users still see why."""
    ax.figure._xxgk_empty = True
    ax.text(0.5, 0.5, t("no_data", lang), ha="center", va="center", transform=ax.transAxes, color="#777777")
    ax.set_xticks([])
    ax.set_yticks([])


class NoChart:
    """What a chart function returns instead of a figure when it has nothing to show and knows a more
    precise sentence than the page's default: a key of page_text.csv's ``empty.*`` and its values."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"NoChart({self.key!r})"


def is_empty(fig) -> bool:
    """True when a chart shows nothing: None, a NoChart, marked empty, or an axes without a visible mark."""
    if fig is None or isinstance(fig, NoChart) or getattr(fig, "_xxgk_empty", False):
        return True
    return any(not _data_marks(ax) for ax in fig.axes if ax.get_visible())


def _data_marks(ax) -> list:
    marks = []
    for p in ax.patches:
        if p.get_visible() and (not hasattr(p, "get_width") or (p.get_width() and p.get_height())):
            marks.append(p)
    for ln in ax.lines:
        y = np.asarray(ln.get_ydata(), dtype=float) if len(ln.get_ydata()) else np.array([])
        if ln.get_visible() and y.size and np.isfinite(y).any():
            marks.append(ln)
    for c in ax.collections:
        if c.get_visible() and (len(c.get_paths()) or len(c.get_offsets())):
            marks.append(c)
    marks += [im for im in ax.images if im.get_visible()]
    return marks


def to_svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element: text as text in the page's font stack, ids unique
    to this figure, data marks tagged (``id="…markN"``) so a reader test can tell an empty panel."""
    n = 0
    for ax in fig.axes:
        for a in _data_marks(ax):
            n += 1
            a.set_gid(f"mark{n}")
    title = next((ax.get_title(loc="left") or ax.get_title() for ax in fig.axes
                  if ax.get_title(loc="left") or ax.get_title()), "")
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "xxgk"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    s = buf.getvalue()
    s = s[s.index("<svg"):]
    s = re.sub(r"<!--.*?-->", "", s, flags=re.S)
    s = re.sub(r"<metadata>.*?</metadata>", "", s, flags=re.S)
    s = re.sub(r">\s+<", "><", s)
    s = re.sub(r"font-family:[^;\"]+", "font-family: " + FONT_STACK.replace('"', "'"), s)
    prefix = "f" + sha1(s.encode()).hexdigest()[:6] + "-"
    ids = set(re.findall(r'\bid="([^"]+)"', s))
    if ids:
        pat = re.compile(r'(\bid="|#)(' + "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
                         + r')(?=["\)])')
        s = pat.sub(lambda m: m.group(1) + prefix + m.group(2), s)
    from html import escape

    s = s.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    from .pages import defang

    return defang(s.strip())


# --- helpers for values and their flags ----------------------------------------------------

def _floats(values) -> np.ndarray:
    """Counts as float with NaN for a missing value, whether they come as Int64, Float64 or float."""
    s = pd.Series(values)
    return pd.to_numeric(s.astype("object").where(s.notna(), np.nan), errors="coerce").to_numpy(dtype=float)


def _report(ds, report: str, year: int | None) -> tuple[str, pd.Series]:
    """A report given as report_id, or as an agency (name, as printed, or id) and year: its id and its
    reports row."""
    from .dataset import report_id

    rid = report_id(ds, report, year)
    return rid, ds.reports.set_index("report_id").loc[rid]


def _agency_id(ds, agency: str) -> str:
    """An agency given by canonical name, as printed, or agency_id."""
    from .dataset import agency_id

    return agency_id(ds, agency)


def _cells(df: pd.DataFrame, report_id: str) -> pd.DataFrame:
    return df[df["report_id"] == report_id]


def _flags(values) -> list[str]:
    return ["" if (f is None or f is pd.NA or (isinstance(f, float) and np.isnan(f))) else str(f) for f in values]


def _count_axis(ax, values, axis: str = "x") -> None:
    """Counts start at 0 with integer ticks; the top leaves room for the value labels."""
    vals = [v for v in _floats(values) if np.isfinite(v)]
    top = max(vals) if vals else 0
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, top * 1.18 if top > 0 else 1)
    (ax.xaxis if axis == "x" else ax.yaxis).get_major_locator().set_params(integer=True)


def _mark_flags(fig, bars, flags: list[str], lang: str) -> None:
    """Recovered values: one note when all are, hatching when some are; unknown values: a note ("?")."""
    rec = [f in _RECOVERED for f in flags]
    shown = [f for f, b in zip(flags, bars, strict=True) if b is not None]
    if shown and all(f in _RECOVERED for f in shown):
        _note(fig, t("all_recovered", lang))
    elif any(rec):
        for b, r in zip(bars, rec, strict=True):
            if r and b is not None:
                b.set_hatch("////")
                b.set_edgecolor("white")
        _note(fig, t("some_recovered", lang))
    if any(f in _UNKNOWN for f in flags):
        _note(fig, t("unknown", lang))


def _bar_labels(ax, bars, values, flags=None, fmt="{:,.0f}") -> None:
    """Value labels at the end of horizontal bars; '?' where the value is not known."""
    vals = _floats(values)
    if ax.get_xscale() == "linear":
        _count_axis(ax, vals)
    elif np.isfinite(vals).any():  # a log axis: room for the labels after the longest bar
        ax.set_xlim(0, float(np.nanmax(vals)) * 6)
    flags = flags or [""] * len(vals)
    for b, v, f in zip(bars, vals, flags, strict=True):
        y = b.get_y() + b.get_height() / 2
        if f in _UNKNOWN or not np.isfinite(v):
            ax.text(0, y, " ?", va="center", fontsize=8.5, color="#b5534b", fontweight="bold")
            continue
        ax.text(b.get_width() if b.get_width() else 0, y, " " + (fmt(v) if callable(fmt) else fmt.format(v)),
                va="center", fontsize=8)


def _hbars(fig, ax, names, values, flags, lang, color=PALETTE[0], fmt="{:,.0f}", fontsize=8.5):
    vals = _floats(values)
    flags = _flags(flags)
    y = np.arange(len(names))[::-1]
    colors = color if isinstance(color, list) else [color] * len(names)
    bars = ax.barh(y, np.nan_to_num(vals), color=colors, height=0.66)
    ax.set_yticks(y, names, fontsize=fontsize)
    ax.grid(axis="y", visible=False)
    _bar_labels(ax, bars, vals, flags, fmt)
    _mark_flags(fig, list(bars), flags, lang)
    return bars


def _height(n: int, base: float = 1.3, per: float = 0.3) -> float:
    return max(2.0, base + per * n)


# --- one agency, one year ------------------------------------------------------------------

def publication_volumes(ds, report: str, lang: str = "zh", *, year: int | None = None) -> Figure | None:
    """Table 2 counts as horizontal bars (the non-zero ones), fees in the title; None when all are 0."""
    report_id, rep = _report(ds, report, year)
    df = _cells(ds.active_disclosure, report_id)
    counts = df[~df["measure"].isin(["amount_10k_yuan", "procurement_amount"]) & df["item"].notna()]
    vals = _floats(counts["value"])
    keep = (np.nan_to_num(vals) != 0) | pd.Series(_flags(counts["flag"])).isin(_UNKNOWN).to_numpy()
    counts = counts[keep]
    if counts.empty:
        return None
    names = [f"{label('table2', i, lang)} · {label('table2_measure', m, lang)}"
             for i, m in zip(counts["item"], counts["measure"], strict=True)]
    fig, ax = _figure(8, _height(len(names)))
    _hbars(fig, ax, names, counts["value"], counts["flag"], lang)
    fee = df[df["measure"] == "amount_10k_yuan"]["amount"]
    fee_txt = ""
    if len(fee) and pd.notna(fee.iloc[0]) and float(fee.iloc[0]) > 0:
        fee_txt = (f"；行政事业性收费 {float(fee.iloc[0]):,.4g} 万元" if lang == "zh"
                   else f"; administrative fees {float(fee.iloc[0]):,.4g} (10k yuan)")
    ax.set_title(("主动公开：文件与处理决定（件）" if lang == "zh" else "Proactive disclosure: documents and decisions")
                 + fee_txt)
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang)
    return fig


def applications_by_applicant(ds, report: str, lang: str = "zh", *, year: int | None = None) -> Figure | None:
    """New applications by applicant type; None when the report has no new application."""
    report_id, rep = _report(ds, report, year)
    a = _cells(ds.applications, report_id)
    new = a[(a["row"] == "new_received") & (a["applicant"] != "total")]
    vals = _floats(new["value"])
    flags = _flags(new["flag"])
    if new.empty or (np.nansum(vals) == 0 and not any(f in _UNKNOWN for f in flags)):
        return None
    fig, ax = _figure(7.2, _height(len(new), 1.5))
    _hbars(fig, ax, [label("table3_applicant", c, lang) for c in new["applicant"]], vals, flags, lang,
           color=PALETTE[1])

    def tot(row):
        v = a[(a["row"] == row) & (a["applicant"] == "total")]
        if v.empty or _flags(v["flag"])[0] in _UNKNOWN:
            return "?"
        x = _floats(v["value"])[0]
        return f"{x:,.0f}" if np.isfinite(x) else "0"

    if lang == "zh":
        ax.set_title(f"本年新收申请 {tot('new_received')} 件（上年结转 {tot('carried_over')} 件）：按申请人")
    else:
        ax.set_title(f"New applications: {tot('new_received')} (carried over {tot('carried_over')}), by applicant")
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang)
    return fig


def _group_values(ds, report_id: str) -> tuple[list[float], list[str], float]:
    """Outcome groups of a report (总计 column): counts, a flag per group, and the total handled."""
    from .dataset import OUTCOME_GROUPS

    a = _cells(ds.applications, report_id)
    tot = a[a["applicant"] == "total"].set_index("row")
    shares = ds.outcome_shares.set_index("report_id")
    sh = shares.loc[report_id] if report_id in shares.index else None
    vals, flags = [], []
    for g, rows in OUTCOME_GROUPS.items():
        fl = _flags(tot.reindex([r for r in rows if r in tot.index])["flag"])
        flags.append("ambiguous" if any(f in _UNKNOWN for f in fl) else
                     "recovered" if fl and all(f == "recovered" for f in fl if f) and any(fl) else "")
        vals.append(float(_floats([sh[f"{g}_count"]])[0]) if sh is not None else np.nan)
    total = float(_floats([sh["total_processed_count"]])[0]) if sh is not None else np.nan
    return vals, flags, total


def outcomes(ds, report: str, lang: str = "zh", *, year: int | None = None) -> Figure | NoChart | None:
    """What happened to the applications handled: the six outcome groups, with their share of the total."""
    report_id, rep = _report(ds, report, year)
    vals, flags, total = _group_values(ds, report_id)
    if np.nansum(vals) == 0 and not any(f in _UNKNOWN for f in flags):
        if np.isfinite(total) and total > 0:  # （七）总计 printed, every outcome row 0: R2 fails
            return NoChart("outcomes_zero", n=f"{total:,.0f}")
        return None
    from .dataset import OUTCOME_GROUPS

    groups = list(OUTCOME_GROUPS)
    fig, ax = _figure(7.2, 2.9)
    y = np.arange(len(groups))[::-1]
    bars = ax.barh(y, np.nan_to_num(vals), color=[OUTCOME_COLORS[g] for g in groups], height=0.66)
    ax.set_yticks(y, [t(f"outcome.{g}", lang) for g in groups])
    ax.grid(axis="y", visible=False)
    _count_axis(ax, vals)
    for b, v, f in zip(bars, vals, flags, strict=True):
        yy = b.get_y() + b.get_height() / 2
        if f in _UNKNOWN or not np.isfinite(v):
            ax.text(0, yy, " ?", va="center", fontsize=8.5, color="#b5534b", fontweight="bold")
            continue
        share = f"（{v / total * 100:.1f}%）" if np.isfinite(total) and total > 0 else ""
        ax.text(b.get_width(), yy, f" {v:,.0f}" + (share if lang == "zh" else share.replace("（", " (")
                                                    .replace("）", ")")), va="center", fontsize=8)
    _mark_flags(fig, list(bars), flags, lang)
    n = f"{total:,.0f}" if np.isfinite(total) else "?"
    ax.set_title(f"办理结果：共办理 {n} 件" if lang == "zh" else f"Outcomes: {_count(n, 'application')} handled")
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang)
    return fig


def reasons(ds, report: str, lang: str = "zh", *, year: int | None = None) -> Figure | None:
    """The reasons within refused, unable and not processed (总计 column, the non-zero ones)."""
    report_id, rep = _report(ds, report, year)
    a = _cells(ds.applications, report_id)
    tot = a[a["applicant"] == "total"].set_index("row")
    leaves = [r for r in md.codes_of("table3_row") if r.startswith(("denied_", "unable_", "rejected_"))]
    rows = []
    for r in leaves:
        if r not in tot.index:
            continue
        v = _floats([tot.loc[r, "value"]])[0]
        f = _flags([tot.loc[r, "flag"]])[0]
        if (np.isfinite(v) and v > 0) or f in _UNKNOWN:
            rows.append((r, v, f))
    if not rows:
        return None
    fig, ax = _figure(8, _height(len(rows), 1.3, 0.3))
    color = [OUTCOME_COLORS["denied" if r.startswith("denied") else "unable" if r.startswith("unable")
                           else "not_processed"] for r, _, _ in rows]
    _hbars(fig, ax, [label("table3_row", r, lang) for r, _, _ in rows], [v for _, v, _ in rows],
           [f for _, _, f in rows], lang, color=color, fontsize=8)
    ax.set_title("不予公开、无法提供、不予处理的理由（件）" if lang == "zh"
                 else "Reasons: refused, unable to provide, not processed")
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang)
    return fig


def review_litigation(ds, report: str, lang: str = "zh", *, year: int | None = None) -> Figure | None:
    """Reviews and lawsuits by result (Table 4) as grouped bars; None when there were none."""
    report_id, rep = _report(ds, report, year)
    r = _cells(ds.review_litigation, report_id)
    r = r[r["flag"].astype("object") != "missing"]
    vals = _floats(r["value"])
    if r.empty or (np.nansum(vals) == 0 and not any(f in _UNKNOWN for f in _flags(r["flag"]))):
        return None
    fig, ax = _figure(8, 3.3)
    outs = [o for o in md.TABLE4_OUTCOMES if o != "total"]
    procs = list(md.TABLE4_PROCEEDINGS)
    x = np.arange(len(procs))
    w = 0.19
    cells = {(str(p), str(o)): (v, f) for p, o, v, f in zip(r["proceeding"].astype("object"), r["outcome"].astype("object"),
                                                            vals, _flags(r["flag"]), strict=True)}
    unknown = any(f in _UNKNOWN for _, f in cells.values())
    heights = [1.0]
    for k, o in enumerate(outs):
        hs = [float(np.nan_to_num(cells.get((p, o), (0.0, ""))[0])) for p in procs]
        heights += hs
        bars = ax.bar(x + (k - 1.5) * w, hs, w, label=label("table4_outcome", o, lang), color=PALETTE[k])
        for b, h in zip(bars, hs, strict=True):
            if h > 0:
                ax.text(b.get_x() + b.get_width() / 2, h, f"{h:,.0f}", ha="center", va="bottom", fontsize=7.5)
    ax.set_xticks(x, [label("table4_proceeding", p, lang).replace(" · ", "\n") for p in procs])
    ax.grid(axis="x", visible=False)
    _count_axis(ax, heights, axis="y")
    ax.set_ylabel(t("count", lang))
    _legend(ax, "above", 4)
    if unknown:
        _note(fig, t("unknown", lang))
    fl = [f for _, f in cells.values()]
    if fl and all(f in _RECOVERED for f in fl):
        _note(fig, t("all_recovered", lang))
    totals = {p: float(np.nan_to_num(cells.get((p, "total"), (0.0, ""))[0])) for p in procs}
    lit = totals["litigation_direct"] + totals["litigation_after_review"]
    ax.set_title(f"行政复议 {totals['review']:,.0f} 件，行政诉讼 {lit:,.0f} 件：按结果" if lang == "zh"
                 else f"Reviews {totals['review']:,.0f}, lawsuits {lit:,.0f}: by result")
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang)
    return fig


# --- across years --------------------------------------------------------------------------

def _years_axis(ax, years) -> None:
    years = sorted({int(y) for y in years})
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    ax.grid(axis="x", visible=False)


def trend_lines(ds, measure: str, lang: str = "zh", title: str | None = None) -> Figure | None:
    """One line per agency of a year_over_year measure across years; None when no year has a value
    above 0 (a line of zeros says nothing the page's sentence cannot)."""
    y = ds.year_over_year
    d = y[y["measure"] == measure].copy()
    d["v"] = _floats(d["value"])
    if d.empty or not (np.nan_to_num(d["v"].to_numpy()) > 0).any():
        return None
    fig, ax = _figure(8, 3.4)
    many = d["agency"].nunique() > 1
    for k, (name, g) in enumerate(d.groupby("agency", observed=True)):
        g = g.sort_values("year")
        ax.plot(g["year"].astype(int), g["v"], marker="o", label=name, color=PALETTE[k % len(PALETTE)], lw=1.8,
                ms=5)
        if not many:
            for xx, vv in zip(g["year"].astype(int), g["v"], strict=True):
                if np.isfinite(vv):
                    ax.annotate(f"{vv:,.0f}", (xx, vv), textcoords="offset points", xytext=(0, 6), ha="center",
                                fontsize=8)
    _years_axis(ax, d["year"])
    _count_axis(ax, d["v"], axis="y")
    if many:
        _legend(ax, "below", 3)
    ax.set_ylabel(t("count", lang))
    ax.set_title(title or measure)
    _source(fig, t("reports", lang), lang)
    return fig


def outcome_shares_by_year(ds, agency: str, lang: str = "zh") -> Figure | None:
    """Stacked outcome shares (% of applications handled) per year for one agency; None when no year
    handled an application."""
    agency_id = _agency_id(ds, agency)
    from .dataset import OUTCOME_GROUPS

    o = ds.outcome_shares.merge(ds.reports[["report_id", "agency_id"]], on="report_id")
    o = o[(o["agency_id"] == agency_id)].sort_values("year")
    o = o[np.nan_to_num(_floats(o["total_processed_count"])) > 0]
    if o.empty:
        return None
    fig, ax = _figure(8, 3.8)
    bottom = np.zeros(len(o))
    years = o["year"].astype(int).to_numpy()
    for g in OUTCOME_GROUPS:
        v = np.nan_to_num(_floats(o[f"{g}_pct"]))
        ax.bar(years, v, bottom=bottom, color=OUTCOME_COLORS[g], label=t(f"outcome.{g}", lang), width=0.62)
        bottom += v
    _years_axis(ax, years)
    ax.set_ylabel(t("pct", lang))
    ax.set_ylim(0, max(100, float(bottom.max())) * 1.06)
    over = years[bottom > 100.5]
    if len(over):  # outcome rows add up to more than the printed total: R2 fails in the published table
        ax.axhline(100, color="#444444", lw=0.8, ls="--")
        for yr in over:
            ax.annotate("R2 不符" if lang == "zh" else "R2 fails", (yr, bottom[list(years).index(yr)]),
                        textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7, color="#b5534b")
    _legend(ax, "below", 6)
    name = o["agency"].iloc[0]
    ax.set_title(f"{name}：办理结果构成（占办理总数 %）" if lang == "zh" else f"{name}: outcomes, % of applications handled")
    _source(fig, t("reports", lang), lang)
    return fig


def reasons_by_year(ds, agency: str, lang: str = "zh") -> Figure | None:
    """Refusal, unable and not-processed reasons per year for one agency (总计 column); None when none."""
    agency_id = _agency_id(ds, agency)
    a = ds.applications.merge(ds.reports[["report_id", "agency_id", "year"]], on="report_id")
    a = a[(a["agency_id"] == agency_id) & (a["applicant"] == "total")
          & a["row"].astype(str).str.match(r"^(denied_|unable_|rejected_)")].copy()
    a["v"] = _floats(a["value"])
    piv = a.pivot_table(index="year", columns="row", values="v", aggfunc="sum", observed=True).fillna(0)
    piv = piv.loc[:, piv.sum() > 0] if not piv.empty else piv
    if piv.empty or piv.shape[1] == 0:
        return None
    fig, ax = _figure(8, 3.4 + 0.16 * piv.shape[1])
    bottom = np.zeros(len(piv))
    years = piv.index.astype(int).to_numpy()
    colors = matplotlib.colormaps["tab20"].colors
    for k, col in enumerate(piv.columns):
        v = piv[col].astype(float).to_numpy()
        ax.bar(years, v, bottom=bottom, label=label("table3_row", str(col), lang), color=colors[k % 20], width=0.62)
        bottom += v
    _years_axis(ax, years)
    _count_axis(ax, bottom, axis="y")
    ax.set_ylabel(t("count", lang))
    _legend(ax, "below", 2 if lang == "en" else 3)
    ax.set_title("理由构成：不予公开、无法提供、不予处理（件）" if lang == "zh"
                 else "Reasons for refusal, unable to provide, not processed")
    _source(fig, t("reports", lang), lang)
    return fig


def correction_rates_by_year(ds, agency: str, lang: str = "zh") -> Figure | None:
    """Reviews and lawsuits per year (bars) and their correction rates (points, where a case was
    concluded); None when the agency had none in any year."""
    agency_id = _agency_id(ds, agency)
    r = ds.review_litigation_rates
    r = r[(r["report_id"].isin(ds.reports[ds.reports["agency_id"] == agency_id]["report_id"]))
          & r["proceeding"].isin(["review", "litigation"])]
    if r.empty or np.nansum(_floats(r["total_count"])) == 0:
        return None
    years = sorted(r["year"].astype(int).unique())
    fig, ax = _figure(8, 3.6)
    w = 0.34
    names = {"review": ("行政复议", "reviews"), "litigation": ("行政诉讼", "lawsuits")}
    tops = []
    for k, p in enumerate(["review", "litigation"]):
        g = r[r["proceeding"] == p].set_index("year").reindex(years)
        v = np.nan_to_num(_floats(g["total_count"]))
        tops += list(v)
        bars = ax.bar(np.array(years) + (k - 0.5) * w, v, w, color=PALETTE[k], label=names[p][0 if lang == "zh" else 1])
        for b, h in zip(bars, v, strict=True):
            if h > 0:
                ax.text(b.get_x() + b.get_width() / 2, h, f"{h:,.0f}", ha="center", va="bottom", fontsize=7.5)
    ax.set_ylabel(t("count", lang))
    _count_axis(ax, tops, axis="y")
    rates = r[["proceeding", "year", "correction_pct"]].copy()
    rates["c"] = _floats(rates["correction_pct"])
    if rates["c"].notna().any():
        ax2 = ax.twinx()
        for k, p in enumerate(["review", "litigation"]):
            g = rates[rates["proceeding"] == p].set_index("year").reindex(years)
            if g["c"].notna().any():
                ax2.plot(np.array(years) + (k - 0.5) * w, g["c"], "D", color=PALETTE[k + 3], ms=6,
                         label=("复议纠错率" if p == "review" else "诉讼纠错率") if lang == "zh"
                         else f"{names[p][1]}: % corrected")
        ax2.set_ylim(0, 105)
        ax2.set_ylabel("纠错率（%）" if lang == "zh" else "corrected (%)")
        ax2.grid(False)
        ax2.spines["right"].set_visible(True)
        h2, l2 = ax2.get_legend_handles_labels()
    else:
        h2, l2 = [], []
    _years_axis(ax, years)
    h1, l1 = ax.get_legend_handles_labels()
    leg = ax.legend(h1 + h2, l1 + l2, ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False,
                    borderaxespad=0.2, handlelength=1.2)
    leg._xxgk_where, leg._xxgk_rows = "above", 1
    ax.set_title("行政复议、行政诉讼及纠错率" if lang == "zh" else "Reviews, lawsuits and correction rates")
    _source(fig, t("reports", lang), lang)
    return fig


# --- across agencies -----------------------------------------------------------------------

def ranked_bars(df: pd.DataFrame, value: str, name: str = "agency", top_n: int = 20, lang: str = "zh",
                title: str = "", unit: str = "", fmt: str = "{:,.0f}") -> Figure | NoChart | None:
    """Agencies ranked by a value, the top N (the rest summarised in the title; those at 0 counted in a
    note); None when fewer than two agencies have a value or every value is 0, a NoChart sentence when
    only one is above 0."""
    d = df[[name, value]].copy()
    d[value] = _floats(d[value])
    d = d.dropna().sort_values([value, name], ascending=[False, True])
    zeros = int((d[value] == 0).sum())
    if len(d) < 2 or (d[value] > 0).sum() < 1:
        return None
    d = d[d[value] != 0]  # a bar of 0 shows nothing: a note counts them instead
    if len(d) == 1:  # one bar is a sentence, not a ranking
        v = float(d[value].iloc[0])
        shown_v = f"{v:.1f}%" if unit == "%" else (fmt.format(v) if fmt == "{:,.0f}" else tidy(round(v, 1)))
        if unit and unit != "%" and fmt != "{:,.0f}":  # a rate with its unit ("2.5 件/百件")
            shown_v = f"{shown_v} {unit}"
        return NoChart("rank_single_titled" if title else "rank_single", title=title, name=str(d[name].iloc[0]),
                       value=shown_v, n=zeros)
    shown = d.head(top_n)
    fig, ax = _figure(8, _height(len(shown), 1.3, 0.27))
    y = np.arange(len(shown))[::-1]
    bars = ax.barh(y, shown[value], color=PALETTE[0], height=0.66)
    ax.set_yticks(y, shown[name].astype(str), fontsize=8)
    ax.grid(axis="y", visible=False)
    if fmt != "{:,.0f}":  # a rate: one decimal, with its % sign, never a bare "2.0"
        label_fmt = (lambda v: f"{v:.1f}%") if unit == "%" else (lambda v: tidy(round(v, 1)))
    else:
        label_fmt = fmt
    _bar_labels(ax, bars, shown[value].tolist(), fmt=label_fmt)
    if fmt != "{:,.0f}":
        ax.xaxis.get_major_locator().set_params(integer=False)
    ax.set_xlabel(unit)
    more = len(d) - len(shown)
    if more > 0:
        title += f"（前 {top_n} 名，共 {len(d)} 个机关）" if lang == "zh" else f" (top {top_n} of {len(d)})"
    if zeros:
        _note(fig, f"另有 {zeros} 个机关为 0，未画出" if lang == "zh" else
              f"{_count(zeros, 'more agency', 'more agencies')} at 0 {'is' if zeros == 1 else 'are'} not drawn")
    ax.set_title(title)
    _source(fig, t("reports", lang), lang)
    return fig


def outcome_heatmap(shares: pd.DataFrame, top_n: int = 30, lang: str = "zh") -> Figure | None:
    """Outcome shares (%) per agency as a heatmap, the agencies with most applications first; None
    when fewer than two agencies handled an application."""
    import seaborn as sns

    from .dataset import OUTCOME_GROUPS

    d = shares.assign(_n=_floats(shares["total_processed_count"]))
    d = d[d["_n"].fillna(0) > 0].sort_values("_n", ascending=False).head(top_n)
    if len(d) < 2:
        return None
    cols = [f"{g}_pct" for g in OUTCOME_GROUPS]
    fig, ax = _figure(8.2, _height(len(d), 1.5, 0.27))
    mat = pd.DataFrame({c: _floats(d[c]) for c in cols}, index=d["agency"].astype(str).to_numpy())
    mat.columns = [t(f"outcome.{g}", lang) for g in OUTCOME_GROUPS]
    sns.heatmap(mat, ax=ax, annot=True, fmt=".0f", cmap="Blues", vmin=0, vmax=100, cbar=False,
                annot_kws={"fontsize": 7.5}, linewidths=0.5, linecolor="white")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=8, rotation=0)
    ax.tick_params(axis="x", labelsize=8.5, rotation=0)
    ax.set_title("各机关办理结果构成（占办理总数 %）" if lang == "zh" else "Outcome shares by agency (% of handled)")
    _source(fig, t("reports", lang), lang)
    return fig


def distribution(values: pd.Series, lang: str = "zh", title: str = "", unit: str = "",
                 min_n: int = 20) -> Figure | None:
    """A histogram for many agencies (instead of one bar each); None for fewer than ``min_n`` values,
    where the ranked bars already show every agency."""
    v = pd.Series(_floats(values)).dropna()
    if len(v) < max(min_n, 2):
        return None
    fig, ax = _figure(7.2, 3.2)
    ax.hist(v, bins=min(40, max(5, int(np.sqrt(len(v))))), color=PALETTE[0])
    ax.axvline(v.median(), color=PALETTE[3], ls="--", label=("中位数 " if lang == "zh" else "median ")
               + tidy(round(float(v.median()), 1)) + ("%" if unit == "%" else ""))
    _legend(ax, "above", 1)
    ax.set_xlabel(unit)
    ax.set_ylabel("机关数" if lang == "zh" else "agencies")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title)
    _source(fig, t("reports", lang), lang)
    return fig


# --- data quality --------------------------------------------------------------------------

def failed_rules(per_rule: pd.DataFrame, lang: str = "zh") -> Figure | None:
    """How many reports fail each rule (the ``per_rule`` frame of :func:`xxgk.dataset.quality`)."""
    d = per_rule[_floats(per_rule["reports"]) > 0] if len(per_rule) else per_rule
    if d.empty:
        return None
    fig, ax = _figure(7.2, _height(len(d), 1.3, 0.32))
    names = [str(r) for r in d["rule"]]
    _hbars(fig, ax, names, d["reports"], [""] * len(d), lang, color=PALETTE[3])
    ax.set_title("未通过各项校验的报告数（W 开头为跨报告提示）" if lang == "zh"
                 else "Reports failing each rule (W: cross-report warnings)")
    _source(fig, t("reports", lang), lang)
    return fig


def flagged_cells(flags: pd.DataFrame, lang: str = "zh", labels: dict | None = None,
                  flag_reports: pd.DataFrame | None = None) -> Figure | None:
    """Flagged cells by flag (the ``flags`` frame of :func:`xxgk.dataset.quality`) on a linear scale.

    With ``flag_reports`` (reports with at least one cell of each flag) the bars count reports and
    the labels add the cells: a rare flag (76 ambiguous cells) stays visible next to a common one
    (15,000 recovered), which a log scale or stacking would hide. ``labels`` maps a flag to its name in
    the page's language."""
    if flags.empty:
        return None
    by = flags.groupby("flag", observed=True)["cells"].sum().to_frame()
    if flag_reports is not None and len(flag_reports):
        by["reports"] = flag_reports.set_index("flag")["reports"].reindex(by.index)
    order = [f for f in md.FLAGS if f in by.index] + sorted(set(by.index) - set(md.FLAGS))
    by = by.loc[order]
    by = by[_floats(by["cells"]) > 0]
    if by.empty:
        return None
    metric = "reports" if "reports" in by else "cells"
    fig, ax = _figure(7.2, _height(len(by), 1.3, 0.32))
    y = np.arange(len(by))[::-1]
    bars = ax.barh(y, np.nan_to_num(_floats(by[metric])), color=PALETTE[0], height=0.66)
    ax.set_yticks(y, [(labels or {}).get(f, f) for f in by.index])
    ax.grid(axis="y", visible=False)
    _count_axis(ax, _floats(by[metric]))
    for b, rep, cells in zip(bars, _floats(by[metric]), _floats(by["cells"]), strict=True):
        if metric == "reports":
            txt = f" {rep:,.0f} 份报告 · {cells:,.0f} 个单元格" if lang == "zh" else \
                f" {_count(rep, 'report')} · {_count(cells, 'cell')}"
        else:
            txt = f" {cells:,.0f}"
        ax.text(b.get_width(), b.get_y() + b.get_height() / 2, txt, va="center", fontsize=8)
    ax.set_xlim(0, ax.get_xlim()[1] * 1.45)
    if metric == "reports":
        ax.set_title("含各类标记单元格的报告数" if lang == "zh" else "Reports with cells of each flag")
        ax.set_xlabel("报告数" if lang == "zh" else "reports")
    else:
        ax.set_title("各类标记单元格数" if lang == "zh" else "Cells of each flag")
    _source(fig, t("reports", lang), lang)
    return fig


# --- figures from the prose ----------------------------------------------------------------

CHANNEL_ORDER = ("portal", "disclosure_platform", "new_media", "gazette", None)
CHANNEL_NAMES = {"portal": ("门户网站", "portal"), "disclosure_platform": ("信息公开平台", "disclosure platform"),
                 "new_media": ("政务新媒体", "new media"), "gazette": ("政府公报", "gazette"),
                 None: ("未说明渠道", "channel not stated")}
CHANNEL_COLORS = {"portal": PALETTE[0], "disclosure_platform": PALETTE[2], "new_media": PALETTE[1],
                  "gazette": PALETTE[4], None: PALETTE[5]}


def channel_name(ch, lang: str) -> str:
    """A publication channel's name in the page's language (``disclosure_platform`` → 信息公开平台 /
    disclosure platform); the code itself when it has no name."""
    return CHANNEL_NAMES.get(ch if isinstance(ch, str) else None, (str(ch), str(ch)))[0 if lang == "zh" else 1]


def _narrative_label(measure: str, lang: str) -> str:
    from .figures import measures

    m = measures().get(measure, {})
    return m.get("label_zh" if lang == "zh" else "label_en", measure)


def _lighter(color: str, k: float = 0.55) -> tuple:
    r, g, b = matplotlib.colors.to_rgb(color)
    return (r + (1 - r) * k, g + (1 - g) * k, b + (1 - b) * k)


def _stated(value: float, approx: bool, lang: str) -> str:
    return ("约" if lang == "zh" else "≈") * bool(approx) + f"{value:,.0f}"


def narrative_volumes(ds, report: str, lang: str = "zh", *, year: int | None = None) -> Figure | None:
    """What the report's prose says was published and done: items published per channel (the stated
    total, then its breakdown by category) and the other measures stated, one bar per figure.

    Returns None when the prose states no figure (summaries.narrative_summary says so in a sentence).
    """
    from .figures import ITEMS, measures, published_by_channel

    report_id, rep = _report(ds, report, year)
    f = ds.narrative_figures
    f = f[f["report_id"] == report_id]
    if f.empty:
        return None
    items = published_by_channel(f)
    rest = f[f["measure"].astype(str) != ITEMS].copy()
    rest["channel"] = rest["channel"].astype("object").where(rest["channel"].notna(), None)
    order = {m: i for i, m in enumerate(measures())}
    rest = rest.sort_values("value", ascending=False).drop_duplicates(["measure", "channel"])
    rest = rest.assign(_o=rest["measure"].astype(str).map(order)).sort_values(["_o", "value"])
    rows_top, rows_bottom = len(items), len(rest)
    setup()
    fig = Figure(figsize=(8, 1.6 + 0.3 * (rows_top + rows_bottom) + 0.6 * bool(rows_top and rows_bottom)),
                 layout="constrained")
    axes = fig.subplots(int(bool(rows_top)) + int(bool(rows_bottom)), 1, squeeze=False,
                        height_ratios=[n for n in (rows_top, rows_bottom) if n])[:, 0]
    k = 0
    if rows_top:
        ax = axes[k]
        k += 1
        names, vals, colors, approx = [], [], [], []
        for ch in CHANNEL_ORDER:
            g = items[items["channel"].map(lambda c, ch=ch: c == ch)]
            for _, r in g.iterrows():
                total = r["category"] is None
                names.append(channel_name(ch, lang) + ("（合计）" if lang == "zh" else " (total)")
                             if total else "· " + r["category"])
                vals.append(float(r["value"]))
                colors.append(CHANNEL_COLORS[ch] if total else _lighter(CHANNEL_COLORS[ch]))
                approx.append(bool(r["is_approximate"]))
        y = np.arange(len(names))[::-1]
        bars = ax.barh(y, vals, color=colors)
        ax.set_yticks(y, names, fontsize=8)
        _count_axis(ax, vals)
        for b, v, a in zip(bars, vals, approx, strict=True):
            ax.text(b.get_width(), b.get_y() + b.get_height() / 2, " " + _stated(v, a, lang), va="center",
                    fontsize=8)
        ax.set_xlabel("条" if lang == "zh" else "items")
        ax.set_title("正文所述主动公开信息：按渠道与类别" if lang == "zh"
                     else "Items published, as stated in the text: by channel and category")
    if rows_bottom:
        ax = axes[k]
        names = []
        for m, ch, unit in zip(rest["measure"].astype(str), rest["channel"], rest["unit"], strict=True):
            name = _narrative_label(m, lang)
            if ch is not None:
                name += f" · {channel_name(ch, lang)}"
            names.append(name + (f"（{unit}）" if lang == "zh" and isinstance(unit, str) and unit else ""))
        vals = rest["value"].astype(float).tolist()
        y = np.arange(len(names))[::-1]
        bars = ax.barh(y, vals, color=PALETTE[3])
        ax.set_yticks(y, names, fontsize=8)
        _count_axis(ax, vals)
        for b, v, a in zip(bars, vals, rest["is_approximate"].fillna(False).astype(bool), strict=True):
            ax.text(b.get_width(), b.get_y() + b.get_height() / 2, " " + _stated(v, a, lang), va="center",
                    fontsize=8)
        ax.set_xlabel(t("count", lang))
        ax.set_title("正文所述的其他工作量" if lang == "zh" else "Other figures stated in the text")
    _source_below(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang)
    return fig


def _channel_key(df: pd.DataFrame) -> pd.Series:
    return df["channel"].map(lambda ch: ch if isinstance(ch, str) else "-")


def narrative_trend(ds, agencies: list[str], lang: str = "zh") -> Figure | None:
    """Items published as stated in the text, across years, for each agency: the stated total per
    channel (left) and the categories of the largest total (right, the six largest, the rest as 其他).

    Returns None when none of the agencies' reports states items published
    (summaries.narrative_coverage says so in a sentence).
    """
    agency_ids = [_agency_id(ds, a) for a in agencies]
    from .figures import published_by_channel

    r = ds.reports[ds.reports["agency_id"].isin(agency_ids)][["report_id", "agency_id", "agency", "year"]]
    f = ds.narrative_figures
    items = published_by_channel(f[f["report_id"].isin(r["report_id"])]).merge(r, on="report_id")
    if items.empty:
        return None
    agencies = list(dict.fromkeys(a for a in agency_ids if a in set(items["agency_id"])))
    years = sorted(int(y) for y in r["year"].dropna().unique())
    setup()
    fig = Figure(figsize=(10, 0.6 + 3.4 * len(agencies)), layout="constrained")
    axes = fig.subplots(len(agencies), 2, squeeze=False, width_ratios=[1, 1.15])
    other = "其他" if lang == "zh" else "other"
    for row, aid in enumerate(agencies):
        g = items[items["agency_id"] == aid]
        name = g["agency"].iloc[0]
        ax = axes[row, 0]
        totals = g[g["category"].isna()]
        for ch in CHANNEL_ORDER:
            c = totals[totals["channel"].map(lambda x, ch=ch: x == ch)].sort_values("year")
            if c.empty:
                continue
            line = c.set_index(c["year"].astype(int))["value"].reindex(range(years[0], years[-1] + 1))
            ax.plot(line.index, line.to_numpy(dtype=float), marker="o", color=CHANNEL_COLORS[ch],
                    label=channel_name(ch, lang))  # a year without the figure breaks the line
            for x, v, a in zip(c["year"].astype(int), c["value"], c["is_approximate"], strict=True):
                ax.annotate(_stated(v, a, lang), (x, v), textcoords="offset points", xytext=(0, 5), ha="center",
                            fontsize=7)
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        _count_axis(ax, totals["value"].tolist(), axis="y")
        ax.set_ylabel("条" if lang == "zh" else "items")
        ax.legend(fontsize=7, loc="upper left")
        ax.set_title(f"{name}：按渠道" if lang == "zh" else f"{name}: by channel", fontsize=10)
        ax = axes[row, 1]
        parts = g[g["category"].notna()]
        if parts.empty:
            ax.text(0.5, 0.5, "正文未列类别" if lang == "zh" else "no categories stated", ha="center", va="center",
                    transform=ax.transAxes, color="#777777")
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            parts, tots = parts.assign(ckey=_channel_key(parts)), totals.assign(ckey=_channel_key(totals))
            # per year, the most complete breakdown: its categories add up to most of their total
            main = parts.groupby(["year", "ckey"])["value"].sum().reset_index().merge(
                tots[["year", "ckey", "value"]].rename(columns={"value": "total"}), on=["year", "ckey"], how="left")
            main["cover"] = (main["value"] / main["total"]).where(main["total"] > 0, 0).clip(upper=1)
            main = main.sort_values(["cover", "value"], ascending=False).drop_duplicates("year")
            keep = parts.merge(main[["year", "ckey"]], on=["year", "ckey"])
            top = keep.groupby("category")["value"].sum().sort_values(ascending=False).index[:6].tolist()
            keep = keep.assign(cat=keep["category"].where(keep["category"].isin(top), other))
            table = keep.pivot_table(index="year", columns="cat", values="value", aggfunc="sum").fillna(0)
            table = table[[c for c in top if c in table] + ([other] if other in table else [])]
            bottom = np.zeros(len(table))
            for k, cat in enumerate(table.columns):
                ax.bar(table.index.astype(int), table[cat], bottom=bottom, width=0.7,
                       label=cat if len(cat) <= 16 else cat[:15] + "…",
                       color="#bbbbbb" if cat == other else PALETTE[k % len(PALETTE)])
                bottom += table[cat].to_numpy()
            ax.set_xticks(years, [str(y) for y in years])
            ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
            _count_axis(ax, bottom.tolist(), axis="y")
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(f"{name}：按类别" if lang == "zh" else f"{name}: by category", fontsize=10)
    fig.suptitle("正文所述主动公开信息条数" if lang == "zh" else "Items published, as stated in the text", fontsize=12)
    _source_below(fig, t("reports", lang), lang)
    return fig
