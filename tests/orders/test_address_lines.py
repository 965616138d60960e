"""An order's address reads the same everywhere: core.addresses.address_lines (country name, street lines, city).

The emails, the buyer's page and the back office each had their own
formatter: one wrote "DE", another joined a two-line street into one.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from shopwright.core.addresses import address_lines
from shopwright.core.models import Email
from shopwright.orders import display
from tests.checkout_factories import address
from tests.factories import host
from tests.order_factories import make_paid_order, make_variant, place_order
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db

DELIVERY = address(name="Erika Mustermann", street_address="Lindenallee 42\nHinterhaus", postal_code="10117")
PRINTED = ["Erika Mustermann", "Lindenallee 42", "Hinterhaus", "10117 BERLIN", "Germany"]


def _address_block(page: str, heading: str) -> list[str]:
    match = re.search(rf"{heading}</h[23]>\s*(?:<p>[^<]*</p>\s*)?<address>(.*?)</address>", page, re.S)
    assert match, f"an address under {heading}"
    return [unescape(part).strip() for part in match.group(1).split("<br>") if part.strip()]


def test_the_one_formatter_prints_country_names_and_every_street_line() -> None:
    assert address_lines(DELIVERY) == PRINTED


def test_emails_the_buyer_s_page_and_the_back_office_print_the_same_lines(store) -> None:
    placed = place_order(store, [(make_variant(store), 1)], shipping_address=DELIVERY)
    paid = make_paid_order(store, [(make_variant(store), 1)], shipping_address=DELIVERY)

    email = Email.objects.get(store_id=store.pk, kind="order_confirmation")
    assert "\n".join(PRINTED) in email.body_text
    assert "<br>".join(PRINTED) in email.body_html

    buyer = Client(HTTP_HOST=host(store)).get(f"/orders/{placed.token}/").content.decode()
    assert _address_block(buyer, "Delivery") == PRINTED

    office = platform_client(store.owner).post(f"/office/orders/{paid.number}/reveal/").content.decode()
    assert _address_block(office, "Delivery address") == PRINTED


def test_the_masked_address_keeps_its_lines_and_the_plain_country(store) -> None:
    order = place_order(store, [(make_variant(store), 1)], shipping_address=DELIVERY).order

    masked = display.order_contact(order, revealed=False).shipping_address

    assert len(masked) == len(PRINTED) and masked[-1] == "Germany"
    assert not any(word in line for line in masked for word in ("Erika", "Lindenallee", "Hinterhaus", "10117"))
