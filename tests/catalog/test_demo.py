"""`shopwright demo` fills the demo store with a catalog that looks like a real shop, once."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageStat

from shopwright.catalog import demo
from shopwright.catalog.models import Collection, CollectionKind, CollectionProduct, Product, ProductImage, Variant
from shopwright.catalog.services import collection_delete, product_delete
from shopwright.core.audit import Actor
from shopwright.stores.models import Store

pytestmark = pytest.mark.django_db

# Small pictures keep the test quick; the drawing and the services' checks are the same.
SIZE = 200


def _load(store: Store) -> demo.DemoCatalogResult:
    return demo.demo_catalog_load(store=store, picture_size=SIZE)


def _picture_colour(image: ProductImage) -> tuple[float, ...]:
    """The mean colour of the image's middle, where the product is drawn."""
    name = image.renditions[str(max(int(w) for w in image.renditions))]["webp"]
    with default_storage.open(name) as f, Image.open(f) as picture:
        assert picture.format == "WEBP"
        w, h = picture.size
        middle = picture.convert("RGB").crop((w * 2 // 5, h * 2 // 5, w * 3 // 5, h * 3 // 5))
        return tuple(ImageStat.Stat(middle).mean)


def test_the_demo_catalog_looks_like_a_real_shop(store):
    result = _load(store)

    products = list(Product.objects.filter(store=store))
    published = [p for p in products if p.status == "published"]
    assert result.products_created == len(products) == len(demo.PRODUCTS)
    assert len(published) >= 60
    assert {p.product_type for p in published} >= {"T-shirt", "Mug", "Candle", "Plant pot", "Notebook"}
    assert len({p.vendor for p in published}) >= 4
    assert all(p.tags and p.description_html.startswith("<p>") for p in published)
    assert sum(p.price_min != p.price_max for p in published) >= 10  # sizes that cost more
    assert len({p.sales_count for p in published}) > 20  # "best selling" has an order to show

    variants = list(Variant.objects.filter(store=store))
    assert len(variants) > 3 * len(products)
    stock = Counter("out" if v.stock_quantity == 0 else "low" if v.stock_quantity <= 3 else "ok" for v in variants)
    assert stock["out"] >= 10 and stock["low"] >= 10 and stock["ok"] > len(variants) // 2
    assert any(v.compare_at_price and v.compare_at_price > v.price for v in variants)
    assert any(v.continue_selling and v.stock_quantity == 0 for v in variants)  # made to order
    by_product = Counter(v.product_id for v in variants if v.option1 and v.option2)
    assert len(by_product) >= 20  # two options (size and colour)

    images = list(ProductImage.objects.filter(store=store))
    per_product = Counter(i.product_id for i in images)
    assert set(per_product) == {p.pk for p in products}  # every product has a picture
    assert sum(n >= 2 for n in per_product.values()) >= 20
    assert result.images_created == len(images)

    # A tee's variants each show the picture of their own colour, and the pictures differ.
    tee = next(p for p in products if p.handle == "harbour-tee")
    tee_variants = [v for v in variants if v.product_id == tee.pk]
    assert all(v.image_id for v in tee_variants)
    by_colour = {v.option2: v.image_id for v in tee_variants}
    assert set(by_colour) == {"Navy", "White", "Charcoal"}
    pictures = {i.pk: i for i in images}
    navy, white = _picture_colour(pictures[by_colour["Navy"]]), _picture_colour(pictures[by_colour["White"]])
    assert sum(navy) < 300 < sum(white)  # a dark shirt and a light one

    collections = list(Collection.objects.filter(store=store))
    assert len(collections) == 6
    assert Counter(c.kind for c in collections) == {CollectionKind.AUTOMATIC: 4, CollectionKind.MANUAL: 2}
    featured = [c for c in collections if c.is_featured]
    assert [c.handle for c in featured] == ["staff-picks"]
    picks = CollectionProduct.objects.filter(store=store, collection=featured[0]).order_by("position")
    handles = dict(Product.objects.filter(store=store).values_list("id", "handle"))
    assert [handles[e.product_id] for e in picks] == list(demo.STAFF_PICKS)
    assert {c.title for c in collections} >= {"Under $25", "Apparel", "On sale"}


def test_loading_again_adds_nothing_and_costs_two_queries(store, django_assert_num_queries):
    _load(store)
    counts = (Product.objects.filter(store=store).count(), ProductImage.objects.filter(store=store).count())

    with django_assert_num_queries(2):
        result = _load(store)

    assert (result.products_created, result.images_created, result.collections_created) == (0, 0, 0)
    assert counts == (Product.objects.filter(store=store).count(), ProductImage.objects.filter(store=store).count())
    assert Collection.objects.filter(store=store).count() == 6


def test_an_interrupted_load_is_completed_by_the_next(store):
    _load(store)
    actor = Actor.system()
    product_delete(store=store, actor=actor, product=Product.objects.get(store=store, handle="morning-mug"))
    collection_delete(store=store, actor=actor, collection=Collection.objects.get(store=store, handle="gift-ideas"))

    result = _load(store)

    assert (result.products_created, result.collections_created) == (1, 1)
    mug = Product.objects.get(store=store, handle="morning-mug")
    assert ProductImage.objects.filter(store=store, product=mug).count() == 3  # one per colour
    gifts = Collection.objects.get(store=store, handle="gift-ideas")
    assert CollectionProduct.objects.filter(store=store, collection=gifts).count() == len(demo.GIFT_IDEAS)
    assert Product.objects.filter(store=store).count() == len(demo.PRODUCTS)


def test_the_demo_command_fills_the_demo_store(monkeypatch):
    from shopwright.stores.demo import demo_load

    monkeypatch.setattr(demo, "PICTURE_SIZE", SIZE)
    store = demo_load()

    assert store.is_live
    assert Product.objects.filter(store=store, status="published").count() >= 60
    assert Collection.objects.filter(store=store).count() == 6
