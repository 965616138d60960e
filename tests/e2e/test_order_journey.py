"""After the payment, in Chromium: the merchant runs the order, the customer follows it in the personal center.

A registered customer buys the two shirts of tests/e2e/test_checkout_journey.py
signed in; the merchant finds the order in the back office with the buyer
masked, reveals the buyer's details (an audited reveal), ships it with a
carrier and a tracking number; the customer then sees it shipped, with the
tracking number, in /account/orders/. The merchant and the customer use
separate browser contexts (separate cookies), one acting at a time: the
SQLite live server shares one database connection between its threads.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Customer, Merchant, Pages, Site
from tests.e2e.test_checkout_journey import (
    GOOD_CARD,
    TOTAL,
    Buyer,
    Shot,
    assert_on_one_line,
    choose_express,
    expect_confirmed,
    fill_cart,
    fill_information,
    pay_with_card,
    review_and_pay,
    shop,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.browser

CARRIER = "DHL"
TRACKING = "00340434161234567890"


def cora(customer: Customer) -> Buyer:
    return Buyer(
        email=customer.email,
        phone="+49 30 901820",
        name=customer.name,
        street="Friedrichstraße 43",
        postal_code="10117",
        city="Berlin",
    )


def sign_in_at_store(page: Page, site: Site, handle: str, customer: Customer) -> None:
    page.goto(site.store(handle))
    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(customer.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello, {customer.name}")).to_be_visible()


def sign_in_to_office(page: Page, site: Site, merchant: Merchant) -> None:
    page.goto(site.platform("/login/"))
    page.get_by_label("Email").fill(merchant.email)
    page.get_by_label("Password").fill(merchant.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.platform("/office/"))


def test_merchant_reveals_and_ships_the_order_and_the_customer_sees_it_shipped(
    shop: Merchant,  # noqa: F811
    customer: Customer,
    pages: Pages,
    site: Site,
    shot: Shot,
) -> None:
    buyer = cora(customer)

    # The customer buys signed in: the checkout knows the email.
    buying = pages.open()
    sign_in_at_store(buying, site, shop.handle, customer)
    fill_cart(buying, site, shop.handle, shot)
    buying.get_by_role("link", name="Check out").click()
    fill_information(buying, buyer, shot, email=False)
    choose_express(buying, buyer, shot)
    review_and_pay(buying, site, buyer, shot)
    pay_with_card(buying, GOOD_CARD, buyer.name)
    expect_confirmed(buying, site, shop.handle, 1001)
    shot(buying, "confirmed")

    # The personal center lists it as paid before anything ships.
    buying.get_by_role("link", name="My account").click()
    expect(buying.get_by_role("heading", name=f"Hello, {customer.name}")).to_be_visible()
    expect(buying.get_by_role("main")).not_to_contain_text("No orders yet")
    buying.get_by_role("link", name="See your orders").click()
    expect(buying.get_by_role("heading", name="My orders")).to_be_visible()
    row = buying.locator("tr.order-row").filter(has_text="#1001")
    expect(row).to_contain_text("Paid — being prepared")
    expect(row).to_contain_text(TOTAL)
    shot(buying, "account-orders-paid")

    # The merchant's order list: the buyer masked, the plain address nowhere on the page.
    office = pages.open()
    sign_in_to_office(office, site, shop)
    office.get_by_role("link", name="Orders", exact=True).click()
    expect(office.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    listed = office.locator("tr.order-row").filter(has_text="#1001")
    expect(listed).to_have_count(1)
    expect(listed.locator(".customer")).to_contain_text("@example.com")
    expect(listed.locator(".customer")).to_contain_text("*")
    expect(listed).to_contain_text("Paid")
    expect(listed.locator(".price")).to_have_text(TOTAL)
    expect(office.get_by_role("main")).not_to_contain_text(customer.email)
    expect(office.get_by_role("main")).not_to_contain_text(customer.name)
    shot(office, "office-orders-masked")

    # The order page, still masked: the name, email, phone and street are not shown in the clear.
    listed.get_by_role("link", name="#1001").click()
    expect(office.get_by_role("heading", name=re.compile(r"^Order #1001"))).to_be_visible()
    expect(office.locator("#order-status")).to_have_text("Paid")
    customer_card = office.get_by_role("region", name="Customer")
    expect(customer_card).to_contain_text("Registered customer")
    for secret in (customer.email, customer.name, buyer.street, "901820"):
        expect(office.get_by_role("main")).not_to_contain_text(secret)
    expect(office.locator("tr.order-line")).to_have_count(2)
    expect(office.locator("#order-total")).to_have_text(TOTAL)
    expect(office.locator("tr.payment-row")).to_contain_text("4242")
    shot(office, "office-order-masked")

    # Reveal: the details in full on this answer, with a note that the reveal is recorded.
    office.get_by_role("button", name="Reveal customer details").click()
    expect(office.locator("#revealed-notice")).to_be_visible()
    expect(customer_card).to_contain_text(customer.email)
    expect(customer_card).to_contain_text(customer.name)
    expect(customer_card).to_contain_text(buyer.street)
    shot(office, "office-order-revealed")

    # Ship everything with a carrier and a tracking number.
    ship = office.get_by_role("region", name="Ship items")
    ship.get_by_label("Carrier").fill(CARRIER)
    ship.get_by_label("Tracking number").fill(TRACKING)
    shot(office, "office-ship-form")
    ship.get_by_role("button", name="Mark as shipped").click()
    expect(office.locator("#order-status")).to_have_text("Fulfilled")
    shipments = office.get_by_role("region", name="Shipments")
    expect(shipments).to_contain_text(CARRIER)
    expect(office.locator("tr.order-line .shipped")).to_have_text(["1", "2"])
    expect(office.get_by_role("region", name="Ship items")).to_have_count(0)  # nothing left to ship
    shot(office, "office-order-fulfilled")

    # The reveal is in the audit log, on this order.
    office.get_by_role("link", name="Audit log").click()
    reveal = office.locator("tr.audit-entry").filter(has_text="order.customer_revealed")
    expect(reveal).to_have_count(1)
    expect(reveal).to_contain_text("orders.order")
    expect(office.get_by_role("main")).not_to_contain_text(customer.email)
    shot(office, "office-audit-log")

    # The customer's personal center: shipped, with the carrier and the tracking number.
    buying.goto(site.store(shop.handle, "/account/orders/"))
    row = buying.locator("tr.order-row").filter(has_text="#1001")
    expect(row).to_contain_text("Shipped")
    shot(buying, "account-orders-shipped")
    row.get_by_role("link", name="#1001").click()
    expect(buying.get_by_role("heading", name="Order #1001")).to_be_visible()
    expect(buying.locator("#order-status")).to_have_text("Shipped")
    shipment = buying.locator(".fulfillment")
    expect(shipment).to_contain_text(CARRIER)
    expect(shipment.locator(".tracking-number")).to_have_text(TRACKING)
    expect(buying.locator("#order-total")).to_have_text(TOTAL)
    assert_on_one_line(buying.locator("#order-total"))
    expect(buying.locator(".timeline-entry").filter(has_text="Shipped")).to_have_count(1)
    shot(buying, "account-order-shipped")
