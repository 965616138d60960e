"""Each tax is listed once in an order's totals, with "Incl." when the prices included it.

The back office used to list "VAT 19% (DE) $21.08" and then "Tax (included in
prices) $21.08", as if the buyer paid it twice; the buyer's page and the
confirmation email said it in their own ways.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from shopwright.core.models import Email
from shopwright.stores.models import Store
from tests.factories import host
from tests.order_factories import make_paid_order, make_variant, place_order
from tests.stores.helpers import platform_client

pytestmark = pytest.mark.django_db


def _totals(page: str) -> list[tuple[str, str]]:
    """The (term, amount) pairs of the first totals list on a page."""
    block = re.search(r'<dl class="[^"]*totals[^"]*">(.*?)</dl>', page, re.S)
    assert block, "a totals list"
    terms = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block.group(1), re.S)
    return [(_text(term), _text(amount)) for term, amount in terms]


def _text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", unescape(fragment)).strip()


def _tax_terms(totals: list[tuple[str, str]]) -> list[str]:
    return [term for term, _ in totals if "VAT" in term or "Tax" in term or "tax" in term]


@pytest.mark.parametrize(
    ("inclusive", "label"), [(True, "Incl. VAT 19% (DE)"), (False, "VAT 19% (DE)")], ids=["inclusive", "exclusive"]
)
def test_the_tax_is_listed_once_on_every_page_and_in_the_email(store, inclusive, label) -> None:
    Store.objects.filter(pk=store.pk).update(prices_include_tax=inclusive)
    store.refresh_from_db()
    placed = place_order(store, [(make_variant(store, price="119.00"), 1)])
    order = make_paid_order(store, [(make_variant(store, price="119.00"), 1)])

    office = unescape(platform_client(store.owner).get(f"/office/orders/{order.number}/").content.decode())
    buyer = unescape(Client(HTTP_HOST=host(store)).get(f"/orders/{placed.token}/").content.decode())
    email = Email.objects.get(store_id=store.pk, kind="order_confirmation")

    for page in (office, buyer):
        assert _tax_terms(_totals(page)) == [label], _totals(page)
    assert f"{label}: " in email.body_text and email.body_text.count("VAT") == 1
    assert f">{label}<" in email.body_html and email.body_html.count("VAT") == 1
    assert "Tax (included" not in office and "Tax included" not in buyer
