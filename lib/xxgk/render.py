"""Notebooks → a shareable site of self-contained HTML pages, rendered fast and only when needed.

``xxgk report`` plans one page per (language, notebook, parameters): every canonical agency-year
(agency_year), every agency with two or more years (trends), every year (compare_agencies) and the
data-quality page, then ``index.html`` per language (agencies grouped by region and level, with a
filter box). File names are readable and safe (:mod:`xxgk.site`).

Speed: pages are executed through papermill on warm kernels (:mod:`xxgk.engine`), one per worker
process, with the namespace reset between pages, and exported with xxgk's own nbconvert template
(``templates/xxgk``: one inlined stylesheet, SVG charts, no network request). Incremental: a page's
key hashes everything it shows — its notebook, parameters, navigation, the reports rows it draws on
(their build keys change whenever a report's file, sources.csv row or the parser changes) and the
code of xxgk — and a page whose key is in the manifest (``.xxgk-pages.json``) is not rendered again.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .site import Site, canonical, href, safe_path

NOTEBOOKS = ("agency_year", "trends", "compare_agencies", "data_quality")
TEMPLATES = Path(__file__).parent / "templates"
MANIFEST = ".xxgk-pages.json"
PAGE_DIRS = ("agency_year", "trends", "compare")
LANGS = ("zh", "en")


def notebooks_dir() -> Path:
    """The notebooks folder of this checkout (or $XXGK_NOTEBOOKS)."""
    env = os.environ.get("XXGK_NOTEBOOKS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "notebooks"


@dataclass
class Job:
    """One page: which notebook, its parameters, where it goes (``stem``: site path without ``.html``,
    inside its language's tree), its title, and what the index and navigation need to know."""

    notebook: str
    parameters: dict
    stem: str
    title: str
    group: dict = field(default_factory=dict)
    lang: str = "zh"
    prefix: str = ""  # the language's folder ('' for the site's first language)
    page: dict = field(default_factory=dict)  # template resources: navigation, footer, title
    inputs: str = ""  # fingerprint of the data the page shows

    @property
    def rel(self) -> str:
        """The page's path inside the output folder."""
        return f"{self.prefix}{self.stem}.html"


# --- fingerprints ----------------------------------------------------------------------------

@cache
def code_fingerprint() -> str:
    """xxgk's version, its code, metadata and templates, and the libraries that shape a page."""
    from importlib.metadata import version

    from . import __version__

    h = hashlib.sha256(__version__.encode())
    root = Path(__file__).parent
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".csv", ".j2", ".css", ".json") and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    for lib in ("pandas", "matplotlib", "seaborn", "nbconvert", "papermill", "mistune"):
        try:
            h.update(f"{lib}={version(lib)}".encode())
        except Exception:
            pass
    return h.hexdigest()[:20]


@cache
def _notebook_hash(name: str) -> str:
    return hashlib.sha256((notebooks_dir() / f"{name}.ipynb").read_bytes()).hexdigest()[:20]


def _row_hashes(reports):
    import pandas as pd

    cols = sorted(reports.columns)
    return pd.util.hash_pandas_object(reports[cols].astype("object").astype(str), index=False)


def _fingerprint(values) -> str:
    return hashlib.sha256(",".join(str(int(v)) for v in sorted(values)).encode()).hexdigest()[:20]


