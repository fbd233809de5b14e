"""Short readable summaries of the dataset: the numbers in sentences, in Chinese or English.

Each function returns Markdown for the top of a notebook. Text that comes from reports (agency
names, titles, rule notes) is untrusted: it is escaped for Markdown (so ``[x](javascript:…)`` or
``![x](…)`` stay text, never a link or an image) and for HTML (so tags stay text), because notebooks
are exported to HTML and shared. :func:`xxgk.pages.prose` renders these sentences on the pages.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import metadata as md
from .dataset import OUTCOME_GROUPS, UnknownSelection, agency_reports, report_row  # noqa: F401 (re-exported)
from .dataset import agency_id as agency_id_of
from .dataset import report_id as report_id_of

_GROUP_ZH = {"granted": "予以公开", "partially_granted": "部分公开", "denied": "不予公开", "unable": "无法提供",
             "not_processed": "不予处理", "other": "其他处理"}
_GROUP_EN = {"granted": "disclosed in full", "partially_granted": "disclosed in part", "denied": "refused",
             "unable": "unable to provide", "not_processed": "not processed", "other": "other handling"}


def _flag(flag: str, lang: str) -> str:
    """A flag's short name (metadata/flags.csv), its code when it has none."""
    from .pages import flag_label

    return flag_label(str(flag), lang)


_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def esc(text) -> str:
    """Escape text taken from reports before it goes into Markdown: every ASCII punctuation character
    gets a backslash (CommonMark's escape), so no Markdown link, image, emphasis or raw HTML tag can
    come out of it; the renderer then HTML-escapes the literal characters."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def count(k, one: str, many: str) -> str:
    """An English count with its noun agreeing: ``count(1, "agency", "agencies")`` → '1 agency'. A count
    already written out ('1,234', '?') is used as it is."""
    text = k if isinstance(k, str) else n(k)
    return f"{text} {one if text == '1' else many}"


def n(v, digits: int = 0) -> str:
    """A number for prose: thousands separators; '—' for missing."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "—"
    v = float(v)
    return f"{v:,.{digits}f}" if digits or not v.is_integer() else f"{v:,.0f}"


def pct(part, whole) -> str:
    """part as a percentage of whole, one decimal; '—' when whole is 0 or missing."""
    try:
        if whole is None or pd.isna(whole) or float(whole) == 0 or part is None or pd.isna(part):
            return "—"
        return f"{float(part) / float(whole) * 100:.1f}%"
    except (TypeError, ValueError):
        return "—"


def resolve_agency(ds, agency: str) -> pd.DataFrame:
    """The reports rows of an agency given by canonical name, agency_id or printed name."""
    return agency_reports(ds, agency)


def resolve_report(ds, agency: str, year: int) -> pd.Series:
    """The reports row of an agency and year (the canonical one), or UnknownSelection naming its years."""
    return report_row(ds, agency, year)


def _cell(df: pd.DataFrame, rid: str, **keys):
    from .pages import _cell as cell

    v, flag = cell(df, rid, **keys)
    return (None if np.isnan(v) else v), (flag or None)


def _v(df, rid, **keys) -> str:
    v, flag = _cell(df, rid, **keys)
    if flag == "ambiguous":
        return "?"
    if flag == "missing":
        return "—"
    return n(0 if v is None or pd.isna(v) else v)


