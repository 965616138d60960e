"""The benchmark data generator writes the rows the catalog services would write, and the storefront can use them."""

from __future__ import annotations

from decimal import Decimal

import make_data
import pytest

from shopwright.catalog.models import Collection, CollectionProduct, Product, ProductImage, ProductOption, Variant
from shopwright.catalog.services import product_create
from shopwright.core.audit import Actor
from shopwright.stores.models import Store
from tests.factories import make_merchant

PRODUCT_COLUMNS = [
    "title",
    "handle",
    "description_html",
    "vendor",
    "product_type",
    "tags_text",
    "status",
    "price_min",
    "price_max",
    "search_document",
]
VARIANT_COLUMNS = ["position", "sku", "option1", "option2", "option3", "price", "compare_at_price", "stock_quantity"]


@pytest.fixture
def generated(db):
    # bulk=True: on PostgreSQL, the load path of a large run (indexes rebuilt, foreign-key triggers skipped).
    return make_data.generate(
        stores=2, products=30, prefix="gen", manifest_stores=1, sample=20, picture_size=200, bulk=True
    )


def test_titles_and_handles_never_repeat_within_a_store():
    handles = [make_data.product_spec(7, i).handle for i in range(1000)]
    assert len(set(handles)) == 1000
    spec = make_data.product_spec(7, 3)
    assert spec == make_data.product_spec(7, 3)  # the same data on every run
    assert 2 <= len(spec.variants) <= 3


@pytest.mark.django_db
def test_generated_products_are_what_product_create_writes(generated):
    bench_store = Store.objects.get(handle="gen-0001")
    reference_store = make_merchant().store
    checked = 0
    for index in range(30):
        spec = make_data.product_spec(1, index)
        made = product_create(store=reference_store, actor=Actor.system(), data=make_data.product_input(spec))
        ours = Product.objects.get(store=bench_store, handle=spec.handle)
        assert [getattr(ours, c) for c in PRODUCT_COLUMNS] == [getattr(made, c) for c in PRODUCT_COLUMNS]
        assert (ours.published_at is None) == (made.published_at is None)
        assert list(Variant.objects.filter(store=bench_store, product=ours).values_list(*VARIANT_COLUMNS)) == list(
            Variant.objects.filter(store=reference_store, product=made).values_list(*VARIANT_COLUMNS)
        )
        assert list(ProductOption.objects.filter(store=bench_store, product=ours).values_list("name", "values")) == (
            list(ProductOption.objects.filter(store=reference_store, product=made).values_list("name", "values"))
        )
        checked += 1
    assert checked == 30


@pytest.mark.django_db
def test_every_store_gets_products_variants_pictures_and_collections(generated):
    assert generated.products == 60
    for store in Store.objects.filter(handle__startswith="gen-"):
        assert store.is_live
        assert Product.objects.filter(store=store).count() == 30
        assert ProductImage.objects.filter(store=store).count() == 30
        assert Variant.objects.filter(store=store).count() >= 60
        featured = Collection.objects.get(store=store, is_featured=True)
        assert CollectionProduct.objects.filter(store=store, collection=featured).count() >= 20
        assert {c.kind for c in Collection.objects.filter(store=store)} == {"manual", "automatic"}
    # New rows after the load get fresh ids (the id sequences moved past the generated ones).
    later = make_merchant().store
    assert product_create(store=later, actor=Actor.system(), data=make_data.product_input(make_data.product_spec(1, 0)))


@pytest.mark.django_db
def test_the_storefront_serves_the_generated_catalog(generated, client):
    entry = generated.manifest["stores"][0]
    host = f"{entry['handle']}.localhost"
    store = Store.objects.get(handle=entry["handle"])
    product = Product.objects.get(store=store, handle=entry["products"][0])
    assert product.price_min > Decimal(0)

    page = client.get(f"/products/{product.handle}/", HTTP_HOST=host)
    assert page.status_code == 200 and product.title in page.content.decode()
    assert client.get("/collections/featured/", HTTP_HOST=host).status_code == 200
    # The search index knows the inserted rows (FTS5 triggers on SQLite, column indexes on PostgreSQL).
    found = client.get("/search/", {"q": product.title}, HTTP_HOST=host)
    assert product.title in found.content.decode()


@pytest.mark.django_db
def test_the_manifest_names_published_products_and_variants_in_stock(generated):
    entry = generated.manifest["stores"][0]
    store = Store.objects.get(handle=entry["handle"])
    assert len(entry["products"]) == 20
    assert set(Product.objects.filter(store=store, handle__in=entry["products"]).values_list("status", flat=True)) == {
        "published"
    }
    in_stock = Variant.objects.filter(store=store, pk__in=entry["variants"], stock_quantity__gt=0).count()
    assert in_stock == len(entry["variants"]) > 0
    assert {c["handle"] for c in entry["collections"]} == {"featured", "new-arrivals", "under-50"}
    assert entry["search"]


@pytest.mark.django_db
def test_a_second_load_with_the_same_prefix_is_refused(generated):
    with pytest.raises(SystemExit, match="already exist"):
        make_data.generate(stores=1, products=1, prefix="gen")
