"""Product image files: the renditions made from an upload, and their URLs.

An upload (already checked by `core.images.image_open_checked`) is turned
upright by its EXIF orientation, then re-encoded at each storefront width as
WebP and as JPEG. Re-encoding from bare pixels drops EXIF, GPS, XMP, ICC and
comments, so nothing the camera recorded reaches the storefront. The aspect
ratio is kept (no crop) and an image is never enlarged: widths above the
upload's are skipped, and an upload narrower than the smallest width gets
one rendition at its own width.

Files are stored as `catalog/<store_id>/<random>-<width>.<ext>`;
`ProductImage.renditions` maps the width as a string to
{"webp": name, "jpeg": name}.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps

from shopwright.catalog.models import ProductImage
from shopwright.core.exceptions import ApplicationError

RENDITION_WIDTHS = (160, 480, 960, 1600)
WEBP_QUALITY = 80
JPEG_QUALITY = 82
# Transparent areas become white in the JPEG files (JPEG has no alpha).
JPEG_BACKGROUND = (255, 255, 255)
# A product picture is at most ten times as long as it is wide. Beyond that it is
# a banner or a strip, and (160 px wide and taller than 16,383) no WebP can hold it.
MAX_ASPECT_RATIO = 10


@dataclass(frozen=True)
class Renditions:
    files: dict[str, dict[str, str]]
    # Of the largest rendition.
    width: int
    height: int

    def names(self) -> list[str]:
        return rendition_names(self.files)


def rendition_names(renditions: object) -> list[str]:
    """Every storage name in a `ProductImage.renditions` value (tolerates malformed JSON)."""
    if not isinstance(renditions, dict):
        return []
    return [
        name
        for formats in renditions.values()
        if isinstance(formats, dict)
        for name in formats.values()
        if isinstance(name, str) and name
    ]


def _upright_pixels(image: Image.Image) -> Image.Image:
    """The first frame, turned by its EXIF orientation, as bare RGB or RGBA pixels with no metadata."""
    image.seek(0)  # an animated GIF or WebP: its first frame
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    # `convert` copies `info` (exif, icc_profile, comments …); start from nothing.
    pixels.info = {}
    return pixels


def image_check_proportions(image: Image.Image, *, field: str) -> None:
    """Raises ApplicationError when the picture is more than MAX_ASPECT_RATIO times as long as it is wide."""
    width, height = image.size
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ApplicationError.for_field(
            field,
            f"The image is too long and thin: make it at most {MAX_ASPECT_RATIO} times as long as it is wide.",
            code="proportions",
        )


def widths_for(original_width: int) -> list[int]:
    widths = [w for w in RENDITION_WIDTHS if w <= original_width]
    return widths or [original_width]


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    else:
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, JPEG_BACKGROUND)
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def renditions_save(image: Image.Image, *, store_id: int) -> Renditions:
    """Make and store every rendition of `image`; return their names and the largest size.

    Writes files (not rows): the caller deletes `names()` if its transaction
    fails. If storing fails midway, the files already written are removed.
    """
    pixels = _upright_pixels(image)
    token = secrets.token_hex(12)
    files: dict[str, dict[str, str]] = {}
    size = pixels.size
    try:
        for width in widths_for(pixels.width):
            height = max(1, round(pixels.height * width / pixels.width))
            resized = pixels if width == pixels.width else pixels.resize((width, height), Image.Resampling.LANCZOS)
            resized.info = {}
            size = resized.size
            entry: dict[str, str] = {}
            for fmt, ext in (("webp", "webp"), ("jpeg", "jpg")):
                name = f"catalog/{store_id}/{token}-{width}.{ext}"
                entry[fmt] = default_storage.save(name, ContentFile(_encode(resized, fmt)))
            files[str(width)] = entry
    except Exception:
        delete_files(rendition_names(files))
        raise
    return Renditions(files=files, width=size[0], height=size[1])


def delete_files(names: Iterable[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def delete_files_on_commit(names: Iterable[str]) -> None:
    """Remove stored files once the current transaction commits (a rollback keeps them)."""
    pending = [n for n in names if n]
    if pending:
        transaction.on_commit(lambda: delete_files(pending))


# --- for templates and API answers ----------------------------------------------------


def _widths(image: ProductImage) -> list[int]:
    return sorted(int(k) for k in (image.renditions or {}) if str(k).isdecimal())


def image_url(image: ProductImage, width: int, fmt: str = "jpeg") -> str:
    """URL of the smallest rendition at least `width` pixels wide (else the largest), in `fmt`.

    `fmt` is "jpeg" (every browser) or "webp". Returns "" when the image has
    no such file. Example: `image_url(image, 480)` for a 480-px product card.
    """
    widths = _widths(image)
    if not widths:
        return ""
    chosen = next((w for w in widths if w >= width), widths[-1])
    entry = image.renditions.get(str(chosen))
    name = entry.get(fmt) if isinstance(entry, dict) else None
    return default_storage.url(name) if isinstance(name, str) and name else ""


def image_srcset(image: ProductImage, fmt: str = "webp") -> str:
    """A `srcset` value listing every rendition in `fmt`: "…-160.webp 160w, …-480.webp 480w".

    Use it in `<picture><source type="image/webp" srcset=…><img srcset=(jpeg) …>`
    with a `sizes` attribute describing the layout.
    """
    parts = []
    for width in _widths(image):
        entry = image.renditions.get(str(width))
        name = entry.get(fmt) if isinstance(entry, dict) else None
        if isinstance(name, str) and name:
            parts.append(f"{default_storage.url(name)} {width}w")
    return ", ".join(parts)
