"""Order numbers are given last in a placement, and a placement that fails gives its number back.

The store's number counter is the one row every placement at a store
locks, so the number is the placement's last write (orders.numbers); the
races on PostgreSQL are in test_concurrency.py.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shopwright.checkout.selectors import checkout_priced
from shopwright.core.audit import Actor
from shopwright.orders.models import Order, OrderNumberSequence
from shopwright.orders.numbers import order_number_assign
from shopwright.orders.services import order_place
from shopwright.shipping.models import ShippingMethod
from tests.checkout_factories import make_checkout
from tests.order_factories import make_variant, stock_of

pytestmark = pytest.mark.django_db


def _checkout(store, lines: int = 1):  # type: ignore[no-untyped-def]
    items = [(make_variant(store, stock=10), 1) for _ in range(lines)]
    checkout = make_checkout(store, items, method=ShippingMethod.objects.filter(store=store).get())
    return checkout, checkout_priced(store=store, checkout=checkout).signature, items


def _place(store, checkout, signature, on_placed=None):  # type: ignore[no-untyped-def]
    return order_place(
        store=store, checkout=checkout, reviewed_signature=signature, actor=Actor.anonymous(), on_placed=on_placed
    )


def test_the_number_is_the_placements_last_write(store) -> None:
    checkout, signature, _ = _checkout(store, lines=3)
    with CaptureQueriesContext(connection) as queries:
        placed = _place(store, checkout, signature)
    sql = [q["sql"] for q in queries.captured_queries]
    bump = next(i for i, s in enumerate(sql) if "orders_ordernumbersequence" in s)
    # Everything the order is made of is written before the counter is locked ...
    writes = (
        'INSERT INTO "orders_order" ',
        'INSERT INTO "orders_orderline" ',
        'INSERT INTO "orders_orderevent" ',
        'UPDATE "checkout_checkout" SET "order_id"',
        'DELETE FROM "cart_cartline" ',
    )
    for write in writes:
        assert any(s.startswith(write) for s in sql[:bump]), write
    # ... and after it comes only the number's own UPDATE on SQLite (one statement with it on PostgreSQL)
    # and the end of the transaction.
    after = [s for s in sql[bump + 1 :] if not s.startswith(("RELEASE SAVEPOINT", "COMMIT"))]
    assert after == ([] if connection.vendor == "postgresql" else [after[0]])
    if after:
        assert after[0].startswith("UPDATE orders_order SET number")
    assert placed.order.number == 1001
    assert Order.objects.get(store=store, pk=placed.order.pk).number == 1001


def test_a_placement_that_fails_after_its_number_gives_it_back(store) -> None:
    checkout, signature, items = _checkout(store)

    def fail(order: Order) -> None:
        assert order.number == 1001  # numbered, then rolled back with everything else
        raise RuntimeError("the payment attempt could not be written")

    with pytest.raises(RuntimeError, match="could not be written"):
        _place(store, checkout, signature, on_placed=fail)

    assert not Order.objects.filter(store=store).exists()
    assert not OrderNumberSequence.objects.filter(store=store).exists()
    assert stock_of(items[0][0]) == 10
    # The same checkout, placed again, takes the number the failed one gave back.
    assert _place(store, checkout, signature).order.number == 1001


def test_numbers_follow_on_at_each_store_separately(store, other_store) -> None:
    first = _place(store, *_checkout(store)[:2]).order
    second = _place(store, *_checkout(store)[:2]).order
    elsewhere = _place(other_store, *_checkout(other_store)[:2]).order
    assert (first.number, second.number, elsewhere.number) == (1001, 1002, 1001)


@pytest.mark.django_db(transaction=True)
def test_a_number_is_given_only_inside_the_orders_transaction_and_only_once(store) -> None:
    placed = _place(store, *_checkout(store)[:2]).order
    with pytest.raises(RuntimeError, match="inside the order's transaction"):
        order_number_assign(order=placed)
    with transaction.atomic(), pytest.raises(RuntimeError, match="already has its number"):
        order_number_assign(order=placed)
    assert Order.objects.get(store=store, pk=placed.pk).number == 1001
    assert OrderNumberSequence.objects.get(store=store).last_number == 1001
