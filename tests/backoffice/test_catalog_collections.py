"""Back-office collection pages: manual lists picked and ordered, automatic rules, delete, other stores."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Collection, CollectionProduct, Product
from tests.backoffice.catalog_helpers import catalog_counts, cell_errors, form_fields, form_lists, top_errors
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.stores.helpers import field_errors, platform_client

pytestmark = pytest.mark.django_db

NEW = "/office/catalog/collections/new/"


@pytest.fixture
def merchant():
    return make_merchant()


@pytest.fixture
def browser(merchant):
    return platform_client(merchant.user)


def _edit(collection: Collection) -> str:
    return f"/office/catalog/collections/{collection.pk}/"


def _order(collection: Collection) -> list[str]:
    entries = CollectionProduct.objects.filter(store=collection.store_id, collection=collection)
    return list(entries.order_by("position").values_list("product__title", flat=True))


def _create(browser, store, **fields: str) -> Collection:
    data = form_fields(browser.get(NEW), "collection-form")
    data.update(fields)
    response = browser.post(NEW, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    collection_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    return Collection.objects.get(store=store, pk=collection_id)


def test_a_manual_collection_gets_products_found_by_search_and_ordered(merchant, browser) -> None:
    for title in ("Linen Shirt", "Linen Trousers", "Wool Hat"):
        make_product(merchant.store, title=title)
    collection = _create(browser, merchant.store, title="Summer", kind="manual", is_featured="on")
    assert (collection.handle, collection.kind, collection.is_featured) == ("summer", "manual", True)

    # Search, tick both results, save.
    page = browser.get(_edit(collection) + "?q=linen")
    html = page.content.decode()
    assert "Linen Shirt" in html and "Linen Trousers" in html and "Wool Hat" not in html
    _save_products(browser, collection, page, add=_offered(page))
    assert _order(collection) == ["Linen Shirt", "Linen Trousers"]

    # Move the second one up with its button.
    trousers = _product_id(merchant.store, "Linen Trousers")
    _save_products(browser, collection, browser.get(_edit(collection)), move=f"{trousers}:up")
    assert _order(collection) == ["Linen Trousers", "Linen Shirt"]

    # Add the hat (it goes last), then give it position 1 by number.
    page = browser.get(_edit(collection) + "?q=hat")
    _save_products(browser, collection, page, add=_offered(page))
    assert _order(collection) == ["Linen Trousers", "Linen Shirt", "Wool Hat"]
    hat = _product_id(merchant.store, "Wool Hat")
    _save_products(browser, collection, browser.get(_edit(collection)), **{f"position-{hat}": "1"})
    assert _order(collection) == ["Wool Hat", "Linen Trousers", "Linen Shirt"]

    # Remove one.
    _save_products(browser, collection, browser.get(_edit(collection)), remove=str(hat))
    assert _order(collection) == ["Linen Trousers", "Linen Shirt"]


def _product_id(store, title: str) -> int:
    return Product.objects.get(store=store, title=title).pk


def _offered(page) -> list[str]:
    """The ids of the products the search offers to add (their checkboxes)."""
    return re.findall(r'<input type="checkbox" name="add" value="(\d+)"', page.content.decode())


def _save_products(browser, collection: Collection, page, **changes: object) -> None:
    """Submit the page's products form as a browser would, with some boxes ticked or fields changed."""
    data: dict[str, object] = {**form_lists(page, "collection-products-form"), **changes}
    response = browser.post(f"/office/catalog/collections/{collection.pk}/products/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_another_stores_product_cannot_be_added(merchant, browser) -> None:
    make_product(merchant.store, title="Mine")
    foreign = make_product(make_merchant().store, title="Theirs")
    collection = _create(browser, merchant.store, title="Picks")
    before = catalog_counts(merchant.store)
    response = browser.post(f"/office/catalog/collections/{collection.pk}/products/", {"add": [str(foreign.pk)]})
    assert response.status_code == 400
    assert cell_errors(response, "products") == ["Choose products of this store."]
    assert catalog_counts(merchant.store) == before
    assert "Theirs" not in browser.get(_edit(collection) + "?q=theirs").content.decode()


def test_an_automatic_collection_saves_its_rules(merchant, browser) -> None:
    collection = _create(
        browser,
        merchant.store,
        title="Cheap summer",
        kind="automatic",
        match="any",
        **{
            "rules-0-field": "tag",
            "rules-0-op": "equals",
            "rules-0-value": "summer",
            "rules-2-field": "price",
            "rules-2-op": "lt",
            "rules-2-value": "20",
        },
    )
    assert collection.kind == "automatic"
    assert collection.match_all is False
    assert [(r["field"], r["op"], r["value"]) for r in collection.rules] == [
        ("tag", "equals", "summer"),
        ("price", "lt", "20.00"),
    ]
    # The edit page shows them again, in the first rows.
    fields = form_fields(browser.get(_edit(collection)), "collection-form")
    assert (fields["rules-1-field"], fields["rules-1-op"], fields["rules-1-value"]) == ("price", "lt", "20.00")
    assert fields["match"] == "any"
    assert "products are chosen by its rules" in browser.get(_edit(collection)).content.decode()


def test_bad_rules_are_shown_on_their_row_and_nothing_is_saved(merchant, browser) -> None:
    data = form_fields(browser.get(NEW), "collection-form")
    data.update(
        {
            "title": "Broken",
            "kind": "automatic",
            "rules-0-field": "tag",
            "rules-0-op": "equals",
            "rules-0-value": "summer",
            "rules-1-field": "price",
            "rules-1-op": "equals",
            "rules-1-value": "10",
            "rules-2-field": "price",
            "rules-2-op": "lt",
            "rules-2-value": "cheap",
        }
    )
    response = browser.post(NEW, data)
    assert response.status_code == 400
    assert cell_errors(response, "rules-1-op") == ['A price rule is "greater than" or "less than".']
    assert cell_errors(response, "rules-2-value")
    assert cell_errors(response, "rules-0-value") == []
    assert top_errors(response)
    assert catalog_counts(merchant.store)["collections"] == 0
    assert form_fields(response, "collection-form")["rules-2-value"] == "cheap"


def test_an_automatic_collection_needs_a_rule_and_a_taken_handle_is_refused(merchant, browser) -> None:
    _create(browser, merchant.store, title="Sale")
    data = form_fields(browser.get(NEW), "collection-form")
    data.update({"title": "Sale two", "handle": "sale", "kind": "automatic"})
    response = browser.post(NEW, data)
    assert response.status_code == 400
    assert field_errors(response, "handle") == ["Another collection already uses this handle."]
    assert cell_errors(response, "rules") == ["Add at least one rule."]
    assert catalog_counts(merchant.store)["collections"] == 1


def test_editing_and_deleting_a_collection(merchant, browser) -> None:
    product = make_product(merchant.store, title="Kept")
    collection = _create(browser, merchant.store, title="Old name")
    CollectionProduct.objects.create(store=merchant.store, collection=collection, product=product)
    fields = form_fields(browser.get(_edit(collection)), "collection-form")
    fields.update({"title": "New name", "default_sort": "price-asc"})
    fields.pop("is_published")
    assert browser.post(_edit(collection), fields).status_code == 302
    collection.refresh_from_db()
    assert (collection.title, collection.default_sort, collection.is_published) == ("New name", "price-asc", False)

    confirm = browser.get(f"/office/catalog/collections/{collection.pk}/delete/")
    assert "Delete “New name”?" in confirm.content.decode()
    response = browser.post(f"/office/catalog/collections/{collection.pk}/delete/")
    assert response.status_code == 302
    assert catalog_counts(merchant.store)["collections"] == 0
    assert catalog_counts(merchant.store)["products"] == 1


def test_the_list_shows_every_collection_in_a_fixed_number_of_queries(merchant, browser) -> None:
    products = [make_product(merchant.store) for _ in range(3)]
    first = _create(browser, merchant.store, title="First")
    for p in products:
        CollectionProduct.objects.create(store=merchant.store, collection=first, product=p, position=p.pk)
    browser.get("/office/")
    with CaptureQueriesContext(connection) as few:
        browser.get("/office/catalog/collections/")
    for i in range(20):
        _create(browser, merchant.store, title=f"More {i}")
    with CaptureQueriesContext(connection) as many:
        html = browser.get("/office/catalog/collections/").content.decode()
    assert len(few) == len(many)
    row = html.split(">First</a>", 1)[1].split("</tr>", 1)[0]
    assert '<td data-label="Products">3</td>' in row
    assert html.count('class="collection-row"') == 21


def test_another_merchant_cannot_see_or_change_a_collection(merchant, browser) -> None:
    collection = _create(browser, merchant.store, title="Private")
    stranger = platform_client(make_merchant().user)
    assert stranger.get(_edit(collection)).status_code == 404
    assert stranger.post(_edit(collection), {"title": "Stolen"}).status_code == 404
    assert stranger.post(f"/office/catalog/collections/{collection.pk}/products/", {}).status_code == 404
    assert stranger.post(f"/office/catalog/collections/{collection.pk}/delete/").status_code == 404
    assert "Private" not in stranger.get("/office/catalog/collections/").content.decode()
    collection.refresh_from_db()
    assert collection.title == "Private"
