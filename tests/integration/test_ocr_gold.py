"""A scan of a real report (hongze-2024.pdf rendered to page images at 150 dpi, degraded: skew, seal, noise,
grey paper, JPEG; an image-only PDF) parses through `xxgk parse FILE --json` to the same cells as its text-layer
original. Skipped without ../shared or without the OCR stack."""

import importlib.util
import json
import subprocess
import sys

import pytest

from xxgk import parse_file
from xxgk.scans import PROFILES, scan

pytestmark = pytest.mark.skipif(importlib.util.find_spec("rapidocr_onnxruntime") is None,
                                reason="OCR stack not installed")


def test_scanned_hongze_same_cells_as_original(corpus, tmp_path):
    gold = json.loads((corpus / "gold" / "hongze-2024.json").read_text(encoding="utf-8"))
    original = parse_file(corpus / gold["file"])
    f = tmp_path / "hongze-scan.pdf"
    f.write_bytes(scan((corpus / gold["file"]).read_bytes(), 150, PROFILES["degraded"], seed=1))
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "parse", str(f), "--json"], capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["report"]["ocr_pages"] == 5 and out["report"]["template"] == original.template
    assert out["report"]["agency"] == original.meta["agency"] and out["report"]["year"] == original.meta["year"]
    same = total = 0
    for table, k1, k2 in (("table2", "item", "measure"), ("table3", "row", "applicant"),
                          ("table4", "proceeding", "outcome")):
        for cell in out[table]:
            want = getattr(original, table)[(cell[k1], cell[k2])]
            total += 1
            if cell["value"] == want.value and (want.value is not None or cell["flag"] == want.flag):
                same += 1
                if want.value is not None:
                    assert cell["flag"] in ("ocr", "recovered") and 0 <= cell["confidence"] <= 1
            else:  # a cell that differs is flagged, never a plain wrong number
                assert cell["flag"] in ("ambiguous", "invalid", "missing"), cell
    assert same >= 0.99 * total, (same, total)
