"""A merchant's catalog journey in Chromium: a product with two options and images, from the back office to the store.

Runs on a desktop screen and on a 375-px phone. The merchant builds the
product as a draft (a visitor gets "not found", the preview link shows it),
uploads one picture through the file input and drops another on the drop
zone, gives each colour its picture, publishes, and follows "View on
storefront" to the store's own host, where the picker changes price, stock
and picture in place.
"""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, Merchant, Pages, Site

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}
VIEWPORTS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE_375, id="phone")]
RED = (200, 30, 30)
BLUE = (30, 60, 200)

# Row by row, as the editor lists the combinations: (title, SKU, price, stock).
VARIANTS = [
    ("S / Red", "LIN-S-RED", "30.00", "8"),
    ("S / Blue", "LIN-S-BLUE", "30.00", "3"),
    ("M / Red", "LIN-M-RED", "32.50", "8"),
    ("M / Blue", "LIN-M-BLUE", "32.50", "0"),
]


def png(colour: tuple[int, int, int]) -> bytes:
    """A one-colour photo-sized PNG, made here so the upload is a real image whose colour the storefront must show."""
    out = io.BytesIO()
    Image.new("RGB", (600, 450), colour).save(out, format="PNG")
    return out.getvalue()


def open_page(pages: Pages, viewport: dict[str, int]) -> Page:
    if viewport["width"] < 400:
        return pages.open(viewport=viewport, is_mobile=True, has_touch=True)
    return pages.open(viewport=viewport)


def sign_in_to_the_office(page: Page, site: Site, merchant: Merchant) -> None:
    page.goto(site.platform("/login/"))
    page.get_by_label("Email").fill(merchant.email)
    page.get_by_label("Password").fill(merchant.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(merchant.store_name)


def drop_file(page: Page, target: str, name: str, mime: str, data: bytes) -> None:
    """Drop a file on `target` the way a file dragged from the desktop arrives: a drop event carrying it."""
    transfer = page.evaluate_handle(
        """([name, mime, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            return transfer;
        }""",
        [name, mime, base64.b64encode(data).decode()],
    )
    page.dispatch_event(target, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(target, "drop", {"dataTransfer": transfer})


def main_picture_colour(page: Page) -> tuple[int, int, int]:
    """The colour of the middle of the product's main picture as the browser shows it (after it has loaded)."""
    image = page.locator("[data-main-image]")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-main-image]'); return i.complete && i.naturalWidth > 0; }"
    )
    rgba = image.evaluate(
        """(img) => {
            const canvas = document.createElement("canvas");
            canvas.width = 1;
            canvas.height = 1;
            const context = canvas.getContext("2d");
            context.drawImage(img, img.naturalWidth / 2, img.naturalHeight / 2, 1, 1, 0, 0, 1, 1);
            return Array.from(context.getImageData(0, 0, 1, 1).data);
        }"""
    )
    return (rgba[0], rgba[1], rgba[2])


