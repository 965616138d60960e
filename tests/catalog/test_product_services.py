"""Creating and updating products (catalog.services.product_create / product_update)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from shopwright.catalog import services
from shopwright.catalog.cache import catalog_version
from shopwright.catalog.inputs import OptionInput, VariantInput
from shopwright.catalog.models import Product, ProductOption, Variant
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.models import AuditEntry
from tests.catalog.helpers import catalog_counts, shirt_input, simple_input, with_variant
from tests.catalog_factories import make_product

pytestmark = pytest.mark.django_db


def create(store, actor, data):
    return services.product_create(store=store, actor=actor, data=data)


def update(store, actor, product, data):
    return services.product_update(store=store, actor=actor, product=product, data=data)


def refused(store, actor, data, *, product=None) -> dict[str, list[str]]:
    """The field errors of a refused write, after checking it wrote nothing."""
    before = catalog_counts(store)
    with pytest.raises(ApplicationError) as info:
        if product is None:
            create(store, actor, data)
        else:
            update(store, actor, product, data)
    assert catalog_counts(store) == before
    assert info.value.status_code == 400
    return info.value.fields


# --- create ----------------------------------------------------------------------------


def test_create_writes_product_options_variants_and_denormalised_columns(store, actor):
    product = create(store, actor, shirt_input())

    product = Product.objects.get(store=store, pk=product.pk)
    assert product.handle == "linen-shirt"
    assert product.tags_text == "|summer|linen|"
    assert product.tags == ["summer", "linen"]
    assert product.price_min == Decimal("30.00") and product.price_max == Decimal("32.50")
    assert product.published_at is not None
    options = list(ProductOption.objects.filter(store=store, product=product))
    assert [(o.position, o.name, o.values) for o in options] == [
        (0, "Size", ["S", "M"]),
        (1, "Colour", ["Red", "Blue"]),
    ]
    variants = list(Variant.objects.filter(store=store, product=product))
    assert [(v.option_values, v.sku, v.price) for v in variants] == [
        (["S", "Red"], "SH-S-RED", Decimal("30.00")),
        (["S", "Blue"], "SH-S-BLUE", Decimal("32.50")),
        (["M", "Red"], "SH-M-RED", Decimal("30.00")),
        (["M", "Blue"], "SH-M-BLUE", Decimal("32.50")),
    ]
    assert [v.position for v in variants] == [0, 1, 2, 3]
    lines = product.search_document.split("\n")
    assert lines[:4] == ["Linen Shirt", "Acme", "Shirts", "summer linen"]
    assert "SH-M-BLUE" in lines[4] and "Blue" in lines[5]
    assert lines[-1] == "Soft linen"
    entry = AuditEntry.objects.filter(store_id=store.pk, action="catalog.product_create").get()
    assert entry.object_id == str(product.pk) and entry.actor_id == actor.id


def test_create_bumps_the_store_catalog_version_after_commit(
    store, other_store, actor, django_capture_on_commit_callbacks
):
    mine, theirs = catalog_version(store.pk), catalog_version(other_store.pk)
    with django_capture_on_commit_callbacks(execute=True):
        create(store, actor, simple_input())
    assert catalog_version(store.pk) != mine
    assert catalog_version(other_store.pk) == theirs


def test_draft_has_no_published_at_until_first_published(store, actor):
    product = create(store, actor, simple_input(status="draft"))
    assert product.published_at is None
    product = update(store, actor, product, simple_input(status="published"))
    first = product.published_at
    assert first is not None
    update(store, actor, product, simple_input(status="archived"))
    product = update(store, actor, product, simple_input(status="published"))
    assert product.published_at == first


def test_blank_handles_are_made_from_the_title_and_numbered(store, other_store, actor):
    assert create(store, actor, simple_input(title="Blue Mug!")).handle == "blue-mug"
    assert create(store, actor, simple_input(title="Blue  mug")).handle == "blue-mug-2"
    assert create(store, actor, simple_input(title="BLUE MUG")).handle == "blue-mug-3"
    # Handles are per store.
    assert create(other_store, Actor.system(), simple_input(title="Blue Mug")).handle == "blue-mug"
    # A title with nothing slug-able still gets a handle.
    assert create(store, actor, simple_input(title="茶杯")).handle == "product"


def test_given_handle_is_lower_cased_and_checked(store, actor):
    assert create(store, actor, simple_input(handle=" Summer-Mug ")).handle == "summer-mug"
    assert refused(store, actor, simple_input(handle="summer-mug")) == {
        "handle": ["Another product already uses this handle."]
    }
    for bad in ("with space", "under_score", "-lead", "double--hyphen", "é", "a" * 101):
        assert "handle" in refused(store, actor, simple_input(handle=bad)), bad


def test_description_is_sanitised(store, actor):
    html = (
        '<p onclick="x()" style="color:red">Hi <a href="javascript:alert(1)">bad</a>'
        '<a href="https://example.com" title="t" target="_blank">ok</a></p>'
        "<script>alert(1)</script><img src=x onerror=alert(1)><h2>Care</h2><iframe src=x></iframe>"
    )
    product = create(store, actor, simple_input(description_html=html))
    assert product.description_html == (
        '<p>Hi <a rel="noopener nofollow">bad</a>'
        '<a href="https://example.com" title="t" rel="noopener nofollow">ok</a></p><h2>Care</h2>'
    )
    assert "alert" not in product.search_document


def test_tags_rules(store, actor):
    assert refused(store, actor, simple_input(tags=["a|b"])) == {"tags": ['A tag cannot contain "|".']}
    assert "tags" in refused(store, actor, simple_input(tags=[f"t{i}" for i in range(31)]))
    product = create(store, actor, simple_input(tags=[f"T{i}" for i in range(30)] + ["t0", " ", ""]))
    assert len(product.tags) == 30


def test_text_fields_are_checked(store, actor):
    fields = refused(
        store,
        actor,
        simple_input(title=" ", status="live", seo_title="x" * 71, vendor="v" * 101, seo_description="d" * 321),
    )
    assert set(fields) == {"title", "status", "seo_title", "vendor", "seo_description"}
    assert "title" in refused(store, actor, simple_input(title="t" * 201))


def test_every_problem_is_reported_at_once(store, actor):
    data = with_variant(shirt_input(title=""), 1, price="-1")
    data = with_variant(data, 3, stock_quantity="-2")
    fields = refused(store, actor, data)
    assert set(fields) == {"title", "variants.1.price", "variants.3.stock_quantity"}


# --- options -----------------------------------------------------------------------------


def test_option_rules(store, actor):
    four = [OptionInput(name=f"O{i}", values=["a"]) for i in range(4)]
    assert refused(store, actor, simple_input(options=four)) == {"options": ["A product has at most 3 options."]}
    dup_names = [OptionInput(name="Size", values=["S"]), OptionInput(name="size ", values=["M"])]
    data = simple_input(options=dup_names)
    assert "options.1.name" in refused(store, actor, replace(data, variants=[VariantInput(["S", "M"], price="1")]))
    fields = refused(
        store,
        actor,
        simple_input(
            options=[
                OptionInput(name="", values=["a"]),
                OptionInput(name="Colour", values=[" ", ""]),
                OptionInput(name="Fit", values=["Slim", "slim"]),
            ]
        ),
    )
    assert set(fields) == {"options.0.name", "options.1.values", "options.2.values"}
    assert "options.0.values" in refused(store, actor, simple_input(options=[OptionInput("Size", ["x" * 101])]))


# --- variants ----------------------------------------------------------------------------


def test_variant_count_limits(store, actor):
    assert refused(store, actor, simple_input(variants=[])) == {"variants": ["Add at least one variant."]}
    sizes, colours = [f"s{i}" for i in range(11)], [f"c{i}" for i in range(10)]
    options = [OptionInput("Size", sizes), OptionInput("Colour", colours)]
    combos = [[s, c] for s in sizes for c in colours]
    data = simple_input(options=options, variants=[VariantInput(option_values=c, price="1") for c in combos[:101]])
    assert refused(store, actor, data) == {"variants": ["A product has at most 100 variants."]}
    data = replace(data, variants=data.variants[:100])
    assert Variant.objects.filter(store=store, product=create(store, actor, data)).count() == 100


def test_variant_option_values_must_match_the_options(store, actor):
    data = shirt_input()
    assert "variants.0.option_values" in refused(store, actor, with_variant(data, 0, option_values=["S"]))
    assert "variants.0.option_values" in refused(store, actor, with_variant(data, 0, option_values=["XL", "Red"]))
    fields = refused(store, actor, with_variant(data, 2, option_values=["S", "red"]))
    assert fields == {"variants.2.option_values": ["Another variant has the same option values."]}
    two = simple_input(variants=[VariantInput(price="1"), VariantInput(price="2")])
    assert "variants" in refused(store, actor, two)


def test_option_values_take_the_declared_spelling(store, actor):
    product = create(store, actor, with_variant(shirt_input(), 0, option_values=["s", "RED"]))
    assert Variant.objects.filter(store=store, product=product).first().option_values == ["S", "Red"]


@pytest.mark.parametrize(
    "price",
    ["-0.01", "-1", "12.345", "abc", "1e5", "NaN", "Infinity", "", "1,50", "10000000000.00", Decimal("NaN"), 1.5, None],
)
def test_bad_prices_are_field_errors(store, actor, price):
    fields = refused(store, actor, simple_input(price=price))
    assert list(fields) == ["variants.0.price"]


@pytest.mark.parametrize("price", ["-5", "0.001", "x"])
def test_bad_compare_at_prices_are_field_errors(store, actor, price):
    assert list(refused(store, actor, simple_input(compare_at_price=price))) == ["variants.0.compare_at_price"]


def test_price_messages_say_what_is_wrong(store, actor):
    assert refused(store, actor, simple_input(price="-0.01")) == {
        "variants.0.price": ["The price cannot be below zero."]
    }
    assert refused(store, actor, simple_input(price="1.999")) == {
        "variants.0.price": ["The price has at most 2 decimal places."]
    }


def test_prices_follow_the_store_currency(store, actor):
    product = create(store, actor, simple_input(price=" 12.5 ", compare_at_price="15.000"))
    variant = Variant.objects.get(store=store, product=product)
    assert variant.price == Decimal("12.50") and variant.compare_at_price == Decimal("15.00")
    assert create(store, actor, simple_input(price=Decimal("0"))).price_min == Decimal("0")
    store.currency = "JPY"
    store.save(update_fields=["currency"])
    assert "variants.0.price" in refused(store, actor, simple_input(price="12.5"))
    assert create(store, actor, simple_input(price="1200")).price_max == Decimal("1200")


@pytest.mark.parametrize("field", ["stock_quantity", "weight_grams"])
@pytest.mark.parametrize("value", ["-1", -1, "abc", "1.5", "1e3", True])
def test_bad_counts_are_field_errors(store, actor, field, value):
    assert list(refused(store, actor, simple_input(**{field: value}))) == [f"variants.0.{field}"]


def test_duplicate_sku_in_the_same_product(store, actor):
    data = with_variant(shirt_input(), 3, sku="SH-S-RED")
    assert refused(store, actor, data) == {"variants.3.sku": ["Variant 1 already has this SKU."]}


def test_duplicate_sku_across_products_and_not_across_stores(store, other_store, actor):
    create(store, actor, simple_input(sku="MUG-1"))
    fields = refused(store, actor, simple_input(title="Other mug", sku="MUG-1"))
    assert fields == {"variants.0.sku": ["Another product already uses this SKU."]}
    create(other_store, Actor.system(), simple_input(sku="MUG-1"))


def test_blank_skus_may_repeat(store, actor):
    create(store, actor, simple_input(sku=""))
    create(store, actor, simple_input(sku=" "))
    assert Variant.objects.filter(store=store, sku="").count() == 2


def test_a_new_product_has_no_images_to_point_at(store, actor):
    assert "variants.0.image_id" in refused(store, actor, simple_input(image_id=1))


# --- update ----------------------------------------------------------------------------


def test_update_keeps_variant_ids_by_options_then_sku(store, actor):
    product = create(store, actor, shirt_input())
    ids = {tuple(v.option_values): v.pk for v in Variant.objects.filter(store=store, product=product)}
    sizes_renamed = [OptionInput("Size", ["Small", "M"]), OptionInput("Colour", ["Red", "Blue", "Green"])]
    data = shirt_input(
        options=sizes_renamed,
        variants=[
            # Same options: same row, new price.
            VariantInput(["M", "Red"], sku="SH-M-RED", price="31"),
            # Options renamed, SKU unchanged: same row.
            VariantInput(["Small", "Red"], sku="SH-S-RED", price="30"),
            # New.
            VariantInput(["M", "Green"], sku="SH-M-GREEN", price="35"),
            # S/Blue and M/Blue are gone.
        ],
    )
    product = update(store, actor, product, data)

    variants = list(Variant.objects.filter(store=store, product=product))
    assert [(v.option_values, v.sku, v.price) for v in variants] == [
        (["M", "Red"], "SH-M-RED", Decimal("31.00")),
        (["Small", "Red"], "SH-S-RED", Decimal("30.00")),
        (["M", "Green"], "SH-M-GREEN", Decimal("35.00")),
    ]
    assert variants[0].pk == ids[("M", "Red")]
    assert variants[1].pk == ids[("S", "Red")]
    assert variants[2].pk not in ids.values()
    assert product.price_min == Decimal("30.00") and product.price_max == Decimal("35.00")
    assert "SH-S-BLUE" not in product.search_document and "Green" in product.search_document
    options = list(ProductOption.objects.filter(store=store, product=product))
    assert [o.values for o in options] == [["Small", "M"], ["Red", "Blue", "Green"]]
    assert AuditEntry.objects.filter(store_id=store.pk, action="catalog.product_update").count() == 1


def test_update_swaps_skus_between_variants(store, actor):
    product = create(store, actor, shirt_input())
    before = {v.sku: v.pk for v in Variant.objects.filter(store=store, product=product)}
    data = with_variant(shirt_input(), 0, sku="SH-S-BLUE")
    data = with_variant(data, 1, sku="SH-S-RED")
    update(store, actor, product, data)
    after = {v.sku: v.pk for v in Variant.objects.filter(store=store, product=product)}
    assert after["SH-S-BLUE"] == before["SH-S-RED"] and after["SH-S-RED"] == before["SH-S-BLUE"]


def test_update_moves_a_sku_from_a_removed_variant_to_a_new_one(store, actor):
    product = create(store, actor, shirt_input())
    data = shirt_input(
        options=[OptionInput("Size", ["XL"]), OptionInput("Colour", ["Black"])],
        variants=[VariantInput(["XL", "Black"], sku="SH-M-BLUE", price="40")],
    )
    update(store, actor, product, data)
    (variant,) = Variant.objects.filter(store=store, product=product)
    assert variant.sku == "SH-M-BLUE" and variant.option_values == ["XL", "Black"]


def test_update_removing_options(store, actor):
    product = create(store, actor, shirt_input())
    update(store, actor, product, simple_input(title="Plain shirt", sku="SH-S-RED"))
    assert ProductOption.objects.filter(store=store, product=product).count() == 0
    (variant,) = Variant.objects.filter(store=store, product=product)
    assert variant.option_values == [] and variant.sku == "SH-S-RED"


def test_update_keeps_the_handle_when_blank_and_allows_its_own(store, actor):
    product = create(store, actor, shirt_input())
    assert update(store, actor, product, shirt_input(title="New title")).handle == "linen-shirt"
    assert update(store, actor, product, shirt_input(handle="linen-shirt")).handle == "linen-shirt"
    other = make_product(store, title="Other")
    assert refused(store, actor, shirt_input(handle=other.handle), product=product) == {
        "handle": ["Another product already uses this handle."]
    }


def test_update_error_leaves_product_and_variants_untouched(store, actor):
    product = create(store, actor, shirt_input())
    rows = list(Variant.objects.filter(store=store, product=product).values())
    other = make_product(store)
    taken_sku = Variant.objects.filter(store=store, product=other).get().sku
    data = with_variant(shirt_input(title="Changed", options=[OptionInput("Size", ["S", "M"])]), 0, sku=taken_sku)
    refused(store, actor, data, product=product)
    product.refresh_from_db()
    assert product.title == "Linen Shirt"
    assert list(Variant.objects.filter(store=store, product=product).values()) == rows


def test_variant_image_must_be_this_products_image(store, other_store, actor):
    from shopwright.catalog.models import ProductImage

    product = create(store, actor, simple_input())
    mine = ProductImage.objects.create(store=store, product=product)
    sibling = ProductImage.objects.create(store=store, product=make_product(store))
    foreign = ProductImage.objects.create(store=other_store, product=make_product(other_store))
    for image in (sibling, foreign):
        assert refused(store, actor, simple_input(image_id=image.pk), product=product) == {
            "variants.0.image_id": ["Choose one of this product's images."]
        }
    update(store, actor, product, simple_input(image_id=mine.pk))
    assert Variant.objects.get(store=store, product=product).image_id == mine.pk


def test_update_of_another_stores_product_is_refused(store, other_store, actor):
    theirs = make_product(other_store)
    with pytest.raises(ApplicationError):
        update(store, actor, theirs, simple_input())
    theirs.refresh_from_db()
    assert theirs.title != "Mug"


# --- races that slip past the checks ---------------------------------------------------


def test_duplicate_handle_past_the_check_is_a_clean_error(store, actor, monkeypatch):
    create(store, actor, simple_input(handle="mug"))
    monkeypatch.setattr("shopwright.catalog.validation.handle_taken", lambda **kwargs: False)
    assert refused(store, actor, simple_input(handle="mug")) == {
        "handle": ["Another product already uses this handle."]
    }


def test_duplicate_sku_past_the_check_is_a_clean_error(store, actor, monkeypatch):
    create(store, actor, simple_input(sku="MUG-1"))
    monkeypatch.setattr("shopwright.catalog.validation._check_variants_unique", lambda **kwargs: None)
    assert refused(store, actor, simple_input(sku="MUG-1")) == {
        "variants.0.sku": ["Another product already uses this SKU."]
    }


def test_generated_handle_taken_past_the_check_takes_the_next_one(store, actor, monkeypatch):
    create(store, actor, simple_input(title="Mug"))
    calls = []

    def stale_free_handle(*, store, base):
        calls.append(base)
        # The first answer is stale (as if a concurrent create took it meanwhile).
        return base if len(calls) == 1 else f"{base}-2"

    monkeypatch.setattr(services, "_free_handle", stale_free_handle)
    assert create(store, actor, simple_input(title="Mug")).handle == "mug-2"


def test_removing_a_variant_removes_it_from_carts(store, actor):
    from shopwright.cart.models import Cart, CartLine

    product = create(store, actor, shirt_input())
    variants = {v.sku: v for v in Variant.objects.filter(store=store, product=product)}
    cart = Cart.objects.create(store=store)
    for sku in ("SH-S-RED", "SH-M-BLUE"):
        CartLine.objects.create(store=store, cart=cart, variant=variants[sku], quantity=1)
    data = shirt_input(variants=[v for v in shirt_input().variants if v.sku != "SH-M-BLUE"])
    update(store, actor, product, data)
    lines = CartLine.objects.filter(store=store, cart=cart).values_list("variant_id", flat=True)
    assert list(lines) == [variants["SH-S-RED"].pk]


def test_saving_unchanged_variants_writes_none_of_them(store, actor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    product = create(store, actor, shirt_input())
    with CaptureQueriesContext(connection) as queries:
        update(store, actor, product, with_variant(shirt_input(), 2, price="29.00"))
    variant_writes = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "catalog_variant"')]
    assert len(variant_writes) == 1
    assert Variant.objects.get(store=store, sku="SH-M-RED").price == Decimal("29.00")
