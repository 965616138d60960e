"""Storefront reads of the catalog: what a visitor of one store may see.

Only published products and collections are returned, always of the store
passed in; "another store's" and "does not exist" are the same `NotFound`.
Every function runs a fixed number of queries whatever the number of
products, variants or images (prefetches use store-filtered querysets, which
the test-suite tenant guard requires).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import OrderBy

from shopwright.catalog.models import (
    MONEY_PLACES,
    Collection,
    CollectionKind,
    CollectionProduct,
    CollectionSort,
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    Variant,
)
from shopwright.catalog.rules import rules_q
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.stores.models import Store

PAGE_SIZE = 24
NEWEST_ON_HOME = 12
FEATURED_ON_HOME = 8
SORTS: tuple[str, ...] = tuple(CollectionSort.values)
# What a handle can look like (catalog.models: a slug of at most 100 characters).
# Anything else is unknown without asking the database: a NUL byte in a URL,
# which PostgreSQL refuses in a parameter, never reaches it.
_HANDLE_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _handle_or_not_found(handle: str, message: str) -> str:
    if not _HANDLE_RE.fullmatch(handle):
        raise NotFound(message)
    return handle


# --- product cards (listings) ---------------------------------------------------------------


@dataclass(frozen=True)
class ProductCard:
    """What a listing shows of a product: no variants are loaded, only these summaries."""

    id: int
    handle: str
    title: str
    vendor: str
    price_min: Decimal
    price_max: Decimal
    # The compare-at price of the cheapest variant (None when it has none).
    compare_at_price: Decimal | None
    available: bool
    image: ProductImage | None
    updated_at: datetime


def published_products(*, store: Store) -> QuerySet[Product]:
    return Product.objects.filter(store=store, status=ProductStatus.PUBLISHED)


def _available_variants(*, store: Store) -> QuerySet[Variant]:
    return Variant.objects.filter(store=store, product=OuterRef("pk")).filter(
        Q(track_stock=False) | Q(continue_selling=True) | Q(stock_quantity__gt=0)
    )


def _with_card_fields(queryset: QuerySet[Product], *, store: Store) -> QuerySet[Product]:
    """Adds, in the same query, what a card needs from variants and images."""
    cheapest = Variant.objects.filter(store=store, product=OuterRef("pk")).order_by("price", "position", "id")
    first_image = ProductImage.objects.filter(store=store, product=OuterRef("pk")).order_by("position", "id")
    return queryset.only(
        "id", "store_id", "handle", "title", "vendor", "price_min", "price_max", "updated_at"
    ).annotate(
        card_compare_at=Subquery(cheapest.values("compare_at_price")[:1]),
        card_available=Exists(_available_variants(store=store)),
        card_image_id=Subquery(first_image.values("id")[:1]),
    )


_CENT = Decimal(1).scaleb(-MONEY_PLACES)


def _money_column(value: Decimal | None) -> Decimal | None:
    """A money value read through a subquery, with the column's decimal places (SQLite drops them: 49 for 49.00)."""
    return None if value is None else value.quantize(_CENT)


