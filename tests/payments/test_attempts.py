"""One payable attempt per order, closed when the order stops waiting: expiry, closing, free orders, sync pace.

The test provider's page closes when the order's hold ends (its expiry is
the order's reserved_until); an order cancelled or expired has its
attempts closed at the provider; a declined attempt is resumed, never
doubled; an order that costs nothing is paid with no provider; the
buyer's return page asks the provider at most every few seconds.
"""

from __future__ import annotations

import copy
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.models import Email
from shopwright.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from shopwright.orders.services import order_reservations_expire
from shopwright.payments import models as pm
from shopwright.payments import services
from shopwright.payments.display import provider_display_name
from shopwright.payments.models import Payment, PaymentStatus
from shopwright.payments.providers.test_provider import TestProvider
from shopwright.payments.testgateway import services as gateway
from shopwright.privacy.models import SharingRecord
from tests.checkout_factories import make_shipping
from tests.factories import make_merchant
from tests.payments.conftest import (
    CARD_3DS,
    CARD_DECLINED,
    PLATFORM_HOST,
    Buyer,
    authenticate,
    gateway_row,
    make_buyer,
    pay,
    signed_event,
)

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/payments/webhooks/test"


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run what commits queue (webhook delivery, closing jobs, emails), as the job consumer would."""

    def capture():  # type: ignore[no-untyped-def]
        return django_capture_on_commit_callbacks(execute=True)

    return capture


def _hold_ends(buyer: Buyer, *, ago: timedelta = timedelta(seconds=1)) -> None:
    """The order's hold (and with it the test provider's page) ran out `ago`."""
    ended = timezone.now() - ago
    Order.objects.filter(store=buyer.store, pk=buyer.order.pk).update(reserved_until=ended)
    pm.TestGatewayPayment.objects.filter(account=buyer.store.pk).update(expires_at=ended)


# --- the provider's page closes with the order's hold ---------------------------------------------


def test_the_test_providers_page_expires_with_the_orders_hold(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    row = gateway_row(payment)
    assert row.expires_at is not None and buyer.order.reserved_until is not None
    assert abs((row.expires_at - buyer.order.reserved_until).total_seconds()) < 1

    _hold_ends(buyer)
    page = client.get(f"/testpay/{payment.reference}/", HTTP_HOST=PLATFORM_HOST)
    assert page.status_code == 200
    body = page.content.decode()
    assert "This payment has expired" in body and 'name="number"' not in body
    with run_jobs():
        refused = pay(client, payment)
    assert refused.status_code == 410 and "This payment has expired" in refused.content.decode()
    # Nothing charged, nothing told to the store, the order not revived by a late payment.
    assert gateway.retrieve(account=buyer.store.pk, payment_id=payment.reference)["status"] == "expired"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    # Asked, the provider reports it closed.
    synced = services.payment_sync(store=buyer.store, payment=payment)
    assert (synced.status, synced.failure_code) == (PaymentStatus.CANCELLED, "expired")


def test_a_late_card_after_the_sweep_does_not_revive_the_order(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    _hold_ends(buyer, ago=timedelta(minutes=2))
    assert order_reservations_expire() == 1
    assert buyer.refresh().status == OrderStatus.CANCELLED
    with run_jobs():
        assert pay(client, payment).status_code == 410
    assert buyer.refresh().status == OrderStatus.CANCELLED
    assert not OrderEvent.objects.filter(store=buyer.store, kind=OrderEventKind.PAID).exists()


def test_authentication_after_the_hold_ended_charges_nothing(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        pay(client, payment, number=CARD_3DS)
    _hold_ends(buyer)
    with run_jobs():
        response = authenticate(client, payment, "complete")
    assert response.status_code == 303 and response["Location"] == f"/testpay/{payment.reference}/"
    assert "This payment has expired" in client.get(response["Location"], HTTP_HOST=PLATFORM_HOST).content.decode()
    assert gateway.retrieve(account=buyer.store.pk, payment_id=payment.reference)["status"] == "expired"
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT


# --- closing attempts when the order closes ---------------------------------------------------------


def test_cancelling_an_unpaid_order_closes_its_provider_page(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        done = services.order_cancel_with_refund(store=buyer.store, order=buyer.order, actor=Actor.system())
    assert done.cancelled
    assert gateway_row(payment).status == "canceled"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    page = client.get(f"/testpay/{payment.reference}/", HTTP_HOST=PLATFORM_HOST).content.decode()
    assert f"This payment was closed by {buyer.store.name}" in page and 'name="number"' not in page
    with run_jobs():
        assert pay(client, payment).status_code == 410
    assert buyer.refresh().status == OrderStatus.CANCELLED


def test_the_sweep_closes_the_pages_of_orders_no_longer_waiting_for_payment(client, run_jobs) -> None:
    expired, cancelled, waiting = make_buyer(), make_buyer(), make_buyer()
    declined = expired.start()
    with run_jobs():
        pay(client, declined, number=CARD_DECLINED)  # declined: its page still takes another card
    other = cancelled.start()
    still = waiting.start()
    _hold_ends(expired, ago=timedelta(minutes=2))
    pm.TestGatewayPayment.objects.filter(pk=declined.reference).update(expires_at=None)  # a provider without expiry
    order_reservations_expire()
    Order.objects.filter(store=cancelled.store, pk=cancelled.order.pk).update(status=OrderStatus.CANCELLED)

    with run_jobs():
        assert services.payments_close_stale() == 2
    assert gateway_row(declined).status == "canceled" and gateway_row(other).status == "canceled"
    assert gateway_row(still).status == "open"
    for payment in (declined, other, still):
        payment.refresh_from_db()
    assert (declined.status, other.status, still.status) == ("cancelled", "cancelled", "created")
    # Idempotent: nothing left to close.
    assert services.payments_close_stale() == 0


def test_closing_an_attempt_paid_just_before_applies_the_payment(buyer: Buyer, client, run_jobs) -> None:
    """The buyer paid in the second before the close: the provider says so, and the order takes it."""
    payment = buyer.start()
    pay(client, payment)  # paid at the provider; its webhook not delivered (no job run)
    Order.objects.filter(store=buyer.store, pk=buyer.order.pk).update(reserved_until=timezone.now())
    with run_jobs():
        closed = services.payment_close(store=buyer.store, payment_id=payment.pk)
    assert closed is not None and closed.status == PaymentStatus.SUCCEEDED
    assert gateway_row(payment).status == "succeeded"
    assert buyer.refresh().status == OrderStatus.PAID


# --- one payable attempt ----------------------------------------------------------------------------


def test_a_declined_attempt_is_resumed_and_a_never_started_one_replaced(buyer: Buyer, client, run_jobs) -> None:
    first = buyer.start()
    with run_jobs():
        pay(client, first, number=CARD_DECLINED)
    first.refresh_from_db()
    assert (first.status, first.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert buyer.start().pk == first.pk  # its page takes another card: no second attempt
    # An attempt that never reached the provider (no reference) is no page at all: a new one replaces it.
    Payment.objects.filter(store=buyer.store, pk=first.pk).update(reference="", failure_code="provider_unavailable")
    second = buyer.start()
    assert second.pk != first.pk and second.redirect_url != first.redirect_url


def test_a_card_needing_authentication_after_a_decline_is_followed(buyer: Buyer, client, run_jobs) -> None:
    """3-D Secure on the second card of the same page: FAILED moves on to ACTION_REQUIRED, then SUCCEEDED."""
    payment = buyer.start()
    with run_jobs():
        pay(client, payment, number=CARD_DECLINED)
        pay(client, payment, number=CARD_3DS)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ACTION_REQUIRED
    assert OrderEvent.objects.filter(store=buyer.store, kind=OrderEventKind.PAYMENT_ACTION_REQUIRED).count() == 1
    with run_jobs():
        authenticate(client, payment, "complete")
    payment.refresh_from_db()
    assert (payment.status, payment.card_last4) == (PaymentStatus.SUCCEEDED, "3184")
    assert buyer.refresh().status == OrderStatus.PAID


def test_a_success_for_another_amount_is_not_applied(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    reported = copy.copy(payment)
    reported.amount = Decimal("1.00")
    for _ in range(2):  # told again (another event): one note
        body, headers = signed_event(reported)
        with run_jobs():
            response = client.post(
                WEBHOOK,
                data=body,
                content_type="application/json",
                HTTP_HOST=f"{buyer.store.handle}.localhost",
                HTTP_SHOPWRIGHT_TEST_SIGNATURE=headers["Shopwright-Test-Signature"],
            )
        assert response.status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.CREATED, "amount_mismatch")
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    (note,) = OrderEvent.objects.filter(store=buyer.store, kind=OrderEventKind.NOTE)
    assert note.data["code"] == "amount_mismatch" and note.data["payment_id"] == payment.pk


# --- an order that costs nothing --------------------------------------------------------------------


def test_a_zero_total_order_is_paid_with_no_provider(client, run_jobs) -> None:
    store = make_merchant().store
    make_shipping(store, price="0.00")
    free = make_buyer(store, price="0.00")
    assert free.order.total == Decimal("0.00")
    with run_jobs():
        payment = free.start()
    assert (payment.provider, payment.status, payment.amount, payment.reference) == (
        "none",
        PaymentStatus.SUCCEEDED,
        Decimal("0.00"),
        "",
    )
    # The buyer goes straight to the confirmation (the store's return page), not to a provider.
    assert payment.redirect_url == free.return_url
    assert free.refresh().status == OrderStatus.PAID
    assert not pm.TestGatewayPayment.objects.filter(account=free.store.pk, amount=0).exists()
    assert not SharingRecord.objects.filter(store=free.store, order=free.order).exists()
    assert Email.objects.filter(store_id=free.store.pk, kind="order_confirmation").count() == 1
    page = client.get(f"/orders/{free.token}/payment/", HTTP_HOST=f"{free.store.handle}.localhost")
    body = page.content.decode()
    assert f"Thank you, order #{free.order.number} is confirmed" in body and "There was nothing to pay" in body
    # Again (a second click): the order is paid, nothing more is made.
    with pytest.raises(ApplicationError) as caught:
        free.start()
    assert caught.value.code == "order_not_payable"
    assert Payment.objects.filter(store=free.store, order=free.order).count() == 1
    assert provider_display_name(payment.provider) == "No payment needed"


# --- the return page's pace ---------------------------------------------------------------------------


class CountingProvider(TestProvider):
    __test__ = False
    fetched: list[str] = []

    def fetch_payment(self, reference: str):  # type: ignore[no-untyped-def]
        self.fetched.append(reference)
        return super().fetch_payment(reference)


def test_the_return_page_asks_the_provider_at_most_every_ten_seconds(buyer: Buyer, client, monkeypatch) -> None:
    CountingProvider.fetched = []
    monkeypatch.setattr(services, "provider_named", lambda store, name: CountingProvider(account=store.pk))
    payment = buyer.start()
    for _ in range(3):  # the waiting page reloads itself every 5 s; a buyer reloads too
        page = client.get(f"/orders/{buyer.token}/payment/", HTTP_HOST=f"{buyer.store.handle}.localhost")
        assert "Waiting for the payment provider" in page.content.decode()
    assert CountingProvider.fetched == [payment.reference]

    later = time.time() + services.SYNC_INTERVAL_SECONDS + 1
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    client.get(f"/orders/{buyer.token}/payment/", HTTP_HOST=f"{buyer.store.handle}.localhost")
    assert CountingProvider.fetched == [payment.reference, payment.reference]


# --- the card page after a decline ----------------------------------------------------------------


def test_after_a_decline_the_card_page_keeps_the_name_but_never_the_number(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        response = pay(client, payment, number=CARD_DECLINED, name="Erika Mustermann", cvc="737")
    assert response.status_code == 402
    body = response.content.decode()
    assert 'value="Erika Mustermann"' in body
    # The number and the CVC are typed again: no field holds them. The page names the store, whose
    # factory-made name and handle carry a sequence number that can be 737 too, and random strings
    # (the payment's id, the CSRF token, the order link's secret) that can hold 737 by chance (about
    # one run in 200 failed on the payment's id alone): those are left out.
    outside_store_name = body.replace(buyer.store.name, "").replace(buyer.store.handle, "")
    outside_random = re.sub(r"[A-Za-z0-9_-]{16,}", "", outside_store_name)
    assert 'value="4000' not in body and 'value="737"' not in body and "737" not in outside_random


# --- refunds the provider settles later ---------------------------------------------------------------


def test_the_sweep_settles_a_test_provider_refund_whose_webhook_never_came(
    buyer: Buyer, client, run_jobs, monkeypatch
) -> None:
    with run_jobs():
        pay(client, buyer.start())
    real = gateway.refund
    monkeypatch.setattr(gateway, "refund", lambda **kwargs: {**real(**kwargs), "status": "pending"})
    refund = services.refund_create(
        store=buyer.store, order=buyer.order, amount=Decimal("5.00"), reason="", actor=Actor.system()
    )
    assert refund.status == "pending" and refund.reference.startswith("tr_")
    now = timezone.now()
    pm.Refund.objects.filter(store=buyer.store, pk=refund.pk).update(updated_at=now - timedelta(hours=2))
    with run_jobs():
        assert services.refunds_settle_unsettled(now=now) == 1
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert buyer.refresh().refunded_total == Decimal("5.00")


# --- paying a just-placed order (the checkout page and API) ----------------------------------------


def test_resuming_a_placed_order_starts_only_with_its_link_secret(buyer: Buyer, client, run_jobs) -> None:
    assert services.payment_resume(store=buyer.store, order=buyer.order, token="") is None  # nothing opened yet
    assert services.payment_resume(store=buyer.store, order=buyer.order, token="forged") is None
    started = services.payment_resume(store=buyer.store, order=buyer.order, token=buyer.token)
    assert started is not None and started.redirect_url
    # A second click without the secret reaches the page the first opened; nothing new is made.
    again = services.payment_resume(store=buyer.store, order=buyer.order, token="")
    assert again is not None and again.pk == started.pk
    with run_jobs():
        pay(client, started)
    buyer.refresh()
    assert services.payment_resume(store=buyer.store, order=buyer.order, token=buyer.token) is None  # paid
    assert Payment.objects.filter(store=buyer.store).count() == 1
