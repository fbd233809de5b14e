"""Read rendered pages as a reader would and list what is wrong with them.

Used by tests/pages/test_reader.py; also a command: ``python -m tests.pages.reader reports/`` checks a
rendered site and prints one line per problem (exit 1 when there is any).

A page fails on:
- anything loaded from the network or another file: a script, stylesheet, font, image, frame … whose
  URL is not a ``data:`` URI (links to the original report are navigation, not loads, and allowed);
- a ``javascript:`` URL anywhere;
- ``NaN``, ``nan``, ``None``, ``NaT`` or ``<NA>`` in the visible text (chart text included);
- a count printed with ``.0`` (``10690.0``; percentages and percentage points keep their decimal);
- an empty chart panel: an axes of a chart without a single data mark, or a "no data" placeholder;
- a table with a header and no rows;
- a relative link to a page that does not exist (navigation must lead somewhere);
- Chinese text (visible, or an input's placeholder) without a glyph in the font the page carries (a
  machine without a CJK font would show boxes).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree, html

LOADS = {  # element → attributes whose URL the browser fetches
    "script": ("src",), "link": ("href",), "img": ("src", "srcset"), "source": ("src", "srcset"),
    "iframe": ("src",), "frame": ("src",), "embed": ("src",), "object": ("data",), "video": ("src", "poster"),
    "audio": ("src",), "track": ("src",), "input": ("src",), "image": ("href", "{http://www.w3.org/1999/xlink}href"),
    "use": ("href", "{http://www.w3.org/1999/xlink}href"), "feimage": ("href", "{http://www.w3.org/1999/xlink}href"),
}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "background", "srcset", "srcdoc", "xlink:href",
             "cite", "longdesc", "manifest", "ping"}
MISSING = re.compile(r"(?<![A-Za-z])(NaN|nan|None|NaT|<NA>)(?![A-Za-z])")
POINT_ZERO = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})*\.0(?!\d)(?!\s*(?:%|个百分点|pp|points?|percentage))")
CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:|#)([^'\")]+)|@import", re.I)
PLACEHOLDER = ("无数据", "no data")
FONT_FACE = re.compile(r"@font-face\{[^}]*?url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", re.S)


def _local(tag) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _visible_text(doc) -> str:
    parts = []
    for el in doc.iter():
        if not isinstance(el.tag, str) or _local(el.tag) in ("script", "style"):
            continue
        if el.text and _local(el.tag) not in ("script", "style"):
            parts.append(el.text)
        if el.tail and el.getparent() is not None and _local(el.getparent().tag) not in ("script", "style"):
            parts.append(el.tail)
    return " ".join(parts)


def _glyphs_missing(page: str, visible: str) -> list[str]:
    """The CJK characters of ``visible`` that no font embedded in ``page`` can draw."""
    import base64
    import io

    from fontTools.ttLib import TTFont

    chars = {c for c in visible if ord(c) >= 0x2E80 and not c.isspace()}
    if not chars:
        return []
    held: set[int] = set()
    for data in FONT_FACE.findall(page):
        held |= set(TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap())
    lost = sorted(c for c in chars if ord(c) not in held)
    if not lost:
        return []
    return [f"{len(lost)} Chinese characters without a glyph in the page's own font: {''.join(lost[:20])!r}"]


def problems(path: Path, site: Path | None = None) -> list[str]:
    """Everything wrong with one page, as short messages."""
    text = path.read_text(encoding="utf-8")
    doc = html.document_fromstring(text)
    out = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        for attr, value in el.attrib.items():
            name = etree.QName(attr).localname.lower() if attr.startswith("{") else attr.lower()
            url = name in URL_ATTRS and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(
                ("javascript:", "vbscript:", "data:text/html"))
            if url or name.startswith("on"):
                out.append(f"script in an attribute: <{tag} {attr}={value[:60]!r}>")
        for attr in LOADS.get(tag, ()):
            url = el.get(attr)
            if url and not url.strip().lower().startswith("data:") and not (tag == "use" and url.startswith("#")):
                out.append(f"loads from outside the page: <{tag} {attr}={url[:80]!r}>")
        if tag == "style" and el.text and CSS_URL.search(el.text):
            out.append(f"stylesheet loads from outside the page: {CSS_URL.search(el.text).group(0)[:80]!r}")
        if el.get("style") and CSS_URL.search(el.get("style")):
            out.append(f"inline style loads from outside the page: {el.get('style')[:80]!r}")
    visible = _visible_text(doc)
    for m in MISSING.finditer(visible):
        out.append(f"missing value shown as text: …{visible[max(0, m.start() - 30):m.end() + 10]!r}")
    for m in POINT_ZERO.finditer(visible):
        out.append(f"count printed with .0: …{visible[max(0, m.start() - 30):m.end() + 10]!r}")
    for fig in doc.xpath("//figure[contains(concat(' ', @class, ' '), ' chart ')]"):
        svgs = [e for e in fig.iter() if _local(e.tag) == "svg"]
        imgs = [e for e in fig.iter() if _local(e.tag) == "img"]
        if not svgs and not imgs:
            out.append("chart panel without a chart")
        chart_text = " ".join(fig.itertext())
        if any(p in chart_text for p in PLACEHOLDER):
            out.append("chart panel says it has no data")
        for svg in svgs:
            for g in svg.iter():
                gid = g.get("id") or ""
                if _local(g.tag) == "g" and re.search(r"axes_\d+$", gid):
                    if not any(re.search(r"mark\d+$", d.get("id") or "") for d in g.iter()):
                        out.append(f"empty chart panel ({gid})")
    for t in doc.xpath("//table"):
        if not t.xpath(".//tbody/tr[td]"):
            out.append("table with a header and no rows")
    out += _glyphs_missing(text, visible + " ".join(doc.xpath("//@placeholder")))
    if site is not None:
        for a in doc.xpath("//a[@href]"):
            u = a.get("href")
            parts = urlsplit(u)
            if parts.scheme or u.startswith("#") or not parts.path:
                continue
            target = (path.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                out.append(f"link to a page that does not exist: {u}")
    return out


def check_site(root: Path) -> dict[Path, list[str]]:
    """Problems of every page under a rendered site (only pages with problems are listed)."""
    found = {}
    for p in sorted(root.rglob("*.html")):
        msgs = problems(p, root)
        if msgs:
            found[p] = msgs
    return found


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "reports")
    bad = check_site(root)
    for p, msgs in bad.items():
        for m in msgs:
            print(f"{p.relative_to(root)}: {m}")
    n = len(list(root.rglob("*.html")))
    print(f"{n} pages read, {len(bad)} with problems")
    sys.exit(1 if bad else 0)