PHRASES = {  # one sentence template per language; {…} are filled from the data
    "zh": {
        "head": "**{name} {year} 年**政府信息公开工作年度报告（{tmpl} 年版模板，{fmt}）。",
        "apps": "本年新收政府信息公开申请 **{new} 件**（自然人 {np} 件、法人或其他组织 {lp} 件），上年结转 {over} 件；"
                "共办理 **{total} 件**，{groups}；结转下年度 {fwd} 件。",
        "group": "{label} {count} 件（{pct}）", "sep": "、", "no_groups": "各项办理结果均为 0",
        "review": "行政复议 {rev} 件（维持 {upheld}、纠正 {corrected}），行政诉讼 {lit} 件。",
        "docs2021": "本年制发行政规范性文件 {issued} 件、废止 {repealed} 件，现行有效 {in_force} 件；行政许可 {lic} 件、"
                    "行政处罚 {pun} 件。",
        "docs2019": "本年新制作规范性文件 {made} 件，对外公开总数 {published} 件；行政许可处理决定 {lic} 件。",
        "yoy": "与上年相比，新收申请{dir} {abs} 件（{pct}）。", "up": "增加", "down": "减少",
        "yoy_same": "新收申请与上年持平。",
        "ok": "校验：全部通过。", "failed": "校验：**{n} 项未通过**（{items}{more}）。", "more": "等",
        "fail_item": "{rule} {scope}：应为 {expected}，表中为 {actual}", "fail_sep": "；",
        "warn": "提示：{n} 项跨年或文表一致性检查不一致。",
        "flags": "标记单元格：{items}。", "flag_item": "{label} {n} 个",
        "question": "“?”表示粘连数字有多种拆分方式、无法唯一确定。",
    },
    "en": {
        "head": "**{name}, {year}** annual disclosure report ({tmpl} template, {fmt}).",
        "apps": "New applications: **{new}** ({np} from natural persons, {lp} from organisations); carried over {over}. "
                "Handled **{total}**: {groups}; carried forward {fwd}.",
        "group": "{label} {count} ({pct})", "sep": ", ", "no_groups": "every outcome row is 0",
        "review": "Administrative reviews {rev} (upheld {upheld}, corrected {corrected}); lawsuits {lit}.",
        "docs2021": "Normative documents issued {issued}, repealed {repealed}, in force {in_force}; licensing decisions "
                    "{lic}, penalty decisions {pun}.",
        "docs2019": "Normative documents newly made {made}, published in total {published}; licensing decisions {lic}.",
        "yoy": "Against the previous year, new applications {dir} by {abs} ({pct}).", "up": "rose", "down": "fell",
        "yoy_same": "New applications were the same as the previous year.",
        "ok": "Checks: all passed.", "failed": "Checks: **{n} failed** ({items}{more}).", "more": " …",
        "fail_item": "{rule} {scope}: expected {expected}, printed {actual}", "fail_sep": "; ",
        "warn": "Note: {n} cross-year or text-against-table {checks} disagree.",
        "flags": "Flagged cells: {items}.", "flag_item": "{label} {n}",
        "question": "“?” marks run-together digits that split in more than one valid way.",
    },
}


