"""GET /api/v1/storefront/search and /api/v1/storefront/search/suggest on a store's host."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopwright.catalog.models import Product
from tests.api.conftest import assert_error
from tests.catalog_factories import make_product
from tests.factories import host, make_merchant

pytestmark = pytest.mark.django_db

QUERY_SYNTAX = ['"', "*", "NEAR(", "AND", "OR", "NOT", "^", "-", ":", "(", ")", "'", "\\", "%", "&", "|", "!", "<->"]
ANY_QUERY = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), st.sampled_from(QUERY_SYNTAX)),
    max_size=8,
).map("".join)


@pytest.fixture
def store():
    return make_merchant(store_name="Linen House").store


def test_results_are_ranked_cards_with_prices_as_decimal_strings(api, store):
    make_product(store, title="Cotton shirt", description_html="<p>Linen look, linen feel, linen blend.</p>")
    make_product(store, title="Linen shirt", price="24.50", vendor="Acme")
    make_product(store, title="Linen dress", status="draft")
    response = api.get("storefront/search?q=linen", host=host(store))
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "linen" and body["corrected"] == ""
    assert body["page"] == {"number": 1, "num_pages": 1, "per_page": 24, "total": 2}
    assert [p["title"] for p in body["products"]] == ["Linen shirt", "Cotton shirt"]
    first = body["products"][0]
    assert first["handle"] == "linen-shirt"
    assert first["url"] == f"http://{host(store)}/products/linen-shirt/"
    assert first["price_min"] == {"amount": "24.50", "currency": "USD", "formatted": "$24.50"}
    assert first["price_max"]["amount"] == "24.50"
    assert first["image"] is None


def test_prefixes_and_typos_match_and_the_correction_is_reported(api, store):
    make_product(store, title="Linen shirt")
    assert [p["title"] for p in api.get("storefront/search?q=lin", host=host(store)).json()["products"]] == [
        "Linen shirt"
    ]
    body = api.get("storefront/search?q=lnen%20shrit", host=host(store)).json()
    assert [p["title"] for p in body["products"]] == ["Linen shirt"]
    assert body["corrected"] == "linen shirt"


def test_pages_and_past_the_end(api, store):
    for n in range(26):
        make_product(store, title=f"Linen napkin {n}")
    second = api.get("storefront/search?q=linen&page=2", host=host(store)).json()
    assert second["page"] == {"number": 2, "num_pages": 2, "per_page": 24, "total": 26}
    assert len(second["products"]) == 2
    assert_error(api.get("storefront/search?q=linen&page=3", host=host(store)), 404)
    assert_error(api.get("storefront/search?q=linen&page=0", host=host(store)), 400, "page")
    assert_error(api.get("storefront/search?q=linen&page=two", host=host(store)), 400, "page")


def test_nothing_found_is_an_empty_list(api, store):
    make_product(store, title="Linen shirt")
    body = api.get("storefront/search?q=teapot", host=host(store)).json()
    assert body["products"] == [] and body["page"]["total"] == 0
    assert api.get("storefront/search", host=host(store)).json()["products"] == []


def test_another_stores_products_are_never_found(api, store):
    other = make_merchant().store
    make_product(other, title="Linen towel")
    make_product(other, title="Velvet cushion")
    assert api.get("storefront/search?q=linen", host=host(store)).json()["products"] == []
    body = api.get("storefront/search?q=velvt", host=host(store)).json()
    assert body["products"] == [] and body["corrected"] == ""
    assert api.get("storefront/search/suggest?q=lin", host=host(store)).json()["suggestions"] == []


def test_a_query_over_100_characters_is_refused(api, store):
    assert api.get("storefront/search?q=" + "x" * 100, host=host(store)).status_code == 200
    assert_error(api.get("storefront/search?q=" + "x" * 101, host=host(store)), 400, "q")
    assert_error(api.get("storefront/search/suggest?q=" + "x" * 101, host=host(store)), 400, "q")


def test_suggestions_are_six_titles_with_prices_and_links(api, store):
    make_product(store, title="Linen shirt", price="30.00", sizes=["S", "M"])
    for n in range(8):
        make_product(store, title=f"Linen towel {n}", price="9.00")
    body = api.get("storefront/search/suggest?q=linen%20sh", host=host(store)).json()
    assert body["query"] == "linen sh"
    # PostgreSQL also suggests titles similar enough (the towels), after the match.
    assert body["suggestions"][0] == {
        "handle": "linen-shirt",
        "title": "Linen shirt",
        "url": f"http://{host(store)}/products/linen-shirt/",
        "price": "$30.00",
    }
    assert len(api.get("storefront/search/suggest?q=lin", host=host(store)).json()["suggestions"]) == 6
    assert api.get("storefront/search/suggest?q=", host=host(store)).json()["suggestions"] == []


def test_only_on_a_store_host(api):
    assert_error(api.get("storefront/search?q=linen"), 404)
    assert_error(api.get("storefront/search/suggest?q=linen"), 404)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=ANY_QUERY, page=st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 10**20).map(str)))
def test_any_input_gives_an_answer_never_a_server_error(client, store, query, page):
    if not Product.objects.filter(store=store).exists():
        make_product(store, title="Linen shirt")
    params = {"q": query} if page is None else {"q": query, "page": page}
    response = client.get("/api/v1/storefront/search", params, HTTP_HOST=host(store))
    assert response.status_code in (200, 400, 404)
    assert response["Content-Type"].startswith("application/json")
    suggest = client.get("/api/v1/storefront/search/suggest", {"q": query}, HTTP_HOST=host(store))
    assert suggest.status_code in (200, 400)
