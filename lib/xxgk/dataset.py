"""Load the built dataset: pandas frames with ordered codes, labels, derived tables; DuckDB SQL.

``load()`` reads the Parquet tables written by :mod:`xxgk.builder` (filters on agency and year are
pushed down to Parquet, so a large dataset is not read whole), returns a :class:`Dataset` whose
attributes are DataFrames, and computes the derived tables users ask for (outcome shares, applicant
mix, review/litigation correction rates, year-over-year changes) from the stored ones.

Reading goes through :mod:`xxgk.lifecycle`: a reader mends a dataset a dead build left between two
renames, never disturbs a running build, and a table read after a rebuild swapped in another dataset
raises a clear error instead of mixing two builds. ``sql()`` runs the user's query on a DuckDB
connection that can only read the dataset: queries only, no file access beyond the dataset folder,
no extensions, settings locked.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401 (pa.compute)
import pyarrow.dataset as pads

from . import lifecycle
from . import metadata as md

STORED = [t.name for t in md.TABLES.values() if not t.derived]
CODE_COLUMNS = {  # column → kind of codes.csv, for ordered categoricals and labels (narrative: see figures)
    "item": "table2", "measure": "table2_measure", "row": "table3_row", "applicant": "table3_applicant",
    "proceeding": "table4_proceeding", "outcome": "table4_outcome",
}
TIDY_TABLES = {"active_disclosure": ("item", "measure"), "applications": ("row", "applicant"),
               "review_litigation": ("proceeding", "outcome")}
# The Table 3 总计 column as every analysis uses it: a 总计 printed blank or '/' is the sum of the six applicant
# columns (when they hold something and none is open); the one definition, run by DuckDB over the Parquet
# files (comparison) and over the loaded frame (Dataset.totals).
OPEN_CELL_SQL = "(value is null and (flag in ('ambiguous', 'invalid') or candidates is not null))"


def totals_sql(source: str = "applications") -> str:
    """The query of :attr:`Dataset.totals` over a relation with the columns of ``applications``."""
    return f"""
    select report_id, row,
           case when not total_blank then printed_count
                when columns_open then null else coalesce(columns_sum, 0) end as total_count,
           printed_count,
           total_blank and not columns_open and coalesce(columns_sum, 0) > 0 as is_from_columns
    from (select report_id, row,
                 max(case when applicant = 'total' then value end) as printed_count,
                 bool_or(applicant = 'total' and flag in ('blank', 'na')) as total_blank,
                 sum(case when applicant <> 'total' then value end) as columns_sum,
                 bool_or(applicant <> 'total' and {OPEN_CELL_SQL}) as columns_open
          from {source} group by report_id, row)"""
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
_PANDAS = {dtype: pandas for dtype, (pandas, _, _) in md.DTYPES.items()}


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
        if c.name == "measure" and table.name in ("narrative_figures", "text_counts"):
            from .figures import measures

            df[c.name] = _categorical(df[c.name], tuple(measures()))
        elif c.name in CODE_COLUMNS:
            df[c.name] = _categorical(df[c.name], tuple(_categories(CODE_COLUMNS[c.name])))
        elif c.dtype == "category" and c.allowed:
            df[c.name] = _categorical(df[c.name], tuple(c.allowed))
        elif c.dtype == "list[Float64]":
            df[c.name] = df[c.name].map(_whole_numbers)
        elif str(df[c.name].dtype) != str(_PANDAS[c.dtype]):
            df[c.name] = df[c.name].astype(_PANDAS[c.dtype])
    return df[table.names]


def _categorical(values: pd.Series, known: tuple) -> pd.Categorical:
    """``values`` as an ordered categorical of the known codes in their declared order, then any other
    value found (sorted): a code the metadata does not know is kept, never dropped."""
    codes = set(known)
    extra = tuple(sorted(v for v in pd.unique(values.dropna()) if v not in codes))
    dtype = _categorical_dtype(known + extra)
    codes = dtype.categories.get_indexer(values.astype("object"))  # -1 (no value) where null
    return pd.Categorical.from_codes(codes, dtype=dtype)


@lru_cache(maxsize=512)
def _categorical_dtype(categories: tuple) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(categories), ordered=True)


def _short(label: str) -> str:
    """A code's label without the annotation in brackets (codes.csv: '行政规范性文件 (2019: 规范性文件)')."""
    return label.split(" (")[0]


