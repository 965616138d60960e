"""Helpers for customer tests: uploads made with Pillow, and a signed-in storefront browser."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from shopwright.stores.models import Store
from tests.factories import PASSWORD, host


def jpeg_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    """A photo as a phone would upload it: EXIF with the camera and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo must carry GPS data"
    return data


def png_over_pixel_limit() -> bytes:
    """A small file that decodes to 48 million pixels (the limit is 40 million)."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def shopper(store: Store, email: str, password: str = PASSWORD, ip: str = "10.1.0.1") -> Client:
    """A browser on the store's host signed in through the sign-in page."""
    browser = Client(HTTP_HOST=host(store))
    response = browser.post("/account/login/", {"email": email, "password": password}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content.decode()
    return browser
