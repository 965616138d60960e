"""The header's cart count of a customer signed in on two devices: a write on one shows on the other's next page.

A cart write keeps the count once its transaction commits; the tests run inside one
transaction, so they run the commit callbacks of each write (`committed`).
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.cart.models import CartLine
from shopwright.catalog.models import Product
from shopwright.customers.services import customer_api_token_create
from tests.cart.helpers import add, only_variant, product, signed_in, variants_of
from tests.factories import host, make_customer

pytestmark = pytest.mark.django_db


def _badge(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    match = re.search(r'<span class="cart-count" data-cart-count( hidden)?>(\d+)</span>', response.content.decode())
    assert match, "the header has a cart count"
    return "" if match.group(1) else match.group(2)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _cart_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "cart_cart" in q["sql"]]


def test_a_write_on_one_device_shows_in_the_header_of_the_other(store, committed) -> None:
    item = product(store, title="Lamp", sizes=["S", "M"], stock=20)
    small, medium = variants_of(item)
    customer = make_customer(store, email="ada@example.com")
    laptop = signed_in(store, "ada@example.com")
    phone = signed_in(store, "ada@example.com")
    page = f"/products/{item.handle}/"
    assert _badge(laptop.get(page)) == ""

    with committed():
        assert add(phone, small, 3).status_code == 302
    assert _badge(laptop.get(page)) == "3"

    # The API writes the same count: a bearer-token client adds two more.
    token = customer_api_token_create(customer=customer)
    with committed():
        response = phone.post(
            "/api/v1/storefront/cart/lines",
            {"variant_id": medium.pk, "quantity": 2},
            content_type="application/json",
            HTTP_HOST=host(store),
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code in (200, 201), response.content
    assert _badge(laptop.get(page)) == "5"

    # Changing and removing lines on the phone's cart page show too.
    line = CartLine.objects.get(store=store, variant=small)
    with committed():
        phone.post(f"/cart/lines/{line.pk}/", {"quantity": "1"})
    assert _badge(laptop.get(page)) == "3"
    with committed():
        phone.post(f"/cart/lines/{line.pk}/remove/")
    assert _badge(laptop.get(page)) == "2"
    assert _badge(phone.get("/")) == "2"


def test_a_customer_s_header_reads_the_kept_count_without_a_cart_query(store, committed) -> None:
    item = product(store, title="Mug")
    make_customer(store, email="bo@example.com")
    laptop = signed_in(store, "bo@example.com")
    phone = signed_in(store, "bo@example.com")
    with committed():
        add(phone, only_variant(item), 2)
    page = f"/products/{item.handle}/"

    with CaptureQueriesContext(connection) as queries:
        assert _badge(laptop.get(page)) == "2"
    assert _cart_queries(queries) == []

    # Without the kept entry (evicted, expired) one query counts, and the next page reads the entry again.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert _badge(laptop.get(page)) == "2"
    assert len(_cart_queries(queries)) == 1
    with CaptureQueriesContext(connection) as queries:
        assert _badge(phone.get(page)) == "2"
    assert _cart_queries(queries) == []


def test_the_cart_page_refreshes_a_count_a_catalog_change_made_stale(store) -> None:
    kept, withdrawn = product(store, title="Kept"), product(store, title="Withdrawn")
    make_customer(store, email="cy@example.com")
    client = signed_in(store, "cy@example.com")
    add(client, only_variant(kept), 1)
    add(client, only_variant(withdrawn), 2)
    Product.objects.filter(store=store, pk=withdrawn.pk).update(status="archived")
    assert _badge(client.get("/cart/")) == "1"
    assert _badge(client.get(f"/products/{kept.handle}/")) == "1"


def test_each_store_and_customer_has_its_own_count(store, other_store, committed) -> None:
    make_customer(store, email="di@example.com")
    make_customer(store, email="ed@example.com")
    make_customer(other_store, email="di@example.com")
    di = signed_in(store, "di@example.com")
    ed = signed_in(store, "ed@example.com")
    di_elsewhere = signed_in(other_store, "di@example.com")
    with committed():
        add(di, only_variant(product(store)), 4)
    assert _badge(di.get("/")) == "4"
    assert _badge(ed.get("/")) == ""
    assert _badge(di_elsewhere.get("/")) == ""
