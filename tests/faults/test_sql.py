"""`xxgk sql` can read the dataset and nothing else: no writes, no other files, no network, no extensions."""

from __future__ import annotations

import subprocess
import sys

import pytest

import xxgk
from tests.faults.conftest import GOOD
from xxgk.dataset import SQLError


def sql_cli(query, data):
    return subprocess.run([sys.executable, "-m", "xxgk.cli", "sql", query, "--data", str(data)],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def dataset(previous):
    return previous / "out"


def test_queries_still_work(dataset):
    df = xxgk.sql("select count(*) as n from reports join applications using (report_id) "
                  "where row = 'new_received' and applicant = 'total'", dataset)
    assert df["n"].iloc[0] == len(GOOD)
    from xxgk import metadata as md

    assert len(xxgk.sql("describe applications", dataset)) == len(md.TABLES["applications"].columns)
    assert xxgk.sql("with r as (select year from reports) select min(year) as y from r", dataset)["y"].iloc[0] == 2019


@pytest.mark.parametrize("query, fragment", [
    ("copy (select 1) to '{tmp}/x.csv'", "only queries can run"),
    ("copy reports to '{data}/applications.parquet' (format parquet)", "only queries can run"),
    ("select 1; copy reports to '{tmp}/x.csv'", "only queries can run"),
    ("install httpfs", "only queries can run"),
    ("load httpfs", "only queries can run"),
    ("attach '{tmp}/x.db'", "only queries can run"),
    ("set enable_external_access = true", "only queries can run"),
    ("pragma enable_profiling", "only queries can run"),
    ("create table t as select 1", "only queries can run"),
    ("select * from read_text('/etc/passwd')", "Permission Error"),
    ("select * from read_csv('/etc/passwd')", "Permission Error"),
    ("select * from read_parquet('{tmp}/../*/out/reports.parquet')", "Permission Error"),
    ("select * from 'https://example.com/x.parquet'", "Permission Error"),
    ("select nonsense from reports", "Binder Error"),
    ("selec 1", "Parser Error"),
])
def test_everything_else_is_refused_in_one_line(dataset, tmp_path, query, fragment):
    q = query.format(tmp=tmp_path, data=dataset)
    before = {p.name: p.read_bytes() for p in dataset.iterdir()}
    with pytest.raises(SQLError, match=fragment) as exc:
        xxgk.sql(q, dataset)
    assert "\n" not in str(exc.value)
    assert not list(tmp_path.iterdir())
    assert {p.name: p.read_bytes() for p in dataset.iterdir()} == before


def test_the_command_says_it_in_one_line_with_exit_2(dataset, tmp_path):
    for query, fragment in [(f"copy reports to '{dataset}/reports.parquet' (format parquet)", "only queries can run"),
                            ("select * from read_text('/etc/shadow')", "Permission Error: Cannot access file"),
                            ("install httpfs", "), not install")]:
        p = sql_cli(query, dataset)
        assert p.returncode == 2 and p.stdout == ""
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("xxgk: sql: ") and fragment in p.stderr, p.stderr


def test_no_dataset_is_one_line(tmp_path):
    p = sql_cli("select 1", tmp_path / "nothing")
    assert p.returncode == 2 and p.stderr.strip() == (f"xxgk: sql: no dataset in {tmp_path / 'nothing'}: "
                                                      "run `xxgk build` (or `make data`) first")
