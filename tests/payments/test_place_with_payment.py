"""Placing an order with its first payment attempt in the same transaction (payments.services.order_place_for_payment).

The attempt (Payment row and sharing record) commits with the order; the
provider is called after the commit (payment_start with `attempt`), with no
read or lock before it. Everything payment_start guaranteed still holds:
a failure rolls the whole placement back, a second click makes nothing new,
an unreachable provider leaves a failed attempt and a retry with the order's
link secret starts a new one, an order costing nothing is paid with no provider.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.cart.models import CartLine
from shopwright.catalog.models import Variant
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import checkout_priced
from shopwright.core.audit import Actor
from shopwright.core.links import store_url
from shopwright.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from shopwright.orders.services import CheckoutChanged
from shopwright.payments import models as pm
from shopwright.payments import services
from shopwright.payments.models import Payment, PaymentStatus
from shopwright.payments.testgateway import services as gateway
from shopwright.privacy.models import SharingRecord
from shopwright.shipping.models import ShippingMethod
from shopwright.stores.models import Store
from tests.checkout_factories import make_checkout
from tests.order_factories import make_variant
from tests.payments.conftest import statements

pytestmark = pytest.mark.django_db


def _ready(store: Store, lines: int = 1, *, price: str = "12.50") -> tuple[Checkout, str]:
    items: list[tuple[Variant, int]] = [(make_variant(store, stock=50, price=price), 2) for _ in range(lines)]
    checkout = make_checkout(store, items, method=ShippingMethod.objects.filter(store=store).get())
    return checkout, checkout_priced(store=store, checkout=checkout).signature


def _place(store: Store, checkout: Checkout, signature: str) -> services.PlacedForPayment:
    return services.order_place_for_payment(
        store=store, checkout=checkout, reviewed_signature=signature, actor=Actor.anonymous()
    )


def _start(store: Store, placed: services.PlacedForPayment) -> Payment:
    token = placed.placed.token
    assert token is not None
    payment = services.payment_resume(store=store, order=placed.placed.order, token=token, attempt=placed.attempt)
    assert payment is not None
    return payment


def test_the_order_and_its_attempt_are_written_together_and_the_provider_is_asked_after(store: Store) -> None:
    checkout, signature = _ready(store)
    placed = _place(store, checkout, signature)
    order, attempt = placed.placed.order, placed.attempt
    assert placed.placed.created and attempt is not None
    # Committed with the order: the attempt waits for its create call, nothing is at the provider yet.
    assert (attempt.order_id, attempt.status, attempt.reference, attempt.redirect_url) == (
        order.pk,
        PaymentStatus.CREATED,
        "",
        "",
    )
    assert (attempt.amount, attempt.currency, attempt.provider) == (order.total, order.currency, "test")
    record = SharingRecord.objects.get(store=store)
    assert record.order_id == order.pk and record.categories == ["payment_reference"]
    assert record.purpose == f"collect the payment of order #{order.number}"
    assert not pm.TestGatewayPayment.objects.exists()

    payment = _start(store, placed)
    assert payment.pk == attempt.pk and payment.status == PaymentStatus.CREATED
    row = pm.TestGatewayPayment.objects.get(pk=payment.reference)
    assert payment.redirect_url == f"http://localhost:8000/testpay/{row.pk}/"
    assert row.idempotency_key == attempt.idempotency_key and row.amount == order.total
    assert row.description == f"#{order.number} at {store.name}"
    assert row.return_url == store_url(store, f"/orders/{placed.placed.token}/payment/")
    assert row.expires_at is not None and order.reserved_until is not None
    assert int(row.expires_at.timestamp()) == int(order.reserved_until.timestamp())
    saved = Payment.objects.get(store=store, pk=payment.pk)
    assert (saved.reference, saved.redirect_url) == (payment.reference, payment.redirect_url)
    started = OrderEvent.objects.get(store=store, order=order, kind=OrderEventKind.PAYMENT_STARTED)
    assert started.data == {
        "payment_id": payment.pk,
        "provider": "test",
        "amount": str(order.total),
        "currency": order.currency,
    }
    assert started.actor_type == Actor.anonymous().type


def test_a_failure_inside_the_placing_transaction_leaves_no_order_and_no_payment(store: Store, monkeypatch) -> None:
    checkout, signature = _ready(store)
    (variant_id,) = CartLine.objects.filter(store=store, cart_id=checkout.cart_id).values_list("variant_id", flat=True)
    stock_before = Variant.objects.get(store=store, pk=variant_id).stock_quantity

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the sharing ledger is down")

    monkeypatch.setattr(services, "sharing_record", broken)
    with pytest.raises(RuntimeError, match="ledger"):
        _place(store, checkout, signature)
    assert not Order.objects.filter(store=store).exists()
    assert not Payment.objects.filter(store=store).exists()
    assert not SharingRecord.objects.filter(store=store).exists()
    assert Variant.objects.get(store=store, pk=variant_id).stock_quantity == stock_before
    assert CartLine.objects.filter(store=store, cart_id=checkout.cart_id).count() == 1  # the cart is not emptied
    assert Checkout.objects.get(store=store, pk=checkout.pk).order_id is None

    monkeypatch.undo()
    placed = _place(store, checkout, signature)  # the buyer tries again: it places now
    assert placed.placed.created and placed.attempt is not None
    assert Order.objects.filter(store=store).count() == 1


def test_a_changed_checkout_places_nothing_and_opens_no_attempt(store: Store) -> None:
    checkout, _ = _ready(store)
    with pytest.raises(CheckoutChanged):
        _place(store, checkout, "0" * 64)
    assert not Order.objects.filter(store=store).exists() and not Payment.objects.filter(store=store).exists()


def test_a_second_click_opens_no_second_attempt(store: Store) -> None:
    checkout, signature = _ready(store)
    first = _place(store, checkout, signature)
    payment = _start(store, first)
    again = _place(store, checkout, signature)
    assert not again.placed.created and again.placed.token is None and again.attempt is None
    assert again.placed.order.pk == first.placed.order.pk
    # Without the link's secret, the attempt the first click opened is given again.
    resumed = services.payment_resume(store=store, order=again.placed.order)
    assert resumed is not None and resumed.pk == payment.pk and resumed.redirect_url == payment.redirect_url
    assert Payment.objects.filter(store=store).count() == 1 and pm.TestGatewayPayment.objects.count() == 1
    assert SharingRecord.objects.filter(store=store).count() == 1


def test_provider_down_fails_the_attempt_and_a_retry_with_the_secret_starts_a_new_one(
    store: Store, monkeypatch
) -> None:
    checkout, signature = _ready(store)
    placed = _place(store, checkout, signature)
    real = gateway.create

    def down(**kwargs: Any) -> dict[str, Any]:
        raise gateway.GatewayUnavailable("connection reset")

    monkeypatch.setattr(gateway, "create", down)
    with pytest.raises(services.PaymentUnavailable):
        _start(store, placed)
    assert placed.attempt is not None
    failed = Payment.objects.get(store=store, pk=placed.attempt.pk)
    assert (failed.status, failed.failure_code, failed.reference) == (PaymentStatus.FAILED, "provider_unavailable", "")
    assert not OrderEvent.objects.filter(store=store, kind=OrderEventKind.PAYMENT_STARTED).exists()

    monkeypatch.setattr(gateway, "create", real)
    # The retry (checkout API: POST /place with order_token): the order again, by a second click, with its secret.
    again = _place(store, checkout, signature)
    assert again.attempt is None
    token = placed.placed.token
    assert token is not None
    retried = services.payment_resume(store=store, order=again.placed.order, token=token)
    assert retried is not None and retried.pk != failed.pk and retried.redirect_url
    assert retried.idempotency_key != failed.idempotency_key
    assert pm.TestGatewayPayment.objects.count() == 1
    assert OrderEvent.objects.filter(store=store, kind=OrderEventKind.PAYMENT_STARTED).count() == 1


def test_an_attempt_closed_before_its_create_call_answered_is_replaced(
    store: Store, django_capture_on_commit_callbacks
) -> None:
    """The store switched provider between the placement's commit and the create call: a new attempt is made."""
    checkout, signature = _ready(store)
    placed = _place(store, checkout, signature)
    assert placed.attempt is not None
    # What payments.services._close_for_switch does to every unfinished attempt.
    Payment.objects.filter(store=store, pk=placed.attempt.pk).update(
        status=PaymentStatus.CANCELLED, failure_code="provider_changed"
    )
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        payment = _start(store, placed)
    assert payment.pk != placed.attempt.pk and payment.status == PaymentStatus.CREATED and payment.redirect_url
    closed = Payment.objects.get(store=store, pk=placed.attempt.pk)
    assert closed.status == PaymentStatus.CANCELLED and closed.reference  # its provider page gets closed by a job
    assert jobs  # payment_close_task for the closed attempt
    assert Payment.objects.filter(store=store).count() == 2


