"""A visitor's journey through a store in Chromium: search, the variant picker, cart and favourites, then signing in.

Runs on a desktop screen and on a 375-px phone. The shop is written through
the catalog and cart services before the browser starts (see
tests/e2e/conftest.py): a linen shirt in two sizes and two colours with a
picture per colour (one combination sold out), linen trousers, a wool scarf,
and a returning customer whose cart already holds the scarf, so signing in
visibly merges two carts.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from shopwright.cart.services import Shopper, cart_line_add
from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import Product, ProductImage, Variant
from shopwright.catalog.services import product_create, product_image_add, product_update
from shopwright.core.audit import Actor
from shopwright.stores.models import Store
from tests.catalog_factories import make_product
from tests.e2e.conftest import DESKTOP, Customer, Merchant, Pages, Site
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}
VIEWPORTS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE_375, id="phone")]
SAND = (214, 190, 140)
NAVY = (25, 35, 95)

# The shirt's variants: (size, colour, price, stock). M in navy is sold out.
SHIRT = [
    ("S", "Sand", "39.00", 10),
    ("S", "Navy", "39.00", 2),
    ("M", "Sand", "42.00", 10),
    ("M", "Navy", "42.00", 0),
]


@dataclass
class Shop:
    returning: Customer  # has a wool scarf in the cart already


def _png(colour: tuple[int, int, int]) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (480, 360), colour).save(out, format="PNG")
    out.seek(0)
    return out


def _shirt(images: dict[str, int] | None = None) -> ProductInput:
    return ProductInput(
        title="Linen Shirt",
        vendor="Harbour Mill",
        description_html="<p>Washed linen, soft from the first day.</p>",
        status="published",
        options=[OptionInput(name="Size", values=["S", "M"]), OptionInput(name="Colour", values=["Sand", "Navy"])],
        variants=[
            VariantInput(
                option_values=[size, colour],
                sku=f"SHIRT-{size}-{colour}".upper(),
                price=price,
                stock_quantity=stock,
                image_id=(images or {}).get(colour),
            )
            for size, colour, price, stock in SHIRT
        ],
    )


def _add_shirt(store: Store) -> Product:
    system = Actor.system()
    shirt = product_create(store=store, actor=system, data=_shirt())
    pictures: dict[str, ProductImage] = {
        colour: product_image_add(
            store=store, actor=system, product=shirt, upload=_png(rgb), alt=f"Linen shirt in {colour.lower()}"
        )
        for colour, rgb in (("Sand", SAND), ("Navy", NAVY))
    }
    return product_update(
        store=store, actor=system, product=shirt, data=_shirt({c: image.pk for c, image in pictures.items()})
    )


@pytest.fixture
def shop(merchant: Merchant) -> Shop:
    """Written before the browser starts (see tests/e2e/conftest.py)."""
    store = merchant.store
    _add_shirt(store)
    make_product(store, title="Linen Trousers", price="59.00")
    scarf = make_product(store, title="Wool Scarf", price="25.00")
    returning = make_customer(store, email="mara@example.com", name="Mara Regular")
    scarf_variant = Variant.objects.get(store=store, product=scarf)
    cart_line_add(
        store=store,
        actor=Actor.customer(returning),
        shopper=Shopper(customer=returning),
        variant_id=scarf_variant.pk,
        quantity=1,
    )
    return Shop(returning=Customer(email="mara@example.com", password=PASSWORD, name="Mara Regular"))


def open_page(pages: Pages, viewport: dict[str, int]) -> Page:
    if viewport["width"] < 400:
        return pages.open(viewport=viewport, is_mobile=True, has_touch=True)
    return pages.open(viewport=viewport)


def main_picture_colour(page: Page) -> tuple[int, int, int]:
    """The colour in the middle of the product's main picture, as the browser shows it once it has loaded."""
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-main-image]'); return i && i.complete && i.naturalWidth > 0; }"
    )
    rgba = page.locator("[data-main-image]").evaluate(
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


def near(seen: tuple[int, int, int], wanted: tuple[int, int, int]) -> bool:
    """Within what JPEG/WebP re-encoding changes in a flat colour."""
    return all(abs(a - b) <= 24 for a, b in zip(seen, wanted, strict=True))


def search_box(page: Page) -> Locator:
    return page.get_by_role("combobox", name="Search the store")


def mark_document(page: Page) -> None:
    """Tag the loaded document; the tag is gone after any reload or navigation."""
    page.evaluate("() => { window.journeyMark = 'same document'; }")


def same_document(page: Page) -> bool:
    return bool(page.evaluate("() => window.journeyMark === 'same document'"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_visitor_searches_picks_a_variant_fills_the_cart_and_finds_it_merged_after_signing_in(
    shop: Shop, merchant: Merchant, pages: Pages, site: Site, shot, viewport: dict[str, int]
) -> None:
    page = open_page(pages, viewport)
    badge = page.locator("[data-cart-count]")
    page.goto(site.store(merchant.handle))
    expect(page.get_by_role("heading", name="Welcome to Harbour Lights")).to_be_visible()
    expect(page.get_by_role("region", name="New arrivals")).to_contain_text("Linen Shirt")
    expect(badge).to_be_hidden()
    shot(page, "store-home")

    # Suggestions follow the typing; picking one opens the product.
    search_box(page).press_sequentially("lin", delay=40)
    suggestions = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    expect(suggestions.filter(has_text="Linen")).to_have_count(2)
    expect(suggestions.filter(has_text="Wool Scarf")).to_have_count(0)
    expect(suggestions.filter(has_text="Linen Shirt")).to_contain_text("$39.00")
    shot(page, "suggestions")
    suggestions.filter(has_text="Linen Shirt").click()
    expect(page).to_have_url(site.store(merchant.handle, "/products/linen-shirt/"))

    price = page.locator("[data-price]")
    stock = page.locator("[data-stock]")
    main_image = page.locator("[data-main-image]")
    size = page.get_by_role("group", name="Size")
    colour = page.get_by_role("group", name="Colour")
    expect(page.get_by_role("heading", name="Linen Shirt", level=1)).to_be_visible()
    expect(price).to_have_text("$39.00")
    expect(stock).to_have_text("In stock")
    expect(main_image).to_have_attribute("alt", "Linen shirt in sand")
    assert near(main_picture_colour(page), SAND)
    shot(page, "product")

    # The picker changes price, stock state and picture in place, without loading another page.
    mark_document(page)
    colour.get_by_text("Navy").click()
    expect(stock).to_have_text("Only 2 left")
    expect(main_image).to_have_attribute("alt", "Linen shirt in navy")
    assert near(main_picture_colour(page), NAVY)
    # M in navy is sold out: marked before it is picked, and it cannot be added once it is.
    expect(size.locator("label").filter(has_text="M")).to_contain_text("sold out")
    size.get_by_text("M", exact=True).click()
    expect(price).to_have_text("$42.00")
    expect(stock).to_have_text("Out of stock")
    add_button = page.locator("[data-add-to-cart]")
    expect(add_button).to_have_text("Sold out")
    expect(add_button).to_be_disabled()
    shot(page, "sold-out-variant")
    colour.get_by_text("Sand").click()
    expect(price).to_have_text("$42.00")
    expect(stock).to_have_text("In stock")
    expect(main_image).to_have_attribute("alt", "Linen shirt in sand")
    expect(add_button).to_have_text("Add to cart")
    assert same_document(page), "picking a variant reloaded the page"

    add_button.click()
    expect(badge).to_have_text("1")
    expect(page.locator(".cart-toast")).to_contain_text("Added 1 × Linen Shirt (M / Sand) to your cart.")
    favourite = page.locator(".product-info [data-favourite-form] button")
    expect(favourite).to_have_attribute("aria-pressed", "false")
    favourite.click()
    expect(favourite).to_have_attribute("aria-pressed", "true")
    assert same_document(page), "adding to the cart or to favourites reloaded the page"
    shot(page, "added-to-cart")

    # A reload finds the cart and the favourite as they were.
    page.reload()
    expect(badge).to_have_text("1")
    expect(favourite).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    lines = page.locator(".cart-line")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("Linen Shirt")
    expect(lines.first).to_contain_text("M / Sand")
    expect(page.locator(".cart-subtotal")).to_contain_text("$42.00")
    shot(page, "visitor-cart")

    # Signing in merges the visitor's cart into the one the account already had.
    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(shop.returning.email)
    page.get_by_label("Password").fill(shop.returning.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Mara Regular")).to_be_visible()
    expect(badge).to_have_text("2")
    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(lines).to_have_count(2)
    expect(lines.filter(has_text="Linen Shirt")).to_contain_text("M / Sand")
    expect(lines.filter(has_text="Wool Scarf")).to_have_count(1)
    expect(page.locator(".cart-subtotal")).to_contain_text("Subtotal (2 items)")
    expect(page.locator(".cart-subtotal")).to_contain_text("$67.00")
    shot(page, "merged-cart")

    # The visitor's favourite is now the account's.
    page.get_by_role("link", name="My account").click()
    page.get_by_role("main").get_by_role("link", name="Favourites").click()
    expect(page.get_by_role("heading", name="Your favourites")).to_be_visible()
    favourites = page.locator(".product-cell")
    expect(favourites).to_have_count(1)
    expect(favourites.first).to_contain_text("Linen Shirt")
    shot(page, "favourites-after-sign-in")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_typo_still_finds_linen_and_an_empty_search_offers_popular_products(
    shop: Shop, merchant: Merchant, pages: Pages, site: Site, shot, viewport: dict[str, int]
) -> None:
    page = open_page(pages, viewport)
    page.goto(site.store(merchant.handle))
    search_box(page).fill("lnen")
    search_box(page).press("Enter")
    expect(page).to_have_url(site.store(merchant.handle, "/search/?q=lnen"))
    expect(page.get_by_role("heading", name="Results for “lnen”")).to_be_visible()
    expect(page.locator(".search-corrected")).to_contain_text("Showing results for linen")
    results = page.locator(".search-results .product-card")
    expect(results).to_have_count(2)
    expect(results.filter(has_text="Linen Shirt")).to_have_count(1)
    expect(results.filter(has_text="Linen Trousers")).to_have_count(1)
    shot(page, "typo-results")

    search_box(page).fill("teapot")
    search_box(page).press("Enter")
    expect(page.get_by_role("heading", name="No results for “teapot”")).to_be_visible()
    expect(page.locator(".search-results")).to_have_count(0)
    popular = page.get_by_role("region", name="Popular products")
    expect(popular).to_be_visible()
    expect(popular.locator(".product-card")).to_have_count(3)
    shot(page, "no-results")
    popular.locator(".product-card").filter(has_text="Wool Scarf").click()
    expect(page).to_have_url(site.store(merchant.handle, "/products/wool-scarf/"))
    expect(page.get_by_role("heading", name="Wool Scarf", level=1)).to_be_visible()


def test_signing_out_after_a_merge_leaves_no_visitor_favourites_or_cart_count_behind(
    shop: Shop, merchant: Merchant, pages: Pages, site: Site, shot
) -> None:
    page = pages.open()
    badge = page.locator("[data-cart-count]")
    page.goto(site.store(merchant.handle, "/products/linen-shirt/"))
    page.locator(".product-info [data-favourite-form] button").click()
    page.get_by_role("button", name="Add to cart").click()
    expect(badge).to_have_text("1")

    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(shop.returning.email)
    page.get_by_label("Password").fill(shop.returning.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Mara Regular")).to_be_visible()
    expect(badge).to_have_text("2")
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()

    # The next person at this browser sees an empty cart and no favourites: both went into Mara's account.
    page.goto(site.store(merchant.handle, "/favourites/"))
    shot(page, "favourites-after-sign-out")
    expect(badge).to_be_hidden()
    expect(page.get_by_text("No favourites yet.")).to_be_visible()
