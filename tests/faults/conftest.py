"""Fault injection: a folder of good reports with one bad file among them, built on top of a previous
dataset. Every test asserts the same things: the build finishes, the bad file is an errors row with a
one-line reason, the good reports are in the dataset, the dataset stays readable, the workers stayed
under their memory cap, and nothing was written outside the output folder."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import xxgk
from tests.conftest import ROOT
from xxgk.builder import build
from xxgk.limits import LIMITS, Limits

RAW = ROOT / "data" / "raw"
GOOD = ["shanhaiguan-2023.txt", "shanghai-gov-office-2019.html", "pingtan-2023.txt", "shanghai-stcsm-2024.md"]
CAP_MB = 1024  # the workers' memory cap in these tests (the default is 2 GiB)


def good_sources() -> str:
    lines = (RAW / "sources.csv").read_text(encoding="utf-8").splitlines()
    return "\n".join([lines[0]] + [ln for ln in lines[1:] if ln.split(",", 1)[0] in GOOD]) + "\n"


@pytest.fixture(scope="session")
def previous(tmp_path_factory) -> Path:
    """A dataset built from the good reports alone: the 'previous dataset' of every test."""
    base = tmp_path_factory.mktemp("previous")
    src = base / "in"
    src.mkdir()
    for name in GOOD:
        shutil.copy(RAW / name, src / name)
    (src / "sources.csv").write_text(good_sources(), encoding="utf-8")
    res = build([src], base / "out", workers=1, progress=False)
    assert res.reports == len(GOOD) and res.errors == 0
    return base


def snapshot(root: Path, skip: tuple[Path, ...]) -> set[str]:
    """Every path under root, except those under ``skip``."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        if any(d == s or s in d.parents for s in skip):
            dirnames[:] = []
            continue
        out |= {str(d / n) for n in dirnames + filenames}
    return out


@dataclass
class Faulty:
    """A build of the good reports plus bad files, on top of the previous dataset."""

    root: Path
    src: Path
    out: Path

    def add(self, name: str, data: bytes | str) -> Path:
        p = self.src / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            p.write_text(data, encoding="utf-8")
        else:
            p.write_bytes(data)
        return p

    def build(self, limits: Limits | None = None, workers: int = 2, bad: tuple[str, ...] = (), **kw):
        """Build, and check what every fault case must hold (``bad``: good reports made bad by the test);
        returns (result, dataset)."""
        limits = limits or Limits(worker_memory_mb=CAP_MB)
        before = snapshot(self.root, (self.out, self.src))
        res = build([self.src], self.out, workers=workers, progress=False, limits=limits, **kw)
        assert snapshot(self.root, (self.out, self.src)) == before, "something was written outside --out"
        ds = xxgk.load(self.out, copies=True)  # hostile files may be copies of a good report (same agency, year)
        assert set(GOOD) - set(bad) <= set(ds.reports["source_file"]), "a good report is missing"
        assert res.worker_peak_mb < (limits.worker_memory_mb or LIMITS.worker_memory_mb)
        for reason in ds.errors["reason"]:
            assert reason and "\n" not in reason and len(reason) < 400
        return res, ds

    def error(self, ds, name: str) -> dict:
        """The errors row of a file (it must have one)."""
        rows = ds.errors[ds.errors["source_file"] == name]
        assert len(rows) == 1, (name, list(ds.errors["source_file"]))
        return rows.iloc[0].to_dict()


@pytest.fixture
def faulty(previous, tmp_path) -> Faulty:
    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(previous / "in", src)
    shutil.copytree(previous / "out", out)
    return Faulty(tmp_path, src, out)
