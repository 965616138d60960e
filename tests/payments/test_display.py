"""How payments read to people: card brands as the networks write them, providers with "no real money" said."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from shopwright.payments.display import card_brand_name, provider_display_name
from tests.payments.conftest import Buyer, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def capture():  # type: ignore[no-untyped-def]
        return django_capture_on_commit_callbacks(execute=True)

    return capture


@pytest.mark.parametrize(
    ("brand", "name"),
    [
        ("visa", "Visa"),
        ("mastercard", "Mastercard"),
        ("amex", "American Express"),
        ("discover", "Discover"),
        ("jcb", "JCB"),
        ("unionpay", "UnionPay"),
        ("diners", "Diners Club"),
        ("elo", "Elo"),
        ("", ""),
    ],
)
def test_card_brands_read_as_their_networks_write_them(brand: str, name: str) -> None:
    assert card_brand_name(brand) == name


def test_providers_read_with_no_real_money_said() -> None:
    assert provider_display_name("test") == "Test provider (no real money)"
    assert provider_display_name("stripe") == "Stripe"


def test_the_confirmation_names_the_card_and_links_the_order_once(buyer: Buyer, client, run_jobs) -> None:
    with run_jobs():
        pay(client, buyer.start())
    body = client.get(f"/orders/{buyer.token}/payment/", HTTP_HOST=f"{buyer.store.handle}.localhost").content.decode()
    assert "(Visa ending in 4242)" in body
    assert body.count(f'href="/orders/{buyer.token}/"') == 1


def test_the_template_filters_read_the_same() -> None:
    template = Template("{% load payment_display %}{{ brand|card_brand }} · {{ provider|payment_provider }}")
    assert template.render(Context({"brand": "amex", "provider": "test"})) == (
        "American Express · Test provider (no real money)"
    )