def agency_year(ds, agency: str, year: int, lang: str = "zh", brief: bool = False) -> str:
    """The annual summary of one agency: applications, outcomes, reviews, documents, checks.

    ``brief`` leaves out what a page shows elsewhere (the report line, checks and flags). A count
    that rests on an ambiguous or unreadable cell is "?", never a number."""
    from .pages import plain, scope_label
    from .plots import _group_values
    P = PHRASES["zh" if lang == "zh" else "en"]
    groups_label = _GROUP_ZH if lang == "zh" else _GROUP_EN
    rep = resolve_report(ds, agency, year)
    rid = rep["report_id"]
    a, t2, t4 = ds.applications, ds.active_disclosure, ds.review_litigation
    sh = ds.outcome_shares.set_index("report_id").reindex([rid]).iloc[0]
    from .pages import _cell as cell
    from .pages import yoy_rows

    new_cells = {c: cell(a, rid, row="new_received", applicant=c)[0] for c in ("total", *md.TABLE3_PARTS)}
    mix = {"new_received_count": new_cells["total"], "natural_person_count": new_cells["natural_person"],
           "legal_person_count": float(np.nansum([new_cells[c] for c in md.TABLE3_PARTS if c != "natural_person"]))}
    rates = ds.review_litigation_rates
    rates = rates[rates["report_id"] == rid].set_index("proceeding")
    checks = ds.checks[(ds.checks["report_id"] == rid)]
    failed = checks[~checks["is_passed"].astype(bool) & ~checks["is_warning"].astype(bool)]
    warn = checks[~checks["is_passed"].astype(bool) & checks["is_warning"].astype(bool)]
    flags = pd.concat([d[d["report_id"] == rid]["flag"] for d in (a, t2, t4)]).astype("object").dropna()
    flags = flags[flags.isin(["recovered", "ambiguous", "note", "invalid", "unit_unknown"])].value_counts()
    yoy = yoy_rows(ds, rid).set_index("measure")
    total = sh["total_processed_count"]

    def t2v(item, measure):
        return _v(t2, rid, item=item, measure=measure)

    fmt = str(rep["format"])
    fmt = plain(f"format.{fmt}", lang) if fmt in ("crawler-text", "pipe-text", "html", "markdown", "pdf", "docx") else fmt
    parts = [P["head"].format(name=esc(rep["agency"]), year=year, tmpl=rep["template"], fmt=esc(fmt))]
    _, gflags, _ = _group_values(ds, rid)
    def group(label, count, share):
        text = P["group"].format(label=label, count=count, pct=share)
        return text if share != "—" else text.replace("（—）", "").replace(" (—)", "")

    groups = P["sep"].join(group(groups_label[g], "?" if f in ("ambiguous", "invalid") else n(v),
                                 "?" if f in ("ambiguous", "invalid") else pct(v, total))
                           for g, f in zip(OUTCOME_GROUPS, gflags, strict=True)
                           if ((v := sh[f"{g}_count"]) and not pd.isna(v)) or f in ("ambiguous", "invalid"))
    new_row = a[(a["report_id"] == rid) & (a["row"] == "new_received")]
    unknown_new = set(new_row[new_row["flag"].astype("object").isin(["ambiguous", "invalid"])]["applicant"].astype(str))
    parts.append(P["apps"].format(
        new="?" if "total" in unknown_new else n(mix["new_received_count"]),
        np="?" if "natural_person" in unknown_new else n(mix["natural_person_count"]),
        lp="?" if unknown_new - {"total", "natural_person"} else n(mix["legal_person_count"]),
        over=_v(a, rid, row="carried_over", applicant="total"), total=_v(a, rid, row="total_processed", applicant="total")
        if _cell(a, rid, row="total_processed", applicant="total")[1] in ("ambiguous", "invalid") else n(total),
        groups=groups or P["no_groups"], fwd=_v(a, rid, row="carried_forward", applicant="total")))
    if "review" in rates.index:
        rev = rates.loc["review"]
        lit = rates.loc["litigation", "total_count"] if "litigation" in rates.index else None
        parts.append(P["review"].format(rev=n(rev["total_count"]), upheld=n(rev["upheld_count"]),
                                        corrected=n(rev["corrected_count"]), lit=n(lit)))
    if not _is_2019_t2(t2, rid):
        parts.append(P["docs2021"].format(issued=t2v("normative_documents", "issued"),
                                          repealed=t2v("normative_documents", "repealed"),
                                          in_force=t2v("normative_documents", "in_force"),
                                          lic=t2v("licensing", "decisions"), pun=t2v("punishment", "decisions")))
    else:
        parts.append(P["docs2019"].format(made=t2v("normative_documents", "newly_made"),
                                          published=t2v("normative_documents", "total_published"),
                                          lic=t2v("licensing", "decisions")))
    if "new_received" in yoy.index and pd.notna(yoy.loc["new_received", "previous_value"]):
        ch = yoy.loc["new_received", "change"]
        parts.append(P["yoy_same"] if ch == 0 else P["yoy"].format(
            dir=P["up"] if ch > 0 else P["down"], abs=n(abs(ch)), pct=pct(ch, yoy.loc["new_received", "previous_value"])))
    if failed.empty:
        parts.append(P["ok"])
    else:
        items = P["fail_sep"].join(P["fail_item"].format(rule=r.rule, scope=esc(scope_label(r.scope, lang)),
                                                         expected=n(r.expected),
                                                         actual=n(r.actual)) for r in failed.head(4).itertuples())
        parts.append(P["failed"].format(n=len(failed), items=items, more=P["more"] if len(failed) > 4 else ""))
    if not warn.empty:
        parts.append(P["warn"].format(n=len(warn), checks="check" if len(warn) == 1 else "checks"))
    if len(flags):
        parts.append(P["flags"].format(items=P["sep"].join(
            P["flag_item"].format(label=_flag(k, lang), n=v) for k, v in flags.items())))
    if "?" in "".join(parts[1:]):
        parts.append(P["question"])
    if brief:
        parts = [p for p in parts[1:] if not p.startswith(tuple(P[k].split("{")[0] for k in ("ok", "failed", "warn", "flags")))]
    return "\n\n".join(parts)


