"""The product editor and stock that buyers take while it is open (review finding C3).

The stock a page shows is what is left to sell; placing an order takes
units off it at once. A merchant who loaded the editor before an order and
then saves it (renaming the product, say) must not put those units back.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Product, Variant
from shopwright.core.audit import Actor
from shopwright.orders.services import order_cancel
from tests.backoffice.catalog_helpers import cell_errors, form_fields
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.order_factories import place_order, stock_of
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant():
    return make_merchant(store_name="Linen House")


@pytest.fixture
def browser(merchant):
    return platform_client(merchant.user)


def _edit_url(product: Product) -> str:
    return f"/office/catalog/products/{product.pk}/"


def _mug(store) -> tuple[Product, Variant]:  # type: ignore[no-untyped-def]
    product = make_product(store, title="Mug", stock=10)
    return product, Variant.objects.get(store=store, product=product)


def _held_notes(html: str) -> list[str]:
    return [unescape(m).strip() for m in re.findall(r'<div class="helptext stock-held"[^>]*>(.*?)</div>', html)]


def test_saving_an_editor_opened_before_an_order_keeps_the_order_s_units_off_the_stock(merchant, browser) -> None:
    product, variant = _mug(merchant.store)
    fields = form_fields(browser.get(_edit_url(product)), "product-form")  # shows 10
    place_order(merchant.store, [(variant, 3)])  # a buyer's order takes 3: 7 left to sell

    fields["title"] = "Big Mug"
    response = browser.post(_edit_url(product), fields)

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.title == "Big Mug"
    assert stock_of(variant) == 7


def test_a_stock_changed_on_a_stale_page_is_refused_with_the_stock_now_then_saved_on_the_second_try(
    merchant, browser
) -> None:
    product, variant = _mug(merchant.store)
    fields = form_fields(browser.get(_edit_url(product)), "product-form")
    place_order(merchant.store, [(variant, 3)])

    fields.update({"title": "Big Mug", "variants-0-stock_quantity": "12"})
    response = browser.post(_edit_url(product), fields)

    assert response.status_code == 400
    assert cell_errors(response, "variants-0-stock_quantity") == [
        "Stock changed while you were editing (now 7): check it and save again."
    ]
    product.refresh_from_db()
    assert (product.title, stock_of(variant)) == ("Mug", 7)  # nothing saved

    # The page shown again keeps what was typed and is checked against the stock now.
    again = form_fields(response, "product-form")
    assert again["variants-0-stock_quantity"] == "12"
    assert browser.post(_edit_url(product), again).status_code == 302
    product.refresh_from_db()
    assert (product.title, stock_of(variant)) == ("Big Mug", 12)


def test_a_stock_changed_on_a_fresh_page_is_written(merchant, browser) -> None:
    product, variant = _mug(merchant.store)
    fields = form_fields(browser.get(_edit_url(product)), "product-form")

    fields["variants-0-stock_quantity"] = "25"

    assert browser.post(_edit_url(product), fields).status_code == 302
    assert stock_of(variant) == 25


def test_the_editor_shows_units_held_by_unpaid_orders_beside_the_stock(merchant, browser) -> None:
    product = make_product(merchant.store, title="Shirt", sizes=["S", "M"], stock=10)
    small, medium = Variant.objects.filter(store=merchant.store, product=product).order_by("position")
    place_order(merchant.store, [(small, 2)])
    placed = place_order(merchant.store, [(small, 1), (medium, 4)])

    html = browser.get(_edit_url(product)).content.decode()

    assert _held_notes(html) == ["+ 3 held by unpaid orders", "+ 4 held by unpaid orders"]
    fields = form_fields(browser.get(_edit_url(product)), "product-form")
    assert (fields["variants-0-stock_quantity"], fields["variants-1-stock_quantity"]) == ("7", "6")

    # Cancelled unpaid: its units are back in stock and no longer held.
    order_cancel(store=merchant.store, order=placed.order, actor=Actor.system())
    html = browser.get(_edit_url(product)).content.decode()
    assert _held_notes(html) == ["+ 2 held by unpaid orders"]


def test_the_stock_seen_map_names_every_saved_variant(merchant, browser) -> None:
    product = make_product(merchant.store, title="Shirt", sizes=["S", "M"], stock=10)

    fields = form_fields(browser.get(_edit_url(product)), "product-form")

    assert json.loads(fields["stock_seen"]) == {'["S"]': "10", '["M"]': "10"}


def _editor_queries(browser, product: Product) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(_edit_url(product)).status_code == 200
    return len(ctx.captured_queries)


def test_held_units_cost_one_query_whatever_the_number_of_orders(merchant, browser) -> None:
    product = make_product(merchant.store, title="Shirt", sizes=["S", "M", "L"], stock=50)
    variants = list(Variant.objects.filter(store=merchant.store, product=product).order_by("position"))
    place_order(merchant.store, [(variants[0], 1)])
    _editor_queries(browser, product)  # the first page of the session writes its own rows
    one = _editor_queries(browser, product)

    for variant in variants:
        place_order(merchant.store, [(variant, 2)])
        place_order(merchant.store, [(variant, 1)])

    assert _editor_queries(browser, product) == one