def _whole_numbers(values):
    """A stored list of candidates as a Python list, whole numbers as int (null: None)."""
    if values is None or (isinstance(values, float) and np.isnan(values)):
        return None
    return [None if v is None or v != v else int(v) if float(v).is_integer() else float(v) for v in values]


class Dataset:
    """The dataset as pandas DataFrames, one attribute per table (see docs/data-dictionary.md).

    Stored tables: ``reports``, ``active_disclosure``, ``applications``, ``review_litigation``,
    ``checks``, ``sections``, ``errors``. Derived: ``outcome_shares``, ``applicant_mix``,
    ``review_litigation_rates``, ``year_over_year``.
    """

    def __init__(self, path: Path, reports: pd.DataFrame, ids: list[str] | None, generation=None):
        self.path = path
        self.reports = reports
        self._ids = ids  # the reports kept by load()'s filters (None: all)
        self._generation = generation  # which build of the folder load() read (lifecycle.generation)

    def __getattr__(self, name: str) -> pd.DataFrame:
        """Stored tables are read on first use (with load()'s filters), so a large dataset is not read whole.

        Raises:
            RuntimeError: a rebuild replaced the dataset since :func:`load` (load it again).
        """
        if name in STORED and name != "reports":
            stale = RuntimeError(f"the dataset in {self.path} was rebuilt after xxgk.load(); load it again")
            if self.__dict__.get("_generation") is not None and lifecycle.generation(self.path) != self._generation:
                raise stale
            try:
                df = _read_table(self.path, name, self._ids)
            except FileNotFoundError:
                raise stale from None
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

    def headers(self, table: str, lang: str = "zh") -> dict[str, str]:
        """Column name → Chinese label of a table's columns, for ``df.rename(columns=ds.headers(table))``."""
        return md.TABLES[table].headers(lang)

    def export(self, out, fmt: str = "csv", lang: str = "zh") -> list:
        """Write this dataset's tables to the folder ``out`` as ``csv`` (UTF-8 with a BOM), ``xlsx`` (one sheet
        per table) or ``parquet``; see :func:`xxgk.export.export_dataset`. Returns the paths written."""
        from .export import export_dataset

        return export_dataset(self, out, fmt, lang)

    def tidy(self, lang: str = "zh") -> pd.DataFrame:
        """Every cell of the three tables in one long frame, with agency, level, region, year, template and
        the labels of every code in Chinese (``zh``) or English (``en``) (see docs/data-dictionary.md, ``tidy``).

        Example: ``ds.tidy().query("row == 'new_received' and column == 'total'")``.
        """
        labels = md.labels(lang)
        flag_labels = {k: v[0 if lang == "zh" else 1] for k, v in md.FLAG_LABELS.items()}
        names = {t: (md.TABLES[t].label_zh if lang == "zh" else md.TABLES[t].description.split(",")[0])
                 for t in TIDY_TABLES}
        parts, rows, cols = [], [], []
        for table, (k1, k2) in TIDY_TABLES.items():
            df = getattr(self, table).rename(columns={k1: "row", k2: "column"})
            kind1, kind2 = CODE_COLUMNS[k1], CODE_COLUMNS[k2]
            rows += [c for c in df["row"].cat.categories if c not in rows]
            cols += [c for c in df["column"].cat.categories if c not in cols]
            df = df.assign(table=table, table_label=names[table],
                           row_label=df["row"].astype("object").map(lambda c, k=kind1: _short(labels.get((k, c), c))),
                           column_label=df["column"].astype("object").map(
                               lambda c, k=kind2: _short(labels.get((k, c), c))),
                           row=df["row"].astype("object"), column=df["column"].astype("object"))
            parts.append(df)
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=md.TABLES["tidy"].names)
        rep = self.reports[["report_id", "agency_id", "agency", "level", "region", "year", "template"]]
        out = out.merge(rep, on="report_id", how="left")
        out["flag_label"] = out["flag"].astype("object").map(flag_labels)
        out["table"] = pd.Categorical(out["table"], categories=list(TIDY_TABLES), ordered=True)
        out["row"] = pd.Categorical(out["row"], categories=rows, ordered=True)
        out["column"] = pd.Categorical(out["column"], categories=cols, ordered=True)
        t = md.TABLES["tidy"]
        for c in t.columns:
            if c.name not in ("table", "row", "column"):
                out[c.name] = _typed(out[[c.name]].copy(), md.Table(t.name, "", "", (), (c,)))[c.name]
        return out[t.names].sort_values(["report_id", "table", "row", "column"], kind="stable").reset_index(drop=True)

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
    def totals(self) -> pd.DataFrame:
        """Table 3 总计 per report and row, with the blank-total rule (:func:`totals_sql`, the one definition)."""
        import duckdb

        con = duckdb.connect()
        try:
            con.register("applications", self.applications)
            df = con.execute(totals_sql()).df()
        finally:
            con.close()
        return _finish_frame(df, "totals")

    def totals_wide(self) -> pd.DataFrame:
        """:attr:`totals` as one row per agency and year (index ``agency``, ``year``) and one column per Table 3
        row, in template order: ``ds.totals_wide().loc["平潭综合实验区", "new_received"]`` is that agency's new
        applications by year."""
        t = self.totals.merge(self.reports[["report_id", "agency", "year"]], on="report_id")
        w = t.pivot_table(index=["agency", "year"], columns="row", values="total_count", aggfunc="first",
                          observed=True)
        w.columns = w.columns.astype(str)
        w.columns.name = None
        return w.astype("Int64")

    @cached_property
    def _t3_totals(self) -> tuple[pd.DataFrame, pd.Series]:
        t = self.totals.set_index(["report_id", "row"])
        wide = t["total_count"].astype("Float64").unstack("row")
        return wide, t["is_from_columns"].groupby(level="report_id").any()

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
            list(md.ATTENTION_FLAGS))).groupby("report_id", observed=True)["f"].any()
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
        out["new_received_count"] = self._t3_total().get("new_received")
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
            if table == "applications" and keys.get("applicant") == "total":  # the 总计 column: blank-total rule
                df = self.totals.rename(columns={"total_count": "value"}).assign(applicant="total")
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
        """The reports row of an agency (canonical name, as printed, or agency_id) and year: the canonical
        report when the year has several files."""
        return report_row(self, agency, year)

    def report_id(self, report: str, year: int | None = None) -> str:
        """The report_id of ``report`` (a report_id, or an agency with ``year``); see :func:`report_id`."""
        return report_id(self, report, year)

    def agency_id(self, agency: str) -> str:
        """The agency_id of an agency given by canonical name, as printed, or agency_id."""
        return agency_id(self, agency)


