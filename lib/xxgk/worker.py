"""One report file → the rows of every dataset table; what a build's worker processes run.

:func:`process` never raises for a bad file: a file that cannot be read or parsed, takes too long, or
needs more memory than a worker may have is an ``errors`` row with a one-line reason. Only
:class:`MemoryError` is let through, so that the pool (:mod:`xxgk.pool`) replaces a worker whose heap
hit its cap.

This module is what every worker process imports, so it must stay light: it imports the parser,
never pyarrow, DuckDB or pandas (a worker's memory cap counts every library it maps, and a worker
starts in ~0.1 s because it imports little).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import metadata as md
from .document import ReportError
from .limits import TimeLimit, current, peak_rss_mb, time_limit


@dataclass(slots=True)
class Task:
    """One input file, with its sources.csv row and what the build learnt about that row (notes).

    A build's second pass gives a file the ``evidence`` that its agency's other reports hold about its
    open rows (:mod:`xxgk.evidence`), or asks for the readings of some ``rows`` only (``context_only``).
    """

    path: str
    rel: str
    meta: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    evidence: tuple = ()
    rows: tuple = ()
    context_only: bool = False


@cache
def parser_fingerprint() -> str:
    """A hash of the library's code and metadata: any change makes a rebuild parse every file again."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for p in sorted(list(root.rglob("*.py")) + list(root.rglob("*.csv"))):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def agency_id(name: str) -> str:
    """A stable id for a canonical agency name (the same name always gives the same id)."""
    return "ag-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def sha256(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(data).hexdigest()


