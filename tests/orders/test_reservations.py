"""Reservations: a placed order holds its stock for 15 minutes; the sweep gives back what was never paid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.orders.models import Order, OrderEvent, OrderStatus
from shopwright.orders.services import (
    RESERVATION_MINUTES,
    PaymentOutcome,
    order_cancel,
    order_payment_succeeded,
    order_reservations_expire,
)
from shopwright.orders.tasks import order_reservations_expire_task
from tests.order_factories import make_paid_order, make_payment, make_variant, place_order, stock_of

pytestmark = pytest.mark.django_db


def _later(minutes: int = RESERVATION_MINUTES + 1):  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(minutes=minutes)


def _fresh(order: Order) -> Order:
    return Order.objects.get(store_id=order.store_id, pk=order.pk)


def _kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(store_id=order.store_id, order=order).values_list("kind", flat=True))


def test_an_unpaid_order_gives_its_stock_back_when_its_hold_runs_out(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 3)]).order
    assert stock_of(item) == 2

    assert order_reservations_expire(now=_later(RESERVATION_MINUTES - 1)) == 0  # still held
    assert stock_of(item) == 2

    assert order_reservations_expire(now=_later()) == 1
    order = _fresh(order)
    assert order.status == OrderStatus.CANCELLED and order.reserved_until is None
    assert stock_of(item) == 5
    assert _kinds(order) == ["placed", "reservation_expired", "cancelled", "restocked"]
    assert OrderEvent.objects.get(store=store, order=order, kind="cancelled").data == {"code": "reservation_expired"}

    assert order_reservations_expire(now=_later()) == 0  # idempotent
    assert stock_of(item) == 5


def test_paid_orders_and_other_stores_are_swept_correctly(store, other_store) -> None:
    mine, theirs = make_variant(store, stock=5), make_variant(other_store, stock=5)
    paid = make_paid_order(store, [(mine, 1)])
    pending_here = place_order(store, [(mine, 1)]).order
    pending_there = place_order(other_store, [(theirs, 2)]).order

    assert order_reservations_expire(now=_later()) == 2

    assert _fresh(paid).status == OrderStatus.PAID
    assert _fresh(pending_here).status == _fresh(pending_there).status == OrderStatus.CANCELLED
    assert (stock_of(mine), stock_of(theirs)) == (4, 5)


def test_the_batch_bounds_one_run(store) -> None:
    item = make_variant(store, stock=10)
    for _ in range(3):
        place_order(store, [(item, 1)])
    assert order_reservations_expire(now=_later(), batch=2) == 2
    assert order_reservations_expire(now=_later(), batch=2) == 1
    assert stock_of(item) == 10


def test_the_periodic_job_runs_the_sweep(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 2)]).order
    Order.objects.filter(store=store, pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    order_reservations_expire_task.call_local()

    assert _fresh(order).status == OrderStatus.CANCELLED and stock_of(item) == 5


def test_a_late_payment_takes_the_stock_again_when_it_is_still_there(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 2)]).order
    order_reservations_expire(now=_later())
    assert stock_of(item) == 5

    outcome = order_payment_succeeded(store=store, order=order, payment=make_payment(order))

    assert outcome is PaymentOutcome.APPLIED
    order = _fresh(order)
    assert order.status == OrderStatus.PAID and order.cancelled_at is None
    assert stock_of(item) == 3
    assert OrderEvent.objects.get(store=store, order=order, kind="paid").data["reinstated"] is True
    # Reinstated lines hold stock again: cancelling later restocks them.
    from shopwright.orders.models import OrderLine

    assert not OrderLine.objects.filter(store=store, order=order, restocked=True).exists()


def test_a_late_payment_for_stock_sold_meanwhile_must_be_refunded(store) -> None:
    item = make_variant(store, stock=2)
    order = place_order(store, [(item, 2)]).order
    order_reservations_expire(now=_later())
    make_paid_order(store, [(item, 1)])  # another buyer took one of the two
    assert stock_of(item) == 1

    outcome = order_payment_succeeded(store=store, order=order, payment=make_payment(order))

    assert outcome is PaymentOutcome.REFUND_NEEDED
    assert _fresh(order).status == OrderStatus.CANCELLED
    assert stock_of(item) == 1
    note = OrderEvent.objects.get(store=store, order=order, kind="note")
    assert note.data["code"] == "reinstate_failed"


def test_a_payment_for_an_order_the_merchant_cancelled_must_be_refunded(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 2)]).order
    order_cancel(store=store, order=order, actor=Actor.user(store.owner))

    outcome = order_payment_succeeded(store=store, order=order, payment=make_payment(order))

    assert outcome is PaymentOutcome.REFUND_NEEDED
    assert _fresh(order).status == OrderStatus.CANCELLED and stock_of(item) == 5


def test_a_sweep_that_finds_the_order_paid_meanwhile_leaves_it(store, monkeypatch) -> None:
    """The sweep re-reads the order under its lock: a payment applied after the list was read wins."""
    from shopwright.orders import services

    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 2)]).order
    real = Order.objects.select_for_update

    def paid_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        Order.objects.filter(store=store, pk=order.pk).update(status=OrderStatus.PAID, reserved_until=None)
        return real(*args, **kwargs)

    monkeypatch.setattr(services.Order.objects, "select_for_update", paid_meanwhile)
    assert order_reservations_expire(now=_later()) == 0
    assert stock_of(item) == 3
