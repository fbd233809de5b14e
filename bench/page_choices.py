"""The measured choices behind the pages: table library and chart format.

Usage: python bench/page_choices.py [--data data/processed]

Tables: the same two tables of one page (the full flagged-cells table of the report with most flags,
and its year-over-year table) rendered with pandas' Styler (as xxgk.pages does) and with great-tables
(if installed: ``pip install great-tables``): bytes, milliseconds, URLs in the output, CSS rules that
reach outside the table, and whether two renderings are byte-identical. Both are written side by
side to bench/out/page_choices/tables.html for a look in a browser.

Charts: six charts of the bundled data as PNG at 110 and 220 dpi (base64, as embedded in a page), and
as SVG with the text drawn as paths or kept as text (xxgk.plots.to_svg): bytes and milliseconds.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import statistics
import time
from pathlib import Path

import matplotlib

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "page_choices"


def _time(fn, n: int = 5) -> tuple[float, object]:
    fn()
    ts, res = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        res = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1000, res


def _leaks(html: str) -> int:
    """CSS selectors in the output's own <style> that are not scoped to one element id (they restyle
    the whole page: e.g. ``tr { background-color: transparent; }``)."""
    rules = re.findall(r"(?:^|})\s*([^{}@]+)\{", "\n".join(re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)))
    sels = [s.strip() for r in rules for s in r.split(",") if s.strip()]
    return sum(1 for s in sels if not s.startswith("#"))


def tables(ds) -> None:
    import pandas as pd

    from xxgk import pages, render

    rid = ds.reports.set_index("report_id")["flagged_cells_count"].astype(int).idxmax()
    lang = "zh"
    rows = []
    for tbl, k1, k2, kinds in (("active_disclosure", "item", "measure", ("table2", "table2_measure")),
                               ("applications", "row", "applicant", ("table3_row", "table3_applicant")),
                               ("review_litigation", "proceeding", "outcome", ("table4_proceeding", "table4_outcome"))):
        d = getattr(ds, tbl)
        d = d[(d["report_id"] == rid) & d["flag"].notna() & ~d["flag"].astype("object").isin(pages.QUIET)]
        for r in d.itertuples(index=False):
            rows.append({"table": str(pages.T(f"tbl.{tbl}", lang)), "row": pages.label(kinds[0], getattr(r, k1), lang),
                         "col": pages.label(kinds[1], getattr(r, k2), lang), "value": r.value, "raw": r.raw,
                         "flag": str(r.flag)})
    flagged = pd.DataFrame(rows)
    y = ds.year_over_year
    y = y[y["previous_value"].notna()].head(40).copy()
    cols = [pages.Col("table", "表"), pages.Col("row", "行"), pages.Col("col", "列"), pages.Col("value", "数值", "count"),
            pages.Col("raw", "原文"), pages.Col("flag", "标记", "flag")]
    ycols = [pages.Col("agency", "机关"), pages.Col("year", "年度", "year"), pages.Col("value", "本年", "count"),
             pages.Col("previous_value", "上年", "count"), pages.Col("change_pct", "变化率", "signed_pct")]

    def styler():
        return pages.table(flagged, cols, lang) + pages.table(y, ycols, lang)

    out = {"Styler (xxgk.pages.table)": styler}
    try:
        from great_tables import GT

        def gt():
            f = flagged.assign(flag=[pages.flag_label(x, lang) for x in flagged["flag"]])
            a = (GT(f).cols_label(table="表", row="行", col="列", value="数值", raw="原文", flag="标记")
                 .fmt_integer(columns="value").sub_missing(missing_text="—").as_raw_html())
            b = (GT(y[["agency", "year", "value", "previous_value", "change_pct"]].astype({"year": "int64"}))
                 .fmt_integer(columns=["value", "previous_value"]).fmt_number(columns="change_pct", decimals=1)
                 .sub_missing(missing_text="—").as_raw_html())
            return a + b

        out["great-tables"] = gt
    except ImportError:
        print("great-tables is not installed (pip install great-tables): only Styler measured")
    print(f"tables: the flagged cells of {rid} ({len(flagged)} rows) and 40 year-over-year rows")
    print("| library | bytes | ms | URLs | CSS rules reaching outside the table | same bytes twice |")
    print("|---|---:|---:|---:|---:|---|")
    page = [f"<!doctype html><meta charset=utf-8><style>{render.css()}</style><main>"]
    for name, fn in out.items():
        ms, html = _time(fn)
        urls = len(re.findall(r"https?://", html))
        leaks = _leaks(html)
        same = fn() == fn()
        print(f"| {name} | {len(html.encode()):,} | {ms:.0f} | {urls} | {leaks} | {'yes' if same else 'no'} |")
        page.append(f"<h2>{name}</h2>{html}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tables.html").write_text("".join(page) + "</main>", encoding="utf-8")


def charts(ds) -> None:
    from xxgk import dataset, plots

    rid = ds.report_of("平潭综合实验区", 2023)["report_id"]
    aid = ds.report_of("平潭综合实验区", 2023)["agency_id"]
    table = dataset.comparison(2024, ds.path)
    makers = {
        "outcomes": lambda: plots.outcomes(ds, rid), "applicants": lambda: plots.applications_by_applicant(ds, rid),
        "reasons": lambda: plots.reasons(ds, rid), "outcome shares by year": lambda: plots.outcome_shares_by_year(ds, aid),
        "correction rates by year": lambda: plots.correction_rates_by_year(ds, aid),
        "outcome heatmap": lambda: plots.outcome_heatmap(table),
    }

    def png(fig, dpi):
        b = io.BytesIO()
        fig.savefig(b, format="png", dpi=dpi)
        return base64.b64encode(b.getvalue())

    def svg_paths(fig):
        b = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            fig.savefig(b, format="svg")
        return b.getvalue().encode()

    formats = {"PNG 110 dpi (base64)": lambda f: png(f, 110), "PNG 220 dpi, sharp on HiDPI (base64)": lambda f: png(f, 220),
               "SVG, text as paths": svg_paths, "SVG, text as text (xxgk)": lambda f: plots.to_svg(f).encode()}
    print("\ncharts: bytes (and ms) per chart as embedded in a page")
    print("| chart | " + " | ".join(formats) + " |")
    print("|---|" + "---:|" * len(formats))
    totals = dict.fromkeys(formats, 0)
    for name, make in makers.items():
        cells = []
        for fname, f in formats.items():
            ms, data = _time(lambda f=f, make=make: f(make()), 3)
            totals[fname] += len(data)
            cells.append(f"{len(data) / 1024:.0f} KB ({ms:.0f} ms)")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| total | " + " | ".join(f"{v / 1024:.0f} KB" for v in totals.values()) + " |")


def main() -> None:
    import xxgk

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "processed"))
    a = ap.parse_args()
    if not (Path(a.data) / "reports.parquet").exists():
        xxgk.build([ROOT / "data" / "raw"], a.data, progress=False)
    ds = xxgk.load(a.data)
    tables(ds)
    charts(ds)


if __name__ == "__main__":
    main()
