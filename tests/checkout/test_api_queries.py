"""What each checkout API request costs the database (issue #4: statements are the checkout's cost).

Each request finds the shopper's cart and its checkout in one statement
(`checkout.selectors.shopper_checkout`): the read, the first GET's insert,
the information's lock and write, the shipping method's write, and one
pricing (one read of the cart's lines). The store's shipping and tax settings
that pricing reads are counted apart: at most one pricing's worth (zones,
methods, tax rate), none once they are cached per store. The same with 1 line
in the cart as with 20.
"""

from __future__ import annotations

import pytest
from django.db import connection

from shopwright.cart.services import Shopper, cart_line_add
from shopwright.core.audit import Actor
from shopwright.customers.addresses import address_create
from shopwright.customers.services import customer_api_token_create
from shopwright.stores.models import Store
from tests.api.conftest import Api
from tests.checkout.helpers import Cost, cost_of, statement, variant
from tests.checkout.test_api import INFORMATION, Shop, _visitor
from tests.checkout_factories import address
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

LOOKUP = "SELECT cart_cart"  # the cart joined with its checkout
LOCKED_LOOKUP = "SELECT checkout_checkout"  # the checkout joined with its cart, locked
MAKE = "INSERT checkout_checkout"
WRITE = "UPDATE checkout_checkout"
PRICE = "SELECT cart_cartline"  # the priced lines
# Pricing's reads of the store's shipping zones, methods and tax rate when they are not cached.
ONE_PRICING_OF_SETTINGS = 3


@pytest.fixture
def api(client) -> Api:  # type: ignore[no-untyped-def]
    return Api(client)


def _shop(api: Api, store: Store, lines: int, who: str) -> Shop:
    items = [(variant(store, title=f"Item {n}"), 1) for n in range(lines)]
    if who == "visitor":
        return _visitor(api, store, *items)
    customer = make_customer(store)
    for item, quantity in items:
        shopper = Shopper(customer=customer)
        cart_line_add(store=store, actor=Actor.anonymous(), shopper=shopper, variant_id=item.pk, quantity=quantity)
    return Shop(api, store, bearer=customer_api_token_create(customer=customer))


def _ok(answer, lines: int) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.content
    assert len(answer.json()["lines"]) == lines


def _no_order_by(found: Cost) -> None:
    """The lookups of the one cart and checkout sort nothing (`.first()` would add an ORDER BY)."""
    lookups = [sql for sql in found.sqls if not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
    lookups = [sql for sql in lookups if statement(sql) in (LOOKUP, LOCKED_LOOKUP)]
    assert lookups
    for sql in lookups:
        assert "ORDER BY" not in sql.upper(), sql


@pytest.mark.parametrize("who", ["visitor", "customer"])
@pytest.mark.parametrize("lines", [1, 20])
def test_reading_the_checkout_is_one_lookup_and_one_pricing(api, store, lines, who) -> None:
    shop = _shop(api, store, lines, who)
    answer, first = cost_of(shop.get)
    _ok(answer, lines)
    if who == "customer":
        # A customer's new checkout starts from the default saved address: one read of the address book.
        assert first.own == [LOOKUP, "SELECT customers_address", MAKE, PRICE]
    else:
        assert first.own == [LOOKUP, MAKE, PRICE]
    assert first.control == 0  # the insert needs no transaction of its own
    answer, again = cost_of(shop.get)
    _ok(answer, lines)
    assert (again.own, again.control) == ([LOOKUP, PRICE], 0)
    assert again.settings_reads <= ONE_PRICING_OF_SETTINGS
    _no_order_by(again)


@pytest.mark.parametrize("who", ["visitor", "customer"])
@pytest.mark.parametrize("lines", [1, 20])
def test_information_finds_and_locks_the_checkout_in_one_statement(api, store, lines, who) -> None:
    shop = _shop(api, store, lines, who)
    shop.get()
    answer, found = cost_of(lambda: shop.put("information", INFORMATION))
    _ok(answer, lines)
    assert found.own == [LOCKED_LOOKUP, WRITE, PRICE]
    assert found.control == 2  # one transaction
    assert found.settings_reads <= ONE_PRICING_OF_SETTINGS
    _no_order_by(found)
    locked = next(sql for sql in found.sqls if sql.lstrip().startswith('SELECT "checkout_checkout"'))
    if connection.features.has_select_for_update:
        assert "FOR NO KEY UPDATE OF" in locked.upper(), locked


@pytest.mark.parametrize("who", ["visitor", "customer"])
@pytest.mark.parametrize("lines", [1, 20])
def test_the_shipping_method_is_priced_once(api, store, lines, who) -> None:
    shop = _shop(api, store, lines, who)
    options = shop.put("information", INFORMATION).json()["shipping_options"]
    answer, found = cost_of(lambda: shop.put("shipping-method", {"method_id": options[0]["method_id"]}))
    _ok(answer, lines)
    assert answer.json()["shipping_method"]["method_id"] == options[0]["method_id"]
    assert (found.own, found.control) == ([LOOKUP, PRICE, WRITE], 0)
    assert found.settings_reads <= ONE_PRICING_OF_SETTINGS
    _no_order_by(found)


def test_a_refused_shipping_method_is_priced_once_and_writes_nothing(api, store) -> None:
    shop = _shop(api, store, 1, "visitor")
    shop.put("information", INFORMATION)
    answer, found = cost_of(lambda: shop.put("shipping-method", {"method_id": 999_999}))
    assert answer.status_code == 400
    assert (found.own, found.control) == ([LOOKUP, PRICE], 0)


def test_information_before_the_first_read_makes_the_checkout_in_its_transaction(api, store) -> None:
    shop = _shop(api, store, 1, "visitor")
    answer, found = cost_of(lambda: shop.put("information", INFORMATION))
    _ok(answer, 1)
    # The locked lookup finds no checkout yet: the cart is found, the checkout made and locked, then written.
    assert found.own == [LOCKED_LOOKUP, LOOKUP, MAKE, LOCKED_LOOKUP, WRITE, PRICE]
    assert answer.json()["email"] == INFORMATION["email"]


def test_a_customers_first_read_takes_their_default_address(api, store) -> None:
    customer = make_customer(store, email="jo@example.com")
    address_create(store=store, customer=customer, data={**address(name="Jo Home"), "phone": "030 901820"})
    cart_line_add(
        store=store,
        actor=Actor.anonymous(),
        shopper=Shopper(customer=customer),
        variant_id=variant(store).pk,
        quantity=1,
    )
    shop = Shop(api, store, bearer=customer_api_token_create(customer=customer))
    body = shop.get().json()
    assert (body["email"], body["phone"], body["shipping_address"]["name"]) == (
        "jo@example.com",
        "+4930901820",
        "Jo Home",
    )
