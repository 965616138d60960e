"""An order gives back exactly the stock it took (review finding I9).

A merchant may turn stock tracking on or off while orders hold units. Giving
back the ordered quantity would then make stock appear (untracked 5, an order
for 3 takes nothing, tracking on, cancel: 8) or vanish (tracked 5, an order
for 3 takes 3, tracking off, cancel gives nothing back: 2 once tracked again).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from shopwright.catalog.models import Variant
from shopwright.catalog.stock import stock_reserve
from shopwright.core.audit import Actor
from shopwright.core.tenancy import cross_store_access
from shopwright.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from shopwright.orders.services import (
    RESERVATION_MINUTES,
    PaymentOutcome,
    order_cancel,
    order_payment_succeeded,
    order_reservations_expire,
)
from tests.order_factories import make_payment, make_variant, place_order, stock_of

pytestmark = pytest.mark.django_db


def _set(variant: Variant, **fields: object) -> None:
    Variant.objects.filter(store_id=variant.store_id, pk=variant.pk).update(**fields)


def _taken(order: Order) -> list[tuple[int, bool]]:
    rows = OrderLine.objects.filter(store_id=order.store_id, order=order).order_by("id")
    return list(rows.values_list("stock_taken", "restocked"))


def _expire() -> int:
    return order_reservations_expire(now=timezone.now() + timedelta(minutes=RESERVATION_MINUTES + 1))


def test_reserving_says_what_it_took_from_each_variant(store) -> None:
    tracked, untracked = make_variant(store, stock=5), make_variant(store, stock=5)
    oversold = make_variant(store, stock=1)
    _set(untracked, track_stock=False)
    _set(oversold, continue_selling=True)

    taken = stock_reserve(store=store, quantities={tracked.pk: 2, untracked.pk: 3, oversold.pk: 4})

    assert taken == {tracked.pk: 2, untracked.pk: 0, oversold.pk: 4}
    assert (stock_of(tracked), stock_of(untracked), stock_of(oversold)) == (3, 5, -3)


def test_an_order_placed_untracked_gives_nothing_back_after_tracking_is_turned_on(store) -> None:
    item = make_variant(store, stock=5)
    _set(item, track_stock=False)
    order = place_order(store, [(item, 3)]).order
    assert stock_of(item) == 5 and _taken(order) == [(0, False)]

    _set(item, track_stock=True)
    order_cancel(store=store, order=order, actor=Actor.system())

    assert stock_of(item) == 5  # not 8: no phantom units
    assert _taken(order) == [(0, True)]


def test_an_order_placed_tracked_gives_its_units_back_even_with_tracking_off(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 3)]).order
    assert stock_of(item) == 2 and _taken(order) == [(3, False)]

    _set(item, track_stock=False)
    order_cancel(store=store, order=order, actor=Actor.system())
    _set(item, track_stock=True)

    assert stock_of(item) == 5  # the count the merchant left, not 2
    assert _taken(order) == [(0, True)]
    assert OrderEvent.objects.get(store=store, order=order, kind="restocked").data == {"units": 3}


def test_a_cancelled_order_restocks_once(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 3)]).order

    order_cancel(store=store, order=order, actor=Actor.system())
    order_cancel(store=store, order=order, actor=Actor.system())

    assert stock_of(item) == 5


def test_an_expired_hold_gives_back_what_was_taken_after_a_tracking_change(store) -> None:
    tracked, untracked = make_variant(store, stock=5), make_variant(store, stock=5)
    _set(untracked, track_stock=False)
    order = place_order(store, [(tracked, 2), (untracked, 4)]).order
    _set(untracked, track_stock=True)

    assert _expire() == 1

    assert (stock_of(tracked), stock_of(untracked)) == (5, 5)
    assert OrderEvent.objects.get(store=store, order=order, kind="reservation_expired").data == {"units": 2}


def test_a_late_payment_holds_what_it_takes_again_and_a_later_cancel_gives_that_back(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 2)]).order
    _expire()
    assert stock_of(item) == 5 and _taken(order) == [(0, True)]

    outcome = order_payment_succeeded(store=store, order=order, payment=make_payment(order))

    assert outcome is PaymentOutcome.APPLIED
    assert stock_of(item) == 3 and _taken(order) == [(2, False)]
    order = Order.objects.get(store=store, pk=order.pk)
    assert order.status == OrderStatus.PAID


def test_lines_placed_before_the_field_existed_hold_their_tracked_quantity(store) -> None:
    """The migration: pending lines of tracked variants hold their quantity, others nothing."""
    from importlib import import_module

    migration = import_module("shopwright.orders.migrations.0004_orderline_stock_taken")
    tracked, untracked = make_variant(store, stock=5), make_variant(store, stock=5)
    _set(untracked, track_stock=False)
    held = place_order(store, [(tracked, 2), (untracked, 1)]).order
    gone = place_order(store, [(tracked, 1)]).order
    order_cancel(store=store, order=gone, actor=Actor.system())
    OrderLine.objects.filter(store=store).update(stock_taken=0)  # as the column was added

    with cross_store_access("the migration runs over every store"):
        migration.lines_hold_what_they_would_have_released(apps, None)

    assert _taken(held) == [(2, False), (0, False)]
    assert _taken(gone) == [(0, True)]
