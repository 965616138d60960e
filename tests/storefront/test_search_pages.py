"""The search pages on a store's host: /search/ and the suggestions fragment at /search/suggest/."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from shopwright.catalog.inputs import ProductInput, VariantInput
from shopwright.catalog.models import Product
from shopwright.catalog.services import product_image_add, product_update
from shopwright.core.audit import Actor
from tests.catalog_factories import make_product
from tests.factories import host, make_merchant

pytestmark = pytest.mark.django_db

# Text that means something to FTS5 or to_tsquery, mixed into the arbitrary input below.
QUERY_SYNTAX = ['"', "*", "NEAR(", "AND", "OR", "NOT", "^", "-", ":", "(", ")", "'", "\\", "%", "&", "|", "!", "<->"]
ANY_QUERY = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), st.sampled_from(QUERY_SYNTAX)),
    max_size=8,
).map("".join)


@pytest.fixture
def store():
    return make_merchant(store_name="Linen House").store


def visitor(store) -> Client:
    return Client(HTTP_HOST=host(store))


def card_titles(html: str, section_class: str = "search-results") -> list[str]:
    match = re.search(rf'<ul class="product-grid {section_class}">(.*?)</ul>', html, re.S)
    if not match:
        return []
    return [unescape(t) for t in re.findall(r'<span class="title">(.*?)</span>', match.group(1))]


def suggestion_links(html: str) -> list[tuple[str, str, str]]:
    """(link, title, price) of each product suggested."""
    found = re.findall(
        r'<a href="(/products/[^"]+)"[^>]*>.*?<span class="search-suggestion-title">(.*?)</span>'
        r'<span class="search-suggestion-price">(.*?)</span>',
        html,
    )
    return [(link, unescape(title), unescape(price)) for link, title, price in found]


def test_results_are_ranked_and_link_to_the_products(store):
    make_product(store, title="Cotton shirt", description_html="<p>Linen look, linen feel, linen blend.</p>")
    make_product(store, title="Linen shirt", price="24.50")
    make_product(store, title="Secret linen", status="draft")
    response = visitor(store).get("/search/", {"q": "linen"})
    html = response.content.decode()
    assert response.status_code == 200
    assert card_titles(html) == ["Linen shirt", "Cotton shirt"]
    assert "Results for “linen”" in html
    assert 'href="/products/linen-shirt/"' in html
    assert "$24.50" in html
    assert "Secret linen" not in html


def test_a_typo_shows_what_was_searched_instead(store):
    make_product(store, title="Linen shirt")
    html = visitor(store).get("/search/", {"q": "lnen shrit"}).content.decode()
    assert card_titles(html) == ["Linen shirt"]
    assert "Showing results for <strong>linen shirt</strong>" in html


def test_no_results_offers_popular_products(store):
    make_product(store, title="Quiet seller")
    hit = make_product(store, title="Best seller")
    Product.objects.filter(store=store, pk=hit.pk).update(sales_count=9)
    make_product(store, title="Draft seller", status="draft")
    response = visitor(store).get("/search/", {"q": "teapot"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No results for “teapot”" in html
    assert card_titles(html) == []
    assert card_titles(html, "popular-products") == ["Best seller", "Quiet seller"]


def test_an_empty_query_shows_the_search_page_with_popular_products(store):
    make_product(store, title="Linen shirt")
    for query in ({}, {"q": ""}, {"q": "   "}):
        response = visitor(store).get("/search/", query)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<h1>Search</h1>" in html
        assert card_titles(html, "popular-products") == ["Linen shirt"]


def test_a_query_of_only_symbols_finds_nothing_and_offers_popular_products(store):
    make_product(store, title="Linen shirt")
    html = visitor(store).get("/search/", {"q": '"*^-'}).content.decode()
    assert "No results for" in html
    assert card_titles(html, "popular-products") == ["Linen shirt"]


def test_another_stores_products_are_never_shown(store):
    other = make_merchant(store_name="Other").store
    make_product(other, title="Linen towel")
    make_product(store, title="Wool scarf")
    html = visitor(store).get("/search/", {"q": "linen"}).content.decode()
    assert "Linen towel" not in html
    assert card_titles(html, "popular-products") == ["Wool scarf"]
    assert "Linen towel" not in visitor(store).get("/search/suggest/", {"q": "lin"}).content.decode()


def test_pages_of_24_with_links_and_404_past_the_end(store):
    for n in range(30):
        make_product(store, title=f"Linen napkin {n:02}")
    client = visitor(store)
    first = client.get("/search/", {"q": "linen"}).content.decode()
    assert len(card_titles(first)) == 24
    assert 'rel="next" href="/search/?q=linen&amp;page=2"' in first
    second = client.get("/search/", {"q": "linen", "page": "2"})
    assert len(card_titles(second.content.decode())) == 6
    assert 'rel="prev" href="/search/?q=linen"' in second.content.decode()
    assert set(card_titles(first)).isdisjoint(card_titles(second.content.decode()))
    assert client.get("/search/", {"q": "linen", "page": "3"}).status_code == 404
    assert client.get("/search/", {"q": "linen", "page": "9" * 40}).status_code == 404
    for bad in ("0", "-1", "two", "1.5"):
        assert client.get("/search/", {"q": "linen", "page": bad}).status_code == 400


def test_a_query_over_100_characters_is_a_400_page(store):
    client = visitor(store)
    assert client.get("/search/", {"q": "x" * 100}).status_code == 200
    response = client.get("/search/", {"q": "x" * 101})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()
    suggest = client.get("/search/suggest/", {"q": "x" * 101})
    assert suggest.status_code == 400
    assert "at most 100 characters" in suggest.content.decode()


def test_suggestions_fragment_lists_six_titles_with_prices_and_links(store):
    make_product(store, title="Linen shirt", price="30.00")
    for n in range(8):
        make_product(store, title=f"Linen towel {n}", price="9.00")
    response = visitor(store).get("/search/suggest/", {"q": "linen shirt"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment, not a page
    assert 'role="listbox"' in html
    assert suggestion_links(html)[0] == ("/products/linen-shirt/", "Linen shirt", "$30.00")
    many = visitor(store).get("/search/suggest/", {"q": "lin"}).content.decode()
    assert len(suggestion_links(many)) == 6
    assert len(re.findall(r'role="option" id="search-suggestion-\d+"', many)) == 6
    assert ("/products/linen-towel-7/", "Linen towel 7", "$9.00") in suggestion_links(many)
    assert 'href="/search/?q=lin"' in many  # "see all results"


def test_suggestions_for_nothing_and_for_no_match(store):
    make_product(store, title="Linen shirt")
    client = visitor(store)
    empty = client.get("/search/suggest/", {"q": ""})
    assert empty.status_code == 200 and empty.content.decode().strip() == ""
    none = client.get("/search/suggest/", {"q": "teapot"}).content.decode()
    assert "No products match “teapot”" in none and 'role="listbox"' not in none


def test_the_header_search_box_works_without_javascript_and_loads_the_suggestions(store):
    html = visitor(store).get("/").content.decode()
    form = re.search(r'<form class="search-box"[^>]*>.*?</form>', html, re.S)
    assert form
    assert 'action="/search/"' in form.group(0) and 'method="get"' in form.group(0)
    assert 'name="q"' in form.group(0) and 'role="combobox"' in form.group(0)
    assert 'aria-expanded="false"' in form.group(0) and 'aria-autocomplete="list"' in form.group(0)
    assert '<script src="/static/storefront/search.js" defer></script>' in html


def test_search_pages_have_no_inline_script_or_style(store):
    make_product(store, title="Linen shirt")
    client = visitor(store)
    for path, query in (("/search/", {"q": "linen"}), ("/search/", {"q": "zzz"}), ("/search/suggest/", {"q": "lin"})):
        html = client.get(path, query).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert " style=" not in html and " onclick=" not in html


def test_the_page_is_not_indexed(store):
    html = visitor(store).get("/search/", {"q": "linen"}).content.decode()
    assert '<meta name="robots" content="noindex">' in html


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 250), "#c8b89a").save(buffer, "JPEG")
    return buffer.getvalue()


def _count_queries(client: Client, path: str, query: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/search/", "/search/suggest/"])
def test_the_number_of_queries_does_not_grow_with_the_results(path):
    few, many = make_merchant().store, make_merchant().store
    for store, count in ((few, 5), (many, 50)):
        for n in range(count):
            product = make_product(store, title=f"Linen shirt {n}", sizes=["S", "M"])
            if n % 2:  # cards with and without a picture
                product_image_add(store=store, actor=Actor.system(), product=product, upload=io.BytesIO(_jpeg()))
    few_client, many_client = visitor(few), visitor(many)
    for client in (few_client, many_client):  # warm the per-process caches (store lookup, templates)
        client.get(path, {"q": "linen"})
    cache.clear()  # ... but count a search nobody made before (see the test below for a repeated one)
    found = _count_queries(few_client, path, {"q": "linen"})
    assert found == _count_queries(many_client, path, {"q": "linen"})
    assert found <= 4, found  # the search, the cards and their images
    # A typo: one more search once the vocabulary is read (it is then kept until the catalog changes).
    assert _count_queries(few_client, path, {"q": "shrit"}) == _count_queries(many_client, path, {"q": "shrit"})


def _search_queries(queries: CaptureQueriesContext) -> int:
    """Queries but the host's store lookup (which tests do not remember between requests, unlike servers)."""
    return sum(1 for query in queries.captured_queries if not query["sql"].startswith('SELECT "stores_store".'))


