"""The product page a visitor sees: price, images, variant picker, stock states, drafts and previews, caching."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.test import Client

from shopwright.catalog.inputs import VariantInput
from shopwright.catalog.models import Variant
from shopwright.catalog.preview import preview_token
from shopwright.catalog.services import product_delete
from shopwright.core.audit import Actor
from tests.catalog_factories import make_product
from tests.factories import PASSWORD, host, make_customer, make_merchant
from tests.storefront.catalog_helpers import (
    add_image,
    html,
    make_product_with_variants,
    product_change,
    product_data,
    visitor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return make_merchant(store_name="Linen House").store


@pytest.fixture
def other_store():
    return make_merchant(store_name="Tea Corner").store


@pytest.fixture
def shirt(store):
    """Two sizes by two colours: M/Red sold out, S/Blue low on stock, S/Red on sale."""
    return make_product_with_variants(
        store,
        title="Linen shirt",
        handle="linen-shirt",
        vendor="Flax & Co",
        description_html="<p>Breathable <strong>linen</strong>.</p>",
        options=[("Size", ["S", "M"]), ("Colour", ["Red", "Blue"])],
        variants=[
            {
                "option_values": ["S", "Red"],
                "sku": "LS-S-R",
                "price": "39.00",
                "compare_at_price": "49.00",
                "stock_quantity": 20,
            },
            {"option_values": ["S", "Blue"], "sku": "LS-S-B", "price": "39.00", "stock_quantity": 3},
            {"option_values": ["M", "Red"], "sku": "LS-M-R", "price": "42.00", "stock_quantity": 0},
            {"option_values": ["M", "Blue"], "sku": "LS-M-B", "price": "42.00", "stock_quantity": 8},
        ],
    )


def _variant_select_options(page: str) -> list[str]:
    select = re.search(r'<select id="variant-select" name="variant_id"[^>]*>(.*?)</select>', page, re.S)
    assert select, "without JavaScript one select of variants picks the variant"
    return re.findall(r"<option [^>]*>[^<]*</option>", select.group(1))


def test_product_page_shows_title_vendor_price_struck_compare_at_and_description(store, shirt) -> None:
    response = visitor(store).get("/products/linen-shirt/")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Linen shirt</h1>" in page
    assert "Flax &amp; Co" in page
    # The first variant that can be bought is shown: S / Red at $39.00, was $49.00 (struck through).
    assert '<span class="price" data-price>$39.00</span>' in page
    assert re.search(r'<s class="compare-at" data-compare-at>.*\$49\.00.*</s>', page)
    assert "<p>Breathable <strong>linen</strong>.</p>" in page
    assert "<title>Linen shirt – Linen House</title>" in page


def test_out_of_stock_variants_are_marked_and_cannot_be_picked_without_javascript(store, shirt) -> None:
    page = html(visitor(store).get("/products/linen-shirt/"))
    options = _variant_select_options(page)
    assert len(options) == 4
    sold_out = [o for o in options if "M / Red" in o]
    assert sold_out and "disabled" in sold_out[0] and "sold out" in sold_out[0]
    assert all("disabled" not in o for o in options if "M / Red" not in o)
    # The chosen (first available) variant is the select's selected one.
    assert "selected" in next(o for o in options if "S / Red" in o)


def test_variants_json_gives_price_compare_at_stock_state_per_variant(store, shirt) -> None:
    data = product_data(visitor(store).get("/products/linen-shirt/"))
    by_title = {v["title"]: v for v in data["variants"]}
    assert by_title["S / Red"]["price_text"] == "$39.00" and by_title["S / Red"]["compare_text"] == "$49.00"
    assert by_title["S / Blue"]["stock_text"] == "Only 3 left" and by_title["S / Blue"]["available"] is True
    assert by_title["M / Red"]["stock_text"] == "Out of stock" and by_title["M / Red"]["available"] is False
    assert by_title["M / Blue"]["stock_text"] == "In stock" and by_title["M / Blue"]["compare_text"] == ""
    assert data["options"] == ["Size", "Colour"]


def test_the_option_value_that_leads_to_a_sold_out_combination_is_marked(store, shirt) -> None:
    page = html(visitor(store).get("/products/linen-shirt/"))
    # With Red chosen, picking M gives M / Red, which is sold out; S and Blue are fine.
    chips = {
        value: cls
        for cls, value in re.findall(
            r'<label class="chip([^"]*)">\s*<input type="radio" name="option\d" value="([^"]+)"', page
        )
    }
    assert "is-sold-out" in chips["M"]
    assert "is-sold-out" not in chips["S"] and "is-sold-out" not in chips["Blue"]


def test_add_to_cart_form_posts_variant_and_quantity_with_csrf_token(store, shirt) -> None:
    page = html(visitor(store).get("/products/linen-shirt/"))
    form = re.search(r'<form method="post" action="/cart/add/"[^>]*>(.*?)</form>', page, re.S)
    assert form
    body = form.group(1)
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'name="quantity"' in body and 'value="1"' in body
    assert 'name="variant_id"' in body
    assert re.search(r'<button type="submit" class="buy-button" data-add-to-cart>Add to cart</button>', body)


def test_a_product_with_every_variant_sold_out_cannot_be_added(store) -> None:
    make_product(store, title="Gone", handle="gone", stock=0)
    page = html(visitor(store).get("/products/gone/"))
    assert re.search(r"<button [^>]*data-add-to-cart disabled>Sold out</button>", page)
    assert "Out of stock" in page


def test_a_single_variant_product_sends_its_variant_id_without_a_picker(store) -> None:
    product = make_product(store, title="Mug", handle="mug")
    page = html(visitor(store).get("/products/mug/"))
    variant_id = product_data(visitor(store).get("/products/mug/"))["variants"][0]["id"]
    assert f'<input type="hidden" name="variant_id" value="{variant_id}" data-variant-id>' in page
    assert "variant-select" not in page
    assert product.pk


def test_images_are_responsive_pictures_with_webp_and_the_variant_image_is_in_the_json(store, shirt) -> None:
    first = add_image(store, shirt, alt="Shirt, front")
    second = add_image(store, shirt, colour=(200, 40, 40), alt="Shirt in red")
    variants = [
        replace(v, image_id=second.pk) if v.option_values == ["M", "Blue"] else v for v in _inputs(store, shirt)
    ]
    product_change(store, shirt, variants=variants)
    page = html(visitor(store).get("/products/linen-shirt/"))
    main = re.search(r"<picture data-main-picture>(.*?)</picture>", page, re.S)
    assert main
    assert re.search(r'<source type="image/webp" srcset="[^"]+\.webp 160w, [^"]+\.webp 480w', main.group(1))
    assert 'alt="Shirt, front"' in main.group(1)
    assert re.search(r'<img src="/media/[^"]+\.jpg" srcset="[^"]+\.jpg 160w', main.group(1))
    # Both images are offered as thumbnails.
    assert page.count("data-image-id=") == 2
    data = product_data(visitor(store).get("/products/linen-shirt/"))
    m_blue = next(v for v in data["variants"] if v["title"] == "M / Blue")
    assert m_blue["image_id"] == second.pk
    assert data["images"][str(second.pk)]["alt"] == "Shirt in red"
    assert data["images"][str(second.pk)]["webp"].endswith("w")
    assert first.pk != second.pk


def _inputs(store, product) -> list[VariantInput]:  # type: ignore[no-untyped-def]
    return [
        VariantInput(
            option_values=v.option_values,
            sku=v.sku,
            price=v.price,
            compare_at_price=v.compare_at_price,
            stock_quantity=v.stock_quantity,
        )
        for v in Variant.objects.filter(store=store, product=product).order_by("position", "id")
    ]


def test_markup_in_a_title_is_shown_as_text(store) -> None:
    make_product(store, title='Mug <script>alert("x")</script>', handle="evil-mug")
    page = html(visitor(store).get("/products/evil-mug/"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


# --- who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_unpublished_products_are_not_found_for_visitors(store, status) -> None:
    make_product(store, title="Secret", handle="secret", status=status)
    response = visitor(store).get("/products/secret/")
    assert response.status_code == 404
    assert "Secret" not in html(response)


def test_unknown_product_is_a_404_page(store) -> None:
    response = visitor(store).get("/products/nothing-here/")
    assert response.status_code == 404
    assert "There is no such product." in html(response)


def test_another_stores_product_is_never_shown(store, other_store) -> None:
    make_product(other_store, title="Oolong tea", handle="oolong")
    response = visitor(store).get("/products/oolong/")
    assert response.status_code == 404
    assert "Oolong" not in html(response)


def test_a_valid_preview_link_shows_a_draft_with_a_banner_noindex_and_no_caching(store) -> None:
    draft = make_product(store, title="Coming soon", handle="coming-soon", status="draft")
    response = visitor(store).get(f"/products/coming-soon/?preview={preview_token(product=draft)}")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Coming soon</h1>" in page
    assert "Preview — not published" in page
    assert '<meta name="robots" content="noindex">' in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    # The preview never lands in the cache: a visitor still gets the 404 afterwards.
    assert visitor(store).get("/products/coming-soon/").status_code == 404


def test_a_wrong_or_foreign_preview_token_is_a_404(store, other_store) -> None:
    draft = make_product(store, title="Coming soon", handle="coming-soon", status="draft")
    other_draft = make_product(store, title="Other draft", handle="other-draft", status="draft")
    foreign = make_product(other_store, title="Foreign", handle="coming-soon", status="draft")
    for token in ("garbage", preview_token(product=other_draft), preview_token(product=foreign)):
        response = visitor(store).get(f"/products/coming-soon/?preview={token}")
        assert response.status_code == 404, token
        assert "Coming soon" not in html(response)
    assert draft.pk


# --- caching ------------------------------------------------------------------------------------


def test_a_catalog_change_shows_at_once(store, shirt, django_capture_on_commit_callbacks) -> None:
    browser = visitor(store)
    assert "<h1>Linen shirt</h1>" in html(browser.get("/products/linen-shirt/"))  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        product_change(store, shirt, title="Linen shirt, relaxed fit")
    assert "<h1>Linen shirt, relaxed fit</h1>" in html(browser.get("/products/linen-shirt/"))
    with django_capture_on_commit_callbacks(execute=True):
        product_delete(store=store, actor=Actor.system(), product=shirt)
    assert browser.get("/products/linen-shirt/").status_code == 404


def test_one_stores_cached_page_is_never_served_to_another(store, other_store) -> None:
    make_product(store, title="Linen apron", handle="apron", price="20.00")
    make_product(other_store, title="Tea towel", handle="apron", price="7.00")
    first = html(visitor(store).get("/products/apron/"))
    second = html(visitor(other_store).get("/products/apron/"))
    assert "Linen apron" in first and "Tea towel" not in first
    assert "Tea towel" in second and "Linen apron" not in second
    assert "$7.00" in html(visitor(other_store).get("/products/apron/"))


def test_the_per_visitor_parts_are_not_cached(store, shirt) -> None:
    anonymous = visitor(store)
    first = html(anonymous.get("/products/linen-shirt/"))
    customer = make_customer(store, email="ada@example.com")
    signed_in = Client(HTTP_HOST=host(store))
    assert signed_in.post("/account/login/", {"email": customer.email, "password": PASSWORD}).status_code == 302
    second = html(signed_in.get("/products/linen-shirt/"))
    assert 'href="/account/login/"' in first and 'href="/account/"' not in first
    assert 'href="/account/"' in second
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(first) and token.search(second)
    assert token.findall(first)[-1] != token.findall(second)[-1]
