"""Product images: upload checks, metadata stripping, renditions, order and deletion."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import ExifTags, Image

from shopwright.catalog import services
from shopwright.catalog.images import image_srcset, image_url
from shopwright.catalog.models import ProductImage, Variant
from shopwright.core.exceptions import ApplicationError, NotFound
from tests.catalog.helpers import catalog_counts, simple_input
from tests.catalog_factories import make_product

pytestmark = pytest.mark.django_db


def jpeg_with_gps_rotated(size: tuple[int, int] = (2000, 1000)) -> bytes:
    """A phone photo: camera make, GPS position, and "rotate 90° clockwise to view" orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret note")
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def png_bytes(size: tuple[int, int], colour: tuple[int, ...], mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb's first bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def add(store, actor, product, data: bytes, alt: str = "") -> ProductImage:
    return services.product_image_add(store=store, actor=actor, product=product, upload=io.BytesIO(data), alt=alt)


def open_stored(name: str) -> Image.Image:
    with default_storage.open(name) as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
        return image


@pytest.fixture
def product(store):
    return make_product(store)


def test_photo_is_turned_upright_stripped_and_resized_without_upscaling(store, actor, product):
    image = add(store, actor, product, jpeg_with_gps_rotated(), alt="Front")

    # Upright, the photo is 1000 wide and 2000 high: 1600 would be an enlargement.
    assert sorted(image.renditions, key=int) == ["160", "480", "960"]
    assert (image.width, image.height) == (960, 1920)
    assert image.alt == "Front" and image.position == 0
    for width, files in image.renditions.items():
        assert set(files) == {"webp", "jpeg"}
        for fmt, name in files.items():
            assert re.fullmatch(rf"catalog/{store.pk}/[0-9a-f]+-{width}\.(webp|jpg)", name)
            stored = open_stored(name)
            assert stored.format == {"webp": "WEBP", "jpeg": "JPEG"}[fmt]
            assert stored.size == (int(width), int(width) * 2)
            assert not stored.getexif(), "EXIF (camera, GPS) must be gone"
            assert not {"exif", "icc_profile", "xmp", "comment"} & set(stored.info)
            with default_storage.open(name) as f:
                raw = f.read()
            assert b"PhoneMaker" not in raw and b"secret note" not in raw


def test_large_image_gets_every_width(store, actor, product):
    image = add(store, actor, product, png_bytes((2400, 1200), (10, 20, 30), mode="RGB"))
    assert sorted(image.renditions, key=int) == ["160", "480", "960", "1600"]
    assert (image.width, image.height) == (1600, 800)
    assert open_stored(image.renditions["160"]["jpeg"]).size == (160, 80)


def test_small_image_gets_one_rendition_at_its_own_size(store, actor, product):
    image = add(store, actor, product, png_bytes((100, 80), (0, 0, 0, 0)))
    assert list(image.renditions) == ["100"]
    assert (image.width, image.height) == (100, 80)
    # Transparency: kept in WebP, white in JPEG.
    assert open_stored(image.renditions["100"]["webp"]).convert("RGBA").getpixel((5, 5))[3] == 0
    assert open_stored(image.renditions["100"]["jpeg"]).convert("RGB").getpixel((5, 5)) == (255, 255, 255)


def test_animated_gif_keeps_its_first_frame(store, actor, product):
    frames = [Image.new("RGB", (200, 100), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = add(store, actor, product, out.getvalue())
    red, _green, blue = open_stored(image.renditions["160"]["jpeg"]).convert("RGB").getpixel((80, 40))
    assert red > 200 and blue < 60


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is only text, named photo.jpg", "Upload a JPEG, PNG, WebP or GIF image."),
        (png_claiming(8000, 6000), "The image has too many pixels."),
        # Pillow itself stops a header this large, before our pixel check; the message is the same.
        (png_claiming(100_000, 100_000), "The image has too many pixels."),
        (b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), "The image is larger than 5 MB."),
        (b"%PDF-1.4\n%", "Upload a JPEG, PNG, WebP or GIF image."),
    ],
    ids=["text-named-jpg", "png-bomb-header", "png-giant-header", "over-5-mb", "pdf"],
)
def test_bad_uploads_are_refused_and_write_nothing(store, actor, product, data, message):
    before = catalog_counts(store)
    with pytest.raises(ApplicationError) as info:
        add(store, actor, product, data)
    assert info.value.fields == {"images": [message]}
    assert catalog_counts(store) == before
    assert stored_files() == []


def test_bmp_is_refused_though_pillow_reads_it(store, actor, product):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    with pytest.raises(ApplicationError):
        add(store, actor, product, out.getvalue())


def test_alt_text_is_checked_before_any_file_is_written(store, actor, product):
    with pytest.raises(ApplicationError) as info:
        add(store, actor, product, png_bytes((50, 50), (1, 2, 3, 255)), alt="a" * 201)
    assert list(info.value.fields) == ["alt"]
    assert stored_files() == []


def test_at_most_twenty_images(store, actor, product):
    for i in range(20):
        ProductImage.objects.create(store=store, product=product, position=i)
    with pytest.raises(ApplicationError) as info:
        add(store, actor, product, png_bytes((50, 50), (1, 2, 3, 255)))
    assert info.value.fields == {"images": ["A product has at most 20 images."]}
    assert stored_files() == []


