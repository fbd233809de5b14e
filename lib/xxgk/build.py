"""Many report files → the dataset: Parquet tables (plus DuckDB views, see :mod:`xxgk.dataset`).

``build(paths, out)`` parses every file under ``paths`` in parallel (all cores, or a Dask cluster),
streams the rows into Parquet row groups (memory stays bounded however many files there are), adds
the cross-report checks, writes the data dictionary, and swaps the new dataset in only when all of
it is written: a failed or interrupted build leaves the previous dataset as it was. Files whose
content, sources.csv row and parser are unchanged are not parsed again: their rows are copied from
the previous dataset.

Metadata a parser cannot know (canonical agency name, level, region, URL) comes from a
``sources.csv`` beside the files, keyed by file path.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from . import metadata as md
from .document import ReportError
from .limits import TimeLimit, time_limit

STORED = [t for t in md.TABLES.values() if not t.derived]
SKIP_NAMES = {"sources.csv", "agencies.csv", "README.md", "readme.md", "LICENSE", ".gitkeep"}
FILE_TIMEOUT_S = 60  # a file that takes longer is given up (an errors row), never a hang
ROW_GROUP_REPORTS = 1000
DUCKDB_MEMORY = "256MB"  # DuckDB's cap for the sort and cross-report passes; it spills to disk beyond it
PA_TYPES = {"string": pa.string(), "Int64": pa.int64(), "Float64": pa.float64(), "category": pa.string(),
            "boolean": pa.bool_()}


def schema(table: md.Table) -> pa.Schema:
    """The Arrow schema of a stored table, from the metadata."""
    return pa.schema([pa.field(c.name, PA_TYPES[c.dtype]) for c in table.columns])


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


# --- inputs ---------------------------------------------------------------------------------

@dataclass(slots=True)
class Task:
    """One input file, with its sources.csv row and the key that says whether it changed."""

    path: str
    rel: str
    meta: dict = field(default_factory=dict)


def discover(paths: Iterable[str | Path]) -> tuple[list[Task], list[dict]]:
    """Every candidate report file under the paths, with sources.csv metadata; and missing paths as errors."""
    tasks: list[Task] = []
    missing: list[dict] = []
    for base in paths:
        base = Path(base)
        if not base.exists():
            missing.append({"source_file": str(base), "sha256": None, "reason": "no such file or folder",
                            "kind": "not_found", "build_key": None})
            continue
        root = base if base.is_dir() else base.parent
        sources = read_sources(root)
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for p in files:
            if p.name in SKIP_NAMES or any(part.startswith(".") for part in p.relative_to(root).parts):
                continue
            rel = p.relative_to(root).as_posix()
            tasks.append(Task(str(p), rel, sources.get(rel, {})))
    return tasks, missing


def read_sources(root: Path) -> dict[str, dict]:
    """``sources.csv`` of a folder, keyed by its ``file`` column (paths relative to the folder)."""
    p = root / "sources.csv"
    if not p.exists():
        return {}
    with open(p, encoding="utf-8-sig", newline="") as fh:
        return {r["file"].strip(): {k: (v.strip() if isinstance(v, str) else v) for k, v in r.items()}
                for r in csv.DictReader(fh) if r.get("file")}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_key(sha: str, meta: dict) -> str:
    """What decides whether a file must be parsed again."""
    blob = json.dumps([sha, meta, parser_fingerprint()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


# --- the worker -----------------------------------------------------------------------------

def process(task: Task) -> dict:
    """Parse one file into the rows of every table (runs in a worker process). Never raises."""
    rel = task.rel
    cpu0 = time.process_time()
    try:
        data = Path(task.path).read_bytes()
    except OSError as exc:
        return {"error": {"source_file": rel, "sha256": None, "reason": f"cannot read: {exc.strerror or exc}",
                          "kind": "unreadable", "build_key": None}}
    sha = _sha256(data)
    key = build_key(sha, task.meta)
    try:
        with time_limit(FILE_TIMEOUT_S):
            from . import parse_bytes
            from .checks import text_vs_table

            report = parse_bytes(data, rel)
            w4 = text_vs_table(report)
    except ReportError as exc:
        return {"error": {"source_file": rel, "sha256": sha, "reason": exc.reason, "kind": exc.kind,
                          "build_key": key}}
    except TimeLimit:
        return {"error": {"source_file": rel, "sha256": sha, "reason": f"gave up after {FILE_TIMEOUT_S} s",
                          "kind": "timeout", "build_key": key}}
    except Exception as exc:  # a parser bug must not stop the batch; it is recorded instead
        return {"error": {"source_file": rel, "sha256": sha, "reason": f"internal error: {type(exc).__name__}: {exc}",
                          "kind": "internal", "build_key": key}}
    out = rows_of(report, task, sha, key, w4)
    out["cpu_seconds"] = time.process_time() - cpu0
    return out


def rows_of(report, task: Task, sha: str, key: str, w4: list) -> dict:
    """The rows of one parsed report for every stored table (report_id is added by the caller)."""
    meta = task.meta
    parsed_agency = report.meta.get("agency")
    agency = meta.get("agency") or parsed_agency or "(unknown agency)"
    year = report.meta.get("year")
    notes = list(report.warnings)
    if meta.get("year"):
        listed = int(meta["year"])
        if year is not None and year != listed:
            notes.append(f"year {year} in the report, {listed} in sources.csv; sources.csv is used")
        year = listed
    aid = meta.get("agency_id") or agency_id(agency)
    checks = list(report.checks) + list(w4)
    failed = sum(1 for c in report.checks if not c.passed)
    cells = [cv for t in (report.table2, report.table3, report.table4) for cv in t.values()]
    flagged = sum(1 for cv in cells if cv.flag in ("recovered", "ambiguous", "note", "invalid", "unit_unknown"))
    unknown = any(cv.flag in ("ambiguous", "invalid") for cv in cells)
    level = meta.get("level") or None
    if level not in md.LEVELS:
        level = None
    rep = {
        "agency_id": aid, "agency": agency, "agency_parsed": parsed_agency, "level": level,
        "region": meta.get("region") or None, "year": year, "template": report.template, "format": report.format,
        "title": report.meta.get("title"), "published": report.meta.get("published"), "source_file": task.rel,
        "sha256": sha, "source_url": meta.get("url") or meta.get("source_url") or report.meta.get("url"),
        "build_key": key, "parse_status": "checks_failed" if failed else "ok", "failed_checks_count": failed,
        "flagged_cells_count": flagged, "warnings_count": len(notes), "is_complete": not failed and not unknown,
        "is_ocr": bool(report.ocr_pages),
    }
    t2 = [(i, m, cv.value, cv.raw, cv.flag, cv.unit) for (i, m), cv in report.table2.items()]
    t3 = [(r, a, cv.value, cv.raw, cv.flag) for (r, a), cv in report.table3.items()]
    t4 = [(p, o, cv.value, cv.raw, cv.flag) for (p, o), cv in report.table4.items()]
    ck = [(c.rule, c.scope, c.expected, c.actual, c.passed, c.rule.startswith("W"), c.note) for c in checks]
    secs = [(n, s["heading"], s["text"]) for n, s in sorted(report.sections.items())]
    figs = [(f.measure, f.value, f.unit, f.channel, f.category, f.section, f.evidence) for f in report.figures]
    return {"report": rep, "active_disclosure": t2, "applications": t3, "review_litigation": t4, "checks": ck,
            "sections": secs, "narrative_figures": figs, "warnings": notes}


# --- running the workers ---------------------------------------------------------------------

def _run_local(tasks: list[Task], workers: int) -> Iterator[dict]:
    if workers <= 1 or len(tasks) < 4:
        for t in tasks:
            yield process(t)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(workers) as pool:
        yield from pool.imap_unordered(process, tasks, chunksize=max(1, min(64, len(tasks) // (workers * 8))))


def _run_dask(tasks: list[Task], address: str) -> Iterator[dict]:
    """Parse on a Dask cluster (the workers must see the files at the same paths and have xxgk
    installed); results stream back in batches so the scheduler never holds the whole corpus."""
    from dask.distributed import Client, as_completed

    with Client(address) as client:
        batch = 512
        for i in range(0, len(tasks), batch):
            futures = client.map(process, tasks[i:i + batch], pure=False)
            for fut in as_completed(futures):
                yield fut.result()
            del futures


# --- writing --------------------------------------------------------------------------------

class _Writers:
    """One ParquetWriter per stored table, fed in row groups."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.writers = {t.name: pq.ParquetWriter(folder / f"{t.name}.parquet", schema(t), compression="zstd")
                        for t in STORED}
        self.buffers: dict[str, list[tuple]] = defaultdict(list)

    def add(self, name: str, rows: Iterable[tuple]) -> None:
        self.buffers[name].extend(rows)

    def flush(self, name: str | None = None) -> None:
        for t in STORED:
            if name and t.name != name:
                continue
            rows = self.buffers.pop(t.name, [])
            if rows:
                cols = list(zip(*rows, strict=True))
                sch = schema(t)
                arrays = [pa.array(list(col), type=f.type) for col, f in zip(cols, sch, strict=True)]
                self.writers[t.name].write_table(pa.Table.from_arrays(arrays, schema=sch))

    def write_table(self, name: str, table: pa.Table) -> None:
        if table.num_rows:
            self.writers[name].write_table(table.select(schema(md.TABLES[name]).names).cast(schema(md.TABLES[name])))

    def close(self, name: str | None = None) -> None:
        self.flush(name)
        for n in list(self.writers):
            if name is None or n == name:
                self.writers.pop(n).close()


