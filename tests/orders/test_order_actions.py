"""orders.selectors.order_actions: what a page may offer, by the rules the services check (review finding I7)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shopwright.catalog.models import Variant
from shopwright.core.audit import Actor
from shopwright.orders import selectors
from shopwright.orders.models import Order
from shopwright.orders.selectors import OrderActions
from shopwright.orders.services import (
    RESERVATION_MINUTES,
    PaymentOutcome,
    order_cancel,
    order_fulfil,
    order_payment_succeeded,
    order_refund_applied,
    order_reservations_expire,
)
from shopwright.payments.models import Refund, RefundStatus
from tests.order_factories import make_paid_order, make_payment, make_variant, place_order

pytestmark = pytest.mark.django_db


def _actions(order: Order) -> OrderActions:
    return selectors.order_actions(selectors.order_detail(store=order.store, order_id=order.pk))


def _refund(order: Order, amount: str, *, status: str = RefundStatus.SUCCEEDED) -> Refund:
    payment = order.payments.filter(store=order.store).get()
    refund = Refund.objects.create(
        store=order.store,
        payment=payment,
        order=order,
        amount=Decimal(amount),
        status=status,
        idempotency_key=f"actions-{amount}-{status}",
    )
    if status == RefundStatus.SUCCEEDED:
        order_refund_applied(store=order.store, order=order, refund=refund)
    return refund


def test_a_pending_order_may_only_be_cancelled(store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order

    assert _actions(order) == OrderActions(can_fulfil=False, can_refund=False, refundable=Decimal(0), can_cancel=True)


def test_a_paid_order_may_ship_be_refunded_what_it_cost_and_be_cancelled(store) -> None:
    order = make_paid_order(store, [(make_variant(store, price="20.00"), 2)])

    actions = _actions(order)

    assert actions == OrderActions(can_fulfil=True, can_refund=True, refundable=order.total, can_cancel=True)


def test_a_partly_shipped_order_ships_the_rest_and_is_refunded_but_not_cancelled(store) -> None:
    one, two = make_variant(store), make_variant(store)
    order = make_paid_order(store, [(one, 1), (two, 1)])
    first_line = order.lines.filter(store=store).order_by("id").first()
    assert first_line is not None
    order_fulfil(
        store=store, order=order, actor=Actor.system(), carrier="DHL", tracking_number="", quantities={first_line.pk: 1}
    )

    actions = _actions(order)

    assert (actions.can_fulfil, actions.can_refund, actions.can_cancel) == (True, True, False)


def test_refunds_confirmed_and_pending_lower_what_is_left_to_refund(store) -> None:
    order = make_paid_order(store, [(make_variant(store, price="20.00"), 1)])
    _refund(order, "4.00")
    _refund(order, "3.00", status=RefundStatus.PENDING)
    order.refresh_from_db()

    assert _actions(order).refundable == order.total - Decimal("7.00")


def test_a_fully_refunded_unshipped_order_may_only_be_cancelled(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    _refund(order, str(order.total))

    assert _actions(order) == OrderActions(can_fulfil=False, can_refund=False, refundable=Decimal(0), can_cancel=True)


def test_a_cancelled_order_whose_late_payment_was_returned_offers_nothing(store) -> None:
    """The late payment found the stock gone: it is returned on its own, there is nothing left to refund."""
    item = make_variant(store, stock=1)
    order = place_order(store, [(item, 1)]).order
    order_reservations_expire(now=timezone.now() + timedelta(minutes=RESERVATION_MINUTES + 1))
    Variant.objects.filter(store=store, pk=item.pk).update(stock_quantity=0)  # sold to someone else
    assert (
        order_payment_succeeded(store=store, order=order, payment=make_payment(order)) is PaymentOutcome.REFUND_NEEDED
    )

    assert _actions(order) == OrderActions(can_fulfil=False, can_refund=False, refundable=Decimal(0), can_cancel=False)


def test_a_cancelled_order_offers_nothing(store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order
    order_cancel(store=store, order=order, actor=Actor.system())

    assert _actions(order) == OrderActions(can_fulfil=False, can_refund=False, refundable=Decimal(0), can_cancel=False)
