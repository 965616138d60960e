"""Placing locks the rows other buyers queue for last: the variants, then the store's number counter.

Each is held only from its statement to the commit (orders.services.order_place,
orders.numbers); a placement that fails gives its number and its units back.
The races on PostgreSQL are in test_concurrency.py.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Variant
from shopwright.checkout.selectors import checkout_priced
from shopwright.core.audit import Actor
from shopwright.orders import services
from shopwright.orders.models import Order, OrderLine, OrderNumberSequence, OrderStatus
from shopwright.orders.numbers import order_number_assign
from shopwright.orders.services import order_cancel, order_place
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


def test_the_variants_and_then_the_number_are_the_placements_last_locks(store) -> None:
    checkout, signature, _ = _checkout(store, lines=3)
    with CaptureQueriesContext(connection) as queries:
        placed = _place(store, checkout, signature)
    sql = [q["sql"] for q in queries.captured_queries]
    # catalog.stock's locking read (FOR NO KEY UPDATE on PostgreSQL; SQLite's writers are serialised anyway).
    variants_locked = next(
        i
        for i, s in enumerate(sql)
        if s.lstrip().startswith("SELECT id, stock_quantity, track_stock, continue_selling")
    )
    bump = next(i for i, s in enumerate(sql) if "orders_ordernumbersequence" in s)
    # Everything the order is made of is written before the rows other buyers wait for are locked ...
    writes = (
        'INSERT INTO "orders_order" ',
        'INSERT INTO "orders_orderline" ',
        'INSERT INTO "orders_orderevent" ',
        'UPDATE "checkout_checkout" SET "order_id"',
    )
    for write in writes:
        assert any(s.startswith(write) for s in sql[:variants_locked]), write
    # ... then the variants (their lock and the stock update), the cart emptied (after the variants: a
    # merchant removing one locks it before deleting its cart lines), then the number: on SQLite its own
    # UPDATE follows (one statement with it on PostgreSQL), then the end of the transaction.
    assert sql[variants_locked + 1].startswith('UPDATE "catalog_variant" AS t SET "stock_quantity"')
    assert sql[variants_locked + 2].startswith('DELETE FROM "cart_cartline" ')
    assert bump == variants_locked + 3
    after = [s for s in sql[bump + 1 :] if not s.startswith(("RELEASE SAVEPOINT", "COMMIT"))]
    assert len(after) == (0 if connection.vendor == "postgresql" else 1)
    if after:
        assert after[0].startswith("UPDATE orders_order SET number")
    assert placed.order.number == 1001
    assert Order.objects.get(store=store, pk=placed.order.pk).number == 1001


@pytest.mark.parametrize("tracking_now", [False, True])
def test_tracking_switched_between_pricing_and_the_stock_lock_leaves_the_lines_holding_what_was_taken(
    store, monkeypatch, tracking_now: bool
) -> None:
    """A merchant turns stock tracking off (or on) while the buyer's order is being placed."""
    checkout, signature, items = _checkout(store, lines=1)
    variant = items[0][0]
    Variant.objects.filter(store=store, pk=variant.pk).update(track_stock=not tracking_now)
    signature = checkout_priced(store=store, checkout=checkout).signature  # as the buyer reviewed it
    real_checkout_priced = services.checkout_priced

    def priced_then_switched(**kwargs):  # type: ignore[no-untyped-def]
        priced = real_checkout_priced(**kwargs)
        Variant.objects.filter(store=store, pk=variant.pk).update(track_stock=tracking_now)
        return priced

    monkeypatch.setattr(services, "checkout_priced", priced_then_switched)

    order = _place(store, checkout, signature).order

    line = OrderLine.objects.get(store=store, order=order)
    assert line.stock_taken == (1 if tracking_now else 0)
    assert stock_of(variant) == (9 if tracking_now else 10)
    # Cancelling gives back exactly what was taken: the count ends where it started.
    monkeypatch.undo()
    order_cancel(store=store, order=order, actor=Actor.anonymous(), reason="test")
    assert Order.objects.get(store=store, pk=order.pk).status == OrderStatus.CANCELLED
    assert stock_of(variant) == 10


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