def build_key(sha: str, meta: dict) -> str:
    """What decides whether a file must be parsed again."""
    blob = json.dumps([sha, meta, parser_fingerprint()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def error_row(rel: str, reason: str, kind: str, sha: str | None = None, key: str | None = None) -> dict:
    """A row of the ``errors`` table (``reason`` on one line)."""
    return {"source_file": rel, "sha256": sha, "reason": " ".join(str(reason).split()), "kind": kind,
            "build_key": key}


def process(task: Task) -> dict:
    """Parse one file into the rows of every table (runs in a worker process).

    Returns ``{"error": row}`` for a file that cannot be parsed, else the rows (see :func:`rows_of`),
    with the worker's peak memory so far (``peak_rss_mb``) either way.

    Raises:
        MemoryError: the worker hit its memory cap (the pool records the file and replaces the worker).
    """
    from .readers.guards import read_path

    rel = task.rel
    lim = current()
    cpu0 = time.process_time()
    try:
        data = read_path(task.path)
    except ReportError as exc:
        return {"error": error_row(rel, exc.reason, exc.kind), "peak_rss_mb": peak_rss_mb()}
    sha = sha256(data)
    key = build_key(sha, task.meta)
    try:
        with time_limit(lim.file_timeout_s):
            from . import parse_bytes
            from .checks import text_vs_table
            from .evidence import context

            report = parse_bytes(data, rel, evidence=task.evidence)
            if task.context_only:
                return {"context": context(report, task.rows), "source_file": rel,
                        "peak_rss_mb": peak_rss_mb()}
            w4 = text_vs_table(report)
            out = rows_of(report, task, sha, key, w4)
            out["context"] = context(report)
    except ReportError as exc:
        out = {"error": error_row(rel, exc.reason, exc.kind, sha, key)}
    except TimeLimit:
        out = {"error": error_row(rel, f"gave up after {lim.file_timeout_s:g} s", "timeout", sha, key)}
    except MemoryError:
        raise
    except Exception as exc:  # a parser bug must not stop the batch; it is recorded instead
        out = {"error": error_row(rel, f"internal error: {type(exc).__name__}: {exc}", "internal", sha, key)}
    out["cpu_seconds"] = time.process_time() - cpu0
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def process_under(limits, task: Task) -> dict:
    """:func:`process` under the given limits (for workers that did not start with them, e.g. Dask's)."""
    from .limits import using

    with using(limits):
        return process(task)




def _clip(text: str | None, lim) -> str | None:
    """A stored text of at most ``max_text_chars`` (a longer one is not a cell, a title or a sentence)."""
    if text is None or len(text) <= lim.max_text_chars:
        return text
    return text[:lim.max_text_chars - 1] + "…"
_LARGEST = 2 ** 53  # a Float64 column holds integers exactly up to here


def _cell(cv, lim, money: bool | None = None) -> tuple:
    """The stored columns of a cell (metadata._VALUE): value, raw, flag, candidates, note, evidence, and for
    Table 2 (``money`` not None) the amount."""
    cands = None if cv.candidates is None else [None if v is None else float(v) for v in cv.candidates]
    value = None if money or cv.value is None else int(cv.value)
    row = (value, _clip(cv.raw, lim), cv.flag, cands, _clip(cv.note, lim), _clip(cv.evidence, lim))
    return row if money is None else row + (float(cv.value) if money and cv.value is not None else None,)


def _whole(v) -> int | None:
    return None if v is None else int(round(v))


def rows_of(report, task: Task, sha: str, key: str, w4: list) -> dict:
    """The rows of one parsed report for every stored table (report_id is added by the caller)."""
    meta = task.meta
    parsed_agency = report.meta.get("agency")
    agency = meta.get("agency") or parsed_agency or "(unknown agency)"
    year = report.meta.get("year")
    notes = list(task.notes) + list(report.warnings)
    if meta.get("year"):
        listed = int(meta["year"])
        if year is not None and year != listed:
            notes.append(f"year {year} in the report, {listed} in sources.csv; sources.csv is used")
        year = listed
    aid = meta.get("agency_id") or agency_id(agency)
    checks = list(report.checks) + list(w4)
    failed = sum(1 for c in report.checks if not c.passed)
    cells = [cv for t in (report.table2, report.table3, report.table4) for cv in t.values()]
    flagged = sum(1 for cv in cells if cv.flag in md.ATTENTION_FLAGS)
    unknown = any(cv.is_open for cv in cells)
    level = meta.get("level") or None
    if level not in md.LEVELS:
        level = None
    rep = {
        "agency_id": aid, "agency": agency, "agency_parsed": parsed_agency, "level": level,
        "region": meta.get("region") or None, "year": year, "template": report.template, "format": report.format,
        "title": report.meta.get("title"), "published": report.meta.get("published"), "source_file": task.rel,
        "sha256": sha, "source_url": meta.get("url") or meta.get("source_url") or report.meta.get("url"),
        "build_key": key, "parse_status": "checks_failed" if failed else "ok", "failed_checks_count": failed,
        "flagged_cells_count": flagged, "warnings_count": 0, "is_complete": not failed and not unknown,
        "is_canonical": None,  # decided once every file is in (xxgk.builder.canonical)
        "is_preferred": str(meta.get("preferred") or "").strip().lower() in ("1", "true", "yes", "y", "是", "preferred"),
        "is_ocr": bool(report.ocr_pages),
    }
    lim = current()
    money = md.table2_money_measures()
    t2 = [(i, m, *_cell(cv, lim, m in money), cv.unit) for (i, m), cv in report.table2.items()]
    t3 = [(r, a, *_cell(cv, lim)) for (r, a), cv in report.table3.items()]
    t4 = [(p, o, *_cell(cv, lim)) for (p, o), cv in report.table4.items()]
    ck = [(c.rule, c.scope, _whole(c.expected), _whole(c.actual), c.passed, c.rule.startswith("W"), c.note)
          for c in checks]
    secs = []
    for n, s in sorted(report.sections.items()):
        text = s["text"]
        if text and len(text) > lim.max_section_chars:
            notes.append(f"section {n} is {len(text):,} characters long; its first {lim.max_section_chars:,} "
                         "are stored")
            text = text[:lim.max_section_chars]
        secs.append((n, _clip(s["heading"], lim), text))
    figs = []
    for f in report.figures:
        if f.value is not None and not abs(f.value) < _LARGEST:
            notes.append(f"figure {f.measure} of section {f.section} out of range; left out")
            continue
        figs.append((f.measure, f.value, f.unit, f.is_approximate, f.channel, f.category, f.section, f.mention,
                     _clip(f.evidence, lim)))
    counts = [(m.section, m.index, _clip(m.text, lim), m.value, m.unit, m.is_approximate, m.measure, m.channel,
               m.category, m.reason, _clip(m.sentence, lim))
              for m in report.counts if m.value is None or abs(m.value) < _LARGEST]
    rep["title"] = _clip(rep["title"], lim)
    rep["warnings_count"] = len(notes)
    return {"report": rep, "active_disclosure": t2, "applications": t3, "review_litigation": t4, "checks": ck,
            "sections": secs, "narrative_figures": figs, "text_counts": counts, "warnings": notes}
