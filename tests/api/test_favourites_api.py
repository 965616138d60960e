"""The favourites API: signed-in customers only, this store's published products only."""

from __future__ import annotations

import pytest

from shopwright.catalog.models import Product
from shopwright.customers.services import customer_api_token_create
from shopwright.storefront.models import Favourite
from tests.api.conftest import assert_error
from tests.cart.helpers import product
from tests.factories import host, make_customer, make_merchant

pytestmark = pytest.mark.django_db

PATH = "storefront/favourites"


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    return make_merchant().store


@pytest.fixture
def customer(store):  # type: ignore[no-untyped-def]
    return make_customer(store)


@pytest.fixture
def bearer(customer) -> str:  # type: ignore[no-untyped-def]
    return customer_api_token_create(customer=customer)


def test_signed_out_is_401_everywhere(api, store) -> None:
    item = product(store)
    assert_error(api.get(PATH, host=host(store)), 401)
    assert_error(api.post(PATH, {"product_id": item.pk}, host=host(store)), 401)
    assert_error(api.call("delete", f"{PATH}/{item.pk}", host=host(store)), 401)
    assert_error(api.get(PATH, host=host(store), token="not-a-token"), 401)
    assert Favourite.objects.filter(store=store).count() == 0


def test_add_list_remove(api, store, customer, bearer) -> None:
    atlas = product(store, title="Atlas", price="12.00")
    globe = product(store, title="Globe", price="30.00")
    created = api.post(PATH, {"product_id": atlas.pk}, host=host(store), token=bearer)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["product_id"], body["title"], body["price_min"], body["currency"]) == (
        atlas.pk,
        "Atlas",
        "12.00",
        store.currency,
    )
    assert body["added_at"]
    assert api.post(PATH, {"product_id": atlas.pk}, host=host(store), token=bearer).status_code == 200
    api.post(PATH, {"product_id": globe.pk}, host=host(store), token=bearer)

    listed = api.get(PATH, host=host(store), token=bearer)
    assert [item["title"] for item in listed.json()] == ["Globe", "Atlas"]

    removed = api.call("delete", f"{PATH}/{atlas.pk}", host=host(store), token=bearer)
    assert removed.status_code == 200
    assert [item["title"] for item in api.get(PATH, host=host(store), token=bearer).json()] == ["Globe"]
    # Removing what is not a favourite is fine; it is still not one.
    assert api.call("delete", f"{PATH}/{atlas.pk}", host=host(store), token=bearer).status_code == 200


def test_another_stores_products_and_drafts_are_404(api, store, customer, bearer) -> None:
    other = make_merchant().store
    theirs = product(other)
    draft = product(store, status="draft")
    for product_id in (theirs.pk, draft.pk, 2**63 - 1):
        assert_error(api.post(PATH, {"product_id": product_id}, host=host(store), token=bearer), 404)
    assert_error(api.call("delete", f"{PATH}/{theirs.pk}", host=host(store), token=bearer), 404)
    assert_error(api.call("delete", f"{PATH}/{2**70}", host=host(store), token=bearer), 404)
    assert Favourite.objects.filter(store=store).count() == 0


@pytest.mark.parametrize(
    "body", [{}, {"product_id": "abc"}, {"product_id": 0}, {"product_id": -4}, [1], {"product_id": True}]
)
def test_bad_bodies_are_400(api, store, bearer, body) -> None:
    assert_error(api.post(PATH, body, host=host(store), token=bearer), 400)


def test_a_withdrawn_product_leaves_the_list(api, store, bearer) -> None:
    atlas = product(store, title="Atlas")
    api.post(PATH, {"product_id": atlas.pk}, host=host(store), token=bearer)
    Product.objects.filter(store=store, pk=atlas.pk).update(status="archived")
    assert api.get(PATH, host=host(store), token=bearer).json() == []


@pytest.mark.django_db(transaction=True)
def test_success_answers_match_the_document() -> None:
    from tests.api.test_openapi_fuzz import CHECKS, schema

    store = make_merchant().store
    item = product(store)
    bearer = {"Authorization": f"Bearer {customer_api_token_create(customer=make_customer(store))}"}
    base_url = f"http://{host(store)}"

    def call(method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return schema[path][method].Case(headers=bearer, **kwargs).call_and_validate(base_url=base_url, checks=CHECKS)

    assert call("POST", "/api/v1/storefront/favourites", body={"product_id": item.pk}).status_code == 201
    assert len(call("GET", "/api/v1/storefront/favourites").json()) == 1
    deleted = call("DELETE", "/api/v1/storefront/favourites/{product_id}", path_parameters={"product_id": item.pk})
    assert deleted.status_code == 200


def test_storefront_api_paths_have_no_trailing_slash_and_answer_without_a_redirect(api, store, bearer) -> None:
    # A POST that a redirect would turn into a GET must reach its handler as sent.
    for path in ("storefront/cart", "storefront/favourites"):
        response = api.get(path, host=host(store), token=bearer)
        assert response.status_code == 200, (path, response.status_code)
