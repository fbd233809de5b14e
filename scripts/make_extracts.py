"""Make the bundled table-only extracts in data/raw from ../shared/corpus (a maintainer's tool).

An extract keeps what the parser needs and the project may ship: the page header (title, date,
publisher, URL), the section headings of the three tables and the tables themselves, cut from the
original text so that its real formatting noise stays; the narrative prose is dropped. Run from the
repository root: ``python scripts/make_extracts.py``. It also writes ``data/raw/sources.csv`` from the
corpus's two ``sources.csv`` files; its ``origin`` column names the original of every extract, and
tests/integration/test_build.py checks that every extract parses to the same cells as its original.

Sources: ``corpus/raw`` (files keep their names) and ``corpus/bulk/raw`` (平潭 departments and area
administrations; names get a ``pingtan-`` prefix, e.g. ``pingtan-czj-2021.txt``).
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

from lxml import etree

from xxgk.digits import first_run
from xxgk.narrative import find_sections
from xxgk.parse import _T4_VALUES_AFTER, _label_regex, find_regions
from xxgk.readers import detect
from xxgk.readers.decode import decode

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SOURCES = ((CORPUS, "raw", ""), (CORPUS / "bulk", "raw", "pingtan-"))  # (folder, files, prefix of the extract)
DST = ROOT / "data" / "raw"
SKIP = {"pingtan-2018-legacy.txt",  # pre-2019: nothing to extract
        "gaj-2020.txt"}  # the stored page holds only the title
COLUMNS = ("file", "agency", "level", "region", "year", "template", "format", "url", "notes", "origin")
HEADER_KEYS = ("标题", "发布时间", "发布机构", "原文链接", "文号", "栏目", "====")


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """xxgk.text.normalize, char by char, with the original index of every output character."""
    chars: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch)
        n = re.sub(r"[ \t\r\f\v\u00a0\u3000\u2002-\u200b\ufeff]", " ", n)
        chars += [(c, i) for c in n]
    # collapse runs of spaces, then drop spaces not between a digit and a digit/sign
    out: list[tuple[str, int]] = []
    for c, i in chars:
        if c == " " and out and out[-1][0] == " ":
            continue
        out.append((c, i))
    kept = []
    for k, (c, i) in enumerate(out):
        if c == " ":
            before = out[k - 1][0] if k else ""
            after = out[k + 1][0] if k + 1 < len(out) else ""
            if not (before.isdigit() and (after.isdigit() or after in "+-")):
                continue
        kept.append((c, i))
    return "".join(c for c, _ in kept), [i for _, i in kept]


def _end_of_values(norm: str, start: int, stop: int, table: str) -> int:
    """End of the table's rows in norm[start:stop]: the value run of the last row label that is followed
    directly by its digits, before the first label that is not (prose mentioning 规章 or 规范性文件)."""
    rx, codes = _label_regex(table)
    end = None
    for m in rx.finditer(norm, start, stop):
        if not codes[int(m.lastgroup[1:])]:
            continue
        run = first_run(norm[m.end():stop])
        if run is None or run.start() > 6:
            if end is not None:
                break
            continue
        end = m.end() + run.end()
    return stop if end is None else end


def crawler_extract(text: str) -> str:
    """The header lines, the title, and the three tables cut from crawler text (prose between them dropped)."""
    head, sep, body = text.partition("==================== 正文 ====================")
    header = "\n".join(line for line in head.splitlines() if line.startswith(HEADER_KEYS))
    norm, idx = normalize_with_map(body)
    regions = find_regions(norm, find_sections(norm))
    t2s, t2e = regions.t2
    t2e = _end_of_values(norm, t2s, t2e, "table2")
    t3s, t3e = regions.t3
    t3e = _end_of_values(norm, t3s, t3e, "table3")
    t4s, t4e = regions.t4
    m = _T4_VALUES_AFTER.search(norm, t4s, t4e)
    run = first_run(norm[m.end():t4e], min_digits=15)
    t4_end = m.end() + run.end()
    t4_head = norm.rfind("行政复议", t4s, m.end() + run.start())  # the table's own header, not a sentence
    title = re.search(r"标题:\s*(.+)", head).group(1).strip()

    def orig(a: int, b: int) -> str:
        return body[idx[a]: idx[b - 1] + 1]

    corner = norm.rfind("(本列数据", max(0, t3s - 12), t3s + 1)
    t3s = corner if corner >= 0 else t3s
    parts = [title, "二、主动公开政府信息情况", orig(t2s, t2e), "三、收到和处理政府信息公开申请情况",
             orig(t3s, t3e), "四、政府信息公开行政复议、行政诉讼情况", orig(t4_head, t4_end),
             "五、存在的主要问题及改进情况（略）"]
    return f"{header}\n{sep}\n" + " ".join(parts) + "\n"


def markdown_extract(text: str) -> str:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "第二十条" in line)
    while start > 0 and "主动公开政府信息情况" not in lines[start]:
        start -= 1
    t4 = next(i for i, line in enumerate(lines) if i > start and "行政复议" in line and "行政诉讼" in line)
    end = next(i for i, line in enumerate(lines) if i > t4 and re.fullmatch(r"\|(\s*\d+\s*\|){15}", line.strip()))
    upto = next(i for i, line in enumerate(lines) if "年度报告" in line)
    title = [line for line in lines[: upto + 1] if line.strip()]
    return "\n".join(title + [""] + lines[start:end + 1] + ["", "五、其他需要报告的事项（略）"]) + "\n"


def html_extract(text: str) -> str:
    root = etree.fromstring(text, etree.HTMLParser())
    keep = []
    heading = re.compile(r"^[二三四]、")
    paras = [p for p in root.iter("p") if not any(a.tag == "table" for a in p.iterancestors())]
    for el in root.iter("p", "table"):
        if el.tag == "table":
            if not any(a.tag == "table" for a in el.iterancestors()):
                keep.append(etree.tostring(el, encoding=str, with_tail=False))
        elif el in paras[:2] or heading.match("".join(el.itertext()).strip()):
            keep.append(etree.tostring(el, encoding=str, with_tail=False))
    return "\n".join(keep) + "\n<p>五、存在的主要问题及改进情况（略）</p>\n"


def extract(p: Path) -> str | None:
    """The table-only extract of one original (None for the seed, which ships whole)."""
    data = p.read_bytes()
    try:
        text = decode(data)[0]
    except UnicodeError:
        text = None
    fmt = detect(data, text)
    if fmt == "crawler-text":
        return crawler_extract(text)
    if fmt == "markdown":
        return markdown_extract(text)
    if fmt == "html":
        return html_extract(text)
    if fmt != "pipe-text":
        print(f"skip {p.name}: {fmt}", file=sys.stderr)
    return None  # the seed ships whole (data/raw/shanhaiguan-2023.txt)


def main() -> int:
    DST.mkdir(parents=True, exist_ok=True)
    rows = []
    for folder, sub, prefix in SOURCES:
        with open(folder / "sources.csv", encoding="utf-8", newline="") as fh:
            listed = {Path(r["file"]).name: r for r in csv.DictReader(fh)}
        for p in sorted((folder / sub).iterdir()):
            if p.name in SKIP or p.name not in listed:
                continue
            out = extract(p)
            name = prefix + p.name
            if out is not None:
                (DST / name).write_text(out, encoding="utf-8")
                print(f"{p.name}: {p.stat().st_size} → {len(out.encode())} bytes")
            if not (DST / name).exists():
                continue  # not bundled (a PDF original ships no extract)
            src = listed[p.name]
            url = src.get("source", "") if src.get("source", "").startswith("http") else ""
            if not url and out:
                m = re.search(r"原文链接:\s*(https?://\S+)", out)
                url = m.group(1) if m else ""
            rows.append({**{k: src.get(k, "") for k in COLUMNS}, "file": name, "url": url,
                         "format": src.get("format") or "crawler-text",
                         "origin": p.relative_to(CORPUS.parent).as_posix()})
    with open(DST / "sources.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
