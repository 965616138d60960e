"""The customer's orders API: /api/v1/storefront/orders (list) and /api/v1/storefront/orders/{number}."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopwright.core.audit import Actor
from shopwright.customers.models import Customer
from shopwright.customers.services import customer_api_token_create
from shopwright.orders import selectors
from shopwright.orders.models import Order
from shopwright.orders.services import order_fulfil
from shopwright.stores.models import Store
from tests.checkout_factories import address
from tests.factories import PASSWORD, host, make_customer
from tests.order_factories import make_paid_order, make_variant, place_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/storefront/orders"


def give(order: Order, customer: Customer) -> Order:
    """The order as placed by `customer` (the factory's signed-in checkout takes one cart per customer)."""
    Order.objects.filter(store_id=order.store_id, pk=order.pk).update(customer=customer)
    return order


def call(store: Store, path: str = "", *, customer: Customer | None = None, **query: str):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {customer_api_token_create(customer=customer)}"} if customer else {}
    return Client().get(URL + path, query, HTTP_HOST=host(store), **headers)


def error(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    return body


def test_the_list_is_my_orders_newest_first_with_amounts_as_strings(store):
    alice, bob = make_customer(store), make_customer(store)
    variant = make_variant(store, price="20.00")
    first = give(place_order(store, [(variant, 1)]).order, alice)
    second = give(make_paid_order(store, [(variant, 3)]), alice)
    give(place_order(store, [(variant, 1)]).order, bob)

    response = call(store, customer=alice)

    assert response.status_code == 200
    body = response.json()
    assert body["page"] == {"number": 1, "num_pages": 1, "per_page": selectors.CUSTOMER_PAGE_SIZE, "total": 2}
    assert [o["number"] for o in body["orders"]] == [second.number, first.number]
    newest = body["orders"][0]
    assert newest["status"] == "paid" and newest["item_count"] == 3 and newest["currency"] == second.currency
    assert newest["total"] == f"{second.total:.2f}" and isinstance(newest["total"], str)


def test_the_list_pages(store, monkeypatch):
    monkeypatch.setattr(selectors, "CUSTOMER_PAGE_SIZE", 1)
    alice = make_customer(store)
    variant = make_variant(store)
    for _ in range(2):
        give(place_order(store, [(variant, 1)]).order, alice)
    assert [o["number"] for o in call(store, customer=alice, page="2").json()["orders"]] == [1001]
    assert error(call(store, customer=alice, page="3"), 404)["code"] == "not_found"
    assert "page" in error(call(store, customer=alice, page="0"), 400)["fields"]
    assert "page" in error(call(store, customer=alice, page="two"), 400)["fields"]


def test_no_orders_is_an_empty_first_page(store):
    body = call(store, customer=make_customer(store)).json()
    assert body["orders"] == [] and body["page"]["total"] == 0


def test_one_order_in_full(store):
    alice = make_customer(store)
    variant = make_variant(store, price="20.00", title="Linen Shirt")
    order = give(
        make_paid_order(store, [(variant, 2)], shipping_address=address(name="Erika Mustermann", postal_code="10117")),
        alice,
    )
    order_fulfil(
        store=store,
        order=order,
        actor=Actor.system(),
        carrier="DHL",
        tracking_number="JD014600003828",
        tracking_url="https://dhl.example/t/JD014600003828",
    )

    response = call(store, f"/{order.number}", customer=alice)

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number and body["status"] == "fulfilled"
    assert body["total"] == f"{order.total:.2f}" and body["refunded_total"] == "0.00"
    assert body["lines"] == [
        {
            "product_title": "Linen Shirt",
            "variant_title": "",
            "sku": body["lines"][0]["sku"],
            "unit_price": "20.00",
            "quantity": 2,
            "quantity_shipped": 2,
            "line_total": "40.00",
        }
    ]
    assert body["tax_lines"][0]["name"] == "VAT"
    # The customer is the subject: their own details in full.
    assert body["shipping_address"]["name"] == "Erika Mustermann"
    assert body["shipping_address"]["postal_code"] == "10117"
    assert body["billing_address"] is None
    assert body["payment_state"] == "Paid with Visa ending in 4242."
    shipment = body["shipments"][0]
    assert (shipment["carrier"], shipment["tracking_number"]) == ("DHL", "JD014600003828")
    assert shipment["tracking_url"] == "https://dhl.example/t/JD014600003828"
    assert shipment["items"][0]["quantity"] == 2
    assert [e["kind"] for e in body["events"]] == ["fulfilled", "paid", "placed"]


def test_another_customers_order_is_404(store, other_store):
    alice, bob = make_customer(store), make_customer(store)
    variant = make_variant(store)
    theirs = give(make_paid_order(store, [(variant, 1)]), bob)
    guest = make_paid_order(store, [(variant, 1)])
    for number in (theirs.number, guest.number, 999999, 0, -1, 2**31, 10**20):
        assert error(call(store, f"/{number}", customer=alice), 404)["code"] == "not_found", number
    assert "number" in error(call(store, "/abc", customer=alice), 400)["fields"]


def test_needs_a_signed_in_customer_of_this_store(store, other_store):
    alice = make_customer(store)
    order = give(make_paid_order(store, [(make_variant(store), 1)]), alice)
    assert error(call(store), 401)["code"] == "unauthenticated"
    assert error(call(store, f"/{order.number}"), 401)["code"] == "unauthenticated"
    # Alice's token means nothing at another store.
    token = customer_api_token_create(customer=alice)
    response = Client().get(f"{URL}/{order.number}", HTTP_HOST=host(other_store), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    # The platform host serves no customer endpoints.
    assert Client().get(URL, HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404


def test_the_session_signs_in_too(store):
    alice = make_customer(store)
    order = give(make_paid_order(store, [(make_variant(store), 1)]), alice)
    browser = Client(HTTP_HOST=host(store))
    assert browser.post("/account/login/", {"email": alice.email, "password": PASSWORD}).status_code == 302
    assert browser.get(f"{URL}/{order.number}").json()["number"] == order.number


def test_queries_do_not_grow_with_lines_or_orders(store):
    alice = make_customer(store)
    token = customer_api_token_create(customer=alice)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = Client().get(URL + path, HTTP_HOST=host(store), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = give(make_paid_order(store, [(make_variant(store, stock=5), 1)]), alice)
    big = give(make_paid_order(store, [(make_variant(store, stock=5), 1) for _ in range(20)]), alice)
    assert queries(f"/{small.number}") == queries(f"/{big.number}")
    two = queries("")
    for _ in range(8):
        give(place_order(store, [(make_variant(store, stock=5), 1)]).order, alice)
    assert queries("") == two
