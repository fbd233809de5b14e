"""Bytes to text: BOMs, declared charsets (HTML meta), UTF-8, then GB18030 and Big5."""

from __future__ import annotations

import re

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5-hkscs": "big5hkscs"}


def decode(data: bytes) -> tuple[str, str]:
    """Decode a file's bytes; return ``(text, encoding)``.

    Raises:
        UnicodeError: when no candidate encoding decodes the bytes cleanly.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    candidates = ["utf-8"]
    m = _META.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii", "ignore").lower()
        candidates.insert(0, _ALIASES.get(declared, declared))
    candidates += ["gb18030", "big5"]
    for enc in dict.fromkeys(candidates):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnicodeError("no known encoding (UTF-8, GB18030, Big5) decodes it")
