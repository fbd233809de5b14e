"""Notebooks → shareable HTML: run each notebook under papermill, export it with the code hidden.

``xxgk report`` renders every agency-year (agency_year), every agency with two or more years
(trends), every year (compare_agencies) and the data-quality notebook, in parallel, then writes
``reports/index.html`` linking them by agency and year. ``xxgk report agency_year --agency A --year Y``
renders one. Parameters are checked against the dataset before any kernel starts.
"""

from __future__ import annotations

import html
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

NOTEBOOKS = ("agency_year", "trends", "compare_agencies", "data_quality")


def notebooks_dir() -> Path:
    """The notebooks folder of this checkout (or $XXGK_NOTEBOOKS)."""
    env = os.environ.get("XXGK_NOTEBOOKS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "notebooks"


@dataclass
class Job:
    """One notebook run: which notebook, its parameters, and the output name (without suffix)."""

    notebook: str
    parameters: dict
    stem: str
    title: str
    group: dict = field(default_factory=dict)


def plan(ds, data: str, lang: str = "zh") -> list[Job]:
    """Every notebook run that ``xxgk report`` makes for a dataset."""
    jobs: list[Job] = []
    reps = ds.reports.dropna(subset=["year"]).sort_values(["agency", "year"])
    for r in reps.itertuples():
        jobs.append(Job("agency_year", {"agency": r.agency_id, "year": int(r.year), "lang": lang, "data": data},
                        f"agency_year/{r.agency_id}-{int(r.year)}", f"{r.agency} {int(r.year)}",
                        {"agency": r.agency, "agency_id": r.agency_id, "year": int(r.year)}))
    for aid, g in reps.groupby("agency_id"):
        years = sorted(int(y) for y in g["year"])
        if len(years) >= 2:
            name = g["agency"].iloc[0]
            jobs.append(Job("trends", {"agencies": [aid], "first_year": years[0], "last_year": years[-1],
                                       "lang": lang, "data": data},
                            f"trends/{aid}", f"{name} {years[0]}–{years[-1]}", {"agency": name, "agency_id": aid}))
    for y in sorted({int(v) for v in reps["year"]}):
        jobs.append(Job("compare_agencies", {"year": y, "level": "", "region": "", "top_n": 20, "min_handled": 10, "lang": lang,
                                             "data": data}, f"compare/{y}", str(y), {"year": y}))
    jobs.append(Job("data_quality", {"year": 0, "lang": lang, "data": data}, "data_quality", "data quality"))
    return jobs


def run(job: Job, out: Path, timeout: int = 600) -> Path:
    """Execute one notebook with papermill and export it to self-contained HTML (code hidden)."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    # the kernel must be this environment's Python (xxgk importable), whatever PATH says
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    target = out / f"{job.stem}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".part.ipynb")
    pm.execute_notebook(str(notebooks_dir() / f"{job.notebook}.ipynb"), str(tmp), parameters=job.parameters,
                        kernel_name="python3", progress_bar=False, log_output=False, execution_timeout=timeout,
                        cwd=str(notebooks_dir()))
    nb = nbformat.read(str(tmp), as_version=4)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": job.title}})
    html_path = target.with_suffix(".html")
    part = html_path.with_suffix(".html.part")
    part.write_text(body, encoding="utf-8")
    os.replace(part, html_path)
    os.replace(tmp, target)
    return html_path


@contextmanager
def quiet_kernels():
    """Kernels chatter on the inherited stderr (transport warnings); errors come back through papermill
    instead, so the file descriptor is pointed at /dev/null while a notebook runs."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _run_one(args) -> tuple[str, str | None, float]:
    job, out = args
    t0 = time.perf_counter()
    try:
        with quiet_kernels():
            run(job, out)
        return job.stem, None, time.perf_counter() - t0
    except Exception as exc:  # one failing notebook must not stop the others
        msg = str(exc).strip().splitlines()
        return job.stem, (msg[-1] if msg else type(exc).__name__), time.perf_counter() - t0


def render_all(jobs: list[Job], out: Path, workers: int | None = None, progress: bool = True) -> list[tuple]:
    """Run every job (in parallel processes), with a progress bar. Returns (stem, error, seconds) per job."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    results = []
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_run_one, (j, out)) for j in jobs]
        for fut in tqdm(as_completed(futures), total=len(futures), desc="rendering", unit="notebook",
                        disable=not progress):
            results.append(fut.result())
    return results


def write_index(jobs: list[Job], out: Path, failed: set[str], lang: str = "zh") -> Path:
    """``index.html``: every rendered report, by agency and by year."""
    esc = html.escape
    zh = lang == "zh"
    by_agency: dict[str, dict] = {}
    years: list[Job] = []
    quality = None
    for j in jobs:
        if j.stem in failed:
            continue
        if j.notebook == "agency_year":
            by_agency.setdefault(j.group["agency"], {"years": [], "trends": None})["years"].append(j)
        elif j.notebook == "trends":
            by_agency.setdefault(j.group["agency"], {"years": [], "trends": None})["trends"] = j
        elif j.notebook == "compare_agencies":
            years.append(j)
        else:
            quality = j
    rows = []
    for agency in sorted(by_agency):
        d = by_agency[agency]
        links = " ".join(f'<a href="{esc(j.stem)}.html">{j.group["year"]}</a>' for j in sorted(d["years"],
                                                                                              key=lambda j: j.group["year"]))
        trend = f'<a href="{esc(d["trends"].stem)}.html">{"趋势" if zh else "trends"}</a>' if d["trends"] else ""
        rows.append(f"<tr><td>{esc(agency)}</td><td>{links}</td><td>{trend}</td></tr>")
    year_links = " ".join(f'<a href="{esc(j.stem)}.html">{j.group["year"]}</a>' for j in years)
    title = "政府信息公开工作年度报告 · 分析报告" if zh else "Annual disclosure reports · analyses"
    page = f"""<!doctype html>
<html lang="{'zh-CN' if zh else 'en'}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:960px;margin:2em auto;
padding:0 1em;color:#222}}table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4em;
text-align:left}}a{{color:#2f5d8a;margin-right:.6em}}h1{{font-size:1.5em}}.note{{color:#666;font-size:.9em}}</style>
</head><body>
<h1>{title}</h1>
<p class="note">{len([j for j in jobs if j.stem not in failed])} {"份报告，由 xxgk 生成" if zh else "reports, generated by xxgk"} · {time.strftime("%Y-%m-%d %H:%M")}</p>
<h2>{"按机关" if zh else "By agency"}</h2>
<table><tr><th>{"机关" if zh else "Agency"}</th><th>{"年度摘要" if zh else "Annual summaries"}</th><th>{"跨年度" if zh else "Across years"}</th></tr>
{''.join(rows)}</table>
<h2>{"按年度（机关横向比较）" if zh else "By year (agencies compared)"}</h2><p>{year_links}</p>
<h2>{"数据质量" if zh else "Data quality"}</h2><p>{f'<a href="{esc(quality.stem)}.html">{"全部年度" if zh else "all years"}</a>' if quality else ""}</p>
</body></html>
"""
    p = out / "index.html"
    p.write_text(page, encoding="utf-8")
    return p


# --- CLI handlers (arguments are declared in cli.py) --------------------------------------

def _fail(msg: str) -> int:
    print(f"xxgk: {msg}", file=sys.stderr)
    return 2


def _cli_report(args) -> int:
    import xxgk

    from .summaries import UnknownSelection, resolve_agency

    t0 = time.perf_counter()
    data = Path(args.data)
    if not (data / "reports.parquet").exists():
        res = xxgk.build([args.raw], data, progress=not args.no_progress)
        print(res.summary())
    ds = xxgk.load(data)  # reads the reports table only; notebooks load what they need
    out = Path(args.out)
    data_abs = str(data.resolve())
    if args.notebook:
        try:
            job = _single(ds, args, data_abs)
        except UnknownSelection as exc:
            return _fail(str(exc))
        try:
            with quiet_kernels():
                path = run(job, out)
        except Exception as exc:
            msg = str(exc).strip().splitlines()
            return _fail(f"{job.notebook} failed: {msg[-1] if msg else type(exc).__name__}")
        print(f"wrote {path}")
        return 0
    jobs = plan(ds, data_abs, args.lang)
    subset = args.year is not None or bool(args.agency)
    if subset:  # render a subset: pages of these years / agencies only
        try:
            wanted = {resolve_agency(ds, a)["agency_id"].iloc[0] for a in (args.agency or [])}
        except UnknownSelection as exc:
            return _fail(str(exc))
        jobs = [j for j in jobs if (args.year is None or j.group.get("year") in (None, args.year))
                and (not wanted or j.group.get("agency_id") in wanted or j.notebook == "data_quality")]
    else:
        for sub in ("agency_year", "trends", "compare"):
            shutil.rmtree(out / sub, ignore_errors=True)  # no stale pages from a previous dataset
    results = render_all(jobs, out, args.workers, progress=not args.no_progress)
    failed = {stem: err for stem, err, _ in results if err}
    index = write_index(jobs, out, set(failed), args.lang)
    files = sum(1 for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".ipynb"))
    print(f"rendered {len(jobs) - len(failed)} of {len(jobs)} notebooks into {out} ({files} files, index {index}) "
          f"in {time.perf_counter() - t0:.0f} s")
    for stem, err in failed.items():
        print(f"  failed: {stem}: {err}", file=sys.stderr)
    return 1 if failed else 0


def _single(ds, args, data_abs) -> Job:
    from .summaries import UnknownSelection, resolve_agency, resolve_report

    nb = args.notebook
    if nb == "agency_year":
        if not args.agency or args.year is None:
            raise UnknownSelection("agency_year needs --agency and --year")
        r = resolve_report(ds, args.agency[0], args.year)
        return Job(nb, {"agency": r["agency_id"], "year": args.year, "lang": args.lang, "data": data_abs},
                   f"agency_year/{r['agency_id']}-{args.year}", f"{r['agency']} {args.year}")
    if nb == "trends":
        if not args.agency:
            raise UnknownSelection("trends needs --agency (one or more)")
        ids = [resolve_agency(ds, a)["agency_id"].iloc[0] for a in args.agency]
        years = sorted(int(y) for y in ds.reports[ds.reports["agency_id"].isin(ids)]["year"].dropna())
        first = args.first_year or years[0]
        last = args.last_year or years[-1]
        return Job(nb, {"agencies": ids, "first_year": first, "last_year": last, "lang": args.lang, "data": data_abs},
                   f"trends/{'-'.join(ids)}", "trends")
    if nb == "compare_agencies":
        known = sorted({int(y) for y in ds.reports["year"].dropna()})
        if args.year not in known:
            raise UnknownSelection(f"no reports for year {args.year}; years known: {', '.join(map(str, known))}")
        return Job(nb, {"year": args.year, "level": "", "region": "", "top_n": 20, "min_handled": 10, "lang": args.lang,
                        "data": data_abs}, f"compare/{args.year}", str(args.year))
    return Job(nb, {"year": args.year or 0, "lang": args.lang, "data": data_abs}, "data_quality", "data quality")
