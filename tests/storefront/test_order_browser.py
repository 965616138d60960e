"""A customer's orders in Chromium: status badges in their tones, and the orders table readable on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from shopwright.core.audit import Actor
from shopwright.orders.services import order_cancel, order_fulfil
from tests.checkout_factories import make_shipping
from tests.e2e.conftest import Merchant, Site, merchant, pages, shot, site  # noqa: F401
from tests.factories import PASSWORD, make_customer
from tests.order_factories import make_paid_order, make_variant, place_order

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 740}
BUYER_EMAIL = "dora@example.com"
TRANSPARENT = "rgba(0, 0, 0, 0)"


@pytest.fixture
def orders(merchant: Merchant) -> None:  # noqa: F811
    """Four orders of one customer, one per tone (written before the browser starts: see tests/e2e/conftest.py)."""
    store = merchant.store
    make_shipping(store)
    buyer = make_customer(store, email=BUYER_EMAIL, name="Dora Buyer")
    shirt = make_variant(store, stock=50, price="20.00", title="Linen Shirt")
    shipped = make_paid_order(store, [(shirt, 1)], customer=buyer)  # 1001
    order_fulfil(store=store, order=shipped, actor=Actor.system(), carrier="DHL", tracking_number="JD014600003828")
    cancelled = place_order(store, [(shirt, 1)], customer=buyer).order  # 1002
    order_cancel(store=store, order=cancelled, actor=Actor.system())
    make_paid_order(store, [(shirt, 2)], customer=buyer)  # 1003
    place_order(store, [(shirt, 3)], customer=buyer)  # 1004


def _sign_in(page: Page, site: Site, handle: str) -> None:  # noqa: F811
    page.goto(site.store(handle, "/account/login/"))
    page.get_by_label("Email").fill(BUYER_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Dora Buyer")).to_be_visible()


def _badge_colours(page: Page, selector: str) -> list[tuple[str, str, str]]:
    """(label, background, text colour) of each status badge on the page, top to bottom."""
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => [e.textContent.trim(), getComputedStyle(e).backgroundColor, getComputedStyle(e).color])",
    )


def test_my_orders_on_a_phone(orders, merchant: Merchant, pages, site: Site, shot) -> None:  # noqa: F811
    page = pages.open(viewport=PHONE_375)
    _sign_in(page, site, merchant.handle)

    # The personal center: the three latest, each with its badge, no list bullets.
    recent = page.locator(".recent-order")
    expect(recent).to_have_count(3)
    assert page.eval_on_selector(".recent-orders ul", "e => getComputedStyle(e).listStyleType") == "none"
    centre = _badge_colours(page, ".recent-order .status")
    assert [label for label, _, _ in centre] == ["Waiting for payment", "Paid — being prepared", "Cancelled"]
    assert all(background != TRANSPARENT for _, background, _ in centre)
    shot(page, "center")

    page.get_by_role("link", name="See your orders").click()
    expect(page.locator("tr.order-row")).to_have_count(4)
    badges = _badge_colours(page, "tr.order-row .status")
    assert [label for label, _, _ in badges] == ["Waiting for payment", "Paid — being prepared", "Cancelled", "Shipped"]
    # Four tones, four looks: a badge is told apart by its colours, not only by its words.
    assert len({(background, colour) for _, background, colour in badges}) == 4
    assert all(background != TRANSPARENT for _, background, _ in badges)
    # The header row is hidden on a phone: every cell says what it holds.
    labels = page.eval_on_selector_all(
        "tr.order-row:first-child td", "tds => tds.map(td => getComputedStyle(td, '::before').content)"
    )
    assert labels == ['"Order"', '"Placed"', '"Status"', '"Items"', '"Total"']
    shot(page, "orders")

    page.get_by_role("link", name="#1001").click()
    expect(page.locator("#order-status")).to_have_text("Shipped")
    assert page.eval_on_selector("#order-status", "e => getComputedStyle(e).backgroundColor") != TRANSPARENT
    assert page.eval_on_selector(".timeline", "e => getComputedStyle(e).listStyleType") == "none"
    shot(page, "order")


def test_my_orders_on_a_desktop(orders, merchant: Merchant, pages, site: Site, shot) -> None:  # noqa: F811
    page = pages.open()
    _sign_in(page, site, merchant.handle)
    page.goto(site.store(merchant.handle, "/account/orders/"))
    expect(page.get_by_role("columnheader", name="Status")).to_be_visible()
    # A table on a wide screen: no per-cell labels, totals lined up on the right.
    first_row = "tr.order-row:first-child td"
    assert page.eval_on_selector(first_row, "td => getComputedStyle(td, '::before').content") == "none"
    assert page.eval_on_selector(f"{first_row}:last-child", "td => getComputedStyle(td).textAlign") == "right"
    shot(page, "orders")
