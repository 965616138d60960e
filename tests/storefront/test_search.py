"""The search backend on whichever database the suite runs on (SQLite FTS5, or PostgreSQL full-text + trigrams).

Run on both: `pytest tests/storefront/test_search*.py` and again with
DATABASE_URL=postgres://... ; every test here must pass on each.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shopwright.catalog import search
from shopwright.catalog.inputs import ProductInput, VariantInput
from shopwright.catalog.models import Product
from shopwright.catalog.services import product_delete, product_update
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.tenancy import cross_store_access
from tests.catalog_factories import make_product
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return make_merchant(store_name="Linen House").store


@pytest.fixture
def other_store():
    return make_merchant(store_name="Velvet Corner").store


def titles(store, query, **kwargs) -> list[str]:
    return [card.title for card in search.search_products(store=store, query=query, **kwargs).cards]


def test_a_title_match_ranks_above_a_description_match(store):
    # Created first and mentioning "linen" three times: only the title weighting can put it second.
    make_product(store, title="Cotton shirt", description_html="<p>Linen look, linen feel, linen blend.</p>")
    make_product(store, title="Linen shirt", description_html="<p>Cool in summer.</p>")
    make_product(store, title="Wool scarf")
    assert titles(store, "linen") == ["Linen shirt", "Cotton shirt"]


def test_vendor_type_tags_skus_and_option_values_are_searchable(store):
    make_product(
        store,
        title="Summer top",
        vendor="Acme Looms",
        product_type="Blouse",
        tags=["organic"],
        sizes=["Petite"],
        colours=["Ochre"],
    )
    for query in ("acme", "blouse", "organic", "petite", "ochre", "SKU"):
        assert titles(store, query) == ["Summer top"], query


def test_a_prefix_finds_the_word_being_typed(store):
    make_product(store, title="Linen shirt")
    make_product(store, title="Lime soap")
    assert titles(store, "lin") == ["Linen shirt"]
    assert sorted(titles(store, "li")) == ["Lime soap", "Linen shirt"]
    assert titles(store, "linen sh") == ["Linen shirt"]


@pytest.mark.parametrize("typo", ["lnen shirt", "shrit", "linen shrit", "Linnen"])
def test_typos_still_find_the_product(store, typo):
    make_product(store, title="Linen shirt")
    make_product(store, title="Wool scarf")
    assert titles(store, typo) == ["Linen shirt"]


def test_a_corrected_search_says_what_it_searched(store):
    make_product(store, title="Linen shirt")
    result = search.search_products(store=store, query="shrit")
    assert [c.title for c in result.cards] == ["Linen shirt"]
    assert result.corrected == "shirt"
    assert search.search_products(store=store, query="shirt").corrected == ""


@pytest.mark.parametrize(
    ("title", "query"),
    [("Crème brûlée mug", "creme brulee"), ("Creme mug", "CRÈME"), ("Ωμέγα κούπα", "ΩΜΈΓΑ"), ("Ёлка", "ёлк")],
)
def test_case_and_diacritics_do_not_matter(store, title, query):
    make_product(store, title=title)
    assert titles(store, query) == [title]


def test_drafts_and_archived_products_are_never_found(store):
    make_product(store, title="Linen shirt")
    make_product(store, title="Linen dress", status="draft")
    make_product(store, title="Linen apron", status="archived")
    assert titles(store, "linen") == ["Linen shirt"]
    assert titles(store, "dress") == []


def test_a_draft_never_feeds_a_correction(store):
    make_product(store, title="Linen shirt")
    make_product(store, title="Cashmere scarf", status="draft")
    result = search.search_products(store=store, query="cashmre")
    assert result.cards == [] and result.corrected == ""


def test_another_stores_products_are_never_found(store, other_store):
    make_product(store, title="Linen shirt")
    make_product(other_store, title="Linen towel")
    assert titles(store, "linen") == ["Linen shirt"]
    assert titles(other_store, "linen") == ["Linen towel"]
    assert titles(store, "towel") == []


def test_another_stores_words_never_correct_a_typo(store, other_store):
    """A correction to "velvet" would tell this store's visitors what the other store sells."""
    make_product(store, title="Linen shirt")
    make_product(other_store, title="Velvet cushion")
    result = search.search_products(store=store, query="velvt")
    assert result.cards == [] and result.corrected == ""
    assert titles(other_store, "velvt") == ["Velvet cushion"]


def test_results_are_paginated_and_past_the_end_is_not_found(store):
    for n in range(30):
        make_product(store, title=f"Linen napkin {n}")
    first = search.search_products(store=store, query="linen")
    second = search.search_products(store=store, query="linen", page=2)
    assert (first.total, first.num_pages, len(first.cards), first.has_next) == (30, 2, 24, True)
    assert (second.number, len(second.cards), second.has_next, second.has_previous) == (2, 6, False, True)
    assert {c.id for c in first.cards}.isdisjoint({c.id for c in second.cards})
    with pytest.raises(NotFound):
        search.search_products(store=store, query="linen", page=3)
    with pytest.raises(NotFound):
        search.search_products(store=store, query="linen", page=10**30)
    with pytest.raises(ApplicationError):
        search.search_products(store=store, query="linen", page=0)