def _queries_and_titles(client: Client, query: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return _search_queries(queries), card_titles(response.content.decode())


def test_a_repeated_search_runs_no_query_until_the_catalog_changes(store, django_capture_on_commit_callbacks):
    product = make_product(store, title="Linen shirt", price="30.00")
    make_product(store, title="Linen towel")
    client = visitor(store)
    first, shown = _queries_and_titles(client, "linen")
    assert sorted(shown) == ["Linen shirt", "Linen towel"] and first >= 2  # the search and the cards
    # The same words, however typed: the page of ids and the cards are both kept.
    assert _queries_and_titles(client, "linen") == (0, shown)
    again = client.get("/search/", {"q": "  LINEN "}).content.decode()
    assert card_titles(again) == shown and "Results for “LINEN”" in again
    # Other words over the same products: the search runs, the cards come from the cache.
    assert _queries_and_titles(client, "shirt") == (1, ["Linen shirt"])
    # Suggestions and the empty search (popular products) are kept too.
    for path, query in (("/search/suggest/", {"q": "lin"}), ("/search/", {"q": ""})):
        before = client.get(path, query).content.decode()
        with CaptureQueriesContext(connection) as queries:
            after = client.get(path, query).content.decode()
        assert _search_queries(queries) == 0
        assert (suggestion_links(after), card_titles(after, "popular-products")) == (
            suggestion_links(before),
            card_titles(before, "popular-products"),
        )
    # A catalog write shows at once: in the results, in the cards and in the suggestions.
    data = ProductInput(title="Hemp shirt", status="published", variants=[VariantInput(sku="H-1", price="12.00")])
    with django_capture_on_commit_callbacks(execute=True):
        product_update(store=store, actor=Actor.system(), product=product, data=data)
    assert _queries_and_titles(client, "linen")[1] == ["Linen towel"]
    shirt = client.get("/search/", {"q": "shirt"}).content.decode()
    assert card_titles(shirt) == ["Hemp shirt"] and "$12.00" in shirt and "$30.00" not in shirt
    suggested = suggestion_links(client.get("/search/suggest/", {"q": "shi"}).content.decode())
    assert [title for _, title, _ in suggested] == ["Hemp shirt"]


def test_only_short_queries_that_found_something_are_kept(store):
    words = "Handwoven herringbone linen overshirt embroidered cornflowers mother pearl"
    make_product(store, title=words)
    client = visitor(store)
    client.get("/search/", {"q": "warm"})  # the per-process caches (store lookup, templates, vocabulary)
    # Eight long words: more than 50 characters once folded, so searched every time.
    long_queries = [_queries_and_titles(client, words.lower()) for _ in range(2)]
    assert long_queries[0] == long_queries[1] and long_queries[0][0] >= 1 and long_queries[0][1] == [words]
    # Nothing found: random text must not fill the cache, so it is searched (and corrected) every time.
    misses = [_queries_and_titles(client, "zzqxv")[0] for _ in range(2)]
    assert misses[0] == misses[1] >= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=ANY_QUERY, page=st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 10**20).map(str)))
def test_any_input_gives_a_page_never_a_server_error(store, query, page):
    if not Product.objects.filter(store=store).exists():
        make_product(store, title="Linen shirt")
    client = visitor(store)
    params = {"q": query} if page is None else {"q": query, "page": page}
    assert client.get("/search/", params).status_code in (200, 400, 404)
    assert client.get("/search/suggest/", {"q": query}).status_code in (200, 400)
