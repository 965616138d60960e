"""A buyer's checkout leaves no personal value in plain text in any table.

Marker values go in through the checkout pages as a guest would type them
(email, consignee name, company, street, phone, extra phone), the order is
placed and paid on the test provider's card page, and every column of every
table (orders, checkouts, payments, emails, jobs, audit, sessions ...) is
read raw and searched for them, and for the card number.
"""

from __future__ import annotations

import re

import pytest

from shopwright.orders.models import Order, OrderStatus
from shopwright.payments.models import Payment
from tests.checkout.helpers import hidden, information_form, shipping_store, shopper_with, variant
from tests.payments.conftest import pay
from tests.privacy.test_no_plaintext import _scan_all_tables

MARKERS = {
    "email": "zq8buyer.marker@example.org",
    "name": "Zq8 Consignee Markerperson",
    "company": "Zq8 Marker Holdings",
    "street": "Zq8markerstraße 17",
    "phone_digits": "30901827",
    "extra_phone_digits": "30901899",
}
CARD = "4242424242424242"


@pytest.mark.django_db
def test_a_paid_checkout_stores_no_marker_and_no_card_number_in_plain(django_capture_on_commit_callbacks) -> None:
    store = shipping_store()
    client = shopper_with(store, (variant(store, title="Mug", price="12.00"), 1))
    assert client.get("/checkout/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        info = client.post(
            "/checkout/",
            information_form(
                email=MARKERS["email"],
                phone="030 " + MARKERS["phone_digits"][2:],
                extra_phone="030 " + MARKERS["extra_phone_digits"][2:],
                **{
                    "shipping-name": MARKERS["name"],
                    "shipping-company": MARKERS["company"],
                    "shipping-street_address": MARKERS["street"],
                },
            ),
        )
        assert info.status_code == 303, info.content[-2000:]
        shipping = client.get("/checkout/shipping/")
        method_id = re.search(r'name="method_id" value="(\d+)"', shipping.content.decode()).group(1)  # type: ignore[union-attr]
        assert client.post("/checkout/shipping/", {"method_id": method_id}).status_code == 303
        review = client.get("/checkout/review/")
        placed = client.post(
            "/checkout/place/", {"signature": hidden(review, "signature"), "snapshot": hidden(review, "snapshot")}
        )
        assert placed.status_code == 303
        (payment,) = Payment.objects.filter(store=store)
        assert pay(client, payment, number=CARD, name=MARKERS["name"]).status_code in (302, 303)

    order = Order.objects.get(store=store)
    # The flow really happened: the order is paid and holds the markers (encrypted).
    assert order.status == OrderStatus.PAID
    assert order.email == MARKERS["email"] and order.shipping_address["name"] == MARKERS["name"]

    needles = [value.lower() for value in MARKERS.values()] + [CARD]
    assert _scan_all_tables(needles) == []
