"""The dataset survives every fault: damaged previous tables, dead builds, readers during a swap, a full
disk, a second build at the same time."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import xxgk
from tests.conftest import ROOT
from tests.faults.conftest import GOOD, RAW
from xxgk import lifecycle
from xxgk.builder import BuildError, build


def test_damaged_previous_table_means_parse_again(faulty):
    p = faulty.out / "applications.parquet"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])  # truncated: no footer
    res, ds = faulty.build()
    assert res.parsed == len(GOOD) and res.reused == 0
    assert any("previous dataset could not be read" in n and "every file parsed again" in n for n in res.notes)
    assert len(ds.applications) > 4 * 100  # every report's Table 3 is there


def test_damaged_reports_table_means_parse_again(faulty):
    (faulty.out / "reports.parquet").write_bytes(b"PAR1 not really")
    res, ds = faulty.build()
    assert res.parsed == len(GOOD) and len(ds.reports) == len(GOOD)


def test_a_reader_leaves_a_running_build_alone(faulty):
    out = faulty.out
    with lifecycle.build_lock(out):  # a build is running (this process holds its lock)
        tmp = lifecycle.staging(out)
        (tmp / "reports.parquet").write_bytes(b"half written")
        hours_ago = time.time() - 7200
        os.utime(tmp, (hours_ago, hours_ago))  # the old rule removed in-progress folders older than an hour
        assert len(xxgk.load(out).reports) == len(GOOD)  # the reader reads the previous dataset …
        assert tmp.exists()  # … and leaves the build's folder alone
        assert lifecycle.is_building(out)
    assert not lifecycle.is_building(out)
    xxgk.load(out)  # no build now: the folder is a dead build's, and goes
    assert not tmp.exists()
    assert sorted(p.name for p in faulty.root.iterdir()) == ["in", "out"]


def test_a_killed_build_leaves_nothing_that_lasts(faulty):
    """SIGKILL a whole build (main process and workers) in the middle: the previous dataset is intact,
    and the next reader removes the temporary folder and the stale lock."""
    for p in sorted(RAW.iterdir())[:60]:  # enough work for the build to be caught in the middle
        if p.name not in GOOD and p.name != "sources.csv":
            shutil.copy(p, faulty.src / p.name)
    before = {p.name: p.read_bytes() for p in faulty.out.iterdir()}
    proc = subprocess.Popen([sys.executable, "-m", "xxgk.cli", "build", str(faulty.src), "--out", str(faulty.out),
                             "--workers", "1", "--no-progress"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(faulty.root.glob(".out.tmp-*")):
        assert time.monotonic() < deadline and proc.poll() is None, "the build never started writing"
        time.sleep(0.01)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list(faulty.root.glob(".out.tmp-*"))  # left behind by the dead build
    assert {p.name: p.read_bytes() for p in faulty.out.iterdir()} == before
    assert len(xxgk.load(faulty.out).reports) == len(GOOD)
    assert sorted(p.name for p in faulty.root.iterdir()) == ["in", "out"]  # temp folder and lock gone
    res = build([faulty.src], faulty.out, workers=2, progress=False)
    assert res.errors == 0 and res.reports > len(GOOD)


def test_a_reader_between_two_renames_waits_for_the_new_dataset(faulty, monkeypatch):
    """The swap's first rename lands just after the reader's recovery found the folder in place: the
    reader looks again and reads the new dataset instead of saying there is none."""
    out = faulty.out
    real_recover, calls = lifecycle.recover, []

    def recover_then_swap_starts(path, wait_s=2.0):
        real_recover(path, wait_s)
        if not calls:
            calls.append(path)
            os.rename(out, out.parent / f".{out.name}.old-test")  # the swap's first rename …
            threading.Timer(0.3, os.rename, (new, out)).start()  # … and, a moment later, its second

    with lifecycle.build_lock(out):  # the build holds its lock through the swap
        new = lifecycle.staging(out)
        for p in (out.parent / f"{out.name}").iterdir():
            shutil.copy(p, new / p.name)
        monkeypatch.setattr(lifecycle, "recover", recover_then_swap_starts)
        assert len(xxgk.load(out).reports) == len(GOOD)
        assert calls and out.exists()


@pytest.mark.parametrize("atomic", [True, False], ids=["exchange", "two-renames"])
def test_readers_during_swaps_break_nothing(faulty, monkeypatch, atomic):
    if not atomic:
        monkeypatch.setattr(lifecycle, "_exchange", lambda a, b: False)  # a file system without RENAME_EXCHANGE
    stop = threading.Event()
    failures: list[BaseException] = []
    reads = [0]

    def reader():
        while not stop.is_set():
            try:
                n = len(xxgk.load(faulty.out).reports)
                assert n == len(GOOD)
                assert xxgk.sql("select count(*) as n from reports", faulty.out)["n"][0] == len(GOOD)
                reads[0] += 1
            except BaseException as exc:  # noqa: BLE001 — any failure of a reader is the test's failure
                failures.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            res = build([faulty.src], faulty.out, workers=1, progress=False)
            assert res.reports == len(GOOD)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failures, failures[0]
    assert reads[0] > 3


def test_second_build_at_the_same_time_is_refused_in_one_line(faulty):
    with lifecycle.build_lock(faulty.out):
        p = subprocess.run([sys.executable, "-m", "xxgk.cli", "build", str(faulty.src), "--out", str(faulty.out),
                            "--no-progress"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.strip() == (f"xxgk: build failed: another build (pid {os.getpid()}) is writing {faulty.out}; "
                                "wait for it to finish")


def test_disk_full_is_one_line_and_the_previous_dataset_stays(faulty, monkeypatch):
    import pyarrow.parquet as pq

    before = {p.name: p.read_bytes() for p in faulty.out.iterdir()}
    faulty.add("new.txt", (RAW / "pingtan-2024.txt").read_bytes())
    real = pq.ParquetWriter.write_table

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    with pytest.raises(BuildError) as exc:
        build([faulty.src], faulty.out, workers=1, progress=False)
    monkeypatch.setattr(pq.ParquetWriter, "write_table", real)
    assert "\n" not in str(exc.value) and "No space left on device" in str(exc.value)
    assert str(exc.value).endswith(f"the previous dataset in {faulty.out} is unchanged")
    assert {p.name: p.read_bytes() for p in faulty.out.iterdir()} == before
    assert sorted(p.name for p in faulty.root.iterdir()) == ["in", "out"]


def _can_mount_tmpfs() -> bool:
    if not sys.platform.startswith("linux") or not shutil.which("unshare"):
        return False
    p = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m none /tmp"], capture_output=True)
    return p.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="cannot mount a small tmpfs (needs user namespaces)")
def test_really_full_disk(previous, tmp_path):
    """A real full disk: a 4 MB tmpfs in a private mount namespace holds the previous dataset and a file that
    leaves too little room; the rebuild fails in one line and the previous dataset still answers queries."""
    disk = tmp_path / "disk"
    disk.mkdir()
    xxgk_cli = f"{sys.executable} -m xxgk.cli"
    script = f"""