def _previous(out: Path) -> dict[str, tuple[str, str]]:
    """source_file → (build_key, report_id) of the previous dataset, for reuse."""
    p = out / "reports.parquet"
    if not p.exists():
        return {}
    try:
        t = pq.read_table(p, columns=["source_file", "build_key", "report_id"])
    except Exception:
        return {}
    return {f: (k, r) for f, k, r in zip(*(t.column(c).to_pylist() for c in ("source_file", "build_key", "report_id")),
                                          strict=True)}


def _previous_errors(out: Path) -> dict[str, dict]:
    p = out / "errors.parquet"
    if not p.exists():
        return {}
    try:
        return {r["source_file"]: r for r in pq.read_table(p).to_pylist() if r.get("build_key")}
    except Exception:
        return {}


def _unique_id(base: str, sha: str, taken: set[str]) -> str:
    rid = base
    if rid in taken:
        rid = f"{base}-{sha[:8]}"
    taken.add(rid)
    return rid


@dataclass
class BuildResult:
    """What a build did: counts, timings and where the dataset is."""

    out: Path
    files: int = 0
    reports: int = 0
    errors: int = 0
    reused: int = 0
    parsed: int = 0
    seconds: float = 0.0
    error_reasons: list[str] = field(default_factory=list)
    per_format: dict[str, list[float]] = field(default_factory=dict)  # format → [reports, cpu seconds]

    def summary(self) -> str:
        """One paragraph for the terminal."""
        lines = [f"built {self.out}: {self.reports} reports from {self.files} files "
                 f"({self.parsed} parsed, {self.reused} unchanged and reused), {self.errors} errors, "
                 f"{self.seconds:.1f} s"]
        lines += [f"  error: {r}" for r in self.error_reasons[:20]]
        if len(self.error_reasons) > 20:
            lines.append(f"  … and {len(self.error_reasons) - 20} more (see errors.parquet)")
        return "\n".join(lines)


