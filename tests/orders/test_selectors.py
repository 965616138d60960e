"""Buyer-facing order reads: by link token, by customer and number, a customer's list, one order's detail."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.core.audit import Actor
from shopwright.core.exceptions import NotFound
from shopwright.customers.models import Customer
from shopwright.orders import display, selectors
from shopwright.orders.models import Order, OrderStatus
from shopwright.orders.services import order_fulfil
from shopwright.stores.models import Store
from tests.factories import make_customer
from tests.order_factories import make_paid_order, make_variant, place_order

pytestmark = pytest.mark.django_db


def customer_order(store: Store, customer: Customer, lines: list) -> Order:  # type: ignore[type-arg]
    """An order placed as a guest, then given to `customer` (a customer's cart is one per store, so
    `place_order` makes one order per signed-in customer)."""
    order = place_order(store, lines).order
    Order.objects.filter(store=store, pk=order.pk).update(customer=customer)
    order.customer = customer
    return order


def test_order_for_token_finds_the_order_behind_its_link_only(store, other_store):
    variant = make_variant(store)
    placed = place_order(store, [(variant, 2)])
    assert placed.token

    found = selectors.order_for_token(store=store, token=placed.token)

    assert found.pk == placed.order.pk
    assert [line.quantity for line in found.lines.all()] == [2]
    for token in ("", "nope", placed.token + "x", placed.token[:-1], "\x00" + placed.token, "a" * 500):
        with pytest.raises(NotFound):
            selectors.order_for_token(store=store, token=token)
    # The same link on another store's host finds nothing.
    with pytest.raises(NotFound):
        selectors.order_for_token(store=other_store, token=placed.token)


def test_order_for_customer_is_only_the_customers_own(store, other_store):
    alice, bob = make_customer(store), make_customer(store)
    variant = make_variant(store)
    mine = customer_order(store, alice, [(variant, 1)])
    theirs = customer_order(store, bob, [(variant, 1)])
    guest = place_order(store, [(variant, 1)]).order

    assert selectors.order_for_customer(store=store, customer=alice, number=mine.number).pk == mine.pk
    for number in (theirs.number, guest.number, 999_999, 0, -1, 10**12):
        with pytest.raises(NotFound):
            selectors.order_for_customer(store=store, customer=alice, number=number)
    with pytest.raises(NotFound):
        selectors.order_for_customer(store=other_store, customer=alice, number=mine.number)


def test_orders_for_customer_newest_first_with_item_counts_and_pages(store, monkeypatch):
    monkeypatch.setattr(selectors, "CUSTOMER_PAGE_SIZE", 2)
    alice, bob = make_customer(store), make_customer(store)
    shirt, mug = make_variant(store, price="10.00"), make_variant(store, price="4.50")
    first = customer_order(store, alice, [(shirt, 2), (mug, 3)])
    second = customer_order(store, alice, [(mug, 1)])
    third = customer_order(store, alice, [(shirt, 1)])
    customer_order(store, bob, [(shirt, 1)])

    page1 = selectors.orders_for_customer(store=store, customer=alice, page=1)
    page2 = selectors.orders_for_customer(store=store, customer=alice, page=2)

    assert [r.number for r in page1.rows] == [third.number, second.number]
    assert [r.number for r in page2.rows] == [first.number]
    assert (page1.total, page1.num_pages, page1.has_next, page2.has_previous) == (3, 2, True, True)
    assert page2.rows[0].item_count == 5
    assert page2.rows[0].total == first.total
    with pytest.raises(NotFound):
        selectors.orders_for_customer(store=store, customer=alice, page=3)
    # Nobody's orders: one empty first page, not a 404.
    empty = selectors.orders_for_customer(store=store, customer=make_customer(store), page=1)
    assert (empty.rows, empty.total, empty.num_pages) == ([], 0, 1)


def test_order_detail_loads_everything_in_the_same_queries_for_1_or_20_lines(store):
    def detail_queries(lines: int) -> int:
        variants = [make_variant(store, stock=5) for _ in range(lines)]
        order = make_paid_order(store, [(v, 2) for v in variants])
        order_fulfil(store=store, order=order, actor=Actor.system(), carrier="DHL", tracking_number="JD0001")
        with CaptureQueriesContext(connection) as ctx:
            found = selectors.order_detail(store=store, order_id=order.pk)
            # Everything the pages read comes from the prefetch.
            assert len(list(found.lines.all())) == lines
            assert len(list(found.tax_lines.all())) == 1
            assert {e.kind for e in found.events.all()} >= {"placed", "paid", "fulfilled"}
            shipments = display.shipments(found)
            assert sum(i.quantity for i in shipments[0].items) == 2 * lines
            assert display.payment_state(found).startswith("Paid with Visa")
            assert list(found.refunds.all()) == []
            assert found.status == OrderStatus.FULFILLED
        return len(ctx.captured_queries)

    assert detail_queries(1) == detail_queries(20)


def test_order_detail_of_another_store_is_not_found(store, other_store):
    order = place_order(store, [(make_variant(store), 1)]).order
    with pytest.raises(NotFound):
        selectors.order_detail(store=other_store, order_id=order.pk)
    with pytest.raises(NotFound):
        selectors.order_for_number(store=other_store, number=order.number)
    assert selectors.order_for_number(store=store, number=order.number).pk == order.pk