class UnknownSelection(LookupError, ValueError):
    """An agency, year or report that the dataset does not have; the message names the nearest known ones."""


def agency_reports(ds, agency: str) -> pd.DataFrame:
    """The reports rows of an agency given by canonical name, agency_id or the name its report printed."""
    r = ds.reports
    cols = [c for c in ("agency", "agency_id", "agency_parsed") if c in r.columns]
    hit = r[r[cols].isin([agency]).any(axis=1)]
    if hit.empty:
        names = sorted(set(r["agency"].dropna().astype(str)))
        raise UnknownSelection(f"unknown agency '{agency}'; {nearest_names(str(agency), names)}")
    return hit


def _canonical(rows: pd.DataFrame) -> pd.DataFrame:
    if "is_canonical" in rows.columns:
        keep = rows["is_canonical"].astype("boolean").fillna(True).astype(bool)
        if keep.any():
            return rows[keep]
    return rows


def report_row(ds, agency: str, year: int) -> pd.Series:
    """The reports row of an agency and year (the canonical one), or UnknownSelection naming its years."""
    hit = agency_reports(ds, agency)
    row = _canonical(hit[hit["year"] == year])
    if row.empty:
        years = _years_text(sorted(int(y) for y in set(hit["year"].dropna())))
        raise UnknownSelection(f"no {year} report for '{agency}'; years known: {years}")
    return row.iloc[0]


def report_id(ds, report: str, year: int | None = None) -> str:
    """A report named the way a reader names it.

    Args:
        ds: a :class:`Dataset` (anything with a ``reports`` table).
        report: a report_id, or an agency (canonical name, as printed, or agency_id).
        year: the report year, needed for an agency that has reports for several years.

    Raises:
        UnknownSelection: no such report or agency, or an agency with several years and no ``year``.
    """
    r = ds.reports
    if year is None and report in set(r["report_id"]):
        return str(report)
    if year is not None:
        return str(report_row(ds, report, int(year))["report_id"])
    hit = _canonical(agency_reports(ds, report))
    years = sorted(int(y) for y in set(hit["year"].dropna()))
    if len(years) != 1:
        raise UnknownSelection(f"'{report}' has reports for {_years_text(years)}: give the year (year=…)")
    return str(hit["report_id"].iloc[0])


def agency_id(ds, agency: str) -> str:
    """The agency_id of an agency given by canonical name, as printed, or agency_id."""
    return str(agency_reports(ds, agency)["agency_id"].iloc[0])


