"""Back-office product pages: the list, new/edit with options and variants, errors, delete, other stores."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Product, ProductStatus, Variant
from shopwright.catalog.preview import preview_token_valid
from shopwright.catalog.services import product_image_add
from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry
from shopwright.stores.models import Role
from tests.backoffice.catalog_helpers import (
    catalog_counts,
    cell_errors,
    form_fields,
    page_messages,
    png_bytes,
    top_errors,
    variant_row_titles,
)
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.stores.helpers import add_member, field_errors, platform_client

pytestmark = pytest.mark.django_db

NEW = "/office/catalog/products/new/"


@pytest.fixture
def merchant():
    return make_merchant(store_name="Linen House")


@pytest.fixture
def browser(merchant):
    return platform_client(merchant.user)


def _edit_url(product: Product) -> str:
    return f"/office/catalog/products/{product.pk}/"


def _row(key: list[str], **cells: str) -> dict[str, str]:
    """One variant row as the page's JavaScript builds it (index filled in by `_variants`)."""
    return {"key": json.dumps(key), "weight_grams": "0", "stock_quantity": "0", "track_stock": "on", **cells}


def _variants(*rows: dict[str, str]) -> dict[str, str]:
    return {f"variants-{i}-{name}": value for i, row in enumerate(rows) for name, value in row.items()}


def _shirt_post(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Linen Shirt",
        "handle": "",
        "description_html": "<p>Soft <strong>linen</strong></p>",
        "vendor": "Acme",
        "product_type": "Shirts",
        "tags": "Summer, linen",
        "status": "published",
        "seo_title": "",
        "seo_description": "",
        "options-0-name": "Size",
        "options-0-values": "S, M",
        "options-1-name": "Colour",
        "options-1-values": "Red, Blue",
        "action": "save",
        **_variants(
            _row(["S", "Red"], sku="SH-S-RED", price="30.00", stock_quantity="5"),
            _row(["S", "Blue"], sku="SH-S-BLUE", price="30.00", stock_quantity="5"),
            _row(["M", "Red"], sku="SH-M-RED", price="32.50", stock_quantity="5"),
            _row(["M", "Blue"], sku="SH-M-BLUE", price="32.50", stock_quantity="5"),
        ),
    }
    data.update(overrides)
    return data


# --- creating with options and variants -------------------------------------------------


def test_a_merchant_creates_a_product_with_two_options_without_javascript(merchant, browser) -> None:
    page = browser.get(NEW)
    assert page.status_code == 200
    fields = form_fields(page, "product-form")
    fields.update(
        {
            "title": "Linen Shirt",
            "description_html": '<p>Soft</p><script>alert("x")</script><p onclick="x()">linen</p>',
            "options-0-name": "Size",
            "options-0-values": "S, M",
            "options-1-name": "Colour",
            "options-1-values": "Red, Blue",
            "variants-0-price": "30.00",
        }
    )
    # "Update variants": the page comes back with one row per combination, nothing saved yet.
    regenerated = browser.post(NEW, {**fields, "action": "options"})
    assert regenerated.status_code == 200
    assert variant_row_titles(regenerated) == ["S / Red", "S / Blue", "M / Red", "M / Blue"]
    assert catalog_counts(merchant.store)["products"] == 0

    fields = form_fields(regenerated, "product-form")
    assert [fields[f"variants-{i}-price"] for i in range(4)] == ["30.00"] * 4  # the first row's price
    fields.update({"variants-2-price": "32.50", "variants-3-price": "32.50", "variants-3-sku": "SH-M-BLUE"})
    fields.update({"variants-1-stock_quantity": "7", "status": "published"})
    fields.pop("variants-3-track_stock")
    saved = browser.post(NEW, {**fields, "action": "save"})

    product = Product.objects.get(store=merchant.store)
    assert saved.status_code == 302
    assert saved["Location"] == _edit_url(product)
    assert product.handle == "linen-shirt"
    assert product.status == ProductStatus.PUBLISHED
    assert (product.price_min, product.price_max) == (Decimal("30.00"), Decimal("32.50"))
    variants = list(Variant.objects.filter(store=merchant.store).order_by("position"))
    assert [v.title for v in variants] == ["S / Red", "S / Blue", "M / Red", "M / Blue"]
    assert [v.stock_quantity for v in variants] == [0, 7, 0, 0]
    assert variants[3].sku == "SH-M-BLUE" and variants[3].track_stock is False
    assert AuditEntry.objects.filter(store_id=merchant.store.pk, action="catalog.product_create").count() == 1

    # The edit page shows what was saved: the sanitised description, not the script.
    page = browser.get(saved["Location"])
    html = page.content.decode()
    assert "“Linen Shirt” is saved." in page_messages(page)
    assert "<script>" not in form_fields(page, "product-form")["description_html"]
    assert "onclick" not in form_fields(page, "product-form")["description_html"]
    assert "<p>Soft</p>" in html
    assert variant_row_titles(page) == ["S / Red", "S / Blue", "M / Red", "M / Blue"]