def test_nothing_found_is_an_empty_first_page_and_a_later_page_is_not_found(store):
    make_product(store, title="Linen shirt")
    result = search.search_products(store=store, query="teapot")
    assert (result.cards, result.total, result.num_pages) == ([], 0, 1)
    with pytest.raises(NotFound):
        search.search_products(store=store, query="teapot", page=2)


def test_a_query_over_100_characters_is_refused(store):
    search.search_products(store=store, query="x" * 100)
    with pytest.raises(ApplicationError) as refused:
        search.search_products(store=store, query="x" * 101)
    assert "q" in refused.value.fields


@pytest.mark.parametrize(
    "query",
    ['"', '"linen', "linen*", "NEAR(linen shirt)", "linen AND", "OR", "NOT linen", "^linen", "-linen", "title:linen",
     "lin'en", "linen)", "(", "\\", "%", "_", "\x00", "linen & | !", "':*", "<->"],
)  # fmt: skip
def test_query_syntax_is_never_interpreted(store, query):
    make_product(store, title="Linen shirt")
    result = search.search_products(store=store, query=query)
    assert all(card.title == "Linen shirt" for card in result.cards)


def test_suggestions_are_the_best_six(store):
    make_product(store, title="Linen shirt")
    for n in range(8):
        make_product(store, title=f"Cotton tee {n}", description_html="<p>linen trim</p>")
    found = search.search_suggestions(store=store, query="line")
    assert len(found) == 6
    assert found[0].title == "Linen shirt"
    assert search.search_suggestions(store=store, query="") == []


def test_popular_products_are_best_selling_then_newest(store):
    make_product(store, title="Old unsold")
    slow = make_product(store, title="Slow seller")
    hit = make_product(store, title="Hit")
    make_product(store, title="New unsold")
    draft = make_product(store, title="Draft hit", status="draft")
    Product.objects.filter(store=store, pk__in=[hit.pk, draft.pk]).update(sales_count=50)
    Product.objects.filter(store=store, pk=slow.pk).update(sales_count=1)
    popular = [c.title for c in search.popular_products(store=store)]
    assert popular == ["Hit", "Slow seller", "New unsold", "Old unsold"]


def test_the_index_follows_updates_and_deletes(store, django_capture_on_commit_callbacks):
    product = make_product(store, title="Linen shirt")
    assert titles(store, "linen") == ["Linen shirt"]
    data = ProductInput(title="Hemp shirt", status="published", variants=[VariantInput(sku="HEMP-1", price="20")])
    with django_capture_on_commit_callbacks(execute=True):
        product = product_update(store=store, actor=Actor.system(), product=product, data=data)
    assert titles(store, "linen") == []
    assert titles(store, "hemp") == ["Hemp shirt"]
    # The vocabulary follows the catalog too: the new word corrects, the old one no longer does.
    assert titles(store, "hmep") == ["Hemp shirt"]
    assert titles(store, "lnen") == []
    with django_capture_on_commit_callbacks(execute=True):
        product_delete(store=store, actor=Actor.system(), product=product)
    assert titles(store, "hemp") == []


def test_products_unpublished_leave_the_results(store):
    product = make_product(store, title="Linen shirt")
    Product.objects.filter(store=store, pk=product.pk).update(status="draft")
    assert titles(store, "linen") == []


def test_the_search_index_is_in_place():
    """On SQLite a later migration that rebuilds catalog_product drops the triggers: it must create them again."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", ["catalog_product"]
            )
            expected = {"catalog_product_fts_insert", "catalog_product_fts_update", "catalog_product_fts_delete"}
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", ["catalog_product"])
            expected = {"catalog_product_search_vector", "catalog_product_search_title_trgm"}
        assert expected <= {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_search_migration_reverses_and_indexes_existing_products_when_applied(store):
    make_product(store, title="Linen shirt")
    executor = MigrationExecutor(connection)
    # The migration reads and fills every store's rows at once, as a migration does.
    try:
        with cross_store_access("the search migration builds the index of every store"):
            executor.migrate([("catalog", "0001_initial")])
            with connection.cursor() as cursor:
                tables = connection.introspection.table_names(cursor)
                columns = {c.name for c in connection.introspection.get_table_description(cursor, "catalog_product")}
            assert "catalog_product_fts" not in tables and "search_vector" not in columns
            executor.loader.build_graph()
            executor.migrate([("catalog", "0002_search")])
        assert titles(store, "linen") == ["Linen shirt"]
    finally:
        # Going back to catalog 0001 also unapplied every later migration that depends on the catalog
        # (orders, cart, ...): apply them all again, or the next tests of this process meet old tables.
        with cross_store_access("the migrations fill every store's rows at once"):
            executor.loader.build_graph()
            executor.migrate(executor.loader.graph.leaf_nodes())
