"""Helpers for the tests of checkout's cached store configuration: a buyer on the checkout API, queries by table.

The settings are written through the merchants' services; `committed()`
runs a block's on-commit callbacks as a real commit would (in a `db` test
the transaction never commits), so the tests read the cache as another
request would after the change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopwright.cart.services import Shopper, cart_line_add
from shopwright.core.audit import Actor
from shopwright.stores.models import Store
from tests.api.conftest import Api
from tests.checkout.helpers import variant
from tests.factories import host

GERMANY = {
    "name": "Erika Mustermann",
    "street_address": "Hauptstraße 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
CALIFORNIA = {
    "name": "Jane Doe",
    "street_address": "1 Main Street",
    "city": "Fresno",
    "country_area": "CA",
    "postal_code": "93650",
    "country": "US",
}
JAPAN = {
    "name": "Taro Yamada",
    "street_address": "1-1 Marunouchi",
    "city": "Chiyoda-ku",
    "country_area": "Tokyo",
    "postal_code": "100-0001",
    "country": "JP",
}
CONFIG_TABLES = ("shipping_shippingzone", "shipping_shippingmethod", "taxes_taxrate", "payments_paymentsettings")


class Buyer:
    """A visitor with one item in the cart of `store`, talking to its checkout API."""

    def __init__(self, store: Store, *, price: str = "10.00") -> None:
        self.store = store
        self.api = Api(Client())
        change = cart_line_add(
            store=store,
            actor=Actor.anonymous(),
            shopper=Shopper(secret=None),
            variant_id=variant(store, price=price, stock=1000).pk,
            quantity=1,
        )
        assert change.secret
        self.token = change.secret

    def _extra(self) -> dict[str, Any]:
        return {"host": host(self.store), "HTTP_X_CART_TOKEN": self.token}

    def get(self) -> dict[str, Any]:
        response = self.api.get("storefront/checkout", **self._extra())
        assert response.status_code == 200, response.content
        return response.json()  # type: ignore[no-any-return]

    def information(self, address: dict[str, str] = GERMANY) -> dict[str, Any]:
        payload = {"email": "erika@example.com", "phone": "+49 30 901820", "shipping_address": address}
        response = self.api.call("put", "storefront/checkout/information", payload, **self._extra())
        assert response.status_code == 200, response.content
        return response.json()  # type: ignore[no-any-return]

    def choose(self, method_id: int) -> dict[str, Any]:
        response = self.api.call(
            "put", "storefront/checkout/shipping-method", {"method_id": method_id}, **self._extra()
        )
        assert response.status_code == 200, response.content
        return response.json()  # type: ignore[no-any-return]

    def ready(self, address: dict[str, str] = GERMANY) -> dict[str, Any]:
        offered = self.information(address)["shipping_options"]
        return self.choose(offered[0]["method_id"])

    def place(self, signature: str) -> dict[str, Any]:
        response = self.api.post("storefront/checkout/place", {"signature": signature}, **self._extra())
        assert response.status_code == 201, response.content
        return response.json()  # type: ignore[no-any-return]


def options(checkout: dict[str, Any]) -> list[tuple[str, str]]:
    return [(option["name"], option["price"]) for option in checkout["shipping_options"]]


@contextmanager
def config_queries() -> Iterator[list[str]]:
    """The statements run inside the block that read or write a shipping, tax or payment-settings table."""
    found: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    pattern = re.compile("|".join(CONFIG_TABLES))
    found.extend(query["sql"] for query in captured.captured_queries if pattern.search(query["sql"]))
