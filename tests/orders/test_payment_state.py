"""The buyer's one sentence on their payment (orders.display.payment_state) for cancelled orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shopwright.catalog.models import Variant
from shopwright.orders import display, selectors
from shopwright.orders.models import Order
from shopwright.orders.services import (
    RESERVATION_MINUTES,
    PaymentOutcome,
    order_payment_succeeded,
    order_reservations_expire,
)
from shopwright.payments.models import Payment
from tests.factories import host
from tests.order_factories import make_payment, make_variant, place_order

pytestmark = pytest.mark.django_db


def _late_payment(store) -> tuple[Order, Payment, str]:  # type: ignore[no-untyped-def]
    """An order whose payment arrived after its hold ran out and its stock was sold: the money goes back."""
    item = make_variant(store, stock=1)
    placed = place_order(store, [(item, 1)])
    order_reservations_expire(now=timezone.now() + timedelta(minutes=RESERVATION_MINUTES + 1))
    Variant.objects.filter(store=store, pk=item.pk).update(stock_quantity=0)
    payment = make_payment(placed.order)
    assert order_payment_succeeded(store=store, order=placed.order, payment=payment) is PaymentOutcome.REFUND_NEEDED
    assert placed.token is not None
    return placed.order, payment, placed.token


def _state(order: Order) -> str:
    return display.payment_state(selectors.order_detail(store=order.store, order_id=order.pk))


def test_a_cancelled_order_whose_payment_was_returned_says_so(store) -> None:
    order, payment, token = _late_payment(store)
    Payment.objects.filter(store=store, pk=payment.pk).update(refunded_amount=payment.amount)

    assert _state(order) == "Payment returned to your Visa ending in 4242."
    page = Client(HTTP_HOST=host(store)).get(f"/orders/{token}/").content.decode()
    assert "Payment returned" in page and "Paid with" not in page


def test_a_cancelled_order_whose_payment_is_on_its_way_back_says_so(store) -> None:
    order, _, _ = _late_payment(store)

    assert _state(order) == "Your payment is being returned to your Visa ending in 4242."
