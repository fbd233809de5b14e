"""Scans with known answers: a PDF's pages rendered to images and degraded the way scanning does.

Test material for the OCR reader (tests and ``bench/ocr_eval.py``): the source is a PDF whose cells
are known (a real report with gold values, or :func:`xxgk.synth.render_pdf`), the output an
image-only PDF (or one page image) with the same content, at a chosen resolution and with any of:

* ``blur``: a Gaussian blur (out-of-focus scanner or photocopy);
* ``jpeg``: JPEG compression at quality 40–70;
* ``rotate``: a skew of up to ±2° (``turn90``: the page turned by 90°);
* ``noise``: grain and specks;
* ``grey``: a grey, uneven paper;
* ``stamp``: a red seal (公章) printed over part of the page's table.

Everything is seeded, so a scan is reproducible from ``(source, dpi, degradations, seed)``.
"""

from __future__ import annotations

import io
import math
import random

DEGRADATIONS = ("blur", "jpeg", "rotate", "noise", "grey", "stamp")
PROFILES = {
    "clean": (),
    "degraded": DEGRADATIONS,  # all at once: the hard case
}


def page_images(pdf: bytes, dpi: float, pages: list[int] | None = None) -> list:
    """The pages of a PDF rendered at ``dpi`` as RGB PIL images."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        idx = range(len(doc)) if pages is None else pages
        return [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in idx]
    finally:
        doc.close()


def _stamp(img, rng: random.Random, dpi: float):
    """A red seal: a ring, a star and a line of marks, multiplied over the page (ink, not paint)."""
    from PIL import Image, ImageChops, ImageDraw

    w, h = img.size
    r = int(dpi * rng.uniform(0.7, 0.85))
    layer = Image.new("RGB", (2 * r + 4, 2 * r + 4), "white")
    d = ImageDraw.Draw(layer)
    red = (rng.randint(200, 235), rng.randint(30, 70), rng.randint(30, 70))
    ring = max(2, int(dpi * 0.04))
    d.ellipse((2, 2, 2 * r + 2, 2 * r + 2), outline=red, width=ring)
    d.ellipse((2 + ring * 2, 2 + ring * 2, 2 * r + 2 - ring * 2, 2 * r + 2 - ring * 2), outline=red,
              width=max(1, ring // 3))
    cx = cy = r + 2
    star = []
    for k in range(10):
        rad = r * (0.28 if k % 2 == 0 else 0.11)
        a = -math.pi / 2 + k * math.pi / 5
        star.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    d.polygon(star, fill=red)
    for k in range(8):  # the agency's name around the ring, as strokes
        a = math.pi * (0.85 + 1.3 * k / 7)
        x, y = cx + 0.68 * r * math.cos(a), cy + 0.68 * r * math.sin(a)
        s = r * 0.09
        d.rectangle((x - s, y - s, x + s, y + s), outline=red, width=max(1, ring // 2))
    layer = layer.rotate(rng.uniform(0, 360), fillcolor="white")
    # over the middle of the page, where the tables are
    x0 = int(rng.uniform(0.3, 0.7) * w) - r
    y0 = int(rng.uniform(0.3, 0.7) * h) - r
    region = img.crop((x0, y0, x0 + layer.width, y0 + layer.height))
    img.paste(ImageChops.multiply(region, layer), (x0, y0))
    return img


def degrade(img, dpi: float, degradations, rng: random.Random):
    """One page image with the named degradations applied (in a scanner's order)."""
    import numpy as np
    from PIL import Image, ImageFilter

    img = img.copy()
    if "stamp" in degradations:
        img = _stamp(img, rng, dpi)
    if "grey" in degradations:
        a = np.asarray(img).astype(np.float32)
        h, w = a.shape[:2]
        shade = rng.uniform(0.78, 0.88) + 0.08 * np.linspace(0, 1, w)[None, :] * rng.choice((-1, 1))
        a = a * np.clip(shade, 0.6, 1.0)[:, :, None]
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if "rotate" in degradations:
        angle = rng.uniform(1.0, 2.0) * rng.choice((-1, 1))
        img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=img.getpixel((2, 2)))
    if "turn90" in degradations:
        img = img.transpose(Image.ROTATE_90 if rng.random() < 0.5 else Image.ROTATE_270)
    if "blur" in degradations:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.8) * dpi / 150))
    if "noise" in degradations:
        nrng = np.random.default_rng(rng.randrange(2**32))
        a = np.asarray(img).astype(np.float32)
        a += nrng.normal(0, 10, a.shape[:2])[:, :, None]
        specks = nrng.random(a.shape[:2]) < 0.0015
        a[specks] = nrng.choice([20.0, 235.0], size=int(specks.sum()))[:, None]
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if "jpeg" in degradations:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(40, 70))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return img


def image_pdf(images, dpi: float) -> bytes:
    """Images as an image-only PDF (JPEG-compressed pages, no text layer)."""
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=list(images[1:]), resolution=dpi, quality=85)
    return buf.getvalue()


def scan(pdf: bytes, dpi: float = 150, degradations=(), seed: int = 0, pages: list[int] | None = None) -> bytes:
    """A PDF turned into a scanned, image-only PDF at ``dpi`` with the given degradations."""
    rng = random.Random(seed)
    images = [degrade(im, dpi, degradations, rng) for im in page_images(pdf, dpi, pages)]
    return image_pdf(images, dpi)
