"""Make the bundled table-only extracts in data/raw from ../shared/corpus/raw (a maintainer's tool).

An extract keeps what the parser needs and the project may ship: the page header (title, date,
publisher, URL), the section headings of the three tables and the tables themselves, cut from the
original text so that its real formatting noise stays; the narrative prose is dropped. Run from the
repository root: ``python scripts/make_extracts.py``. tests/integration/test_bundled.py checks that
every extract parses to the same cells as its original.
"""

from __future__ import annotations

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
SRC = ROOT.parent / "shared" / "corpus" / "raw"
DST = ROOT / "data" / "raw"
SKIP = {"pingtan-2018-legacy.txt"}  # pre-2019: nothing to extract
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
    """End of the value run that follows the last row label in norm[start:stop]."""
    rx, codes = _label_regex(table)
    last = None
    for m in rx.finditer(norm, start, stop):
        if codes[int(m.lastgroup[1:])]:
            last = m
    if last is None:
        return stop
    run = first_run(norm[last.end():stop])
    return last.end() + run.end() if run else last.end()


def crawler_extract(text: str) -> str:
    head, sep, body = text.partition("==================== 正文 ====================")
    header = "\n".join(line for line in head.splitlines() if line.startswith(HEADER_KEYS))
    norm, idx = normalize_with_map(body)
    regions = find_regions(norm, find_sections(norm))
    t2s, t2e = regions.t2
    t2e = _end_of_values(norm, t2s, t2e, "table2")
    t4s, t4e = regions.t4
    m = _T4_VALUES_AFTER.search(norm, t4s, t4e)
    run = first_run(norm[m.end():t4e])
    t4_end = m.end() + run.end()
    title = re.search(r"标题:\s*(.+)", head).group(1).strip()

    def orig(a: int, b: int) -> str:
        return body[idx[a]: idx[b - 1] + 1]

    t3s = regions.t3[0]
    corner = norm.rfind("(本列数据", max(0, t3s - 12), t3s + 1)
    t3s = corner if corner >= 0 else t3s
    parts = [title, "二、主动公开政府信息情况", orig(t2s, t2e), "三、收到和处理政府信息公开申请情况",
             orig(t3s, t4_end), "五、存在的主要问题及改进情况（略）"]
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


def main() -> int:
    DST.mkdir(parents=True, exist_ok=True)
    for p in sorted(SRC.iterdir()):
        if p.name in SKIP:
            continue
        data = p.read_bytes()
        try:
            text = decode(data)[0]
        except UnicodeError:
            text = None
        fmt = detect(data, text)
        if fmt == "crawler-text":
            out = crawler_extract(text)
        elif fmt == "markdown":
            out = markdown_extract(text)
        elif fmt == "html":
            out = html_extract(text)
        elif fmt == "pipe-text":
            continue  # the seed ships whole (data/raw/shanhaiguan-2023.txt)
        else:
            print(f"skip {p.name}: {fmt}", file=sys.stderr)
            continue
        (DST / p.name).write_text(out, encoding="utf-8")
        print(f"{p.name}: {len(data)} → {len(out.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
