"""The payment pages in Chromium: the store's return page, the provider's card and authentication pages.

What only a browser checks: each page's Content-Security-Policy lets its
form lead (303) to the other host (store → provider → store), nothing inline
is refused, and everything works without the buyer's JavaScript. The order
is placed before the browser starts (the ORM is off limits while Playwright
runs, see tests/e2e/conftest.py); from then on the test reads only pages.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page as BrowserPage
from playwright.sync_api import expect

from shopwright.catalog.models import Variant
from tests.catalog_factories import make_product
from tests.e2e.conftest import Merchant, Pages, Site, merchant, pages, shot, site  # noqa: F401 (fixtures)
from tests.order_factories import place_order

pytestmark = pytest.mark.browser


@pytest.fixture
def placed(merchant: Merchant, settings) -> tuple[str, int]:  # noqa: F811
    """An order waiting for payment at Harbour Lights: (the buyer's link secret, the order number)."""
    settings.TEST_GATEWAY_DELIVERY = "direct"
    product = make_product(merchant.store, title="Lantern", price="30.00", stock=5)
    variant = Variant.objects.get(store=merchant.store, product=product)
    order = place_order(merchant.store, [(variant, 1)])
    assert order.token is not None
    return order.token, order.order.number


def _card(page: BrowserPage, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Erika Mustermann")
    page.get_by_role("button", name=re.compile("^Pay ")).click()


def test_decline_return_try_again_and_pay_after_extra_authentication(
    placed: tuple[str, int],
    merchant: Merchant,  # noqa: F811
    site: Site,  # noqa: F811
    pages: Pages,  # noqa: F811
    shot,  # noqa: F811
) -> None:
    token, number = placed
    return_page = site.store(merchant.handle, f"/orders/{token}/payment/")
    page = pages.open(java_script_enabled=False)  # the pages work without JavaScript
    page.goto(return_page)
    expect(page.get_by_role("heading", name=f"Pay for order #{number}")).to_be_visible()
    shot(page, "store-unpaid")
    page.get_by_role("button", name="Pay now").click()

    page.wait_for_url(re.compile("^" + re.escape(site.platform("/testpay/tp_"))))
    expect(page.locator(".tp-merchant")).to_have_text("Harbour Lights")
    shot(page, "provider-form")
    _card(page, "4242 4242 4242 4241")
    expect(page.locator("#number-error")).to_have_text("This card number is not valid.")
    expect(page.get_by_label("Card number")).to_have_value("")
    shot(page, "provider-invalid")
    _card(page, "4000 0000 0000 0002")
    expect(page.get_by_role("alert")).to_have_text("Your card was declined. Try another card.")
    shot(page, "provider-declined")
    page.get_by_role("link", name="Cancel and return to Harbour Lights").click()

    page.wait_for_url(return_page)
    expect(page.get_by_role("heading", name="Your payment was declined")).to_be_visible()
    shot(page, "store-declined")
    page.get_by_role("button", name="Try again").click()

    page.wait_for_url(re.compile("^" + re.escape(site.platform("/testpay/tp_"))))
    # The declined attempt's own page, open for another card (never a second payable attempt).
    expect(page.get_by_role("alert")).to_have_text("Your card was declined. Try another card.")
    _card(page, "4000 0027 6000 3184")
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    shot(page, "provider-authentication")
    page.get_by_role("button", name="Complete authentication").click()

    page.wait_for_url(return_page)
    expect(page.get_by_role("heading", name=f"Thank you, order #{number} is confirmed")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Visa ending in 3184")
    shot(page, "store-confirmed")