def _is_2019_t2(t2: pd.DataFrame, rid: str) -> bool:
    """Whether a report's Table 2 was read with the 2019 layout (a mixed report may have it)."""
    return bool((t2[t2["report_id"] == rid]["measure"] == "newly_made").any())


def trends(ds, agencies: list[str], first_year: int, last_year: int, lang: str = "zh") -> str:
    """Across years: applications, disclosure share, reviews and lawsuits, cross-year checks."""
    out = []
    for agency in agencies:
        hit = resolve_agency(ds, agency)
        aid = hit["agency_id"].iloc[0]
        y = ds.year_over_year
        y = y[(y["agency_id"] == aid) & (y["year"] >= first_year) & (y["year"] <= last_year)]
        new = y[y["measure"] == "new_received"].sort_values("year")
        sh = ds.outcome_shares[ds.outcome_shares["report_id"].isin(hit["report_id"])].sort_values("year")
        w1 = ds.checks[ds.checks["report_id"].isin(hit["report_id"]) & (ds.checks["rule"] == "W1")]
        name = esc(hit["agency"].iloc[0])
        years = sorted(int(v) for v in new["year"])
        if not years:
            continue
        first, last = new.iloc[0], new.iloc[-1]
        peak = new.loc[new["value"].astype(float).idxmax()] if new["value"].notna().any() else None
        disclosed = (sh["granted_pct"].astype(float).fillna(0) + sh["partially_granted_pct"].astype(float).fillna(0))
        if lang == "zh":
            s = (f"**{name}**，{years[0]}–{years[-1]} 年共 {len(years)} 份报告：新收申请由 {n(first['value'])} 件变为 "
                 f"{n(last['value'])} 件")
            if peak is not None:
                s += f"，{int(peak['year'])} 年最多（{n(peak['value'])} 件）"
            if len(sh):
                s += f"；予以公开与部分公开合计占办理总数的 {disclosed.min():.0f}%–{disclosed.max():.0f}%"
            s += "。"
            big = y[(y["measure"] == "new_received") & (y["change_pct"].abs() >= 50)]
            if not big.empty:
                s += " 变化较大的年份：" + "、".join(f"{int(r.year)} 年（{n(r.change_pct, 0)}%）" for r in big.itertuples()) + "。"
            if len(w1):
                bad = w1[~w1["is_passed"].astype(bool)]
                s += (f" 跨年结转核对（W1）{len(w1)} 项，" + ("全部一致。" if bad.empty else f"{len(bad)} 项不一致。"))
        else:
            s = (f"**{name}**, {len(years)} reports {years[0]}–{years[-1]}: new applications went from "
                 f"{n(first['value'])} to {n(last['value'])}")
            if peak is not None:
                s += f", peaking in {int(peak['year'])} ({n(peak['value'])})"
            if len(sh):
                s += f"; disclosed in full or in part: {disclosed.min():.0f}–{disclosed.max():.0f}% of applications handled"
            s += "."
            if len(w1):
                bad = w1[~w1["is_passed"].astype(bool)]
                s += f" Cross-year carry-over check (W1): {count(len(w1), 'comparison', 'comparisons')}, {len(bad)} inconsistent."
        out.append(s)
    return "\n\n".join(out) if out else ("所选范围内没有报告。" if lang == "zh" else "No reports in the selection.")


