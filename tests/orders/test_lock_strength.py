"""Row locks on PostgreSQL are FOR NO KEY UPDATE (review finding I1).

FOR UPDATE also blocks inserting a row whose foreign key points at the locked
row (the key check takes FOR KEY SHARE): a shopper adding the variant to
their cart would wait for every checkout reserving it. FOR NO KEY UPDATE
keeps other writers of the row out and lets such inserts through.
"""

from __future__ import annotations

import secrets

import pytest

from shopwright.cart.models import Cart, CartLine
from shopwright.catalog.stock import stock_reserve
from shopwright.orders.models import OrderEvent
from shopwright.orders.services import order_payment_action_required
from tests.concurrency import while_locked
from tests.order_factories import make_payment, make_variant, place_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_cart_line_for_a_variant_being_reserved_is_added_without_waiting(postgres, store) -> None:
    item = make_variant(store, stock=5)
    cart = Cart.objects.create(store=store, token_hash=secrets.token_hex(32))

    outcome = while_locked(
        lambda: stock_reserve(store=store, quantities={item.pk: 1}),
        lambda: CartLine.objects.create(store=store, cart=cart, variant=item, quantity=1),
    )

    assert isinstance(outcome, CartLine), outcome


def test_a_payment_row_for_a_locked_order_is_written_without_waiting(postgres, store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 1)]).order
    payment = make_payment(order)

    def lock() -> None:
        # Any order write takes the order's row lock first (orders.services._locked_order).
        order_payment_action_required(store=store, order=order, payment=payment)

    outcome = while_locked(lock, lambda: make_payment(order))

    assert not isinstance(outcome, Exception), outcome
    assert OrderEvent.objects.filter(store=store, order=order, kind="payment_action_required").count() == 1
