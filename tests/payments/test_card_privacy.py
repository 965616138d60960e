"""Card numbers never reach Shopwright's database, logs or pages: only the brand and the last 4 digits stay."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.db import models

from shopwright.payments.models import Payment
from tests.payments.conftest import (
    CARD_3DS,
    CARD_DECLINED,
    CARD_DIGITS,
    CARD_OK,
    PLATFORM_HOST,
    Buyer,
    authenticate,
    pay,
)

pytestmark = pytest.mark.django_db

# Every table a payment writes to, on both sides of the wire, and what it leads to (emails, audit, timeline).
SCANNED = (
    "payments.Payment",
    "payments.Refund",
    "payments.WebhookEvent",
    "payments.TestGatewayPayment",
    "payments.TestGatewayRefund",
    "core.Email",
    "core.AuditEntry",
    "orders.OrderEvent",
    "orders.Order",
    "privacy.SharingRecord",
)


def _text_values(label: str) -> list[str]:
    """Every text and JSON value of every row, as the application reads it (decrypted)."""
    model = apps.get_model(label)
    fields = [
        f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField | models.JSONField)
    ]
    manager = model._base_manager
    from shopwright.core.tenancy import cross_store_access

    with cross_store_access("test: scanning every row for card numbers"):
        return [str(getattr(row, f.attname)) for row in manager.all() for f in fields]


def test_no_card_number_in_the_database_the_logs_or_the_pages(
    buyer: Buyer, client, caplog, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.DEBUG)
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=True):
        bad = pay(client, payment, number="4242424242424241")  # a typo: Luhn fails
        declined = pay(client, payment, number=CARD_DECLINED.replace(" ", ""))
        pay(client, payment, number=CARD_3DS)
        authenticate(client, payment, "fail")
        pay(client, payment, number=CARD_OK)
    payment.refresh_from_db()
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")

    # (The page lists the test cards, spaced, as help: the numbers were typed unspaced to tell them apart.)
    for response, typed in ((bad, "4242424242424241"), (declined, "4000000000000002")):
        assert response.status_code in (400, 402)
        assert typed not in response.content.decode()
    values = [value for label in SCANNED for value in _text_values(label)]
    assert values  # the scan saw the rows
    for digits in (*CARD_DIGITS, "4242424242424241", "4000002760003184"):
        assert not any(digits in value for value in values), digits
        assert digits not in caplog.text
    assert not any(value == "123" for value in values)  # nor the CVC
    assert Payment.objects.filter(store=buyer.store, card_last4="4242").count() == 1


def test_an_error_report_hides_the_card_fields(buyer: Buyer, rf) -> None:
    """The hosted page marks its POST parameters sensitive: a crash report would show stars, not the card."""
    from django.views.debug import SafeExceptionReporterFilter

    from shopwright.payments.testgateway import views

    payment = buyer.start()
    card = {"number": "4242424242424242", "expiry": "12/39", "cvc": "123", "name": "Erika Mustermann"}
    request = rf.post(f"/testpay/{payment.reference}/", {**card, "expiry": "13/99"}, HTTP_HOST=PLATFORM_HOST)
    response = views.pay(request, payment_id=payment.reference)
    assert response.status_code == 400
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    assert all(cleansed[name] != value for name, value in card.items())
