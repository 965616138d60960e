"""The cart and favourites in Chromium on a phone-sized screen: no reloads with JavaScript, merge at sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.cart.helpers import product
from tests.e2e.conftest import Customer, Merchant, Site, customer, merchant, pages, shot, site  # noqa: F401

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 740}


@pytest.fixture
def shop(merchant: Merchant) -> dict[str, str]:  # noqa: F811
    """Written before the browser starts (see tests/e2e/conftest.py)."""
    mug = product(merchant.store, title="Harbour Mug", price="12.50", stock=4)
    lamp = product(merchant.store, title="Storm Lamp", price="40.00", stock=2)
    return {"mug": mug.handle, "lamp": lamp.handle}


def test_a_visitor_fills_the_cart_without_reloads_then_signs_in_and_finds_it(
    shop: dict[str, str],
    customer: Customer,  # noqa: F811
    merchant: Merchant,  # noqa: F811
    pages,  # noqa: F811
    site: Site,  # noqa: F811
    shot,  # noqa: F811
) -> None:
    page = pages.open(viewport=PHONE_375)
    badge = page.locator("[data-cart-count]")

    page.goto(site.store(merchant.handle, f"/products/{shop['mug']}/"))
    expect(badge).to_be_hidden()
    url = page.url
    page.get_by_role("button", name="Add to cart").click()
    # The header count changes in place; the page did not navigate.
    expect(badge).to_have_text("1")
    expect(page.locator(".cart-toast")).to_contain_text("Added 1 × Harbour Mug to your cart.")
    assert page.url == url

    favourite = page.locator(".product-info [data-favourite-form] button")
    expect(favourite).to_have_attribute("aria-pressed", "false")
    favourite.click()
    expect(favourite).to_have_attribute("aria-pressed", "true")
    expect(favourite).to_have_text(re.compile("♥"))
    shot(page, "product-added")

    page.goto(site.store(merchant.handle, f"/products/{shop['lamp']}/"))
    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-toast")).to_contain_text("Only 2 of Storm Lamp available: your cart now holds 2.")
    expect(badge).to_have_text("3")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.locator(".cart-subtotal")).to_contain_text("$92.50")
    quantity = page.get_by_label("Quantity of Harbour Mug")
    quantity.fill("3")
    # Sent once the shopper pauses, answered as JSON, swapped in: totals and header follow.
    expect(page.locator(".cart-subtotal")).to_contain_text("$117.50")
    expect(badge).to_have_text("5")
    shot(page, "cart-phone")

    page.get_by_role("button", name="Remove Storm Lamp").click()
    expect(page.locator(".cart-subtotal")).to_contain_text("$37.50")
    expect(badge).to_have_text("3")

    # A reload (and a server that restarted meanwhile) finds the same cart: it is in the database.
    page.reload()
    expect(page.get_by_label("Quantity of Harbour Mug")).to_have_value("3")

    page.goto(site.store(merchant.handle, "/account/login/?next=/cart/"))
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(customer.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.store(merchant.handle, "/cart/"))
    expect(page.get_by_label("Quantity of Harbour Mug")).to_have_value("3")
    expect(badge).to_have_text("3")
    shot(page, "cart-after-sign-in")

    page.goto(site.store(merchant.handle, "/favourites/"))
    expect(page.locator(".product-cell")).to_contain_text("Harbour Mug")
    shot(page, "favourites-after-sign-in")
