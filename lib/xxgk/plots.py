"""Charts of the dataset, in one house style, with Chinese that renders (never boxes).

:func:`setup` registers Noto Sans CJK SC (shipped by the ``mplfonts`` package) with matplotlib and
sets the style once; every chart function takes a :class:`~xxgk.dataset.Dataset` and parameters,
returns a matplotlib Figure (no pyplot state, so notebooks show each chart exactly once) with a
title, units and a source line, in Chinese (``lang="zh"``) or English (``lang="en"``). Bars built
on recovered or ambiguous cells carry a marker and a footnote.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from . import metadata as md

PALETTE = ["#2f5d8a", "#d98c3f", "#6a9f58", "#b5534b", "#8a6bb0", "#7f7f7f", "#c9a227", "#4bb5b5"]
OUTCOME_COLORS = {"granted": "#2f5d8a", "partially_granted": "#6f9fd0", "denied": "#b5534b", "unable": "#d98c3f",
                  "not_processed": "#8a6bb0", "other": "#9a9a9a"}
TEXT = {
    "outcome.granted": ("予以公开", "disclosed in full"), "outcome.partially_granted": ("部分公开", "disclosed in part"),
    "outcome.denied": ("不予公开", "refused"), "outcome.unable": ("无法提供", "unable to provide"),
    "outcome.not_processed": ("不予处理", "not processed"), "outcome.other": ("其他处理", "other handling"),
    "count": ("件数", "count"), "pct": ("占比（%）", "share (%)"), "year": ("年度", "year"),
    "source": ("来源：{what}；xxgk 解析", "Source: {what}; parsed by xxgk"),
    "report": ("{agency}{year}年政府信息公开工作年度报告", "{agency} {year} annual disclosure report"),
    "reports": ("各机关政府信息公开工作年度报告", "agencies' annual disclosure reports"),
    "flag_note": ("* 含由粘连数字恢复或无法唯一确定的数值", "* includes values recovered from run-together digits "
                  "or not uniquely determined"),
    "no_data": ("无数据", "no data"),
}


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
    from cycler import cycler

    _inline_figures()
    # seaborn's whitegrid look without importing seaborn (setup runs while seaborn may itself be importing)
    import matplotlib.style

    matplotlib.style.use("seaborn-v0_8-whitegrid")
    matplotlib.rcParams.update({
        "font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"], "axes.unicode_minus": False,
        "axes.titlesize": 12, "axes.titleweight": "normal", "axes.labelsize": 10, "figure.dpi": 110,
        "axes.spines.top": False, "axes.spines.right": False, "axes.prop_cycle": cycler(color=PALETTE),
    })
    return family


def _inline_figures() -> None:
    """In IPython/Jupyter, show returned Figures as PNG (charts here never touch pyplot)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("png")


def _figure(width: float = 8, height: float = 4.2) -> tuple[Figure, object]:
    setup()
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _source(fig: Figure, what: str, lang: str, flagged: bool = False) -> None:
    note = t("source", lang, what=what)
    if flagged:
        note = t("flag_note", lang) + "\n" + note
    fig.get_layout_engine().set(rect=(0, 0.06 if not flagged else 0.1, 1, 0.94 if not flagged else 0.9))
    fig.text(0.01, 0.01, note, fontsize=7.5, color="#555555", ha="left", va="bottom")


def _empty(ax, lang: str) -> None:
    ax.text(0.5, 0.5, t("no_data", lang), ha="center", va="center", transform=ax.transAxes, color="#777777")
    ax.set_xticks([])
    ax.set_yticks([])


def _cells(df: pd.DataFrame, report_id: str) -> pd.DataFrame:
    return df[df["report_id"] == report_id]


_SUSPECT = ("recovered", "ambiguous", "invalid")


def _count_axis(ax, values, axis: str = "x") -> None:
    """Counts start at 0; an all-zero chart still gets a sensible axis."""
    vals = [float(v) for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    top = max(vals) if vals else 0
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, top * 1.15 if top > 0 else 1)
    if all(float(v).is_integer() for v in vals):
        (ax.xaxis if axis == "x" else ax.yaxis).get_major_locator().set_params(integer=True)


