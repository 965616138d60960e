"""Helpers for checkout tests: a store that ships, a shopper's browser with a cart, the forms as a buyer fills them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Variant
from shopwright.checkout.models import Checkout
from shopwright.stores.models import Store
from tests.cart.helpers import add, browser, only_variant, product
from tests.checkout_factories import make_shipping, make_tax
from tests.factories import make_merchant


def shipping_store(store: Store | None = None) -> Store:
    """A store (new unless given) with one flat $5 method to DE, FR and US, and 19 % VAT in Germany."""
    store = store or make_merchant(store_name="Corner Books").store
    make_shipping(store, name="Standard", price="5.00", delivery_estimate="3-5 business days")
    make_tax(store, area="DE", rate="19")
    return store


def variant(store: Store, *, title: str = "Mug", price: str = "10.00", stock: int = 10, **kwargs: Any) -> Variant:
    return only_variant(product(store, title=title, price=price, stock=stock, **kwargs))


def shopper_with(store: Store, *lines: tuple[Variant, int], client: Client | None = None) -> Client:
    """A browser (a visitor unless `client` is given) whose cart holds `lines`."""
    client = client or browser(store)
    for item, quantity in lines:
        response = add(client, item, quantity)
        assert response.status_code == 302, response.content
    return client


def information_form(**overrides: str) -> dict[str, str]:
    """The information page filled in for a German delivery, billed to the same address."""
    data = {
        "email": "erika@example.com",
        "phone": "030 901820",
        "extra_phone": "",
        "delivery_time": "morning",
        "shipping-country": "DE",
        "shipping-name": "Erika Mustermann",
        "shipping-company": "",
        "shipping-street_address": "Hauptstraße 5",
        "shipping-city": "Berlin",
        "shipping-postal_code": "10115",
        "billing_same": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def hidden(response, name: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"the page has a hidden {name}"
    return match.group(1)


def checkouts(store: Store) -> list[Checkout]:
    return list(Checkout.objects.filter(store=store).order_by("id"))


def money(value: str) -> Decimal:
    return Decimal(value)


# --- what a request costs the database ----------------------------------------------------------

# Transaction control: BEGIN/COMMIT in production, SAVEPOINT/RELEASE inside a test's transaction.
_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK)\b", re.IGNORECASE)
# Read by every request but not checkout's own statements: the host's store (remembered by the process
# outside tests), the bearer token, and the store's shipping and tax settings (cached per store).
_AROUND = ("stores_store", "customers_customerapitoken", "shipping_", "taxes_")


def statement(sql: str) -> str:
    """`SELECT cart_cart`, `UPDATE checkout_checkout`: the verb and the first table it names."""
    words = sql.replace('"', "").split()
    verb = words[0].upper()
    keyword = {"SELECT": "FROM", "UPDATE": "UPDATE", "INSERT": "INTO", "DELETE": "FROM"}[verb]
    return f"{verb} {words[[w.upper() for w in words].index(keyword) + 1]}"


@dataclass
class Cost:
    """A request's statements: checkout's own in order, transaction control and reads of settings apart."""

    own: list[str] = field(default_factory=list)
    control: int = 0
    settings_reads: int = 0
    sqls: list[str] = field(default_factory=list)


@contextmanager
def cost() -> Iterator[Cost]:
    found = Cost()
    with CaptureQueriesContext(connection) as queries:
        yield found
    for query in queries.captured_queries:
        sql = query["sql"]
        found.sqls.append(sql)
        if _CONTROL.match(sql):
            found.control += 1
            continue
        name = statement(sql)
        if name.split()[1].startswith(("shipping_", "taxes_")):
            found.settings_reads += 1
        elif not name.split()[1].startswith(_AROUND):
            found.own.append(name)


def cost_of(call: Callable[[], Any]) -> tuple[Any, Cost]:
    with cost() as found:
        answer = call()
    return answer, found