def build(paths: Iterable[str | Path] | None = None, out: str | Path | None = None, *, workers: int | None = None,
          scheduler: str | None = None, progress: bool = True, _fail_after: int | None = None) -> BuildResult:
    """Build the dataset from report files.

    Args:
        paths: files or folders (default ``data/raw``).
        out: the dataset folder (default ``data/processed``); replaced only when the build succeeds.
        workers: processes (default: all cores).
        scheduler: address of a Dask scheduler; parse there instead of local processes.
        progress: show a progress bar.
        _fail_after: testing hook, raise after this many files (simulates an interrupted build).
    """
    t0 = time.perf_counter()
    paths = [Path(p) for p in (paths or ["data/raw"])]
    out = Path(out or "data/processed")
    recover(out)
    tasks, missing = discover(paths)
    previous = _previous(out)
    previous_errors = _previous_errors(out)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    result = BuildResult(out, files=len(tasks))
    try:
        writers = _Writers(tmp)
        reuse_ids: set[str] = set()
        fresh: list[Task] = []
        taken: set[str] = set()
        error_rows: list[dict] = list(missing)
        for t in tasks:
            if not previous and not previous_errors:
                fresh.append(t)  # a first build: nothing to reuse, so no need to read the file twice
                continue
            try:
                sha = _sha256(Path(t.path).read_bytes())
            except OSError:
                fresh.append(t)
                continue
            key = build_key(sha, t.meta)
            prev = previous.get(t.rel)
            if prev and prev[0] == key:
                reuse_ids.add(prev[1])
                taken.add(prev[1])
                result.reused += 1
            elif t.rel in previous_errors and previous_errors[t.rel].get("build_key") == key:
                error_rows.append(previous_errors[t.rel])
                result.reused += 1
            else:
                fresh.append(t)
        runner = _run_dask(fresh, scheduler) if scheduler else _run_local(fresh, workers or os.cpu_count() or 1)
        bar = _bar(len(fresh), progress)
        done = 0
        for res in runner:
            done += 1
            bar.update(1)
            if _fail_after is not None and done > _fail_after:
                raise KeyboardInterrupt("simulated interruption")
            if "error" in res:
                error_rows.append(res["error"])
                continue
            rep = res["report"]
            stat = result.per_format.setdefault(rep["format"], [0, 0.0])
            stat[0] += 1
            stat[1] += res.get("cpu_seconds", 0.0)
            rid = _unique_id(f"{rep['agency_id']}-{rep['year']}", rep["sha256"], taken)
            writers.add("reports", [tuple([rid] + [rep[c] for c in md.TABLES["reports"].names[1:]])])
            for name in ("active_disclosure", "applications", "review_litigation", "checks", "sections",
                         "narrative_figures"):
                writers.add(name, [(rid,) + row for row in res[name]])
            result.parsed += 1
            if done % ROW_GROUP_REPORTS == 0:
                writers.flush()
        bar.close()
        if reuse_ids:
            _copy_previous(out, writers, reuse_ids)
        for name in ("reports", "active_disclosure", "applications", "review_litigation", "sections",
                     "narrative_figures"):
            writers.close(name)
        for part in cross_report_checks(tmp):
            writers.write_table("checks", part)
        writers.add("errors", [tuple(e.get(c) for c in md.TABLES["errors"].names) for e in error_rows])
        writers.close()
        compact(tmp)
        result.errors = len(error_rows)
        result.error_reasons = [f"{e['source_file']}: {e['reason']}" for e in error_rows]
        result.reports = pq.read_metadata(tmp / "reports.parquet").num_rows
        write_datapackage(tmp / "datapackage.json")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.seconds = time.perf_counter() - t0
    return result


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="parsing", unit="file", disable=not enabled or total == 0, leave=False)


