"""Product images in the back office: upload (plain form and the page's JavaScript), alt text, order, delete."""

from __future__ import annotations

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from shopwright.catalog.models import ProductImage, Variant
from tests.backoffice.catalog_helpers import cell_errors, form_fields, page_messages, png_bytes
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant():
    return make_merchant()


@pytest.fixture
def browser(merchant):
    return platform_client(merchant.user)


@pytest.fixture
def product(merchant):
    return make_product(merchant.store, title="Lamp", sizes=["S", "M"])


def _png(name: str = "lamp.png", colour: str = "red") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(colour=colour), content_type="image/png")


def _images(product) -> list[ProductImage]:
    return list(ProductImage.objects.filter(store=product.store_id, product=product).order_by("position", "id"))


def _upload(browser, product, *files, json: bool = False):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return browser.post(f"/office/catalog/products/{product.pk}/images/", {"images": list(files)}, **headers)


def _manage(browser, product, **data: str):
    return browser.post(f"/office/catalog/products/{product.pk}/images/manage/", data)


def test_uploading_several_files_without_javascript_keeps_the_images_and_names_the_refused_one(
    browser, product
) -> None:
    text = SimpleUploadedFile("notes.jpg", b"just some text, not a picture", content_type="image/jpeg")
    response = _upload(browser, product, _png("a.png"), text, _png("b.png", "blue"))
    assert response.status_code == 302
    assert response["Location"] == f"/office/catalog/products/{product.pk}/#images"

    images = _images(product)
    assert len(images) == 2
    page = browser.get(response["Location"])
    assert "2 image(s) added." in page_messages(page)
    assert "notes.jpg: Upload a JPEG, PNG, WebP or GIF image." in page_messages(page)
    # The list shows each image's thumbnail, a file that exists.
    html = page.content.decode()
    thumbs = re.findall(r'<img class="thumb-large" src="([^"]+)"', html)
    assert len(thumbs) == 2
    assert default_storage.exists(thumbs[0].removeprefix("/media/"))


def test_the_upload_form_is_a_plain_multiple_file_input(browser, product) -> None:
    html = browser.get(f"/office/catalog/products/{product.pk}/").content.decode()
    form = html.split('id="image-upload"', 1)[0].rsplit("<form", 1)[1] + html.split('id="image-upload"', 1)[1]
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'<input type="file" name="images" id="id_images" multiple', form)


def test_javascript_uploads_get_json_per_file(browser, product) -> None:
    ok = _upload(browser, product, _png(), json=True)
    assert ok.status_code == 200
    body = ok.json()
    assert body["errors"] == []
    assert body["images"][0]["id"] == _images(product)[0].pk
    assert body["images"][0]["thumb"].endswith(".webp")

    refused = _upload(browser, product, SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not an image"), json=True)
    assert refused.status_code == 400
    assert refused.json() == {
        "images": [],
        "errors": [{"file": "cv.pdf", "message": "Upload a JPEG, PNG, WebP or GIF image."}],
    }
    assert len(_images(product)) == 1


def test_a_file_over_5_mb_is_refused_as_too_large(browser, product) -> None:
    big = SimpleUploadedFile("huge.png", png_bytes() + b"\0" * (5 * 1024 * 1024), content_type="image/png")
    response = _upload(browser, product, big, json=True)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The image is larger than 5 MB."
    assert _images(product) == []


def test_posting_no_file_says_so(browser, product) -> None:
    response = _upload(browser, product)
    assert response.status_code == 302
    assert "Choose one or more image files." in page_messages(browser.get(response["Location"]))


def test_alt_text_is_saved_and_a_too_long_one_is_shown_next_to_its_input(browser, product) -> None:
    _upload(browser, product, _png())
    image = _images(product)[0]

    assert _manage(browser, product, save_alt=str(image.pk), **{f"alt-{image.pk}": "A brass lamp"}).status_code == 302
    image.refresh_from_db()
    assert image.alt == "A brass lamp"

    response = _manage(browser, product, save_alt=str(image.pk), **{f"alt-{image.pk}": "x" * 201})
    assert response.status_code == 400
    assert cell_errors(response, f"alt-{image.pk}")
    image.refresh_from_db()
    assert image.alt == "A brass lamp"


def test_images_move_up_and_down_and_can_be_deleted(browser, product, django_capture_on_commit_callbacks) -> None:
    for colour in ("red", "green", "blue"):
        _upload(browser, product, _png(colour=colour))
    first, second, third = (i.pk for i in _images(product))

    assert _manage(browser, product, move=f"{third}:up").status_code == 302
    assert [i.pk for i in _images(product)] == [first, third, second]
    _manage(browser, product, move=f"{first}:down")
    assert [i.pk for i in _images(product)] == [third, first, second]
    _manage(browser, product, move=f"{third}:up")  # already first: nothing moves
    assert [i.pk for i in _images(product)] == [third, first, second]

    # The page's JavaScript sends the whole order after a drag.
    assert _manage(browser, product, order=f"{second},{third},{first}").status_code == 302
    assert [i.pk for i in _images(product)] == [second, third, first]

    files = [name for sizes in _images(product)[0].renditions.values() for name in sizes.values()]
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the delete commits
        response = _manage(browser, product, delete=str(second))
    assert response.status_code == 302
    assert [i.pk for i in _images(product)] == [third, first]
    assert not any(default_storage.exists(name) for name in files)


def test_a_variant_shows_a_chosen_image(browser, product) -> None:
    _upload(browser, product, _png("front.png"), _png("back.png", "blue"))
    back = _images(product)[1]
    url = f"/office/catalog/products/{product.pk}/"
    fields = form_fields(browser.get(url), "product-form")
    assert fields["variants-1-image_id"] == ""
    fields["variants-1-image_id"] = str(back.pk)
    assert browser.post(url, fields).status_code == 302
    assert Variant.objects.get(store=product.store_id, product=product, option1="M").image_id == back.pk
    assert form_fields(browser.get(url), "product-form")["variants-1-image_id"] == str(back.pk)


def test_another_merchant_cannot_touch_the_images(browser, product) -> None:
    _upload(browser, product, _png())
    image = _images(product)[0]
    stranger = platform_client(make_merchant().user)
    assert _upload(stranger, product, _png()).status_code == 404
    assert _manage(stranger, product, delete=str(image.pk)).status_code == 404
    assert _manage(stranger, product, save_alt=str(image.pk), **{f"alt-{image.pk}": "mine"}).status_code == 404
    assert len(_images(product)) == 1

    # Nor can the owner reach another product's image through their own product.
    own = make_product(product.store, title="Other")
    assert _manage(browser, own, delete=str(image.pk)).status_code == 404
    assert len(_images(product)) == 1


def test_the_product_list_shows_the_first_image_as_thumbnail(browser, product) -> None:
    _upload(browser, product, _png("front.png"), _png("back.png", "blue"))
    front = _images(product)[0]
    html = browser.get("/office/catalog/products/").content.decode()
    thumb = re.search(r'<img class="thumb" src="([^"]+)"', html)
    assert thumb is not None
    assert thumb.group(1) == default_storage.url(front.renditions["40"]["webp"])
