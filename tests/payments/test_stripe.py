"""The Stripe provider against a local stub of Stripe's API, and webhooks signed the way Stripe signs them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.models import AuditEntry, Email
from shopwright.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from shopwright.payments import services
from shopwright.payments.models import Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent
from shopwright.payments.providers.base import PaymentRequest, ProviderError, WebhookRejected
from shopwright.payments.providers.stripe_provider import StripeProvider, from_minor, to_minor
from shopwright.privacy.models import SharingRecord
from shopwright.stores.models import Store
from tests.payments.conftest import CARD_DECLINED, Buyer, gateway_row, make_buyer, pay
from tests.payments.stripe_stub import StripeStub, event_payload, sign

pytestmark = pytest.mark.django_db

SECRET_KEY = "sk_test_51StubKey0000000000000001234"
WEBHOOK_SECRET = "whsec_stub_webhook_secret_abcd"
WEBHOOK = "/api/v1/payments/webhooks/stripe"


@pytest.fixture
def stub(settings) -> Iterator[StripeStub]:  # type: ignore[no-untyped-def]
    with StripeStub(secret_key=SECRET_KEY) as running:
        settings.STRIPE_API_BASE = running.url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        settings.STRIPE_TIMEOUT_SECONDS = 5
        yield running


@pytest.fixture
def stripe_buyer(buyer: Buyer, stub: StripeStub) -> Buyer:
    services.payment_settings_update(
        store=buyer.store,
        actor=Actor.system(),
        provider="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    return buyer


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def capture():  # type: ignore[no-untyped-def]
        return django_capture_on_commit_callbacks(execute=True)

    return capture


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def send(buyer: Buyer, payload: str, signature: str):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                WEBHOOK,
                data=payload.encode(),
                content_type="application/json",
                HTTP_HOST=f"{buyer.store.handle}.localhost",
                HTTP_STRIPE_SIGNATURE=signature,
            )

    return send


def _paid(stub: StripeStub, buyer: Buyer, post) -> Payment:  # type: ignore[no-untyped-def]
    payment = buyer.start()
    session = stub.complete(payment.reference)
    payload = event_payload("checkout.session.completed", session)
    assert post(buyer, payload, sign(payload, WEBHOOK_SECRET)).json() == {"result": "applied"}
    payment.refresh_from_db()
    return payment


def test_start_creates_a_checkout_session_with_our_idempotency_key(stripe_buyer: Buyer, stub: StripeStub) -> None:
    payment = stripe_buyer.start()
    (call,) = stub.calls("POST", "/v1/checkout/sessions")
    assert call.headers["Idempotency-Key"] == payment.idempotency_key
    assert call.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    order = stripe_buyer.order
    params = call.params
    assert params["mode"] == "payment"
    assert params["line_items[0][quantity]"] == "1"
    assert params["line_items[0][price_data][unit_amount]"] == "4500"
    assert params["line_items[0][price_data][currency]"] == "usd"
    assert params["line_items[0][price_data][product_data][name]"] == f"Order #{order.number}"
    assert params["success_url"] == params["cancel_url"] == stripe_buyer.return_url
    assert params["client_reference_id"] == str(order.number)
    assert params["metadata[order_id]"] == str(order.pk)
    assert params["metadata[store_id]"] == str(stripe_buyer.store.pk)
    assert params["payment_intent_data[metadata][order_id]"] == str(order.pk)
    assert params["customer_email"] == "buyer@example.com"
    assert payment.provider == "stripe"
    assert payment.reference.startswith("cs_test_")
    assert payment.redirect_url == f"https://checkout.stripe.com/c/pay/{payment.reference}"
    record = SharingRecord.objects.get(store=stripe_buyer.store)
    assert (record.recipient, record.categories, record.order_id) == (
        "Stripe",
        ["contact", "payment_reference"],
        order.pk,
    )
    # A double click: the same session, no second call.
    assert stripe_buyer.start().pk == payment.pk
    assert len(stub.calls("POST", "/v1/checkout/sessions")) == 1


def test_a_repeated_create_with_the_same_key_makes_one_session(stub: StripeStub) -> None:
    provider = StripeProvider(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    request = PaymentRequest(
        amount=Decimal("12.50"),
        currency="EUR",
        description="#1001 at Stub Store",
        order_reference="1001",
        return_url="http://s.localhost:8000/orders/t/payment/",
        webhook_url="http://s.localhost:8000/api/v1/payments/webhooks/stripe",
        idempotency_key="key-1",
    )
    first = provider.create_payment(request)
    second = provider.create_payment(request)
    assert first.reference == second.reference
    assert len(stub.state.sessions) == 1
    assert [c.headers["Idempotency-Key"] for c in stub.calls("POST", "/v1/checkout/sessions")] == ["key-1", "key-1"]
    assert stub.calls("POST", "/v1/checkout/sessions")[0].params["line_items[0][price_data][unit_amount]"] == "1250"


def test_minor_units() -> None:
    assert to_minor(Decimal("12.50"), "EUR") == 1250
    assert to_minor(Decimal("1200"), "JPY") == 1200
    assert to_minor(Decimal("0.01"), "USD") == 1


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1200", "JPY", 1200),
        ("5000", "KRW", 5000),
        ("990", "XOF", 990),
        ("2500", "CLP", 2500),
        # Stripe's special cases: two decimals in the API whatever ISO 4217 says.
        ("500", "ISK", 50000),
        ("5000", "UGX", 500000),
        ("12.50", "HUF", 1250),
        ("100", "TWD", 10000),
    ],
)
def test_stripes_own_minor_units(amount: str, currency: str, minor: int) -> None:
    assert to_minor(Decimal(amount), currency) == minor
    assert from_minor(minor, currency) == Decimal(amount)


def test_three_decimal_currencies_and_part_units_are_refused() -> None:
    for currency in ("KWD", "BHD", "JOD", "OMR", "TND"):
        with pytest.raises(ProviderError) as caught:
            to_minor(Decimal("10.00"), currency)
        assert (caught.value.code, caught.value.retryable) == ("currency_not_supported", False)
    with pytest.raises(ProviderError) as caught:
        to_minor(Decimal("0.5"), "JPY")
    assert caught.value.code == "invalid_amount"


def test_stripe_cannot_be_chosen_for_a_three_decimal_store(buyer: Buyer) -> None:
    Store.objects.filter(pk=buyer.store.pk).update(currency="KWD")
    buyer.store.refresh_from_db()
    with pytest.raises(ApplicationError) as caught:
        services.payment_settings_update(
            store=buyer.store,
            actor=Actor.system(),
            provider="stripe",
            stripe_secret_key=SECRET_KEY,
            stripe_webhook_secret=WEBHOOK_SECRET,
        )
    assert "three decimal places" in caught.value.fields["provider"][0]


def test_a_wrong_key_or_stripe_down_is_provider_unavailable(stripe_buyer: Buyer, stub: StripeStub) -> None:
    stub.state.fail_next = 1
    with pytest.raises(services.PaymentUnavailable):
        stripe_buyer.start()
    failed = Payment.objects.get(store=stripe_buyer.store)
    assert (failed.status, failed.failure_code) == (PaymentStatus.FAILED, "provider_unavailable")
    provider = StripeProvider(secret_key="sk_test_wrong", webhook_secret=WEBHOOK_SECRET)
    with pytest.raises(ProviderError) as caught:
        provider.fetch_payment("cs_test_x")
    assert caught.value.retryable is False


def test_a_completed_session_pays_the_order_and_a_fetch_adds_the_card(
    stripe_buyer: Buyer, stub: StripeStub, post
) -> None:
    payment = _paid(stub, stripe_buyer, post)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.charge_reference.startswith("pi_")
    assert stripe_buyer.refresh().status == OrderStatus.PAID
    synced = services.payment_sync(store=stripe_buyer.store, payment=payment)
    (retrieve,) = stub.calls("GET", f"/v1/checkout/sessions/{payment.reference}")
    assert retrieve.params == {"expand[0]": "payment_intent.latest_charge"}
    assert (synced.card_brand, synced.card_last4) == ("visa", "4242")


def test_the_return_page_confirms_a_payment_whose_webhook_is_late(
    stripe_buyer: Buyer, stub: StripeStub, client
) -> None:
    payment = stripe_buyer.start()
    stub.complete(payment.reference, brand="mastercard", last4="4444")
    response = client.get(f"/orders/{stripe_buyer.token}/payment/", HTTP_HOST=f"{stripe_buyer.store.handle}.localhost")
    assert response.status_code == 200
    assert f"order #{stripe_buyer.order.number} is confirmed" in response.content.decode()
    payment.refresh_from_db()
    assert (payment.status, payment.card_brand, payment.card_last4) == (PaymentStatus.SUCCEEDED, "mastercard", "4444")


def test_a_declined_card_at_stripe_reads_as_failed(stripe_buyer: Buyer, stub: StripeStub) -> None:
    payment = stripe_buyer.start()
    stub.decline(payment.reference)
    synced = services.payment_sync(store=stripe_buyer.store, payment=payment)
    assert (synced.status, synced.failure_code) == (PaymentStatus.FAILED, "generic_decline")
    assert stripe_buyer.refresh().status == OrderStatus.PENDING_PAYMENT


def test_refunds_carry_our_idempotency_key_and_minor_units(stripe_buyer: Buyer, stub: StripeStub, post) -> None:
    payment = _paid(stub, stripe_buyer, post)
    refund = services.refund_create(
        store=stripe_buyer.store, order=stripe_buyer.order, amount=Decimal("10.00"), reason="", actor=Actor.system()
    )
    (call,) = stub.calls("POST", "/v1/refunds")
    assert call.headers["Idempotency-Key"] == refund.idempotency_key
    assert call.params == {"payment_intent": payment.charge_reference, "amount": "1000"}
    assert (refund.status, refund.reference) == (RefundStatus.SUCCEEDED, next(iter(stub.state.refunds)))
    assert stripe_buyer.refresh().status == OrderStatus.PARTIALLY_REFUNDED


def test_stripe_down_during_a_refund_then_the_retry_refunds_once(
    stripe_buyer: Buyer, stub: StripeStub, post, monkeypatch
) -> None:
    from shopwright.payments.tasks import refund_retry_task

    _paid(stub, stripe_buyer, post)
    monkeypatch.setattr(refund_retry_task, "schedule", lambda args, delay: None)
    stub.state.fail_next = 1
    with pytest.raises(services.PaymentUnavailable):
        services.refund_create(
            store=stripe_buyer.store, order=stripe_buyer.order, amount=Decimal("45.00"), reason="", actor=Actor.system()
        )
    refund = Refund.objects.get(store=stripe_buyer.store)
    assert refund.status == RefundStatus.PENDING and not stub.state.refunds
    refund_retry_task.call_local(stripe_buyer.store.pk, refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    keys = [c.headers["Idempotency-Key"] for c in stub.calls("POST", "/v1/refunds")]
    assert keys == [refund.idempotency_key, refund.idempotency_key]
    assert len(stub.state.refunds) == 1
    assert stripe_buyer.refresh().status == OrderStatus.REFUNDED


def test_charge_refunded_settles_a_refund_stripe_left_pending(stripe_buyer: Buyer, stub: StripeStub, post) -> None:
    payment = _paid(stub, stripe_buyer, post)
    stub.state.refund_status = "pending"
    refund = services.refund_create(
        store=stripe_buyer.store, order=stripe_buyer.order, amount=Decimal("5.00"), reason="", actor=Actor.system()
    )
    assert refund.status == RefundStatus.PENDING and refund.reference.startswith("re_")
    assert stripe_buyer.refresh().refunded_total == 0
    stub.settle_refunds()
    payload = event_payload("charge.refunded", stub.charge_of(payment.reference))
    assert post(stripe_buyer, payload, sign(payload, WEBHOOK_SECRET)).json() == {"result": "applied"}
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    order = stripe_buyer.refresh()
    assert (order.status, order.refunded_total) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("5.00"))


def test_an_expired_session_cancels_the_attempt_and_async_failure_fails_it(
    stripe_buyer: Buyer, stub: StripeStub, post
) -> None:
    payment = stripe_buyer.start()
    session = dict(stub.state.sessions[payment.reference], status="expired")
    payload = event_payload("checkout.session.expired", session)
    post(stripe_buyer, payload, sign(payload, WEBHOOK_SECRET))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert stripe_buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    # A later async failure does not move a cancelled attempt (closed stays closed).
    payload = event_payload("checkout.session.async_payment_failed", session)
    post(stripe_buyer, payload, sign(payload, WEBHOOK_SECRET))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED


def test_async_payment_succeeded_pays(stripe_buyer: Buyer, stub: StripeStub, post) -> None:
    payment = stripe_buyer.start()
    session = stub.complete(payment.reference)
    pending = dict(session, payment_status="unpaid")  # completed, the bank transfer still on its way
    payload = event_payload("checkout.session.completed", pending)
    post(stripe_buyer, payload, sign(payload, WEBHOOK_SECRET))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED
    payload = event_payload("checkout.session.async_payment_succeeded", session)
    post(stripe_buyer, payload, sign(payload, WEBHOOK_SECRET))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert stripe_buyer.refresh().status == OrderStatus.PAID


def test_a_replayed_stripe_event_is_a_duplicate(stripe_buyer: Buyer, stub: StripeStub, post) -> None:
    payment = stripe_buyer.start()
    payload = event_payload("checkout.session.completed", stub.complete(payment.reference))
    signature = sign(payload, WEBHOOK_SECRET)
    assert post(stripe_buyer, payload, signature).json() == {"result": "applied"}
    assert post(stripe_buyer, payload, signature).json() == {"result": "duplicate"}
    assert WebhookEvent.objects.filter(store=stripe_buyer.store, provider="stripe").count() == 1
    assert Email.objects.filter(kind="order_confirmation").count() == 1


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (lambda p: sign(p, "whsec_someone_else"), "signature does not match"),
        (lambda p: sign(p + " ", WEBHOOK_SECRET), "signature does not match"),
        (lambda p: sign(p, WEBHOOK_SECRET, timestamp=int(time.time()) - 301), "timestamp outside the tolerance"),
        (lambda p: "", "signature does not match"),
    ],
)
def test_wrongly_signed_stripe_events_are_rejected(
    stripe_buyer: Buyer, stub: StripeStub, post, signature, reason: str
) -> None:
    payment = stripe_buyer.start()
    payload = event_payload("checkout.session.completed", stub.complete(payment.reference))
    response = post(stripe_buyer, payload, signature(payload))
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED
    assert stripe_buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    entry = AuditEntry.objects.get(action="payment.webhook_rejected", store_id=stripe_buyer.store.pk)
    assert entry.details == {"provider": "stripe", "reason": reason}


def test_construct_event_checks_the_signature_directly() -> None:
    provider = StripeProvider(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    payload = event_payload(
        "checkout.session.completed",
        {
            "id": "cs_test_1",
            "object": "checkout.session",
            "status": "complete",
            "payment_status": "paid",
            "payment_intent": "pi_1",
            "amount_total": 100,
            "currency": "usd",
        },
    )
    event = provider.parse_webhook(body=payload.encode(), headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)})
    assert event.payment is not None
    assert (event.payment.reference, event.payment.status, event.payment.charge_reference) == (
        "cs_test_1",
        PaymentStatus.SUCCEEDED,
        "pi_1",
    )
    with pytest.raises(WebhookRejected):
        provider.parse_webhook(body=payload.encode(), headers={"Stripe-Signature": sign(payload, "whsec_other")})
    unconfigured = StripeProvider(secret_key=SECRET_KEY, webhook_secret="")
    with pytest.raises(WebhookRejected):
        unconfigured.parse_webhook(body=payload.encode(), headers={"Stripe-Signature": sign(payload, "")})


# --- the session's lifetime, and closing it ----------------------------------------------------------


def test_the_session_closes_with_the_orders_hold_but_not_before_stripes_minimum(
    stripe_buyer: Buyer, stub: StripeStub
) -> None:
    payment = stripe_buyer.start()
    (call,) = stub.calls("POST", "/v1/checkout/sessions")
    # The hold is 15 minutes: Stripe's 30-minute minimum (and a minute's margin) wins.
    expected = payment.created_at + timedelta(minutes=31)
    assert abs(int(call.params["expires_at"]) - expected.timestamp()) <= 1

    # A longer hold is kept as it is.
    later = make_buyer(stripe_buyer.store)
    held = timezone.now() + timedelta(hours=2)
    Order.objects.filter(store=later.store, pk=later.order.pk).update(reserved_until=held)
    later.order.refresh_from_db()
    later.start()
    assert stub.calls("POST", "/v1/checkout/sessions")[-1].params["expires_at"] == str(int(held.timestamp()))


def test_a_retried_create_sends_the_same_expiry(stripe_buyer: Buyer, stub: StripeStub) -> None:
    """The same idempotency key must carry the same parameters, or Stripe refuses the retry."""
    provider = StripeProvider(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    made = timezone.now() - timedelta(seconds=20)
    request = PaymentRequest(
        amount=Decimal("12.50"),
        currency="EUR",
        description="#1001 at Stub Store",
        order_reference="1001",
        return_url="http://s.localhost:8000/orders/t/payment/",
        webhook_url="http://s.localhost:8000/api/v1/payments/webhooks/stripe",
        idempotency_key="key-expiry",
        expires_at=made + timedelta(minutes=15),
        created_at=made,
    )
    first = provider.create_payment(request)
    time.sleep(1.1)
    assert provider.create_payment(request).reference == first.reference  # no idempotency_error


def test_cancelling_the_order_expires_the_session(stripe_buyer: Buyer, stub: StripeStub, run_jobs) -> None:
    payment = stripe_buyer.start()
    with run_jobs():
        services.order_cancel_with_refund(store=stripe_buyer.store, order=stripe_buyer.order, actor=Actor.system())
    assert len(stub.calls("POST", f"/v1/checkout/sessions/{payment.reference}/expire")) == 1
    assert stub.state.sessions[payment.reference]["status"] == "expired"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    # Closing again is harmless: Stripe refuses to expire it twice, the state is read instead.
    assert services.payment_close(store=stripe_buyer.store, payment_id=payment.pk).status == PaymentStatus.CANCELLED


def test_closing_a_session_paid_just_before_applies_it(stripe_buyer: Buyer, stub: StripeStub, run_jobs) -> None:
    payment = stripe_buyer.start()
    stub.complete(payment.reference)  # paid; its webhook not here yet
    with run_jobs():
        closed = services.payment_close(store=stripe_buyer.store, payment_id=payment.pk)
    assert closed is not None and closed.status == PaymentStatus.SUCCEEDED
    assert stripe_buyer.refresh().status == OrderStatus.PAID


# --- switching provider -------------------------------------------------------------------------------


def test_switching_to_stripe_closes_the_test_providers_open_pages(
    buyer: Buyer, stub: StripeStub, client, run_jobs
) -> None:
    declined, waiting = buyer.start(), make_buyer(buyer.store).start()
    with run_jobs():
        pay(client, declined, number=CARD_DECLINED)
    with run_jobs():
        _switch_to_stripe(buyer)
    for payment in (declined, waiting):
        payment.refresh_from_db()
        assert (payment.status, payment.failure_code) == (PaymentStatus.CANCELLED, "provider_changed")
        assert gateway_row(payment).status == "canceled"
        with run_jobs():
            assert pay(client, payment).status_code == 410  # the page takes no card any more
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    entry = AuditEntry.objects.filter(store_id=buyer.store.pk, action="payment.settings_changed").latest("id")
    assert entry.details["payments_closed"] == 2
    # The buyer's page says what happened; "Try again" starts a Stripe attempt, not the test page again.
    body = client.get(f"/orders/{buyer.token}/payment/", HTTP_HOST=f"{buyer.store.handle}.localhost").content.decode()
    assert "Your payment was not completed" in body and "The store has changed its payment provider." in body
    again = client.post(f"/orders/{buyer.token}/payment/", HTTP_HOST=f"{buyer.store.handle}.localhost")
    assert again.status_code == 303 and again["Location"].startswith("https://checkout.stripe.com/")
    assert Payment.objects.filter(store=buyer.store, order=buyer.order).latest("id").provider == "stripe"


def test_a_test_payment_that_slips_through_a_switch_is_returned_not_applied(
    buyer: Buyer, stub: StripeStub, client, run_jobs
) -> None:
    """Paid on a test page left open in a tab before its closing job ran: no real money, no order paid."""
    payment = buyer.start()
    _switch_to_stripe(buyer)  # its closing job has not run yet
    with run_jobs():
        assert pay(client, payment).status_code == 303
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.refunded_amount == payment.amount
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    assert gateway_row(payment).refunded_amount == payment.amount
    note = OrderEvent.objects.get(store=buyer.store, order=buyer.order, kind=OrderEventKind.NOTE)
    assert (note.data["code"], note.data["provider"]) == ("paid_after_closing", "test")
    returned = Refund.objects.get(store=buyer.store)
    assert (returned.reason, returned.status) == (services.RETURNED_PAYMENT_REASON, RefundStatus.SUCCEEDED)


# --- refunds Stripe settles later ----------------------------------------------------------------------


def _pending_refund(stub: StripeStub, buyer: Buyer, post) -> Refund:  # type: ignore[no-untyped-def]
    _paid(stub, buyer, post)
    stub.state.refund_status = "pending"
    refund = services.refund_create(
        store=buyer.store, order=buyer.order, amount=Decimal("5.00"), reason="", actor=Actor.system()
    )
    assert refund.status == RefundStatus.PENDING and refund.reference.startswith("re_")
    return refund


def test_refund_updated_settles_a_pending_refund(stripe_buyer: Buyer, stub: StripeStub, post) -> None:
    refund = _pending_refund(stub, stripe_buyer, post)
    created = event_payload("refund.created", dict(stub.state.refunds[refund.reference]))
    assert post(stripe_buyer, created, sign(created, WEBHOOK_SECRET)).json() == {"result": "applied"}
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING  # created pending: nothing settled yet
    (settled,) = stub.settle_refunds()
    updated = event_payload("refund.updated", settled)
    assert post(stripe_buyer, updated, sign(updated, WEBHOOK_SECRET)).json() == {"result": "applied"}
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    order = stripe_buyer.refresh()
    assert (order.status, order.refunded_total) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("5.00"))
    assert post(stripe_buyer, updated, sign(updated, WEBHOOK_SECRET)).json() == {"result": "duplicate"}
    assert stripe_buyer.refresh().refunded_total == Decimal("5.00")


def test_refund_failed_fails_a_pending_refund(stripe_buyer: Buyer, stub: StripeStub, post) -> None:
    refund = _pending_refund(stub, stripe_buyer, post)
    (failed,) = stub.settle_refunds(status="failed")
    payload = event_payload("refund.failed", dict(failed, failure_reason="expired_or_canceled_card"))
    assert post(stripe_buyer, payload, sign(payload, WEBHOOK_SECRET)).json() == {"result": "applied"}
    refund.refresh_from_db()
    assert (refund.status, refund.failure_code) == (RefundStatus.FAILED, "expired_or_canceled_card")
    assert stripe_buyer.refresh().refunded_total == 0
    event = OrderEvent.objects.get(store=stripe_buyer.store, kind=OrderEventKind.REFUND_FAILED)
    assert event.data["refund_id"] == refund.pk


def test_the_sweep_asks_stripe_about_refunds_whose_webhook_never_came(
    stripe_buyer: Buyer, stub: StripeStub, post
) -> None:
    refund = _pending_refund(stub, stripe_buyer, post)
    now = timezone.now()
    assert services.refunds_settle_unsettled(now=now) == 0  # not an hour old yet
    Refund.objects.filter(store=stripe_buyer.store, pk=refund.pk).update(updated_at=now - timedelta(minutes=61))
    assert services.refunds_settle_unsettled(now=now) == 1  # still pending at Stripe: asked, left as is
    assert stub.calls("GET", f"/v1/refunds/{refund.reference}")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING and refund.updated_at == now

    stub.settle_refunds()
    later = now + timedelta(minutes=61)
    assert services.refunds_settle_unsettled(now=later) == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert stripe_buyer.refresh().refunded_total == Decimal("5.00")
    assert services.refunds_settle_unsettled(now=later + timedelta(hours=2)) == 0


def _switch_to_stripe(buyer: Buyer) -> None:
    services.payment_settings_update(
        store=buyer.store,
        actor=Actor.system(),
        provider="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
