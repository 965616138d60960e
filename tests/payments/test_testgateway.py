"""The built-in test provider's hosted page: test-card outcomes, card checks, double submits."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shopwright.core.models import Email
from shopwright.orders.models import OrderStatus
from shopwright.payments import models as pm
from shopwright.payments.models import PaymentStatus, WebhookEvent
from shopwright.payments.testgateway import services as gateway
from tests.payments.conftest import (
    CARD_3DS,
    CARD_DECLINED,
    PLATFORM_HOST,
    Buyer,
    authenticate,
    gateway_row,
    pay,
)

pytestmark = pytest.mark.django_db


def number_input(page: str) -> str:
    """The card number's <input> tag as the page renders it."""
    match = re.search(r'<input id="number"[^>]*>', page)
    assert match is not None
    return match.group(0)


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run what commits queue (webhook delivery, emails), as the job consumer would."""

    def capture():  # type: ignore[no-untyped-def]
        return django_capture_on_commit_callbacks(execute=True)

    return capture


def test_the_page_shows_the_store_the_amount_and_an_empty_card_form(buyer: Buyer, client) -> None:
    payment = buyer.start()
    response = client.get(f"/testpay/{payment.reference}/", HTTP_HOST=PLATFORM_HOST)
    assert response.status_code == 200
    page = response.content.decode()
    assert buyer.store.name in page
    assert "$45.00" in page  # 2 x 20.00 + 5.00 shipping
    for field in ('name="number"', 'name="expiry"', 'name="cvc"', 'name="name"'):
        assert field in page
    assert "<script" not in page  # works without JavaScript, and nothing inline for the CSP to refuse
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_a_good_card_pays_and_sends_the_buyer_back(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        response = pay(client, payment)
    assert response.status_code == 303
    assert response["Location"] == buyer.return_url
    # The redirect to the store's host is allowed by the page's own form-action.
    assert f"form-action 'self' http://{buyer.store.handle}.localhost:8000" in response["Content-Security-Policy"]
    row = gateway_row(payment)
    assert (row.status, row.card_brand, row.card_last4) == (pm.TestGatewayStatus.SUCCEEDED, "visa", "4242")
    payment.refresh_from_db()
    assert (payment.status, payment.card_brand, payment.card_last4) == (PaymentStatus.SUCCEEDED, "visa", "4242")
    assert buyer.refresh().status == OrderStatus.PAID


def test_a_declined_card_keeps_the_page_open_for_another_card(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        response = pay(client, payment, number=CARD_DECLINED)
    assert response.status_code == 402
    page = response.content.decode()
    assert "Your card was declined" in page
    assert "value=" not in number_input(page)  # the number is not put back in the form
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT
    assert Email.objects.filter(kind="order_payment_failed").count() == 1

    with run_jobs():
        response = pay(client, payment)  # the same page, another card
    assert response.status_code == 303
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert buyer.refresh().status == OrderStatus.PAID


def test_extra_authentication_completed(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        response = pay(client, payment, number=CARD_3DS)
    assert response.status_code == 303
    assert response["Location"] == f"/testpay/{payment.reference}/authenticate/"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ACTION_REQUIRED
    page = client.get(response["Location"], HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "Complete authentication" in page and "Fail authentication" in page

    with run_jobs():
        response = authenticate(client, payment, "complete")
    assert response.status_code == 303
    assert response["Location"] == buyer.return_url
    payment.refresh_from_db()
    assert (payment.status, payment.card_last4) == (PaymentStatus.SUCCEEDED, "3184")
    assert buyer.refresh().status == OrderStatus.PAID


def test_extra_authentication_failed_leaves_the_payment_open_for_another_try(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        pay(client, payment, number=CARD_3DS)
        response = authenticate(client, payment, "fail")
    assert response.status_code == 303
    assert response["Location"] == f"/testpay/{payment.reference}/"
    page = client.get(response["Location"], HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "authentication failed" in page
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "authentication_failed")
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"number": "4242 4242 4242 4241"}, "number", "This card number is not valid."),
        ({"number": "4242-42x2"}, "number", "This card number is not valid."),
        ({"number": ""}, "number", "Enter the card number."),
        ({"expiry": "01/20"}, "expiry", "This card has expired."),
        ({"expiry": "13/30"}, "expiry", "Enter the expiry date as MM/YY."),
        ({"expiry": "1230"}, "expiry", "Enter the expiry date as MM/YY."),
        ({"cvc": "12"}, "cvc", "Enter the 3 or 4 digits on the back of the card."),
        ({"name": "  "}, "name", "Enter the name on the card."),
    ],
)
def test_bad_card_details_are_field_errors_and_change_nothing(
    buyer: Buyer, client, run_jobs, fields: dict[str, str], field: str, message: str
) -> None:
    payment = buyer.start()
    with run_jobs() as queued:
        response = pay(client, payment, **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert "value=" not in number_input(page) and "4242 4242 4242 4241" not in page
    assert not queued  # no event, no email
    row = gateway_row(payment)
    assert (row.status, row.card_last4) == (pm.TestGatewayStatus.OPEN, "")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED
    assert not WebhookEvent.objects.filter(store=buyer.store).exists()


def test_a_double_submit_charges_once(buyer: Buyer, client, run_jobs) -> None:
    payment = buyer.start()
    with run_jobs():
        first = pay(client, payment)
    with run_jobs() as queued:
        second = pay(client, payment)
    assert first.status_code == second.status_code == 303
    assert second["Location"] == buyer.return_url
    assert not queued  # no second event
    assert pm.TestGatewayPayment.objects.count() == 1
    assert WebhookEvent.objects.filter(store=buyer.store).count() == 1
    assert Email.objects.filter(kind="order_confirmation").count() == 1
    # Coming back to the page shows the success, not a new form.
    page = client.get(f"/testpay/{payment.reference}/", HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "Payment received" in page and 'name="number"' not in page


def test_unknown_payment_page_is_404_and_the_page_is_not_on_store_hosts(buyer: Buyer, client) -> None:
    payment = buyer.start()
    assert client.get("/testpay/tp_nope/", HTTP_HOST=PLATFORM_HOST).status_code == 404
    assert client.post("/testpay/tp_nope/", {"number": "4242424242424242"}, HTTP_HOST=PLATFORM_HOST).status_code == 404
    store_host = f"{buyer.store.handle}.localhost"
    assert client.get(f"/testpay/{payment.reference}/", HTTP_HOST=store_host).status_code == 404


# --- what the gateway costs in statements ------------------------------------------------------------

_PARAMS = {
    "amount": "10.00",
    "currency": "EUR",
    "description": "#1 at X",
    "return_url": "http://x.localhost/r",
    "webhook_url": "http://x.localhost/w",
}


def test_create_writes_every_column_of_the_gateways_payment() -> None:
    """`create` inserts with its own SQL: a field added to the model must be added there too."""
    names = {field.name for field in pm.TestGatewayPayment._meta.concrete_fields}
    assert set(gateway._CREATE_FIELDS) == names


def test_create_is_one_statement_for_a_new_key_and_answers_the_first_payment_for_a_repeated_one(
    django_assert_num_queries,
) -> None:
    params = {**_PARAMS, "idempotency_key": "k-new", "expires_at": int(time.time()) + 600}
    with django_assert_num_queries(1):  # the insert (nothing is read first)
        first = gateway.create(account=7, params=params)
    row = pm.TestGatewayPayment.objects.get(pk=first["id"])
    assert (row.account, row.idempotency_key, row.amount, row.status) == (7, "k-new", Decimal("10.00"), "open")
    assert (row.return_url, row.webhook_url) == ("http://x.localhost/r", "http://x.localhost/w")
    assert row.description == "#1 at X"
    assert row.created_at is not None and row.updated_at is not None and row.expires_at is not None
    with django_assert_num_queries(2):  # the insert that does nothing, and the read of what the first call made
        again = gateway.create(account=7, params={**params, "amount": "99.00"})
    assert again == first  # same key, same payment: the second call's parameters change nothing
    assert pm.TestGatewayPayment.objects.count() == 1


def test_a_repeated_key_answers_its_payment_even_after_its_expiry_passed() -> None:
    params = {**_PARAMS, "idempotency_key": "k-late", "expires_at": int(time.time()) + 600}
    first = gateway.create(account=7, params=params)
    pm.TestGatewayPayment.objects.filter(pk=first["id"]).update(expires_at=timezone.now() - timedelta(seconds=5))
    late = {**params, "expires_at": int(time.time()) - 5}  # the same call, repeated after the page's time ran out
    again = gateway.create(account=7, params=late)
    assert again["id"] == first["id"] and again["status"] == "expired"
    with pytest.raises(gateway.GatewayError) as refused:  # a new key with such parameters is refused
        gateway.create(account=7, params={**late, "idempotency_key": "k-other"})
    assert refused.value.code == "invalid_expires_at"


def test_a_card_is_charged_with_the_page_read_and_one_update(
    buyer: Buyer, client, django_assert_num_queries, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_assert_num_queries(2), django_capture_on_commit_callbacks(execute=False) as queued:
        response = pay(client, payment)
    assert response.status_code == 303 and response["Location"] == buyer.return_url
    row = gateway_row(payment)
    assert (row.status, row.card_brand, row.card_last4, row.failure_code) == ("succeeded", "visa", "4242", "")
    assert len(queued) == 1  # the "payment.succeeded" webhook


def test_a_card_for_a_payment_past_its_time_is_not_charged_and_the_expiry_is_written_down(buyer: Buyer) -> None:
    payment = buyer.start()
    pm.TestGatewayPayment.objects.filter(pk=payment.reference).update(expires_at=timezone.now() - timedelta(seconds=1))
    card = gateway.card_check(number="4242 4242 4242 4242", expiry="12/39", cvc="123", name="E M")
    answered = gateway.card_submit(payment_id=payment.reference, card=card)
    assert answered.status == pm.TestGatewayStatus.EXPIRED and answered.card_last4 == ""
    assert gateway_row(payment).status == pm.TestGatewayStatus.EXPIRED


def test_a_payment_payable_again_when_the_update_looked_is_charged_under_its_lock(buyer: Buyer, monkeypatch) -> None:
    """The conditional update found it waiting for authentication, which then failed: the card is charged."""
    payment = buyer.start()
    pm.TestGatewayPayment.objects.filter(pk=payment.reference).update(status=pm.TestGatewayStatus.REQUIRES_ACTION)
    real_filter = pm.TestGatewayPayment.objects.select_for_update

    def authentication_fails_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        pm.TestGatewayPayment.objects.filter(pk=payment.reference).update(status=pm.TestGatewayStatus.FAILED)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(pm.TestGatewayPayment.objects, "select_for_update", authentication_fails_meanwhile)
    card = gateway.card_check(number="4242 4242 4242 4242", expiry="12/39", cvc="123", name="E M")
    answered = gateway.card_submit(payment_id=payment.reference, card=card)
    assert answered.status == pm.TestGatewayStatus.SUCCEEDED
    assert gateway_row(payment).status == pm.TestGatewayStatus.SUCCEEDED
