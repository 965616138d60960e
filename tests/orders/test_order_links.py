"""Every order email links to the order page, for guests too (review finding I5).

The secret of the buyer's first link is not kept (only its hash), so the
emails carry a signed link made from the order: it opens the same page, for
as long as orders are kept, and only at the order's own store.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client

from shopwright.core.audit import Actor
from shopwright.core.exceptions import NotFound
from shopwright.core.models import Email
from shopwright.orders import selectors
from shopwright.orders.links import ORDER_LINK_MAX_AGE, order_link_token
from shopwright.orders.models import Order
from shopwright.orders.services import order_fulfil, order_payment_failed, order_refund_applied
from shopwright.payments.models import PaymentStatus, Refund, RefundStatus
from tests.factories import host, make_customer
from tests.order_factories import make_paid_order, make_payment, make_variant, place_order

pytestmark = pytest.mark.django_db

_LINK = re.compile(r"http://[a-z0-9-]+\.localhost:8000(/orders/[^/\s\"]+/)")


def _emails(store, kind: str) -> list[Email]:  # type: ignore[no-untyped-def]
    return list(Email.objects.filter(store_id=store.pk, kind=kind).order_by("id"))


def _order_paths(email: Email) -> set[str]:
    """The order-page paths in both parts (they must agree)."""
    text, html = set(_LINK.findall(email.body_text)), set(_LINK.findall(email.body_html))
    assert text == html, (text, html)
    return text


def _open(store, path: str):  # type: ignore[no-untyped-def]
    return Client(HTTP_HOST=host(store)).get(path)


def test_a_guest_s_four_emails_each_link_to_their_order_page(store) -> None:
    teapot = make_variant(store, stock=5, price="24.00", title="Teapot")
    order = make_paid_order(store, [(teapot, 2)])
    order = order_fulfil(store=store, order=order, actor=Actor.system(), carrier="DHL", tracking_number="JJD1")
    payment = order.payments.filter(store=store).get()
    refund = Refund.objects.create(
        store=store,
        payment=payment,
        order=order,
        amount=Decimal("5.00"),
        status=RefundStatus.SUCCEEDED,
        idempotency_key="links-refund",
    )
    order_refund_applied(store=store, order=order, refund=refund)

    for kind in ("order_confirmation", "order_shipped", "order_refund"):
        (email,) = _emails(store, kind)
        (path,) = _order_paths(email)
        page = _open(store, path)
        assert page.status_code == 200, kind
        assert f"#{order.number}" in page.content.decode()
        assert "/account/orders/" not in email.body_text  # a guest has no account


def test_the_payment_failed_email_leads_to_the_order_page_with_its_pay_button(store) -> None:
    order = place_order(store, [(make_variant(store, stock=5), 1)]).order
    with transaction.atomic():
        order_payment_failed(store=store, order=order, payment=make_payment(order, status=PaymentStatus.FAILED))

    (email,) = _emails(store, "order_payment_failed")
    (path,) = _order_paths(email)
    assert "open your order" in email.body_text
    page = _open(store, path)

    assert page.status_code == 200
    assert f'href="{path}payment/"' in page.content.decode()
    # The pay link works with the signed token too (the payment page finds the order the same way).
    assert _open(store, f"{path}payment/").status_code == 200


def test_a_customer_s_emails_link_to_the_order_page_and_their_account(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)], customer=make_customer(store))

    (email,) = _emails(store, "order_confirmation")

    assert len(_order_paths(email)) == 1
    assert f"/account/orders/{order.number}/" in email.body_text


def test_the_signed_link_opens_only_its_own_store_s_order(store, other_store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order
    token = order_link_token(order)

    assert selectors.order_for_token(store=store, token=token).pk == order.pk
    with pytest.raises(NotFound):
        selectors.order_for_token(store=other_store, token=token)
    assert _open(other_store, f"/orders/{token}/").status_code == 404


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a forged signature
        lambda t: "x" + t,  # not one the store signed
        lambda t: t.replace(":", "::", 1),
    ],
)
def test_a_tampered_signed_link_is_a_404(store, mangle) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order

    assert _open(store, f"/orders/{mangle(order_link_token(order))}/").status_code == 404


def test_a_signed_link_stops_working_when_the_order_s_secret_changes(store) -> None:
    """It is bound to the order's token_hash: replacing that (a leaked link revoked) ends every signed link."""
    order = place_order(store, [(make_variant(store), 1)]).order
    token = order_link_token(order)
    Order.objects.filter(store=store, pk=order.pk).update(token_hash="0" * 64)

    with pytest.raises(NotFound):
        selectors.order_for_token(store=store, token=token)


def test_a_signed_link_works_for_as_long_as_orders_are_kept(store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order
    token = order_link_token(order)
    now = time.time()

    with mock.patch("django.core.signing.time.time", return_value=now + 2 * 365 * 86400):
        assert selectors.order_for_token(store=store, token=token).pk == order.pk
    with (
        mock.patch("django.core.signing.time.time", return_value=now + ORDER_LINK_MAX_AGE.total_seconds() + 86400),
        pytest.raises(NotFound),
    ):
        selectors.order_for_token(store=store, token=token)


def test_the_placement_secret_still_opens_the_page(store) -> None:
    placed = place_order(store, [(make_variant(store), 1)])

    assert placed.token is not None
    assert _open(store, f"/orders/{placed.token}/").status_code == 200
