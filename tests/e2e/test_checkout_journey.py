"""A buyer pays in Chromium: two variants of a shirt, checkout to a German address, the test provider's card page.

The guest journey runs on a desktop screen and on a 390-px phone; a declined
card retried with a good one runs on the desktop. The store is written through
the catalog, shipping and tax services before the browser starts (see
tests/e2e/conftest.py): a linen shirt in two sizes and two colours, a German
zone with Standard and Express shipping, 19 % VAT included in the prices.
Payment outcomes reach the order within the card form's request (webhooks
are delivered in-process in tests: TEST_GATEWAY_DELIVERY "direct", Huey
immediate), and the store's return page syncs the payment as well.

Stock is read where a shopper reads it, the product page's "Only N left":
the ORM is off limits while Playwright runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput
from shopwright.catalog.services import product_create
from shopwright.core.audit import Actor
from shopwright.shipping.services import shipping_method_create, shipping_zone_create
from shopwright.taxes.services import store_prices_include_tax_set, tax_rate_set
from tests.e2e.conftest import DESKTOP, PHONE, Merchant, Pages, Site

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]  # the `shot` fixture of tests/e2e/conftest.py
VIEWPORTS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]

# The shirt's variants: (size, colour, price, stock). The buyer takes M / Sand once and S / Navy twice.
SHIRT = [
    ("S", "Sand", "39.00", 8),
    ("S", "Navy", "39.00", 5),
    ("M", "Sand", "42.00", 5),
    ("M", "Navy", "42.00", 8),
]
CART = [("M", "Sand", 1), ("S", "Navy", 2)]

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"

# Prices include 19 % VAT: 42.00 + 2 x 39.00 = 120.00, Express 12.00; the VAT inside is
# 6.71 (of 42.00) + 12.45 (of 78.00) + 1.92 (of 12.00) = 21.08, the total stays 132.00.
SUBTOTAL = "$120.00"
EXPRESS = "$12.00"
VAT_INCLUDED = "$21.08"
TOTAL = "$132.00"


@dataclass
class Buyer:
    email: str
    phone: str
    name: str
    street: str
    postal_code: str
    city: str


GUEST = Buyer(
    email="erika@example.com",
    phone="+49 30 901820",
    name="Erika Mustermann",
    street="Hauptstraße 5",
    postal_code="10115",
    city="Berlin",
)


def _shirt() -> ProductInput:
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
                weight_grams=250,
            )
            for size, colour, price, stock in SHIRT
        ],
    )


@pytest.fixture
def shop(merchant: Merchant, settings: Any) -> Merchant:
    """The shirt, German shipping and VAT; written before the browser starts (see tests/e2e/conftest.py)."""
    settings.TEST_GATEWAY_DELIVERY = "direct"  # the test provider's webhook applied within the card form's request
    store = merchant.store
    system = Actor.system()
    product_create(store=store, actor=system, data=_shirt())
    germany = shipping_zone_create(store=store, actor=system, name="Germany", areas=["DE"])
    for name, price, estimate in (("Standard", "4.90", "3–5 business days"), ("Express", "12.00", "next day")):
        shipping_method_create(
            store=store, actor=system, zone=germany, name=name, kind="flat", price=price, delivery_estimate=estimate
        )
    tax_rate_set(store=store, actor=system, area="DE", name="VAT", rate="19", applies_to_shipping=True)
    store_prices_include_tax_set(store=store, actor=system, value=True)
    return merchant


# --- steps shared with tests/e2e/test_order_journey.py ----------------------------------------


def open_page(pages: Pages, viewport: dict[str, int]) -> Page:
    if viewport["width"] < 400:
        return pages.open(viewport=viewport, is_mobile=True, has_touch=True)
    return pages.open(viewport=viewport)


def pick_variant(page: Page, site: Site, handle: str, size: str, colour: str) -> None:
    page.goto(site.store(handle, "/products/linen-shirt/"))
    page.get_by_role("group", name="Size").get_by_text(size, exact=True).click()
    page.get_by_role("group", name="Colour").get_by_text(colour, exact=True).click()
    expect(page.locator("[data-price]")).to_have_text("$42.00" if size == "M" else "$39.00")


def stock_of(page: Page, site: Site, handle: str, size: str, colour: str) -> Locator:
    """The product page's stock line for one variant, as a shopper sees it."""
    pick_variant(page, site, handle, size, colour)
    return page.locator("[data-stock]")