def compare(table: pd.DataFrame, year: int, lang: str = "zh", min_handled: int = 0) -> str:
    """One year across agencies (a :func:`xxgk.dataset.comparison` frame): how many, the largest,
    disclosure rates and their outliers (among agencies that handled at least ``min_handled``)."""
    if table.empty:
        return "所选年度没有报告。" if lang == "zh" else "No reports for that year."
    sh = table
    top = sh.sort_values("total_processed_count", ascending=False).head(3)
    total = sh["total_processed_count"].astype(float).sum()
    rated = sh[sh["total_processed_count"].fillna(0) >= min_handled]
    rates = rated["disclosed_pct"].dropna()
    out = outliers(rated, "disclosed_pct")
    if lang == "zh":
        s = (f"**{year} 年**共 {len(sh)} 个机关的报告，合计办理申请 {n(total)} 件。办理最多的是 "
             + "、".join(f"{esc(x.agency)}（{n(x.total_processed_count)} 件）" for x in top.itertuples()) + "。")
        if len(rates) >= 2:
            s += (f" 在办理 {min_handled} 件以上的 {len(rates)} 个机关中，" if min_handled else " ") + \
                 (f"公开率（予以公开与部分公开之和）中位数 {rates.median():.1f}%，"
                  f"最高 {rates.max():.1f}%，最低 {rates.min():.1f}%。")
        if out:
            s += " 偏离较大的机关：" + "、".join(f"{esc(a)}（{v:.1f}%）" for a, v in out[:10]) + \
                 (f"等 {len(out)} 个" if len(out) > 10 else "") + "。"
    else:
        s = (f"**{year}**: {count(len(sh), 'agency', 'agencies')}, {count(total, 'application', 'applications')} handled in all. Most handled: "
             + ", ".join(f"{esc(x.agency)} ({n(x.total_processed_count)})" for x in top.itertuples()) + ".")
        if len(rates) >= 2:
            s += (f" Among the {len(rates)} agencies that handled at least {min_handled}:" if min_handled else "") + \
                 (f" disclosure rate (in full or in part): median {rates.median():.1f}%, "
                  f"range {rates.min():.1f}–{rates.max():.1f}%.")
        if out:
            s += " Outliers: " + ", ".join(f"{esc(a)} ({v:.1f}%)" for a, v in out[:10]) + \
                 (f" and {len(out) - 10} more" if len(out) > 10 else "") + "."
    return s


def outliers(df: pd.DataFrame, column: str, name: str = "agency") -> list[tuple[str, float]]:
    """Agencies outside 1.5 × IQR of a column (needs at least 4 values)."""
    v = df[[name, column]].dropna()
    if len(v) < 4:
        return []
    q1, q3 = v[column].quantile([0.25, 0.75])
    iqr = q3 - q1
    if iqr == 0:
        return []  # most agencies share one value: "outside the spread" would name everyone else
    lo, hi = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    hit = v[(v[column] < lo) | (v[column] > hi)]
    return [(str(a), float(x)) for a, x in zip(hit[name], hit[column], strict=True)]


