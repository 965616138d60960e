"""The buyer's order pages: the order link's status page and the personal center's orders."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Variant
from shopwright.core.audit import Actor
from shopwright.customers.models import Customer
from shopwright.orders import selectors
from shopwright.orders.models import Order
from shopwright.orders.services import order_cancel, order_fulfil, order_payment_succeeded
from shopwright.stores.models import Store
from tests.checkout_factories import address, make_shipping, make_tax
from tests.factories import PASSWORD, host, make_customer, make_merchant
from tests.order_factories import make_paid_order, make_payment, make_variant, place_order

pytestmark = pytest.mark.django_db

BUYER = {
    "email": "erika.mustermann@example.com",
    "phone": "+49 30 901820",
    "shipping_address": address(name="Erika Mustermann", street_address="Lindenallee 42", postal_code="10117"),
}


@pytest.fixture
def store() -> Store:
    store = make_merchant(store_name="Linden Goods").store
    make_shipping(store, price="5.00", name="Parcel")
    make_tax(store, rate="19")
    return store


@pytest.fixture
def variant(store) -> Variant:
    return make_variant(store, price="20.00", stock=100, title="Linen Shirt")


def visitor(store: Store) -> Client:
    return Client(HTTP_HOST=host(store))


def signed_in(store: Store, customer: Customer) -> Client:
    browser = visitor(store)
    assert browser.post("/account/login/", {"email": customer.email, "password": PASSWORD}).status_code == 302
    return browser


def html(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.content.decode())


def give(order: Order, customer: Customer) -> Order:
    """The order as placed by `customer` (the factory's signed-in checkout takes one cart per customer)."""
    Order.objects.filter(store_id=order.store_id, pk=order.pk).update(customer=customer)
    return order


def ship(store: Store, order: Order, **parcel: str) -> None:
    order_fulfil(
        store=store,
        order=order,
        actor=Actor.system(),
        carrier=parcel.get("carrier", "DHL"),
        tracking_number=parcel.get("tracking_number", "JD014600003828"),
        tracking_url=parcel.get("tracking_url", ""),
    )


def pay(store: Store, order: Order) -> None:
    """Apply a succeeded payment to an order placed by `place_order` (what the provider's webhook does)."""
    payment = make_payment(order)
    with transaction.atomic():
        order_payment_succeeded(store=store, order=order, payment=payment)


def assert_private(response) -> None:  # type: ignore[no-untyped-def]
    """Never stored by a browser or proxy, never indexed, no Referer (the address may be the secret)."""
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "X-Page-Cache" not in response


# --- the order link -----------------------------------------------------------------------------


def test_the_link_shows_the_order_in_full_to_its_buyer(store, variant):
    placed = place_order(store, [(variant, 2)], **BUYER)

    response = visitor(store).get(f"/orders/{placed.token}/")

    assert response.status_code == 200
    assert_private(response)
    page = html(response)
    assert f"Order #{placed.order.number}" in page
    assert "Waiting for payment" in page
    assert f'href="/orders/{placed.token}/payment/"' in page  # the way to pay
    assert "2 × Linen Shirt" in page and "Parcel" in page and "VAT 19%" in page
    # The buyer is the subject: their own details unmasked.
    for plain in ("Erika Mustermann", "Lindenallee 42", "10117", "erika.mustermann@example.com"):
        assert plain in page
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_a_shipped_order_link_shows_the_tracking_number_and_link(store, variant):
    placed = place_order(store, [(variant, 3)], **BUYER)
    order = placed.order
    pay(store, order)
    ship(store, order, tracking_url="https://dhl.example/track?id=JD014600003828")

    response = visitor(store).get(f"/orders/{placed.token}/")

    page = html(response)
    assert "Shipped" in page
    assert 'tracking number <span class="tracking-number">JD014600003828</span>' in page
    assert 'href="https://dhl.example/track?id=JD014600003828" rel="noopener noreferrer"' in page
    assert "Paid with Visa ending in 4242." in page
    kinds = re.findall(r'class="timeline-entry event-([a-z_]+)"', page)
    assert kinds == ["fulfilled", "paid", "placed"]  # newest first; no emails, no internal entries
    assert "3 items · with DHL" in page


def test_the_link_is_never_served_from_a_cache(store, variant):
    placed = place_order(store, [(variant, 1)])
    browser = visitor(store)
    assert "Waiting for payment" in html(browser.get(f"/orders/{placed.token}/"))
    order_cancel(store=store, order=placed.order, actor=Actor.system())
    # The same visitor, no cookies of their own: the page reflects the change at once.
    again = visitor(store).get(f"/orders/{placed.token}/")
    assert "Cancelled" in html(again) and "Waiting for payment" not in html(again)
    assert_private(again)


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00"])
def test_an_unknown_link_is_404(store, variant, token):
    place_order(store, [(variant, 1)])
    response = visitor(store).get(f"/orders/{token}/")
    assert response.status_code == 404
    assert_private(response)
    assert "noindex" in html(response)


def test_a_link_on_another_stores_host_is_404(store, variant):
    placed = place_order(store, [(variant, 1)], **BUYER)
    other = make_merchant().store
    response = visitor(other).get(f"/orders/{placed.token}/")
    assert response.status_code == 404
    assert "Erika" not in html(response)


def test_the_link_page_queries_do_not_grow_with_lines(store):
    def queries(lines: int) -> int:
        placed = place_order(store, [(make_variant(store, stock=5), 1) for _ in range(lines)])
        with CaptureQueriesContext(connection) as ctx:
            response = visitor(store).get(f"/orders/{placed.token}/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    assert queries(1) == queries(20)


# --- the personal center ------------------------------------------------------------------------------


def test_my_orders_newest_first_with_status_and_totals(store, variant):
    alice, bob = make_customer(store), make_customer(store)
    first = give(place_order(store, [(variant, 1)]).order, alice)
    second = give(make_paid_order(store, [(variant, 3)]), alice)
    give(place_order(store, [(variant, 1)]).order, bob)

    response = signed_in(store, alice).get("/account/orders/")

    assert response.status_code == 200
    assert_private(response)
    page = html(response)
    numbers = [int(n) for n in re.findall(r'href="/account/orders/(\d+)/"', page)]
    assert numbers == [second.number, first.number]
    assert "Paid — being prepared" in page and "Waiting for payment" in page
    assert '<td data-label="Items">3</td>' in page


def test_my_orders_are_paginated(store, variant, monkeypatch):
    monkeypatch.setattr(selectors, "CUSTOMER_PAGE_SIZE", 2)
    alice = make_customer(store)
    for _ in range(3):
        give(place_order(store, [(variant, 1)]).order, alice)
    browser = signed_in(store, alice)
    first = html(browser.get("/account/orders/"))
    assert first.count('class="order-row"') == 2 and 'href="?page=2"' in first
    assert html(browser.get("/account/orders/?page=2")).count('class="order-row"') == 1
    assert browser.get("/account/orders/?page=3").status_code == 404
    bad = browser.get("/account/orders/?page=two")
    assert bad.status_code == 400 and "The page must be a whole number." in html(bad)


def test_no_orders_yet(store):
    response = signed_in(store, make_customer(store)).get("/account/orders/")
    assert response.status_code == 200
    assert "No orders yet." in html(response)


def test_the_personal_center_lists_my_latest_orders(store, variant):
    alice, bob = make_customer(store), make_customer(store)
    oldest = place_order(store, [(variant, 1)], customer=alice).order
    paid = make_paid_order(store, [(variant, 2)], customer=alice)
    cancelled = place_order(store, [(variant, 1)], customer=alice).order
    order_cancel(store=store, order=cancelled, actor=Actor.system())
    newest = place_order(store, [(variant, 1)], customer=alice).order
    place_order(store, [(variant, 1)], customer=bob)

    response = signed_in(store, alice).get("/account/")

    assert response.status_code == 200
    assert_private(response)
    page = html(response)
    assert "No orders yet" not in page
    # The three newest, newest first; the oldest is in the full list.
    listed = [int(n) for n in re.findall(r'href="/account/orders/(\d+)/"', page)]
    assert listed == [newest.number, cancelled.number, paid.number]
    assert oldest.number not in listed
    statuses = re.findall(r'<span class="status status-(\w+)">([^<]+)</span>', page)
    assert statuses == [
        ("waiting", "Waiting for payment"),
        ("closed", "Cancelled"),
        ("active", "Paid — being prepared"),
    ]
    assert f"{paid.total}" in page.replace("$", "")
    assert '<a href="/account/orders/">See your orders</a> <span class="muted">(4 in all)</span>' in page


def test_the_personal_center_without_orders_says_so(store):
    page = html(signed_in(store, make_customer(store)).get("/account/"))
    assert "No orders yet." in page and 'href="/collections/"' in page
    assert "See your orders" not in page


def test_the_personal_center_queries_do_not_grow_with_orders(store, variant):
    alice = make_customer(store)
    browser = signed_in(store, alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get("/account/").status_code == 200
        return len(ctx.captured_queries)

    place_order(store, [(variant, 1)], customer=alice)
    queries()  # the first page counts the cart for the header; later ones find the count remembered
    one = queries()
    for _ in range(5):
        place_order(store, [(variant, 1)], customer=alice)
    assert queries() == one


def test_my_order_shows_status_and_tracking(store, variant):
    alice = make_customer(store)
    order = give(make_paid_order(store, [(variant, 2)], **BUYER), alice)
    ship(store, order)

    response = signed_in(store, alice).get(f"/account/orders/{order.number}/")

    assert response.status_code == 200
    assert_private(response)
    page = html(response)
    assert f"Order #{order.number}" in page and "Shipped" in page
    assert 'tracking number <span class="tracking-number">JD014600003828</span>' in page
    assert "Lindenallee 42" in page
    assert 'href="/account/orders/"' in page


def test_another_customers_order_is_404(store, variant):
    alice, bob = make_customer(store), make_customer(store)
    theirs = give(make_paid_order(store, [(variant, 1)], **BUYER), bob)
    guest = make_paid_order(store, [(variant, 1)])
    browser = signed_in(store, alice)
    for number in (theirs.number, guest.number, 424242, 10**15):
        response = browser.get(f"/account/orders/{number}/")
        assert response.status_code == 404, number
        assert "Erika" not in html(response)


def test_the_personal_center_needs_a_signed_in_customer(store, variant):
    order = make_paid_order(store, [(variant, 1)])
    for path in ("/account/orders/", f"/account/orders/{order.number}/"):
        response = visitor(store).get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/account/login/?next={path}"
