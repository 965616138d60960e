"""What a <picture> element needs to show a product image: WebP and JPEG srcsets, a fallback src, a thumbnail.

The URLs come from `catalog.images` (each image has only the widths its
upload allowed, so every image has its own set).
"""

from __future__ import annotations

from dataclasses import dataclass

from shopwright.catalog.images import image_srcset, image_url
from shopwright.catalog.models import ProductImage

# The fallback <img src> (old browsers, link previews, JSON-LD): a rendition at least this wide, when there is one.
FALLBACK_WIDTH = 960
THUMBNAIL_WIDTH = 160


@dataclass(frozen=True)
class Picture:
    id: int
    src: str
    thumb: str
    webp_srcset: str
    jpeg_srcset: str
    width: int
    height: int
    alt: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "src": self.src,
            "thumb": self.thumb,
            "webp": self.webp_srcset,
            "jpeg": self.jpeg_srcset,
            "width": self.width,
            "height": self.height,
            "alt": self.alt,
        }


def picture_for(image: ProductImage, *, alt_fallback: str) -> Picture | None:
    """The picture of `image`, or None when it has no rendition to show."""
    src = image_url(image, FALLBACK_WIDTH, "jpeg") or image_url(image, FALLBACK_WIDTH, "webp")
    if not src:
        return None
    return Picture(
        id=image.pk,
        src=src,
        thumb=image_url(image, THUMBNAIL_WIDTH, "jpeg") or src,
        webp_srcset=image_srcset(image, "webp"),
        jpeg_srcset=image_srcset(image, "jpeg"),
        width=image.width,
        height=image.height,
        alt=image.alt or alt_fallback,
    )
