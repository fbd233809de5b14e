"""Evidence across reports in a build: the same agency's neighbouring years settle what each table leaves open,
only where the relation fits, with the other report named; such reports are parsed again by every build."""

from __future__ import annotations

import csv
import shutil

import pytest

import xxgk
from xxgk.builder import build


def _folder(tmp_path, corpus, files: dict[str, str]):
    """A build folder with real reports (name → path under ../shared/corpus) and their sources.csv rows."""
    src = tmp_path / "in"
    src.mkdir()
    listed = {}
    for sources in (corpus / "sources.csv", corpus / "bulk" / "sources.csv"):
        with open(sources, encoding="utf-8", newline="") as fh:
            listed.update({r["file"].split("/")[-1]: r for r in csv.DictReader(fh)})
    with open(src / "sources.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["file", "agency", "level", "region", "year"])
        w.writeheader()
        for name, rel in files.items():
            shutil.copy(corpus / rel, src / name)
            r = listed[name]
            w.writerow({"file": name, **{k: r[k] for k in ("agency", "level", "region", "year")}})
    return src


def _t2(ds, source_file, item):
    rid = ds.reports.set_index("source_file").loc[source_file, "report_id"]
    a = ds.active_disclosure
    return a[(a["report_id"] == rid) & (a["item"] == item)].set_index("measure")


def test_documents_in_force_settle_both_years(tmp_path, corpus):
    src = _folder(tmp_path, corpus, {"pingtan-shichang-2021.txt": "raw/pingtan-shichang-2021.txt",
                                     "scj-2022.txt": "bulk/raw/scj-2022.txt"})
    alone = xxgk.parse_file(src / "pingtan-shichang-2021.txt")
    assert alone.table2[("normative_documents", "issued")].flag == "ambiguous"  # '6045': 6|0|45 or 60|4|5
    build([src], tmp_path / "out", workers=1, progress=False)
    ds = xxgk.load(tmp_path / "out")
    nd = _t2(ds, "pingtan-shichang-2021.txt", "normative_documents")
    # the hand-verified values of corpus/gold/pingtan-shichang-2021.json: 6 issued, 0 repealed, 45 in force
    assert [int(nd.loc[m, "value"]) for m in ("issued", "repealed", "in_force")] == [6, 0, 45]
    assert set(nd["flag"]) == {"inferred"} and nd["evidence"].str.contains("scj-2022.txt").all()
    assert bool(ds.reports.set_index("source_file").loc["pingtan-shichang-2021.txt", "is_complete"])
    again = build([src], tmp_path / "out", workers=1, progress=False)
    assert again.parsed == 2  # their values depend on each other: never reused blindly


def test_2019_item_counts_carry_into_the_next_year(tmp_path, corpus):
    src = _folder(tmp_path, corpus, {"pingtan-2019.txt": "raw/pingtan-2019.txt",
                                     "pingtan-2020.txt": "raw/pingtan-2020.txt"})
    build([src], tmp_path / "out", workers=1, progress=False)
    ds = xxgk.load(tmp_path / "out")
    lic = _t2(ds, "pingtan-2019.txt", "licensing")  # '3960181': only 396|0|181 gives 2020's 上一年项目数量
    assert [int(lic.loc[m, "value"]) for m in ("items_prev_year", "items_change", "decisions")] == [396, 0, 181]
    assert "pingtan-2020.txt" in lic.loc["decisions", "evidence"]
    nxt = _t2(ds, "pingtan-2020.txt", "licensing")
    assert int(nxt.loc["items_prev_year", "value"]) == 396 and nxt.loc["decisions", "flag"] == "ambiguous"


def test_a_relation_that_fits_no_reading_leaves_the_row_open(tmp_path, corpus):
    src = _folder(tmp_path, corpus, {"scj-2022.txt": "bulk/raw/scj-2022.txt", "scj-2023.txt": "bulk/raw/scj-2023.txt",
                                     "pingtan-shichang-2021.txt": "raw/pingtan-shichang-2021.txt"})
    build([src], tmp_path / "out", workers=1, progress=False)
    ds = xxgk.load(tmp_path / "out")
    nd = _t2(ds, "scj-2022.txt", "normative_documents")  # 2021 says 6|0|51, but no reading fits 2023's '13013'
    assert set(nd["flag"]) == {"ambiguous"} and nd["note"].str.contains("contradicts").all()


@pytest.fixture
def corpus():
    from tests.conftest import CORPUS

    if not (CORPUS / "bulk" / "raw").is_dir():
        pytest.skip("../shared/corpus/bulk is not present")
    return CORPUS
