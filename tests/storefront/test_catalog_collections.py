"""Home, the collection list and collection pages: what is shown, in which order, paginated; bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shopwright.catalog.models import Product
from shopwright.catalog.services import collection_set_products
from shopwright.core.audit import Actor
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.storefront.catalog_helpers import card_titles, html, make_collection, visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return make_merchant(store_name="Linen House").store


@pytest.fixture
def other_store():
    return make_merchant(store_name="Tea Corner").store


def _age(store, product: Product, *, days: int, sales: int = 0) -> None:
    """Set when a product was published and how many sold (what newest and best-selling sort by)."""
    Product.objects.filter(store=store, pk=product.pk).update(
        published_at=timezone.now() - timedelta(days=days), sales_count=sales
    )


@pytest.fixture
def four(store):
    """Four products with distinct prices, publication days and sales."""
    a = make_product(store, title="Apron", price="20.00")
    b = make_product(store, title="Blanket", price="90.00")
    c = make_product(store, title="Cushion", price="35.00")
    d = make_product(store, title="Duvet", price="150.00")
    _age(store, a, days=4, sales=5)
    _age(store, b, days=1, sales=50)
    _age(store, c, days=3, sales=1)
    _age(store, d, days=2, sales=20)
    return [a, b, c, d]


# --- home ---------------------------------------------------------------------------------------


def test_home_shows_the_featured_collection_and_the_newest_published_products(store, other_store, four) -> None:
    make_product(store, title="Draft quilt", status="draft")
    make_product(other_store, title="Oolong tea")
    make_collection(store, "Bedroom", handle="bedroom", products=[four[3], four[1]], is_featured=True)
    page = html(visitor(store).get("/"))
    featured = page.split('id="featured-title"')[1].split("</section>")[0]
    newest = page.split('id="newest-title"')[1].split("</section>")[0]
    assert ">Bedroom</h2>" in featured and 'href="/collections/bedroom/"' in featured
    assert re.findall(r'<span class="title">([^<]*)</span>', featured) == ["Duvet", "Blanket"]
    assert re.findall(r'<span class="title">([^<]*)</span>', newest) == ["Blanket", "Duvet", "Cushion", "Apron"]
    assert "Draft quilt" not in page and "Oolong" not in page


def test_home_shows_at_most_twelve_newest_products(store) -> None:
    for i in range(14):
        make_product(store, title=f"Item {i}")
    assert len(card_titles(visitor(store).get("/"))) == 12


def test_home_without_products_says_the_catalog_opens_soon(store) -> None:
    page = html(visitor(store).get("/"))
    assert "The catalog opens soon." in page and "product-card" not in page


# --- collection list ----------------------------------------------------------------------------


def test_collection_list_shows_only_this_stores_published_collections(store, other_store) -> None:
    make_collection(store, "Summer", handle="summer")
    make_collection(store, "Secret", handle="secret", is_published=False)
    make_collection(other_store, "Teas", handle="teas")
    page = html(visitor(store).get("/collections/"))
    assert 'href="/collections/summer/"' in page
    assert "Secret" not in page and "Teas" not in page


# --- a collection page --------------------------------------------------------------------------


def test_manual_collection_keeps_the_merchants_order_and_hides_unpublished_products(store, four) -> None:
    draft = make_product(store, title="Draft quilt", status="draft")
    make_collection(store, "Picks", handle="picks", products=[four[2], draft, four[0], four[3]])
    response = visitor(store).get("/collections/picks/")
    assert response.status_code == 200
    assert card_titles(response) == ["Cushion", "Apron", "Duvet"]
    assert "3 products" in html(response)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("featured", ["Cushion", "Apron", "Duvet", "Blanket"]),
        ("newest", ["Blanket", "Duvet", "Cushion", "Apron"]),
        ("price-asc", ["Apron", "Cushion", "Blanket", "Duvet"]),
        ("price-desc", ["Duvet", "Blanket", "Cushion", "Apron"]),
        ("best-selling", ["Blanket", "Duvet", "Apron", "Cushion"]),
    ],
)
def test_sorting_a_manual_collection(store, four, sort, expected) -> None:
    make_collection(store, "All", handle="all", products=[four[2], four[0], four[3], four[1]])
    response = visitor(store).get(f"/collections/all/?sort={sort}")
    assert card_titles(response) == expected
    assert re.search(rf'<option value="{sort}" selected>', html(response))


def test_the_collections_default_sort_applies_without_a_sort_parameter(store, four) -> None:
    make_collection(store, "Cheap first", handle="cheap", products=four, default_sort="price-asc")
    assert card_titles(visitor(store).get("/collections/cheap/")) == ["Apron", "Cushion", "Blanket", "Duvet"]


def test_automatic_collection_shows_matching_products_featured_meaning_newest(store, other_store) -> None:
    old = make_product(store, title="Old linen", tags=["linen"])
    new = make_product(store, title="New linen", tags=["linen"])
    make_product(store, title="Wool", tags=["wool"])
    make_product(store, title="Draft linen", tags=["linen"], status="draft")
    make_product(other_store, title="Their linen", tags=["linen"])
    _age(store, old, days=5)
    _age(store, new, days=1)
    make_collection(store, "Linen", handle="linen", rules=[("tag", "equals", "linen")])
    assert card_titles(visitor(store).get("/collections/linen/")) == ["New linen", "Old linen"]


def test_automatic_collection_match_any(store) -> None:
    make_product(store, title="Cheap wool", tags=["wool"], price="5.00")
    make_product(store, title="Dear silk", tags=["silk"], price="500.00")
    make_product(store, title="Mid cotton", tags=["cotton"], price="50.00")
    make_collection(
        store,
        "Extremes",
        handle="extremes",
        rules=[("price", "lt", "10"), ("price", "gt", "100")],
        match_all=False,
        default_sort="price-asc",
    )
    assert card_titles(visitor(store).get("/collections/extremes/")) == ["Cheap wool", "Dear silk"]


def test_pagination_shows_24_a_page_with_previous_and_next_links(store) -> None:
    products = [make_product(store, title=f"Item {i:02d}") for i in range(50)]
    make_collection(store, "Everything", handle="everything", products=products)
    browser = visitor(store)
    first = browser.get("/collections/everything/")
    assert card_titles(first)[:2] == ["Item 00", "Item 01"] and len(card_titles(first)) == 24
    assert 'rel="next" href="/collections/everything/?page=2"' in html(first)
    assert 'rel="prev"' not in html(first)
    assert "Page 1 of 3" in html(first)
    third = browser.get("/collections/everything/?page=3")
    assert card_titles(third) == ["Item 48", "Item 49"]
    assert 'rel="prev" href="/collections/everything/?page=2"' in html(third) and 'rel="next"' not in html(third)
    # A chosen sort order stays in the page links.
    sorted_page = html(browser.get("/collections/everything/?sort=price-desc&page=2"))
    assert 'href="/collections/everything/?sort=price-desc&amp;page=3"' in sorted_page
    assert 'href="/collections/everything/?sort=price-desc"' in sorted_page


def test_an_empty_collection_is_an_empty_first_page(store) -> None:
    make_collection(store, "Empty", handle="empty")
    response = visitor(store).get("/collections/empty/")
    assert response.status_code == 200
    assert "No products in this collection yet." in html(response)


def test_a_page_past_the_end_is_404(store, four) -> None:
    make_collection(store, "Few", handle="few", products=four)
    for page in ("2", "99999999999999999999999999"):
        response = visitor(store).get(f"/collections/few/?page={page}")
        assert response.status_code == 404, page
        assert "There is no such page." in html(response)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "²"])
def test_a_page_that_is_not_a_positive_whole_number_is_400(store, four, page) -> None:
    make_collection(store, "Few", handle="few", products=four)
    response = visitor(store).get("/collections/few/", {"page": page})
    assert response.status_code == 400
    assert "The page must be" in html(response)


def test_an_unknown_sort_is_a_400_page_naming_the_choices(store, four) -> None:
    make_collection(store, "Few", handle="few", products=four)
    response = visitor(store).get("/collections/few/?sort=cheapest")
    assert response.status_code == 400
    page = html(response)
    assert "Unknown sort order." in page and "price-asc" in page
    assert "product-card" not in page


def test_unpublished_unknown_and_other_stores_collections_are_404(store, other_store) -> None:
    make_collection(store, "Hidden", handle="hidden", is_published=False)
    make_collection(other_store, "Teas", handle="teas", products=[make_product(other_store, title="Oolong")])
    for path in ("/collections/hidden/", "/collections/teas/", "/collections/nothing/"):
        response = visitor(store).get(path)
        assert response.status_code == 404, path
        assert "Oolong" not in html(response)


def test_a_catalog_change_shows_on_the_collection_page_at_once(store, django_capture_on_commit_callbacks) -> None:
    first = make_product(store, title="First")
    collection = make_collection(store, "Picks", handle="picks", products=[first])
    browser = visitor(store)
    assert card_titles(browser.get("/collections/picks/")) == ["First"]  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        second = make_product(store, title="Second")
        collection_set_products(
            store=store, actor=Actor.system(), collection=collection, product_ids=[second.pk, first.pk]
        )
    assert card_titles(browser.get("/collections/picks/")) == ["Second", "First"]


def test_same_collection_handle_in_two_stores_never_shares_a_cached_page(store, other_store) -> None:
    make_collection(store, "Sale", handle="sale", products=[make_product(store, title="Linen apron")])
    make_collection(other_store, "Sale", handle="sale", products=[make_product(other_store, title="Tea towel")])
    for _ in range(2):
        assert card_titles(visitor(store).get("/collections/sale/")) == ["Linen apron"]
        assert card_titles(visitor(other_store).get("/collections/sale/")) == ["Tea towel"]
