"""Query budgets: catalog pages run the same number of queries for 5 or 50 products, variants and images.

Counted with the cache emptied first, so the real reads are counted; the
cached path is shown to run fewer (none on catalog tables).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.stores.models import Store
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.storefront.catalog_helpers import add_image, card_titles, make_collection, product_data, visitor

pytestmark = pytest.mark.django_db

SMALL = (200, 150)


def _queries(store: Store, path: str, *, cold: bool = True) -> tuple[int, int]:
    """(all queries, queries on catalog tables) of one anonymous visit to `path`."""
    if cold:
        cache.clear()
    browser = visitor(store)
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(path)
    assert response.status_code == 200, response.content
    catalog = [q for q in captured.captured_queries if "catalog_" in q["sql"]]
    return len(captured.captured_queries), len(catalog)


def _collection_store(products: int) -> Store:
    store = make_merchant().store
    made = []
    for i in range(products):
        product = make_product(store, title=f"Item {i}", sizes=["S", "M", "L"])
        if i % 2 == 0:
            add_image(store, product, size=SMALL)
            add_image(store, product, size=SMALL)
        made.append(product)
    make_collection(store, "All", handle="all", products=made, is_featured=True)
    return store


def test_collection_page_and_home_run_a_fixed_number_of_queries() -> None:
    few, many = _collection_store(5), _collection_store(50)
    assert len(card_titles(visitor(many).get("/collections/all/"))) == 24

    for path, catalog_budget in (("/collections/all/", 4), ("/collections/all/?sort=price-desc", 4), ("/", 5)):
        few_all, few_catalog = _queries(few, path)
        many_all, many_catalog = _queries(many, path)
        assert few_all == many_all, path
        # collection, count, cards (price, stock and first image as subqueries), the images
        assert few_catalog == many_catalog == catalog_budget, path
        cached_all, cached_catalog = _queries(many, path, cold=False)
        assert cached_catalog == 0 and cached_all < many_all, path


def _product_store(colours: int) -> Store:
    store = make_merchant().store
    product = make_product(
        store,
        title="Shirt",
        handle="shirt",
        sizes=["XS", "S", "M", "L", "XL"],
        colours=[f"C{i}" for i in range(colours)],
    )
    for _ in range(3 if colours == 1 else 8):
        add_image(store, product, size=SMALL)
    return store


def test_product_page_runs_a_fixed_number_of_queries_for_5_or_50_variants() -> None:
    five, fifty = _product_store(1), _product_store(10)
    assert len(product_data(visitor(five).get("/products/shirt/"))["variants"]) == 5
    assert len(product_data(visitor(fifty).get("/products/shirt/"))["variants"]) == 50

    few_all, few_catalog = _queries(five, "/products/shirt/")
    many_all, many_catalog = _queries(fifty, "/products/shirt/")
    assert few_all == many_all
    assert few_catalog == many_catalog == 4  # product, options, variants, images
    cached_all, cached_catalog = _queries(fifty, "/products/shirt/", cold=False)
    assert cached_catalog == 0 and cached_all < many_all
