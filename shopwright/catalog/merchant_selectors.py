"""Back-office reads of the catalog: what a merchant sees while editing it.

Every read is scoped by the store passed in, so another store's product or
collection id answers `NotFound` exactly like one that never existed. The
list reads compute their per-row figures (variant count, stock, thumbnail)
in subqueries of one statement, so a page of 50 rows costs what a page of 5
does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from shopwright.catalog.models import (
    Collection,
    CollectionProduct,
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    Variant,
)
from shopwright.core.exceptions import NotFound
from shopwright.stores.models import Store

# Search terms longer than this cannot match a title, handle or SKU; cut them
# so a pasted essay does not turn into a slow LIKE.
MAX_QUERY_LENGTH = 200


def search_term(query: str) -> str:
    """What a back-office search looks for: NUL bytes dropped, trimmed and cut to MAX_QUERY_LENGTH.

    No title, handle or SKU holds a NUL (the services refuse it), and
    PostgreSQL refuses one in a query parameter: left in, it is a 500, not
    "no match".
    """
    return query.replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def _variant_figure(store: Store, expression: Any, *, tracked_only: bool = False) -> Subquery:
    """One aggregate over a product's variants, as a subquery of the product row."""
    rows = Variant.objects.filter(store=store, product=OuterRef("pk"))
    if tracked_only:
        rows = rows.filter(track_stock=True)
    return Subquery(
        rows.order_by().values("product").annotate(figure=expression).values("figure")[:1],
        output_field=IntegerField(),
    )


def _first_image(store: Store) -> Subquery:
    images = ProductImage.objects.filter(store=store, product=OuterRef("pk")).order_by("position", "id")
    return Subquery(images.values("renditions")[:1], output_field=JSONField())


def products_for_office(*, store: Store, query: str = "", status: str = "") -> QuerySet[Product]:
    """The store's products, newest change first, with `variant_count`, `tracked_count`,
    `stock_sum` (of variants that track stock) and `thumb_renditions` (the first image's).

    `query` matches title, handle or any variant's SKU (case-insensitive
    substring); `status` is one of ProductStatus or blank for all.
    """
    products = Product.objects.filter(store=store)
    query = search_term(query)
    if query:
        sku_match = Variant.objects.filter(store=store, product=OuterRef("pk"), sku__icontains=query)
        products = products.filter(Q(title__icontains=query) | Q(handle__icontains=query) | Exists(sku_match))
    if status in ProductStatus.values:
        products = products.filter(status=status)
    return (
        products.annotate(
            variant_count=Coalesce(_variant_figure(store, Count("pk")), Value(0)),
            tracked_count=Coalesce(_variant_figure(store, Count("pk"), tracked_only=True), Value(0)),
            stock_sum=Coalesce(_variant_figure(store, Sum("stock_quantity"), tracked_only=True), Value(0)),
            thumb_renditions=_first_image(store),
        )
        .defer("description_html", "search_document")
        .order_by("-updated_at", "-id")
    )


@dataclass(frozen=True)
class ProductForEditing:
    """A product with everything its edit page shows, loaded in a fixed number of queries."""

    product: Product
    options: list[ProductOption]
    variants: list[Variant]
    images: list[ProductImage]


def product_for_office(*, store: Store, product_id: int) -> Product:
    """The store's product with this id (no related rows); NotFound for any other id."""
    product = Product.objects.filter(store=store, pk=product_id).first()
    if product is None:
        raise NotFound("This product does not exist.")
    return product


def product_for_editing(*, store: Store, product_id: int) -> ProductForEditing:
    product = (
        Product.objects.filter(store=store, pk=product_id)
        .prefetch_related(
            Prefetch("options", queryset=ProductOption.objects.filter(store=store).order_by("position")),
            Prefetch("variants", queryset=Variant.objects.filter(store=store).order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.filter(store=store).order_by("position", "id")),
        )
        .first()
    )
    if product is None:
        raise NotFound("This product does not exist.")
    return ProductForEditing(
        product=product,
        options=list(product.options.all()),
        variants=list(product.variants.all()),
        images=list(product.images.all()),
    )


def product_image_for_office(*, store: Store, product: Product, image_id: int) -> ProductImage:
    image = ProductImage.objects.filter(store=store, product=product, pk=image_id).first()
    if image is None:
        raise NotFound("This image does not exist.")
    return image


def product_image_ids(*, store: Store, product: Product) -> list[int]:
    """The product's image ids in display order."""
    return list(
        ProductImage.objects.filter(store=store, product=product)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )


def collections_for_office(*, store: Store) -> QuerySet[Collection]:
    """The store's collections in display order, with `product_count` (hand-picked products)."""
    counts = (
        CollectionProduct.objects.filter(store=store, collection=OuterRef("pk"))
        .order_by()
        .values("collection")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        Collection.objects.filter(store=store)
        .annotate(product_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))
        .defer("description_html")
        .order_by("position", "id")
    )


def collection_for_office(*, store: Store, collection_id: int) -> Collection:
    collection = Collection.objects.filter(store=store, pk=collection_id).first()
    if collection is None:
        raise NotFound("This collection does not exist.")
    return collection


def collection_products_in_order(*, store: Store, collection: Collection) -> list[Product]:
    """A manual collection's products in their order (one query)."""
    entries = (
        CollectionProduct.objects.filter(store=store, collection=collection)
        .select_related("product")
        .only("position", "product__id", "product__title", "product__handle", "product__status")
        .order_by("position", "id")
    )
    return [entry.product for entry in entries]


def products_matching(*, store: Store, query: str, exclude_ids: set[int], limit: int = 25) -> list[Product]:
    """Products to offer for a manual collection: title, handle or SKU contains `query`."""
    query = search_term(query)
    if not query:
        return []
    sku_match = Variant.objects.filter(store=store, product=OuterRef("pk"), sku__icontains=query)
    found = (
        Product.objects.filter(store=store)
        .filter(Q(title__icontains=query) | Q(handle__icontains=query) | Exists(sku_match))
        .exclude(pk__in=exclude_ids)
        .only("id", "title", "handle", "status")
        .order_by("title", "id")
    )
    return list(found[:limit])
