"""Load the built dataset: pandas frames with ordered codes, labels, derived tables; DuckDB SQL.

``load()`` reads the Parquet tables written by :mod:`xxgk.build` (filters on agency and year are
pushed down to Parquet, so a large dataset is not read whole), returns a :class:`Dataset` whose
attributes are DataFrames, and computes the derived tables users ask for (outcome shares, applicant
mix, review/litigation correction rates, year-over-year changes) from the stored ones.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from . import metadata as md

STORED = [t.name for t in md.TABLES.values() if not t.derived]
CODE_COLUMNS = {  # column → kind of codes.csv, for ordered categoricals and labels (narrative: see figures)
    "item": "table2", "measure": "table2_measure", "row": "table3_row", "applicant": "table3_applicant",
    "proceeding": "table4_proceeding", "outcome": "table4_outcome",
}
OUTCOME_GROUPS = {  # derived outcome group → Table 3 rows
    "granted": ("granted",),
    "partially_granted": ("partially_granted",),
    "denied": tuple(c for c in md.codes_of("table3_row") if c.startswith("denied_")),
    "unable": tuple(c for c in md.codes_of("table3_row") if c.startswith("unable_")),
    "not_processed": tuple(c for c in md.codes_of("table3_row") if c.startswith("rejected_")),
    "other": ("other_handling", "other_overdue_correction", "other_overdue_fee", "other_other"),
}
YOY_MEASURES = {  # measure → (table, key columns, values)
    "new_received": ("applications", {"row": "new_received", "applicant": "total"}),
    "total_processed": ("applications", {"row": "total_processed", "applicant": "total"}),
    "granted": ("applications", {"row": "granted", "applicant": "total"}),
    "carried_forward": ("applications", {"row": "carried_forward", "applicant": "total"}),
    "review_total": ("review_litigation", {"proceeding": "review", "outcome": "total"}),
    "litigation_direct_total": ("review_litigation", {"proceeding": "litigation_direct", "outcome": "total"}),
    "litigation_after_review_total": ("review_litigation",
                                      {"proceeding": "litigation_after_review", "outcome": "total"}),
    "normative_documents_in_force": ("active_disclosure", {"item": "normative_documents", "measure": "in_force"}),
    "licensing_decisions": ("active_disclosure", {"item": "licensing", "measure": "decisions"}),
    "punishment_decisions": ("active_disclosure", {"item": "punishment", "measure": "decisions"}),
}
_PANDAS = {"string": "string", "Int64": "Int64", "Float64": "Float64", "boolean": "boolean", "category": "category"}


def default_path() -> Path:
    """Where the dataset is: $XXGK_DATA, else data/processed of this checkout, else ./data/processed."""
    env = os.environ.get("XXGK_DATA")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2] / "data" / "processed"
    if repo.exists():
        return repo
    return Path("data/processed")


def _categories(kind: str) -> list[str]:
    return md.codes_of(kind)


def _typed(df: pd.DataFrame, table: md.Table) -> pd.DataFrame:
    for c in table.columns:
        if c.name not in df:
            df[c.name] = pd.Series([None] * len(df))
        if c.name == "measure" and table.name == "narrative_figures":
            from .figures import measures

            cats = list(measures())
            extra = [v for v in pd.unique(df[c.name].dropna()) if v not in cats]
            df[c.name] = pd.Categorical(df[c.name], categories=cats + sorted(extra), ordered=True)
        elif c.name in CODE_COLUMNS:
            cats = _categories(CODE_COLUMNS[c.name])
            extra = [v for v in pd.unique(df[c.name].dropna()) if v not in cats]
            df[c.name] = pd.Categorical(df[c.name], categories=cats + sorted(extra), ordered=True)
        elif c.dtype == "category" and c.allowed:
            extra = [v for v in pd.unique(df[c.name].dropna()) if v not in c.allowed]
            df[c.name] = pd.Categorical(df[c.name], categories=list(c.allowed) + sorted(extra), ordered=True)
        else:
            df[c.name] = df[c.name].astype(_PANDAS[c.dtype])
    return df[table.names]


class Dataset:
    """The dataset as pandas DataFrames, one attribute per table (see docs/data-dictionary.md).

    Stored tables: ``reports``, ``active_disclosure``, ``applications``, ``review_litigation``,
    ``checks``, ``sections``, ``errors``. Derived: ``outcome_shares``, ``applicant_mix``,
    ``review_litigation_rates``, ``year_over_year``.
    """

    def __init__(self, path: Path, reports: pd.DataFrame, ids: list[str] | None):
        self.path = path
        self.reports = reports
        self._ids = ids  # the reports kept by load()'s filters (None: all)

    def __getattr__(self, name: str) -> pd.DataFrame:
        """Stored tables are read on first use (with load()'s filters), so a large dataset is not read whole."""
        if name in STORED and name != "reports":
            df = _read_table(self.path, name, self._ids)
            setattr(self, name, df)
            return df
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"<xxgk.Dataset {self.path}: {len(self.reports)} reports>"

    # -- labels --------------------------------------------------------------------------
    def label(self, df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
        """A copy of ``df`` with a ``<column>_label`` beside every code column, in Chinese or English."""
        labels = md.labels(lang)
        out = df.copy()
        for col, kind in CODE_COLUMNS.items():
            if col in out:
                out[f"{col}_label"] = out[col].astype("object").map(lambda c, k=kind: labels.get((k, c), c))
        return out

    def wide(self, table: str = "applications", value: str = "value") -> pd.DataFrame:
        """A stored long table pivoted wide: one row per report and row/item, one column per applicant/measure."""
        keys = {"applications": ("row", "applicant"), "active_disclosure": ("item", "measure"),
                "review_litigation": ("proceeding", "outcome")}[table]
        df = getattr(self, table)
        return df.pivot_table(index=["report_id", keys[0]], columns=keys[1], values=value, aggfunc="first",
                              observed=True, dropna=False).reset_index()

    # -- derived tables ------------------------------------------------------------------
    def _report_cols(self) -> pd.DataFrame:
        return self.reports[["report_id", "agency_id", "agency", "year"]]

    @cached_property
    def _t3_totals(self) -> tuple[pd.DataFrame, pd.Series]:
        """Table 3 总计 column per report × row; where the 总计 cell is printed blank or '/', the sum of
        the six applicant columns (the second value says which reports needed that)."""
        a = self.applications
        t = a[a["applicant"] == "total"].set_index(["report_id", "row"])
        parts = a[a["applicant"] != "total"].groupby(["report_id", "row"], observed=True)["value"].sum(min_count=1)
        blank = t["flag"].isin(["blank", "na"]) & parts.reindex(t.index).fillna(0).gt(0)
        value = t["value"].where(~blank, parts.reindex(t.index))
        wide = value.unstack("row")
        used = blank.groupby(level="report_id").any()
        return wide, used

    def _t3_total(self) -> pd.DataFrame:
        return self._t3_totals[0]

    @cached_property
    def outcome_shares(self) -> pd.DataFrame:
        """Per report: outcome counts and percentages of total_processed (总计 column)."""
        t = self._t3_total()
        out = pd.DataFrame(index=t.index)
        total = t.get("total_processed")
        out["total_processed_count"] = total
        for g, rows in OUTCOME_GROUPS.items():
            present = [r for r in rows if r in t.columns]
            cnt = t[present].fillna(0).sum(axis=1) if present else pd.Series(0.0, index=t.index)
            out[f"{g}_count"] = cnt
            out[f"{g}_pct"] = np.where(total.fillna(0) > 0, cnt / total * 100, np.nan)
        flagged = self.applications.assign(f=self.applications["flag"].isin(
            ["recovered", "ambiguous", "note", "invalid"])).groupby("report_id", observed=True)["f"].any()
        out["has_flagged_cells"] = flagged.reindex(out.index).fillna(False)
        out["has_totals_from_columns"] = self._t3_totals[1].reindex(out.index).fillna(False)
        out = out.reset_index().merge(self._report_cols(), on="report_id", how="left")
        return _typed(out, md.TABLES["outcome_shares"])

    @cached_property
    def applicant_mix(self) -> pd.DataFrame:
        """Per report: new applications by applicant type."""
        a = self.applications
        new = a[a["row"] == "new_received"].pivot_table(index="report_id", columns="applicant", values="value",
                                                         aggfunc="first", observed=True, dropna=False)
        new = new.reindex(a["report_id"].unique())  # a report whose row 一 is unreadable keeps its row
        out = pd.DataFrame(index=new.index)
        out["new_received_count"] = new.get("total")
        for c in md.TABLE3_PARTS:
            out[f"{c}_count"] = new.get(c)
        orgs = [f"{c}_count" for c in md.TABLE3_PARTS if c != "natural_person"]
        out["legal_person_count"] = out[orgs].fillna(0).sum(axis=1)
        tot = out["new_received_count"]
        out["natural_person_pct"] = np.where(tot.fillna(0) > 0, out["natural_person_count"] / tot * 100, np.nan)
        out = out.reset_index().merge(self._report_cols(), on="report_id", how="left")
        return _typed(out, md.TABLES["applicant_mix"])

    @cached_property
    def review_litigation_rates(self) -> pd.DataFrame:
        """Per report and proceeding (plus both litigation groups together): results and correction rate."""
        r = self.review_litigation
        r = r[r["flag"] != "missing"]  # an unprinted Table 4 has no rates, not zero rates
        w = r.pivot_table(index=["report_id", "proceeding"], columns="outcome", values="value", aggfunc="first",
                          observed=True).reset_index()
        w["proceeding"] = w["proceeding"].astype(str)
        lit = w[w["proceeding"].isin(["litigation_direct", "litigation_after_review"])]
        if len(lit):
            both = lit.groupby("report_id").sum(numeric_only=True, min_count=1).reset_index()
            both["proceeding"] = "litigation"
            w = pd.concat([w, both], ignore_index=True)
        for o in md.TABLE4_OUTCOMES:
            if o not in w:
                w[o] = np.nan
            w[o] = w[o].fillna(0)  # blank and '/' cells count as 0 (report-format.md §6)
        out = w.rename(columns={o: f"{o}_count" for o in md.TABLE4_OUTCOMES})
        concluded = out[["upheld_count", "corrected_count", "other_count"]].fillna(0).sum(axis=1)
        out["correction_pct"] = np.where(concluded > 0, out["corrected_count"].fillna(0) / concluded * 100, np.nan)
        processed = self._t3_total().get("total_processed")
        out["per_100_applications"] = out["report_id"].map(processed) if processed is not None else np.nan
        out["per_100_applications"] = np.where(out["per_100_applications"].fillna(0) > 0,
                                               out["total_count"] / out["per_100_applications"] * 100, np.nan)
        out = out.merge(self._report_cols(), on="report_id", how="left")
        order = list(md.TABLE4_PROCEEDINGS) + ["litigation"]
        out["proceeding"] = pd.Categorical(out["proceeding"], categories=order, ordered=True)
        out = out.sort_values(["report_id", "proceeding"])
        t = md.TABLES["review_litigation_rates"]
        for c in t.columns:
            if c.name != "proceeding" and c.name in out:
                out[c.name] = out[c.name].astype(_PANDAS[c.dtype])
        return out[t.names].reset_index(drop=True)

    @cached_property
    def year_over_year(self) -> pd.DataFrame:
        """Per agency, year and measure: value, previous year's value and the change."""
        rows = []
        reps = self._report_cols()
        for measure, (table, keys) in YOY_MEASURES.items():
            df = getattr(self, table)
            mask = np.ones(len(df), dtype=bool)
            for k, v in keys.items():
                mask &= (df[k] == v).to_numpy()
            sub = df.loc[mask, ["report_id", "value"]].merge(reps, on="report_id")
            sub["measure"] = measure
            rows.append(sub)
        if not rows:
            return _typed(pd.DataFrame(), md.TABLES["year_over_year"])
        d = pd.concat(rows, ignore_index=True)
        prev = d[["agency_id", "year", "measure", "value"]].copy()
        prev["year"] = prev["year"] + 1
        d = d.merge(prev.rename(columns={"value": "previous_value"}), on=["agency_id", "year", "measure"], how="left")
        d["change"] = d["value"] - d["previous_value"]
        d["change_pct"] = np.where(d["previous_value"].fillna(0) != 0, d["change"] / d["previous_value"] * 100, np.nan)
        d["measure"] = pd.Categorical(d["measure"], categories=list(YOY_MEASURES), ordered=True)
        d = d.sort_values(["agency_id", "measure", "year"])
        t = md.TABLES["year_over_year"]
        for c in t.columns:
            if c.name != "measure":
                d[c.name] = d[c.name].astype(_PANDAS[c.dtype])
        return d[t.names].reset_index(drop=True)

    # -- convenience ---------------------------------------------------------------------
    def report_of(self, agency: str, year: int) -> pd.Series:
        """The reports row of an agency (canonical name or agency_id) and year."""
        r = self.reports
        hit = r[((r["agency"] == agency) | (r["agency_id"] == agency)) & (r["year"] == year)]
        if hit.empty:
            raise KeyError(f"no report for {agency} {year}")
        return hit.iloc[0]


def _filter(table: str, agency, year, report_ids):
    expr = None
    if report_ids is not None and table != "errors":
        expr = pads.field("report_id").isin(pa.array(list(report_ids), type=pa.string()))
    if table == "reports":
        parts = []
        if agency is not None:
            names = pa.array([agency] if isinstance(agency, str) else list(agency), type=pa.string())
            parts.append(pads.field("agency").isin(names) | pads.field("agency_id").isin(names)
                         | pads.field("agency_parsed").isin(names))
        if year is not None:
            years = [year] if isinstance(year, int) else list(year)
            parts.append(pads.field("year").isin(pa.array(years, type=pa.int64())))
        for p in parts:
            expr = p if expr is None else expr & p
    return expr


def load(path: str | Path | None = None, *, agency=None, year=None) -> Dataset:
    """Load the dataset built by ``xxgk build``.

    Args:
        path: the dataset folder (default :func:`default_path`).
        agency: keep only this agency (canonical name or agency_id, or a list of them).
        year: keep only this year (or a list of years).

    Raises:
        FileNotFoundError: no dataset at ``path`` (run ``xxgk build`` or ``make data``).
        LookupError: ``agency`` matches no report (the message names the nearest known agencies).
    """
    from .build import recover

    p = Path(path) if path else default_path()
    recover(p)
    if not (p / "reports.parquet").exists():
        raise FileNotFoundError(f"no dataset in {p}: run `xxgk build` (or `make data`) first")
    reports = pads.dataset(p / "reports.parquet").to_table(filter=_filter("reports", agency, year, None))
    if agency is not None and reports.num_rows == 0:
        import difflib

        known = sorted(set(pads.dataset(p / "reports.parquet").to_table(columns=["agency"])
                           .column("agency").to_pylist()) - {None})
        wanted = agency if isinstance(agency, str) else ", ".join(agency)
        near = difflib.get_close_matches(wanted, known, n=5, cutoff=0.2) or known[:5]
        raise LookupError(f"no report of '{wanted}'{f' for {year}' if year else ''} in {p}; "
                          f"nearest known agencies: {', '.join(near) or '(none)'}")
    ids = reports.column("report_id").to_pylist() if (agency is not None or year is not None) else None
    return Dataset(p, _finish_frame(reports.to_pandas(), "reports"), ids)


def _finish_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    t = md.TABLES[name]
    df = _typed(df, t)
    keys = [k for k in t.key if k in df]
    if len(df) and keys and name != "errors":
        df = df.sort_values(keys, kind="stable").reset_index(drop=True)  # template order of the codes
    return df


def _read_table(path: Path, name: str, ids: list[str] | None) -> pd.DataFrame:
    """One stored table, filtered to the given reports (pushed down to Parquet)."""
    f = path / f"{name}.parquet"
    if not f.exists():
        return _finish_frame(pd.DataFrame(columns=md.TABLES[name].names), name)
    return _finish_frame(pads.dataset(f).to_table(filter=_filter(name, None, None, ids)).to_pandas(), name)


def sql(query: str, path: str | Path | None = None) -> pd.DataFrame:
    """Run DuckDB SQL over the dataset's tables (each a view of its Parquet file); a DataFrame back.

    Example: ``xxgk.sql("select agency, year, value from applications join reports using (report_id)
    where row = 'new_received' and applicant = 'total'")``.
    """
    import duckdb

    p = Path(path) if path else default_path()
    from .build import recover

    recover(p)
    if not (p / "reports.parquet").exists():
        raise FileNotFoundError(f"no dataset in {p}: run `xxgk build` (or `make data`) first")
    con = duckdb.connect()
    try:
        for name in STORED:
            f = p / f"{name}.parquet"
            if f.exists():
                con.execute(f"create view {name} as select * from read_parquet('{f.resolve().as_posix()}')")
        return con.execute(query).df()
    finally:
        con.close()


# --- aggregates straight from Parquet (for datasets too large to load whole) -------------------

def _con(path: str | Path | None):
    import duckdb

    from .build import recover

    p = Path(path) if path else default_path()
    recover(p)
    if not (p / "reports.parquet").exists():
        raise FileNotFoundError(f"no dataset in {p}: run `xxgk build` (or `make data`) first")
    con = duckdb.connect()
    for name in STORED:
        f = p / f"{name}.parquet"
        if f.exists():
            con.execute(f"create view {name} as select * from read_parquet('{f.resolve().as_posix()}')")
    return con


_GROUP_SQL = ", ".join(
    f"sum(case when row in ({', '.join(repr(r) for r in rows)}) then eff end) as {g}_count"
    for g, rows in OUTCOME_GROUPS.items())


def comparison(year: int, path: str | Path | None = None, level: str | None = None,
               region: str | None = None) -> pd.DataFrame:
    """One row per report of a year: applications, outcome counts and shares, disclosure rate, reviews
    and lawsuits per 100 applications. Computed by DuckDB over the Parquet files (no full load), with
    the same rules as :attr:`Dataset.outcome_shares` (a blank 总计 falls back to the six columns)."""
    con = _con(path)
    where = ["year = ?"]
    args: list = [year]
    if level:
        where.append("level = ?")
        args.append(level)
    if region:
        where.append("contains(coalesce(region, ''), ?)")
        args.append(region)
    q = f"""
    with r as (select report_id, agency, level, region, year from reports where {' and '.join(where)}),
    cells as (
        select a.report_id, a.row,
               max(case when a.applicant = 'total' then a.value end) as total_value,
               bool_or(a.applicant = 'total' and a.flag in ('blank', 'na')) as total_blank,
               sum(case when a.applicant <> 'total' then a.value end) as parts,
               max(case when a.applicant = 'natural_person' then a.value end) as natural_person,
               bool_or(a.flag in ('recovered', 'ambiguous', 'note', 'invalid')) as flagged
        from applications a join r using (report_id) group by a.report_id, a.row),
    eff as (select *, case when total_blank and coalesce(parts, 0) > 0 then parts else total_value end as eff,
                   total_blank and coalesce(parts, 0) > 0 as from_columns from cells),
    per as (
        select report_id,
               max(case when row = 'new_received' then eff end) as new_received_count,
               max(case when row = 'new_received' then natural_person end) as natural_person_count,
               max(case when row = 'total_processed' then eff end) as total_processed_count,
               {_GROUP_SQL},
               bool_or(flagged) as has_flagged_cells, bool_or(from_columns) as has_totals_from_columns
        from eff group by report_id),
    rl as (
        select l.report_id,
               sum(case when proceeding = 'review' and outcome = 'total' then coalesce(value, 0) end) as review_count,
               sum(case when proceeding <> 'review' and outcome = 'total' then coalesce(value, 0) end)
                   as litigation_count,
               bool_and(flag = 'missing') as table4_missing
        from review_litigation l join r using (report_id) group by l.report_id)
    select r.*, per.* exclude (report_id), rl.review_count, rl.litigation_count, rl.table4_missing
    from r left join per using (report_id) left join rl using (report_id)
    order by new_received_count desc nulls last"""
    try:
        df = con.execute(q, args).df()
    finally:
        con.close()
    total = df["total_processed_count"].astype(float)
    ok = total.fillna(0) > 0
    for g in OUTCOME_GROUPS:
        df[f"{g}_pct"] = np.where(ok, df[f"{g}_count"].astype(float) / total * 100, np.nan)
    df["disclosed_pct"] = np.where(ok, df["granted_pct"].fillna(0) + df["partially_granted_pct"].fillna(0), np.nan)
    new = df["new_received_count"].astype(float)
    df["natural_person_pct"] = np.where(new.fillna(0) > 0, df["natural_person_count"].astype(float) / new * 100,
                                        np.nan)
    for p in ("review", "litigation"):
        df[f"{p}_per_100"] = np.where(ok & ~df["table4_missing"].fillna(True),
                                      df[f"{p}_count"].astype(float) / total * 100, np.nan)
    return df


def quality(path: str | Path | None = None, year: int | None = None) -> dict[str, pd.DataFrame]:
    """Data-quality aggregates by DuckDB: reports (complete, failing) and errors counted, reports
    failing each rule, flagged cells (and reports with them) per table, templates and formats, and the
    reports with failures (first 500)."""
    con = _con(path)
    cond = "where year = ?" if year else ""
    args = [year] if year else []
    r = f"(select * from reports {cond})"
    try:
        out = {
            "totals": con.execute(f"select count(*) as reports, (select count(*) from errors) as errors, "
                                  f"count(*) filter (where failed_checks_count > 0) as failing_reports, "
                                  f"count(*) filter (where is_complete) as complete_reports "
                                  f"from {r}", args).df(),
            "per_rule": con.execute(f"select rule, count(distinct report_id) as reports, count(*) as results "
                                    f"from checks join {r} using (report_id) where not is_passed "
                                    f"group by rule order by rule", args).df(),
            "flags": con.execute(
                " union all ".join(f"select '{t}' as tbl, flag, count(*) as cells from {t} join {r} using (report_id) "
                                   f"where flag is not null group by flag"
                                   for t in ("active_disclosure", "applications", "review_litigation")),
                args * 3).df(),
            "flag_reports": con.execute(
                "select flag, count(distinct report_id) as reports from ("
                + " union all ".join(f"select report_id, flag from {t} join {r} using (report_id) where flag is not null"
                                     for t in ("active_disclosure", "applications", "review_litigation"))
                + ") group by flag order by flag", args * 3).df(),
            "templates": con.execute(f"select template, format, count(*) as reports from {r} "
                                     f"group by template, format order by reports desc", args).df(),
            "failing": con.execute(
                f"select agency, year, rule, count(*) as failed_results, "
                f"string_agg(scope, ', ' order by scope) as scopes "
                f"from checks join {r} using (report_id) where not is_passed and not is_warning "
                f"group by agency, year, rule order by agency, year, rule limit 500", args).df(),
            "errors": con.execute("select source_file, kind, reason from errors order by source_file limit 500").df(),
        }
    finally:
        con.close()
    return out