def quality(frames: dict, year: int | None = None, lang: str = "zh") -> str:
    """Across the dataset (a :func:`xxgk.dataset.quality` result): errors, failing reports, flags."""
    t = frames["totals"].iloc[0]
    flags = frames["flags"].groupby("flag")["cells"].sum().sort_values(ascending=False)
    tmpl = frames["templates"].groupby("template")["reports"].sum()
    if lang == "zh":
        s = (f"数据集{'（' + str(year) + ' 年）' if year else ''}共 {n(t['reports'])} 份报告、{n(t['errors'])} 个无法解析的文件。"
             f"{n(t['failing_reports'])} 份报告至少有一项勾稽校验未通过。")
        if len(flags):
            s += " 单元格标记：" + "、".join(f"{_flag(k, lang)} {n(v)} 个" for k, v in flags.items()) + "。"
        s += " 模板：" + "、".join(f"{k} 年版 {n(v)} 份" if k != "mixed" else f"混合 {n(v)} 份" for k, v in tmpl.items()) + "。"
    else:
        s = (f"The dataset{' (' + str(year) + ')' if year else ''} holds {count(t['reports'], 'report', 'reports')} "
             f"and {count(t['errors'], 'file', 'files')} that could not be parsed. "
             f"{count(t['failing_reports'], 'report fails', 'reports fail')} at least one arithmetic rule.")
        if len(flags):
            s += " Flagged cells: " + ", ".join(f"{_flag(k, lang)} {n(v)}" for k, v in flags.items()) + "."
    return s


def failed_checks_table(ds, report_ids=None) -> pd.DataFrame:
    """Failed rule results with the report's agency and year (HTML-escaped when rendered by pandas)."""
    c = ds.checks[~ds.checks["is_passed"].astype(bool)]
    if report_ids is not None:
        c = c[c["report_id"].isin(report_ids)]
    out = c.merge(ds.reports[["report_id", "agency", "year"]], on="report_id")
    return out[["agency", "year", "rule", "scope", "expected", "actual", "is_warning", "note"]].reset_index(drop=True)


def flagged_cells_table(ds, report: str, *, year: int | None = None) -> pd.DataFrame:
    """Every flagged (recovered, ambiguous, note, invalid, unit_unknown) cell of a report."""
    report_id = report_id_of(ds, report, year)
    rows = []
    for table, k1, k2 in (("active_disclosure", "item", "measure"), ("applications", "row", "applicant"),
                          ("review_litigation", "proceeding", "outcome")):
        d = getattr(ds, table)
        d = d[(d["report_id"] == report_id) & d["flag"].isin(["recovered", "ambiguous", "note", "invalid",
                                                             "unit_unknown"])]
        for r in d.itertuples():
            rows.append({"table": table, "row": str(getattr(r, k1)), "column": str(getattr(r, k2)),
                         "value": r.value, "raw": r.raw, "flag": r.flag})
    return pd.DataFrame(rows, columns=["table", "row", "column", "value", "raw", "flag"])




def yoy_table(ds, report: str, lang: str = "zh", *, year: int | None = None) -> pd.DataFrame:
    """The year-over-year rows of one report, with readable measure names."""
    report_id = report_id_of(ds, report, year)
    rep = ds.reports.set_index("report_id").loc[report_id]
    y = ds.year_over_year
    y = y[(y["agency_id"] == rep["agency_id"]) & (y["year"] == rep["year"])].copy()
    y["measure"] = y["measure"].astype(str).map(lambda m: MEASURE_NAMES.get(m, (m, m))[0 if lang == "zh" else 1])
    return y[["measure", "value", "previous_value", "change", "change_pct"]].reset_index(drop=True)


MEASURE_NAMES = {
    "new_received": ("本年新收申请", "new applications"), "total_processed": ("办理总数", "applications handled"),
    "granted": ("予以公开", "disclosed in full"), "carried_forward": ("结转下年度", "carried forward"),
    "review_total": ("行政复议", "administrative reviews"), "litigation_direct_total": ("直接起诉", "lawsuits, direct"),
    "litigation_after_review_total": ("复议后起诉", "lawsuits after review"),
    "normative_documents_in_force": ("现行有效行政规范性文件", "normative documents in force"),
    "licensing_decisions": ("行政许可决定", "licensing decisions"),
    "punishment_decisions": ("行政处罚决定", "penalty decisions"),
}


