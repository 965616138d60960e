"""The buyer's payment-return page, /orders/<token>/payment/ on the store host."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shopwright.orders.models import Order, OrderStatus
from shopwright.payments import models as pm
from shopwright.payments.models import Payment, PaymentStatus
from tests.payments.conftest import CARD_3DS, CARD_DECLINED, Buyer, make_buyer, pay

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
    body = page(buyer).content.decode()
    assert "Pay now" in body
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
