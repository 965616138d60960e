"""What an add to cart costs the database: the storefront's busiest write (docs/BENCHMARKS.md).

Issue #4's budget: an add runs at most 8 queries for the whole request, whether the
cart holds 1 line or 20, through the product page's form and the cart API, for a
visitor and a signed-in customer (the last tests below).

Inside its transaction an add runs three statements whoever the shopper is:
lock and touch the cart (or make it), read the variant with the cart's line
and totals, write the line. These tests pin them, so a change that brings
back a separate count, line lookup or `updated_at` write shows here.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.cart import services
from shopwright.cart.services import CartChange, Shopper
from shopwright.core.audit import Actor
from shopwright.customers.services import customer_api_token_create
from shopwright.stores.models import Store
from tests.cart.helpers import add, browser, carts, lines, only_variant, product, signed_in, variants_of
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

# Transaction control (BEGIN/COMMIT here, SAVEPOINT/RELEASE inside a test's transaction) is counted
# apart: the add opens exactly one transaction, whichever form it takes.
_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK)\b", re.IGNORECASE)


def _statement(sql: str) -> str:
    """`UPDATE cart_cart`, `SELECT catalog_variant`, `INSERT cart_cartline`: the verb and its first table."""
    words = sql.replace('"', "").split()
    verb = words[0].upper()
    keyword = {"SELECT": "FROM", "UPDATE": "UPDATE", "INSERT": "INTO", "DELETE": "FROM"}[verb]
    table = words[[w.upper() for w in words].index(keyword) + 1]
    return f"{verb} {table}"


def _add(store: Store, shopper: Shopper, variant_id: int, quantity: int = 1) -> tuple[CartChange, list[str], int]:
    """The add's data statements, and how many transaction-control statements came with them."""
    with CaptureQueriesContext(connection) as queries:
        change = services.cart_line_add(
            store=store, actor=Actor.anonymous(), shopper=shopper, variant_id=variant_id, quantity=quantity
        )
    sqls = [q["sql"] for q in queries.captured_queries]
    data = [_statement(sql) for sql in sqls if not _CONTROL.match(sql)]
    return change, data, len(sqls) - len(data)


LOCK, READ, PUT_LINE = "UPDATE cart_cart", "SELECT catalog_variant", "INSERT cart_cartline"


def test_a_visitors_add_to_an_existing_cart_is_three_statements_in_one_transaction(store) -> None:
    first, second = variants_of(product(store, title="Mug", sizes=["S", "M"], stock=10))
    secret = _add(store, Shopper(), first.pk)[0].secret
    shopper = Shopper(secret=secret)

    change, data, control = _add(store, shopper, second.pk, 2)  # a new line
    assert data == [LOCK, READ, PUT_LINE]
    assert control == 2
    assert change.count == 3 and not change.created

    change, data, control = _add(store, shopper, second.pk, 4)  # the same line again
    assert data == [LOCK, READ, PUT_LINE]
    assert control == 2
    assert (change.quantity, change.count) == (6, 7)
    assert lines(store) == {first.pk: 1, second.pk: 6}


def test_a_customers_add_is_three_statements_and_their_first_makes_the_cart_in_one_more(store) -> None:
    first, second = variants_of(product(store, title="Sock", sizes=["S", "M"], stock=10))
    shopper = Shopper(customer=make_customer(store))

    change, data, _ = _add(store, shopper, first.pk)
    assert data == [LOCK, READ, "INSERT cart_cart", PUT_LINE]  # the lock found no cart: one is made
    assert change.created

    change, data, control = _add(store, shopper, second.pk, 3)
    assert data == [LOCK, READ, PUT_LINE]
    assert control == 2
    assert change.count == 4 and not change.created
    assert len(carts(store)) == 1


def test_a_cookieless_visitors_first_add_reads_the_variant_and_writes_cart_and_line(store) -> None:
    variant = only_variant(product(store, stock=5))
    change, data, control = _add(store, Shopper(), variant.pk, 2)
    assert data == [READ, "INSERT cart_cart", PUT_LINE]
    assert control == 2
    assert change.created and change.count == 2