def yoy_changes(ds, lang: str = "zh") -> pd.DataFrame:
    """Year-over-year changes of every agency in the dataset, the largest moves first."""
    y = ds.year_over_year.dropna(subset=["previous_value"]).copy()
    y["measure"] = y["measure"].astype(str).map(lambda m: MEASURE_NAMES.get(m, (m, m))[0 if lang == "zh" else 1])
    y["abs_change"] = y["change"].abs()
    return y.sort_values("abs_change", ascending=False).drop(columns=["abs_change", "agency_id"]).reset_index(drop=True)


def cross_year_checks(ds) -> pd.DataFrame:
    """W1 and in-force continuity results with agency and year."""
    c = ds.checks[ds.checks["rule"].isin(["W1", "W_IN_FORCE"])]
    out = c.merge(ds.reports[["report_id", "agency", "year"]], on="report_id")
    return out[["agency", "year", "rule", "scope", "expected", "actual", "is_passed", "note"]].sort_values(
        ["agency", "year", "rule", "scope"]).reset_index(drop=True)






def narrative_table(ds, report: str, lang: str = "zh", *, year: int | None = None) -> pd.DataFrame:
    """The figures stated in a report's prose, with the sentence each came from."""
    report_id = report_id_of(ds, report, year)
    from .figures import measures

    f = ds.narrative_figures[ds.narrative_figures["report_id"] == report_id].copy()
    key = "label_zh" if lang == "zh" else "label_en"
    f["measure"] = f["measure"].astype(str).map(lambda m: measures().get(m, {}).get(key, m))
    return f[["section", "measure", "channel", "category", "value", "unit", "is_approximate", "evidence"]
             ].reset_index(drop=True)


NARRATIVE = {
    "zh": {"no_prose": "数据集中没有这份报告的正文（只有表格），因此没有正文所述的数量。",
           "none": "这份报告的正文没有写明主动公开的信息条数，也没有写明其他工作量。",
           "no_items": "这份报告的正文没有写明主动公开的信息条数。",
           "items": "正文写明的主动公开信息：{items}。", "channel": "{name} {value} 条{parts}",
           "parts": "（列出 {n} 个类别）", "rest": "正文还写明：{rest}。", "measure": "{name} {value} {unit}",
           "sep": "；", "approx": "约", "coverage": "正文写明主动公开信息条数的报告：{has}。",
           "coverage_none": "所选机关的报告正文都没有写明主动公开的信息条数。",
           "missing": "正文没有写明的：{years}。", "no_text": "数据集中没有正文的：{years}。",
           "years": "{agency} {years} 年", "year_sep": "、"},
    "en": {"no_prose": "The dataset holds only the tables of this report, not its text, so no figures from the "
                       "text are shown.",
           "none": "The text of this report states no number of items published and no other figure.",
           "no_items": "The text of this report does not state how many items were published.",
           "items": "Items published, as the text states them: {items}.", "channel": "{name} {value}{parts}",
           "parts": " ({n} categories listed)", "part": " (1 category listed)", "rest": "The text also states: {rest}.",
           "measure": "{name} {value}{unit}", "sep": "; ", "approx": "about ",
           "coverage": "Reports whose text states the items published: {has}.",
           "coverage_none": "None of these agencies' reports states in its text how many items were published.",
           "missing": "Text states none: {years}.", "no_text": "Text not in the dataset: {years}.",
           "years": "{agency} {years}", "year_sep": ", "},
}


def _report_has_prose(ds, report_ids) -> dict[str, bool]:
    from .figures import has_prose

    s = ds.sections[ds.sections["report_id"].isin(list(report_ids))]
    texts = s.groupby("report_id")["text"].apply(list).to_dict()
    return {rid: has_prose(texts.get(rid, [])) for rid in report_ids}


