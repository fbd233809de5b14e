"""Scanned pages (image-only PDF pages, PNG/JPEG/TIFF files, images in HTML) read by OCR.

A page image becomes the same paragraphs and table cells as a text-layer PDF page:

1. a grey image is taken from the red channel, where a red seal (公章) is nearly white and black
   print stays dark; a page turned by 90° is turned upright (text lines are found to run down the
   page, and the turn whose lines read with more confidence wins) and a small skew (up to ±4°) is
   straightened by the angle whose row profile is sharpest;
2. ruling lines are found by morphology (long thin runs of ink); vertical lines must meet a
   horizontal one, so a tall stroke of a glyph is not a rule. The lines go, in points, to
   :mod:`xxgk.readers.layout`, the grid code the PDF reader uses;
3. every table cell is cut out along the grid and its lines of ink are recognised separately (no
   text detector: the grid already says where the text is, and cells never run together); text
   outside tables is cut into lines by its row profile;
4. recognition is PP-OCRv4 (the ``rapidocr-onnxruntime`` wheel ships the ONNX models; nothing is
   downloaded). The text-line classifier that turns crops by 180° is not used: it turns a 9 into a
   confident 6. A cell that reads as digits is decoded again over the digits only (look-alikes
   such as O/o/〇 count for 0), which gives each digit's probability; the cell's confidence is the
   lowest of them, and the other readings of the same glyphs (a runner-up digit, a dropped or an
   extra digit) are kept as alternatives in the :class:`~xxgk.document.Cell`, for the parser's
   checks to decide (:mod:`xxgk.recognition`).

Limits: images over :data:`MAX_PIXELS` are refused before they are decoded, at most
:data:`MAX_PAGES` pages are recognised per file, and pages are rendered at no more than
:data:`MAX_DPI`.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import re
from dataclasses import dataclass
from functools import cache

from ..document import Cell, Document, ReportError, Table
from .layout import Piece, page_blocks

MAX_PIXELS = 60_000_000  # per page image (A4 at 600 dpi is 35 Mpx); larger ones are refused undecoded
MAX_PAGES = 12  # pages recognised per file: a report's text and tables fit in far fewer
MAX_DPI = 200  # pages and images are worked on at no more than this resolution
MIN_DPI = 140  # smaller scans are enlarged to this (the recogniser reads small digits better)
THREADS = int(os.environ.get("XXGK_OCR_THREADS", "1"))  # onnxruntime threads (one process per core)
INK = 185  # grey level (after flattening the paper) below which a pixel is ink
INK_RULES = 210  # the same for finding rules: a thin rule under a seal or in a faint scan is pale
MIN_RATIO = 1.5  # narrowest recogniser input (width / height): a lone digit is not padded to a line
HEIGHT = 48  # the recognition model's input height (PP-OCRv4): table cells are read at it
PROSE_HEIGHT = 28  # lines of prose are read smaller: a third of the cost, 99 % the same text (bench/ocr_eval.py)
INSTALL_HINT = ("scanned pages need OCR, which is not installed: run 'make venv', or pip install 'xxgk[ocr]' "
                "and then pip install --no-deps rapidocr-onnxruntime==1.4.4")

_LOOKALIKE = {"O": "0", "o": "0", "〇": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "i": "1",
              "丨": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "b": "6", "B": "8", "g": "9", "q": "9"}
_NUMERIC_MARKS = set("0123456789") | set(_LOOKALIKE)
_NA_MARKS = {"/", "／", "-", "—", "——", "–", "无", "\\"}
_SPECK = re.compile(r"[^0-9\u4e00-\u9fff]{1,2}")  # a line of a cell that is no number and no word
_GARBLED_NUMBER = re.compile(r"[^0-9元件]{0,2}[0-9]+[^0-9元件]{0,2}")  # a number with a speck or two


class OcrUnavailable(Exception):
    """The OCR stack (rapidocr-onnxruntime, OpenCV, onnxruntime) cannot be imported."""


@dataclass(slots=True)
class Reading:
    """What the recogniser made of one line of ink."""

    text: str
    confidence: float
    alternatives: tuple[str, ...] = ()
    numeric: bool = False
    as_digits: Reading | None = None  # a short non-numeric reading decoded as digits, for value columns


def available() -> bool:
    """Whether OCR can run here."""
    try:
        _modules()
    except OcrUnavailable:
        return False
    return True


@cache
def _modules():
    try:
        import cv2
        import numpy as np
        from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer  # noqa: F401
    except Exception as exc:  # ImportError, or a broken OpenCV build (libGL missing)
        raise OcrUnavailable(str(exc)) from None
    if cv2.getNumThreads() != THREADS:  # like the recogniser: one core per worker, workers run side by side
        cv2.setNumThreads(THREADS)
    return cv2, np


@cache
def _recogniser():
    """The PP-OCRv4 recognition model shipped in the rapidocr-onnxruntime wheel, loaded once."""
    from pathlib import Path

    import rapidocr_onnxruntime
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer
    from rapidocr_onnxruntime.utils import read_yaml

    root = Path(rapidocr_onnxruntime.__file__).parent
    cfg = read_yaml(str(root / "config.yaml"))["Rec"]
    cfg["model_path"] = str(root / cfg["model_path"])
    cfg["intra_op_num_threads"] = THREADS
    cfg["inter_op_num_threads"] = 1
    rec = TextRecognizer(cfg)
    chars = list(rec.postprocess_op.character)
    return rec, chars, _digit_classes(chars)


def _digit_classes(chars: list[str]):
    """Per digit 0–9, the class indices that read as it (the digit, its full-width form, look-alikes)."""
    index = {c: i for i, c in enumerate(chars)}
    groups = []
    for d in "0123456789":
        ids = [index[d]] if d in index else []
        full = chr(ord(d) + 0xFEE0)
        if full in index:
            ids.append(index[full])
        ids += [index[k] for k, v in _LOOKALIKE.items() if v == d and k in index]
        groups.append(ids)
    return groups


# --- recognition ---------------------------------------------------------------------------------

def recognise(crops: list, heights: list[int] | None = None) -> list[Reading]:
    """Recognise line images (H×W×3 uint8); one Reading per crop.

    Each crop is scaled to ``heights[i]`` pixels (default :data:`HEIGHT`, the model's own) keeping its
    shape; the model's cost grows with the area it is given, so prose is read at :data:`PROSE_HEIGHT`.
    One crop per model call: on one thread, batches padded to a common width were slower (measured:
    a table page 1.6 s one by one, 4.9 s in batches of four, 7 s in eights).
    """
    rec, chars, digits = _recogniser()
    cv2, np = _modules()
    out = []
    for i, crop in enumerate(crops):
        h = heights[i] if heights else HEIGHT
        w = max(1, math.ceil(h * crop.shape[1] / crop.shape[0]))
        x = np.zeros((1, 3, h, max(w, int(h * MIN_RATIO))), np.float32)  # a lone digit is padded, in grey
        x[0, :, :, :w] = cv2.resize(crop, (w, h)).transpose(2, 0, 1) / 127.5 - 1.0
        out.append(_decode(rec.session(x)[0][0], chars, digits, np))
    return out


def _decode(p, chars: list[str], digits: list[list[int]], np) -> Reading:
    """CTC decode of one line; lines that read as digits are decoded again over the digits only."""
    idx = p.argmax(1)
    text, probs = [], []
    prev = 0
    for t, k in enumerate(idx):
        if k != 0 and k != prev:
            text.append(chars[k])
            probs.append(float(p[t, k]))
        elif k != 0 and k == prev:
            probs[-1] = max(probs[-1], float(p[t, k]))
        prev = k
    s = "".join(text).strip()
    if not s:  # ink that reads as nothing: the digits decode says what it might be, with low confidence
        r = _decode_digits(p, digits, np)
        return _unsure(r) if r.text else Reading("", 0.0)
    sign = s[0] if s[0] in "+-－−" and len(s) > 1 else ""  # a signed change (本年增/减) keeps its sign
    body = s[len(sign):]
    if all(c in _NUMERIC_MARKS for c in body):
        r = _signed(_decode_digits(p, digits, np), sign)
        if not any(c.isdigit() for c in body) and r.text:  # only look-alikes (o, l, I): a digit, but unsure
            r = _unsure(r)
        return r
    if _GARBLED_NUMBER.fullmatch(body):  # digits with specks read as letters or points (a seal, noise):
        r = _decode_digits(p, digits, np)  # read as digits, but never trusted without the rules
        if r.text:
            return _unsure(_signed(r, sign))
    out = Reading(s, float(min(probs)))
    if len(s) <= 3:  # in a column of numbers this is a number the seal or the noise disguised
        r = _decode_digits(p, digits, np, force=True)
        out.as_digits = _unsure(r) if r.text else None
    return out


def _unsure(r: Reading) -> Reading:
    """A digits reading that must not be used without the rules' consent."""
    return Reading(r.text, min(r.confidence, 0.5), r.alternatives, numeric=True)


def _signed(r: Reading, sign: str) -> Reading:
    if not sign or not r.text:
        return r
    sign = "-" if sign != "+" else "+"
    return Reading(sign + r.text, r.confidence, tuple(sign + a for a in r.alternatives), numeric=True)


def _decode_digits(p, digits: list[list[int]], np, force: bool = False) -> Reading:
    """Digits-only CTC decode: per frame, blank against each digit (its look-alikes added in).

    With ``force``, a frame where the full decode saw a character gives its likeliest digit even when
    the blank is likelier (a word standing where a number should be)."""
    dp = np.stack([p[:, ids].sum(1) for ids in digits], axis=1)  # T × 10
    blank = p[:, 0]
    best = dp.argmax(1)
    on = dp[np.arange(len(best)), best] > blank
    if force:
        on |= p.argmax(1) != 0
    # characters: runs of frames with the same best digit, split by blank frames
    spans: list[tuple[int, int, int]] = []  # (digit, first frame, last frame)
    for t in range(len(best)):
        if not on[t]:
            continue
        d = int(best[t])
        if spans and spans[-1][0] == d and spans[-1][2] == t - 1:
            spans[-1] = (d, spans[-1][1], t)
        else:
            spans.append((d, t, t))
    if not spans:
        return Reading("", 0.0, numeric=True)
    text = "".join(str(d) for d, _, _ in spans)
    conf: list[float] = []
    alts: dict[str, float] = {}
    for i, (d, a, b) in enumerate(spans):
        frames = range(a, b + 1)
        t = max(frames, key=lambda f: dp[f, d])
        total = float(dp[t].sum() + blank[t])
        q = float(dp[t, d]) / total if total > 0 else 0.0
        conf.append(min(q, float(p[t].sum())))
        row = dp[t] / max(total, 1e-9)
        for e in np.argsort(-row)[:3]:
            e = int(e)
            if e != d and row[e] >= 0.002:
                alts[text[:i] + str(e) + text[i + 1:]] = max(alts.get(text[:i] + str(e) + text[i + 1:], 0), row[e])
        if blank[t] / max(total, 1e-9) >= 0.02 and len(spans) > 1:
            alts[text[:i] + text[i + 1:]] = blank[t] / total  # a digit that may not be there
    # a digit the decode dropped: a blank frame where some digit came close
    for t in range(len(best)):
        if on[t]:
            continue
        total = float(dp[t].sum() + blank[t])
        d = int(best[t])
        if total > 0 and dp[t, d] / total >= 0.05:
            pos = sum(1 for _, a, _ in spans if a < t)
            alts[text[:pos] + str(d) + text[pos:]] = max(alts.get(text[:pos] + str(d) + text[pos:], 0),
                                                         dp[t, d] / total)
    ranked = [a for a, _ in sorted(alts.items(), key=lambda kv: -kv[1]) if a and a != text
              and (len(a) == 1 or a[0] != "0")]
    return Reading(text, float(min(conf)), tuple(ranked[:6]), numeric=True)


# --- page geometry ---------------------------------------------------------------------------------

@dataclass
class _Page:
    gray: object  # H×W uint8, upright and straightened
    ink: object  # H×W uint8, 255 where there is ink
    dpi: float
    turned: int = 0  # degrees the page was turned to be upright
    skew: float = 0.0
    faint: object = None  # ink at a paler threshold, for rules
    seal: object = None  # 255 where the ink is a red seal's


def _binarise(gray, dpi: float, level: int = 0):
    """Ink (255) against paper: grey divided by the local paper brightness, then a fixed threshold.

    Dividing by the paper (a max filter wider than any stroke) flattens a grey or uneven background;
    unlike an adaptive mean, it keeps a thin rule running past dense text.
    """
    cv2, np = _modules()
    k = max(9, int(dpi * 0.1)) | 1
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)  # a median would erase a one-pixel rule
    paper = cv2.dilate(smooth, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    norm = cv2.divide(smooth, paper, scale=255)
    return np.where(norm < (level or INK), np.uint8(255), np.uint8(0))


def _skew(ink, np, cv2) -> float:
    """The angle (degrees) that makes the rows of ink sharpest, within ±4°."""
    h, w = ink.shape

    def scorer(width: int):
        scale = min(1.0, width / max(w, 1))
        small = cv2.resize(ink, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
        sh, sw = small.shape

        def score(angle: float) -> float:
            m = cv2.getRotationMatrix2D((sw / 2, sh / 2), angle, 1.0)
            rot = cv2.warpAffine(small, m, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0)
            prof = rot.sum(1, dtype=np.float64)
            return float(((prof[1:] - prof[:-1]) ** 2).sum())
        return score

    best = max(np.arange(-4.0, 4.01, 0.25), key=scorer(350))  # coarse steps on a quarter of the pixels
    fine = max(np.arange(best - 0.25, best + 0.26, 0.05), key=scorer(700))
    return float(fine)


def _rotate(img, angle: float, cv2, border: int = 255):
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)


def _text_mask(ink, dpi: float, cv2, np):
    """Ink with ruling lines removed."""
    hm, vm = _line_masks(ink, dpi, cv2)
    return cv2.subtract(ink, cv2.bitwise_or(hm, vm))


def _line_masks(ink, dpi: float, cv2):
    kh = max(40, int(dpi * 0.6))
    kv = max(15, int(dpi * 0.15))
    gap = max(2, int(dpi * 0.012))
    h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    h = cv2.morphologyEx(h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kh, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    v = cv2.morphologyEx(v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, kv)))
    return h, v


