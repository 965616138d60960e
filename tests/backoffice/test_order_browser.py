"""The back-office order page in Chromium: the "Ship items" form's inputs look like the page's others."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.checkout_factories import make_shipping, make_tax
from tests.e2e import conftest as e2e
from tests.e2e.conftest import Merchant, Pages, Site
from tests.order_factories import make_paid_order, make_variant

site = e2e.site
merchant = e2e.merchant
pages = e2e.pages
shot = e2e.shot

pytestmark = pytest.mark.browser

_LOOK = ["borderTopWidth", "borderTopStyle", "borderRadius", "paddingLeft", "paddingTop", "fontSize", "backgroundColor"]


def _style(page: Page, selector: str) -> dict[str, object]:
    return page.eval_on_selector(
        selector,
        "(el, names) => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();"
        " return Object.fromEntries([...names.map(n => [n, s[n]]), ['height', Math.round(r.height)],"
        " ['width', Math.round(r.width)]]); }",
        _LOOK,
    )


@pytest.fixture
def paid(merchant: Merchant) -> tuple[int, int]:
    """A paid order of the merchant's store (number, line id), written before the browser starts."""
    store = merchant.store
    make_shipping(store)
    make_tax(store)
    order = make_paid_order(store, [(make_variant(store, stock=5), 2)])
    line = order.lines.filter(store=store).get()
    return order.number, line.pk


def test_the_ship_items_inputs_are_styled_like_the_others(
    paid: tuple[int, int], pages: Pages, site: Site, merchant: Merchant, shot
) -> None:
    number, line_id = paid
    page = pages.open(viewport={"width": 1280, "height": 900})
    page.goto(site.platform("/login/"))
    page.get_by_label("Email").fill(merchant.email)
    page.get_by_label("Password").fill(merchant.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(merchant.store_name)
    page.goto(site.platform(f"/office/orders/{number}/"))
    expect(page.get_by_role("region", name="Ship items")).to_be_visible()
    shot(page, "ship-items")

    carrier = _style(page, "#fulfil #id_carrier")
    link = _style(page, "#fulfil #id_tracking_url")
    quantity = _style(page, f"#fulfil #id_line_{line_id}")
    for name in [*_LOOK, "height"]:
        assert link[name] == carrier[name], (name, link, carrier)
        assert quantity[name] == carrier[name], (name, quantity, carrier)
    assert link["width"] == carrier["width"]
    assert 60 <= int(quantity["width"]) <= 130  # a few digits wide, not the browser's default