def _bar_labels(ax, bars, values, suspect=None, fmt="{:,.0f}") -> None:
    if ax.get_xscale() == "linear":
        _count_axis(ax, list(values))  # every bar chart here is horizontal: values run along x
    for i, (b, v) in enumerate(zip(bars, values, strict=True)):
        star = "*" if suspect is not None and suspect[i] else ""
        if v is None or (isinstance(v, float) and np.isnan(v)):
            if star:  # an ambiguous cell: no bar, a question mark
                ax.text(0, b.get_y() + b.get_height() / 2, " ?*", va="center", fontsize=8, color="#b5534b")
            continue
        x = b.get_width() if b.get_width() else 0
        ax.text(x, b.get_y() + b.get_height() / 2, " " + fmt.format(v) + star, va="center", fontsize=8)


# --- one agency, one year ------------------------------------------------------------------

def publication_volumes(ds, report_id: str, lang: str = "zh") -> Figure:
    """Table 2 as horizontal bars: documents issued/repealed/in force and decisions (fees in the title)."""
    rep = ds.reports.set_index("report_id").loc[report_id]
    df = _cells(ds.active_disclosure, report_id)
    counts = df[~df["measure"].isin(["amount_10k_yuan", "procurement_amount"])].copy()
    counts = counts[counts["item"].notna()]
    fig, ax = _figure(8, 4.6)
    if counts.empty:
        _empty(ax, lang)
    else:
        names = [f"{label('table2', i, lang)} · {label('table2_measure', m, lang)}"
                 for i, m in zip(counts["item"], counts["measure"], strict=True)]
        vals = counts["value"].astype(float).to_numpy()
        sus = counts["flag"].isin(_SUSPECT).to_numpy()
        y = np.arange(len(names))[::-1]
        bars = ax.barh(y, np.nan_to_num(vals), color=[PALETTE[0] if not s else "#9fb6cc" for s in sus])
        ax.set_yticks(y, names, fontsize=8)
        _bar_labels(ax, bars, vals, sus)
        ax.set_xlabel(t("count", lang))
    fee = df[df["measure"] == "amount_10k_yuan"]["amount"]
    fee_txt = ""
    if len(fee) and pd.notna(fee.iloc[0]):
        fee_txt = (f"；行政事业性收费 {fee.iloc[0]:,.4g} 万元" if lang == "zh"
                   else f"; administrative fees {fee.iloc[0]:,.4g} (10k yuan)")
    title = "主动公开：制发、废止、现行有效与处理决定" if lang == "zh" else "Proactive disclosure: documents and decisions"
    ax.set_title(title + fee_txt)
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang,
            bool(df["flag"].isin(_SUSPECT).any()))
    return fig


def applications_by_applicant(ds, report_id: str, lang: str = "zh") -> Figure:
    """New applications by applicant type, with carried over and forward in the title."""
    rep = ds.reports.set_index("report_id").loc[report_id]
    a = _cells(ds.applications, report_id)
    new = a[(a["row"] == "new_received") & (a["applicant"] != "total")]
    fig, ax = _figure(7, 3.6)
    names = [label("table3_applicant", c, lang) for c in new["applicant"]]
    vals = new["value"].astype(float).to_numpy()
    sus = new["flag"].isin(_SUSPECT).to_numpy()
    y = np.arange(len(names))[::-1]
    bars = ax.barh(y, np.nan_to_num(vals), color=PALETTE[1])
    ax.set_yticks(y, names)
    _bar_labels(ax, bars, vals, sus)
    ax.set_xlabel(t("count", lang))

    def tot(row):
        v = a[(a["row"] == row) & (a["applicant"] == "total")]["value"]
        return float(v.iloc[0]) if len(v) and pd.notna(v.iloc[0]) else 0

    if lang == "zh":
        ax.set_title(f"本年新收申请 {tot('new_received'):,.0f} 件（上年结转 {tot('carried_over'):,.0f}，"
                     f"结转下年度 {tot('carried_forward'):,.0f}）")
    else:
        ax.set_title(f"New applications: {tot('new_received'):,.0f} (carried over {tot('carried_over'):,.0f}, "
                     f"forward {tot('carried_forward'):,.0f})")
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang, bool(sus.any()))
    return fig


