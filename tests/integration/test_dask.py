"""`xxgk build --scheduler ADDRESS` on a local Dask cluster writes the same dataset as a local build."""

from __future__ import annotations

import pandas as pd
import pytest

import xxgk
from tests.conftest import ROOT
from xxgk import metadata as md
from xxgk.builder import SKIP_NAMES, build

distributed = pytest.importorskip("distributed")


def test_dask_build_matches_local(tmp_path):
    from distributed import LocalCluster

    raw = ROOT / "data" / "raw"
    local = build([raw], tmp_path / "local", workers=1, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dist = build([raw], tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    bundled = len([p for p in raw.iterdir() if p.name not in SKIP_NAMES])
    assert dist.reports == local.reports == bundled and dist.errors == 0
    a, b = xxgk.load(tmp_path / "local"), xxgk.load(tmp_path / "dask")
    for name in ("reports", "applications", "active_disclosure", "review_litigation", "checks", "sections",
                 "narrative_figures", "text_counts"):
        key = list(md.TABLES[name].key)
        x = getattr(a, name).sort_values(key).reset_index(drop=True)
        y = getattr(b, name).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(x, y, check_categorical=False)
