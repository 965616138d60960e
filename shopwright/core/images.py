"""Checking and re-encoding uploaded images.

An upload is recognised by its content (Pillow's decoder), never its name;
files over the size or pixel limits are refused before decoding, which
stops decompression bombs; re-encoding drops EXIF, GPS and every other
metadata block.
"""

from __future__ import annotations

import io
import secrets
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from shopwright.core.exceptions import ApplicationError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000


def image_open_checked(upload: IO[bytes], *, field: str) -> Image.Image:
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApplicationError.for_field(field, "The image is larger than 5 MB.", code="too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ApplicationError.for_field(field, "Upload a JPEG, PNG, WebP or GIF image.", code="format")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ApplicationError.for_field(field, "The image has too many pixels.", code="too_large")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except Image.DecompressionBombError as exc:
        # Pillow refuses headers claiming more than twice its own limit before we can measure them.
        raise ApplicationError.for_field(field, "The image has too many pixels.", code="too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ApplicationError.for_field(field, "Upload a JPEG, PNG, WebP or GIF image.", code="format") from exc
    return image


def image_save_square(image: Image.Image, *, folder: str, size: int) -> str:
    """Crop to a centred square, resize, save as WebP without metadata; return the storage name."""
    image = ImageOps.exif_transpose(image)
    image = ImageOps.fit(image.convert("RGB"), (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=82, method=4)
    name = f"{folder}/{secrets.token_hex(16)}.webp"
    return default_storage.save(name, ContentFile(out.getvalue()))
