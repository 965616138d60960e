"""Cart amounts in the API: always the currency's minor-unit places, whether the cart is empty or not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from shopwright.cart import pricing
from shopwright.stores.models import Store
from tests.cart.helpers import only_variant, product, set_price
from tests.factories import host

pytestmark = pytest.mark.django_db


def _cart(client: Client, store: Store, token: str | None = None) -> dict:  # type: ignore[type-arg]
    extra = {"HTTP_X_CART_TOKEN": token} if token else {}
    response = client.get("/api/v1/storefront/cart", HTTP_HOST=host(store), **extra)
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def _add(client: Client, store: Store, variant_id: int, quantity: int = 1) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/storefront/cart/lines",
        {"variant_id": variant_id, "quantity": quantity},
        content_type="application/json",
        HTTP_HOST=host(store),
    )
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def _amounts(body: dict) -> list[str]:  # type: ignore[type-arg]
    found = [body["subtotal"], body["savings"]]
    for line in body["lines"]:
        found += [line["unit_price"], line["line_total"]]
        if line["compare_at_price"] is not None:
            found.append(line["compare_at_price"])
    return found


def test_an_empty_cart_writes_its_amounts_with_two_places_like_a_full_one(store) -> None:
    empty = _cart(Client(), store)
    assert (empty["subtotal"], empty["savings"]) == ("0.00", "0.00")

    body = _add(Client(), store, only_variant(product(store, price="12.50")).pk, 2)
    assert (body["subtotal"], body["savings"]) == ("25.00", "0.00")
    assert all(len(amount.partition(".")[2]) == 2 for amount in _amounts(body)), _amounts(body)


def test_a_whole_number_price_and_its_savings_keep_two_places(store) -> None:
    variant = only_variant(product(store, price="8"))
    set_price(variant, "8", compare_at="10")
    body = _add(Client(), store, variant.pk, 3)
    line = body["lines"][0]
    assert (line["unit_price"], line["compare_at_price"], line["line_total"]) == ("8.00", "10.00", "24.00")
    assert (body["subtotal"], body["savings"]) == ("24.00", "6.00")


def test_a_currency_without_minor_units_has_none_empty_or_not(store) -> None:
    Store.objects.filter(pk=store.pk).update(currency="JPY")
    store.refresh_from_db()
    empty = _cart(Client(), store)
    assert (empty["currency"], empty["subtotal"], empty["savings"]) == ("JPY", "0", "0")

    body = _add(Client(), store, only_variant(product(store, price="1200")).pk, 2)
    assert (body["lines"][0]["unit_price"], body["lines"][0]["line_total"]) == ("1200", "2400")
    assert (body["subtotal"], body["savings"]) == ("2400", "0")
    assert _cart(Client(), store, body["token"])["subtotal"] == "2400"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0", "USD", "0.00"),
        ("24", "EUR", "24.00"),
        ("19.9", "USD", "19.90"),
        ("2400.00", "JPY", "2400"),
        ("0", "JPY", "0"),
        # Three-place currencies are held to the two places the money columns have.
        ("1.5", "KWD", "1.50"),
    ],
)
def test_amounts_take_the_currency_s_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert str(pricing.in_minor_units(Decimal(amount), currency)) == expected
