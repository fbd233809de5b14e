"""A parsed Report in the shapes others consume: the CLI's JSON object and a short human summary.

The JSON shape is a contract (issue 2): ``report``, ``table2``, ``table3``, ``table4``, ``checks``,
``warnings``; cells carry ``value``, ``raw`` and ``flag``, plus ``candidates``, ``note``, ``unit`` or
(OCR) ``confidence`` when they have one.
"""

from __future__ import annotations

from . import metadata as md
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
    if cv.evidence:
        d["evidence"] = cv.evidence
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
        "text_counts": [m.as_dict() for m in report.counts],
        "warnings": list(report.warnings),
    }


def _v(report: Report, table: str, key) -> str:
    cv = getattr(report, table).get(key)
    if cv is None or cv.flag in ("missing", "unread"):
        return "—"
    if cv.is_open or cv.flag == "invalid":
        return "?"
    if cv.value is None and table == "table3" and key[1] == "total":  # a 总计 printed blank or '/': say so
        parts = [report.table3.get((key[0], c)) for c in md.TABLE3_PARTS]
        if all(p is not None and not p.is_open for p in parts) and sum(p.number for p in parts):
            return f"空（各列合计 {sum(p.number for p in parts):g}）"
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


# --- the dataset as files for spreadsheets and other tools -------------------------------------

EXPORT_TABLES = ("reports", "tidy", "active_disclosure", "applications", "review_litigation", "checks",
                 "narrative_figures")
FORMATS = ("csv", "xlsx", "parquet")


def _frames(ds, lang: str) -> dict:
    return {name: ds.tidy(lang) if name == "tidy" else getattr(ds, name) for name in EXPORT_TABLES}


def _plain(df):
    """A frame for text formats: lists of candidates as '8; 88; 885', everything else as it is."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, list)).any():
            out[col] = out[col].map(lambda v: "; ".join("" if x is None else str(x) for x in v)
                                    if isinstance(v, list) else v)
    return out


def _header(table: str, column: str, lang: str) -> str:
    from . import metadata as md

    t = md.TABLES.get(table)
    col = next((c for c in t.columns if c.name == column), None) if t else None
    if col is None:
        return column
    label = col.label_zh if lang == "zh" else col.description.split(";")[0].split(" (")[0]
    return f"{label} ({column})" if lang == "zh" else column


def export_dataset(ds, out, fmt: str = "csv", lang: str = "zh") -> list:
    """Write a Dataset's tables for people and tools: ``csv`` (UTF-8 with a BOM, so Excel opens it),
    ``xlsx`` (one sheet per table, labelled headers, the header row frozen) or ``parquet``.

    Files are written under a temporary name and renamed when complete. Returns the paths written.
    """
    import os
    from pathlib import Path

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = _frames(ds, lang)
    written = []
    if fmt == "xlsx":
        path = out / "xxgk.xlsx"
        part = path.with_name(path.name + ".part")
        _write_xlsx(frames, part, lang)
        os.replace(part, path)
        return [path]
    for name, df in frames.items():
        path = out / f"{name}.{fmt}"
        part = path.with_name(path.name + ".part")
        if fmt == "csv":
            _plain(df).to_csv(part, index=False, encoding="utf-8-sig")
        else:
            df.to_parquet(part, index=False)
        os.replace(part, path)
        written.append(path)
    return written


def _write_xlsx(frames: dict, path, lang: str) -> None:
    import pandas as pd
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in frames.items():
            plain = _plain(df)
            for col in plain.columns:  # Excel has no categories or nullable integers
                if isinstance(plain[col].dtype, pd.CategoricalDtype):
                    plain[col] = plain[col].astype("object")
            plain.columns = [_header(name, c, lang) for c in df.columns]
            plain.to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for k, col in enumerate(plain.columns, start=1):
                ws.cell(row=1, column=k).font = Font(bold=True)
                ws.cell(row=1, column=k).alignment = Alignment(wrap_text=True, vertical="top")
                width = max([len(str(col))] + [len(str(v)) for v in plain.iloc[:200, k - 1].tolist()])
                ws.column_dimensions[get_column_letter(k)].width = min(60, max(8, width * 1.6))


def _cli_export(args) -> int:
    import sys

    import xxgk

    try:
        ds = xxgk.load(args.data, agency=args.agency, year=args.year)
    except (FileNotFoundError, LookupError) as exc:
        print(f"xxgk: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    paths = export_dataset(ds, args.out, args.format, args.lang)
    print(f"wrote {len(paths)} file(s) to {args.out} ({len(ds.reports)} reports): "
          + ", ".join(p.name for p in paths))
    return 0
