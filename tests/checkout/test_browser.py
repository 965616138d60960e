"""A guest's checkout in Chromium, on a desktop screen and a 375-px phone: cart to the payment provider's page.

Uses the browser fixtures of tests/e2e (live server, Chromium, screenshots
into test-artifacts/e2e/ with checks for CSP blocks, broken assets and
sideways scrolling). With checkout.js: choosing the United States redraws
the address with a state list and a ZIP code; "same as delivery" hides the
billing address.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shopwright.catalog.models import Variant
from tests.catalog_factories import make_product
from tests.checkout_factories import make_shipping, make_tax
from tests.e2e.conftest import DESKTOP, Merchant, Pages, Site, merchant, pages, shot, site  # noqa: F401

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


@pytest.fixture
def shop(merchant: Merchant, settings) -> Merchant:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.TEST_GATEWAY_DELIVERY = "direct"
    store = merchant.store
    make_shipping(store, areas=["DE", "US"], name="Standard", price="5.00", delivery_estimate="3-5 business days")
    make_tax(store, area="US-CA", rate="7.25", name="Sales tax")
    product = make_product(store, title="Harbour Lamp", handle="harbour-lamp", price="40.00", stock=5)
    assert Variant.objects.filter(store=store, product=product).count() == 1
    return merchant


@pytest.mark.parametrize("viewport", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE_375, id="phone")])
def test_a_guest_checks_out_to_the_payment_page(site: Site, shop: Merchant, pages: Pages, shot, viewport) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page: Page = pages.open(viewport=viewport)
    page.goto(site.store(shop.handle, "/products/harbour-lamp/"))
    page.get_by_role("button", name=re.compile("Add to cart", re.I)).click()
    expect(page.locator("[data-cart-count]").first).to_have_text("1")
    page.goto(site.store(shop.handle, "/cart/"))
    shot(page, "cart")
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", name="Contact and delivery")).to_be_visible()
    shot(page, "information")

    page.locator("#id_email").fill("erika@example.com")
    page.locator("#id_phone").fill("(650) 253-0000")
    page.locator("#id_shipping-country").select_option("US")  # checkout.js redraws the address for the US
    expect(page.locator("#id_shipping-country_area")).to_be_visible()
    expect(page.locator("label[for=id_shipping-postal_code]")).to_contain_text("ZIP code")
    expect(page.locator("[data-billing-address]")).to_be_hidden()
    page.locator("#id_shipping-name").fill("Erika Mustermann")
    page.locator("#id_shipping-street_address").fill("1600 Amphitheatre Pkwy")
    page.locator("#id_shipping-city").fill("Mountain View")
    page.locator("#id_shipping-country_area").select_option("CA")
    page.locator("#id_shipping-postal_code").fill("94043")
    shot(page, "information-us")
    page.get_by_role("button", name="Continue to shipping").click()

    expect(page.get_by_role("heading", name="Shipping")).to_be_visible()
    expect(page.get_by_text("3-5 business days")).to_be_visible()
    shot(page, "shipping")
    page.get_by_role("button", name="Continue to review").click()

    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()
    expect(page.get_by_text("Sales tax 7.25%").first).to_be_visible()
    pay = page.get_by_role("button", name="Pay $48.26")
    expect(pay).to_be_visible()
    shot(page, "review")
    pay.click()
    # The provider's page is on the platform host, outside the store.
    page.wait_for_url(re.compile("^" + re.escape(site.platform("/"))))
    shot(page, "payment-provider")