def test_changing_options_keeps_the_typed_rows_and_prices_new_ones_from_the_first(merchant, browser) -> None:
    data = _shirt_post(**{"options-0-values": "S, M, L", "action": "options"})
    page = browser.post(NEW, data)
    assert page.status_code == 200
    assert variant_row_titles(page) == ["S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red", "L / Blue"]
    fields = form_fields(page, "product-form")
    assert fields["variants-3-sku"] == "SH-M-BLUE" and fields["variants-3-price"] == "32.50"
    assert fields["variants-4-sku"] == "" and fields["variants-4-price"] == "30.00"
    assert catalog_counts(merchant.store)["variants"] == 0


def test_a_product_without_options_has_one_default_row(merchant, browser) -> None:
    fields = form_fields(browser.get(NEW), "product-form")
    fields.update({"title": "Mug", "variants-0-price": "9.50", "variants-0-sku": "MUG"})
    assert browser.post(NEW, fields).status_code == 302
    variant = Variant.objects.get(store=merchant.store)
    assert (variant.title, variant.sku, variant.price) == ("Default", "MUG", Decimal("9.50"))


# --- errors: shown next to the input, status 400, nothing saved -----------------------------


def test_a_negative_price_is_shown_in_its_cell_and_nothing_is_saved(merchant, browser) -> None:
    data = _shirt_post(**{"variants-2-price": "-1.00", "variants-1-stock_quantity": "-3"})
    response = browser.post(NEW, data)
    assert response.status_code == 400
    assert cell_errors(response, "variants-2-price") == ["The price cannot be below zero."]
    assert cell_errors(response, "variants-1-stock_quantity")
    assert cell_errors(response, "variants-0-price") == []
    assert top_errors(response)
    assert catalog_counts(merchant.store) == dict.fromkeys(catalog_counts(merchant.store), 0)
    # What was typed is still there to correct.
    fields = form_fields(response, "product-form")
    assert fields["variants-2-price"] == "-1.00" and fields["title"] == "Linen Shirt"


@pytest.mark.parametrize("price", ["abc", "12.345", "NaN", "1e5"])
def test_prices_that_are_not_money_are_field_errors(merchant, browser, price) -> None:
    response = browser.post(NEW, _shirt_post(**{"variants-0-price": price}))
    assert response.status_code == 400
    assert cell_errors(response, "variants-0-price")
    assert catalog_counts(merchant.store)["products"] == 0


def test_a_sku_used_twice_in_the_product_or_by_another_product_is_refused(merchant, browser) -> None:
    make_product(merchant.store, title="Old shirt", sizes=["S"])  # SKU-<n>-0
    taken = Variant.objects.get(store=merchant.store).sku
    before = catalog_counts(merchant.store)

    response = browser.post(NEW, _shirt_post(**{"variants-1-sku": "SH-S-RED", "variants-3-sku": taken}))
    assert response.status_code == 400
    assert cell_errors(response, "variants-1-sku") == ["Variant 1 already has this SKU."]
    assert cell_errors(response, "variants-3-sku") == ["Another product already uses this SKU."]
    assert catalog_counts(merchant.store) == before


