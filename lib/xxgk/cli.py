"""The ``xxgk`` command: parse, build, report, sql.

Exit codes: 0 success; 2 the input is not a report, unreadable or unsupported (one line on stderr
naming the file and the reason, nothing on stdout); 1 a usage or unexpected error.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import ReportError, parse_file


def _parse(args) -> int:
    try:
        report = parse_file(args.file)
    except ReportError as exc:
        print(f"xxgk: {exc.path}: {exc.reason}", file=sys.stderr)
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    ap = argparse.ArgumentParser(prog="xxgk", description="政府信息公开工作年度报告 → validated tables")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse one report file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the full result as one JSON object")
    p.add_argument("--compact", action="store_true", help="with --json: no indentation")
    p.set_defaults(func=_parse)
    for extra in _extra_commands():
        extra(sub)
    args = ap.parse_args(argv)
    return args.func(args)


def _extra_commands():
    out = []
    try:
        from .build import add_cli as build_cli

        out.append(build_cli)
    except ImportError:
        pass
    try:
        from .render import add_cli as render_cli

        out.append(render_cli)
    except ImportError:
        pass
    return out


if __name__ == "__main__":
    sys.exit(main())
