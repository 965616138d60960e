"""Storefront catalog API (store host): published products and collections, for headless and mobile shops.

Read-only and public. Prices are decimal strings in the store's currency
(never floats), with the currency code and a formatted text; image URLs are
absolute. The same selectors as the pages answer, so the API shows exactly
what the storefront shows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from shopwright.catalog import selectors
from shopwright.catalog.display import format_money, is_discounted, stock_label, stock_state
from shopwright.catalog.models import Collection, Product, ProductImage, Variant
from shopwright.catalog.money import in_minor_units
from shopwright.core.api import ApiSchema, ErrorOut, require_store_host
from shopwright.storefront.pictures import picture_for
from shopwright.stores.models import Store

router = Router(tags=["storefront catalog"])

SortKey = Literal["featured", "newest", "price-asc", "price-desc", "best-selling"]
ANSWERS_400_404 = {400: ErrorOut, 404: ErrorOut}


class MoneyOut(ApiSchema):
    amount: str = Field(description='A decimal number as a string, e.g. "19.90"; never a float.')
    currency: str = Field(description="ISO 4217 code of the store's currency.")
    formatted: str


class ImageOut(ApiSchema):
    id: int
    alt: str
    width: int
    height: int
    url: str = Field(description="A JPEG rendition about 960 px wide.")
    srcset_webp: str
    srcset_jpeg: str


class ProductCardOut(ApiSchema):
    id: int
    handle: str
    title: str
    vendor: str
    url: str
    price_min: MoneyOut
    price_max: MoneyOut
    compare_at_price: MoneyOut | None = Field(description="The cheapest variant's compare-at price, when above it.")
    available: bool
    image: ImageOut | None


class PageOut(ApiSchema):
    number: int
    num_pages: int
    per_page: int
    total: int


class ProductListOut(ApiSchema):
    sort: str
    page: PageOut
    products: list[ProductCardOut]


class OptionOut(ApiSchema):
    name: str
    values: list[str]


class VariantOut(ApiSchema):
    id: int
    title: str
    sku: str
    options: list[str]
    price: MoneyOut
    compare_at_price: MoneyOut | None
    available: bool
    stock_state: Literal["in_stock", "low_stock", "out_of_stock"]
    stock_text: str
    image_id: int | None


class ProductOut(ApiSchema):
    id: int
    handle: str
    title: str
    url: str
    description_html: str = Field(description="Sanitised HTML.")
    vendor: str
    product_type: str
    tags: list[str]
    seo_title: str
    seo_description: str
    price_min: MoneyOut
    price_max: MoneyOut
    available: bool
    options: list[OptionOut]
    variants: list[VariantOut]
    images: list[ImageOut]


class CollectionOut(ApiSchema):
    id: int
    handle: str
    title: str
    url: str
    description_html: str = Field(description="Sanitised HTML.")
    default_sort: str


class CollectionListOut(ApiSchema):
    collections: list[CollectionOut]


class CollectionPageOut(ApiSchema):
    collection: CollectionOut
    sort: str
    page: PageOut
    products: list[ProductCardOut]


class ProductsQuery(ApiSchema):
    collection: str | None = Field(None, description="Only this collection's products (by handle).")
    sort: SortKey | None = Field(None, description="Default: the collection's own order, else newest.")
    page: int = Field(1, ge=1, description=f"{selectors.PAGE_SIZE} products per page.")


class CollectionQuery(ApiSchema):
    sort: SortKey | None = None
    page: int = Field(1, ge=1)


# --- shaping --------------------------------------------------------------------------------


def _money(amount: Decimal, store: Store) -> MoneyOut:
    return MoneyOut(
        amount=str(in_minor_units(amount, store.currency)),
        currency=store.currency,
        formatted=format_money(amount, store.currency),
    )


def _image(request: HttpRequest, image: ProductImage, alt_fallback: str) -> ImageOut | None:
    picture = picture_for(image, alt_fallback=alt_fallback)
    if picture is None:
        return None

    def absolute_srcset(srcset: str) -> str:
        return ", ".join(request.build_absolute_uri(part.strip()) for part in srcset.split(", ") if part.strip())

    return ImageOut(
        id=picture.id,
        alt=picture.alt,
        width=picture.width,
        height=picture.height,
        url=request.build_absolute_uri(picture.src),
        srcset_webp=absolute_srcset(picture.webp_srcset),
        srcset_jpeg=absolute_srcset(picture.jpeg_srcset),
    )


def card_out(request: HttpRequest, store: Store, card: selectors.ProductCard) -> ProductCardOut:
    return ProductCardOut(
        id=card.id,
        handle=card.handle,
        title=card.title,
        vendor=card.vendor,
        url=request.build_absolute_uri(f"/products/{card.handle}/"),
        price_min=_money(card.price_min, store),
        price_max=_money(card.price_max, store),
        compare_at_price=_money(card.compare_at_price, store)
        if card.compare_at_price is not None and is_discounted(card.price_min, card.compare_at_price)
        else None,
        available=card.available,
        image=_image(request, card.image, card.title) if card.image else None,
    )


def _page(listing: selectors.ProductPage) -> PageOut:
    return PageOut(
        number=listing.number, num_pages=listing.num_pages, per_page=selectors.PAGE_SIZE, total=listing.total
    )


def _collection(request: HttpRequest, collection: Collection) -> CollectionOut:
    return CollectionOut(
        id=collection.pk,
        handle=collection.handle,
        title=collection.title,
        url=request.build_absolute_uri(f"/collections/{collection.handle}/"),
        description_html=collection.description_html,
        default_sort=collection.default_sort,
    )


def _variant(variant: Variant, store: Store) -> VariantOut:
    state = stock_state(
        track_stock=variant.track_stock,
        continue_selling=variant.continue_selling,
        stock_quantity=variant.stock_quantity,
    )
    compare = variant.compare_at_price
    return VariantOut(
        id=variant.pk,
        title=variant.title,
        sku=variant.sku,
        options=variant.option_values,
        price=_money(variant.price, store),
        compare_at_price=_money(compare, store)
        if compare is not None and is_discounted(variant.price, compare)
        else None,
        available=variant.available,
        stock_state=state,  # type: ignore[arg-type]
        stock_text=stock_label(state, variant.stock_quantity),
        image_id=variant.image_id,
    )


def _product(request: HttpRequest, store: Store, product: Product) -> ProductOut:
    variants = list(product.variants.all())
    images = [out for out in (_image(request, i, product.title) for i in product.images.all()) if out is not None]
    return ProductOut(
        id=product.pk,
        handle=product.handle,
        title=product.title,
        url=request.build_absolute_uri(f"/products/{product.handle}/"),
        description_html=product.description_html,
        vendor=product.vendor,
        product_type=product.product_type,
        tags=product.tags,
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        price_min=_money(product.price_min, store),
        price_max=_money(product.price_max, store),
        available=any(v.available for v in variants),
        options=[OptionOut(name=o.name, values=list(o.values)) for o in product.options.all()],
        variants=[_variant(v, store) for v in variants],
        images=images,
    )


# --- endpoints ------------------------------------------------------------------------------


@router.get("/products", response={200: ProductListOut, **ANSWERS_400_404})
def products_list(request: HttpRequest, query: Query[ProductsQuery]) -> ProductListOut:
    """Published products, 24 a page; with `collection`, that collection's products in its order."""
    store = require_store_host(request)
    if query.collection is not None:
        found = selectors.collection_page(store=store, handle=query.collection, sort=query.sort, page=query.page)
        listing, sort = found.page, found.sort
    else:
        listing = selectors.all_products_page(store=store, sort=query.sort, page=query.page)
        sort = query.sort or "newest"
    return ProductListOut(sort=sort, page=_page(listing), products=[card_out(request, store, c) for c in listing.cards])


@router.get("/products/{handle}", response={200: ProductOut, 404: ErrorOut})
def product_get(request: HttpRequest, handle: str) -> ProductOut:
    """One published product with its options, variants (price, stock state) and images."""
    store = require_store_host(request)
    return _product(request, store, selectors.product_detail(store=store, handle=handle))


@router.get("/collections", response={200: CollectionListOut, 404: ErrorOut})
def collections_list(request: HttpRequest) -> CollectionListOut:
    """The store's published collections, in the merchant's order."""
    store = require_store_host(request)
    return CollectionListOut(
        collections=[_collection(request, c) for c in selectors.collections_published(store=store)]
    )


@router.get("/collections/{handle}", response={200: CollectionPageOut, **ANSWERS_400_404})
def collection_get(request: HttpRequest, handle: str, query: Query[CollectionQuery]) -> CollectionPageOut:
    """A published collection with one page of its products."""
    store = require_store_host(request)
    found = selectors.collection_page(store=store, handle=handle, sort=query.sort, page=query.page)
    return CollectionPageOut(
        collection=_collection(request, found.collection),
        sort=found.sort,
        page=_page(found.page),
        products=[card_out(request, store, c) for c in found.page.cards],
    )
