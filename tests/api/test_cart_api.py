"""The storefront cart API: visitors by X-Cart-Token, customers by bearer token or session, merge after sign-in."""

from __future__ import annotations

import pytest
from django.test import Client

from shopwright.cart.models import CartLine
from shopwright.customers.services import customer_api_token_create
from tests.api.conftest import assert_error
from tests.cart.helpers import carts, lines, only_variant, product, set_price, variants_of
from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    return make_merchant().store


@pytest.fixture
def other_store():  # type: ignore[no-untyped-def]
    return make_merchant().store


def _post_line(api, store, variant_id, quantity=1, *, cart_token=None, token=None, **extra):  # type: ignore[no-untyped-def]
    if cart_token:
        extra["HTTP_X_CART_TOKEN"] = cart_token
    payload = {"variant_id": variant_id, "quantity": quantity}
    return api.post("storefront/cart/lines", payload, host=host(store), token=token, **extra)


def test_a_visitor_makes_a_cart_with_the_first_add_and_uses_its_token(api, store) -> None:
    item = product(store, title="Lamp", sizes=["S", "M"], price="12.50")
    small, medium = variants_of(item)
    created = _post_line(api, store, small.pk, 2)
    assert created.status_code == 201, created.content
    body = created.json()
    token = body["token"]
    assert token and body["count"] == 2 and body["subtotal"] == "25.00"
    assert body["currency"] == store.currency
    line = body["lines"][0]
    assert (line["product_title"], line["variant_title"], line["unit_price"], line["line_total"]) == (
        "Lamp",
        "S",
        "12.50",
        "25.00",
    )
    assert line["quantity"] == 2 and line["available"] is True

    again = _post_line(api, store, medium.pk, 1, cart_token=token)
    assert again.status_code == 200
    assert again.json()["token"] is None
    assert again.json()["count"] == 3
    assert len(carts(store)) == 1

    # Prices are today's: a price change shows on the next read.
    set_price(medium, "10.00")
    read = api.get("storefront/cart", host=host(store), HTTP_X_CART_TOKEN=token)
    assert read.status_code == 200
    assert read.json()["subtotal"] == "35.00"


def test_without_a_token_or_with_an_unknown_one_the_cart_is_empty(api, store) -> None:
    _post_line(api, store, only_variant(product(store)).pk)
    for extra in ({}, {"HTTP_X_CART_TOKEN": "nonsense"}, {"HTTP_X_CART_TOKEN": "x" * 43}):
        response = api.get("storefront/cart", host=host(store), **extra)
        assert response.status_code == 200
        assert response.json()["lines"] == [] and response.json()["count"] == 0


def test_changing_and_removing_lines(api, store) -> None:
    variant = only_variant(product(store, title="Rug", stock=4))
    token = _post_line(api, store, variant.pk, 1).json()["token"]
    line_id = CartLine.objects.get(store=store).pk
    headers = {"host": host(store), "HTTP_X_CART_TOKEN": token}

    changed = api.patch(f"storefront/cart/lines/{line_id}", {"quantity": 3}, **headers)
    assert changed.status_code == 200
    assert changed.json()["lines"][0]["quantity"] == 3
    capped = api.patch(f"storefront/cart/lines/{line_id}", {"quantity": 9}, **headers)
    assert capped.json()["lines"][0]["quantity"] == 4
    assert capped.json()["message"] == "Only 4 of Rug available: your cart now holds 4."

    removed = api.call("delete", f"storefront/cart/lines/{line_id}", **headers)
    assert removed.status_code == 200
    assert removed.json()["lines"] == []
    assert_error(api.call("delete", f"storefront/cart/lines/{line_id}", **headers), 404)


@pytest.mark.parametrize("quantity", [0, -1, 1000, 10**9, "abc", "2", 1.5, True, None])
def test_bad_quantities_are_400_on_the_field_and_change_nothing(api, store, quantity) -> None:
    variant = only_variant(product(store))
    token = _post_line(api, store, variant.pk, 1).json()["token"]
    assert_error(_post_line(api, store, variant.pk, quantity, cart_token=token), 400, "quantity")
    line_id = CartLine.objects.get(store=store).pk
    patch = api.patch(
        f"storefront/cart/lines/{line_id}", {"quantity": quantity}, host=host(store), HTTP_X_CART_TOKEN=token
    )
    assert_error(patch, 400, "quantity")
    assert lines(store) == {variant.pk: 1}


def test_bad_bodies_are_400(api, store) -> None:
    assert_error(api.post("storefront/cart/lines", {"quantity": 1}, host=host(store)), 400, "variant_id")
    assert_error(api.post("storefront/cart/lines", [1, 2], host=host(store)), 400)
    assert_error(api.post("storefront/cart/lines", raw="variant_id=1", host=host(store)), 400, "body")
    assert carts(store) == []


def test_another_stores_variant_and_drafts_are_404_and_never_added(api, store, other_store) -> None:
    theirs = only_variant(product(other_store))
    draft = only_variant(product(store, status="draft"))
    for variant_id in (theirs.pk, draft.pk, 2**63 - 1):
        assert_error(_post_line(api, store, variant_id), 404)
    assert carts(store) == [] and carts(other_store) == []


def test_sold_out_is_refused(api, store) -> None:
    body = assert_error(_post_line(api, store, only_variant(product(store, stock=0)).pk), 400, "quantity")
    assert body["code"] == "out_of_stock"


