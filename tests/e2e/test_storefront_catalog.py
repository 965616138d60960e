"""A visitor browses a store on a phone: home, a collection, a product whose variant picker needs no reload."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from shopwright.catalog.inputs import VariantInput
from shopwright.catalog.models import Variant
from tests.e2e.conftest import Merchant, Pages, Site
from tests.storefront.catalog_helpers import add_image, make_collection, make_product_with_variants, product_change

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


@dataclass
class Catalog:
    blue_image_url_part: str


def _chip(page: Page, value: str):  # type: ignore[no-untyped-def]
    """The picker button of one option value."""
    return page.locator(f"label.chip:has(input[value='{value}'])")


@pytest.fixture
def catalog(merchant: Merchant) -> Catalog:
    """A linen shirt in S/M and Red/Blue (M/Red sold out, S/Blue nearly), its Blue variants with their own image."""
    store = merchant.store
    shirt = make_product_with_variants(
        store,
        title="Linen shirt",
        handle="linen-shirt",
        options=[("Size", ["S", "M"]), ("Colour", ["Red", "Blue"])],
        variants=[
            {
                "option_values": ["S", "Red"],
                "sku": "S-R",
                "price": "39.00",
                "compare_at_price": "49.00",
                "stock_quantity": 9,
            },
            {"option_values": ["S", "Blue"], "sku": "S-B", "price": "39.00", "stock_quantity": 2},
            {"option_values": ["M", "Red"], "sku": "M-R", "price": "42.00", "stock_quantity": 0},
            {"option_values": ["M", "Blue"], "sku": "M-B", "price": "42.00", "stock_quantity": 7},
        ],
    )
    add_image(store, shirt, colour=(190, 40, 40), alt="Red shirt", size=(800, 800))
    blue = add_image(store, shirt, colour=(40, 60, 190), alt="Blue shirt", size=(800, 800))
    variants = Variant.objects.filter(store=store, product=shirt).order_by("position")
    inputs = [
        VariantInput(
            option_values=v.option_values,
            sku=v.sku,
            price=v.price,
            compare_at_price=v.compare_at_price,
            stock_quantity=v.stock_quantity,
            image_id=blue.pk if v.option2 == "Blue" else None,
        )
        for v in variants
    ]
    product_change(store, shirt, variants=inputs)
    make_collection(store, "Summer", handle="summer", products=[shirt], is_featured=True)
    name = blue.renditions[min(blue.renditions, key=int)]["jpeg"]
    return Catalog(blue_image_url_part=name.rsplit("/", 1)[1].split("-")[0])


def test_a_visitor_picks_variants_on_a_phone(
    catalog: Catalog, merchant: Merchant, site: Site, pages: Pages, shot
) -> None:
    page: Page = pages.open(viewport=PHONE_375)
    page.goto(site.store(merchant.handle))
    expect(page.get_by_role("heading", name="Summer")).to_be_visible()
    shot(page, "home")

    page.get_by_role("link", name="View all").click()
    expect(page.get_by_role("heading", name="Summer", level=1)).to_be_visible()
    shot(page, "collection")

    page.get_by_role("link", name="Linen shirt").first.click()
    expect(page.get_by_role("heading", name="Linen shirt", level=1)).to_be_visible()
    price, stock = page.locator("[data-price]"), page.locator("[data-stock]")
    button = page.get_by_role("button", name="Add to cart")
    variant_id = page.locator("input[type=hidden][name=variant_id]")
    # With JavaScript the option pickers replace the one select of every variant.
    expect(page.get_by_role("group", name="Size")).to_be_visible()
    expect(page.get_by_label("Choose an option")).to_be_hidden()
    expect(price).to_have_text("$39.00")
    expect(page.locator("[data-compare-at]")).to_contain_text("$49.00")
    expect(stock).to_have_text("In stock")
    first_id = variant_id.input_value()
    shot(page, "product")
    page.evaluate("() => { window.stillTheSamePage = true; }")

    _chip(page, "Blue").click()
    expect(stock).to_have_text("Only 2 left")
    expect(page.locator("[data-compare-at]")).to_be_hidden()
    expect(page.locator("[data-main-image]")).to_have_attribute(
        "src", re.compile(re.escape(catalog.blue_image_url_part))
    )
    assert variant_id.input_value() != first_id

    _chip(page, "M").click()
    expect(price).to_have_text("$42.00")
    expect(stock).to_have_text("In stock")
    # M with Red would be sold out: the Red chip says so before it is picked.
    expect(_chip(page, "Red")).to_have_class("chip is-sold-out")

    _chip(page, "Red").click()
    expect(stock).to_have_text("Out of stock")
    expect(page.locator("[data-main-image]")).to_have_attribute("alt", "Red shirt")  # the product's first image
    sold_out = page.get_by_role("button", name="Sold out")
    expect(sold_out).to_be_disabled()
    shot(page, "product-sold-out-variant")
    assert page.evaluate("() => window.stillTheSamePage === true"), "picking variants must not reload the page"
    _chip(page, "S").click()
    expect(button).to_be_enabled()
