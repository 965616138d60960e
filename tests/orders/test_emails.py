"""The order emails, sent through a real SMTP server (aiosmtpd) and read back."""

from __future__ import annotations

from decimal import Decimal
from email.message import EmailMessage

import pytest
from django.db import transaction

from shopwright.core.audit import Actor
from shopwright.orders.services import order_fulfil, order_payment_failed, order_refund_applied
from shopwright.payments.models import PaymentStatus, Refund, RefundStatus
from tests.checkout_factories import BUYER_EMAIL
from tests.order_factories import make_paid_order, make_payment, make_variant, place_order
from tests.smtp import smtp_server

pytestmark = pytest.mark.django_db

CARD_NUMBER = "4242424242424242"


@pytest.mark.django_db
def test_a_customers_emails_link_to_the_order_in_their_account(store) -> None:
    from shopwright.core.models import Email
    from tests.factories import make_customer

    order = make_paid_order(store, [(make_variant(store), 1)], customer=make_customer(store))
    email = Email.objects.get(store_id=store.pk, kind="order_confirmation")
    link = f"http://{store.handle}.localhost:8000/account/orders/{order.number}/"
    assert link in email.body_text and f'href="{link}"' in email.body_html


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "both a text and an HTML part"
    return text.get_content(), html.get_content()


def test_the_four_order_emails_arrive_branded_with_the_right_amounts(
    store, settings, django_capture_on_commit_callbacks
) -> None:
    teapot = make_variant(store, stock=5, price="24.00", title="Stoneware teapot")
    cups = make_variant(store, stock=9, price="6.50", title="Tea cups", sizes=["Set of 2"])

    with smtp_server() as (host, port, received):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = host, port, False
        merchant = Actor.user(store.owner)
        with django_capture_on_commit_callbacks(execute=True):
            order = make_paid_order(store, [(teapot, 1), (cups, 2)])
        with django_capture_on_commit_callbacks(execute=True):
            order = order_fulfil(
                store=store,
                order=order,
                actor=merchant,
                carrier="DHL",
                tracking_number="JJD0099887766",
                tracking_url="https://dhl.example/track?id=JJD0099887766",
            )
        payment = order.payments.filter(store=store).get()
        refund = Refund.objects.create(
            store=store,
            payment=payment,
            order=order,
            amount=Decimal("6.50"),
            status=RefundStatus.SUCCEEDED,
            idempotency_key="refund-email-test",
            actor_type="user",
            actor_id=store.owner_id,
        )
        with django_capture_on_commit_callbacks(execute=True):
            order_refund_applied(store=store, order=order, refund=refund)
        unpaid = place_order(store, [(teapot, 1)]).order
        declined = make_payment(unpaid, status=PaymentStatus.FAILED)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            order_payment_failed(store=store, order=unpaid, payment=declined)

    # The signup's verification mail went to the merchant; the buyer got exactly four.
    mails = [m for m in received if m["X-Envelope-To"] == BUYER_EMAIL]
    assert len(mails) == 4, [m["Subject"] for m in received]
    confirmation, shipped, refunded, failed = mails
    for message in mails:
        assert "Linden Goods" in message["Subject"]
        assert "Linden Goods" in message["From"]
        text, html = _parts(message)
        for body in (text, html):
            assert "Linden Goods" in body and "http://shop-" in body  # branding and the store's address
            assert CARD_NUMBER not in body

    # Confirmation: number, lines, totals with the tax line, method and address. 24.00 + 2 x 6.50 = 37.00,
    # shipping 5.00, VAT 19 % of 42.00 = 7.98, total 49.98.
    assert f"#{order.number}" in confirmation["Subject"]
    text, html = _parts(confirmation)
    for body in (text, html):
        for piece in ("Stoneware teapot", "Tea cups", "Set of 2", "$37.00", "$5.00", "VAT 19%", "$7.98", "$49.98"):
            assert piece in body, (piece, body)
        assert "Standard" in body and "Hauptstraße 5" in body and "10115 BERLIN" in body
        assert "4242" in body  # the last four digits, as a receipt prints them

    text, html = _parts(shipped)
    assert "has shipped" in shipped["Subject"]
    for body in (text, html):
        assert "DHL" in body and "JJD0099887766" in body and "Stoneware teapot" in body
    assert 'href="https://dhl.example/track?id=JJD0099887766"' in html

    assert "$6.50" in refunded["Subject"]
    text, html = _parts(refunded)
    for body in (text, html):
        assert "$6.50" in body and "$49.98" in body

    assert f"#{unpaid.number}" in failed["Subject"] and "did not go through" in failed["Subject"]
    text, html = _parts(failed)
    for body in (text, html):
        assert "$34.51" in body  # 24.00 + 5.00 shipping + 19 % VAT of 29.00
        assert "Nothing was charged" in body


def test_the_confirmation_is_the_same_from_the_lines_the_payment_read_as_from_its_own_read(store) -> None:
    """order_payment_succeeded hands the lines it read for the sales counts to the email: the message is unchanged."""
    from shopwright.core.models import Email
    from shopwright.orders import emails
    from shopwright.orders.models import OrderLine

    teapot = make_variant(store, stock=5, price="24.00", title="Stoneware teapot")
    cups = make_variant(store, stock=9, price="6.50", title="Tea cups", sizes=["Set of 2"])
    order = make_paid_order(store, [(teapot, 1), (cups, 2)])
    payment = make_payment(order)
    read_here = emails.order_confirmation_queue(store=store, order=order, payment=payment)
    lines = list(OrderLine.objects.filter(store=store, order=order).order_by("id"))
    handed = emails.order_confirmation_queue(store=store, order=order, payment=payment, lines=lines)
    assert read_here is not None and handed is not None
    first, second = (Email.objects.get(pk=email.pk) for email in (read_here, handed))
    assert (first.subject, first.body_text, first.body_html) == (second.subject, second.body_text, second.body_html)
    assert "Stoneware teapot" in first.body_text and "Tea cups" in first.body_html