def test_files_are_removed_when_the_row_cannot_be_written(store, actor, product, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        add(store, actor, product, png_bytes((300, 300), (1, 2, 3, 255)))
    assert stored_files() == []
    assert ProductImage.objects.filter(store=store).count() == 0


def test_images_are_appended_and_reordered(store, actor, product, other_store):
    first, second, third = (add(store, actor, product, png_bytes((40, 40), (i, 0, 0, 255))) for i in range(3))
    assert [first.position, second.position, third.position] == [0, 1, 2]

    services.product_images_reorder(
        store=store, actor=actor, product=product, image_ids=[third.pk, first.pk, second.pk]
    )
    order = list(ProductImage.objects.filter(store=store, product=product).values_list("pk", flat=True))
    assert order == [third.pk, first.pk, second.pk]

    foreign = ProductImage.objects.create(store=other_store, product=make_product(other_store))
    sibling = ProductImage.objects.create(store=store, product=make_product(store))
    for ids in (
        [first.pk, second.pk],
        [first.pk, second.pk, third.pk, third.pk],
        [first.pk, second.pk, foreign.pk],
        [first.pk, second.pk, third.pk, sibling.pk],
        [first.pk, second.pk, str(third.pk)],
    ):
        with pytest.raises(ApplicationError) as info:
            services.product_images_reorder(store=store, actor=actor, product=product, image_ids=ids)
        assert list(info.value.fields) == ["images"]
    assert list(ProductImage.objects.filter(store=store, product=product).values_list("pk", flat=True)) == order


def test_alt_update(store, actor, product):
    image = add(store, actor, product, png_bytes((40, 40), (1, 2, 3, 255)))
    services.product_image_update(store=store, actor=actor, image=image, alt="  Side   view ")
    image.refresh_from_db()
    assert image.alt == "Side view"
    with pytest.raises(ApplicationError):
        services.product_image_update(store=store, actor=actor, image=image, alt="x" * 201)


def test_delete_image_clears_variants_and_removes_files_after_commit(store, actor, django_capture_on_commit_callbacks):
    product = services.product_create(store=store, actor=actor, data=simple_input())
    image = add(store, actor, product, png_bytes((600, 300), (1, 2, 3, 255)))
    services.product_update(store=store, actor=actor, product=product, data=simple_input(image_id=image.pk))
    assert len(stored_files()) == 4

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.product_image_delete(store=store, actor=actor, image=image)
        assert len(stored_files()) == 4  # not before commit
    for callback in callbacks:
        callback()
    assert stored_files() == []
    assert Variant.objects.get(store=store, product=product).image_id is None
    assert not ProductImage.objects.filter(store=store, pk=image.pk).exists()


def test_another_stores_image_or_product_is_refused(store, actor, other_store):
    theirs = make_product(other_store)
    their_image = ProductImage.objects.create(store=other_store, product=theirs)
    with pytest.raises(NotFound):
        add(store, actor, theirs, png_bytes((40, 40), (1, 2, 3, 255)))
    with pytest.raises(NotFound):
        services.product_image_delete(store=store, actor=actor, image=their_image)
    with pytest.raises(NotFound):
        services.product_image_update(store=store, actor=actor, image=their_image, alt="mine")
    assert ProductImage.objects.filter(store=other_store, pk=their_image.pk).exists()


def test_product_delete_removes_everything(store, actor, django_capture_on_commit_callbacks):
    product = services.product_create(store=store, actor=actor, data=simple_input())
    add(store, actor, product, png_bytes((600, 300), (1, 2, 3, 255)))
    keep = make_product(store)
    with django_capture_on_commit_callbacks(execute=True):
        services.product_delete(store=store, actor=actor, product=product)
    assert stored_files() == []
    counts = catalog_counts(store)
    assert (counts["products"], counts["variants"], counts["images"]) == (1, 1, 0)
    assert Variant.objects.filter(store=store, product=keep).exists()


def test_image_url_and_srcset(store, actor, product):
    image = add(store, actor, product, png_bytes((1000, 500), (1, 2, 3, 255), mode="RGB"))
    assert image_url(image, 400).endswith("-480.jpg")
    assert image_url(image, 480, "webp").endswith("-480.webp")
    assert image_url(image, 5000).endswith("-960.jpg")
    srcset = image_srcset(image)
    assert re.fullmatch(r"\S+-160\.webp 160w, \S+-480\.webp 480w, \S+-960\.webp 960w", srcset)
    assert image_url(ProductImage(store=store, renditions={}), 480) == ""


@pytest.mark.parametrize("size", [(160, 20_000), (1, 70_000), (20_000, 160)])
def test_a_long_thin_strip_is_refused_with_a_message_not_a_server_error(store, actor, product, size):
    # Within the byte and pixel limits, but no WebP rendition could hold it (16,383 px at most).
    before = catalog_counts(store)
    with pytest.raises(ApplicationError) as info:
        add(store, actor, product, png_bytes(size, (10, 20, 30), mode="RGB"))
    assert info.value.fields == {
        "images": ["The image is too long and thin: make it at most 10 times as long as it is wide."]
    }
    assert catalog_counts(store) == before
    assert stored_files() == []


def test_a_tall_picture_within_the_proportions_is_kept(store, actor, product):
    image = add(store, actor, product, png_bytes((300, 3000), (10, 20, 30), mode="RGB"))
    assert (image.width, image.height) == (160, 1600)