def outcomes(ds, report_id: str, lang: str = "zh") -> Figure:
    """What happened to the applications: outcome groups, then the reasons within refused/unable/not processed."""
    from .dataset import OUTCOME_GROUPS

    rep = ds.reports.set_index("report_id").loc[report_id]
    shares = ds.outcome_shares.set_index("report_id").loc[report_id]
    a = _cells(ds.applications, report_id)
    tot = a[a["applicant"] == "total"].set_index("row")
    fig = Figure(figsize=(10, 4.4), layout="constrained")
    setup()
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.4])
    groups = list(OUTCOME_GROUPS)
    vals = [float(shares[f"{g}_count"]) if pd.notna(shares[f"{g}_count"]) else 0 for g in groups]
    pct = [shares[f"{g}_pct"] for g in groups]
    y = np.arange(len(groups))[::-1]
    bars = ax1.barh(y, vals, color=[OUTCOME_COLORS[g] for g in groups])
    ax1.set_yticks(y, [t(f"outcome.{g}", lang) for g in groups])
    for b, v, p in zip(bars, vals, pct, strict=True):
        ax1.text(b.get_width(), b.get_y() + b.get_height() / 2,
                 f" {v:,.0f}" + (f" ({p:.0f}%)" if pd.notna(p) else ""), va="center", fontsize=8)
    ax1.set_xlabel(t("count", lang))
    ax1.set_title("办理结果" if lang == "zh" else "Outcomes")
    leaves = [r for r in md.codes_of("table3_row") if r.startswith(("denied_", "unable_", "rejected_"))]
    rows = [(r, float(tot.loc[r, "value"])) for r in leaves if r in tot.index and pd.notna(tot.loc[r, "value"])
            and float(tot.loc[r, "value"]) > 0]
    if rows:
        yy = np.arange(len(rows))[::-1]
        color = [OUTCOME_COLORS["denied" if r.startswith("denied") else "unable" if r.startswith("unable")
                              else "not_processed"] for r, _ in rows]
        b2 = ax2.barh(yy, [v for _, v in rows], color=color)
        ax2.set_yticks(yy, [label("table3_row", r, lang) for r, _ in rows], fontsize=8)
        _bar_labels(ax2, b2, [v for _, v in rows])
    else:
        _empty(ax2, lang)
    ax2.set_title("不予公开、无法提供、不予处理的理由" if lang == "zh" else "Reasons: refused, unable, not processed")
    if lang == "zh":
        fig.suptitle(f"共办理 {shares['total_processed_count']:,.0f} 件", fontsize=12)
    else:
        fig.suptitle(f"{shares['total_processed_count']:,.0f} applications handled", fontsize=12)
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang, bool(shares["has_flagged_cells"]))
    return fig


def review_litigation(ds, report_id: str, lang: str = "zh") -> Figure:
    """Reviews and lawsuits by result (Table 4) as grouped bars."""
    rep = ds.reports.set_index("report_id").loc[report_id]
    r = _cells(ds.review_litigation, report_id)
    fig, ax = _figure(8, 3.8)
    outs = [o for o in md.TABLE4_OUTCOMES if o != "total"]
    x = np.arange(len(md.TABLE4_PROCEEDINGS))
    w = 0.2
    for k, o in enumerate(outs):
        vals = [float(r[(r["proceeding"] == p) & (r["outcome"] == o)]["value"].fillna(0).sum())
                for p in md.TABLE4_PROCEEDINGS]
        ax.bar(x + (k - 1.5) * w, vals, w, label=label("table4_outcome", o, lang), color=PALETTE[k])
    ax.set_xticks(x, [label("table4_proceeding", p, lang) for p in md.TABLE4_PROCEEDINGS])
    ax.set_ylabel(t("count", lang))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, ncols=4, loc="upper right")
    totals = {p: r[(r["proceeding"] == p) & (r["outcome"] == "total")]["value"].fillna(0).sum()
              for p in md.TABLE4_PROCEEDINGS}
    if lang == "zh":
        ax.set_title(f"行政复议 {totals['review']:.0f} 件，行政诉讼 "
                     f"{totals['litigation_direct'] + totals['litigation_after_review']:.0f} 件")
    else:
        ax.set_title(f"Reviews {totals['review']:.0f}, lawsuits "
                     f"{totals['litigation_direct'] + totals['litigation_after_review']:.0f}")
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang, bool(r["flag"].isin(_SUSPECT).any()))
    return fig


# --- across years --------------------------------------------------------------------------

def _years_axis(ax, years) -> None:
    years = sorted(set(int(y) for y in years))
    ax.set_xticks(years, [str(y) for y in years])


