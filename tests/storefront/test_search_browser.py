"""Search in Chromium on a phone-sized screen: suggestions as you type, the keyboard, and no JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.catalog_factories import make_product
from tests.e2e.conftest import Merchant, Site, merchant, pages, shot, site  # noqa: F401

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 740}


@pytest.fixture
def catalog(merchant: Merchant) -> None:  # noqa: F811
    """Written before the browser starts (see tests/e2e/conftest.py)."""
    make_product(merchant.store, title="Linen shirt", price="39.00")
    make_product(merchant.store, title="Linen trousers", price="59.00")
    make_product(merchant.store, title="Wool scarf", price="25.00")


def test_suggestions_follow_typing_and_the_keyboard(catalog, merchant: Merchant, pages, site: Site, shot) -> None:  # noqa: F811
    page = pages.open(viewport=PHONE_375)
    page.goto(site.store(merchant.handle, "/"))
    box = page.get_by_role("combobox", name="Search the store")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press_sequentially("lin", delay=30)
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(3)  # two products and "see all results"
    expect(options.first).to_contain_text("Linen")
    expect(options.first).to_contain_text("$")
    shot(page, "suggestions")

    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    first_id = options.first.get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id or "")
    box.press("ArrowUp")
    expect(options.last).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.fill("")
    box.press_sequentially("wool scraf", delay=20)  # a typo is corrected in the suggestions too
    expect(listbox.get_by_role("option").first).to_contain_text("Wool scarf")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/products/wool-scarf/$"))


def test_enter_without_a_highlighted_suggestion_opens_the_results(
    catalog,
    merchant: Merchant,  # noqa: F811
    pages,  # noqa: F811
    site: Site,  # noqa: F811
    shot,  # noqa: F811
) -> None:
    page = pages.open(viewport=PHONE_375)
    page.goto(site.store(merchant.handle, "/"))
    box = page.get_by_role("combobox", name="Search the store")
    box.fill("linen")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=linen$"))
    expect(page.get_by_role("heading", name="Results for “linen”")).to_be_visible()
    expect(page.locator(".search-results .product-card")).to_have_count(2)
    shot(page, "results")

    page.goto(site.store(merchant.handle, "/search/?q=teapot"))
    expect(page.get_by_role("heading", name="No results for “teapot”")).to_be_visible()
    expect(page.get_by_role("heading", name="Popular products")).to_be_visible()
    shot(page, "no-results")


def test_the_search_box_works_without_javascript(catalog, merchant: Merchant, pages, site: Site, shot) -> None:  # noqa: F811
    page = pages.open(viewport=PHONE_375, java_script_enabled=False)
    page.goto(site.store(merchant.handle, "/"))
    box = page.get_by_role("searchbox", name="Search the store").or_(page.get_by_role("combobox"))
    box.first.fill("shrit")
    box.first.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=shrit$"))
    expect(page.locator(".search-corrected")).to_contain_text("shirt")
    expect(page.locator(".search-results .product-card")).to_have_count(1)
    shot(page, "no-js-results")