def product_cards(*, store: Store, products: QuerySet[Product]) -> list[ProductCard]:
    """The cards of `products` (a sliced, ordered queryset of this store's products): two queries."""
    rows = list(_with_card_fields(products, store=store))
    image_ids = [row.card_image_id for row in rows if row.card_image_id]  # type: ignore[attr-defined]
    images = {}
    if image_ids:
        images = {image.pk: image for image in ProductImage.objects.filter(store=store, pk__in=image_ids)}
    return [
        ProductCard(
            id=row.pk,
            handle=row.handle,
            title=row.title,
            vendor=row.vendor,
            price_min=row.price_min,
            price_max=row.price_max,
            compare_at_price=_money_column(row.card_compare_at),  # type: ignore[attr-defined]
            available=bool(row.card_available),  # type: ignore[attr-defined]
            image=images.get(row.card_image_id),  # type: ignore[attr-defined]
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def newest_products(*, store: Store, limit: int = NEWEST_ON_HOME) -> list[ProductCard]:
    ordered = published_products(store=store).order_by(*_NEWEST)
    return product_cards(store=store, products=ordered[:limit])


# --- collections ----------------------------------------------------------------------------


def collections_published(*, store: Store) -> list[Collection]:
    return list(Collection.objects.filter(store=store, is_published=True).order_by("position", "id"))


def collection_get(*, store: Store, handle: str) -> Collection:
    """A published collection of the store; NotFound otherwise."""
    handle = _handle_or_not_found(handle, "There is no such collection.")
    collection = Collection.objects.filter(store=store, handle=handle, is_published=True).first()
    if collection is None:
        raise NotFound("There is no such collection.")
    return collection


def collection_featured(*, store: Store) -> Collection | None:
    return Collection.objects.filter(store=store, is_featured=True, is_published=True).first()


_NEWEST = (OrderBy(F("published_at"), descending=True, nulls_last=True), "-id")
_ORDERINGS: dict[str, tuple[str | OrderBy, ...]] = {
    CollectionSort.NEWEST: _NEWEST,
    CollectionSort.PRICE_ASC: ("price_min", "id"),
    CollectionSort.PRICE_DESC: ("-price_min", "-id"),
    CollectionSort.BEST_SELLING: ("-sales_count", *_NEWEST),
}


def collection_products(*, store: Store, collection: Collection, sort: str) -> QuerySet[Product]:
    """The collection's published products in `sort` order (one of SORTS; the caller checks it)."""
    products = published_products(store=store)
    if collection.kind == CollectionKind.MANUAL:
        entries = CollectionProduct.objects.filter(store=store, collection=collection)
        products = products.filter(pk__in=entries.values("product_id"))
        if sort == CollectionSort.FEATURED:
            position = entries.filter(product=OuterRef("pk")).values("position")[:1]
            return products.annotate(collection_position=Subquery(position)).order_by("collection_position", "id")
    else:
        products = products.filter(rules_q(collection.rules, match_all=collection.match_all))
    return products.order_by(*_ORDERINGS.get(sort, _NEWEST))


def sort_checked(sort: str | None, *, default: str) -> str:
    """`sort` if it is one of SORTS, `default` when blank; ApplicationError (400) otherwise."""
    if sort is None or sort == "":
        return default if default in SORTS else CollectionSort.FEATURED
    if sort not in SORTS:
        raise ApplicationError.for_field("sort", f"Unknown sort order. Choose one of: {', '.join(SORTS)}.")
    return sort


def page_number_checked(page: str | int | None) -> int:
    """A page number of 1 or more; ApplicationError (400) for anything else. Past the end is the caller's 404."""
    if page is None or page == "":
        return 1
    if isinstance(page, int):
        number = page
    else:
        text = page.strip()
        if not text.isascii() or not text.isdigit():
            raise ApplicationError.for_field("page", "The page must be a whole number.")
        try:
            number = int(text)
        except ValueError as exc:  # more digits than Python converts
            raise NotFound("There is no such page.") from exc
    if number < 1:
        raise ApplicationError.for_field("page", "The page must be 1 or more.")
    return number


def page_count(total: int, per_page: int) -> int:
    """Pages needed for `total` items; at least 1, as page 1 of nothing is an empty page."""
    return max(1, -(-total // per_page))


@dataclass(frozen=True)
class PageNumbers:
    """Where one page stands among its pages: listings and search results share it."""

    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


@dataclass(frozen=True)
class ProductPage(PageNumbers):
    """One page of a listing."""

    cards: list[ProductCard]
    total: int


def products_page(*, store: Store, products: QuerySet[Product], page: int, per_page: int = PAGE_SIZE) -> ProductPage:
    """One page of `products` (ordered); NotFound past the last page. Page 1 of nothing is an empty page."""
    total = products.order_by().count()
    num_pages = page_count(total, per_page)
    if page > num_pages:
        raise NotFound("There is no such page.")
    start = (page - 1) * per_page
    cards = product_cards(store=store, products=products[start : start + per_page]) if total else []
    return ProductPage(cards=cards, number=page, num_pages=num_pages, total=total)


@dataclass(frozen=True)
class CollectionPage:
    collection: Collection
    sort: str
    page: ProductPage


def collection_page(*, store: Store, handle: str, sort: str | None, page: str | int | None) -> CollectionPage:
    """A page of a published collection. Raises NotFound (handle, page past the end), ApplicationError (sort, page)."""
    number = page_number_checked(page)
    collection = collection_get(store=store, handle=handle)
    chosen = sort_checked(sort, default=collection.default_sort)
    products = collection_products(store=store, collection=collection, sort=chosen)
    return CollectionPage(
        collection=collection, sort=chosen, page=products_page(store=store, products=products, page=number)
    )


def all_products_page(*, store: Store, sort: str | None, page: str | int | None) -> ProductPage:
    """A page of every published product of the store (the API's listing without a collection)."""
    number = page_number_checked(page)
    chosen = sort_checked(sort, default=CollectionSort.NEWEST)
    ordering = _ORDERINGS.get(chosen, _NEWEST)
    return products_page(store=store, products=published_products(store=store).order_by(*ordering), page=number)


# --- one product ----------------------------------------------------------------------------


def product_detail(*, store: Store, handle: str, published_only: bool = True) -> Product:
    """The product with its options, variants and images loaded (four queries).

    `published_only=False` also finds drafts and archived products: only for a
    caller that checked a preview link. Raises NotFound.
    """
    handle = _handle_or_not_found(handle, "There is no such product.")
    products = Product.objects.filter(store=store, handle=handle)
    if published_only:
        products = products.filter(status=ProductStatus.PUBLISHED)
    product = products.prefetch_related(
        Prefetch("options", queryset=ProductOption.objects.filter(store=store).order_by("position")),
        Prefetch("variants", queryset=Variant.objects.filter(store=store).order_by("position", "id")),
        Prefetch("images", queryset=ProductImage.objects.filter(store=store).order_by("position", "id")),
    ).first()
    if product is None:
        raise NotFound("There is no such product.")
    return product


# --- sitemap --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    path: str
    lastmod: datetime | None


@dataclass(frozen=True)
class SitemapPlan:
    """What the store's sitemap lists: the home page, then published collections, then published products."""

    collection_count: int
    product_count: int
    lastmod: datetime | None

    @property
    def total(self) -> int:
        return 1 + self.collection_count + self.product_count


def sitemap_plan(*, store: Store) -> SitemapPlan:
    products = published_products(store=store)
    return SitemapPlan(
        collection_count=Collection.objects.filter(store=store, is_published=True).count(),
        product_count=products.count(),
        lastmod=products.order_by("-updated_at").values_list("updated_at", flat=True).first(),
    )


def sitemap_entries(*, store: Store, plan: SitemapPlan, offset: int, limit: int) -> Iterator[SitemapEntry]:
    """URLs `offset` to `offset + limit` of the sitemap, in the order of SitemapPlan.

    Reads only the two columns it writes out, in streamed chunks, so a store
    with many products never loads its catalog into memory.
    """
    end = offset + limit
    if offset == 0 and end > 0:
        yield SitemapEntry(path="/", lastmod=plan.lastmod)
    start = 1  # where the collections begin in the whole list
    lo, hi = max(offset - start, 0), min(end - start, plan.collection_count)
    if hi > lo:
        collections = Collection.objects.filter(store=store, is_published=True).order_by("position", "id")
        for handle, updated in collections.values_list("handle", "updated_at")[lo:hi].iterator(chunk_size=2000):
            yield SitemapEntry(path=f"/collections/{handle}/", lastmod=updated)
    start += plan.collection_count
    lo, hi = max(offset - start, 0), min(end - start, plan.product_count)
    if hi > lo:
        products = published_products(store=store).order_by("id")
        for handle, updated in products.values_list("handle", "updated_at")[lo:hi].iterator(chunk_size=2000):
            yield SitemapEntry(path=f"/products/{handle}/", lastmod=updated)