def test_an_order_that_costs_nothing_opens_no_attempt_and_is_paid_with_no_provider(store: Store) -> None:
    ShippingMethod.objects.filter(store=store).update(price=0)
    checkout, signature = _ready(store, price="0.00")
    placed = _place(store, checkout, signature)
    assert placed.attempt is None
    assert not Payment.objects.filter(store=store).exists()
    payment = _start(store, placed)
    assert (payment.provider, payment.status, payment.amount) == ("none", PaymentStatus.SUCCEEDED, 0)
    assert payment.redirect_url == store_url(store, f"/orders/{placed.placed.token}/payment/")
    assert placed.placed.order.status == OrderStatus.PAID
    assert not SharingRecord.objects.filter(store=store).exists()
    assert not pm.TestGatewayPayment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_opening_an_attempt_outside_the_placing_transaction_is_refused(store: Store) -> None:
    checkout, signature = _ready(store)
    order = _place(store, checkout, signature).placed.order
    with pytest.raises(RuntimeError, match="in the transaction that places the order"):
        services.payment_attempt_open(store=store, order=order)
    assert Payment.objects.filter(store=store).count() == 1


# --- statements ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lines", [1, 20])
def test_placing_and_starting_the_payment_costs_the_same_for_1_and_20_lines(store: Store, lines: int) -> None:
    checkout, signature = _ready(store, lines)
    with CaptureQueriesContext(connection) as queries:
        placed = _place(store, checkout, signature)
        payment = _start(store, placed)
    assert payment.redirect_url
    # Placing (savepoint, checkout lock, cart lock, cart lines, variant lock, stock, order, lines,
    # tax lines, "placed", checkout link, cart emptied, number), the attempt (payment, sharing record), release;
    # the provider's create (one insert); its answer (savepoint, payment updated, "payment started", release).
    # Was 30: the attempt was written in a second transaction that re-locked the order and read its
    # attempts twice, the gateway read its key before a savepoint and insert, and the answer locked the payment.
    # The number is one statement on PostgreSQL, two on SQLite (orders.numbers: no data-modifying CTE there).
    assert statements(queries.captured_queries) == (21 if connection.vendor == "postgresql" else 22)
    # Everything counted (the configuration too, whether cached or not): within issue #4's 30.
    assert len(queries.captured_queries) <= 26