def fill_cart(page: Page, site: Site, handle: str, shot: Shot) -> None:
    """M / Sand once and S / Navy twice, from the product page's pickers."""
    for size, colour, quantity in CART:
        pick_variant(page, site, handle, size, colour)
        page.get_by_label("Quantity").fill(str(quantity))
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator(".cart-toast")).to_contain_text(
            f"Added {quantity} × Linen Shirt ({size} / {colour}) to your cart."
        )
    shot(page, "added-to-cart")
    page.goto(site.store(handle, "/cart/"))
    lines = page.locator(".cart-line")
    expect(lines).to_have_count(2)
    expect(lines.filter(has_text="M / Sand")).to_contain_text("$42.00")
    expect(lines.filter(has_text="S / Navy")).to_contain_text("$78.00")
    expect(page.locator(".cart-subtotal")).to_contain_text(SUBTOTAL)
    shot(page, "cart")


def fill_information(page: Page, buyer: Buyer, shot: Shot, *, email: bool = True) -> None:
    """Contact and a German delivery address; billing stays "same as delivery"."""
    expect(page.get_by_role("heading", name="Contact and delivery")).to_be_visible()
    shot(page, "information")
    contact = page.get_by_role("group", name="Contact")
    if email:
        contact.get_by_label("Email").fill(buyer.email)
    else:
        expect(contact.get_by_label("Email")).to_have_value(buyer.email)  # the signed-in customer's, filled in
    contact.get_by_label("Phone:", exact=True).fill(buyer.phone)
    delivery = page.get_by_role("group", name="Delivery address")
    # Germany, the one country the store ships to, is chosen already and its fields are shown.
    expect(delivery.get_by_label("Country or region")).to_have_value("DE")
    expect(delivery.get_by_label("Street and house number")).to_be_visible()
    delivery.get_by_label("Full name").fill(buyer.name)
    delivery.get_by_label("Street and house number").fill(buyer.street)
    delivery.get_by_label("Postal code").fill(buyer.postal_code)
    delivery.get_by_label("City").fill(buyer.city)
    billing = page.get_by_role("group", name="Billing address")
    expect(billing.get_by_label("Same as the delivery address")).to_be_checked()
    shot(page, "information-filled")
    page.get_by_role("button", name="Continue to shipping").click()


def choose_express(page: Page, buyer: Buyer, shot: Shot) -> None:
    expect(page.get_by_role("heading", name="Shipping", exact=True)).to_be_visible()
    expect(page.locator(".checkout-recap")).to_contain_text(buyer.street)
    standard = page.get_by_role("radio", name=re.compile("^Standard"))
    express = page.get_by_role("radio", name=re.compile("^Express"))
    expect(page.locator("label.shipping-option").filter(has=standard)).to_contain_text("$4.90")
    expect(page.locator("label.shipping-option").filter(has=express)).to_contain_text(EXPRESS)
    express.check()
    shot(page, "shipping")
    page.get_by_role("button", name="Continue to review").click()


