"""Provider webhooks at POST /api/v1/payments/webhooks/{provider}: signature, timestamp, at most once, only forward."""

from __future__ import annotations

import json
import time

import pytest

from shopwright.core.models import AuditEntry, Email
from shopwright.orders.models import OrderEvent, OrderStatus
from shopwright.payments.models import Payment, PaymentStatus, WebhookEvent
from shopwright.payments.testgateway import signing
from tests.payments.conftest import Buyer, make_buyer, signed_event

pytestmark = pytest.mark.django_db
WEBHOOK = "/api/v1/payments/webhooks/test"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """POST a raw body to a store's webhook endpoint, running what the commit queues (emails)."""

    def send(buyer: Buyer, body: bytes, headers: dict[str, str], path: str = WEBHOOK):  # type: ignore[no-untyped-def]
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                path, data=body, content_type="application/json", HTTP_HOST=f"{buyer.store.handle}.localhost", **extra
            )

    return send


def _snapshot(buyer: Buyer) -> tuple:
    payment = Payment.objects.get(store=buyer.store, order=buyer.order)
    order = buyer.refresh()
    return (
        payment.status,
        payment.card_last4,
        order.status,
        OrderEvent.objects.filter(store=buyer.store).count(),
        Email.objects.count(),
        WebhookEvent.objects.filter(store=buyer.store).count(),
    )