def _copy_previous(out: Path, writers: _Writers, ids: set[str]) -> None:
    """Rows of unchanged reports, streamed from the previous dataset (cross-report checks excluded)."""
    idset = pa.array(sorted(ids))
    for name in ("reports", "active_disclosure", "applications", "review_litigation", "checks", "sections",
                 "narrative_figures"):
        p = out / f"{name}.parquet"
        if not p.exists():
            continue
        ds = pads.dataset(p)
        flt = pads.field("report_id").isin(idset)
        if name == "checks":
            flt = flt & ~pads.field("rule").isin(pa.array(list(CROSS_RULES)))
        for batch in ds.to_batches(filter=flt, batch_size=65536):
            writers.write_table(name, pa.Table.from_batches([batch]))


def _swap(tmp: Path, out: Path) -> None:
    """Put the new dataset in place: two renames; :func:`recover` mends a crash between them."""
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    if out.exists():
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def recover(out: Path) -> None:
    """If a build died between its two renames, put the previous dataset back; drop stale temp folders."""
    parent = out.parent
    if not parent.exists():
        return
    olds = sorted(parent.glob(f".{out.name}.old-*"))
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for p in olds:
        shutil.rmtree(p, ignore_errors=True)
    for p in parent.glob(f".{out.name}.tmp-*"):
        if time.time() - p.stat().st_mtime > 3600:  # an old, abandoned build
            shutil.rmtree(p, ignore_errors=True)