def total_row(totals: Locator, term: str) -> Locator:
    """The amount beside `term` in a list of totals (<div><dt>term</dt><dd>amount</dd></div>)."""
    return (
        totals.locator("div")
        .filter(has=totals.page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")))
        .locator("dd")
    )


def review_and_pay(page: Page, site: Site, buyer: Buyer, shot: Shot) -> None:
    """Checks what the buyer is about to pay, then presses Pay: the provider's page opens on the platform host."""
    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()
    recap = page.locator(".checkout-recap")
    expect(recap).to_contain_text(buyer.email)
    expect(recap).to_contain_text(f"{buyer.name}, {buyer.street}")
    expect(recap).to_contain_text("Express, next day")
    lines = page.locator(".review-lines tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.filter(has_text="M / Sand")).to_contain_text("SKU SHIRT-M-SAND")
    expect(lines.filter(has_text="S / Navy")).to_contain_text("$78.00")
    totals = page.locator(".review-totals")
    expect(total_row(totals, "Subtotal")).to_have_text(SUBTOTAL)
    expect(total_row(totals, "Shipping")).to_have_text(EXPRESS)
    expect(total_row(totals, "Incl. VAT 19%")).to_have_text(VAT_INCLUDED)
    expect(total_row(totals, "Total")).to_have_text(TOTAL)
    shot(page, "review")
    page.get_by_role("button", name=f"Pay {TOTAL}").click()
    page.wait_for_url(re.compile("^" + re.escape(site.platform("/testpay/"))))


def pay_with_card(page: Page, number: str, name: str) -> None:
    """The test provider's card form (its only card form), then its Pay button."""
    expect(page.locator(".tp-amount")).to_have_text(TOTAL)
    expect(page.locator(".tp-merchant")).to_have_text("Harbour Lights")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill(name)
    page.get_by_role("button", name=f"Pay {TOTAL}").click()


def assert_on_one_line(amount: Locator) -> None:
    """An amount the buyer reads is not broken across lines ("$132." above "00")."""
    lines = amount.evaluate("(e) => e.getClientRects().length")
    assert lines == 1, f"{amount.inner_text()!r} wraps over {lines} lines"


def expect_confirmed(page: Page, site: Site, handle: str, number: int) -> None:
    """Back at the store's return page, which says the order is paid."""
    page.wait_for_url(re.compile("^" + re.escape(site.store(handle, "/orders/")) + r"[^/]+/payment/$"))
    expect(page.get_by_role("heading", name=f"Thank you, order #{number} is confirmed")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("ending in 4242")


# --- the journeys ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_guest_buys_two_variants_pays_with_the_test_provider_and_the_stock_goes_down(
    shop: Merchant, pages: Pages, site: Site, shot: Shot, viewport: dict[str, int]
) -> None:
    page = open_page(pages, viewport)
    expect(stock_of(page, site, shop.handle, "M", "Sand")).to_have_text("Only 5 left")
    expect(stock_of(page, site, shop.handle, "S", "Navy")).to_have_text("Only 5 left")
    shot(page, "product")

    fill_cart(page, site, shop.handle, shot)
    page.get_by_role("link", name="Check out").click()
    fill_information(page, GUEST, shot)
    choose_express(page, GUEST, shot)
    review_and_pay(page, site, GUEST, shot)

    # The provider's page: on the platform host, outside the store; the card number goes only there.
    expect(page.get_by_role("note")).to_contain_text("Test mode")
    shot(page, "provider-card-form")
    pay_with_card(page, GOOD_CARD, GUEST.name)
    expect_confirmed(page, site, shop.handle, 1001)
    assert "4242 4242" not in page.content()
    shot(page, "confirmed")

    # The buyer's order page behind "View your order".
    page.get_by_role("link", name="View your order").click()
    expect(page.get_by_role("heading", name="Order #1001")).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Paid — being prepared")
    expect(page.locator(".order-line")).to_have_count(2)
    expect(page.locator("#order-total")).to_have_text(TOTAL)
    assert_on_one_line(page.locator("#order-total"))
    shot(page, "order-page")

    # Both variants sold: the product page says so, the others are untouched.
    expect(stock_of(page, site, shop.handle, "M", "Sand")).to_have_text("Only 4 left")
    expect(stock_of(page, site, shop.handle, "S", "Navy")).to_have_text("Only 3 left")
    shot(page, "stock-after")
    expect(stock_of(page, site, shop.handle, "S", "Sand")).to_have_text("In stock")

    # The cart is empty after the order.
    page.goto(site.store(shop.handle, "/cart/"))
    expect(page.locator(".cart-line")).to_have_count(0)
    expect(page.locator("[data-cart-count]")).to_be_hidden()


def test_a_declined_card_is_shown_and_a_retry_with_a_good_card_pays_the_order(
    shop: Merchant, pages: Pages, site: Site, shot: Shot
) -> None:
    page = pages.open()
    fill_cart(page, site, shop.handle, shot)
    page.get_by_role("link", name="Check out").click()
    fill_information(page, GUEST, shot)
    choose_express(page, GUEST, shot)
    review_and_pay(page, site, GUEST, shot)
    first_attempt = page.url

    # The provider declines the card and says so on its page; the card number is not typed back.
    pay_with_card(page, DECLINED_CARD, GUEST.name)
    expect(page.get_by_role("alert")).to_have_text("Your card was declined. Try another card.")
    expect(page.get_by_label("Card number")).to_have_value("")
    expect(page.get_by_label("Name on card")).to_have_value(GUEST.name)  # kept for the next card
    shot(page, "provider-declined")

    # Back at the store, the decline is shown with a way to try again.
    page.get_by_role("link", name="Cancel and return to Harbour Lights").click()
    expect(page.get_by_role("heading", name="Your payment was declined")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("The card was declined. Nothing was charged.")
    shot(page, "store-declined")
    page.get_by_role("button", name="Try again").click()

    # The same attempt's page again (it takes another card, as Stripe Checkout does): never a second
    # page that could be paid as well. It says why.
    page.wait_for_url(re.compile("^" + re.escape(site.platform("/testpay/"))))
    assert page.url == first_attempt, "the retry opened a second payable attempt"
    expect(page.get_by_role("alert")).to_have_text("Your card was declined. Try another card.")
    shot(page, "provider-retry")
    pay_with_card(page, GOOD_CARD, GUEST.name)
    expect_confirmed(page, site, shop.handle, 1001)
    shot(page, "confirmed")

    page.get_by_role("link", name="View your order").click()
    expect(page.locator("#order-status")).to_have_text("Paid — being prepared")
    expect(page.locator("#payment-state")).to_contain_text("4242")
    shot(page, "order-page")

    # One order, one sale: the decline did not hold or take stock twice.
    expect(stock_of(page, site, shop.handle, "M", "Sand")).to_have_text("Only 4 left")
    expect(stock_of(page, site, shop.handle, "S", "Navy")).to_have_text("Only 3 left")
