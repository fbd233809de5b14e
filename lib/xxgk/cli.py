"""The ``xxgk`` command: parse, build, sql, export, report, dictionary.

Exit codes: 0 success; 2 the input is not a report, unreadable or unsupported (one line on stderr
naming the file and the reason, nothing on stdout), or a query that cannot run; 1 a usage or
unexpected error, or a build that could not write its dataset.

``xxgk parse`` parses in a forked child process under the limits of :mod:`xxgk.limits` (memory cap,
wall-clock limit), so that a file that kills its parser (PDFium aborts when it runs out of memory)
or hangs inside a C call still gets its one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from . import ReportError, parse_file
from .limits import LIMITS, TimeLimit, current, time_limit


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _parse_job(job: tuple[str, bool, bool]) -> tuple[int, str]:
    """Parse one file and render the output (runs in the child): ``(exit code, text)``."""
    path, as_json, compact = job
    lim = current()
    try:
        with time_limit(lim.file_timeout_s):
            report = parse_file(path)
            if as_json:
                from .export import report_dict

                text = json.dumps(report_dict(report), ensure_ascii=False, indent=None if compact else 1)
            else:
                from .export import summary

                text = summary(report)
    except ReportError as exc:
        return 2, f"xxgk: {exc.path}: {_one_line(exc.reason)}"
    except TimeLimit:
        return 2, f"xxgk: {path}: gave up after {lim.file_timeout_s:g} s"
    except MemoryError:
        raise
    except Exception as exc:  # a bug must not print a traceback at the user; it still names the file
        return 2, f"xxgk: {path}: internal error while parsing ({type(exc).__name__}: {_one_line(exc)})"
    return 0, text


def _parse(args) -> int:
    from .pool import run_one

    changes = {"file_timeout_s": args.timeout}
    if args.memory_cap is not None:
        changes["worker_memory_mb"] = args.memory_cap
    try:
        code, text = run_one(_parse_job, (args.file, args.json, args.compact), limits=replace(LIMITS, **changes),
                             failed=lambda job, reason, kind: (2, f"xxgk: {args.file}: {reason}"))
    except KeyboardInterrupt:
        return 130
    if code:
        print(text, file=sys.stderr)
        return code
    sys.stdout.write(text)
    sys.stdout.write("\n")
    return 0


def _lazy(module: str, name: str):
    """A handler that imports its module only when its command runs (keeps `xxgk parse` quick)."""

    def handler(args) -> int:
        import importlib

        return getattr(importlib.import_module(f"xxgk.{module}"), name)(args)

    return handler


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script (a closed pipe, as in ``xxgk parse F --json | head``, ends quietly)."""
    try:
        return _main(argv)
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0


def _main(argv: list[str] | None) -> int:
    from . import __version__

    ap = argparse.ArgumentParser(
        prog="xxgk", description="政府信息公开工作年度报告 → validated tables. Run `xxgk COMMAND --help` for a command's "
                                 "options; README.md has examples.")
    ap.add_argument("--version", action="version", version=f"xxgk {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("parse", help="parse one report file: a summary, or the whole result as JSON")
    p.add_argument("file", help="the report (HTML, text, markdown, PDF, Word; the format is read from the content)")
    p.add_argument("--json", action="store_true", help="print the full result as one JSON object")
    p.add_argument("--compact", action="store_true", help="with --json: no indentation")
    p.add_argument("--timeout", type=float, default=LIMITS.file_timeout_s,
                   help=f"give up after this many seconds (default {LIMITS.file_timeout_s:g}; 0: no limit)")
    p.add_argument("--memory-cap", type=int, default=None, metavar="MiB",
                   help=f"address space the parser may use (default {LIMITS.worker_memory_mb}; 0: no cap)")
    p.add_argument("--ocr", action="store_true", help="recognise every PDF page by OCR, even with a text layer")
    p.set_defaults(func=_parse)

    b = sub.add_parser("build", help="parse a folder of reports into the dataset")
    b.add_argument("paths", nargs="*", default=["data/raw"], help="files or folders (default data/raw)")
    b.add_argument("--out", default="data/processed", help="dataset folder (default data/processed)")
    b.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    b.add_argument("--scheduler", default=None, help="Dask scheduler address: parse on that cluster")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")
    b.add_argument("--timeout", type=float, default=None,
                   help=f"give up on a file after this many seconds (default {LIMITS.file_timeout_s:g}; 0: no limit)")
    b.add_argument("--memory-cap", dest="worker_memory", type=int, default=None, metavar="MiB",
                   help=f"address space each worker may use (default {LIMITS.worker_memory_mb}; 0: no cap)")
    b.set_defaults(func=_lazy("builder", "_cli_build"))

    q = sub.add_parser("sql", help="run DuckDB SQL over the dataset (read only)")
    q.add_argument("query", help="the query; tables: reports, applications, active_disclosure, review_litigation, "
                   "checks, sections, narrative_figures, text_counts, errors")
    q.add_argument("--data", default=None, help="dataset folder (default data/processed)")
    q.set_defaults(func=_lazy("dataset", "_cli_sql"))

    e = sub.add_parser("export", help="write the dataset for spreadsheets and other tools: CSV (Excel-ready), xlsx "
                                      "or Parquet")
    e.add_argument("--format", default="csv", choices=("csv", "xlsx", "parquet"),
                   help="csv: UTF-8 with a BOM, one file per table (default); xlsx: one workbook, a sheet per table; "
                        "parquet: one file per table")
    e.add_argument("--out", default="export", help="folder to write into (default ./export)")
    e.add_argument("--agency", action="append", help="only this agency (canonical name, agency_id or printed name; "
                                                     "repeat for several)")
    e.add_argument("--year", type=int, action="append", help="only this year (repeat for several)")
    e.add_argument("--lang", default="zh", choices=("zh", "en"), help="language of labels and headers (default zh)")
    e.add_argument("--data", default=None, help="dataset folder (default data/processed)")
    e.set_defaults(func=_lazy("export", "_cli_export"))

    d = sub.add_parser("dictionary", help="write the data dictionary (markdown) from the metadata")
    d.add_argument("--out", default="docs/data-dictionary.md", help="where (default docs/data-dictionary.md)")
    d.set_defaults(func=_lazy("builder", "_cli_dictionary"))

    r = sub.add_parser("report", help="render the notebooks to a site of HTML pages (only pages whose inputs changed)")
    r.add_argument("notebook", nargs="?", choices=("agency_year", "trends", "compare_agencies", "data_quality"),
                   help="render just this notebook (with parameters)")
    r.add_argument("--agency", action="append", help="agency (canonical name, agency_id or printed name)")
    r.add_argument("--year", type=int)
    r.add_argument("--first-year", type=int)
    r.add_argument("--last-year", type=int)
    r.add_argument("--lang", default="zh,en",
                   help="page language(s): zh, en or zh,en (default; the first at the root, the other under en/)")
    r.add_argument("--data", default="data/processed", help="dataset folder (built from data/raw if missing)")
    r.add_argument("--raw", default="data/raw", help="report files to build from when there is no dataset")
    r.add_argument("--out", default="reports", help="output folder")
    r.add_argument("--workers", type=int, default=None, help="rendering processes, each with a warm kernel "
                   "(default: all cores)")
    r.add_argument("--force", action="store_true", help="render every page, even those whose inputs did not change")
    r.add_argument("--no-progress", action="store_true")
    r.set_defaults(func=_lazy("render", "_cli_report"))

    args = ap.parse_args(argv)
    if args.command is None:
        ap.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
