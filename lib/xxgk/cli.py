"""The ``xxgk`` command: parse, build, report, sql.

Exit codes: 0 success; 2 the input is not a report, unreadable or unsupported (one line on stderr
naming the file and the reason, nothing on stdout); 1 a usage or unexpected error.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import ReportError, parse_file
from .limits import TimeLimit, time_limit


def _parse(args) -> int:
    try:
        with time_limit(args.timeout):
            report = parse_file(args.file)
    except ReportError as exc:
        print(f"xxgk: {exc.path}: {exc.reason}", file=sys.stderr)
        return 2
    except TimeLimit:
        print(f"xxgk: {args.file}: gave up after {args.timeout:g} s", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug must not print a traceback at the user; it still names the file
        print(f"xxgk: {args.file}: internal error while parsing ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    if args.json:
        from .export import report_dict

        sys.stdout.write(json.dumps(report_dict(report), ensure_ascii=False, indent=None if args.compact else 1))
        sys.stdout.write("\n")
    else:
        from .export import summary

        print(summary(report))
    return 0


def _lazy(module: str, name: str):
    """A handler that imports its module only when its command runs (keeps `xxgk parse` quick)."""

    def handler(args) -> int:
        import importlib

        return getattr(importlib.import_module(f"xxgk.{module}"), name)(args)

    return handler


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    ap = argparse.ArgumentParser(prog="xxgk", description="政府信息公开工作年度报告 → validated tables")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse one report file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the full result as one JSON object")
    p.add_argument("--compact", action="store_true", help="with --json: no indentation")
    p.add_argument("--timeout", type=float, default=60, help="give up after this many seconds (default 60)")
    p.set_defaults(func=_parse)

    b = sub.add_parser("build", help="parse a folder of reports into the dataset")
    b.add_argument("paths", nargs="*", default=["data/raw"], help="files or folders (default data/raw)")
    b.add_argument("--out", default="data/processed", help="dataset folder (default data/processed)")
    b.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    b.add_argument("--scheduler", default=None, help="Dask scheduler address: parse on that cluster")
    b.add_argument("--no-progress", action="store_true")
    b.set_defaults(func=_lazy("build", "_cli_build"))

    q = sub.add_parser("sql", help="run DuckDB SQL over the dataset")
    q.add_argument("query")
    q.add_argument("--data", default=None, help="dataset folder (default data/processed)")
    q.set_defaults(func=_lazy("build", "_cli_sql"))

    d = sub.add_parser("dictionary", help="write the data dictionary (markdown) from the metadata")
    d.add_argument("--out", default="docs/data-dictionary.md")
    d.set_defaults(func=_lazy("build", "_cli_dictionary"))

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
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
