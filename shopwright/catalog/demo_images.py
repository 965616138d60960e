"""Product pictures for the demo store, drawn with Pillow on the spot.

Nothing is downloaded or copied: each picture is a soft gradient backdrop
with a simple silhouette of the product's kind (a tee, a mug, a candle, ...)
in the product's colour, optionally patterned. The silhouette is drawn at
twice the size and scaled down, which gives smooth edges without an
anti-aliasing library. Drawing is deterministic: the same arguments give
the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]

# Named colours the demo products come in.
COLOURS: dict[str, RGB] = {
    "Navy": (38, 56, 94),
    "Sand": (214, 192, 154),
    "Forest": (48, 94, 68),
    "Rust": (172, 84, 52),
    "Charcoal": (62, 63, 68),
    "Cream": (240, 232, 212),
    "Sky": (124, 172, 212),
    "Rose": (212, 142, 152),
    "Mustard": (212, 166, 54),
    "Sage": (152, 172, 132),
    "White": (246, 246, 242),
    "Black": (34, 34, 38),
    "Terracotta": (192, 104, 72),
    "Plum": (112, 62, 92),
    "Ocean": (42, 112, 142),
    "Oat": (222, 208, 182),
}

Shape = Callable[[ImageDraw.ImageDraw, int], None]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _luma(c: RGB) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


@lru_cache(maxsize=32)
def _backdrop(size: int, colour: RGB) -> Image.Image:
    """A vertical gradient between two pale tints, chosen to contrast with the product colour.

    Cached: callers paste onto a copy.
    """
    paper: RGB = (250, 248, 244)
    if _luma(colour) > 200:  # a pale product needs a slightly darker wall to stand out
        top, bottom = _mix(colour, (120, 120, 126), 0.25), _mix(colour, (90, 90, 96), 0.35)
    else:
        top, bottom = _mix(paper, colour, 0.10), _mix(paper, colour, 0.28)
    column = Image.new("RGB", (1, 256))
    column.putdata([_mix(top, bottom, i / 255) for i in range(256)])
    return column.resize((size, size), Image.Resampling.BILINEAR)


def _pt(points: list[tuple[float, float]], s: int) -> list[tuple[float, float]]:
    return [(x * s, y * s) for x, y in points]


def _box(x0: float, y0: float, x1: float, y1: float, s: int) -> tuple[float, float, float, float]:
    return (x0 * s, y0 * s, x1 * s, y1 * s)


# --- silhouettes, in a 0..1 square (drawn as white on a black mask) ---------


def _tee(d: ImageDraw.ImageDraw, s: int) -> None:
    d.polygon(
        _pt(
            [
                *[(0.36, 0.2), (0.44, 0.24), (0.56, 0.24), (0.64, 0.2), (0.84, 0.3), (0.77, 0.44), (0.69, 0.4)],
                *[(0.69, 0.82), (0.31, 0.82), (0.31, 0.4), (0.23, 0.44), (0.16, 0.3)],
            ],
            s,
        ),
        fill=255,
    )
    d.ellipse(_box(0.44, 0.18, 0.56, 0.28, s), fill=0)


def _hoodie(d: ImageDraw.ImageDraw, s: int) -> None:
    d.polygon(
        _pt(
            [
                *[(0.36, 0.24), (0.64, 0.24), (0.82, 0.34), (0.88, 0.76), (0.78, 0.78), (0.71, 0.46)],
                *[(0.7, 0.84), (0.3, 0.84), (0.29, 0.46), (0.22, 0.78), (0.12, 0.76), (0.18, 0.34)],
            ],
            s,
        ),
        fill=255,
    )
    d.ellipse(_box(0.38, 0.12, 0.62, 0.34, s), fill=255)
    d.rounded_rectangle(_box(0.38, 0.6, 0.62, 0.72, s), radius=0.02 * s, outline=0, width=max(2, s // 160))


def _mug(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse(_box(0.6, 0.38, 0.8, 0.64, s), fill=255)
    d.ellipse(_box(0.64, 0.43, 0.75, 0.59, s), fill=0)
    d.rounded_rectangle(_box(0.26, 0.3, 0.68, 0.78, s), radius=0.05 * s, fill=255)


def _candle(d: ImageDraw.ImageDraw, s: int) -> None:
    d.rounded_rectangle(_box(0.3, 0.38, 0.7, 0.8, s), radius=0.06 * s, fill=255)
    d.rectangle(_box(0.33, 0.44, 0.67, 0.47, s), fill=0)


def _tote(d: ImageDraw.ImageDraw, s: int) -> None:
    d.arc(_box(0.36, 0.16, 0.64, 0.5, s), start=180, end=360, fill=255, width=max(3, s // 40))
    d.polygon(_pt([(0.26, 0.36), (0.74, 0.36), (0.78, 0.84), (0.22, 0.84)], s), fill=255)


def _socks(d: ImageDraw.ImageDraw, s: int) -> None:
    for dx in (0.0, 0.16):
        d.polygon(
            _pt([(0.28 + dx, 0.16), (0.42 + dx, 0.16), (0.44 + dx, 0.6), (0.58 + dx, 0.7)], s)
            + _pt([(0.56 + dx, 0.84), (0.3 + dx, 0.74), (0.29 + dx, 0.6)], s),
            fill=255,
        )
        d.rectangle(_box(0.28 + dx, 0.16, 0.42 + dx, 0.2, s), fill=0)


def _cap(d: ImageDraw.ImageDraw, s: int) -> None:
    d.pieslice(_box(0.24, 0.3, 0.72, 0.78, s), start=180, end=360, fill=255)
    d.ellipse(_box(0.54, 0.5, 0.88, 0.6, s), fill=255)
    d.ellipse(_box(0.46, 0.3, 0.5, 0.34, s), fill=0)


def _notebook(d: ImageDraw.ImageDraw, s: int) -> None:
    d.rounded_rectangle(_box(0.28, 0.16, 0.72, 0.84, s), radius=0.03 * s, fill=255)
    d.rectangle(_box(0.3, 0.16, 0.33, 0.84, s), fill=0)
    d.rectangle(_box(0.62, 0.16, 0.64, 0.84, s), fill=0)


def _pot(d: ImageDraw.ImageDraw, s: int) -> None:
    d.polygon(_pt([(0.3, 0.5), (0.7, 0.5), (0.64, 0.84), (0.36, 0.84)], s), fill=255)
    d.rounded_rectangle(_box(0.27, 0.44, 0.73, 0.52, s), radius=0.015 * s, fill=255)


def _throw(d: ImageDraw.ImageDraw, s: int) -> None:
    d.rounded_rectangle(_box(0.2, 0.3, 0.8, 0.78, s), radius=0.04 * s, fill=255)
    for i in range(13):  # the fringe
        x = 0.23 + i * 0.045
        d.rectangle(_box(x, 0.78, x + 0.015, 0.84, s), fill=255)
    d.line(_pt([(0.2, 0.46), (0.8, 0.46)], s), fill=0, width=max(2, s // 200))
    d.line(_pt([(0.2, 0.62), (0.8, 0.62)], s), fill=0, width=max(2, s // 200))


SHAPES: dict[str, Shape] = {
    "tee": _tee,
    "hoodie": _hoodie,
    "mug": _mug,
    "candle": _candle,
    "tote": _tote,
    "socks": _socks,
    "cap": _cap,
    "notebook": _notebook,
    "pot": _pot,
    "throw": _throw,
}


def _extras(kind: str, d: ImageDraw.ImageDraw, s: int, colour: RGB) -> None:
    """Parts drawn over the silhouette: the inside of a hood, and a flame and leaves in their own colours."""
    if kind == "hoodie":
        d.ellipse(_box(0.44, 0.18, 0.56, 0.3, s), fill=_mix(colour, (0, 0, 0), 0.45))
    elif kind == "candle":
        d.ellipse(_box(0.47, 0.24, 0.53, 0.36, s), fill=(246, 178, 60))
        d.ellipse(_box(0.485, 0.29, 0.515, 0.35, s), fill=(255, 236, 170))
        d.line(_pt([(0.5, 0.35), (0.5, 0.39)], s), fill=(60, 50, 40), width=max(2, s // 250))
    elif kind == "pot":
        leaf = (84, 140, 74)
        d.ellipse(_box(0.4, 0.24, 0.5, 0.46, s), fill=leaf)
        d.ellipse(_box(0.5, 0.2, 0.6, 0.46, s), fill=_mix(leaf, (0, 0, 0), 0.2))
        d.ellipse(_box(0.33, 0.34, 0.45, 0.46, s), fill=_mix(leaf, (255, 255, 255), 0.15))


# --- patterns, drawn over the product colour inside the silhouette ------------


def _pattern(pattern: str, size: int, colour: RGB) -> Image.Image:
    base = Image.new("RGB", (size, size), colour)
    ink = _mix(colour, (255, 255, 255) if _luma(colour) < 140 else (0, 0, 0), 0.35)
    d = ImageDraw.Draw(base)
    step = size // 14
    if pattern == "stripes":
        for y in range(0, size, step):
            d.rectangle((0, y, size, y + step // 3), fill=ink)
    elif pattern == "dots":
        r = step // 6
        for row, y in enumerate(range(step // 2, size, step // 2 * 2)):
            offset = step // 2 if row % 2 else 0
            for x in range(offset, size, step):
                d.ellipse((x - r, y - r, x + r, y + r), fill=ink)
    elif pattern == "check":
        for i in range(0, size, step):
            d.rectangle((i, 0, i + step // 4, size), fill=ink)
            d.rectangle((0, i, size, i + step // 4), fill=ink)
    elif pattern == "twill":
        r = max(1, step // 10)
        for i in range(900):
            # Multiplicative steps that line up into short diagonal dashes, like a woven twill.
            x, y = (i * 7919) % size, (i * 104729 // 7) % size
            d.ellipse((x - r, y - r, x + r, y + r), fill=ink)
    return base


@lru_cache(maxsize=4)
def _shade(size: int) -> Image.Image:
    """A soft light-from-the-top-left shading, multiplied over the product."""
    column = Image.new("L", (2, 2))
    column.putdata([255, 236, 226, 200])
    return column.resize((size, size), Image.Resampling.BILINEAR).convert("RGB")


def product_picture(*, kind: str, colour: str, pattern: str = "plain", size: int = 1000) -> bytes:
    """A PNG of a `kind` silhouette (a key of SHAPES) in `colour` (a key of COLOURS)."""
    rgb = COLOURS[colour]
    image = _backdrop(size, rgb).copy()
    big = size * 2
    mask = Image.new("L", (big, big), 0)
    SHAPES[kind](ImageDraw.Draw(mask), big)
    mask = mask.reduce(2)
    # A soft shadow on the floor under the silhouette, blurred at a quarter of
    # the size (a blur's cost grows with its radius and the area).
    left, _top, right, bottom = mask.getbbox() or (0, 0, size, size)
    small = size // 4
    shadow = Image.new("L", (small, small), 0)
    spread = (right - left) * 0.08
    ImageDraw.Draw(shadow).ellipse(
        ((left + spread) / 4, (bottom - size * 0.015) / 4, (right - spread) / 4, (bottom + size * 0.03) / 4), fill=110
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(size / 280)).resize((size, size), Image.Resampling.BILINEAR)
    image.paste((40, 36, 30), mask=shadow)
    body = ImageChops.multiply(_pattern(pattern, size, rgb), _shade(size))
    image.paste(body, mask=mask)
    _extras(kind, ImageDraw.Draw(image), size, rgb)
    out = io.BytesIO()
    # Stored, not compressed: the services decode it once, and zlib would cost more than it saves.
    image.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def detail_picture(*, colour: str, pattern: str = "plain", size: int = 1000) -> bytes:
    """A PNG close-up of the material: a rounded swatch of the colour and pattern."""
    rgb = COLOURS[colour]
    image = _backdrop(size, rgb).copy()
    big = size * 2
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(_box(0.14, 0.14, 0.86, 0.86, big), radius=big // 14, fill=255)
    mask = mask.reduce(2)
    scaled = _pattern(pattern, size // 2, rgb).resize((size, size), Image.Resampling.NEAREST)
    image.paste(ImageChops.multiply(scaled, _shade(size)), mask=mask)
    out = io.BytesIO()
    # Stored, not compressed: the services decode it once, and zlib would cost more than it saves.
    image.save(out, format="PNG", compress_level=0)
    return out.getvalue()
