"""Where the rendered pages go: readable, safe file names and the links between pages.

A site has one tree per language (the first language at the root, the others under ``en/`` …) with
the same layout in each::

    index.html                       every agency by region and level, with a filter box
    agency_year/<机关名称>-<年度>.html  one agency, one year
    trends/<机关名称>.html             one agency across years
    compare/<年度>.html                one year across agencies
    data_quality.html                the whole dataset's checks and flags

File names are the agency's canonical name (NFKC, only letters, digits, ``-`` and ``_``; at most
60 characters), so a page saved or mailed on its own still says what it is. Two agencies whose names
give the same file name get their agency_id appended. Every path is resolved and checked to lie
inside the output folder before anything is written (:func:`safe_path`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

MAX_NAME = 60  # characters of an agency name kept in a file name (3 bytes each in UTF-8: far below 255)
LANG_DIRS = {"zh": "", "en": "en"}  # language → sub-folder when it is not the site's first language


class UnsafePath(ValueError):
    """An output path that would leave the output folder."""


def slug(text: str, limit: int = MAX_NAME) -> str:
    """A file-name-safe, still readable form of a name: NFKC, letters/digits of any script, '-' and '_'.

    >>> slug("平潭综合实验区 公安局/../x")
    '平潭综合实验区-公安局-x'
    """
    t = unicodedata.normalize("NFKC", str(text))
    s = "".join(ch if (ch.isalnum() and unicodedata.category(ch)[0] in "LN") or ch in "-_" else "-" for ch in t)
    s = re.sub(r"[-_]{2,}", "-", s).strip("-_")
    return s[:limit].strip("-_")


def safe_path(root: Path, rel: str | PurePosixPath) -> Path:
    """``root / rel`` resolved, or :class:`UnsafePath` if it is not inside ``root``."""
    base = Path(root).resolve()
    p = (base / str(rel)).resolve()
    if p == base or not p.is_relative_to(base):
        raise UnsafePath(f"refusing to write {rel!s}: outside the output folder {base}")
    return p


def href(src: str, dst: str) -> str:
    """A relative, percent-encoded link from page ``src`` to page ``dst`` (both site-relative paths)."""
    s = PurePosixPath(src).parent.parts
    d = PurePosixPath(dst).parts
    i = 0
    while i < len(s) and i < len(d) - 1 and s[i] == d[i]:
        i += 1
    rel = [".."] * (len(s) - i) + list(d[i:])
    return quote("/".join(rel))


@dataclass
class Site:
    """File names of every page of one dataset's site (the same in every language tree)."""

    names: dict[str, str] = field(default_factory=dict)  # agency_id → file-name stem
    langs: tuple[str, ...] = ("zh",)

    @classmethod
    def of(cls, reports, langs=("zh",)) -> Site:
        """Names for the agencies of a reports frame (columns agency_id, agency)."""
        pairs = sorted({(str(a), str(n)) for a, n in zip(reports["agency_id"], reports["agency"], strict=True)})
        by_slug: dict[str, list[str]] = {}
        for aid, name in pairs:
            by_slug.setdefault(slug(name) or slug(aid) or "agency", []).append(aid)
        names = {}
        for s, ids in by_slug.items():
            for aid in ids:
                names[aid] = s if len(ids) == 1 else f"{s}-{slug(aid, 40)}"
        return cls(names, tuple(langs))

    def name(self, agency_id: str) -> str:
        """The file-name stem of an agency (a safe fallback for an agency the site does not know)."""
        return self.names.get(agency_id) or slug(agency_id) or "agency"

    # -- paths, relative to the root of a language tree -------------------------------------
    def agency_year(self, agency_id: str, year: int) -> str:
        return f"agency_year/{self.name(agency_id)}-{int(year)}.html"

    def trends(self, agency_id: str) -> str:
        return f"trends/{self.name(agency_id)}.html"

    @staticmethod
    def compare(year: int) -> str:
        return f"compare/{int(year)}.html"

    QUALITY = "data_quality.html"
    INDEX = "index.html"

    def prefix(self, lang: str) -> str:
        """The folder of a language's tree ('' for the site's first language)."""
        if lang == self.langs[0]:
            return ""
        return (LANG_DIRS.get(lang) or slug(lang) or "lang") + "/"

    def in_lang(self, rel: str, lang: str) -> str:
        """A site-relative path inside a language's tree."""
        return self.prefix(lang) + rel


def canonical(reports):
    """The reports that get pages: one per agency and year (``is_canonical`` where the dataset has it,
    else the first by report_id), with a year."""
    r = reports[reports["year"].notna()]
    if "is_canonical" in r.columns:
        return r[r["is_canonical"].fillna(False).astype(bool)]
    return r.sort_values("report_id").drop_duplicates(["agency_id", "year"], keep="first")