def trend_lines(ds, measure: str, lang: str = "zh", title: str | None = None) -> Figure:
    """One line per agency of a year_over_year measure across years."""
    y = ds.year_over_year
    d = y[y["measure"] == measure]
    fig, ax = _figure(8, 3.8)
    if d.empty or not d["value"].notna().any():
        _empty(ax, lang)
    else:
        for k, (name, g) in enumerate(d.groupby("agency", observed=True)):
            ax.plot(g["year"].astype(int), g["value"].astype(float), marker="o", label=name,
                    color=PALETTE[k % len(PALETTE)])
            for xx, vv in zip(g["year"].astype(int), g["value"].astype(float), strict=True):
                if pd.notna(vv):
                    ax.annotate(f"{vv:,.0f}", (xx, vv), textcoords="offset points", xytext=(0, 5), ha="center",
                                fontsize=7)
        _years_axis(ax, d["year"])
        if d["agency"].nunique() > 1:
            ax.legend(fontsize=8)
        ax.set_ylabel(t("count", lang))
    ax.set_title(title or measure)
    _source(fig, t("reports", lang), lang)
    return fig


def outcome_shares_by_year(ds, agency_id: str, lang: str = "zh") -> Figure:
    """Stacked outcome shares (% of applications handled) per year for one agency."""
    from .dataset import OUTCOME_GROUPS

    o = ds.outcome_shares.merge(ds.reports[["report_id", "agency_id"]], on="report_id")
    o = o[o["agency_id"] == agency_id].sort_values("year")
    fig, ax = _figure(8, 4)
    if o.empty:
        _empty(ax, lang)
        return fig
    bottom = np.zeros(len(o))
    years = o["year"].astype(int).to_numpy()
    for g in OUTCOME_GROUPS:
        v = o[f"{g}_pct"].astype(float).fillna(0).to_numpy()
        ax.bar(years, v, bottom=bottom, color=OUTCOME_COLORS[g], label=t(f"outcome.{g}", lang), width=0.7)
        bottom += v
    _years_axis(ax, years)
    ax.set_ylabel(t("pct", lang))
    ax.set_ylim(0, max(105, float(bottom.max()) + 5))
    over = years[bottom > 100.5]
    if len(over):  # outcome rows add up to more than the printed total: R2 fails in the published table
        ax.axhline(100, color="#444444", lw=0.8, ls="--")
        for yr in over:
            ax.annotate("R2" if lang == "en" else "R2 不符", (yr, bottom[list(years).index(yr)]),
                        textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7, color="#b5534b")
    ax.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    name = o["agency"].iloc[0]
    ax.set_title(f"{name}：办理结果构成" if lang == "zh" else f"{name}: outcomes as % of applications handled")
    _source(fig, t("reports", lang), lang, bool(o["has_flagged_cells"].any()))
    return fig


def reasons_by_year(ds, agency_id: str, lang: str = "zh") -> Figure:
    """Refusal, unable and not-processed reasons per year for one agency (总计 column)."""
    a = ds.applications.merge(ds.reports[["report_id", "agency_id", "year"]], on="report_id")
    a = a[(a["agency_id"] == agency_id) & (a["applicant"] == "total")
          & a["row"].astype(str).str.match(r"^(denied_|unable_|rejected_)")]
    piv = a.pivot_table(index="year", columns="row", values="value", aggfunc="sum", observed=True).fillna(0)
    piv = piv.loc[:, piv.sum() > 0] if not piv.empty else piv
    fig, ax = _figure(8, 4)
    if piv.empty or piv.shape[1] == 0:
        _empty(ax, lang)
    else:
        bottom = np.zeros(len(piv))
        years = piv.index.astype(int).to_numpy()
        colors = matplotlib.colormaps["tab20"].colors
        for k, col in enumerate(piv.columns):
            v = piv[col].astype(float).to_numpy()
            ax.bar(years, v, bottom=bottom, label=label("table3_row", str(col), lang), color=colors[k % 20], width=0.7)
            bottom += v
        _years_axis(ax, years)
        ax.set_ylabel(t("count", lang))
        ax.legend(fontsize=7, ncols=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("理由构成（不予公开、无法提供、不予处理）" if lang == "zh" else "Reasons for refusal, unable, not processed")
    _source(fig, t("reports", lang), lang)
    return fig


def correction_rates_by_year(ds, agency_id: str, lang: str = "zh") -> Figure:
    """Reviews and lawsuits per year (bars) and their correction rates (points)."""
    r = ds.review_litigation_rates
    r = r[(r["report_id"].isin(ds.reports[ds.reports["agency_id"] == agency_id]["report_id"]))
          & r["proceeding"].isin(["review", "litigation"])]
    fig, ax = _figure(8, 3.8)
    if r.empty:
        _empty(ax, lang)
        return fig
    years = sorted(r["year"].astype(int).unique())
    w = 0.35
    for k, p in enumerate(["review", "litigation"]):
        g = r[r["proceeding"] == p].set_index("year").reindex(years)
        ax.bar(np.array(years) + (k - 0.5) * w, g["total_count"].astype(float).fillna(0), w, color=PALETTE[k],
               label=("行政复议" if p == "review" else "行政诉讼") if lang == "zh" else p)
    ax.set_ylabel(t("count", lang))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax2 = ax.twinx()
    for k, p in enumerate(["review", "litigation"]):
        g = r[r["proceeding"] == p].set_index("year").reindex(years)
        ax2.plot(np.array(years) + (k - 0.5) * w, g["correction_pct"].astype(float), "D", color=PALETTE[k + 3],
                 label=(("复议纠错率" if p == "review" else "诉讼纠错率") if lang == "zh" else f"{p} corrected %"))
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("纠错率（%）" if lang == "zh" else "corrected (%)")
    ax2.grid(False)
    _years_axis(ax, years)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, ncols=4, loc="upper left")
    ax.set_title("行政复议、行政诉讼及纠错率" if lang == "zh" else "Reviews, lawsuits and correction rates")
    _source(fig, t("reports", lang), lang)
    return fig


