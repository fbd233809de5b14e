"""xxgk: Chinese government information disclosure annual reports (政府信息公开工作年度报告) as data.

Stages, one module each: ``readers`` (a file in any format → Document), ``parse`` (Document → the
template's cells), ``checks`` (the template's arithmetic), ``dataset`` (many reports → Parquet and
DuckDB; load), ``plots`` and ``render`` (charts, notebooks, HTML). This module re-exports the
public API.
"""

from __future__ import annotations

from pathlib import Path

from .checks import check_report
from .document import ReportError
from .evidence import settle, text_evidence
from .parse import Report, parse_document
from .readers import read_bytes, read_file
from .style import install as _style

__version__ = "0.1.0"
_style()  # Chinese in any chart drawn after `import xxgk` (applied when matplotlib is imported)
__all__ = ["Report", "ReportError", "parse_file", "parse_bytes", "load", "sql", "build", "__version__"]


def _finish(report: Report, evidence=()) -> Report:
    settle(report, text_evidence(report) + list(evidence))
    results, skipped = check_report(report)
    report.checks = results
    report.warnings += skipped
    return report


def parse_file(path: str | Path, evidence=(), ocr: bool | None = None) -> Report:
    """Read, parse and check one report file.

    Cells the tables leave open are settled, where possible, by the report's own text and by any
    further ``evidence`` (:class:`xxgk.evidence.Evidence`, e.g. from the agency's other reports).
    ``ocr``: None (default) runs OCR only on scanned pages and images; True on every PDF page; False never.

    Raises:
        ReportError: the file is not a report, is pre-2019, unreadable, or in an unsupported format.
    """
    return _finish(parse_document(read_file(path, ocr)), evidence)


def parse_bytes(data: bytes, source: str = "<bytes>", evidence=(), ocr: bool | None = None) -> Report:
    """Like :func:`parse_file`, for content already in memory."""
    return _finish(parse_document(read_bytes(data, source, ocr)), evidence)


def load(path: str | Path | None = None, **filters):
    """Load the built dataset (see :func:`xxgk.dataset.load`)."""
    from .dataset import load as _load

    return _load(path, **filters)


def sql(query: str, path: str | Path | None = None):
    """Run DuckDB SQL over the built dataset; returns a pandas DataFrame (see :func:`xxgk.dataset.sql`)."""
    from .dataset import sql as _sql

    return _sql(query, path)


def build(paths=None, out=None, **kwargs):
    """Build the dataset from report files (see :func:`xxgk.builder.build`)."""
    from .builder import build as _build

    return _build(paths, out, **kwargs)
