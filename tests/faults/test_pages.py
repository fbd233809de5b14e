"""Pages from hostile report text: no live link, image or script, and nothing written outside --out.

Report text and sources.csv are untrusted. A title or agency name written as Markdown
(``[点击查看](javascript:alert(1))``, ``![x](javascript:…)``) or HTML must come out as text on every
page; an agency_id (or name) that looks like a path must not move a page outside the output folder.
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.pages.reader import problems
from xxgk.builder import build
from xxgk.site import Site, UnsafePath, safe_path, slug
from xxgk.synth import random_report, render

TITLE = "[点击查看](javascript:alert(1))![x](javascript:alert(2))<script>alert(3)</script>"
AGENCY = "[测试](javascript:alert(4))<img src=x onerror=alert(5)>局"
ESCAPE_ID = "../../../escaped"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A dataset of one hostile agency (two years) next to a normal one, built from pipe text."""
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    raw.mkdir()
    rows = []
    rng = random.Random(7)
    for i, (agency, year) in enumerate([(AGENCY, 2022), (AGENCY, 2023), ("平潭综合实验区测试局", 2023)]):
        rep = random_report(rng, "2021", agency=agency, year=year)
        text = render(rep, "pipe-text")
        if agency == AGENCY:  # the printed title carries Markdown and HTML
            text = TITLE + text
        name = f"r{i}.txt"
        (raw / name).write_text(text, encoding="utf-8")
        rows.append({"file": name, "agency": agency, "level": "department", "region": "福建省平潭综合实验区",
                     "year": year, "url": "javascript:alert(6)" if agency == AGENCY else "https://example.gov.cn/r"})
    with open(raw / "sources.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    data = root / "data"
    build([raw], data, workers=1, progress=False)
    # the parser keeps only part of such a title; the pages must hold whatever a dataset holds: the whole
    # hostile title, and an agency_id that is a path (as an older or foreign build could have written it)
    t = pq.read_table(data / "reports.parquet")
    mine = [a == AGENCY for a in t.column("agency").to_pylist()]
    ids = [ESCAPE_ID if m else x for m, x in zip(mine, t.column("agency_id").to_pylist(), strict=True)]
    titles = [TITLE + str(x) if m else x for m, x in zip(mine, t.column("title").to_pylist(), strict=True)]
    t = t.set_column(t.schema.get_field_index("agency_id"), "agency_id", pa.array(ids, type=pa.string()))
    t = t.set_column(t.schema.get_field_index("title"), "title", pa.array(titles, type=pa.string()))
    pq.write_table(t, data / "reports.parquet")
    out = root / "site" / "reports"
    out.parent.mkdir()
    before = {p for p in root.rglob("*") if p.is_file()}
    p = subprocess.run([sys.executable, "-m", "xxgk.cli", "report", "--data", str(data), "--out", str(out),
                        "--workers", "1", "--no-progress"], capture_output=True, text=True, timeout=600)
    after = {p for p in root.rglob("*") if p.is_file()}
    return {"root": root, "out": out, "proc": p, "new": after - before}


def test_report_renders(hostile):
    p = hostile["proc"]
    assert p.returncode == 0, p.stderr
    pages = sorted(hostile["out"].rglob("*.html"))
    assert len(pages) >= 12  # 3 agency-years, 1 trends, 1 comparison, quality, index: in zh and en


def test_nothing_written_outside_out(hostile):
    out = hostile["out"].resolve()
    outside = [p for p in hostile["new"] if not p.resolve().is_relative_to(out)]
    assert outside == []
    assert not (hostile["root"] / "escaped").exists() and not any(hostile["root"].parent.glob("escaped*"))


def test_no_live_link_image_or_script_from_report_text(hostile):
    from lxml import html

    for page in hostile["out"].rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "javascript:" not in text.lower(), page  # not even as text in the page's source
        doc = html.document_fromstring(text)
        scripts = [s.text or "" for s in doc.iter("script")]
        assert all("alert" not in s for s in scripts) and all(s.get("src") is None for s in doc.iter("script"))
        assert not [e for e in doc.iter() if isinstance(e.tag, str) and any(a.lower().startswith("on") for a in e.attrib)]
        assert not doc.xpath("//img") and not doc.xpath("//iframe|//object|//embed")
        assert problems(page, hostile["out"]) == [], (page, problems(page, hostile["out"]))


def test_hostile_text_is_shown_as_text(hostile):
    out = hostile["out"]
    ay = [p for p in (out / "agency_year").glob("*.html") if "测试" in p.name and "2023" in p.name and "平潭" not in p.name]
    assert ay, sorted(p.name for p in (out / "agency_year").iterdir())
    page = ay[0].read_text(encoding="utf-8")
    from lxml import html

    doc = html.document_fromstring(page)
    visible = doc.text_content()
    assert TITLE in visible  # the reader sees the title exactly as printed, as text
    import re

    hrefs = doc.xpath("//a/@href")
    assert all(h.startswith("https://") or not re.match(r"^\s*[A-Za-z][\w+.-]*:", h) for h in hrefs), hrefs
    assert "https://example.gov.cn/r" not in page  # that URL belongs to the other agency
    assert not doc.xpath("//img") and not doc.xpath("//a[contains(., '点击查看')]")  # never a link or image


def test_file_names_are_safe_and_readable():
    assert slug("平潭综合实验区 公安局") == "平潭综合实验区-公安局"
    assert slug(ESCAPE_ID) == "escaped"
    assert "/" not in slug("a/b\\c..d") and ".." not in slug("../..")
    assert slug("（平潭）测试局") == "平潭-测试局"
    site = Site.of({"agency_id": ["a1", "a2", ESCAPE_ID], "agency": ["同名局", "同名局", "../x"]})
    assert site.agency_year("a1", 2023) != site.agency_year("a2", 2023)  # same name, two agencies
    assert site.agency_year(ESCAPE_ID, 2023) == "agency_year/x-2023.html"
    assert all(".." not in site.agency_year(a, 2023) for a in ("a1", "a2", ESCAPE_ID, "../../etc/passwd"))


def test_safe_path_refuses_to_leave_the_folder(tmp_path):
    assert safe_path(tmp_path, "agency_year/x.html") == (tmp_path / "agency_year/x.html").resolve()
    for rel in ("../escaped.html", "agency_year/../../escaped.html", "/etc/passwd", ".", ""):
        with pytest.raises(UnsafePath):
            safe_path(tmp_path, rel)
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(UnsafePath):
        safe_path(tmp_path, "link/escaped.html")


def test_markdown_in_report_text_is_escaped():
    from xxgk.pages import prose
    from xxgk.summaries import esc

    for text in (TITLE, AGENCY, "**粗体** _斜体_ `code` # 标题 | 表 |", "<a href='javascript:x'>y</a>"):
        out = prose(f"**{esc(text)}** 年")
        assert "<a " not in out and "<img" not in out and "<script" not in out and "<code" not in out
        assert "<em>" not in out and out.count("<strong>") == 1


def test_source_url_only_http(tmp_path):
    from xxgk.pages import safe_url

    assert safe_url("https://www.gov.cn/a?b=1") == "https://www.gov.cn/a?b=1"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//evil", "http://a\" onmouseover=x",
                None, float("nan")):
        assert safe_url(bad) is None