# --- across agencies -----------------------------------------------------------------------

def ranked_bars(df: pd.DataFrame, value: str, name: str = "agency", top_n: int = 20, lang: str = "zh",
                title: str = "", unit: str = "", fmt: str = "{:,.0f}") -> Figure:
    """Agencies ranked by a value, the top N (the rest summarised in the title)."""
    d = df[[name, value]].dropna().sort_values(value, ascending=False)
    shown = d.head(top_n)
    fig, ax = _figure(8, max(2.5, 0.32 * len(shown) + 1.2))
    if shown.empty:
        _empty(ax, lang)
    else:
        y = np.arange(len(shown))[::-1]
        bars = ax.barh(y, shown[value].astype(float), color=PALETTE[0])
        ax.set_yticks(y, shown[name].astype(str), fontsize=8)
        _bar_labels(ax, bars, shown[value].astype(float).tolist(), fmt=fmt)
        ax.set_xlabel(unit)
    more = len(d) - len(shown)
    if more > 0:
        title += f"（前 {top_n} 名，共 {len(d)} 个机关）" if lang == "zh" else f" (top {top_n} of {len(d)})"
    ax.set_title(title)
    _source(fig, t("reports", lang), lang)
    return fig


def outcome_heatmap(shares: pd.DataFrame, top_n: int = 30, lang: str = "zh") -> Figure:
    """Outcome shares (%) per agency as a heatmap, the agencies with most applications first."""
    import seaborn as sns

    from .dataset import OUTCOME_GROUPS

    d = shares.sort_values("total_processed_count", ascending=False).head(top_n)
    cols = [f"{g}_pct" for g in OUTCOME_GROUPS]
    fig, ax = _figure(8.5, max(2.8, 0.33 * len(d) + 1.5))
    if d.empty or d[cols].isna().all().all():
        _empty(ax, lang)
    else:
        mat = d.set_index("agency")[cols].astype(float)
        mat.columns = [t(f"outcome.{g}", lang) for g in OUTCOME_GROUPS]
        sns.heatmap(mat, ax=ax, annot=True, fmt=".0f", cmap="Blues", vmin=0, vmax=100, cbar_kws={"label": "%"},
                    annot_kws={"fontsize": 7})
        ax.set_ylabel("")
        ax.tick_params(axis="y", labelsize=8)
    ax.set_title("各机关办理结果构成（%）" if lang == "zh" else "Outcome shares by agency (%)")
    _source(fig, t("reports", lang), lang)
    return fig


def distribution(values: pd.Series, lang: str = "zh", title: str = "", unit: str = "") -> Figure:
    """A histogram for many agencies (instead of one bar each)."""
    fig, ax = _figure(7, 3.4)
    v = values.dropna().astype(float)
    if v.empty:
        _empty(ax, lang)
    else:
        ax.hist(v, bins=min(40, max(5, int(np.sqrt(len(v))))), color=PALETTE[0])
        ax.axvline(v.median(), color=PALETTE[3], ls="--", label=("中位数 " if lang == "zh" else "median ")
                   + f"{v.median():,.1f}")
        ax.legend(fontsize=8)
        ax.set_xlabel(unit)
        ax.set_ylabel("机关数" if lang == "zh" else "agencies")
    ax.set_title(title)
    _source(fig, t("reports", lang), lang)
    return fig