# --- cross-report checks --------------------------------------------------------------------

CROSS_RULES = {"W1": "Table 3, per applicant column: 上年结转 (carried_over) of year N = 结转下年度 "
                     "(carried_forward) of year N−1, same agency",
               "W_IN_FORCE": "Table 2 (2021 template): in_force(N−1) + issued(N) − repealed(N) = in_force(N), "
                             "for regulations and normative documents, same agency"}


def cross_report_checks(folder: Path) -> Iterator[pa.Table]:
    """W1 and in-force continuity across consecutive years of each agency (warnings, not errors).

    Computed by DuckDB over the Parquet files just written, so memory stays flat however many
    reports there are. Cells that are missing, ambiguous or invalid are left out of the comparison.
    """
    import duckdb

    con = duckdb.connect()
    con.execute(f"set memory_limit='{DUCKDB_MEMORY}'; set threads=2; set preserve_insertion_order=false")
    con.execute(f"set temp_directory='{(folder / '.duckdb_tmp').as_posix()}'")
    f = {n: (folder / f"{n}.parquet").as_posix() for n in ("reports", "applications", "active_disclosure")}
    usable = "(flag is null or flag not in ('missing', 'ambiguous', 'invalid'))"
    try:
        con.execute(f"""create temp table r as select report_id, agency_id, year, template
                        from read_parquet('{f["reports"]}') where year is not null""")
        con.execute("""create temp table pairs as select cur.report_id as rid, prev.report_id as pid,
                              cur.year as year, prev.year as prev_year,
                              cur.template = '2021' and prev.template = '2021' as both_2021
                       from r cur join r prev on prev.agency_id = cur.agency_id and prev.year + 1 = cur.year""")
        con.execute(f"""create temp table carry as
                        select report_id, applicant,
                               max(case when row = 'carried_over' then coalesce(value, 0) end) as over,
                               max(case when row = 'carried_forward' then coalesce(value, 0) end) as fwd
                        from read_parquet('{f["applications"]}')
                        where row in ('carried_over', 'carried_forward') and {usable}
                        group by report_id, applicant""")
        con.execute(f"""create temp table docs as
                        select report_id, item,
                               max(case when measure = 'issued' then coalesce(value, 0) end) as issued,
                               max(case when measure = 'repealed' then coalesce(value, 0) end) as repealed,
                               max(case when measure = 'in_force' then coalesce(value, 0) end) as in_force
                        from read_parquet('{f["active_disclosure"]}')
                        where item in ('regulations', 'normative_documents')
                              and measure in ('issued', 'repealed', 'in_force') and {usable}
                        group by report_id, item""")
        w1 = """select p.rid as report_id, 'W1' as rule, 'table3.' || now.applicant as scope,
                       before.fwd as expected, now.over as actual, before.fwd = now.over as is_passed,
                       true as is_warning,
                       'carried_forward ' || p.prev_year || ' (' || p.pid || ') → carried_over ' || p.year as note
                from pairs p join carry now on now.report_id = p.rid
                join carry before on before.report_id = p.pid and before.applicant = now.applicant
                where now.over is not null and before.fwd is not null"""
        inforce = """select p.rid as report_id, 'W_IN_FORCE' as rule, 'table2.' || c.item as scope,
                            b.in_force + c.issued - c.repealed as expected, c.in_force as actual,
                            b.in_force + c.issued - c.repealed = c.in_force as is_passed, true as is_warning,
                            'in_force ' || p.prev_year || ' + issued − repealed ' || p.year as note
                     from pairs p join docs c on c.report_id = p.rid
                     join docs b on b.report_id = p.pid and b.item = c.item
                     where p.both_2021 and c.issued is not null and c.repealed is not null
                           and c.in_force is not null and b.in_force is not null"""
        reader = con.sql(f"select * from ({w1}) union all select * from ({inforce})").to_arrow_reader(65536)
        for batch in reader:  # streamed: a national dataset has millions of W1 rows
            yield pa.Table.from_batches([batch])
    finally:
        con.close()