def test_a_taken_handle_and_a_missing_title_are_shown_on_their_fields(merchant, browser) -> None:
    make_product(merchant.store, title="Linen Shirt")
    response = browser.post(NEW, _shirt_post(title="", handle="linen-shirt"))
    assert response.status_code == 400
    assert field_errors(response, "handle") == ["Another product already uses this handle."]
    assert field_errors(response, "title")
    assert catalog_counts(merchant.store)["products"] == 1


def test_options_with_more_than_100_combinations_are_refused(merchant, browser) -> None:
    sizes = ", ".join(f"S{i}" for i in range(11))
    colours = ", ".join(f"C{i}" for i in range(10))  # 110 combinations
    data = _shirt_post(**{"options-0-values": sizes, "options-1-values": colours})
    response = browser.post(NEW, data)
    assert response.status_code == 400
    assert cell_errors(response, "variants") == ["A product has at most 100 variants."]
    assert catalog_counts(merchant.store)["products"] == 0


def test_an_option_without_values_is_named_once(merchant, browser) -> None:
    response = browser.post(NEW, _shirt_post(**{"options-1-values": ""}))
    assert response.status_code == 400
    assert cell_errors(response, "options-1-values") == ["Enter at least one value."]
    assert "Choose one value for each" not in response.content.decode()


def test_a_forged_image_choice_is_a_field_error(merchant, browser) -> None:
    response = browser.post(NEW, _shirt_post(**{"variants-0-image_id": "not-a-number"}))
    assert response.status_code == 400
    assert cell_errors(response, "variants-0-image_id") == ["Choose one of this product's images."]


# --- editing -----------------------------------------------------------------------------------


def test_editing_keeps_variant_ids_and_adds_the_new_combination(merchant, browser) -> None:
    product = make_product(merchant.store, title="Tee", sizes=["S", "M"], colours=["Red"], price="10.00")
    ids = dict(Variant.objects.filter(store=merchant.store).values_list("option1", "id"))

    fields = form_fields(browser.get(_edit_url(product)), "product-form")
    assert fields["options-0-values"] == "S, M"
    fields.update({"options-0-values": "S, M, L", "variants-1-price": "12.00", "title": "Tee shirt"})
    response = browser.post(_edit_url(product), fields)
    assert response.status_code == 302

    after = {v.option1: v for v in Variant.objects.filter(store=merchant.store)}
    assert after["S"].pk == ids["S"] and after["M"].pk == ids["M"]
    assert after["M"].price == Decimal("12.00")
    assert after["L"].price == Decimal("10.00")  # a new row starts at the first row's price
    product.refresh_from_db()
    assert product.title == "Tee shirt"


def test_removing_an_option_value_deletes_its_variant(merchant, browser) -> None:
    product = make_product(merchant.store, sizes=["S", "M"])
    fields = form_fields(browser.get(_edit_url(product)), "product-form")
    fields["options-0-values"] = "M"
    assert browser.post(_edit_url(product), fields).status_code == 302
    assert list(Variant.objects.filter(store=merchant.store).values_list("option1", flat=True)) == ["M"]


def test_a_failed_edit_changes_nothing(merchant, browser) -> None:
    product = make_product(merchant.store, title="Tee", sizes=["S", "M"], price="10.00")
    fields = form_fields(browser.get(_edit_url(product)), "product-form")
    fields.update({"title": "Renamed", "variants-0-price": "-5"})
    response = browser.post(_edit_url(product), fields)
    assert response.status_code == 400
    assert cell_errors(response, "variants-0-price")
    product.refresh_from_db()
    assert product.title == "Tee"
    assert set(Variant.objects.filter(store=merchant.store).values_list("price", flat=True)) == {Decimal("10.00")}


def test_a_draft_offers_a_preview_link_and_a_published_product_a_storefront_link(merchant, browser) -> None:
    draft = make_product(merchant.store, title="Secret", status="draft")
    html = browser.get(_edit_url(draft)).content.decode()
    assert "Preview on storefront" in html
    url = html.split('class="button secondary storefront-link" href="', 1)[1].split('"', 1)[0]
    parts = urlsplit(url.replace("&amp;", "&"))
    assert parts.netloc == f"{merchant.store.handle}.localhost:8000"
    assert parts.path == f"/products/{draft.handle}/"
    assert preview_token_valid(product=draft, token=parse_qs(parts.query)["preview"][0])

    live = make_product(merchant.store, title="Open")
    html = browser.get(_edit_url(live)).content.decode()
    assert "View on storefront" in html and "?preview=" not in html