def narrative_summary(ds, report: str, lang: str = "zh", *, year: int | None = None) -> str:
    """One or two sentences on what the report's text states: items published per channel (and whether a
    breakdown by category is given) and the other figures — or that it states none, or that the dataset
    does not hold the report's text."""
    report_id = report_id_of(ds, report, year)
    from .figures import ITEMS, measures, published_by_channel
    from .plots import CHANNEL_ORDER, channel_name

    P = NARRATIVE["zh" if lang == "zh" else "en"]
    f = ds.narrative_figures[ds.narrative_figures["report_id"] == report_id]
    if f.empty:
        return P["none"] if _report_has_prose(ds, [report_id])[report_id] else P["no_prose"]

    def value(v, approx) -> str:
        return P["approx"] * bool(approx) + n(v)

    items = published_by_channel(f)
    out = []
    if items.empty:
        out.append(P["no_items"])
    else:
        parts = []
        for ch in CHANNEL_ORDER:
            g = items[items["channel"].map(lambda c, ch=ch: c == ch)]
            tot = g[g["category"].isna()]
            ncat = int(g["category"].notna().sum())
            if not tot.empty:
                parts.append(P["channel"].format(name=channel_name(ch, lang),
                                                 value=value(tot["value"].iloc[0], tot["is_approximate"].iloc[0]),
                                                 parts=(P.get("part") if ncat == 1 and "part" in P else
                                                        P["parts"].format(n=ncat)) if ncat else ""))
        out.append(P["items"].format(items=P["sep"].join(parts)))
    rest = f[f["measure"].astype(str) != ITEMS].sort_values("value", ascending=False)
    rest = rest.drop_duplicates(["measure", "channel"]).sort_values("mention")
    if not rest.empty:
        key = "label_zh" if lang == "zh" else "label_en"
        out.append(P["rest"].format(rest=P["sep"].join(
            P["measure"].format(name=measures()[m][key].removesuffix("数"), value=value(v, a),
                                unit=esc(u if lang == "zh" else "") if isinstance(u, str) else "")
            for m, v, a, u in zip(rest["measure"].astype(str), rest["value"], rest["is_approximate"], rest["unit"],
                                  strict=True))))
    return " ".join(out) if lang != "zh" else "".join(out)  # phrases from NARRATIVE; the report's text escaped


def narrative_coverage(ds, agencies: list[str], lang: str = "zh") -> str:
    """For the trends page: which years' reports state the items published in their text, which state
    none, and which have no text in the dataset."""
    agency_ids = [agency_id_of(ds, a) for a in agencies]
    from .figures import ITEMS

    P = NARRATIVE["zh" if lang == "zh" else "en"]
    r = ds.reports[ds.reports["agency_id"].isin(agency_ids)].sort_values("year")
    f = ds.narrative_figures
    stated = set(f[(f["measure"].astype(str) == ITEMS) & f["report_id"].isin(r["report_id"])]["report_id"])
    prose = _report_has_prose(ds, r["report_id"].tolist())
    groups: dict[str, dict[str, list[str]]] = {"has": {}, "missing": {}, "no_text": {}}
    for _, row in r.iterrows():
        kind = "has" if row["report_id"] in stated else "missing" if prose[row["report_id"]] else "no_text"
        groups[kind].setdefault(str(row["agency"]), []).append(str(int(row["year"])) if pd.notna(row["year"]) else "?")

    def listing(d: dict[str, list[str]]) -> str:
        return P["sep"].join(P["years"].format(agency=esc(a), years=P["year_sep"].join(y)) for a, y in d.items())

    out = [P["coverage"].format(has=listing(groups["has"])) if groups["has"] else P["coverage_none"]]
    if groups["missing"]:
        out.append(P["missing"].format(years=listing(groups["missing"])))
    if groups["no_text"]:
        out.append(P["no_text"].format(years=listing(groups["no_text"])))
    return " ".join(out) if lang != "zh" else "".join(out)