def compact(folder: Path) -> None:
    """Rewrite the long tables sorted by report_id (an agency's years side by side), so that Parquet's
    row-group statistics let a filter on a few reports skip the rest of the file."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"set memory_limit='{DUCKDB_MEMORY}'; set threads=2; set preserve_insertion_order=false")
    spill = folder / ".duckdb_tmp"
    con.execute(f"set temp_directory='{spill.as_posix()}'")
    try:
        for t in STORED:
            src = folder / f"{t.name}.parquet"
            if t.name == "errors" or not src.exists():
                continue
            dst = folder / f"{t.name}.sorted.parquet"
            key = ", ".join(t.key)
            con.execute(f"copy (select * from read_parquet('{src.as_posix()}') order by {key}) to "
                        f"'{dst.as_posix()}' (format parquet, compression zstd, row_group_size 122880)")
            os.replace(dst, src)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


# --- the data dictionary --------------------------------------------------------------------

def write_datapackage(path: Path) -> None:
    """A Frictionless Data Package descriptor of the dataset, from the metadata."""
    from . import __version__

    resources = []
    for t in STORED:
        resources.append({
            "name": t.name, "path": f"{t.name}.parquet", "format": "parquet", "title": t.label_zh,
            "description": t.description,
            "schema": {"primaryKey": list(t.key), "fields": [
                {"name": c.name, "type": _frictionless(c.dtype), "title": c.label_zh, "description": c.description,
                 **({"unit": c.unit} if c.unit else {}),
                 **({"constraints": {"enum": list(c.allowed)}} if c.allowed else {})} for c in t.columns]},
        })
    pkg = {"name": "xxgk", "title": "政府信息公开工作年度报告 tables", "version": __version__,
           "description": "Tables of Chinese government information disclosure annual reports, parsed and "
                          "checked by xxgk. Codes follow shared/format/codes.csv.",
           "resources": resources}
    path.write_text(json.dumps(pkg, ensure_ascii=False, indent=1), encoding="utf-8")


def _frictionless(dtype: str) -> str:
    return {"string": "string", "Int64": "integer", "Float64": "number", "category": "string",
            "boolean": "boolean"}[dtype]


def data_dictionary_markdown() -> str:
    """``docs/data-dictionary.md``: every table and column, generated from the metadata."""
    lines = ["# Data dictionary", "",
             "Generated from `lib/xxgk/metadata` by `xxgk dictionary`; do not edit by hand.", "",
             "Stored tables are Parquet files in the dataset folder (`data/processed` by default); derived tables "
             "are computed by `xxgk.load()` from them.", ""]
    for t in md.TABLES.values():
        lines += [f"## `{t.name}` — {t.label_zh}{' (derived)' if t.derived else ''}", "", t.description, "",
                  f"Key: {', '.join(f'`{k}`' for k in t.key)}", "",
                  "| column | dtype | unit | 中文 | description |", "|---|---|---|---|---|"]
        for c in t.columns:
            desc = c.description + (f" Allowed: {', '.join(c.allowed)}." if c.allowed else "")
            lines.append(f"| `{c.name}` | {c.dtype} | {c.unit or ''} | {c.label_zh} | {desc} |")
        lines.append("")
    lines += ["## Cell flags", "", "| flag | meaning |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in md.FLAGS.items()]
    lines += ["", "## Rules", "", "| rule | what it says |", "|---|---|"]
    from .checks import RULES

    lines += [f"| {k} | {v} |" for k, v in {**RULES, **CROSS_RULES}.items()]
    return "\n".join(lines) + "\n"


# --- CLI handlers (arguments are declared in cli.py) --------------------------------------

def _cli_build(args) -> int:
    try:
        res = build(args.paths, args.out, workers=args.workers, scheduler=args.scheduler,
                    progress=not args.no_progress)
    except KeyboardInterrupt:
        print("xxgk: build interrupted; the previous dataset is unchanged", file=sys.stderr)
        return 130
    print(res.summary())
    return 0 if res.reports or not res.files else 1


def _cli_sql(args) -> int:
    import pandas as pd

    from .dataset import sql

    with pd.option_context("display.max_rows", 200, "display.width", 200):
        print(sql(args.query, args.data).to_string(index=False))
    return 0


def _cli_dictionary(args) -> int:
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(data_dictionary_markdown(), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0
