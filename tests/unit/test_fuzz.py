"""Fuzzing the readers with mutated real files: a Report or a ReportError, nothing else, in bounded time."""

from __future__ import annotations

import random
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from xxgk import ReportError, parse_bytes
from xxgk.synth import random_report, render_bytes

RAW = ROOT / "data" / "raw"
SAMPLES = {p.name: p.read_bytes() for p in sorted(RAW.iterdir()) if p.name not in ("sources.csv", "README.md")}
SAMPLES["synthetic.pdf"] = render_bytes(random_report(random.Random(3), "2021"), "pdf")
SAMPLES["synthetic.docx"] = render_bytes(random_report(random.Random(4), "2019"), "docx")


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(["flip", "cut", "dup", "del", "ins", "trunc"])
        if not b:
            break
        i = rng.randrange(len(b))
        if op == "flip":
            b[i] = rng.randrange(256)
        elif op == "cut":
            del b[i:i + rng.randint(1, 400)]
        elif op == "dup":
            j = min(len(b), i + rng.randint(1, 400))
            b[i:i] = b[i:j]
        elif op == "del":
            b[i:i + 1] = b""
        elif op == "ins":
            b[i:i] = rng.choice([b"|", b"\n", b"0", b"<td>", b"\x00", "（".encode(), b"9" * 30])
        else:
            b = b[:i]
    return bytes(b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SAMPLES)), seed=st.integers(0, 2**32 - 1))
def test_mutated_files_never_crash(name, seed):
    data = mutate(SAMPLES[name], random.Random(seed))
    t0 = time.perf_counter()
    try:
        rep = parse_bytes(data, f"fuzz-{name}")
    except ReportError as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        for table in (rep.table2, rep.table3, rep.table4):
            for cv in table.values():
                assert cv.value is None or cv.flag not in ("missing", "blank", "na", "ambiguous")
    assert time.perf_counter() - t0 < 10


def test_samples_are_present():
    assert len(SAMPLES) >= 10 and all(SAMPLES.values())
    assert Path(RAW / "sources.csv").exists()
