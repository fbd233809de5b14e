"""Make the legacy Word .doc test fixtures once: synthetic reports as .docx, converted by LibreOffice.

Run on a machine with LibreOffice (``apt-get install libreoffice-writer-nogui``); the .doc files are
committed under tests/fixtures/doc and read back by tests/unit/test_doc.py, which regenerates the
.docx from the same seeds and checks both parse to the same cells. Not needed at run time.

    python scripts/make_doc_fixtures.py
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from xxgk.synth import random_report, render_docx

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "doc"
# (name, seed, template, noisy)
FIXTURES = [("synth-2021", 11, "2021", False), ("synth-2019-noisy", 12, "2019", True)]


def docx_bytes(seed: int, template: str, noisy: bool) -> bytes:
    """The generator's .docx for a fixture (deterministic)."""
    rep = random_report(random.Random(seed), template)
    return render_docx(rep, random.Random(seed + 1) if noisy else None)


def main() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) not found")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, seed, template, noisy in FIXTURES:
            src = Path(tmp) / f"{name}.docx"
            src.write_bytes(docx_bytes(seed, template, noisy))
            subprocess.run([soffice, "--headless", "--convert-to", "doc:MS Word 97", "--outdir", str(OUT),
                            str(src)], check=True, capture_output=True, timeout=120)
            print(OUT / f"{name}.doc", (OUT / f"{name}.doc").stat().st_size, "bytes")


if __name__ == "__main__":
    main()
