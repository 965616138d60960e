"""Order test data: orders placed through `order_place`, and paid ones through `order_payment_succeeded`.

Checkouts come from tests.checkout_factories (rows made directly); placing
and paying go through the real services, so an order in a test has the
stock, number, lines, events and email a real one has.
"""

from __future__ import annotations

import itertools
import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction

from shopwright.catalog.models import Variant
from shopwright.checkout.selectors import checkout_priced
from shopwright.core.audit import Actor
from shopwright.customers.models import Customer
from shopwright.orders.models import Order
from shopwright.orders.services import OrderPlaced, PaymentOutcome, order_payment_succeeded, order_place
from shopwright.payments.models import Payment, PaymentStatus
from shopwright.shipping.models import ShippingMethod
from shopwright.stores.models import Store
from tests.catalog_factories import make_product
from tests.checkout_factories import make_checkout, make_shipping

_seq = itertools.count(1)


def place_order(
    store: Store, lines: list[tuple[Variant, int]], *, customer: Customer | None = None, **checkout_kwargs: Any
) -> OrderPlaced:
    """A checkout for `lines` (shipping made when the store has none), priced and placed; the buyer's token kept.

    `checkout_kwargs` go to make_checkout (method, email, phone, extra_phone, delivery_time,
    shipping_address). A customer's orders all come from their one cart, as in the shop.
    """
    if "method" not in checkout_kwargs:
        method = ShippingMethod.objects.filter(store=store).order_by("id").first()
        checkout_kwargs["method"] = method or make_shipping(store)
    checkout = make_checkout(store, lines, customer=customer, **checkout_kwargs)
    priced = checkout_priced(store=store, checkout=checkout)
    actor = Actor.customer(customer) if customer is not None else Actor.anonymous()
    return order_place(store=store, checkout=checkout, reviewed_signature=priced.signature, actor=actor)


def make_payment(
    order: Order,
    *,
    status: str = PaymentStatus.SUCCEEDED,
    amount: Decimal | None = None,
    card_brand: str = "visa",
    card_last4: str = "4242",
) -> Payment:
    """A test-provider payment row for the order, as the payments app would have recorded it."""
    n = next(_seq)
    return Payment.objects.create(
        store_id=order.store_id,
        order=order,
        provider="test",
        reference=f"tp_test_{n}_{secrets.token_hex(6)}",
        idempotency_key=f"test-{n}-{secrets.token_hex(8)}",
        amount=order.total if amount is None else amount,
        currency=order.currency,
        status=status,
        card_brand=card_brand,
        card_last4=card_last4,
    )


def make_paid_order(
    store: Store, lines: list[tuple[Variant, int]], *, customer: Customer | None = None, **checkout_kwargs: Any
) -> Order:
    """An order placed and paid (status paid, stock sold, confirmation email queued)."""
    order = place_order(store, lines, customer=customer, **checkout_kwargs).order
    payment = make_payment(order)
    with transaction.atomic():
        outcome = order_payment_succeeded(store=store, order=order, payment=payment)
    assert outcome is PaymentOutcome.APPLIED, outcome
    order.refresh_from_db()
    return order


def make_variant(store: Store, *, stock: int = 10, price: str = "20.00", **fields: Any) -> Variant:
    """The one variant of a new published product."""
    product = make_product(store, stock=stock, price=price, **fields)
    return Variant.objects.filter(store=store, product=product).order_by("position", "id").first()  # type: ignore[return-value]


def stock_of(variant: Variant) -> int:
    """The variant's stock as the database has it now."""
    return (
        Variant.objects.filter(store_id=variant.store_id, pk=variant.pk).values_list("stock_quantity", flat=True).get()
    )
