"""The catalog back office in Chromium on a 375-px phone screen: the page's JavaScript at work.

Uses the browser fixtures of tests/e2e (live server, Chromium, screenshots
that also check the stylesheet, the Content Security Policy and sideways
scrolling). Without JavaScript the same pages are covered by the other
test_catalog_* files.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e import conftest as e2e
from tests.e2e.conftest import Merchant, Pages, Site

# The browser fixtures of tests/e2e, shared rather than copied.
site = e2e.site
merchant = e2e.merchant
pages = e2e.pages
shot = e2e.shot

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "teal").save(out, format="PNG")
    return out.getvalue()


def _sign_in(page: Page, site: Site, merchant: Merchant) -> None:
    page.goto(site.platform("/login/"))
    page.get_by_label("Email").fill(merchant.email)
    page.get_by_label("Password").fill(merchant.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(merchant.store_name)


def test_a_merchant_builds_a_product_with_options_and_images_on_a_phone(
    pages: Pages, site: Site, merchant: Merchant, shot
) -> None:
    page = pages.open(viewport=PHONE_375)
    _sign_in(page, site, merchant)

    page.goto(site.platform("/office/catalog/products/"))
    expect(page.get_by_text("No products yet.")).to_be_visible()
    shot(page, "empty-list")
    page.get_by_role("link", name="Add product").click()

    page.locator("#id_title").fill("Harbour Mug")
    rows = page.locator("#variant-rows tr.variant-row")
    expect(rows).to_have_count(1)
    rows.first.get_by_label("Price", exact=True).fill("12.50")
    # With JavaScript the rows follow the option values as they are typed; no "Update variants" needed.
    expect(page.get_by_role("button", name="Update variants")).to_have_count(0)
    page.get_by_label("Option 1").fill("Size")
    page.locator("#id_options-0-values").fill("Small, Large")
    page.get_by_label("Option 2").fill("Colour")
    page.locator("#id_options-1-values").fill("Blue, Sand")
    expect(rows.locator('[data-field="title"]')).to_have_text(
        ["Small / Blue", "Small / Sand", "Large / Blue", "Large / Sand"]
    )
    expect(rows.nth(3).get_by_label("Price", exact=True)).to_have_value("12.50")
    rows.nth(2).get_by_label("SKU", exact=True).fill("MUG-L-BLUE")
    # A value taken out and typed back brings its row back with what was typed in it.
    page.locator("#id_options-0-values").fill("Small")
    expect(rows).to_have_count(2)
    page.locator("#id_options-0-values").fill("Small, Large")
    expect(rows.nth(2).get_by_label("SKU", exact=True)).to_have_value("MUG-L-BLUE")
    shot(page, "new-product-filled")

    rows.nth(1).get_by_label("Price", exact=True).fill("-3")
    page.get_by_role("button", name="Save product").click()
    expect(page.locator("#id_variants-1-price_errors")).to_have_text("The price cannot be below zero.")
    shot(page, "error-beside-the-cell")
    page.locator("#variant-rows tr.variant-row").nth(1).get_by_label("Price", exact=True).fill("13.00")
    page.get_by_role("button", name="Save product").click()
    expect(page.get_by_text("“Harbour Mug” is saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Preview on storefront")).to_be_visible()
    shot(page, "saved")

    # Images: chosen files upload at once, one request each, with a message per file.
    page.locator("#id_images").set_input_files(
        [
            {"name": "mug.png", "mimeType": "image/png", "buffer": _png()},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a picture"},
        ]
    )
    expect(page.locator("#upload-status li.is-done")).to_have_text("mug.png: added")
    expect(page.locator("#upload-status li.is-error")).to_have_text("notes.txt: Upload a JPEG, PNG, WebP or GIF image.")
    expect(page.locator("#image-list .image-item")).to_have_count(1)

    page.goto(site.platform("/office/catalog/products/"))
    expect(page.locator("tr.product-row")).to_have_count(1)
    expect(page.locator("tr.product-row .variant-count")).to_contain_text("4")


def test_collection_pages_fit_a_phone(pages: Pages, site: Site, merchant: Merchant, shot) -> None:
    page = pages.open(viewport=PHONE_375)
    _sign_in(page, site, merchant)
    page.goto(site.platform("/office/catalog/collections/new/"))
    # Rules belong to automatic collections: hidden (and not sent) while the kind is manual.
    expect(page.locator("#rules")).to_be_hidden()
    page.get_by_label("Kind").select_option("automatic")
    expect(page.locator("#rules")).to_be_visible()
    page.locator("#id_title").fill("Blue things")
    page.get_by_label("Rule 1: field").select_option("tag")
    page.get_by_label("Rule 1: value").fill("blue")
    shot(page, "new-automatic-collection")
    page.get_by_role("button", name="Save collection").click()
    expect(page.get_by_text("“Blue things” is saved.")).to_be_visible()
    expect(page.get_by_label("Rule 1: value")).to_have_value("blue")
    shot(page, "saved-collection")
    page.goto(site.platform("/office/catalog/collections/"))
    expect(page.locator("tr.collection-row")).to_have_count(1)
    shot(page, "collection-list")