def _filter(table: str, agency, year, report_ids, copies: bool = True):
    expr = None
    if report_ids is not None and table != "errors":
        expr = pads.field("report_id").isin(pa.array(list(report_ids), type=pa.string()))
    if table == "reports":
        parts = [] if copies else [pads.field("is_canonical").is_null() | pads.field("is_canonical")]
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


def load(path: str | Path | None = None, *, agency=None, year=None, copies: bool = False) -> Dataset:
    """Load the dataset built by ``xxgk build``.

    Args:
        path: the dataset folder (default :func:`default_path`).
        copies: also load the other files of a report (``is_canonical`` false: a page and its PDF, a corrected
            re-issue); by default every agency and year has one report, the canonical one.
        agency: keep only this agency (canonical name or agency_id, or a list of them).
        year: keep only this year (or a list of years).

    Raises:
        FileNotFoundError: no dataset at ``path`` (run ``xxgk build`` or ``make data``).
        LookupError: ``agency`` matches no report (the message names the nearest known agencies).
    """
    p = Path(path) if path else default_path()
    shared = _shared_key(p, agency, year, copies)
    if shared is not None and shared in _SHARED:
        _SHARED.move_to_end(shared)
        return _SHARED[shared]
    narrowed = agency is not None or year is not None
    for _ in range(20):  # a swap between two renames can move the folder while it is opened: look again
        present = lifecycle.present(p)
        generation = lifecycle.generation(p)
        if not present:
            raise FileNotFoundError(f"no dataset in {p}: run `xxgk build` (or `make data`) first")
        try:  # everything load() needs from reports.parquet is read here, from one generation of the folder
            rds = pads.dataset(p / "reports.parquet")
            old = "is_canonical" not in rds.schema.names  # a dataset built before copies were told
            reports = rds.to_table(filter=_filter("reports", agency, year, None, copies or old))
            has_copies = not old and _has_copies(rds)
            everything = rds.to_table(columns=["agency", "agency_id", "agency_parsed", "year"]).to_pandas() \
                if narrowed and reports.num_rows == 0 else None
        except FileNotFoundError:
            continue
        if lifecycle.generation(p) == generation:
            break
    else:
        raise FileNotFoundError(f"the dataset in {p} kept being replaced while it was read; try again")
    if everything is not None:
        names = sorted(set(everything["agency"].dropna()))
        wanted = [agency] if isinstance(agency, str) else list(agency or [])
        mine = everything[everything[["agency", "agency_id", "agency_parsed"]].isin(wanted).any(axis=1)] \
            if wanted else everything
        years = sorted(int(y) for y in set(mine["year"].dropna()))
        if wanted and mine.empty:
            raise LookupError(f"no report of '{', '.join(wanted)}' in {p}; {nearest_names(wanted[0], names)}")
        asked = [year] if isinstance(year, int) else list(year or [])
        raise LookupError(f"no report{' of ' + ', '.join(wanted) if wanted else ''} for {', '.join(map(str, asked))} "
                          f"in {p}; years known: {_years_text(years)}")
    ids = reports.column("report_id").to_pylist() if narrowed or (not copies and has_copies) else None
    ds = Dataset(p, _finish_frame(reports.to_pandas(), "reports"), ids, generation)
    if shared is not None and shared[1] == generation:
        _SHARED[shared] = ds
        while len(_SHARED) > SHARED_LOADS:
            _SHARED.popitem(last=False)
    return ds


SHARE_ENV = "XXGK_SHARE_LOADS"
SHARED_LOADS = 8  # datasets kept when loads are shared (a page renderer's kernel: an agency in two languages)
_SHARED: OrderedDict[tuple, Dataset] = OrderedDict()


def _shared_key(p: Path, agency, year, copies: bool) -> tuple | None:
    """The key under which :func:`load` shares its Dataset, or None when loads are not shared.

    Only the page renderer shares (its kernels run with ``XXGK_SHARE_LOADS=1``): consecutive pages show the
    same agency in other years and languages, and one Dataset computes its derived tables once for all of
    them. The key holds the folder's generation, so a rebuild is never served from the cache. Not for
    interactive use, where a Dataset changed by one caller must not be what the next one gets.
    """
    if os.environ.get(SHARE_ENV) != "1":
        return None
    generation = lifecycle.generation(p)
    if generation is None:
        return None
    return (str(p.resolve()), generation, repr(agency), repr(year), bool(copies))


