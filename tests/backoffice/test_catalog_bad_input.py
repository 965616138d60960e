"""Back-office catalog pages given input no page sends: NUL bytes, odd page numbers, forged variant keys.

Each answer is a 4xx a merchant can act on (the form again with its messages,
or "no such page"), never a 500, and nothing is written. Run on PostgreSQL too
(DATABASE_URL=postgres://...): it refuses a NUL byte in any query parameter,
which SQLite accepts.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from shopwright.catalog import merchant_selectors
from shopwright.catalog.models import Collection, Product, Variant
from tests.backoffice.catalog_helpers import catalog_counts, cell_errors, form_fields, top_errors
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.storefront.catalog_helpers import make_collection, visitor
from tests.stores.helpers import field_errors, platform_client

pytestmark = pytest.mark.django_db

NUL = "\x00"
PRODUCT_TEXT_FIELDS = [
    "title",
    "handle",
    "description_html",
    "vendor",
    "product_type",
    "tags",
    "status",
    "seo_title",
    "seo_description",
]
COLLECTION_TEXT_FIELDS = ["title", "handle", "description_html", "kind", "default_sort", "seo_title", "seo_description"]


@pytest.fixture
def merchant():
    return make_merchant(store_name="Linen House")


@pytest.fixture
def browser(merchant):
    return platform_client(merchant.user)


def _product_url(product: Product) -> str:
    return f"/office/catalog/products/{product.pk}/"


def _collection_url(collection: Collection) -> str:
    return f"/office/catalog/collections/{collection.pk}/"


def _variants(store) -> dict[str, tuple[str, int, Decimal]]:
    return {v.option1: (v.sku, v.stock_quantity, v.price) for v in Variant.objects.filter(store=store)}


def _manual_collection(merchant) -> Collection:
    return make_collection(merchant.store, "Summer")


# --- 1. a NUL byte in a form field -------------------------------------------------------------


@pytest.mark.parametrize("field", PRODUCT_TEXT_FIELDS)
def test_a_nul_byte_in_a_new_product_field_is_an_error_on_that_field(merchant, browser, field) -> None:
    data = form_fields(browser.get("/office/catalog/products/new/"), "product-form")
    data.update({"title": "Linen Shirt", "variants-0-price": "10.00"})
    data[field] = f"a{NUL}b"
    response = browser.post("/office/catalog/products/new/", data)
    assert response.status_code == 400
    assert field_errors(response, field) == ["Null characters are not allowed."]
    assert top_errors(response) == ["Please correct the errors below."]
    assert catalog_counts(merchant.store)["products"] == 0


@pytest.mark.parametrize("field", PRODUCT_TEXT_FIELDS)
def test_a_nul_byte_in_a_product_edit_changes_nothing(merchant, browser, field) -> None:
    product = make_product(merchant.store, title="Tee", sizes=["S", "M"], price="10.00")
    before = _variants(merchant.store)
    data = form_fields(browser.get(_product_url(product)), "product-form")
    data.update({"vendor": "Renamed", "variants-0-price": "11.00"})
    data[field] = f"a{NUL}b"
    response = browser.post(_product_url(product), data)
    assert response.status_code == 400
    assert field_errors(response, field) == ["Null characters are not allowed."]
    # What was typed elsewhere is still on the page to correct.
    assert form_fields(response, "product-form")["variants-0-price"] == "11.00"
    product.refresh_from_db()
    assert (product.title, product.vendor) == ("Tee", "")
    assert _variants(merchant.store) == before


def test_a_nul_byte_in_a_variant_or_option_is_an_error_on_its_cell(merchant, browser) -> None:
    product = make_product(merchant.store, title="Tee", sizes=["S", "M"], price="10.00")
    before = _variants(merchant.store)
    data = form_fields(browser.get(_product_url(product)), "product-form")
    data.update({"variants-0-sku": f"A{NUL}B", "variants-1-price": f"1{NUL}", "options-0-name": f"Si{NUL}ze"})
    response = browser.post(_product_url(product), data)
    assert response.status_code == 400
    assert cell_errors(response, "variants-0-sku")
    assert cell_errors(response, "variants-1-price")
    assert cell_errors(response, "options-0-name")
    assert _variants(merchant.store) == before


@pytest.mark.parametrize("field", COLLECTION_TEXT_FIELDS)
def test_a_nul_byte_in_a_new_collection_field_is_an_error_on_that_field(merchant, browser, field) -> None:
    data = form_fields(browser.get("/office/catalog/collections/new/"), "collection-form")
    data["title"] = "Summer"
    data[field] = f"a{NUL}b"
    response = browser.post("/office/catalog/collections/new/", data)
    assert response.status_code == 400
    assert field_errors(response, field) == ["Null characters are not allowed."]
    assert top_errors(response) == ["Please correct the errors below."]
    assert catalog_counts(merchant.store)["collections"] == 0


@pytest.mark.parametrize("field", COLLECTION_TEXT_FIELDS)
def test_a_nul_byte_in_a_collection_edit_changes_nothing(merchant, browser, field) -> None:
    collection = _manual_collection(merchant)
    data = form_fields(browser.get(_collection_url(collection)), "collection-form")
    data["seo_title"] = "Renamed"
    data[field] = f"a{NUL}b"
    response = browser.post(_collection_url(collection), data)
    assert response.status_code == 400
    assert field_errors(response, field) == ["Null characters are not allowed."]
    collection.refresh_from_db()
    assert (collection.title, collection.seo_title) == ("Summer", "")


def test_a_nul_byte_in_a_rule_value_is_an_error_on_its_row(merchant, browser) -> None:
    data = form_fields(browser.get("/office/catalog/collections/new/"), "collection-form")
    data.update({"title": "Acme", "kind": "automatic", "rules-0-field": "vendor", "rules-0-op": "equals"})
    data["rules-0-value"] = f"Ac{NUL}me"
    response = browser.post("/office/catalog/collections/new/", data)
    assert response.status_code == 400
    assert cell_errors(response, "rules-0-value")
    assert catalog_counts(merchant.store)["collections"] == 0


# --- 2. a NUL byte in a search -----------------------------------------------------------------


def test_a_nul_byte_in_the_product_search_is_ignored(merchant, browser) -> None:
    make_product(merchant.store, title="Linen Shirt")
    response = browser.get("/office/catalog/products/", {"q": f"Lin{NUL}en"})
    assert response.status_code == 200
    assert "Linen Shirt" in response.content.decode()
    assert NUL not in response.content.decode()
    assert browser.get("/office/catalog/products/?q=%00").status_code == 200


def test_a_nul_byte_in_the_collection_product_search_is_ignored(merchant, browser) -> None:
    make_product(merchant.store, title="Linen Shirt")
    collection = _manual_collection(merchant)
    response = browser.get(_collection_url(collection), {"q": f"Lin{NUL}en"})
    assert response.status_code == 200
    assert "Linen Shirt" in response.content.decode()
    assert NUL not in response.content.decode()
    assert browser.get(_collection_url(collection) + "?q=%00").status_code == 200


def test_the_search_selectors_drop_nul_bytes_themselves(merchant) -> None:
    """Callers other than these pages (and PostgreSQL, which refuses a NUL parameter) get the same answer."""
    make_product(merchant.store, title="Linen Shirt")
    found = merchant_selectors.products_for_office(store=merchant.store, query=f"{NUL}Lin{NUL}en")
    assert [p.title for p in found] == ["Linen Shirt"]
    offered = merchant_selectors.products_matching(store=merchant.store, query=f"Lin{NUL}en", exclude_ids=set())
    assert [p.title for p in offered] == ["Linen Shirt"]
    assert merchant_selectors.products_matching(store=merchant.store, query=NUL, exclude_ids=set()) == []


# --- 3. page numbers: as on the storefront -----------------------------------------------------


PAGES = [
    ("1", 200),
    ("2", 404),
    ("99999999", 404),
    ("9" * 50, 404),
    ("9" * 5000, 404),  # more digits than Python turns into a number
    ("abc", 400),
    ("-1", 400),
    ("1.5", 400),
    ("0", 400),
    ("\x00", 400),
    ("\u0661", 400),  # an Arabic-Indic one: a digit, but not a page number
]


@pytest.mark.parametrize(("page", "status"), PAGES)
def test_page_numbers_are_answered_as_on_the_storefront(merchant, browser, page, status) -> None:
    product = make_product(merchant.store)
    make_collection(merchant.store, "Few", handle="few", products=[product])
    assert visitor(merchant.store).get("/collections/few/", {"page": page}).status_code == status
    assert browser.get("/office/catalog/products/", {"page": page}).status_code == status


# --- 4. a forged variant key -------------------------------------------------------------------


def _tee(merchant) -> Product:
    return make_product(merchant.store, title="Tee", sizes=["S", "M", "L"], price="10.00", stock=7)


@pytest.mark.parametrize(
    "forged",
    [
        json.dumps(["XL"]),  # a combination the product does not have
        "not json",
        json.dumps({"size": "M"}),
        json.dumps([1]),
        "",
    ],
)
def test_a_forged_variant_key_never_resets_a_saved_variant(merchant, browser, forged) -> None:
    product = _tee(merchant)
    before = _variants(merchant.store)
    assert before["M"][0] and before["M"][1] == 7
    data = form_fields(browser.get(_product_url(product)), "product-form")
    assert json.loads(data["variants-1-key"]) == ["M"]
    data.update({"variants-1-key": forged, "variants-0-stock_quantity": "3"})
    response = browser.post(_product_url(product), data)
    # Saved, with M as it was: its row is ignored, not turned into a blank one.
    assert response.status_code == 302, response.content.decode()[:2000]
    after = _variants(merchant.store)
    assert after["M"] == before["M"]
    assert after["S"] == (before["S"][0], 3, before["S"][2])
    assert after["L"] == before["L"]


def test_a_variant_key_sent_twice_is_an_error_on_its_row(merchant, browser) -> None:
    product = _tee(merchant)
    before = _variants(merchant.store)
    data = form_fields(browser.get(_product_url(product)), "product-form")
    # The row of M claims to be S: which of the two rows is S's cannot be told.
    data.update({"variants-1-key": json.dumps(["S"]), "variants-1-stock_quantity": "0"})
    response = browser.post(_product_url(product), data)
    assert response.status_code == 400
    assert cell_errors(response, "variants-0") == ["Two rows were sent for this variant; check it and save again."]
    assert top_errors(response) == ["Please correct the errors below."]
    assert _variants(merchant.store) == before
    # The page sent back has one row per variant again, so saving it works.
    again = form_fields(response, "product-form")
    assert [json.loads(again[f"variants-{i}-key"]) for i in range(3)] == [["S"], ["M"], ["L"]]
    assert browser.post(_product_url(product), again).status_code == 302
    assert _variants(merchant.store) == before


def test_a_combination_typed_back_without_javascript_gets_its_saved_values(merchant, browser) -> None:
    """Taking a value out and putting it back ("Update variants") brings the saved variant back, not a blank row."""
    product = _tee(merchant)
    before = _variants(merchant.store)
    data = form_fields(browser.get(_product_url(product)), "product-form")
    data.update({"options-0-values": "S, L", "action": "options"})
    shown = browser.post(_product_url(product), data)
    assert shown.status_code == 200
    data = form_fields(shown, "product-form")
    data.update({"options-0-values": "S, M, L", "action": "save"})
    assert browser.post(_product_url(product), data).status_code == 302
    assert _variants(merchant.store) == before
