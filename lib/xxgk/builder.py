"""Many report files → the dataset: Parquet tables (plus DuckDB views, see :mod:`xxgk.dataset`).

``build(paths, out)`` parses every file under ``paths`` in worker processes (all cores, or a Dask
cluster), streams the rows into Parquet row groups (memory stays bounded however many files there
are), adds the cross-report checks, writes the data dictionary, and swaps the new dataset in only
when all of it is written: a failed or interrupted build leaves the previous dataset as it was. Files
whose content, sources.csv row and parser are unchanged are not parsed again: their rows are copied
from the previous dataset (and if that dataset turns out to be damaged, every file is parsed again).

One bad file never stops a build: a file that cannot be parsed, breaks a limit, kills its worker or
hangs it is an ``errors`` row with a one-line reason (:mod:`xxgk.worker`, :mod:`xxgk.pool`), and so is
a file whose ``sources.csv`` line is wrong. The folder's life cycle (lock, temporary folder, swap,
recovery) is :mod:`xxgk.lifecycle`.

Metadata a parser cannot know (canonical agency name, level, region, URL) comes from a
``sources.csv`` beside the files, keyed by file path, in UTF-8 or GB18030 (as Excel writes it).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from . import lifecycle
from . import metadata as md
from .document import ReportError
from .limits import LIMITS, Limits, using
from .worker import Task, agency_id, build_key, error_row, parser_fingerprint, process, sha256

__all__ = ["build", "BuildResult", "BuildError", "discover", "read_sources", "Task", "agency_id",
           "parser_fingerprint", "process", "recover"]

recover = lifecycle.recover  # readers and older callers: xxgk.builder.recover(out)
STORED = [t for t in md.TABLES.values() if not t.derived]
SKIP_NAMES = {"sources.csv", "agencies.csv", "README.md", "readme.md", "LICENSE", ".gitkeep"}
ROW_GROUP_REPORTS = 1000
DUCKDB_MEMORY = "256MB"  # DuckDB's cap for the sort and cross-report passes; it spills to disk beyond it

SAFE_ID = re.compile(r"[^\W_][\w.-]{0,79}")  # an agency_id from sources.csv: a safe file name, never a path
RETRY_KINDS = {"timeout", "out_of_memory", "worker_died", "over_limit", "too_large", "not_a_file", "not_found"}
# errors that depend on the machine or on the limits, so a rebuild tries those files again


class BuildError(Exception):
    """The dataset could not be written (disk full, permissions …); the previous dataset is unchanged."""


def arrow_type(dtype: str) -> pa.DataType:
    """The Arrow type of a metadata dtype (metadata.DTYPES)."""
    name = md.DTYPES[dtype][1]
    return pa.list_(pa.type_for_alias(name[5:-1])) if name.startswith("list<") else pa.type_for_alias(name)


def schema(table: md.Table) -> pa.Schema:
    """The Arrow schema of a stored table, from the metadata."""
    return pa.schema([pa.field(c.name, arrow_type(c.dtype)) for c in table.columns])


# --- inputs ---------------------------------------------------------------------------------

def discover(paths: Iterable[str | Path]) -> tuple[list[Task], list[dict]]:
    """Every candidate report file under the paths, with sources.csv metadata; and, as errors rows,
    missing paths, files that are not regular files, and files whose sources.csv line is wrong."""
    tasks: list[Task] = []
    errors: list[dict] = []
    for base in paths:
        base = Path(base)
        if not base.exists() and not base.is_symlink():
            errors.append(error_row(str(base), "no such file or folder", "not_found"))
            continue
        root = base if base.is_dir() else base.parent
        sources, problems, notes, source_errors = read_sources(root)
        errors += source_errors
        files = sorted(p for p in base.rglob("*") if not p.is_dir()) if base.is_dir() else [base]
        for p in files:
            rel = p.relative_to(root).as_posix()
            if p.name in SKIP_NAMES or any(part.startswith(".") for part in p.relative_to(root).parts):
                continue
            try:
                mode = os.stat(p).st_mode
            except OSError:
                errors.append(error_row(rel, "a link to nothing (broken symbolic link)", "not_found"))
                continue
            if not stat.S_ISREG(mode):
                from .readers.guards import file_type

                errors.append(error_row(rel, f"{file_type(mode)}, not a regular file; not read", "not_a_file"))
                continue
            if rel in problems:
                errors.append(error_row(rel, problems[rel], "bad_metadata"))
                continue
            tasks.append(Task(str(p), rel, sources.get(rel, {}), list(notes)))
    return tasks, errors


def _year(text: str) -> int | None:
    m = re.fullmatch(r"((?:19|20)[0-9]{2})\s*年?度?", unicodedata.normalize("NFKC", text).strip())
    return int(m.group(1)) if m else None


def read_sources(root: Path) -> tuple[dict[str, dict], dict[str, str], list[str], list[dict]]:
    """``sources.csv`` of a folder (UTF-8 or GB18030), checked line by line.

    Returns:
        ``(rows, problems, notes, errors)``: the rows by their ``file`` column (paths relative to the
        folder; ``year`` normalised, e.g. "2019年" → "2019"); for the files whose line is wrong, the
        one-line reason; notes for every report of the folder (when the file could not be read at
        all); and errors rows for sources.csv itself.
    """
    p = root / "sources.csv"
    if not p.exists():
        return {}, {}, [], []

    def unusable(reason: str) -> tuple[dict, dict, list, list]:
        note = f"sources.csv of this folder not used ({reason}); agency and year as printed in the report"
        return {}, {}, [note], [error_row("sources.csv", reason, "bad_metadata")]

    if not p.is_file():
        return unusable("not a regular file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        return unusable(f"cannot read: {exc.strerror or exc}")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return unusable("neither UTF-8 nor GB18030 text")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: dict[str, dict] = {}
    problems: dict[str, str] = {}
    try:
        if "file" not in (reader.fieldnames or []):
            return unusable("no 'file' column in its first line")
        for r in reader:
            name = (r.get("file") or "").strip()
            if not name:
                continue
            row = {k: (v.strip() if isinstance(v, str) else v) for k, v in r.items() if k is not None}
            where = f"sources.csv line {reader.line_num}"
            if row.get("year"):
                year = _year(row["year"])
                if year is None:
                    problems[name] = f"{where}: year '{row['year']}' is not a year (write 2019 or 2019年)"
                    continue
                row["year"] = str(year)
            aid = row.get("agency_id")
            if aid and not SAFE_ID.fullmatch(aid):
                problems[name] = (f"{where}: agency_id '{aid}' is not a safe id (letters, digits, '.', '-', '_'; "
                                  "at most 80; no path separators)")
                continue
            rows[name] = row
    except csv.Error as exc:
        return unusable(f"line {reader.line_num}: {exc}")
    return rows, problems, [], []


# --- running the workers ---------------------------------------------------------------------

def _failed(task: Task, reason: str, kind: str) -> dict:
    """The result for a file whose worker died, ran out of memory or was stopped."""
    return {"error": error_row(task.rel, reason, kind)}


def _run_local(tasks: list[Task], workers: int, limits: Limits) -> Iterator[dict]:
    from .pool import imap

    yield from imap(process, tasks, workers=workers, limits=limits, failed=_failed)


def _run_dask(tasks: list[Task], address: str, limits: Limits) -> Iterator[dict]:
    """Parse on a Dask cluster (the workers must see the files at the same paths and have xxgk
    installed); results stream back in batches so the scheduler never holds the whole corpus. A task
    whose worker dies (Dask gives up after its retries) is an errors row like any other."""
    from functools import partial

    from dask.distributed import Client, as_completed

    from .worker import process_under

    with Client(address) as client:
        batch = 512
        for i in range(0, len(tasks), batch):
            chunk = tasks[i:i + batch]
            futures = client.map(partial(process_under, limits), chunk, pure=False)
            task_of = {f.key: t for f, t in zip(futures, chunk, strict=True)}
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # KilledWorker and the like
                    yield _failed(task_of[fut.key], f"worker died ({type(exc).__name__}: {exc})", "worker_died")
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

    def abandon(self) -> None:
        """Close every writer without flushing (the folder is about to be thrown away)."""
        for w in self.writers.values():
            try:
                w.close()
            except Exception:
                pass
        self.writers.clear()
        self.buffers.clear()


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
        return {r["source_file"]: r for r in pq.read_table(p).to_pylist()
                if r.get("build_key") and r.get("kind") not in RETRY_KINDS}
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
    again: int = 0  # unchanged files parsed again because their open rows depend on other reports
    seconds: float = 0.0
    error_reasons: list[str] = field(default_factory=list)
    per_format: dict[str, list[float]] = field(default_factory=dict)  # format → [reports, cpu seconds]
    worker_peak_mb: float = 0.0  # the largest peak resident memory a worker reported
    notes: list[str] = field(default_factory=list)  # what the build had to work around

    def summary(self) -> str:
        """One paragraph for the terminal."""
        again = f", {self.again} of them again for evidence across reports" if self.again else ""
        lines = [f"built {self.out}: {self.reports} reports from {self.files} files "
                 f"({self.parsed} parsed{again}, {self.reused} unchanged and reused), {self.errors} errors, "
                 f"{self.seconds:.1f} s"]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  error: {r}" for r in self.error_reasons[:20]]
        if len(self.error_reasons) > 20:
            lines.append(f"  … and {len(self.error_reasons) - 20} more (see errors.parquet)")
        return "\n".join(lines)


@dataclass
class _Plan:
    """Which files to parse and which to take from the previous dataset."""

    fresh: list[Task] = field(default_factory=list)
    reuse_ids: set[str] = field(default_factory=set)
    reused_errors: list[dict] = field(default_factory=list)
    reused: int = 0
    again: int = 0


def _plan(tasks: list[Task], previous: dict, previous_errors: dict) -> _Plan:
    from .readers.guards import read_path

    plan = _Plan()
    for t in tasks:
        if not previous and not previous_errors:
            plan.fresh.append(t)  # a first build: nothing to reuse, so no need to read the file twice
            continue
        try:
            sha = sha256(read_path(t.path))
        except ReportError:
            plan.fresh.append(t)  # the worker says what is wrong with it
            continue
        key = build_key(sha, t.meta)
        prev = previous.get(t.rel)
        if prev and prev[0] == key:
            plan.reuse_ids.add(prev[1])
            plan.reused += 1
        elif prev and prev[0] == key + CONTEXT_MARK:
            plan.fresh.append(t)  # unchanged, but its open rows may be settled by reports that changed
            plan.again += 1
        elif t.rel in previous_errors and previous_errors[t.rel].get("build_key") == key:
            plan.reused_errors.append(previous_errors[t.rel])
            plan.reused += 1
        else:
            plan.fresh.append(t)
    return plan


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "…"


def build(paths: Iterable[str | Path] | None = None, out: str | Path | None = None, *, workers: int | None = None,
          scheduler: str | None = None, progress: bool = True, limits: Limits | None = None,
          _fail_after: int | None = None) -> BuildResult:
    """Build the dataset from report files.

    Args:
        paths: files or folders (default ``data/raw``).
        out: the dataset folder (default ``data/processed``); replaced only when the build succeeds.
        workers: processes (default: all cores).
        scheduler: address of a Dask scheduler; parse there instead of local processes.
        progress: show a progress bar.
        limits: what one file may cost (default :data:`xxgk.limits.LIMITS`), in every worker.
        _fail_after: testing hook, raise after this many files (simulates an interrupted build).

    Raises:
        BuildError: the dataset could not be written (one line; the previous dataset is unchanged).
        lifecycle.Busy: another build is writing ``out``.
    """
    t0 = time.perf_counter()
    paths = [Path(p) for p in (paths or ["data/raw"])]
    out = Path(out or "data/processed")
    limits = limits or LIMITS
    with lifecycle.build_lock(out):
        lifecycle.clean(out)
        try:
            tmp = lifecycle.staging(out)
        except OSError as exc:
            raise BuildError(f"cannot write in {out.parent}: {_one_line(exc)}") from exc
        try:
            result = _build(paths, out, tmp, workers, scheduler, progress, limits, _fail_after)
            lifecycle.swap(tmp, out)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            import duckdb

            if isinstance(exc, OSError | pa.ArrowException | duckdb.Error):
                raise BuildError(f"could not write the dataset ({_one_line(exc)}); "
                                 f"the previous dataset in {out} is unchanged") from exc
            raise
    result.seconds = time.perf_counter() - t0
    return result


def _build(paths: list[Path], out: Path, tmp: Path, workers: int | None, scheduler: str | None, progress: bool,
           limits: Limits, _fail_after: int | None) -> BuildResult:
    """Write the whole dataset into ``tmp`` (the caller swaps it in)."""
    with using(limits):
        tasks, early_errors = discover(paths)
        previous = _previous(out)
        plan = _plan(tasks, previous, _previous_errors(out))
    result = BuildResult(out, files=len(tasks) + sum(e["kind"] in ("not_a_file", "bad_metadata")
                                                      and e["source_file"] != "sources.csv" for e in early_errors))
    writers = _Writers(tmp)
    taken: set[str] = set(plan.reuse_ids)
    if plan.reuse_ids:
        try:
            _copy_previous(out, writers, plan.reuse_ids)
        except Exception as exc:  # a damaged previous table: parse everything instead
            writers.abandon()
            for f in tmp.iterdir():
                f.unlink() if f.is_file() else shutil.rmtree(f, ignore_errors=True)
            writers = _Writers(tmp)
            result.notes.append(f"the previous dataset could not be read ({_one_line(exc)}); every file parsed again")
            plan = _Plan(fresh=list(tasks))
            taken = set()
    result.reused = plan.reused
    result.again = plan.again
    error_rows: list[dict] = list(early_errors) + list(plan.reused_errors)
    fresh = plan.fresh

    def run(items: list[Task]) -> Iterator[dict]:
        return (_run_dask(items, scheduler, limits) if scheduler
                else _run_local(items, workers or os.cpu_count() or 1, limits))

    contexts: dict[tuple, list[tuple[str, dict]]] = {}  # (agency_id, year) → (file, context) of every report
    held: dict[str, tuple] = {}  # file → (agency_id, year, context) of reports with open rows
    runner = run(fresh)
    try:
        _collect(runner, result, writers, error_rows, taken, len(fresh), progress, _fail_after, contexts, held)
    finally:
        runner.close()  # stops the workers now, whatever happened
    if held:  # open rows: the agency's other reports may settle them (xxgk.evidence)
        _previous_contexts(out, plan.reuse_ids, contexts)
        second = _across_reports(held, contexts, {t.rel: t for t in fresh}, run)
        runner = run(second)
        try:
            _collect(runner, result, writers, error_rows, taken, len(second), progress, None, second=True)
        finally:
            runner.close()
    for name in ("reports", "active_disclosure", "applications", "review_litigation", "sections",
                 "narrative_figures", "text_counts"):
        writers.close(name)
    ids = canonical(tmp)
    copies = sum(1 for c in ids.column("is_canonical").to_pylist() if not c)
    if copies:
        result.notes.append(f"{copies} file(s) are another copy of a report already in the dataset (same agency and "
                            f"year); kept with is_canonical = false, and the canonical one is used: "
                            f"{md.CANONICAL_RULE}")
    for part in cross_report_checks(tmp, ids):
        writers.write_table("checks", part)
    writers.add("errors", [tuple(e.get(c) for c in md.TABLES["errors"].names) for e in error_rows])
    writers.close()
    compact(tmp, ids)
    result.errors = len(error_rows)
    result.error_reasons = [f"{e['source_file']}: {e['reason']}" for e in error_rows]
    result.reports = pq.read_metadata(tmp / "reports.parquet").num_rows
    write_datapackage(tmp / "datapackage.json")
    return result


def _collect(runner: Iterator[dict], result: BuildResult, writers: _Writers, error_rows: list[dict], taken: set[str],
             total: int, progress: bool, _fail_after: int | None, contexts: dict | None = None,
             held: dict | None = None, second: bool = False) -> None:
    """Write the workers' results as they come: rows to the writers, errors to ``error_rows``.

    With ``contexts``, every report's context (xxgk.evidence.context) is kept by agency and year; with
    ``held``, reports with open rows are kept back for the second pass instead of written. ``second``:
    the results of that pass, whose build key is marked so that the next build parses them again (their
    values depend on other files)."""
    bar = _bar(total, progress)
    done = 0
    for res in runner:
        done += 1
        bar.update(1)
        if _fail_after is not None and done > _fail_after:
            raise KeyboardInterrupt("simulated interruption")
        result.worker_peak_mb = max(result.worker_peak_mb, res.get("peak_rss_mb") or 0.0)
        if "error" in res:
            error_rows.append(res["error"])
            continue
        rep = res["report"]
        ctx = res.get("context")
        if contexts is not None and ctx is not None and rep["year"] is not None:
            contexts.setdefault((rep["agency_id"], rep["year"]), []).append((rep["source_file"], ctx))
        if held is not None and ctx and ctx["open"] and rep["year"] is not None:
            held[rep["source_file"]] = (rep["agency_id"], rep["year"], ctx)
            continue
        if second:
            rep["build_key"] += CONTEXT_MARK
        stat_ = result.per_format.setdefault(rep["format"], [0, 0.0])
        stat_[0] += 1
        stat_[1] += res.get("cpu_seconds", 0.0)
        rid = _unique_id(f"{rep['agency_id']}-{rep['year']}", rep["sha256"], taken)
        writers.add("reports", [tuple([rid] + [rep[c] for c in md.TABLES["reports"].names[1:]])])
        for name in ("active_disclosure", "applications", "review_litigation", "checks", "sections",
                     "narrative_figures", "text_counts"):
            writers.add(name, [(rid,) + row for row in res[name]])
        result.parsed += 1
        if done % ROW_GROUP_REPORTS == 0:
            writers.flush()
    bar.close()


CONTEXT_MARK = "+ctx"  # on the build key of a report settled with the help of other files: never reused


def _across_reports(held: dict, contexts: dict, tasks: dict[str, Task], run) -> list[Task]:
    """The second pass's tasks: every held report with the evidence its agency's other reports (year before,
    year after, other files of the same report) hold about its open rows. Evidence is first propagated
    over the contexts (a report settled by one neighbour can settle the next) until nothing changes."""
    from .evidence import across, narrow

    def others(rel: str, aid: str, year: int):
        prev = [(f"{f} ({year - 1})", c) for f, c in contexts.get((aid, year - 1), [])]
        nxt = [(f"{f} ({year + 1})", c) for f, c in contexts.get((aid, year + 1), [])]
        copies = [(f, c) for f, c in contexts.get((aid, year), []) if f != rel]
        return prev, nxt, copies

    # other files of the same report: ask them for the rows that are open here (a small extra pass)
    ask: dict[str, set] = {}
    for rel, (aid, year, ctx) in held.items():
        for f, c in contexts.get((aid, year), []):
            missing = {k for k in ctx["open"] if k not in c["rows"]}
            if f != rel and f in tasks and missing:
                ask.setdefault(f, set()).update(missing)
    if ask:
        runner = run([replace(tasks[f], rows=tuple(sorted(k)), context_only=True) for f, k in ask.items()])
        try:
            by_file = {f: ctx for group in contexts.values() for f, ctx in group}
            for res in runner:
                if "context" in res and res["source_file"] in by_file:
                    by_file[res["source_file"]]["rows"].update(res["context"]["rows"])
        finally:
            runner.close()
    for _ in range(10):
        changed = False
        for rel, (aid, year, ctx) in held.items():
            changed |= narrow(ctx, across(ctx, *others(rel, aid, year)))
        if not changed:
            break
    return [replace(tasks[rel], evidence=tuple(across(ctx, *others(rel, aid, year))))
            for rel, (aid, year, ctx) in held.items() if rel in tasks]


def _previous_contexts(out: Path, ids: set[str], contexts: dict) -> None:
    """Contexts of the reports taken unchanged from the previous dataset (they have no open row: a report with
    one is always parsed again), read from its Parquet files."""
    if not ids:
        return
    idset = pa.array(sorted(ids))
    reps = pads.dataset(out / "reports.parquet").to_table(
        columns=["report_id", "source_file", "agency_id", "year"], filter=pads.field("report_id").isin(idset))
    t3 = pads.dataset(out / "applications.parquet").to_table(
        columns=["report_id", "row", "applicant", "value", "flag"],
        filter=pads.field("report_id").isin(idset) & pads.field("row").isin(pa.array(["carried_over",
                                                                                   "carried_forward"])))
    t2 = pads.dataset(out / "active_disclosure.parquet").to_table(
        columns=["report_id", "item", "measure", "value", "flag"], filter=pads.field("report_id").isin(idset))
    rows: dict[str, dict] = defaultdict(dict)
    bad: set[tuple] = set()
    for table, tbl, k1, k2 in (("table3", t3, "row", "applicant"), ("table2", t2, "item", "measure")):
        for rid, a, b, v, flag in zip(*(tbl.column(c).to_pylist() for c in ("report_id", k1, k2, "value", "flag")),
                                      strict=True):
            key = (table, a)
            if flag in ("missing", "unread", "ambiguous", "invalid") or (v is None and flag not in ("blank", "na")):
                bad.add((rid, key))
            rows[rid].setdefault(key, {})[b] = v or 0
    for rid, f, aid, year in zip(*(reps.column(c).to_pylist() for c in ("report_id", "source_file", "agency_id",
                                                                        "year")), strict=True):
        r = rows.get(rid, {})
        t2_template = "2019" if any("items_prev_year" in m or "newly_made" in m for m in r.values()) else "2021"
        ctx = {"t2": t2_template, "open": [],
               "rows": {k: [m] for k, m in r.items() if (rid, k) not in bad}}
        contexts.setdefault((aid, year), []).append((f, ctx))


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="parsing", unit="file", disable=not enabled or total == 0, leave=False)


def _copy_previous(out: Path, writers: _Writers, ids: set[str]) -> None:
    """Rows of unchanged reports, streamed from the previous dataset (cross-report checks excluded)."""
    idset = pa.array(sorted(ids))
    for name in ("reports", "active_disclosure", "applications", "review_litigation", "checks", "sections",
                 "narrative_figures", "text_counts"):
        p = out / f"{name}.parquet"
        if not p.exists():
            continue
        ds = pads.dataset(p)
        flt = pads.field("report_id").isin(idset)
        if name == "checks":
            flt = flt & ~pads.field("rule").isin(pa.array(list(CROSS_RULES)))
        for batch in ds.to_batches(filter=flt, batch_size=65536):
            writers.write_table(name, pa.Table.from_batches([batch]))


# --- cross-report checks --------------------------------------------------------------------

CROSS_RULES = {"W1": "Table 3, per applicant column: 上年结转 (carried_over) of year N = 结转下年度 "
                     "(carried_forward) of year N−1, same agency",
               "W_IN_FORCE": "Table 2 (2021 template): in_force(N−1) + issued(N) − repealed(N) = in_force(N), "
                             "for regulations and normative documents, same agency"}


def canonical(folder: Path) -> pa.Table:
    """Which report of each agency and year is the canonical one (metadata.CANONICAL_RULE), and each report's
    final id: ``agency_id-year``, with ``-`` and the first 8 characters of the file's SHA-256 when the agency
    and year have several files (so ids do not depend on the order the workers finished in).

    Returns a table (old_id, report_id, is_canonical) for :func:`compact` and :func:`cross_report_checks`.
    """
    import duckdb

    order = " ".join(f"when '{f}' then {i}" for i, f in enumerate(md.FORMAT_ORDER))
    con = duckdb.connect()
    try:
        return con.sql(f"""
            with r as (select *, count(*) over (partition by agency_id, coalesce(year::varchar, report_id)) as n,
                              row_number() over (partition by agency_id, coalesce(year::varchar, report_id)
                                  order by coalesce(is_preferred, false) desc, failed_checks_count,
                                           coalesce(is_ocr, false), flagged_cells_count,
                                           case format {order} else {len(md.FORMAT_ORDER)} end,
                                           published desc nulls last, source_file desc) as rank
                       from read_parquet('{(folder / "reports.parquet").as_posix()}'))
            select report_id as old_id,
                   case when n = 1 or year is null then report_id
                        else agency_id || '-' || year || '-' || left(sha256, 8) end as report_id,
                   rank = 1 as is_canonical
            from r""").to_arrow_table()
    finally:
        con.close()


def cross_report_checks(folder: Path, ids: pa.Table | None = None) -> Iterator[pa.Table]:
    """W1 and in-force continuity across consecutive years of each agency (warnings, not errors).

    Computed by DuckDB over the Parquet files just written, so memory stays flat however many
    reports there are. Only canonical reports (``ids``, from :func:`canonical`) are compared. Cells that
    are missing, unread or open are left out of the comparison.
    """
    import duckdb

    con = duckdb.connect()
    con.execute(f"set memory_limit='{DUCKDB_MEMORY}'; set threads=2; set preserve_insertion_order=false")
    con.execute(f"set temp_directory='{(folder / '.duckdb_tmp').as_posix()}'")
    f = {n: (folder / f"{n}.parquet").as_posix() for n in ("reports", "applications", "active_disclosure")}
    usable = ("((flag is null or flag not in ('missing', 'unread', 'ambiguous', 'invalid')) "
              "and not (value is null and candidates is not null))")
    try:
        if ids is not None:
            con.register("ids", ids)
        keep = "report_id in (select old_id from ids where is_canonical)" if ids is not None else "true"
        con.execute(f"""create temp table r as select report_id, agency_id, year, template
                        from read_parquet('{f["reports"]}') where year is not null and {keep}""")
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


def compact(folder: Path, ids: pa.Table | None = None) -> None:
    """Rewrite the long tables sorted by report_id (an agency's years side by side), so that Parquet's
    row-group statistics let a filter on a few reports skip the rest of the file; with ``ids`` (from
    :func:`canonical`), give every report its final id and the reports their ``is_canonical``."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"set memory_limit='{DUCKDB_MEMORY}'; set threads=2; set preserve_insertion_order=false")
    spill = folder / ".duckdb_tmp"
    con.execute(f"set temp_directory='{spill.as_posix()}'")
    try:
        if ids is not None:
            con.register("ids", ids)
        for t in STORED:
            src = folder / f"{t.name}.parquet"
            if t.name == "errors" or not src.exists():
                continue
            dst = folder / f"{t.name}.sorted.parquet"
            key = ", ".join(t.key)
            if ids is not None and "report_id" in t.names:
                cols = ", ".join("coalesce(m.report_id, t.report_id) as report_id" if c == "report_id" else
                                 "m.is_canonical as is_canonical" if c == "is_canonical" else f"t.{c}"
                                 for c in t.names)
                query = (f"select {cols} from read_parquet('{src.as_posix()}') t "
                         f"left join ids m on m.old_id = t.report_id order by {key}")
            else:
                query = f"select * from read_parquet('{src.as_posix()}') order by {key}"
            con.execute(f"copy ({query}) to '{dst.as_posix()}' (format parquet, compression zstd, "
                        "row_group_size 122880)")
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
    return md.DTYPES[dtype][2]


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
    lines += ["## Cell flags", "", "| flag | 中文 | English | meaning |", "|---|---|---|---|"]
    lines += [f"| `{k}` | {md.FLAG_LABELS[k][0]} | {md.FLAG_LABELS[k][1]} | {v} |" for k, v in md.FLAGS.items()]
    kinds = {"table2": "Table 2 rows (`item`)", "table2_measure": "Table 2 columns (`measure`)",
             "table3_row": "Table 3 rows (`row`)", "table3_applicant": "Table 3 columns (`applicant`)",
             "table4_proceeding": "Table 4 groups (`proceeding`)", "table4_outcome": "Table 4 columns (`outcome`)"}
    lines += ["", "## Codes", "", "Every code of the three tables (`lib/xxgk/metadata/codes.csv`, the contract), with its "
              "labels; in the tidy table they are `row` and `column`.", ""]
    for kind, title in kinds.items():
        lines += [f"### {title}", "", "| code | 中文 | English | templates |", "|---|---|---|---|"]
        lines += [f"| `{c.code}` | {c.label_zh} | {c.label_en} | {', '.join(c.templates)} |"
                  for c in md.codes() if c.table == kind]
        lines.append("")
    lines += ["", "## Rules", "", "| rule | what it says |", "|---|---|"]
    from .checks import RULES

    lines += [f"| {k} | {v} |" for k, v in {**RULES, **CROSS_RULES}.items()]
    return "\n".join(lines) + "\n"


# --- CLI handlers (arguments are declared in cli.py) --------------------------------------

def _cli_build(args) -> int:
    changes = {}
    if args.timeout is not None:
        changes["file_timeout_s"] = args.timeout
    if args.worker_memory is not None:
        changes["worker_memory_mb"] = args.worker_memory
    try:
        res = build(args.paths, args.out, workers=args.workers, scheduler=args.scheduler,
                    progress=not args.no_progress, limits=replace(LIMITS, **changes))
    except KeyboardInterrupt:
        print("xxgk: build interrupted; the previous dataset is unchanged", file=sys.stderr)
        return 130
    except (BuildError, lifecycle.Busy) as exc:
        print(f"xxgk: build failed: {exc}", file=sys.stderr)
        return 1
    print(res.summary())
    return 0 if res.reports or not res.files else 1


def _cli_dictionary(args) -> int:
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(data_dictionary_markdown(), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0
