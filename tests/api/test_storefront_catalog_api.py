"""Storefront catalog API: published products and collections of the host's store, typed prices, errors as JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shopwright.catalog.models import Product
from tests.api.conftest import assert_error
from tests.api.test_openapi_fuzz import CHECKS, schema
from tests.catalog_factories import make_product
from tests.factories import host, make_merchant
from tests.storefront.catalog_helpers import add_image, make_collection, make_product_with_variants

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return make_merchant(store_name="Linen House", store_handle="linen-house").store


@pytest.fixture
def other_store():
    return make_merchant().store


@pytest.fixture
def shirt(store):
    product = make_product_with_variants(
        store,
        title="Linen shirt",
        handle="linen-shirt",
        vendor="Flax & Co",
        tags=["linen", "summer"],
        description_html="<p>Washed <em>linen</em>.</p>",
        options=[("Size", ["S", "M"])],
        variants=[
            {"option_values": ["S"], "sku": "LS-S", "price": "39.90", "compare_at_price": "49.00", "stock_quantity": 2},
            {"option_values": ["M"], "sku": "LS-M", "price": "42.00", "stock_quantity": 0},
        ],
    )
    add_image(store, product, alt="Front")
    return product


def _get(api, store, path: str, **params):  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.get(f"storefront/{path}" + (f"?{query}" if query else ""), host=host(store))


def test_product_detail_has_prices_as_decimal_strings_variants_stock_and_absolute_image_urls(api, store, shirt) -> None:
    response = _get(api, store, "products/linen-shirt")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Linen shirt" and body["vendor"] == "Flax & Co"
    assert body["tags"] == ["linen", "summer"]
    assert body["description_html"] == "<p>Washed <em>linen</em>.</p>"
    assert body["url"] == "http://linen-house.localhost/products/linen-shirt/"
    assert body["price_min"] == {"amount": "39.90", "currency": "USD", "formatted": "$39.90"}
    assert body["price_max"]["amount"] == "42.00"
    assert body["options"] == [{"name": "Size", "values": ["S", "M"]}]
    small, medium = body["variants"]
    assert small["price"]["amount"] == "39.90" and small["compare_at_price"]["amount"] == "49.00"
    assert small["stock_state"] == "low_stock" and small["stock_text"] == "Only 2 left" and small["available"]
    assert medium["stock_state"] == "out_of_stock" and not medium["available"] and medium["compare_at_price"] is None
    (image,) = body["images"]
    assert image["alt"] == "Front"
    assert image["url"].startswith("http://linen-house.localhost/media/") and image["url"].endswith(".jpg")
    assert all(part.startswith("http://linen-house.localhost/media/") for part in image["srcset_webp"].split(", "))


def test_product_list_is_paginated_and_sorted(api, store) -> None:
    for i in range(30):
        product = make_product(store, title=f"Item {i:02d}", price=f"{10 + i}.00")
        Product.objects.filter(store=store, pk=product.pk).update(published_at=timezone.now() - timedelta(days=i))
    first = _get(api, store, "products").json()
    assert first["sort"] == "newest"
    assert first["page"] == {"number": 1, "num_pages": 2, "per_page": 24, "total": 30}
    assert [p["title"] for p in first["products"][:2]] == ["Item 00", "Item 01"]
    second = _get(api, store, "products", sort="price-desc", page=2).json()
    assert [p["title"] for p in second["products"]] == [f"Item {i:02d}" for i in range(5, -1, -1)]
    card = second["products"][0]
    assert card["price_min"] == {"amount": "15.00", "currency": "USD", "formatted": "$15.00"}
    assert card["url"].endswith("/products/item-05/")


def test_only_this_stores_published_products_are_listed(api, store, other_store) -> None:
    make_product(store, title="Shown")
    make_product(store, title="Draft", status="draft")
    make_product(other_store, title="Elsewhere")
    titles = [p["title"] for p in _get(api, store, "products").json()["products"]]
    assert titles == ["Shown"]
    assert_error(_get(api, store, "products/draft"), 404)


def test_another_stores_product_is_not_found(api, store, other_store) -> None:
    make_product(other_store, title="Elsewhere", handle="elsewhere")
    assert_error(_get(api, store, "products/elsewhere"), 404)
    assert_error(_get(api, store, "products/no-such-thing"), 404)


def test_collections_list_and_one_collection_with_its_products(api, store, shirt) -> None:
    mug = make_product(store, title="Mug", price="8.00")
    make_collection(store, "Summer", handle="summer", products=[mug, shirt], description_html="<p>Sunny</p>")
    make_collection(store, "Hidden", handle="hidden", is_published=False)
    listed = _get(api, store, "collections").json()["collections"]
    assert [c["handle"] for c in listed] == ["summer"]
    assert listed[0]["url"] == "http://linen-house.localhost/collections/summer/"

    body = _get(api, store, "collections/summer").json()
    assert body["collection"]["title"] == "Summer" and body["collection"]["description_html"] == "<p>Sunny</p>"
    assert body["sort"] == "featured"
    assert [p["title"] for p in body["products"]] == ["Mug", "Linen shirt"]
    shirt_card = body["products"][1]
    assert shirt_card["compare_at_price"]["amount"] == "49.00" and shirt_card["available"] is True
    assert shirt_card["image"]["url"].startswith("http://linen-house.localhost/media/")
    by_price = _get(api, store, "collections/summer", sort="price-desc").json()
    assert [p["title"] for p in by_price["products"]] == ["Linen shirt", "Mug"]
    # The products endpoint filtered by collection gives the same.
    filtered = _get(api, store, "products", collection="summer").json()
    assert [p["title"] for p in filtered["products"]] == ["Mug", "Linen shirt"]
    assert_error(_get(api, store, "collections/hidden"), 404)
    assert_error(_get(api, store, "products", collection="hidden"), 404)


def test_bad_sort_bad_page_and_page_past_the_end_are_json_errors(api, store) -> None:
    make_product(store, title="Only")
    make_collection(store, "Summer", handle="summer")
    assert_error(_get(api, store, "products", sort="cheapest"), 400, "sort")
    assert_error(_get(api, store, "collections/summer", sort="cheapest"), 400, "sort")
    assert_error(_get(api, store, "products", page="abc"), 400, "page")
    assert_error(_get(api, store, "products", page=0), 400, "page")
    assert_error(_get(api, store, "products", page=2), 404)
    assert_error(_get(api, store, "collections/summer", page=2), 404)
    assert_error(_get(api, store, "products", page=10**30), 404)


def test_the_catalog_api_answers_only_on_a_store_host(api, store) -> None:
    make_product(store, title="Only", handle="only")
    for path in ("storefront/products", "storefront/products/only", "storefront/collections"):
        assert_error(api.get(path), 404)


def test_the_product_list_runs_a_fixed_number_of_queries(api) -> None:
    counts = []
    for n in (5, 50):
        store = make_merchant().store
        for i in range(n):
            product = make_product(store, title=f"Item {i}", sizes=["S", "M"])
            if i % 2 == 0:
                add_image(store, product, size=(200, 150))
        with CaptureQueriesContext(connection) as captured:
            assert _get(api, store, "products").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_success_answers_match_the_openapi_document(store, shirt) -> None:
    """Random input rarely finds a real handle: the 200 answers are checked against the document here."""
    make_collection(store, "Summer", handle="summer", products=[shirt])
    base_url = f"http://{host(store)}"

    def call(path: str, **kwargs):  # type: ignore[no-untyped-def]
        response = schema[path]["GET"].Case(**kwargs).call_and_validate(base_url=base_url, checks=CHECKS)
        assert response.status_code == 200, response.text
        return response.json()

    assert call("/api/v1/storefront/products", query={"sort": "price-asc"})["products"]
    assert call("/api/v1/storefront/products", query={"collection": "summer"})["products"]
    assert call("/api/v1/storefront/products/{handle}", path_parameters={"handle": "linen-shirt"})["variants"]
    assert call("/api/v1/storefront/collections")["collections"]
    assert call("/api/v1/storefront/collections/{handle}", path_parameters={"handle": "summer"})["products"]


def test_amounts_have_the_currencys_own_places(api) -> None:
    yen_store = make_merchant(store_name="Tokyo Tea").store
    yen_store.currency = "JPY"
    yen_store.save(update_fields=["currency"])
    make_product(yen_store, title="Sencha", handle="sencha", price="1200")
    product = api.get("storefront/products/sencha", host=host(yen_store)).json()
    # Yen have no minor unit: "1200", not "1200.00".
    assert product["price_min"]["amount"] == "1200"
    assert product["variants"][0]["price"]["amount"] == "1200"