def _has_copies(rds) -> bool:
    """Whether a dataset's reports (a pyarrow dataset of reports.parquet) hold reports that are not canonical
    (so tables must be read by report id)."""
    if "is_canonical" not in rds.schema.names:
        return False
    t = rds.to_table(columns=["is_canonical"])
    return t.num_rows > 0 and (pa.compute.sum(pa.compute.invert(t.column("is_canonical").fill_null(True))).as_py()
                               or 0) > 0


def nearest_names(wanted: str, known: list[str], n: int = 5) -> str:
    """A phrase naming the known agencies most like ``wanted`` (by shared characters and order), or, when
    none is alike, how many there are."""
    import difflib

    def score(name: str) -> float:
        shared = len(set(wanted) & set(name)) / max(1, len(set(wanted) | set(name)))
        return max(difflib.SequenceMatcher(None, wanted, name).ratio(), shared)

    ranked = sorted(((score(k), k) for k in known), key=lambda t: (-t[0], t[1]))
    near = [k for s, k in ranked[:n] if s >= 0.25]
    if near:
        return "nearest known agencies: " + ", ".join(near)
    return f"no known agency is like it ({len(known)} agencies known; `xxgk sql \"select distinct agency from reports\"`)"


def _years_text(years: list[int]) -> str:
    if not years:
        return "(none)"
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


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


SQL_MEMORY = "2GB"  # DuckDB's memory for a user's query
_QUERY_TYPES = {"SELECT"}  # select, with … select, from-first, describe, show, summarize


class SQLError(Exception):
    """A query that cannot run: not a query, refused by the sandbox, or wrong (one line)."""


def _readonly_connection(p: Path):
    """A DuckDB connection with one view per stored table, that can read the dataset folder and nothing
    else: external access off (no other files, no network, no extension installs), extension
    autoloading off, and the configuration locked so that a query cannot turn any of it back on."""
    import duckdb

    folder = p.resolve()
    con = duckdb.connect(config={"autoload_known_extensions": False, "autoinstall_known_extensions": False,
                                 "allow_community_extensions": False, "memory_limit": SQL_MEMORY,
                                 "threads": max(1, min(4, os.cpu_count() or 1))})
    con.execute("set allowed_directories = ?", [[folder.as_posix() + "/"]])
    con.execute("set enable_external_access = false")
    for name in STORED:
        f = folder / f"{name}.parquet"
        if f.exists():
            con.execute(f"create view {name} as select * from read_parquet('{_sql_str(f.as_posix())}')")
    con.execute("set lock_configuration = true")
    return con


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def sql(query: str, path: str | Path | None = None) -> pd.DataFrame:
    """Run DuckDB SQL over the dataset's tables (each a view of its Parquet file); a DataFrame back.

    Only queries run (``select``, ``with``, ``describe``, ``show``, ``summarize``), on a connection that
    can read the dataset folder and nothing else: ``copy``, ``attach``, ``install``/``load``,
    ``read_text('/etc/…')`` and ``set`` are refused.

    Example: ``xxgk.sql("select agency, year, value from applications join reports using (report_id)
    where row = 'new_received' and applicant = 'total'")``.

    Raises:
        FileNotFoundError: no dataset at ``path``.
        SQLError: the query is not a query, is refused, or fails (the message is one line).
    """
    p = Path(path) if path else default_path()
    for _ in range(5):  # a rebuild that replaces the folder during the query: run it again on the new dataset
        if not lifecycle.present(p):
            raise FileNotFoundError(f"no dataset in {p}: run `xxgk build` (or `make data`) first")
        generation = lifecycle.generation(p)
        try:
            df = _run_query(p, query)
        except SQLError:
            if lifecycle.generation(p) != generation:
                continue
            raise
        if lifecycle.generation(p) == generation:
            return df
    raise SQLError(f"the dataset in {p} kept being replaced while the query ran; try again")


def _run_query(p: Path, query: str) -> pd.DataFrame:
    import duckdb

    con = _readonly_connection(p)
    try:
        try:
            statements = con.extract_statements(query)
        except duckdb.Error as exc:
            raise SQLError(_first_line(exc)) from None
        if not statements:
            raise SQLError("no query given")
        for st in statements:
            kind = str(st.type).rsplit(".", 1)[-1]
            if kind not in _QUERY_TYPES:
                word = (st.query.split() or [kind])[0].lower()
                raise SQLError(f"only queries can run (select, with, describe, show, summarize), not {word}")
        try:
            res = con.execute(query)
            return _integer_columns(res.df(), [str(d[1]) for d in res.description])
        except duckdb.Error as exc:
            raise SQLError(_first_line(exc)) from None
    finally:
        con.close()


