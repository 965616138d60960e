"""The buyer's payment-return page, /orders/<token>/payment/ on the store host."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shopwright.core.models import Email
from shopwright.orders.links import order_link_token
from shopwright.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from shopwright.payments import models as pm
from shopwright.payments import selectors
from shopwright.payments.models import Payment, PaymentStatus, WebhookEvent
from shopwright.payments.testgateway import services as gateway
from tests.payments.conftest import CARD_3DS, CARD_DECLINED, Buyer, make_buyer, pay, statements

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def open_page(buyer: Buyer, method: str = "get", token: str | None = None):  # type: ignore[no-untyped-def]
        call = getattr(client, method)
        with django_capture_on_commit_callbacks(execute=True):
            return call(f"/orders/{token or buyer.token}/payment/", HTTP_HOST=f"{buyer.store.handle}.localhost")

    return open_page


def test_paid_shows_the_confirmation_and_the_order_link(
    buyer: Buyer, client, page, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=True):
        pay(client, payment)
    response = page(buyer)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Thank you, order #{buyer.order.number} is confirmed" in body
    assert f'href="/orders/{buyer.token}/"' in body
    assert "ending in 4242" in body
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Nothing on it leads to the provider: its forms may post to this site only.
    assert "form-action 'self';" in response["Content-Security-Policy"]


def test_declined_then_try_again_resumes_the_same_page_and_charges_once(
    buyer: Buyer, client, page, django_capture_on_commit_callbacks
) -> None:
    """A declined attempt's page takes another card: "Try again" goes back to it, never to a second one."""
    first = buyer.start()
    with django_capture_on_commit_callbacks(execute=True):
        pay(client, first, number=CARD_DECLINED)
    response = page(buyer)
    body = response.content.decode()
    assert "Your payment was declined" in body and "The card was declined." in body
    assert f'action="/orders/{buyer.token}/payment/"' in body and "Try again" in body
    # The form's answer is a 303 to the provider's page on the platform host: the page's CSP allows it.
    assert "form-action 'self' http://localhost:8000" in response["Content-Security-Policy"]

    again = page(buyer, "post")
    assert again.status_code == 303
    assert again["Location"] == first.redirect_url  # the same page: no second payable attempt
    # A double click on "Try again" too.
    assert page(buyer, "post")["Location"] == first.redirect_url
    assert Payment.objects.filter(store=buyer.store).count() == 1
    assert pm.TestGatewayPayment.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert pay(client, first).status_code == 303
    assert "is confirmed" in page(buyer).content.decode()
    first.refresh_from_db()
    assert first.status == PaymentStatus.SUCCEEDED
    assert buyer.refresh().status == OrderStatus.PAID
    assert pm.TestGatewayPayment.objects.filter(status="succeeded").count() == 1


def test_waiting_links_back_to_the_hosted_page(buyer: Buyer, client, page, django_capture_on_commit_callbacks) -> None:
    payment = buyer.start()
    body = page(buyer).content.decode()
    assert "Waiting for the payment provider" in body
    assert f'href="{payment.redirect_url}"' in body
    with django_capture_on_commit_callbacks(execute=True):
        pay(client, payment, number=CARD_3DS)
    body = page(buyer).content.decode()
    assert "extra confirmation" in body and f'href="{payment.redirect_url}"' in body


def test_the_page_syncs_when_the_webhook_has_not_arrived(
    buyer: Buyer, client, page, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=False):  # the webhook is late
        pay(client, payment)
    assert "is confirmed" in page(buyer).content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert buyer.refresh().status == OrderStatus.PAID


def test_no_attempt_yet_offers_pay_now(buyer: Buyer, page) -> None:
    offer = page(buyer)
    body = offer.content.decode()
    assert "Pay now" in body
    assert "form-action 'self' http://localhost:8000" in offer["Content-Security-Policy"]
    response = page(buyer, "post")
    assert response.status_code == 303
    assert response["Location"].startswith("http://localhost:8000/testpay/tp_")


def test_an_order_past_its_hold_cannot_be_paid_again(buyer: Buyer, page) -> None:
    ran_out = timezone.now() - timedelta(minutes=1)
    Order.objects.filter(store=buyer.store, pk=buyer.order.pk).update(reserved_until=ran_out)
    assert "can no longer be paid" in page(buyer).content.decode()
    refused = page(buyer, "post")
    assert refused.status_code == 409
    assert "This order can no longer be paid." in refused.content.decode()
    assert not Payment.objects.filter(store=buyer.store).exists()


def test_provider_down_on_try_again_says_so(buyer: Buyer, page, monkeypatch) -> None:
    from shopwright.payments.testgateway import services as gateway

    def down(**kwargs):  # type: ignore[no-untyped-def]
        raise gateway.GatewayUnavailable("refused")

    monkeypatch.setattr(gateway, "create", down)
    response = page(buyer, "post")
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_an_unknown_or_another_stores_token_is_404(buyer: Buyer, page) -> None:
    other = make_buyer()
    assert page(buyer, token="not-a-token").status_code == 404
    assert page(buyer, token=other.token).status_code == 404
    assert page(buyer, "post", token=other.token).status_code == 404
    assert not Payment.objects.filter(store=other.store).exists()