def test_a_refused_add_stops_after_the_read_and_writes_nothing(store) -> None:
    variant = only_variant(product(store, title="Lamp", stock=2))
    secret = _add(store, Shopper(), variant.pk, 2)[0].secret
    with CaptureQueriesContext(connection) as queries, pytest.raises(services.ApplicationError) as refused:
        services.cart_line_add(
            store=store, actor=Actor.anonymous(), shopper=Shopper(secret=secret), variant_id=variant.pk, quantity=1
        )
    assert refused.value.code == "stock_limit"
    data = [_statement(q["sql"]) for q in queries.captured_queries if not _CONTROL.match(q["sql"])]
    assert data == [LOCK, READ]
    assert lines(store) == {variant.pk: 2}


def test_the_add_form_costs_the_add_and_the_store_lookup_only(store) -> None:
    """Through the page: nothing recounts the cart or re-reads the line to answer (the cookie carries the count)."""
    first, second = variants_of(product(store, sizes=["S", "M"], stock=10))
    client = browser(store)
    add(client, first, 1)
    with CaptureQueriesContext(connection) as queries:
        response = add(client, second, 2, as_json=True)
    assert response.status_code == 200
    assert response.json()["count"] == 3
    data = [_statement(q["sql"]) for q in queries.captured_queries if not _CONTROL.match(q["sql"])]
    # Besides the add only the store of the host is looked up (remembered by the process outside tests).
    assert [s for s in data if " cart_" in s or " catalog_" in s] == [LOCK, READ, PUT_LINE]
    assert len(data) == 4, data


# --- the budget: at most 8 queries for the whole request, with 1 line in the cart or 20 -------------

BUDGET = 8


class _Shopper:
    """One shopper adding through one route: the product page's form (POST /cart/add/) or the cart API."""

    def __init__(self, store: Store, *, signed_in_as: str | None, route: str) -> None:
        self.store, self.route = store, route
        self.client = browser(store)
        self.headers: dict[str, str] = {}
        if signed_in_as is not None:
            customer = make_customer(store, email=signed_in_as)
            if route == "page":
                self.client = signed_in(store, customer.email)
            else:
                self.headers["HTTP_AUTHORIZATION"] = f"Bearer {customer_api_token_create(customer=customer)}"

    def add(self, variant_id: int) -> int:
        """Add one unit; the answer's status."""
        if self.route == "page":
            return add(self.client, variant_id, 1).status_code
        response = self.client.post(
            "/api/v1/storefront/cart/lines",
            json.dumps({"variant_id": variant_id, "quantity": 1}),
            content_type="application/json",
            **self.headers,
        )
        token = response.json().get("token")
        if token:  # a visitor's first add made the cart: later calls name it
            self.headers["HTTP_X_CART_TOKEN"] = token
        return response.status_code


def _cart_of(store: Store, lines_before: int, *, signed_in_as: str | None, route: str) -> tuple[_Shopper, int]:
    """A shopper whose cart already holds `lines_before` lines, and a variant not in it yet."""
    variants = [only_variant(product(store, title=f"Item {n}", stock=50)) for n in range(lines_before + 1)]
    shopper = _Shopper(store, signed_in_as=signed_in_as, route=route)
    for variant in variants[:lines_before]:
        assert shopper.add(variant.pk) in (200, 201, 302)
    return shopper, variants[-1].pk


@pytest.mark.parametrize("route", ["page", "api"])
@pytest.mark.parametrize("signed_in_as", [None, "reader@example.com"], ids=["visitor", "customer"])
@pytest.mark.parametrize("lines_before", [1, 20])
def test_adding_to_a_cart_of_1_or_20_lines_stays_within_8_queries(
    store, lines_before, signed_in_as, route, django_assert_max_num_queries
) -> None:
    shopper, variant_id = _cart_of(store, lines_before, signed_in_as=signed_in_as, route=route)
    with django_assert_max_num_queries(BUDGET):
        status = shopper.add(variant_id)
    assert status in (200, 302)
    assert len(lines(store)) == lines_before + 1


@pytest.mark.parametrize("route", ["page", "api"])
@pytest.mark.parametrize("signed_in_as", [None, "reader@example.com"], ids=["visitor", "customer"])
def test_an_add_costs_the_same_with_1_line_in_the_cart_as_with_20(store, other_store, signed_in_as, route) -> None:
    def cost(shop: Store, lines_before: int) -> int:
        shopper, variant_id = _cart_of(shop, lines_before, signed_in_as=signed_in_as, route=route)
        with CaptureQueriesContext(connection) as queries:
            shopper.add(variant_id)
        return len(queries.captured_queries)

    assert cost(store, 1) == cost(other_store, 20)
