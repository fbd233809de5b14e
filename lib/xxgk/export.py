"""A parsed Report in the shapes others consume: the CLI's JSON object and a short human summary.

The JSON shape is a contract (issue 2): ``report``, ``table2``, ``table3``, ``table4``, ``checks``,
``warnings``; cells carry ``value``, ``raw`` and ``flag``, plus ``candidates``, ``note``, ``unit`` or
(OCR) ``confidence`` when they have one.
"""

from __future__ import annotations

from .checks import CheckResult
from .parse import Report
from .values import CellValue


def cell_dict(keys: dict, cv: CellValue) -> dict:
    """One cell as a JSON object: its codes, value, raw text and flag (and extras where present)."""
    d = dict(keys)
    d.update({"value": cv.value, "raw": cv.raw, "flag": cv.flag})
    if cv.candidates is not None:
        d["candidates"] = cv.candidates
    if cv.note:
        d["note"] = cv.note
    if cv.unit:
        d["unit"] = cv.unit
    if cv.confidence is not None:
        d["confidence"] = round(cv.confidence, 3)
    return d


def report_dict(report: Report) -> dict:
    """The JSON object printed by ``xxgk parse FILE --json``."""
    meta = report.meta
    head = {"agency": meta.get("agency"), "year": meta.get("year"), "title": meta.get("title"),
            "template": report.template, "format": report.format, "source": report.source,
            "published": meta.get("published"), "url": meta.get("url"),
            "table_templates": report.table_templates, "ocr_pages": report.ocr_pages}
    return {
        "report": head,
        "table2": [cell_dict({"item": i, "measure": m}, cv) for (i, m), cv in report.table2.items()],
        "table3": [cell_dict({"row": r, "applicant": a}, cv) for (r, a), cv in report.table3.items()],
        "table4": [cell_dict({"proceeding": p, "outcome": o}, cv) for (p, o), cv in report.table4.items()],
        "checks": [c.as_dict() if isinstance(c, CheckResult) else c for c in report.checks],
        "sections": {str(n): s for n, s in report.sections.items()},
        "narrative_figures": [f.as_dict() for f in report.figures],
        "warnings": list(report.warnings),
    }


def _v(report: Report, table: str, key) -> str:
    cv = getattr(report, table).get(key)
    if cv is None or cv.flag == "missing":
        return "—"
    if cv.flag == "ambiguous":
        return "?"
    return f"{cv.value:g}" if cv.value is not None else "0"


def summary(report: Report) -> str:
    """A few lines for people: template, agency, year, key totals, failed checks, flags."""
    m = report.meta
    lines = [f"{report.source}",
             f"  {m.get('agency') or '(agency unknown)'} · {m.get('year') or '(year unknown)'} · template "
             f"{report.template} · {report.format}" + (" (OCR)" if report.ocr_pages else "")]
    t3 = [("new_received", "新收申请"), ("carried_over", "上年结转"), ("granted", "予以公开"),
          ("partially_granted", "部分公开"), ("total_processed", "办理总计"), ("carried_forward", "结转下年")]
    lines.append("  table3 总计: " + ", ".join(f"{zh} {_v(report, 'table3', (r, 'total'))}" for r, zh in t3))
    t4 = [("review", "行政复议"), ("litigation_direct", "直接起诉"), ("litigation_after_review", "复议后起诉")]
    lines.append("  table4 总计: " + ", ".join(f"{zh} {_v(report, 'table4', (p, 'total'))}" for p, zh in t4))
    failed = [c for c in report.checks if not c.passed]
    lines.append(f"  checks: {len(report.checks) - len(failed)} passed, {len(failed)} failed")
    for c in failed[:12]:
        lines.append(f"    FAIL {c.rule} {c.scope}: expected {c.expected}, printed {c.actual}"
                     + (f" ({c.note})" if c.note else ""))
    flags: dict[str, int] = {}
    for table in (report.table2, report.table3, report.table4):
        for cv in table.values():
            if cv.flag:
                flags[cv.flag] = flags.get(cv.flag, 0) + 1
    if flags:
        lines.append("  flagged cells: " + ", ".join(f"{k} {v}" for k, v in sorted(flags.items())))
    for w in report.warnings[:10]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)