def test_a_line_of_another_cart_is_not_found(api, store) -> None:
    variant = only_variant(product(store))
    _post_line(api, store, variant.pk, 2)
    line_id = CartLine.objects.get(store=store).pk
    mine = _post_line(api, store, variant.pk, 1).json()["token"]
    for path in (f"storefront/cart/lines/{line_id}", f"storefront/cart/lines/{2**64}"):
        assert_error(api.patch(path, {"quantity": 1}, host=host(store), HTTP_X_CART_TOKEN=mine), 404)
        assert_error(api.call("delete", path, host=host(store), HTTP_X_CART_TOKEN=mine), 404)
    assert CartLine.objects.get(store=store, pk=line_id).quantity == 2


def test_a_customer_uses_a_bearer_token_and_a_wrong_one_is_refused(api, store) -> None:
    customer = make_customer(store)
    token = customer_api_token_create(customer=customer)
    variant = only_variant(product(store))
    created = _post_line(api, store, variant.pk, 2, token=token)
    assert created.status_code == 201
    assert created.json()["token"] is None  # a customer's cart is found by the account
    assert carts(store)[0].customer_id == customer.pk
    assert api.get("storefront/cart", host=host(store), token=token).json()["count"] == 2
    assert_error(api.get("storefront/cart", host=host(store), token="wrong"), 401)
    assert_error(_post_line(api, store, variant.pk, token="wrong"), 401)
    assert lines(store) == {variant.pk: 2}


def test_a_session_customer_needs_the_csrf_token_to_write(store) -> None:
    customer = make_customer(store)
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host(store))
    login = client.post(
        "/api/v1/customer/login",
        {"email": customer.email, "password": PASSWORD, "mode": "session"},
        content_type="application/json",
    )
    assert login.status_code == 200
    variant = only_variant(product(store))
    body = {"variant_id": variant.pk, "quantity": 1}
    refused = client.post("/api/v1/storefront/cart/lines", body, content_type="application/json")
    assert_error(refused, 403)
    assert carts(store) == []
    client.get("/account/login/")  # a page with a form hands out the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    ok = client.post("/api/v1/storefront/cart/lines", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert ok.status_code == 201
    assert carts(store)[0].customer_id == customer.pk
    assert client.get("/api/v1/storefront/cart").json()["count"] == 1


def test_merge_moves_a_visitor_cart_into_the_customers_cart(api, store) -> None:
    both, visitor_only = variants_of(product(store, sizes=["S", "M"], stock=5))
    customer = make_customer(store)
    bearer = customer_api_token_create(customer=customer)
    _post_line(api, store, both.pk, 3, token=bearer)
    cart_token = _post_line(api, store, both.pk, 4).json()["token"]
    _post_line(api, store, visitor_only.pk, 1, cart_token=cart_token)

    merged = api.post("storefront/cart/merge", {"cart_token": cart_token}, host=host(store), token=bearer)
    assert merged.status_code == 200, merged.content
    assert merged.json()["count"] == 6
    assert "lowered" in merged.json()["message"]
    assert lines(store) == {both.pk: 5, visitor_only.pk: 1}
    assert len(carts(store)) == 1
    # The token is spent; merging again, or without signing in, is refused.
    assert_error(api.post("storefront/cart/merge", {"cart_token": cart_token}, host=host(store), token=bearer), 404)
    assert_error(api.post("storefront/cart/merge", {"cart_token": cart_token}, host=host(store)), 401)
    assert_error(api.post("storefront/cart/merge", {"cart_token": ""}, host=host(store), token=bearer), 400)


def test_a_visitor_token_of_another_store_finds_nothing_here(api, store, other_store) -> None:
    theirs = _post_line(api, other_store, only_variant(product(other_store)).pk).json()["token"]
    response = api.get("storefront/cart", host=host(store), HTTP_X_CART_TOKEN=theirs)
    assert response.json()["lines"] == []
    customer = make_customer(store)
    bearer = customer_api_token_create(customer=customer)
    assert_error(api.post("storefront/cart/merge", {"cart_token": theirs}, host=host(store), token=bearer), 404)


def test_the_cart_answers_only_on_a_store_host(api, store) -> None:
    assert_error(api.get("storefront/cart"), 404)
    assert_error(api.post("storefront/cart/lines", {"variant_id": 1, "quantity": 1}), 404)


# --- the success answers against the OpenAPI document ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_success_answers_match_the_document() -> None:
    from tests.api.test_openapi_fuzz import CHECKS, schema

    store = make_merchant().store
    base_url = f"http://{host(store)}"
    first, second = variants_of(product(store, sizes=["S", "M"], price="4.00"))

    def call(method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return schema[path][method].Case(**kwargs).call_and_validate(base_url=base_url, checks=CHECKS)

    created = call("POST", "/api/v1/storefront/cart/lines", body={"variant_id": first.pk, "quantity": 2})
    assert created.status_code == 201
    cart_token = created.json()["token"]
    visitor = {"X-Cart-Token": cart_token}
    assert call("GET", "/api/v1/storefront/cart", headers=visitor).json()["count"] == 2
    line_id = created.json()["lines"][0]["id"]
    lines_path = "/api/v1/storefront/cart/lines/{line_id}"
    changed = call("PATCH", lines_path, headers=visitor, path_parameters={"line_id": line_id}, body={"quantity": 1})
    assert changed.status_code == 200
    assert (
        call("POST", "/api/v1/storefront/cart/lines", headers=visitor, body={"variant_id": second.pk}).status_code
        == 200
    )

    customer = make_customer(store)
    bearer = {"Authorization": f"Bearer {customer_api_token_create(customer=customer)}"}
    merged = call("POST", "/api/v1/storefront/cart/merge", headers=bearer, body={"cart_token": cart_token})
    assert merged.json()["count"] == 2
    customer_line = merged.json()["lines"][0]["id"]
    removed = call("DELETE", lines_path, headers=bearer, path_parameters={"line_id": customer_line})
    assert removed.json()["count"] == 1
