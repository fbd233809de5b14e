"""Legacy Word .doc: committed fixtures (LibreOffice conversions of the generator's .docx) parse to the
same cells as their .docx sources and as the synthetic truth; other OLE2 files keep a clear reason."""

import importlib.util
import io
import random
from pathlib import Path

import olefile
import pytest

from xxgk import ReportError, parse_bytes, parse_file
from xxgk.readers import read_bytes
from xxgk.readers.doc import _blocks
from xxgk.synth import random_report

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_doc_fixtures", ROOT / "scripts" / "make_doc_fixtures.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)


@pytest.mark.parametrize("name,seed,template,noisy", fixtures.FIXTURES)
def test_doc_parses_like_its_docx(name, seed, template, noisy):
    doc = parse_file(fixtures.OUT / f"{name}.doc")
    docx = parse_bytes(fixtures.docx_bytes(seed, template, noisy), f"{name}.docx")
    truth = random_report(random.Random(seed), template)
    assert doc.format == "doc" and doc.template == template
    assert doc.meta.get("agency") == docx.meta.get("agency") and doc.meta.get("year") == docx.meta.get("year")
    for table in ("table2", "table3", "table4"):
        a, b = getattr(doc, table), getattr(docx, table)
        assert a.keys() == b.keys()
        for key in b:
            assert (a[key].value, a[key].raw, a[key].flag) == (b[key].value, b[key].raw, b[key].flag), (table, key)
            want = getattr(truth, table)[key]
            assert a[key].value == want or (a[key].value is None and want == 0), (table, key)
    assert all(c.passed for c in doc.checks)


def test_row_ends_without_paragraph_properties():
    """Fallback: a doubled cell mark ends a row."""
    blocks = _blocks("标题\ra\x07b\x07\x07c\x07d\x07\x07尾\r", None)
    assert blocks[0].text == "标题"
    assert [[c.text for c in r] for r in blocks[1].rows] == [["a", "b"], ["c", "d"]]
    assert blocks[2].text == "尾"


def _ole_without_word_stream() -> bytes:
    """A minimal OLE2 file holding a stream that is not WordDocument (like a WPS or Excel file)."""
    base = (fixtures.OUT / "synth-2021.doc").read_bytes()
    ole = olefile.OleFileIO(io.BytesIO(base), write_mode=True)
    data = bytearray(ole.fp.getvalue())
    ole.close()
    # rename the WordDocument directory entry (UTF-16 name in the directory sector) in place
    name = "WordDocument".encode("utf-16-le")
    i = data.find(name)
    data[i:i + len(name)] = "WpsDocumentX".encode("utf-16-le")
    return bytes(data)


def test_other_ole_files_and_encrypted_doc_get_a_reason():
    with pytest.raises(ReportError) as e:
        read_bytes(_ole_without_word_stream(), "report.wps")
    assert e.value.kind == "unsupported_format" and "not a Word document" in e.value.reason
    data = bytearray((fixtures.OUT / "synth-2021.doc").read_bytes())
    ole = olefile.OleFileIO(io.BytesIO(bytes(data)))
    wd = ole.openstream("WordDocument").read()
    ole.close()
    pos = bytes(data).find(wd[:64])
    data[pos + 0x0B] |= 0x01  # fEncrypted: bit 8 of the FIB's flags word at 0x0A
    with pytest.raises(ReportError) as e:
        read_bytes(bytes(data), "locked.doc")
    assert "password" in e.value.reason