def looks(colour: tuple[int, int, int]) -> str:
    red, _, blue = colour
    return "red" if red > blue + 80 else "blue" if blue > red + 80 else f"neither: {colour}"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_merchant_creates_a_product_with_options_and_images_and_sees_it_on_the_storefront(
    merchant: Merchant, pages: Pages, site: Site, shot, viewport: dict[str, int]
) -> None:
    office = open_page(pages, viewport)
    sign_in_to_the_office(office, site, merchant)

    office.get_by_role("link", name="Products", exact=True).click()
    expect(office.get_by_role("heading", name="Products")).to_be_visible()
    expect(office.get_by_text("No products yet.")).to_be_visible()
    office.get_by_role("link", name="Add product").click()
    expect(office.get_by_role("heading", name="New product")).to_be_visible()

    office.get_by_label("Title:", exact=True).fill("Linen Shirt")
    office.get_by_label("Vendor:", exact=True).fill("Harbour Mill")
    office.get_by_label("Description:", exact=True).fill("<p>Washed linen, soft from the first day.</p>")
    office.get_by_label("Option 1").fill("Size")
    office.get_by_label("Values (separated by commas)").first.fill("S, M")
    office.get_by_label("Option 2").fill("Colour")
    office.get_by_label("Values (separated by commas)").nth(1).fill("Red, Blue")
    rows = office.locator("#variant-rows tr.variant-row")
    # One row per combination appears as the values are typed.
    expect(rows.locator('[data-field="title"]')).to_have_text([title for title, *_ in VARIANTS])
    for row, (_, sku, price, stock) in zip(rows.all(), VARIANTS, strict=True):
        row.get_by_label("SKU", exact=True).fill(sku)
        row.get_by_label("Price", exact=True).fill(price)
        row.get_by_label("Stock", exact=True).fill(stock)
    expect(office.get_by_label("Status:", exact=True)).to_have_value("draft")
    shot(office, "new-product-filled")
    office.get_by_role("button", name="Save product").click()

    expect(office.get_by_text("“Linen Shirt” is saved.")).to_be_visible()
    expect(office.get_by_role("heading", name="Linen Shirt", level=1)).to_be_visible()
    preview = office.get_by_role("link", name="Preview on storefront")
    expect(preview).to_have_attribute(
        "href", re.compile("^" + re.escape(site.store(merchant.handle, "/products/linen-shirt/?preview=")) + ".+")
    )
    preview_url = preview.get_attribute("href")
    assert preview_url is not None

    # One picture chosen in the file input, one dropped on the drop zone; each uploads at once.
    office.get_by_label("Add images").set_input_files({"name": "red.png", "mimeType": "image/png", "buffer": png(RED)})
    expect(office.locator("#upload-status li")).to_have_text(["red.png: added"])
    expect(office.locator("#image-list .image-item")).to_have_count(1)
    drop_file(office, "#image-upload", "blue.png", "image/png", png(BLUE))
    expect(office.locator("#upload-status li")).to_have_text(["blue.png: added"])
    expect(office.locator("#image-list .image-item")).to_have_count(2)
    shot(office, "images-uploaded")
    office.get_by_label("Alt text of image 2").fill("Linen shirt in blue")
    office.locator('#image-list .image-item button:text-is("Save alt text")').nth(1).click()
    expect(office.get_by_text("The alt text is saved.")).to_be_visible()

    # A draft is not in the shop: a visitor gets "not found"; the preview link shows it.
    visitor = pages.open(viewport=PHONE_375)
    response = visitor.goto(site.store(merchant.handle, "/products/linen-shirt/"))
    assert response is not None and response.status == 404
    expect(visitor.get_by_role("heading", name="Not found")).to_be_visible()
    expect(visitor.get_by_text("Linen Shirt")).to_have_count(0)
    shot(visitor, "draft-not-found")
    response = visitor.goto(preview_url)
    assert response is not None and response.status == 200
    expect(visitor.get_by_role("status").filter(has_text="Preview — not published.")).to_be_visible()
    expect(visitor.get_by_role("heading", name="Linen Shirt", level=1)).to_be_visible()
    expect(visitor.locator("[data-price]")).to_have_text("$30.00")
    shot(visitor, "draft-preview")

    # Each colour gets its picture, and the product goes live.
    for n, (title, *_) in enumerate(VARIANTS):
        rows.nth(n).get_by_label("Image", exact=True).select_option(label="Image 1" if "Red" in title else "Image 2")
    office.get_by_label("Status:", exact=True).select_option(label="Published")
    office.get_by_role("button", name="Save product").click()
    expect(office.get_by_text("“Linen Shirt” is saved.")).to_be_visible()
    expect(office.get_by_label("Status:", exact=True)).to_have_value("published")
    expect(rows.nth(3).get_by_label("Image", exact=True)).to_have_value(re.compile(r"^\d+$"))
    shot(office, "published")

    with office.expect_popup() as popup:
        office.get_by_role("link", name="View on storefront").click()
    store = popup.value
    store.wait_for_load_state()
    expect(store).to_have_url(site.store(merchant.handle, "/products/linen-shirt/"))
    expect(store.get_by_role("heading", name="Linen Shirt", level=1)).to_be_visible()
    expect(store.get_by_text("Washed linen, soft from the first day.")).to_be_visible()
    expect(store.locator("[data-price]")).to_have_text("$30.00")
    expect(store.locator("[data-stock]")).to_have_text("In stock")
    size = store.get_by_role("group", name="Size")
    colour = store.get_by_role("group", name="Colour")
    expect(size.get_by_role("radio")).to_have_count(2)
    expect(colour.get_by_role("radio")).to_have_count(2)
    expect(size.get_by_role("radio", name="S")).to_be_checked()
    expect(colour.get_by_role("radio", name="Red")).to_be_checked()
    assert looks(main_picture_colour(store)) == "red"
    shot(store, "on-the-storefront")

    # The picker shows each variant's picture, price and stock without a reload.
    url = store.url
    colour.get_by_text("Blue").click()
    expect(store.locator("[data-main-image]")).to_have_attribute("alt", "Linen shirt in blue")
    assert looks(main_picture_colour(store)) == "blue"
    expect(store.locator("[data-stock]")).to_have_text("Only 3 left")
    # M in blue has none: marked sold out before it is picked, and cannot be bought once it is.
    expect(size.locator("label").filter(has_text="M")).to_contain_text("sold out")
    size.get_by_text("M", exact=True).click()
    expect(store.locator("[data-price]")).to_have_text("$32.50")
    expect(store.locator("[data-stock]")).to_have_text("Out of stock")
    expect(store.get_by_role("button", name="Sold out")).to_be_disabled()
    assert store.url == url
    shot(store, "sold-out-variant")

    # Published means public: the visitor who got "not found" now sees it, without the preview banner.
    visitor.goto(site.store(merchant.handle, "/products/linen-shirt/"))
    expect(visitor.get_by_role("heading", name="Linen Shirt", level=1)).to_be_visible()
    expect(visitor.get_by_text("Preview — not published.")).to_have_count(0)
    shot(visitor, "published-for-visitors")
