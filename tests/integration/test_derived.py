"""Derived figures have one definition: totals, outcome shares, year over year and the DuckDB comparison
agree on every bundled report (a 总计 printed blank counts as the sum of its six columns everywhere)."""

from __future__ import annotations

import pandas as pd
import pytest

import xxgk
from tests.conftest import ROOT
from xxgk.builder import build
from xxgk.dataset import comparison


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    out = tmp_path_factory.mktemp("derived") / "processed"
    build([ROOT / "data" / "raw"], out, workers=2, progress=False)
    return xxgk.load(out)


def test_blank_totals_fall_back_to_the_columns_once(ds):
    t = ds.totals.set_index(["report_id", "row"])
    sh = ds.report_of("上海市人民政府办公厅", 2019)["report_id"]
    assert t.loc[(sh, "granted"), "total_count"] == 272 and bool(t.loc[(sh, "granted"), "is_from_columns"])
    assert pd.isna(t.loc[(sh, "granted"), "printed_count"])
    assert t.loc[(sh, "new_received"), "total_count"] == 859 and not t.loc[(sh, "new_received"), "is_from_columns"]


def test_every_derived_table_agrees_with_totals(ds):
    t = ds.totals.pivot(index="report_id", columns="row", values="total_count")
    shares = ds.outcome_shares.set_index("report_id")
    yoy = ds.year_over_year.merge(ds.reports[["report_id", "agency_id", "year"]], on=["agency_id", "year"])
    assert len(shares) == len(ds.reports) >= 90
    for rid, row in shares.iterrows():
        assert _same(row["total_processed_count"], t.loc[rid, "total_processed"]), rid
        assert _same(row["granted_count"], t.loc[rid, "granted"]), rid
        for measure in ("new_received", "granted", "total_processed", "carried_forward"):
            got = yoy[(yoy["report_id"] == rid) & (yoy["measure"] == measure)]["value"]
            assert len(got) == 1 and _same(got.iloc[0], t.loc[rid, measure]), (rid, measure)
        mix = ds.applicant_mix.set_index("report_id").loc[rid]
        assert _same(mix["new_received_count"], t.loc[rid, "new_received"]), rid
    for year in sorted(ds.reports["year"].dropna().unique()):
        comp = comparison(int(year), ds.path).set_index("report_id")
        for rid, row in comp.iterrows():
            assert _same(row["total_processed_count"], shares.loc[rid, "total_processed_count"]), rid
            assert _same(row["granted_count"], shares.loc[rid, "granted_count"]), rid
            assert bool(row["has_totals_from_columns"]) == bool(shares.loc[rid, "has_totals_from_columns"]), rid


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and float(a) == float(b))