def _upright(gray, dpi: float) -> tuple[object, int]:
    """Turn a page whose text lines run down the page by ±90° (the turn that reads better wins)."""
    cv2, np = _modules()
    f = min(1.0, 100 / dpi)  # which way the lines run shows as well at 100 dpi, on half the pixels or fewer
    small = gray if f == 1 else cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    sdpi = dpi * f
    ink = _binarise(small, sdpi)
    text = _text_mask(ink, sdpi, cv2, np)
    k = max(3, int(sdpi * 0.06))
    across = cv2.dilate(text, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    down = cv2.dilate(text, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k)))

    def elongated(mask, axis: int) -> int:
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
        long = (w > 3 * h) if axis == 0 else (h > 3 * w)
        return int((long & (np.maximum(w, h) > sdpi * 0.3)).sum())

    if elongated(down, 1) <= 0.5 * max(elongated(across, 0), 3):
        return gray, 0  # plainly upright; otherwise the turn whose lines read best wins
    best, best_conf = gray, -1.0
    for turn, code in ((0, None), (90, cv2.ROTATE_90_CLOCKWISE), (270, cv2.ROTATE_90_COUNTERCLOCKWISE)):
        g = gray if code is None else cv2.rotate(gray, code)
        lines = _prose_lines(_text_mask(_binarise(g, dpi), dpi, cv2, np), dpi, np)
        lines = sorted(lines, key=lambda b: -(b[2] - b[0]))[:4]
        crops = [_crop(g, b, np) for b in lines]
        conf = sum(r.confidence for r in recognise(crops)) / max(1, len(crops))
        if conf > best_conf:
            best, best_conf, chosen = g, conf, turn
    return best, chosen