_SQL_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "UHUGEINT"}


def _integer_columns(df: pd.DataFrame, types: list[str]) -> pd.DataFrame:
    """Integer columns of a query's result as ``Int64`` where DuckDB handed them over as floats (a ``sum``
    is a HUGEINT, an integer column with NULLs), so counts print as ``93``, not ``93.0``."""
    for i, kind in enumerate(types):
        s = df.iloc[:, i]
        if kind in _SQL_INTEGERS and pd.api.types.is_float_dtype(s) and s.dropna().abs().le(2**53).all():
            df.isetitem(i, s.astype("Int64"))  # below 2**53 the float held the integer exactly
    return df


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _cli_sql(args) -> int:
    import sys

    try:
        df = sql(args.query, args.data)
    except (SQLError, FileNotFoundError) as exc:
        print(f"xxgk: sql: {exc}", file=sys.stderr)
        return 2
    with pd.option_context("display.max_rows", 200, "display.width", 200):
        print(df.to_string(index=False))
    return 0


# --- aggregates straight from Parquet (for datasets too large to load whole) -------------------

def _con(path: str | Path | None):
    import duckdb

    p = Path(path) if path else default_path()
    if not lifecycle.present(p):
        raise FileNotFoundError(f"no dataset in {p}: run `xxgk build` (or `make data`) first")
    con = duckdb.connect()
    for name in STORED:
        f = p / f"{name}.parquet"
        if f.exists():
            con.execute(f"create view {name} as select * from read_parquet('{f.resolve().as_posix()}')")
    cols = {r[0] for r in con.execute("describe reports").fetchall()}
    keep = "where coalesce(is_canonical, true)" if "is_canonical" in cols else ""
    con.execute(f"create view canonical_reports as select * from reports {keep}")  # one per agency and year
    return con


_GROUP_SQL = ", ".join(
    f"sum(case when row in ({', '.join(repr(r) for r in rows)}) then eff end) as {g}_count"
    for g, rows in OUTCOME_GROUPS.items())


def comparison(year: int, path: str | Path | None = None, level: str | None = None,
               region: str | None = None, copies: bool = False) -> pd.DataFrame:
    """One row per report of a year: applications, outcome counts and shares, disclosure rate, reviews
    and lawsuits per 100 applications. Computed by DuckDB over the Parquet files (no full load), with
    the same rules as :attr:`Dataset.outcome_shares` (a blank 总计 falls back to the six columns). One
    report per agency (the canonical one) unless ``copies``."""
    con = _con(path)
    source = "reports" if copies else "canonical_reports"
    where = ["year = ?"]
    args: list = [year]
    if level:
        where.append("level = ?")
        args.append(level)
    if region:
        where.append("contains(coalesce(region, ''), ?)")
        args.append(region)
    q = f"""
    with r as (select report_id, agency, level, region, year from {source} where {' and '.join(where)}),
    a3 as (select a.* from applications a join r using (report_id)),
    totals as ({totals_sql("a3")}),
    cells as (
        select report_id, row,
               max(case when applicant = 'natural_person' then value end) as natural_person,
               bool_or(flag in ({", ".join(repr(f) for f in md.ATTENTION_FLAGS)})) as flagged
        from a3 group by report_id, row),
    eff as (select c.*, t.total_count as eff, t.is_from_columns as from_columns
            from cells c join totals t using (report_id, row)),
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
    order by new_received_count desc nulls last, agency, report_id  -- ties in one order, run after run
    """
    try:
        df = con.execute(q, args).df()
    finally:
        con.close()
    for col in [c for c in df.columns if c.endswith("_count")]:
        df[col] = df[col].astype("Int64")
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


def quality(path: str | Path | None = None, year: int | None = None, copies: bool = False) -> dict[str, pd.DataFrame]:
    """Data-quality aggregates by DuckDB: reports (complete, failing) and errors counted, reports
    failing each rule, flagged cells (and reports with them) per table, templates and formats, and the
    reports with failures (first 500). The canonical report of each agency and year unless ``copies``."""
    con = _con(path)
    cond = "where year = ?" if year else ""
    args = [year] if year else []
    r = f"(select * from {'reports' if copies else 'canonical_reports'} {cond})"
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
                                     f"group by template, format order by reports desc, template, format", args).df(),
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