def test_deleting_a_product_asks_first(merchant, browser) -> None:
    product = make_product(merchant.store, title="Gone soon")
    confirm = browser.get(f"/office/catalog/products/{product.pk}/delete/")
    assert confirm.status_code == 200
    assert "Delete “Gone soon”?" in confirm.content.decode()
    assert Product.objects.filter(store=merchant.store).count() == 1

    response = browser.post(f"/office/catalog/products/{product.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/office/catalog/products/"
    assert catalog_counts(merchant.store)["products"] == 0
    assert catalog_counts(merchant.store)["variants"] == 0


# --- another store's products ---------------------------------------------------------------------


def test_another_merchant_cannot_see_or_change_a_product(merchant, browser) -> None:
    product = make_product(merchant.store, title="Mine", sizes=["S"])
    stranger = platform_client(make_merchant().user)
    fields = form_fields(browser.get(_edit_url(product)), "product-form")

    assert stranger.get(_edit_url(product)).status_code == 404
    assert stranger.post(_edit_url(product), {**fields, "title": "Stolen"}).status_code == 404
    assert stranger.get(f"/office/catalog/products/{product.pk}/delete/").status_code == 404
    assert stranger.post(f"/office/catalog/products/{product.pk}/delete/").status_code == 404
    assert "Mine" not in stranger.get("/office/catalog/products/").content.decode()
    product.refresh_from_db()
    assert product.title == "Mine"


def test_the_catalog_pages_ask_to_sign_in() -> None:
    response = platform_client().get("/office/catalog/products/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_shows_status_variants_stock_and_price_range(merchant, browser) -> None:
    make_product(merchant.store, title="Linen Shirt", sizes=["S", "M"], colours=["Red"], price="19.99", stock=4)
    make_product(merchant.store, title="Draft Mug", status="draft", price="5.00")
    html = browser.get("/office/catalog/products/").content.decode()
    row = html.split("Linen Shirt</a>", 1)[1].split("</tr>", 1)[0]
    assert "Published" in row
    assert '<td data-label="Variants" class="variant-count">2</td>' in row
    assert '<td data-label="Stock" class="stock">8</td>' in row
    assert "$19.99" in row
    assert "Draft Mug" in html


def test_the_list_searches_title_handle_and_sku_and_filters_by_status(merchant, browser) -> None:
    make_product(merchant.store, title="Linen Shirt", sizes=["S"])
    mug = make_product(merchant.store, title="Coffee Mug", status="draft")
    sku = Variant.objects.get(store=merchant.store, product=mug).sku

    def titles(query: str) -> set[str]:
        html = browser.get(f"/office/catalog/products/?{query}").content.decode()
        return {t for t in ("Linen Shirt", "Coffee Mug") if f">{t}</a>" in html}

    assert titles("q=linen") == {"Linen Shirt"}
    assert titles("q=coffee-mug") == {"Coffee Mug"}
    assert titles(f"q={sku.lower()}") == {"Coffee Mug"}
    assert titles("status=draft") == {"Coffee Mug"}
    assert titles("status=published&q=mug") == set()
    assert titles("status=nonsense") == {"Linen Shirt", "Coffee Mug"}


def test_the_list_pages_by_50_and_refuses_pages_that_do_not_exist(merchant, browser) -> None:
    for i in range(51):
        make_product(merchant.store, title=f"Item {i:02d}")
    first = browser.get("/office/catalog/products/").content.decode()
    assert first.count('class="product-row"') == 50
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = browser.get("/office/catalog/products/?page=2").content.decode()
    assert second.count('class="product-row"') == 1
    assert browser.get("/office/catalog/products/?page=3").status_code == 404
    # As on the storefront: not a page number is a 400, past the end (however far) a 404.
    assert browser.get("/office/catalog/products/?page=0").status_code == 400
    assert browser.get("/office/catalog/products/?page=abc").status_code == 400
    assert browser.get("/office/catalog/products/?page=" + "9" * 50).status_code == 404


def _list_queries(browser) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/office/catalog/products/")
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_the_same_number_of_queries_for_5_and_50_products(merchant, browser) -> None:
    for _ in range(5):
        product = make_product(merchant.store, sizes=["S", "M"])
        upload = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
        product_image_add(store=merchant.store, actor=Actor.system(), product=product, upload=upload)
    browser.get("/office/")  # the first page of a session remembers the current store
    few = _list_queries(browser)
    for _ in range(45):
        make_product(merchant.store, sizes=["S", "M"], colours=["Red", "Blue"])
    many = _list_queries(browser)
    assert few == many
    assert many <= 8
    assert browser.get("/office/catalog/products/").content.decode().count('<img class="thumb"') == 5


def test_an_id_too_large_for_the_database_is_a_404(browser) -> None:
    huge = "9" * 30
    assert browser.get(f"/office/catalog/products/{huge}/").status_code == 404
    assert browser.post(f"/office/catalog/products/{huge}/delete/").status_code == 404
    assert browser.get(f"/office/catalog/collections/{huge}/").status_code == 404


def test_the_catalog_pages_hold_no_inline_script_or_style(merchant, browser) -> None:
    """The Content Security Policy refuses inline code and styles: every catalog page uses static files only."""
    product = make_product(merchant.store, sizes=["S"])
    paths = [
        "/office/catalog/products/",
        NEW,
        _edit_url(product),
        f"/office/catalog/products/{product.pk}/delete/",
        "/office/catalog/collections/",
        "/office/catalog/collections/new/",
    ]
    for path in paths:
        html = browser.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\sstyle=|<style", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert '/static/backoffice/catalog.js"' in html or "delete" in path, path


def test_a_product_with_100_variants_and_images_round_trips_through_the_form(merchant, browser) -> None:
    """At 100 rows the page still sends fewer fields than Django accepts (DATA_UPLOAD_MAX_NUMBER_FIELDS)."""
    sizes = [f"S{i}" for i in range(10)]
    colours = [f"C{i}" for i in range(10)]
    product = make_product(merchant.store, title="Grid", sizes=sizes, colours=colours, price="5.00")
    upload = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    image = product_image_add(store=merchant.store, actor=Actor.system(), product=product, upload=upload)
    ids = set(Variant.objects.filter(store=merchant.store).values_list("id", flat=True))

    fields = form_fields(browser.get(_edit_url(product)), "product-form")
    fields.update({"variants-99-price": "6.00", "variants-99-image_id": str(image.pk)})
    for i in range(100):
        fields[f"variants-{i}-continue_selling"] = "on"
    assert len(fields) < 1000
    assert browser.post(_edit_url(product), fields).status_code == 302
    last = Variant.objects.get(store=merchant.store, option1="S9", option2="C9")
    assert (last.price, last.image_id, last.continue_selling) == (Decimal("6.00"), image.pk, True)
    assert set(Variant.objects.filter(store=merchant.store).values_list("id", flat=True)) == ids


def test_a_staff_member_manages_the_catalog(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    staff = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.STAFF,
        email="clerk@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    clerk = platform_client(staff.user)
    assert clerk.get("/office/catalog/products/").status_code == 200
    response = clerk.post(NEW, _shirt_post())
    assert response.status_code == 302
    assert Product.objects.filter(store=merchant.store, title="Linen Shirt").exists()
    entry = AuditEntry.objects.get(store_id=merchant.store.pk, action="catalog.product_create")
    assert entry.actor_id == staff.user.pk


def test_options_with_a_huge_number_of_combinations_answer_at_once(merchant, browser) -> None:
    values = {f"options-{i}-values": ", ".join(f"v{i}-{n}" for n in range(60)) for i in range(3)}
    names = {f"options-{i}-name": f"Option {i}" for i in range(3)}
    for action in ("options", "save"):
        response = browser.post(NEW, _shirt_post(**values, **names, action=action))
        html = response.content.decode()
        assert "These options make <span data-count>216000</span> combinations" in html
        assert len(variant_row_titles(response)) == 100
    assert response.status_code == 400
    assert cell_errors(response, "variants") == ["A product has at most 100 variants."]
    assert catalog_counts(merchant.store)["products"] == 0