# --- a light page: what it reads -----------------------------------------------------------------


def _open(client, buyer: Buyer, token: str | None = None):  # type: ignore[no-untyped-def]
    return client.get(f"/orders/{token or buyer.token}/payment/", HTTP_HOST=f"{buyer.store.handle}.localhost")


def test_the_return_page_marks_the_order_paid_in_13_statements(
    buyer: Buyer, client, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=False):  # the webhook is late: the page asks the provider
        pay(client, payment)
    # The store (a per-process cache outside tests), the order with its latest attempt, the provider's
    # answer; then savepoint, the payment and its order locked together, payment and order updated, the
    # lines (sales counts and email), sales counts, tax lines, the email, the events, release. Was 23
    # (the order's whole detail in 7 reads, its latest attempt, the order locked and read again, its
    # lines read twice, the order refreshed after).
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=False) as queued:
        response = _open(client, buyer)
    assert statements(queries.captured_queries) == 13
    assert "is confirmed" in response.content.decode() and "ending in 4242" in response.content.decode()
    assert buyer.refresh().status == OrderStatus.PAID
    assert len(queued) == 1  # the confirmation email's delivery, after the commit
    (email,) = Email.objects.filter(kind="order_confirmation")
    assert email.to == buyer.order.email


def test_an_order_the_webhook_paid_first_is_shown_from_one_read_without_asking_the_provider(
    buyer: Buyer, client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=True):  # the webhook comes at once
        pay(client, payment)
    assert buyer.refresh().status == OrderStatus.PAID

    def no_call(**kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the provider is not asked about a payment known to be paid")

    monkeypatch.setattr(gateway, "retrieve", no_call)
    with CaptureQueriesContext(connection) as queries:
        response = _open(client, buyer)
    assert statements(queries.captured_queries) == 2  # the store, the order with its latest attempt
    body = response.content.decode()
    assert f"Thank you, order #{buyer.order.number} is confirmed" in body and "ending in 4242" in body


@pytest.mark.parametrize("first", ["webhook", "return page"])
def test_the_confirmation_email_is_sent_once_whichever_comes_first(
    buyer: Buyer, client, first: str, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=False) as webhook:
        pay(client, payment)
    (deliver,) = webhook
    if first == "webhook":
        with django_capture_on_commit_callbacks(execute=True):
            deliver()
        assert buyer.refresh().status == OrderStatus.PAID
        assert "is confirmed" in _open(client, buyer).content.decode()
    else:
        assert "is confirmed" in _open(client, buyer).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            deliver()  # applied: the payment had moved already, nothing more happens
    assert Email.objects.filter(kind="order_confirmation").count() == 1
    kinds = list(
        OrderEvent.objects.filter(store=buyer.store, order=buyer.order).order_by("id").values_list("kind", flat=True)
    )
    assert kinds.count(OrderEventKind.PAID) == 1 and kinds.count(OrderEventKind.EMAIL_SENT) == 1
    assert WebhookEvent.objects.filter(store=buyer.store).count() == 1


def test_an_erased_buyer_paid_through_the_return_page_gets_no_email(
    buyer: Buyer, client, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=False):
        pay(client, payment)
    Order.objects.filter(store=buyer.store, pk=buyer.order.pk).update(subject_erased_at=timezone.now())
    assert "is confirmed" in _open(client, buyer).content.decode()
    assert buyer.refresh().status == OrderStatus.PAID
    assert not Email.objects.filter(kind="order_confirmation").exists()
    assert not OrderEvent.objects.filter(store=buyer.store, kind=OrderEventKind.EMAIL_SENT).exists()


def test_the_emails_signed_link_opens_the_return_page_while_it_matches_the_order(buyer: Buyer, client) -> None:
    signed = order_link_token(buyer.order)
    assert "Pay now" in _open(client, buyer, signed).content.decode()  # no attempt yet: the order read alone
    buyer.start()
    assert "Waiting for the payment provider" in _open(client, buyer, signed).content.decode()
    Order.objects.filter(store=buyer.store, pk=buyer.order.pk).update(token_hash="0" * 64)
    assert _open(client, buyer, signed).status_code == 404
    other = make_buyer()
    assert _open(client, buyer, order_link_token(other.order)).status_code == 404  # another store's order


def test_the_page_reads_no_personal_field_of_the_order(buyer: Buyer) -> None:
    buyer.start()
    order, latest = selectors.order_for_return_page(store=buyer.store, token=buyer.token)
    assert latest is not None and latest.order is order and order.pk == buyer.order.pk
    deferred = order.get_deferred_fields()
    assert {"email", "phone", "shipping_address", "billing_address"} <= deferred
    assert not {"number", "status", "reserved_until", "token_hash"} & deferred
