"""No provider call is made inside a database transaction (the lesson of Saleor issue #15139).

A spy provider asserts, in every method, that the connection is not inside
an atomic block. These tests commit for real (`transaction=True`): in a
plain django_db test every statement runs inside the test's own atomic
block, and the check would prove nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from shopwright.core.audit import Actor
from shopwright.orders.models import OrderStatus
from shopwright.payments import services
from shopwright.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shopwright.payments.providers.base import PaymentRequest, ProviderEvent, ProviderPayment, ProviderRefund
from shopwright.payments.providers.test_provider import TestProvider
from tests.payments.conftest import make_buyer, pay

pytestmark = pytest.mark.django_db(transaction=True)


class SpyProvider:
    """The test provider, with every call checked for an open transaction and counted."""

    name = "test"
    display_name = "Shopwright test provider"
    sends_email = False

    def __init__(self, real: TestProvider, calls: list[str]):
        self.real = real
        self.calls = calls

    @property
    def page_origin(self) -> str:
        return self.real.page_origin

    def _check(self, method: str) -> None:
        assert not connection.in_atomic_block, f"provider.{method} called inside a transaction"
        self.calls.append(method)

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        self._check("create_payment")
        return self.real.create_payment(request)

    def fetch_payment(self, reference: str) -> ProviderPayment:
        self._check("fetch_payment")
        return self.real.fetch_payment(reference)

    def cancel_payment(self, reference: str) -> ProviderPayment:
        self._check("cancel_payment")
        return self.real.cancel_payment(reference)

    def refund(self, **kwargs: Any) -> ProviderRefund:
        self._check("refund")
        return self.real.refund(**kwargs)

    def fetch_refund(self, reference: str) -> ProviderRefund:
        self._check("fetch_refund")
        return self.real.fetch_refund(reference)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        self._check("parse_webhook")
        return self.real.parse_webhook(body=body, headers=headers)


@pytest.fixture
def calls(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    made: list[str] = []

    def spy(store, name="test"):  # type: ignore[no-untyped-def]
        return SpyProvider(TestProvider(account=store.pk), made)

    monkeypatch.setattr(services, "provider_for", spy)
    monkeypatch.setattr(services, "provider_named", spy)
    return made


def test_start_pay_sync_and_refund_call_the_provider_outside_transactions(calls: list[str], client) -> None:
    buyer = make_buyer()
    payment = buyer.start()
    assert pay(client, payment).status_code == 303  # the webhook is delivered after the gateway commits
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    Payment.objects.filter(store=buyer.store, pk=payment.pk).update(card_last4="")  # so that sync asks again
    payment.refresh_from_db()
    services.payment_sync(store=buyer.store, payment=payment)
    refund = services.refund_create(
        store=buyer.store, order=buyer.order, amount=Decimal("5.00"), reason="", actor=Actor.system()
    )
    assert refund.status == RefundStatus.SUCCEEDED
    assert buyer.refresh().status == OrderStatus.PARTIALLY_REFUNDED
    Refund.objects.filter(store=buyer.store, pk=refund.pk).update(status=RefundStatus.PENDING)
    services.refund_settle_from_provider(store=buyer.store, refund_id=refund.pk)
    other = make_buyer(buyer.store)
    services.payment_close(store=other.store, payment_id=other.start().pk)
    # Every kind of call was made, and each one passed the check.
    assert {"create_payment", "parse_webhook", "fetch_payment", "refund", "fetch_refund", "cancel_payment"} <= set(
        calls
    )


@pytest.mark.parametrize("service", ["payment_start", "payment_sync", "refund_send", "payment_close"])
def test_a_service_that_calls_the_provider_refuses_to_run_inside_a_transaction(
    calls: list[str], client, service: str
) -> None:
    """A caller that wraps one in a transaction fails at once, before the provider is asked anything."""
    from django.db import transaction

    buyer = make_buyer()
    payment = buyer.start()
    if service == "refund_send":
        pay(client, payment)
        refund = services.refund_create(
            store=buyer.store, order=buyer.order, amount=Decimal("1.00"), reason="", actor=Actor.system()
        )
    made = len(calls)
    run = {
        "payment_start": lambda: services.payment_start(
            store=buyer.store, order=buyer.order, return_url=buyer.return_url
        ),
        "payment_sync": lambda: services.payment_sync(store=buyer.store, payment=payment),
        "refund_send": lambda: services.refund_send(store=buyer.store, refund_id=refund.pk),
        "payment_close": lambda: services.payment_close(store=buyer.store, payment_id=payment.pk),
    }[service]
    with pytest.raises(RuntimeError, match="must not run inside a transaction"), transaction.atomic():
        run()
    assert len(calls) == made


def test_returning_a_second_payment_calls_the_provider_outside_transactions(calls: list[str], client) -> None:
    buyer = make_buyer()
    first = buyer.start()
    # Closed here, but its page still open at the provider (the closing job has not run yet).
    Payment.objects.filter(store=buyer.store, pk=first.pk).update(status=PaymentStatus.CANCELLED)
    second = buyer.start()
    pay(client, second)
    pay(client, first)  # paid twice: the job returns it through the provider
    first.refresh_from_db()
    assert first.refunded_amount == first.amount
    assert calls.count("refund") == 1