# --- data quality --------------------------------------------------------------------------

def failed_rules(per_rule: pd.DataFrame, lang: str = "zh") -> Figure:
    """How many reports fail each rule (the ``per_rule`` frame of :func:`xxgk.dataset.quality`)."""
    d = per_rule[per_rule["reports"] > 0]
    fig, ax = _figure(7, 3.2)
    if d.empty:
        _empty(ax, lang)
    else:
        y = np.arange(len(d))[::-1]
        bars = ax.barh(y, d["reports"].astype(float), color=PALETTE[3])
        ax.set_yticks(y, d["rule"].astype(str))
        _bar_labels(ax, bars, d["reports"].astype(float).tolist())
        ax.set_xlabel("报告数" if lang == "zh" else "reports")
    ax.set_title("未通过校验的报告数（按规则；W 开头为跨报告提示）" if lang == "zh"
                 else "Reports failing each rule (W: cross-report warnings)")
    _source(fig, t("reports", lang), lang)
    return fig


def flagged_cells(flags: pd.DataFrame, lang: str = "zh") -> Figure:
    """Flagged cells by table and flag (the ``flags`` frame of :func:`xxgk.dataset.quality`)."""
    names = {"active_disclosure": "表二" if lang == "zh" else "Table 2",
             "applications": "表三" if lang == "zh" else "Table 3",
             "review_litigation": "表四" if lang == "zh" else "Table 4"}
    m = flags.assign(tbl=flags["tbl"].map(names)).pivot_table(index="flag", columns="tbl", values="cells",
                                                              aggfunc="sum").fillna(0)
    fig, ax = _figure(7.5, 3.4)
    if m.empty:
        _empty(ax, lang)
    else:
        m.plot.barh(ax=ax, stacked=True, color=PALETTE[:3])
        ax.set_xlabel("单元格数" if lang == "zh" else "cells")
        ax.set_xscale("log")
        ax.legend(fontsize=8)
    ax.set_title("标记单元格（按标记与表，对数轴）" if lang == "zh" else "Flagged cells by flag and table (log scale)")
    _source(fig, t("reports", lang), lang)
    return fig


# --- figures from the prose ----------------------------------------------------------------

CHANNEL_ORDER = ("portal", "disclosure_platform", "new_media", "gazette", None)
CHANNEL_NAMES = {"portal": ("门户网站", "portal"), "disclosure_platform": ("信息公开平台", "disclosure platform"),
                 "new_media": ("政务新媒体", "new media"), "gazette": ("政府公报", "gazette"),
                 None: ("未说明渠道", "channel not stated")}
CHANNEL_COLORS = {"portal": PALETTE[0], "disclosure_platform": PALETTE[2], "new_media": PALETTE[1],
                  "gazette": PALETTE[4], None: PALETTE[5]}
CHANNEL_ZH = {k: v[0] for k, v in CHANNEL_NAMES.items()}  # kept for callers of the old name


def _channel_name(ch, lang: str) -> str:
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


def narrative_volumes(ds, report_id: str, lang: str = "zh") -> Figure | None:
    """What the report's prose says was published and done: items published per channel (the stated
    total, then its breakdown by category) and the other measures stated, one bar per figure.

    Returns None when the prose states no figure (summaries.narrative_summary says so in a sentence).
    """
    from .figures import ITEMS, measures, published_by_channel

    rep = ds.reports.set_index("report_id").loc[report_id]
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
                names.append(_channel_name(ch, lang) + ("（合计）" if lang == "zh" else " (total)")
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
                name += f" · {_channel_name(ch, lang)}"
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
    _source(fig, t("report", lang, agency=rep["agency"], year=rep["year"]), lang)
    return fig


def _channel_key(df: pd.DataFrame) -> pd.Series:
    return df["channel"].map(lambda ch: ch if isinstance(ch, str) else "-")


def narrative_trend(ds, agency_ids: list[str], lang: str = "zh") -> Figure | None:
    """Items published as stated in the text, across years, for each agency: the stated total per
    channel (left) and the categories of the largest total (right, the six largest, the rest as 其他).

    Returns None when none of the agencies' reports states items published
    (summaries.narrative_coverage says so in a sentence).
    """
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
                    label=_channel_name(ch, lang))  # a year without the figure breaks the line
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
    _source(fig, t("reports", lang), lang)
    return fig