def test_a_signed_event_is_applied_once(buyer: Buyer, post) -> None:
    payment = buyer.start()
    body, headers = signed_event(payment)
    first = post(buyer, body, headers)
    assert first.status_code == 200
    assert first.json() == {"result": "applied"}
    payment.refresh_from_db()
    assert (payment.status, payment.card_brand, payment.card_last4) == (PaymentStatus.SUCCEEDED, "visa", "4242")
    assert buyer.refresh().status == OrderStatus.PAID
    after_first = _snapshot(buyer)

    replay = post(buyer, body, headers)  # the provider retries, or an attacker replays within 5 minutes
    assert replay.status_code == 200
    assert replay.json() == {"result": "duplicate"}
    assert _snapshot(buyer) == after_first
    assert Email.objects.filter(kind="order_confirmation").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_event_is_recorded_in_one_statement_without_a_savepoint(post) -> None:
    """Applied or duplicate, the event's id is one INSERT … ON CONFLICT DO NOTHING in the event's transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    buyer = make_buyer()  # real transactions here: a savepoint would be the service's own
    payment = buyer.start()
    body, headers = signed_event(payment)
    with CaptureQueriesContext(connection) as first:
        assert post(buyer, body, headers).json() == {"result": "applied"}
    with CaptureQueriesContext(connection) as replay:
        assert post(buyer, body, headers).json() == {"result": "duplicate"}
    for queries in (first, replay):
        statements = [q["sql"] for q in queries.captured_queries]
        assert not [s for s in statements if "SAVEPOINT" in s.upper()], statements
        assert sum("payments_webhookevent" in s for s in statements) == 1, statements
    assert WebhookEvent.objects.filter(store=buyer.store).count() == 1
    assert buyer.refresh().status == OrderStatus.PAID


def test_a_stale_timestamp_is_rejected_and_audited(buyer: Buyer, post) -> None:
    payment = buyer.start()
    before = _snapshot(buyer)
    body, headers = signed_event(payment, timestamp=int(time.time()) - 301)
    response = post(buyer, body, headers)
    assert response.status_code == 400
    assert response.json()["code"] == "webhook_rejected"
    assert _snapshot(buyer) == before
    entry = AuditEntry.objects.get(action="payment.webhook_rejected")
    assert entry.store_id == buyer.store.pk
    assert entry.details == {"provider": "test", "reason": "timestamp outside the tolerance"}


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda body, header: (body.replace(b'"succeeded"', b'"failed"', 1), header), "signature does not match"),
        (lambda body, header: (body, header.replace("v1=", "v1=0")), "signature does not match"),
        (lambda body, header: (body, ""), "missing signature header"),
        (lambda body, header: (body, "t=abc,v1=00"), "malformed signature timestamp"),
        (lambda body, header: (body, "v1=00"), "malformed signature header"),
    ],
)
def test_a_bad_signature_is_rejected_audited_and_changes_nothing(buyer: Buyer, post, tamper, reason: str) -> None:
    payment = buyer.start()
    before = _snapshot(buyer)
    body, headers = signed_event(payment)
    body, header = tamper(body, headers[signing.SIGNATURE_HEADER])
    response = post(buyer, body, {signing.SIGNATURE_HEADER: header} if header else {})
    assert response.status_code == 400
    assert _snapshot(buyer) == before
    entry = AuditEntry.objects.get(action="payment.webhook_rejected", store_id=buyer.store.pk)
    assert entry.details["reason"] == reason
    assert entry.actor_type == AuditEntry.ActorType.ANONYMOUS


def test_another_stores_secret_is_rejected(buyer: Buyer, post) -> None:
    other = make_buyer()
    payment = buyer.start()
    before = _snapshot(buyer)
    body, headers = signed_event(payment, secret_store_id=other.store.pk)
    response = post(buyer, body, headers)
    assert response.status_code == 400
    assert _snapshot(buyer) == before
    # Nor can a genuine event of one store be replayed at another store's endpoint.
    body, headers = signed_event(payment)
    other.start()
    assert post(other, body, headers).status_code == 400


def test_events_out_of_order_never_move_a_payment_back(buyer: Buyer, post) -> None:
    payment = buyer.start()
    assert post(buyer, *signed_event(payment)).json() == {"result": "applied"}
    late_failure = signed_event(payment, event_type="payment.failed", status="failed", failure_code="card_declined")
    assert post(buyer, *late_failure).json() == {"result": "applied"}
    late_action = signed_event(payment, event_type="payment.action_required", status="requires_action")
    assert post(buyer, *late_action).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.SUCCEEDED, "")
    assert buyer.refresh().status == OrderStatus.PAID
    assert not Email.objects.filter(kind="order_payment_failed").exists()


def test_a_failure_then_a_success_is_applied_in_turn(buyer: Buyer, post) -> None:
    payment = buyer.start()
    post(buyer, *signed_event(payment, event_type="payment.failed", status="failed", failure_code="card_declined"))
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    post(buyer, *signed_event(payment))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert buyer.refresh().status == OrderStatus.PAID


def test_an_event_for_an_unknown_payment_is_ignored(buyer: Buyer, post, caplog) -> None:
    payment = buyer.start()
    before = _snapshot(buyer)
    body, headers = signed_event(payment, reference="tp_unknown")
    response = post(buyer, body, headers)
    assert response.status_code == 200
    assert response.json() == {"result": "ignored"}
    assert _snapshot(buyer) == before
    assert "names no known payment" in caplog.text
    assert "buyer@example.com" not in caplog.text


def test_an_event_of_another_type_is_ignored(buyer: Buyer, post) -> None:
    payment = buyer.start()
    body = json.dumps({"id": "evt_other", "type": "account.updated", "created": int(time.time()), "data": {}}).encode()
    header = signing.sign(body=body, secret=signing.webhook_secret(payment.store_id))
    response = post(buyer, body, {signing.SIGNATURE_HEADER: header})
    assert (response.status_code, response.json()) == (200, {"result": "ignored"})


def test_unknown_provider_and_platform_host_are_404(buyer: Buyer, post, client) -> None:
    payment = buyer.start()
    body, headers = signed_event(payment)
    assert post(buyer, body, headers, path="/api/v1/payments/webhooks/paypal").status_code == 404
    response = client.post(WEBHOOK, data=body, content_type="application/json", HTTP_HOST="localhost")
    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


def test_a_body_that_is_not_json_is_rejected_not_a_500(buyer: Buyer, client) -> None:
    buyer.start()
    response = client.post(
        WEBHOOK, data=b"\xff\xfe not json", content_type="text/plain", HTTP_HOST=f"{buyer.store.handle}.localhost"
    )
    assert response.status_code == 400