set -u
mount -t tmpfs -o size=4m none {disk}
cp -r {previous / 'out'} {disk}/out
cp -r {previous / 'in'} {disk}/in
cp {RAW / 'pingtan-2024.txt'} {RAW / 'pingtan-2022.txt'} {disk}/in/
free=$(df -k --output=avail {disk} | tail -1)
head -c $(( (free - 40) * 1024 )) /dev/zero > {disk}/filler 2>/dev/null
{xxgk_cli} build {disk}/in --out {disk}/out --no-progress > {disk}/../stdout 2> {tmp_path}/stderr
echo $? > {tmp_path}/rc
rm {disk}/filler
{xxgk_cli} sql "select count(*) as n from reports" --data {disk}/out > {tmp_path}/sql
ls -a {disk} > {tmp_path}/ls
"""
    p = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "lib")})
    assert p.returncode == 0, p.stderr
    stderr = (tmp_path / "stderr").read_text()
    assert (tmp_path / "rc").read_text().strip() == "1", stderr
    assert stderr.count("\n") == 1 and stderr.startswith("xxgk: build failed: could not write the dataset (")
    assert "No space left on device" in stderr and "the previous dataset in" in stderr
    assert (tmp_path / "sql").read_text().split() == ["n", str(len(GOOD))]
    assert (tmp_path / "ls").read_text().split() == [".", "..", "in", "out"]
