"""Racing payments on PostgreSQL (real concurrent transactions): double clicks and double submits."""

from __future__ import annotations

import threading

import pytest

from shopwright.core.models import Email
from shopwright.orders.models import OrderStatus
from shopwright.payments import models as pm
from shopwright.payments.models import Payment, PaymentStatus, WebhookEvent
from shopwright.payments.testgateway import services as gateway
from tests.concurrency import run_at_once
from tests.payments.conftest import CARD_OK, make_buyer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clicks_on_pay_at_once_make_one_payment(postgres, monkeypatch) -> None:
    """Both clicks reach the provider (the second resumes the first's attempt while its call is in flight)."""
    buyer = make_buyer()
    barrier = threading.Barrier(2, timeout=10)
    real = gateway.create

    def both_in_flight(**kwargs):  # type: ignore[no-untyped-def]
        barrier.wait()
        return real(**kwargs)

    monkeypatch.setattr(gateway, "create", both_in_flight)
    outcomes = run_at_once(lambda n: buyer.start())

    payments = [o for o in outcomes.values() if isinstance(o, Payment)]
    assert len(payments) == 2, outcomes
    assert payments[0].pk == payments[1].pk
    assert payments[0].redirect_url == payments[1].redirect_url
    assert Payment.objects.filter(store=buyer.store).count() == 1
    assert pm.TestGatewayPayment.objects.count() == 1


def test_two_submits_of_the_card_form_at_once_charge_once(postgres) -> None:
    buyer = make_buyer()
    payment = buyer.start()
    card = gateway.card_check(number=CARD_OK, expiry="12/39", cvc="123", name="E M")
    outcomes = run_at_once(lambda n: gateway.card_submit(payment_id=payment.reference, card=card))
    assert all(isinstance(o, pm.TestGatewayPayment) for o in outcomes.values()), outcomes
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert buyer.refresh().status == OrderStatus.PAID
    assert WebhookEvent.objects.filter(store=buyer.store).count() == 1
    assert Email.objects.filter(kind="order_confirmation").count() == 1