def page_key(job: Job) -> str:
    """Everything a page depends on, hashed: code, notebook, parameters, navigation, data."""
    params = {k: v for k, v in job.parameters.items()}
    blob = json.dumps([code_fingerprint(), job.notebook, _notebook_hash(job.notebook), params, job.lang,
                       job.page.get("nav"), job.page.get("lang_href"), job.title, job.inputs],
                      ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


# --- the plan --------------------------------------------------------------------------------

def _text(key: str, lang: str, **kw) -> str:
    from .pages import plain

    return plain(key, lang, **kw)


def plan(ds, data: str, lang="zh", errors_fingerprint: str = "") -> list[Job]:
    """Every page ``xxgk report`` makes for a dataset, in every language asked for (the first at the
    root of the output folder, the others under ``en/`` …)."""
    langs = (lang,) if isinstance(lang, str) else tuple(lang)
    all_reps = ds.reports[ds.reports["year"].notna()]
    reps = canonical(all_reps).sort_values(["agency", "year"])
    site = Site.of(reps, langs)
    hashes = _row_hashes(all_reps).to_numpy() if len(all_reps) else []
    by_agency: dict[str, list] = {}
    by_year: dict[int, list] = {}
    for h, aid, y in zip(hashes, all_reps["agency_id"], all_reps["year"], strict=True):
        by_agency.setdefault(aid, []).append(h)
        by_year.setdefault(int(y), []).append(h)
    everything = _fingerprint(hashes) + errors_fingerprint
    years = sorted({int(y) for y in reps["year"]})
    per_agency = {aid: g for aid, g in reps.groupby("agency_id", sort=False)}
    jobs: list[Job] = []
    for lg in langs:
        pre = site.prefix(lg)
        for r in reps.itertuples(index=False):
            y = int(r.year)
            failed = 0 if r.failed_checks_count is None or str(r.failed_checks_count) in ("<NA>", "nan") \
                else int(r.failed_checks_count)
            complete = getattr(r, "is_complete", None)
            jobs.append(Job("agency_year", {"agency": r.agency_id, "year": y, "lang": lg, "data": data},
                            site.agency_year(r.agency_id, y)[:-5], _text("title.ay", lg, agency=r.agency, year=y),
                            {"agency": r.agency, "agency_id": r.agency_id, "year": y, "region": r.region,
                             "level": r.level, "failed": failed,
                             "complete": bool(complete) if complete is not None and str(complete) != "<NA>" else None},
                            lg, pre, inputs=_fingerprint(by_agency[r.agency_id])))
        for aid, g in per_agency.items():
            ys = sorted(int(y) for y in g["year"])
            if len(ys) >= 2:
                name = g["agency"].iloc[0]
                jobs.append(Job("trends", {"agencies": [aid], "first_year": ys[0], "last_year": ys[-1], "lang": lg,
                                           "data": data},
                                site.trends(aid)[:-5], _text("title.trends", lg, agency=name),
                                {"agency": name, "agency_id": aid}, lg, pre, inputs=_fingerprint(by_agency[aid])))
        for y in years:
            jobs.append(Job("compare_agencies", {"year": y, "level": "", "region": "", "top_n": 20, "min_handled": 10,
                                                 "lang": lg, "data": data},
                            Site.compare(y)[:-5], _text("title.compare", lg, year=y), {"year": y}, lg, pre,
                            inputs=_fingerprint(by_year[y])))
        jobs.append(Job("data_quality", {"year": 0, "lang": lg, "data": data}, Site.QUALITY[:-5],
                        _text("title.quality", lg), {}, lg, pre, inputs=everything))
    _navigate(jobs, site, reps, years)
    return jobs


def _navigate(jobs: list[Job], site: Site, reps, years: list[int], trends: set[str] | None = None) -> None:
    """Fill each job's template resources: links to the index, its siblings and the other language."""
    from . import __version__

    per_agency: dict[str, list] = {}
    for r in reps.itertuples(index=False):
        per_agency.setdefault(r.agency_id, []).append(r)
    if trends is None:
        trends = {j.group["agency_id"] for j in jobs if j.notebook == "trends"}
    for j in jobs:
        lg, me = j.lang, j.rel

        def to(rel, _lg=lg, _me=me):
            return href(_me, site.in_lang(rel, _lg))

        groups = []
        if j.notebook in ("agency_year", "trends"):
            aid = j.parameters["agency"] if j.notebook == "agency_year" else j.parameters["agencies"][0]
            links = []
            for r in sorted(per_agency.get(aid, []), key=lambda r: int(r.year)):
                y = int(r.year)
                failed = 0 if str(r.failed_checks_count) in ("<NA>", "nan", "None") else int(r.failed_checks_count)
                links.append({"text": str(y), "href": to(site.agency_year(aid, y)),
                              "current": j.notebook == "agency_year" and y == j.parameters["year"],
                              "tone": "bad" if failed else "",
                              "title": _text("idx.year_failed", lg, year=y, n=failed) if failed else ""})
            if aid in trends:
                links.append({"text": _text("nav.trends", lg), "href": to(site.trends(aid)),
                              "current": j.notebook == "trends"})
            groups.append({"label": j.group.get("agency", ""), "links": links})
            if j.notebook == "agency_year":
                y = j.parameters["year"]
                groups.append({"label": "", "links": [{"text": _text("nav.compare", lg, year=y),
                                                        "href": to(Site.compare(y))}]})
        else:
            groups.append({"label": _text("nav.compare_years", lg),
                           "links": [{"text": str(y), "href": to(Site.compare(y)),
                                      "current": j.notebook == "compare_agencies" and y == j.parameters["year"]}
                                     for y in years]})
        groups.append({"label": "", "links": [{"text": _text("nav.quality", lg), "href": to(Site.QUALITY),
                                               "current": j.notebook == "data_quality"}]})
        other = [x for x in site.langs if x != lg]
        j.page = {
            "title": j.title, "html_lang": "zh-CN" if lg == "zh" else lg, "kind": j.notebook,
            "index_href": to(Site.INDEX), "index_text": _text("nav.index", lg), "nav_label": _text("nav.index", lg),
            "nav": groups, "version": __version__, "footer": _text("foot.generated", lg, v=__version__),
            "lang_href": href(me, site.in_lang(j.stem + ".html", other[0])) if other else "",
            "lang_text": _text(f"nav.lang.{other[0]}", lg) if other else "", "lang_code": other[0] if other else "",
        }


# --- rendering -------------------------------------------------------------------------------

@cache
def css() -> str:
    """The house stylesheet, comments and line breaks removed."""
    import re

    s = (TEMPLATES / "xxgk" / "style.css").read_text(encoding="utf-8")
    s = re.sub(r"/\*.*?\*/", "", s, flags=re.S)
    return re.sub(r"\n\s*", "", s).strip()


def exporter():
    """nbconvert's HTML exporter with xxgk's template (code and notebook prose hidden)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """HTMLExporter without its final pass through BeautifulSoup (alt texts and tab stops for the
        JupyterLab markup, which these pages do not have): a third of the export time."""

        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PageExporter(template_name="xxgk", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                        exclude_input_prompt=True, exclude_output_prompt=True)


def _resources(job: Job) -> dict:
    page = dict(job.page) if job.page else {"title": job.title, "html_lang": "zh-CN" if job.lang == "zh" else "en",
                                              "kind": job.notebook, "nav": [], "index_href": "", "index_text": "",
                                              "footer": "", "version": ""}
    page["css"] = css()
    return {"xxgk": page, "metadata": {"name": job.title}}


def write_atomic(path: Path, text: str) -> None:
    """Write a file whole or not at all (a reader never sees half a page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def render_page(job: Job, out: Path, kernel=None, exp=None, timeout: int = 600, keep_notebook: bool = False) -> Path:
    """Execute one notebook through papermill (on a warm kernel) and write its page (and, with
    ``keep_notebook``, the executed notebook next to it)."""
    import papermill as pm

    from . import engine

    engine.register()
    target = safe_path(out, job.rel)
    nb = pm.execute_notebook(str(notebooks_dir() / f"{job.notebook}.ipynb"), None, parameters=job.parameters,
                             engine_name="xxgk", kernel_name="python3", progress_bar=False, log_output=False,
                             execution_timeout=timeout, cwd=str(notebooks_dir()),
                             warm_kernel=kernel or engine.default_kernel())
    from . import webfont
    from .pages import defang_page

    body, _ = (exp or exporter()).from_notebook_node(nb, resources=_resources(job))
    write_atomic(target, webfont.embed(defang_page(body)))
    if keep_notebook:
        import nbformat

        write_atomic(target.with_suffix(".ipynb"), nbformat.writes(nb))
    return target


def run(job: Job, out: Path, timeout: int = 600) -> Path:
    """Render one page and keep its executed notebook (for scripts and tests), on this process's
    warm kernel (started on first use)."""
    return render_page(job, Path(out), timeout=timeout, keep_notebook=True)


@contextmanager
def quiet_kernels():
    """Kernels chatter on the inherited stderr (transport warnings); errors come back through papermill
    instead, so the file descriptor is pointed at /dev/null while notebooks run."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _message(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    lines = [m for m in msg if m.strip() and not set(m.strip()) <= set("-")]
    return lines[-1] if lines else type(exc).__name__


def _worker(tasks, results, out: str, timeout: int) -> None:
    """A rendering process: one warm kernel, one exporter, jobs from the queue until None."""
    # nbformat's schema validator imports jsonschema, which compiles the optional rfc3987-syntax grammar
    # (≈ 2 s of CPU) for a URI format that notebook validation never checks: not in a worker
    sys.modules.setdefault("rfc3987_syntax", None)
    from .dataset import SHARE_ENV

    os.environ.setdefault(SHARE_ENV, "1")  # the kernel shares loads between pages of one agency (dataset._shared_key)
    try:
        from .engine import WarmKernel

        kernel = WarmKernel()
        exp = exporter()
    except Exception as exc:  # cannot render at all: say why once, instead of dying in a loop
        results.put(("fatal", os.getpid(), None, _message(exc), 0.0))
        return
    with quiet_kernels():
        try:
            while True:
                job = tasks.get()
                if job is None:
                    break
                results.put(("start", os.getpid(), job.rel, None, 0.0))
                t0 = time.perf_counter()
                try:
                    render_page(job, Path(out), kernel, exp, timeout)
                    err = None
                except Exception as exc:  # one failing page must not stop the others
                    err = _message(exc)
                results.put(("done", os.getpid(), job.rel, err, time.perf_counter() - t0))
        finally:
            kernel.shutdown()


def _queue_order(job: Job) -> tuple:
    """Pages that show the same data one after another (an agency's years, each in both languages), so
    that a kernel's shared loads serve them all; the kinds of page in the plan's order."""
    same = {k: v for k, v in job.parameters.items() if k != "lang"}
    return NOTEBOOKS.index(job.notebook), json.dumps(same, sort_keys=True, default=str, ensure_ascii=False), job.lang


def render_all(jobs: list[Job], out: Path, workers: int | None = None, progress: bool = True,
               timeout: int = 600) -> list[tuple]:
    """Render jobs on ``workers`` processes, each with a warm kernel. Returns (rel, error, seconds)
    per job; a worker that dies is replaced and its page reported as failed."""
    import multiprocessing as mp

    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    if not jobs:
        return []
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    ctx = mp.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    for j in sorted(jobs, key=_queue_order):
        tasks.put(j)

    def start():
        p = ctx.Process(target=_worker, args=(tasks, results, str(out), timeout), daemon=True)
        p.start()
        return p

    procs = [start() for _ in range(workers)]
    for _ in procs:
        tasks.put(None)
    running: dict[int, str] = {}
    started: set[int] = set()  # workers that got as far as taking a job
    done: dict[str, tuple] = {}
    fatal = ""
    deaths = 0
    bar = tqdm(total=len(jobs), desc="rendering", unit="page", disable=not progress)
    try:
        while len(done) < len(jobs):
            try:
                kind, pid, rel, err, secs = results.get(timeout=1)
            except queue.Empty:
                for i, p in enumerate(procs):
                    if not p.is_alive() and p.exitcode not in (0, None):
                        rel = running.pop(p.pid, None)
                        if rel is not None and rel not in done:
                            done[rel] = (rel, f"worker died (exit code {p.exitcode})", 0.0)
                            bar.update(1)
                        if p.pid not in started:  # died before its first job: it cannot start at all
                            deaths += 1
                            fatal = fatal or f"worker processes die while starting (exit code {p.exitcode})"
                        if deaths > workers + 2:
                            break
                        procs[i] = start()
                        tasks.put(None)
                if deaths > workers + 2:
                    break
                if not any(p.is_alive() for p in procs) and results.empty():
                    break
                continue
            if kind == "fatal":
                fatal = err
                if not any(p.is_alive() for p in procs if p.pid != pid):
                    break
            elif kind == "start":
                running[pid] = rel
                started.add(pid)
            else:
                running.pop(pid, None)
                done[rel] = (rel, err, secs)
                bar.update(1)
    finally:
        bar.close()
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    for j in jobs:
        if j.rel not in done:
            done[j.rel] = (j.rel, fatal or "not rendered (the workers stopped)", 0.0)
    return [done[j.rel] for j in jobs]


# --- the manifest of rendered pages ------------------------------------------------------------

def read_manifest(out: Path) -> dict[str, str]:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(out: Path, keys: dict[str, str]) -> None:
    write_atomic(out / MANIFEST, json.dumps(keys, ensure_ascii=False, indent=0, sort_keys=True))


def stale_files(out: Path, jobs: list[Job], langs) -> list[Path]:
    """Pages in the page folders that the plan no longer has (a previous dataset's, or an older layout's)."""
    keep = {safe_path(out, j.rel) for j in jobs}
    site = Site(langs=tuple(langs))
    found = []
    for lg in langs:
        for d in (*PAGE_DIRS, ""):
            folder = out / site.prefix(lg) / d
            if folder.is_dir():
                found += [p for p in folder.iterdir() if p.is_file() and p.resolve() not in keep and (
                    p.suffix in (".ipynb", ".part") or (d and p.suffix == ".html"))]
    return found


# --- the index -------------------------------------------------------------------------------

def _province(region) -> str:
    import re

    if region is None or str(region) in ("", "None", "<NA>", "nan"):
        return ""
    s = str(region)
    m = re.match(r"^(.+?(?:省|自治区|特别行政区))", s) or re.match(r"^(北京市|天津市|上海市|重庆市)", s)
    return m.group(1) if m else s


def write_index(jobs: list[Job], out: Path, failed: set[str], lang: str = "zh") -> Path:
    """``index.html`` of one language tree: agencies grouped by province and level (a filter box finds
    one among thousands), each with its years, reports, failed checks and complete reports; the
    comparison pages by year; the data-quality page."""
    import jinja2

    from . import __version__, webfont
    from .pages import defang_page, plain

    def tx(key, **kw):
        return plain(key, lang, **kw)

    mine = [j for j in jobs if j.lang == lang and j.rel not in failed]
    prefix = next((j.prefix for j in mine), "")
    me = prefix + Site.INDEX
    agencies: dict[str, dict] = {}
    years: dict[int, int] = {}
    quality = None
    for j in mine:
        g = j.group
        if j.notebook == "agency_year":
            a = agencies.setdefault(g["agency_id"], {"name": g["agency"], "region": g.get("region"),
                                                      "level": g.get("level"), "years": [], "trends": None})
            a["years"].append({"year": g["year"], "href": href(me, j.rel), "failed": g.get("failed") or 0,
                               "complete": g.get("complete")})
            years[g["year"]] = years.get(g["year"], 0) + 1
        elif j.notebook == "trends":
            agencies.setdefault(g["agency_id"], {"name": g["agency"], "region": None, "level": None, "years": [],
                                                 "trends": None})["trends"] = href(me, j.rel)
        elif j.notebook == "data_quality":
            quality = href(me, j.rel)
    compare = {j.group["year"]: href(me, j.rel) for j in mine if j.notebook == "compare_agencies"}
    from .metadata import LEVELS
    from .pages import level_label

    groups: dict[str, dict[tuple, list]] = {}
    order = {lv: i for i, lv in enumerate(LEVELS)}
    for a in agencies.values():
        a["years"].sort(key=lambda y: y["year"])
        a["reports"] = len(a["years"])
        a["failed"] = sum(y["failed"] for y in a["years"])
        a["complete"] = sum(1 for y in a["years"] if y["complete"])
        a["stat_reports"] = tx("idx.reports", n=a["reports"])
        a["stat_failed"] = tx("idx.failed", n=a["failed"])
        a["href"] = a["trends"] or (a["years"][-1]["href"] if a["years"] else "#")
        region = "" if a["region"] is None or str(a["region"]) in ("", "None", "<NA>", "nan") else str(a["region"])
        prov = _province(region) or tx("idx.no_region")
        sub = region[len(prov):] if region.startswith(prov) else region if region != prov else ""
        a["key"] = f"{a['name']} {region}".lower()
        for y in a["years"]:
            y["title"] = tx("idx.year_failed", year=y["year"], n=y["failed"]) if y["failed"] else \
                tx("idx.year_ok", year=y["year"])
        lvl = a["level"] if a["level"] in LEVELS else ""
        groups.setdefault(prov, {}).setdefault((sub, lvl), []).append(a)
    regions = []
    for prov in sorted(groups, key=lambda p: (p == tx("idx.no_region"), p)):
        lvls = []
        for sub, lv in sorted(groups[prov], key=lambda k: (k[0], order.get(k[1], 99))):
            rows = sorted(groups[prov][(sub, lv)], key=lambda a: a["name"])
            label = level_label(lv or None, lang)
            lvls.append({"label": f"{sub} · {label}" if sub else label, "agencies": rows})
        regions.append({"name": prov, "levels": lvls, "n": sum(len(x["agencies"]) for x in lvls)})
    n_reports = sum(years.values())
    n_complete = sum(a["complete"] for a in agencies.values())
    n_failing = sum(1 for a in agencies.values() for y in a["years"] if y["failed"])
    summary = tx("idx.summary", agencies=tx("idx.agencies_n", n=f"{len(agencies):,}"),
                 reports=tx("idx.reports", n=f"{n_reports:,}"), y0=min(years) if years else "—",
                 y1=max(years) if years else "—", c=f"{n_complete:,}",
                 p=f"{n_complete / n_reports * 100:.1f}%" if n_reports else "—", f=f"{n_failing:,}")
    site_langs = list(dict.fromkeys(j.lang for j in jobs))
    other = [x for x in site_langs if x != lang]
    nav = [{"label": tx("nav.compare_years"), "links": [{"text": str(y), "href": h} for y, h in sorted(compare.items())]}]
    if quality:
        nav.append({"label": "", "links": [{"text": tx("nav.quality"), "href": quality}]})
    lang_href = ""
    if other:
        other_prefix = next((j.prefix for j in jobs if j.lang == other[0]), "")
        lang_href = href(me, other_prefix + Site.INDEX)
    page = {"title": tx("title.index"), "html_lang": "zh-CN" if lang == "zh" else lang, "kind": "index",
            "index_href": href(me, me), "index_text": tx("nav.index"), "nav_label": tx("nav.index"), "nav": nav,
            "footer": tx("foot.generated", v=__version__), "version": __version__, "css": css(),
            "lang_href": lang_href, "lang_text": tx(f"nav.lang.{other[0]}") if other else "",
            "lang_code": other[0] if other else ""}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / "xxgk")), autoescape=True)
    html_text = env.get_template("site_index.html.j2").render(
        x=page, regions=regions, summary=summary, total=len(agencies), open_all=len(agencies) <= 200,
        years=[{"year": y, "href": compare.get(y), "n": years[y]} for y in sorted(years)], quality=quality,
        tx=tx)
    p = safe_path(out, me)
    write_atomic(p, webfont.embed(defang_page(html_text)))
    return p


# --- CLI handlers (arguments are declared in cli.py) --------------------------------------

def _fail(msg: str) -> int:
    print(f"xxgk: {msg}", file=sys.stderr)
    return 2


def _langs(arg) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(x.strip() for x in str(arg).split(",") if x.strip()))
    bad = [x for x in out if x not in LANGS]
    if bad or not out:
        raise ValueError(f"unknown language {', '.join(bad) or arg!r}; use zh, en or zh,en")
    return out


def _errors_fingerprint(data: Path) -> str:
    f = data / "errors.parquet"
    if not f.exists():
        return ""
    return hashlib.sha256(f.read_bytes()).hexdigest()[:12]


def _cli_report(args) -> int:
    import xxgk

    from .summaries import UnknownSelection

    t0 = time.perf_counter()
    data = Path(args.data)
    try:
        langs = _langs(args.lang)
    except ValueError as exc:
        return _fail(str(exc))
    if not (data / "reports.parquet").exists():
        res = xxgk.build([args.raw], data, progress=not args.no_progress)
        print(res.summary())
    ds = xxgk.load(data)  # reads the reports table only; notebooks load what they need
    out = Path(args.out)
    data_abs = str(data.resolve())
    jobs = plan(ds, data_abs, langs, _errors_fingerprint(data))
    subset = bool(args.notebook) or args.year is not None or bool(args.agency)
    if subset:
        try:
            wanted = _select(ds, args, jobs)
        except UnknownSelection as exc:
            return _fail(str(exc))
    else:
        wanted = jobs
    old = read_manifest(out)
    keys = {j.rel: page_key(j) for j in wanted}
    todo = [j for j in wanted if args.force or old.get(j.rel) != keys[j.rel] or not (out / j.rel).exists()]
    removed = 0
    if not subset:
        for p in stale_files(out, jobs, langs):
            p.unlink(missing_ok=True)
            removed += 1
    results = render_all(todo, out, args.workers, progress=not args.no_progress) if todo else []
    failed = {rel: err for rel, err, _ in results if err}
    manifest = {k: v for k, v in old.items() if (out / k).exists()} if subset else \
        {j.rel: old[j.rel] for j in jobs if j.rel in old and (out / j.rel).exists()}
    for rel, err, _ in results:
        if err:
            manifest.pop(rel, None)
        else:
            manifest[rel] = keys[rel]
    write_manifest(out, manifest)
    missing = {j.rel for j in jobs if not (out / j.rel).exists()}
    for lg in langs:
        write_index(jobs, out, missing, lg)
    took = time.perf_counter() - t0
    if args.notebook and len(wanted) <= len(langs):
        for j in wanted:
            if j.rel not in failed:
                print(f"wrote {out / j.rel}")
    print(f"{len(wanted)} pages: {len(todo) - len(failed)} rendered, {len(wanted) - len(todo)} unchanged, "
          f"{len(failed)} failed" + (f", {removed} stale removed" if removed else "")
          + f"; index {out / Site.INDEX}; {took:.1f} s")
    for rel, err in failed.items():
        print(f"  failed: {rel}: {err}", file=sys.stderr)
    return 1 if failed else 0


def _select(ds, args, jobs: list[Job]) -> list[Job]:
    """The jobs a subset command asks for: one notebook with its parameters, or a year / agencies."""
    import copy

    from .dataset import _years_text
    from .summaries import UnknownSelection, resolve_agency, resolve_report

    ids = list(dict.fromkeys(resolve_agency(ds, a)["agency_id"].iloc[0] for a in (args.agency or [])))
    if args.year is not None:  # a year without a report renders nothing: say which years there are
        reps = ds.reports[ds.reports["agency_id"].isin(ids)] if ids else ds.reports
        known = sorted({int(y) for y in reps["year"].dropna()})
        if args.year not in known:
            who = f" of {', '.join(args.agency)}" if args.agency else ""
            raise UnknownSelection(f"no report{who} for {args.year}; years known: {_years_text(known)}")
    nb = args.notebook
    if nb == "agency_year":
        if not args.agency or args.year is None:
            raise UnknownSelection("agency_year needs --agency and --year")
        resolve_report(ds, args.agency[0], args.year)
    elif nb == "trends":
        if not args.agency:
            raise UnknownSelection("trends needs --agency (one or more)")
        return _trends_jobs(ds, args, jobs, ids)
    elif nb == "compare_agencies" and args.year is None:
        raise UnknownSelection("compare_agencies needs --year")
    elif nb == "data_quality":
        out = [j for j in jobs if j.notebook == "data_quality"]
        if args.year:  # a year's quality page is a page of its own, next to the all-years one
            out = [copy.deepcopy(j) for j in out]
            for j in out:
                j.parameters["year"] = args.year
                j.stem = f"{j.stem}-{args.year}"
                j.title = f"{j.title} · {args.year}"
                j.page["title"] = j.title
        return out
    out = []
    for j in jobs:
        g = j.group
        if nb and j.notebook != nb:
            continue
        if j.notebook == "data_quality":
            out.append(j)  # a subset of the site still refreshes the quality page
            continue
        if args.year is not None and g.get("year") not in (None, args.year):
            continue
        if ids and g.get("agency_id") not in ids:
            continue
        out.append(j)
    return out


def _trends_jobs(ds, args, jobs: list[Job], ids: list[str]) -> list[Job]:
    """The trends pages of the agencies asked for; several agencies (or a span of years) get a page
    of their own."""
    mine = [j for j in jobs if j.notebook == "trends" and j.group.get("agency_id") in ids]
    if len(ids) == 1 and mine and args.first_year is None and args.last_year is None:
        return mine
    reps = canonical(ds.reports)
    years = sorted(int(y) for y in reps[reps["agency_id"].isin(ids)]["year"].dropna())
    first, last = args.first_year or years[0], args.last_year or years[-1]
    site = Site.of(reps, tuple(dict.fromkeys(j.lang for j in jobs)))
    stem = "trends/" + "-".join(site.name(a) for a in ids)[:120]
    if args.first_year or args.last_year:
        stem += f"-{first}-{last}"
    names = [str(reps[reps["agency_id"] == a]["agency"].iloc[0]) for a in ids]
    data = jobs[0].parameters["data"]
    out = []
    for lg in site.langs:
        title = _text("title.trends", lg, agency=("、" if lg == "zh" else ", ").join(names))
        out.append(Job("trends", {"agencies": ids, "first_year": first, "last_year": last, "lang": lg, "data": data},
                       stem, title, {"agency": names[0], "agency_id": ids[0]}, lg, site.prefix(lg),
                       inputs=hashlib.sha256("".join(j.inputs for j in jobs if j.group.get("agency_id") in ids)
                                             .encode()).hexdigest()[:20]))
    _navigate(out, site, reps, sorted({int(y) for y in reps["year"]}),
              {j.group["agency_id"] for j in jobs if j.notebook == "trends"})
    return out