def _page(rgb, dpi: float) -> _Page:
    """Grey, upright, straightened page at a workable resolution, and where its seal's ink is."""
    cv2, np = _modules()
    if rgb.ndim == 3:  # the red channel: a red seal turns pale, black print stays dark; where the
        r = rgb[:, :, 0]  # seal's ink is plainly red, the little it darkens the red channel is undone
        redness = r.astype(np.int16) - np.minimum(rgb[:, :, 1], rgb[:, :, 2])
        reddish = (redness > 40) & (r > 90)
        gray = np.where(reddish, np.minimum(255, r.astype(np.uint16) * 6 // 5), r).astype(np.uint8)
        seal = np.where(reddish & (redness > 60), np.uint8(255), np.uint8(0))
    else:
        gray, seal = rgb, np.zeros_like(rgb)
    target = min(max(dpi, MIN_DPI), MAX_DPI)
    if abs(target - dpi) > 5:
        f = target / dpi
        size = (max(1, int(gray.shape[1] * f)), max(1, int(gray.shape[0] * f)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
        seal = cv2.resize(seal, size, interpolation=cv2.INTER_NEAREST)
        dpi = target
    gray, turned = _upright(gray, dpi)
    if turned:
        seal = cv2.rotate(seal, cv2.ROTATE_90_CLOCKWISE if turned == 90 else cv2.ROTATE_90_COUNTERCLOCKWISE)
    ink = _binarise(gray, dpi)
    angle = _skew(ink, np, cv2)
    if abs(angle) >= 0.1:
        gray, seal = _rotate(gray, angle, cv2), _rotate(seal, angle, cv2, border=0)
        ink = _binarise(gray, dpi)
    return _Page(gray, ink, dpi, turned, angle, _binarise(gray, dpi, INK_RULES), seal)


def _rules(page: _Page):
    """Horizontal (y, x0, x1) and vertical (x, y0, y1) rules in pixels; verticals must meet a horizontal."""
    cv2, np = _modules()
    hm, vm = _line_masks(page.faint, page.dpi, cv2)
    hs, vs = [], []
    n, lab, st, _ = cv2.connectedComponentsWithStats(hm, connectivity=8)
    keep = np.zeros(n, bool)
    gap = max(2, int(page.dpi * 0.02))
    red = _seal_share(lab, n, st, page.seal, np)
    for i in range(1, n):
        x, y, w, h = st[i, :4]
        if w >= page.dpi * 0.4 and h <= page.dpi * 0.08 and red[i] < 0.5:  # a seal's ring is no rule
            # a rule has paper above and below it; a run through a line of bold, blurred text has ink
            above = page.ink[max(0, y - 2 * gap):max(0, y - gap), x:x + w]
            below = page.ink[y + h + gap:y + h + 2 * gap, x:x + w]
            if min(above.mean() if above.size else 0, below.mean() if below.size else 0) > 255 * 0.45:
                continue
            hs.append((y + h / 2, float(x), float(x + w)))
            keep[i] = True
    hmask = np.where(keep[lab], np.uint8(255), np.uint8(0))
    n, lab, st, _ = cv2.connectedComponentsWithStats(vm, connectivity=8)
    near = page.dpi * 0.05

    def meets(cx, yy):
        return any(abs(hy - yy) <= near and x0 - near <= cx <= x1 + near for hy, x0, x1 in hs)

    # a piece of a rule is long or touches a horizontal rule; a glyph's stroke is neither
    red = _seal_share(lab, n, st, page.seal, np)
    pieces = sorted((x + w / 2, float(y), float(y + h), i) for i, (x, y, w, h) in enumerate(st[:n, :4]) if i
                    and w <= page.dpi * 0.08 and red[i] < 0.5
                    and (h >= page.dpi * 0.25 or meets(x + w / 2, y) or meets(x + w / 2, y + h)))
    joined: list[list] = []  # pieces of one rule broken where text touches it or the scan is faint
    for cx, y0, y1, i in sorted(pieces, key=lambda p: (p[1], p[0])):
        for j in joined:
            if abs(j[0] - cx) <= near / 2 and y0 - j[2] <= page.dpi * 0.12 and y1 >= j[1]:
                j[1], j[2] = min(j[1], y0), max(j[2], y1)
                j[3].append(i)
                break
        else:
            joined.append([cx, y0, y1, [i]])
    keep = np.zeros(n, bool)
    for cx, y0, y1, ids in joined:
        top, bottom = meets(cx, y0), meets(cx, y1)
        if (top and bottom) or ((top or bottom) and y1 - y0 >= page.dpi * 0.3):
            vs.append((cx, y0, y1))
            keep[ids] = True
    vmask = np.where(keep[lab], np.uint8(255), np.uint8(0))
    vs += _repairs(page, hs, vs, vmask)
    return hs, vs, hmask, vmask


def _seal_share(lab, n: int, st, seal, np):
    """Per connected component, the share of its pixels that are a red seal's ink."""
    if seal is None or not seal.any():
        return np.zeros(n)
    red = np.bincount(lab[seal > 0], minlength=n)[:n]  # counted over the seal's pixels only: the same, faster
    return red / np.maximum(st[:n, 4], 1)


def _repairs(page: _Page, hs, vs, vmask) -> list:
    """Pieces of vertical rules lost under a seal or to a faint scan, band by band.

    Where a band between two horizontal rules is not crossed at the place of a vertical rule seen
    elsewhere on the page, but most of the band's height shows ink there in long runs (a broken line,
    not the strokes of a label), the rule is taken to run through the band. The pieces found are
    drawn into ``vmask``.
    """
    _, np = _modules()
    near = page.dpi * 0.05
    ys = sorted(h[0] for h in hs)
    ys = [y for i, y in enumerate(ys) if i == 0 or y - ys[i - 1] > near]
    xs = sorted(v[0] for v in vs)
    xs = [x for i, x in enumerate(xs) if i == 0 or x - xs[i - 1] > near]

    def crosses(x, top, bottom) -> bool:
        return any(abs(v[0] - x) <= near and v[1] <= top + near and v[2] >= bottom - near for v in vs)

    out = []
    for top, bottom in itertools.pairwise(ys):
        for x in xs:
            if crosses(x, top, bottom) or not any(abs(v[0] - x) <= near and v[1] < top - near and
                                                  v[2] >= top - near for v in vs + out):
                continue  # only a rule that comes down to this band's top may be continued
            x0, x1 = max(0, int(x - near / 2)), int(x + near / 2) + 1
            band = page.faint[int(top) + 2:int(bottom) - 1, x0:x1].max(1) > 0
            if not band.size or band.mean() < 0.6:
                continue
            run = longest = 0
            for v in band:
                run = run + 1 if v else 0
                longest = max(longest, run)
            if longest >= 0.5 * len(band):
                out.append((float(x), float(top), float(bottom)))
                vmask[int(top):int(bottom), x0:x1] = np.maximum(vmask[int(top):int(bottom), x0:x1],
                                                                page.faint[int(top):int(bottom), x0:x1])
    return out


def _runs(profile, min_len: int, max_gap: int) -> list[tuple[int, int]]:
    """(start, end) of runs where profile > 0, bridging gaps up to max_gap."""
    out: list[list[int]] = []
    on = profile > 0
    for i, v in enumerate(on):
        if not v:
            continue
        if out and i - out[-1][1] <= max_gap + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b + 1) for a, b in out if b + 1 - a >= min_len]


def _prose_lines(text, dpi: float, np) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of text lines, split where a line has a wide gap."""
    boxes = []
    rows = _runs(_clean_profile(text.sum(1) // 255, 2), max(3, int(dpi * 0.03)), max(1, int(dpi * 0.01)))
    for y0, y1 in rows:
        h = y1 - y0
        if h > dpi * 0.6:
            continue  # a picture, a seal remnant or a block of run-together lines
        cols = _runs(text[y0:y1].sum(0), 1, int(1.5 * h))
        for x0, x1 in cols:
            if (x1 - x0) * h >= dpi * dpi * 0.001:
                boxes.append((x0, y0, x1, y1))
    return boxes


def _ink_lines(ink, solid, dpi: float, np) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the lines of ink in a cell (``ink`` and ``solid``: :func:`_glyph_ink`).

    A line's ends are its outermost clusters of glyph-sized ink: a speck of noise or of a seal far
    along a wide cell does not stretch the crop (the recogniser reads a small number in a long crop
    of paper badly, and every column of the crop costs time), but a small mark close beside them (a
    minus sign, a point) is taken in. A thin run along the cell's side (the fringe of an erased rule)
    and a dot smaller than any digit are no text.
    """
    out = []
    glyph = (dpi * 0.035) ** 2
    thin, edge = dpi * 0.025, dpi * 0.04
    hgt, wid = ink.shape
    for ly0, ly1 in _runs(solid.sum(1) // 255, 2, max(1, int(dpi * 0.008))):
        h = ly1 - ly0
        prof = solid[ly0:ly1].sum(0) // 255
        keep = []
        for a, b in _runs(prof, 1, max(2, int(1.5 * h))):
            if prof[a:b].sum() < glyph / 2:
                continue  # specks
            if (h <= thin and (ly0 < edge or ly1 > hgt - edge)) or (b - a <= thin and (a < edge or b > wid - edge)):
                continue  # the fringe of a rule
            keep.append((a, b))
        if not keep:
            continue
        a, b = keep[0][0], keep[-1][1]
        near = max(2, int(0.4 * h))
        marks = ink[ly0:ly1].sum(0) > 0
        while a > 0 and marks[max(0, a - near):a].any():  # a mark just before the first glyph
            a = max(0, a - near) + int(np.argmax(marks[max(0, a - near):a]))
        while b < wid and marks[b:b + near].any():  # or just after the last one
            b = b + int(np.nonzero(marks[b:b + near])[0][-1]) + 1
        if max(h, b - a) < dpi * 0.04:
            continue  # a dot: no digit or character is this small
        out.append((a, ly0, b, ly1))
    return out


def _clean_profile(profile, floor: int):
    p = profile.copy()
    p[p < floor] = 0
    return p


def _crop(gray, box, np, bounds=None):
    """A line box cut from the grey page with a margin, as H×W×3 for the recogniser."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    mx, my = max(3, int(0.4 * h)), max(2, int(0.25 * h))
    bx0, by0, bx1, by1 = bounds if bounds else (0, 0, gray.shape[1], gray.shape[0])
    c = gray[max(by0, y0 - my):min(by1, y1 + my), max(bx0, x0 - mx):min(bx1, x1 + mx)]
    return np.repeat(c[:, :, None], 3, axis=2)


def _ocr_cell(pieces: list[Piece]) -> Cell:
    """A table cell from its recognised lines: text, the lowest confidence, and the alternatives."""
    if not pieces:
        return Cell("", confidence=None)
    from .layout import lines

    readings = [p.info for p in pieces if isinstance(p.info, Reading)]
    if any(r.text for r in readings):  # a speck that reads as nothing beside a number is no cause for doubt
        pieces = [p for p in pieces if not isinstance(p.info, Reading) or p.info.text]
        readings = [r for r in readings if r.text]
    numbers = [p for p in pieces if isinstance(p.info, Reading) and p.info.numeric]
    if len(numbers) == 1 and len(pieces) > 1 and all(_SPECK.fullmatch(p.ch) for p in pieces if p not in numbers):
        r = numbers[0].info  # a number beside a mark or two of a seal or noise: the number, unsure
        return Cell(r.text, confidence=min(r.confidence, 0.5), alternatives=r.alternatives)
    text = "".join(lines(pieces))
    conf = min((r.confidence for r in readings), default=None)
    alts: tuple[str, ...] = ()
    if len(readings) == 1 and readings[0].numeric:
        alts = readings[0].alternatives
    return Cell(text, confidence=conf, alternatives=alts)


def _cells(hs, hs_pt, vs_pt, tol: float, s: float, dpi: float) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (x0, y0, x1, y1) of the table's cells, a cell spanning rows kept whole.

    The bands cut every column at every horizontal rule; where no rule runs under a cell and the
    band below has a cell with the same sides, the two are one printed cell (a label over several
    rows), cut out whole so that none of its lines is sliced in two.
    """
    from .layout import bands

    near = dpi * 0.05
    rows = bands(hs_pt, vs_pt, tol)

    def ruled(y_px: float, x_px: float) -> bool:
        return any(abs(hy - y_px) <= near and x0 - near <= x_px <= x1 + near for hy, x0, x1 in hs)

    seen: set[tuple[int, int]] = set()
    out = []
    for i, (top, bottom, xs) in enumerate(rows):
        if len(xs) < 2:
            continue
        for k in range(len(xs) - 1):
            if (i, k) in seen:
                continue
            xa, xb = xs[k], xs[k + 1]
            j, low = i, bottom
            while j + 1 < len(rows) and not ruled(-low / s, (xa + xb) / 2 / s):
                nxt = rows[j + 1][2]
                m = next((m for m in range(len(nxt) - 1) if abs(nxt[m] - xa) <= tol and abs(nxt[m + 1] - xb) <= tol),
                         None)
                if m is None:
                    break
                j += 1
                seen.add((j, m))
                low = rows[j][1]
            out.append((int(xa / s), int(-top / s), int(xb / s) + 1, int(-low / s) + 1))
    return out


def _glyph_ink(text, page: _Page):
    """Where glyphs are: (ink, solid). ``ink`` is ``text`` except near a seal, where the thin remnants
    of the seal's strokes are taken out (red ink blurred and JPEG-compressed leaves a dark fringe in
    the red channel; it is what an opening by 2×2 px removes): a '0' crossed by one is cropped without
    it. ``solid`` is ``ink`` without specks (pieces smaller than a full stop), to tell a glyph from
    noise; the crops' ends come from ``ink``, so a minus sign or a point beside a number stays in."""
    cv2, np = _modules()
    ink = text
    if page.seal is not None and page.seal.any():
        k = max(3, int(page.dpi * 0.08))
        near = cv2.dilate(page.seal, np.ones((k, k), np.uint8)) > 0
        ink = text.copy()
        ink[near] = cv2.morphologyEx(text, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))[near]
    _, lab, st, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = st[:, cv2.CC_STAT_AREA] < (page.dpi * 0.025) ** 2
    small[0] = True
    return ink, np.where(small[lab], np.uint8(0), np.uint8(255))


def read_page(rgb, dpi: float) -> tuple[list, dict]:
    """Blocks of one page image (RGB or grey array at ``dpi``) and what was done to it."""
    cv2, np = _modules()
    page = _page(rgb, dpi)
    hs, vs, hm, vm = _rules(page)
    # the rules (and their grey fringe) erased, so that no crop reads a rule as a 1 or an l
    rules = cv2.dilate(cv2.bitwise_or(hm, vm), np.ones((3, 3), np.uint8))
    text = cv2.subtract(page.ink, rules)
    gray = page.gray.copy()
    gray[rules > 0] = 255
    page.gray = gray
    ink, solid = _glyph_ink(text, page)
    s = 72.0 / page.dpi
    hs_pt = [(-y * s, x0 * s, x1 * s) for y, x0, x1 in hs]
    vs_pt = [(x * s, -y1 * s, -y0 * s) for x, y0, y1 in vs]
    tol = max(1.5, 4 * s)
    crops, boxes, in_cell = [], [], []
    table_mask = np.zeros_like(text)
    for x0, y0, x1, y1 in _cells(hs, hs_pt, vs_pt, tol, s, page.dpi):
        table_mask[y0:y1, x0:x1] = 255
        inset = max(2, int(page.dpi * 0.012))
        cx0, cx1, cy0, cy1 = x0 + inset, x1 - inset, y0 + inset, y1 - inset
        if cx1 - cx0 < 3 or cy1 - cy0 < 3:
            continue
        sol = solid[cy0:cy1, cx0:cx1]
        if int(sol.sum()) // 255 < page.dpi * 0.12:
            continue  # no ink (or a speck)
        for lx0, ly0, lx1, ly1 in _ink_lines(ink[cy0:cy1, cx0:cx1], sol, page.dpi, np):
            box = (cx0 + lx0, cy0 + ly0, cx0 + lx1, cy0 + ly1)
            crops.append(_crop(page.gray, box, np, (x0 + 1, y0 + 1, x1 - 1, y1 - 1)))
            boxes.append(box)
            in_cell.append((ly1 - ly0) * (lx1 - lx0) >= (page.dpi * 0.06) ** 2)
    cell_crops = len(crops)
    for box in _prose_lines(cv2.subtract(text, table_mask), page.dpi, np):
        crops.append(_crop(page.gray, box, np))
        boxes.append(box)
        in_cell.append(False)
    readings = recognise(crops, [HEIGHT] * cell_crops + [PROSE_HEIGHT] * (len(crops) - cell_crops))
    pieces = []
    for (x0, y0, x1, y1), r, cell_ink in zip(boxes, readings, in_cell, strict=True):
        if r.text or cell_ink:  # ink of a glyph's size in a cell that reads as nothing is kept, as unread
            pieces.append(Piece(r.text, (x0 + x1) / 2 * s, -(y0 + y1) / 2 * s, (y1 - y0) * s, r))
    digit_readings: dict[int, Reading] = {}
    spans: dict[int, tuple[float, float]] = {}

    def make_cell(ps: list[Piece], span: tuple[float, float]) -> Cell:
        cell = _ocr_cell(ps)
        spans[id(cell)] = span
        if len(ps) == 1 and isinstance(ps[0].info, Reading) and ps[0].info.as_digits is not None:
            digit_readings[id(cell)] = ps[0].info.as_digits
        return cell

    blocks = page_blocks(pieces, hs_pt, vs_pt, tol, make_cell=make_cell)
    for b in blocks:
        if isinstance(b, Table):
            _value_columns(b, digit_readings, spans, tol)
    return blocks, {"dpi": page.dpi, "turned": page.turned, "skew": round(page.skew, 2)}


def _numeric(cell: Cell) -> bool:
    t = cell.text.strip().lstrip("+-")
    return cell.confidence is not None and t.isdigit()


def _value_columns(table: Table, digit_readings: dict[int, Reading], spans: dict[int, tuple[float, float]],
                   tol: float) -> None:
    """In a column of numbers, a cell that read as a stray word or mark is read again as digits.

    A column is a pair of sides (the rules left and right of its cells), whatever the width of the
    rows it crosses (a label cut in two by a seal's stroke, a label column spanning rows). Columns are
    judged among the rows holding at least three numbers: one where most of those rows hold a number
    is a value column. In it, below the header, a cell's digits reading replaces a word, unsure (confidence at most 0.5),
    so the rules decide (xxgk.recognition); a cell with no digits reading stays as read, marked as a
    value cell (``in_values``: flagged invalid, not taken for a label)."""
    columns: list[tuple[float, float, list[bool]]] = []  # sides, and per counted row: a number there

    def column(span: tuple[float, float]):
        return next((c for c in columns if abs(c[0] - span[0]) <= tol and abs(c[1] - span[1]) <= tol), None)

    for row in table.rows:
        if sum(_numeric(c) for c in row) < 3:
            continue
        for c in row:
            span = spans.get(id(c))
            if span is None:
                continue
            col = column(span)
            if col is None:
                col = (span[0], span[1], [])
                columns.append(col)
            col[2].append(_numeric(c))
    values = [c for c in columns if len(c[2]) >= 2 and sum(c[2]) >= 0.6 * len(c[2])]
    first = next((i for i, row in enumerate(table.rows) if sum(_numeric(c) for c in row) >= 3), len(table.rows))
    for row in table.rows[first:]:  # the header above the numbers is words in the same columns
        for c in row:
            span = spans.get(id(c))
            if span is None or not any(abs(v[0] - span[0]) <= tol and abs(v[1] - span[1]) <= tol for v in values):
                continue
            if c.confidence is None or _numeric(c) or c.text.strip() in _NA_MARKS:
                continue
            d = digit_readings.get(id(c))
            if d is not None:
                c.text, c.confidence, c.alternatives = d.text, d.confidence, d.alternatives
            else:  # a mark or a word where a number goes: a value cell that could not be read
                c.in_values = True


# --- files ---------------------------------------------------------------------------------------

def _require(source: str) -> None:
    try:
        _modules()
    except OcrUnavailable:
        raise ReportError(source, INSTALL_HINT, "unsupported_format") from None


def _open(data: bytes):
    """A PIL image opened lazily (header only), without PIL's own size guard: the caller checks the
    size before anything is decoded, so that the reason can name it."""
    from PIL import Image

    guard = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        return Image.open(io.BytesIO(data))
    finally:
        Image.MAX_IMAGE_PIXELS = guard


def image_size(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, frames) of an image file from its header, or None when it is not an image."""
    from PIL import UnidentifiedImageError

    try:
        with _open(data) as im:
            return im.size[0], im.size[1], getattr(im, "n_frames", 1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def read_image(data: bytes, source: str) -> Document:
    """Read a PNG, JPEG or TIFF scan (a multi-page TIFF: up to :data:`MAX_PAGES` pages).

    The size is checked from the header before any pixel is decoded.

    Raises:
        ReportError: OCR not installed, an image too large, or an undecodable image.
    """
    _require(source)
    _, np = _modules()
    from PIL import Image, UnidentifiedImageError

    try:
        im = _open(data)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ReportError(source, f"unreadable image ({exc})", "unreadable") from None
    with im:
        w, h = im.size
        if w * h > MAX_PIXELS:
            raise ReportError(source, f"image too large ({w} × {h} px): over {MAX_PIXELS / 1e6:.0f} million "
                                      "pixels", "too_large")
        frames = getattr(im, "n_frames", 1)
        blocks: list = []
        pages = 0
        for f in range(min(frames, MAX_PAGES)):
            try:
                im.seek(f)
                if im.size[0] * im.size[1] > MAX_PIXELS:
                    raise ReportError(source, f"image page {f + 1} too large ({im.size[0]} × {im.size[1]} px)",
                                      "too_large")
                rgb = np.asarray(im.convert("RGB"))
            except (OSError, ValueError, EOFError, Image.DecompressionBombError) as exc:
                raise ReportError(source, f"damaged image: page {f + 1} cannot be decoded ({exc})",
                                  "unreadable") from None
            dpi = _dpi(im, rgb.shape[1], rgb.shape[0])
            page_blocks_, _ = read_page(rgb, dpi)
            blocks += page_blocks_
            pages += 1
    doc = Document(blocks, "image", source)
    doc.ocr_pages = pages
    if frames > MAX_PAGES:
        doc.warnings.append(f"only the first {MAX_PAGES} of {frames} image pages were read")
    return doc


def _dpi(im, w: int, h: int) -> float:
    """The scan's resolution: from the file when it says, else as if the page were A4."""
    d = im.info.get("dpi")
    if d and 50 <= float(d[0]) <= 1200:
        return float(d[0])
    long_side, short_side = max(w, h), min(w, h)
    return max(short_side / 8.27, long_side / 11.69)


def pdf_page_image(page, scale_limit: float):
    """Render an image-only PDF page at the resolution of its images (bounded); returns (rgb, dpi)."""
    import pypdfium2.raw as raw

    _, np = _modules()
    w_pt, h_pt = page.get_size()
    dpi = 150.0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            px_w, _ = obj.get_px_size()
            x0, _, x1, _ = obj.get_bounds()
        except Exception:  # noqa: BLE001 - a damaged image object: keep the default resolution
            continue
        if x1 - x0 > w_pt * 0.5 and px_w > 0:
            dpi = px_w / ((x1 - x0) / 72)
            break
    dpi = min(max(dpi, MIN_DPI), MAX_DPI, scale_limit)
    if w_pt * h_pt * (dpi / 72) ** 2 > MAX_PIXELS:
        dpi = 72 * (MAX_PIXELS / (w_pt * h_pt)) ** 0.5
    bitmap = page.render(scale=dpi / 72)
    rgb = np.asarray(bitmap.to_pil().convert("RGB"))
    return rgb, dpi
