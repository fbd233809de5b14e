"""Bytes to text: BOMs, declared charsets (HTML meta), UTF-8, then GB18030 and Big5.

GB18030 and Big5 both accept most double-byte text without error, so when more than one decoding
succeeds the one that yields the most report vocabulary (政府, 公开/公開, 申请/申請 …) wins.

A meta tag declaring UTF-16 or UTF-32 is read as UTF-8, as browsers do (the HTML standard says so):
a declaration that can be read byte by byte as ASCII is not in a 16- or 32-bit encoding.
"""

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
        if declared.startswith(("utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "unicode")):
            declared = "utf-8"
        candidates.insert(0, _ALIASES.get(declared, declared))
    candidates += ["gb18030", "big5"]
    decoded: list[tuple[str, str]] = []
    for enc in dict.fromkeys(candidates):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc.startswith("utf"):
            return text, enc  # strict UTF-8 success is unambiguous
        decoded.append((text, enc))
    if not decoded:
        raise UnicodeError("no known encoding (UTF-8, GB18030, Big5) decodes it")
    if len(decoded) == 1:
        return decoded[0]
    return max(decoded, key=lambda te: _score(te[0]))


_WORDS = ("政府", "信息", "资讯", "資訊", "公开", "公開", "申请", "申請", "年度", "报告", "報告", "行政", "情况", "情況")


def _score(text: str) -> int:
    sample = text[:20000]
    return sum(sample.count(w) for w in _WORDS)
